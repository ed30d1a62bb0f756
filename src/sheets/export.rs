//! Writers for files people open in Excel or WPS: every text cell goes through
//! [`neutralise_formula`], so no exported name or comment can run as a formula.

use rust_xlsxwriter::{ColNum, Format, RowNum, Workbook, Worksheet, XlsxError};

use super::formula::neutralise_formula;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// CSV in UTF-8 with a BOM (without it Excel on Chinese Windows reads the bytes as GBK and
/// shows mojibake), CRLF line ends, formula triggers neutralised. Rows may be shorter or
/// longer than the header.
pub fn csv_with_bom<I>(headers: &[&str], rows: I) -> Vec<u8>
where
    I: IntoIterator<Item = Vec<String>>,
{
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(UTF8_BOM.to_vec());
    let records = std::iter::once(headers.iter().map(|h| h.to_string()).collect())
        .chain(rows)
        .map(|row: Vec<String>| {
            row.iter()
                .map(|cell| neutralise_formula(cell).into_owned())
                .collect::<Vec<_>>()
        });
    for record in records {
        // Writing to memory with flexible rows has no failure mode left.
        writer
            .write_record(&record)
            .expect("a CSV record is always writable to memory");
    }
    writer
        .into_inner()
        .expect("flushing CSV into memory cannot fail")
}

/// One cell of an XLSX sheet: numbers stay numbers so Excel can sum and sort them.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Number(f64),
    /// A mark in hundredths (DESIGN §2), shown with two decimals: `8550` → `85.50`.
    Hundredths(i64),
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(number: i64) -> Self {
        Cell::Integer(number)
    }
}

impl From<f64> for Cell {
    fn from(number: f64) -> Self {
        Cell::Number(number)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("The XLSX file cannot be written: {0}")]
pub struct ExportError(#[from] XlsxError);

impl ExportError {
    pub fn code(&self) -> &'static str {
        "export.xlsx_failed"
    }
}

/// Excel's paper size code for A4.
const PAPER_A4: u8 = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Screen,
    LandscapeA4,
}

/// Integers beyond this lose digits as Excel numbers (15 significant digits); they are
/// written as text instead.
const LARGEST_EXACT_INTEGER: i64 = 999_999_999_999_999;
const MIN_COLUMN_WIDTH: usize = 6;
const MAX_COLUMN_WIDTH: usize = 60;

/// A workbook built sheet by sheet: bold, frozen header row; columns as wide as their content.
pub struct XlsxBook {
    workbook: Workbook,
    header: Format,
    hundredths: Format,
}

impl Default for XlsxBook {
    fn default() -> Self {
        Self::new()
    }
}

impl XlsxBook {
    pub fn new() -> Self {
        XlsxBook {
            workbook: Workbook::new(),
            header: Format::new().set_bold(),
            hundredths: Format::new().set_num_format("0.00"),
        }
    }

    /// Adds a sheet. `name` must be a valid Excel sheet name (at most 31 characters, none of
    /// `[]:*?/\`), or this returns an error.
    pub fn add_sheet<R>(&mut self, name: &str, headers: &[&str], rows: R) -> Result<(), ExportError>
    where
        R: IntoIterator<Item = Vec<Cell>>,
    {
        self.add_sheet_laid_out(name, headers, rows, Layout::Screen)
    }

    /// Adds a sheet set up for printing: A4 landscape, one page wide, the header row repeated
    /// on every page, the sheet's name at the top and page numbers at the bottom.
    pub fn add_printable_sheet<R>(
        &mut self,
        name: &str,
        headers: &[&str],
        rows: R,
    ) -> Result<(), ExportError>
    where
        R: IntoIterator<Item = Vec<Cell>>,
    {
        self.add_sheet_laid_out(name, headers, rows, Layout::LandscapeA4)
    }

    fn add_sheet_laid_out<R>(
        &mut self,
        name: &str,
        headers: &[&str],
        rows: R,
        layout: Layout,
    ) -> Result<(), ExportError>
    where
        R: IntoIterator<Item = Vec<Cell>>,
    {
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(name)?;
        if layout == Layout::LandscapeA4 {
            sheet
                .set_paper_size(PAPER_A4)
                .set_landscape()
                .set_print_fit_to_pages(1, 0)
                .set_print_gridlines(true)
                .set_header("&C&A")
                .set_footer("&C&P / &N");
            sheet.set_repeat_rows(0, 0)?;
        }
        let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
        for (column, header) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, column_number(column)?, *header, &self.header)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        for (index, row) in rows.into_iter().enumerate() {
            let row_number =
                RowNum::try_from(index + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (column, cell) in row.iter().enumerate() {
                let width = write_cell(
                    sheet,
                    row_number,
                    column_number(column)?,
                    cell,
                    &self.hundredths,
                )?;
                if widths.len() <= column {
                    widths.resize(column + 1, 0);
                }
                widths[column] = widths[column].max(width);
            }
        }
        for (column, width) in widths.into_iter().enumerate() {
            let width = (width + 2).clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH);
            sheet.set_column_width(column_number(column)?, width as f64)?;
        }
        Ok(())
    }

    pub fn into_bytes(mut self) -> Result<Vec<u8>, ExportError> {
        Ok(self.workbook.save_to_buffer()?)
    }
}

/// Writes one cell and returns the width it needs.
fn write_cell(
    sheet: &mut Worksheet,
    row: RowNum,
    column: ColNum,
    cell: &Cell,
    hundredths_format: &Format,
) -> Result<usize, XlsxError> {
    match cell {
        Cell::Empty => Ok(0),
        Cell::Text(text) => {
            let text = clip_to_cell(neutralise_formula(text));
            sheet.write_string(row, column, text.as_ref())?;
            Ok(display_width(&text))
        }
        Cell::Integer(number) if number.unsigned_abs() > LARGEST_EXACT_INTEGER as u64 => {
            let text = number.to_string();
            sheet.write_string(row, column, &text)?;
            Ok(text.len())
        }
        Cell::Integer(number) => {
            sheet.write_number(row, column, *number as f64)?;
            Ok(number.to_string().len())
        }
        Cell::Number(number) => {
            sheet.write_number(row, column, *number)?;
            Ok(number.to_string().len())
        }
        Cell::Hundredths(hundredths) => {
            let value = *hundredths as f64 / 100.0;
            sheet.write_number_with_format(row, column, value, hundredths_format)?;
            Ok(format!("{value:.2}").len())
        }
    }
}

/// Excel holds at most this many characters in a cell.
const MAX_CELL_CHARS: usize = 32_767;
const CLIPPED_MARK: &str = "…[truncated]";

/// Cuts text that would not fit in one cell (a long audit record), saying so at the end,
/// rather than failing the whole file.
fn clip_to_cell(text: std::borrow::Cow<'_, str>) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text;
    }
    let keep = MAX_CELL_CHARS - CLIPPED_MARK.chars().count();
    let mut clipped: String = text.chars().take(keep).collect();
    clipped.push_str(CLIPPED_MARK);
    std::borrow::Cow::Owned(clipped)
}

fn column_number(index: usize) -> Result<ColNum, XlsxError> {
    ColNum::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Width in Excel's units of one Latin character: CJK and full-width characters take two.
fn display_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(char_width).sum())
        .max()
        .unwrap_or(0)
}

fn char_width(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheets::read_table;

    #[test]
    fn csv_starts_with_a_bom_uses_crlf_and_neutralises_formulas() {
        let bytes = csv_with_bom(
            &["队名", "得分"],
            [
                vec!["星火队".to_owned(), "-3.5".to_owned()],
                vec!["=HYPERLINK(\"http://x\")".to_owned(), "a,\"b\"".to_owned()],
            ],
        );
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(
            text,
            "\u{feff}队名,得分\r\n星火队,-3.5\r\n\"'=HYPERLINK(\"\"http://x\"\")\",\"a,\"\"b\"\"\"\r\n"
        );
    }

    #[test]
    fn csv_output_reads_back_as_the_rows_written() {
        let rows = vec![vec![
            "张伟".to_owned(),
            "+86 138".to_owned(),
            "多\n行".to_owned(),
        ]];
        let table = read_table(&csv_with_bom(&["a", "b", "c"], rows.clone())).unwrap();
        assert_eq!(table.headers, ["a", "b", "c"]);
        assert_eq!(table.rows[0].cells, rows[0]);
    }

    #[test]
    fn cjk_characters_count_double_in_column_widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("张伟a"), 5);
        assert_eq!(display_width("ＡＢ\nabcdefg"), 7);
    }

    #[test]
    fn xlsx_cells_keep_their_types_and_text_is_neutralised() {
        let mut book = XlsxBook::new();
        let rows = vec![vec![
            Cell::from("=1+1"),
            Cell::Integer(13800138000),
            Cell::Hundredths(8550),
            Cell::Integer(110105194912310021),
            Cell::Empty,
            Cell::from(Some(-2.25)),
        ]];
        book.add_sheet("成绩", &["a", "b", "c", "d", "e", "f"], rows)
            .unwrap();
        let bytes = book.into_bytes().unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"));

        // Read back without undoing the apostrophe, to see what Excel would see.
        let mut workbook: calamine::Xlsx<_> =
            calamine::Reader::new(std::io::Cursor::new(bytes)).unwrap();
        let range = calamine::Reader::worksheet_range(&mut workbook, "成绩").unwrap();
        use calamine::Data;
        assert_eq!(
            range.rows().nth(1).unwrap(),
            [
                Data::String("'=1+1".into()),
                Data::Float(13800138000.0),
                Data::Float(85.5),
                Data::String("110105194912310021".into()),
                Data::Empty,
                Data::Float(-2.25),
            ]
        );
    }

    #[test]
    fn a_printable_sheet_is_a4_landscape_one_page_wide_with_the_header_repeated() {
        let mut book = XlsxBook::new();
        book.add_printable_sheet("Ranking", &["a"], vec![vec![Cell::Integer(1)]])
            .unwrap();
        let bytes = book.into_bytes().unwrap();
        let mut zip = zip_entries(&bytes);
        let sheet = zip.remove("xl/worksheets/sheet1.xml").unwrap();
        assert!(sheet.contains(r#"paperSize="9""#), "{sheet}");
        assert!(sheet.contains(r#"orientation="landscape""#), "{sheet}");
        assert!(sheet.contains(r#"fitToHeight="0""#), "{sheet}");
        assert!(
            sheet.contains(r#"<pane ySplit="1""#),
            "frozen header: {sheet}"
        );
        let workbook = zip.remove("xl/workbook.xml").unwrap();
        assert!(
            workbook.contains("_xlnm.Print_Titles") && workbook.contains("Ranking!$1:$1"),
            "{workbook}"
        );
    }

    /// The XML parts of an XLSX file by name (calamine reads values, not page setup).
    fn zip_entries(bytes: &[u8]) -> std::collections::HashMap<String, String> {
        use std::io::Read;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                (file.name().to_owned(), text)
            })
            .collect()
    }

    #[test]
    fn text_too_long_for_a_cell_is_clipped_not_an_error() {
        let mut book = XlsxBook::new();
        let long = "审".repeat(40_000);
        book.add_sheet("s", &["a"], vec![vec![Cell::Text(long)]])
            .unwrap();
        let bytes = book.into_bytes().unwrap();
        let mut workbook: calamine::Xlsx<_> =
            calamine::Reader::new(std::io::Cursor::new(bytes)).unwrap();
        let range = calamine::Reader::worksheet_range(&mut workbook, "s").unwrap();
        let cell = range.get((1, 0)).unwrap().to_string();
        assert_eq!(cell.chars().count(), MAX_CELL_CHARS);
        assert!(cell.ends_with(CLIPPED_MARK));
    }

    #[test]
    fn an_invalid_sheet_name_is_an_error_not_a_panic() {
        let mut book = XlsxBook::new();
        let error = book
            .add_sheet("a/b", &["a"], Vec::<Vec<Cell>>::new())
            .unwrap_err();
        assert_eq!(error.code(), "export.xlsx_failed");
    }
}
