//! A spreadsheet as rows of trimmed strings, read from CSV or XLSX bytes within fixed limits.

use super::formula::restore_neutralised;
use super::{csv_input, xlsx_input};

/// Larger uploads are refused before any parsing.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// Data rows, not counting the header and empty rows.
pub const MAX_ROWS: usize = 10_000;
pub const MAX_COLUMNS: usize = 100;
/// Characters per cell, after trimming.
pub const MAX_CELL_CHARS: usize = 1_000;
/// Characters in all cells together: an XLSX file's shared strings can make a small file
/// expand into far more text than its size suggests.
pub const MAX_TOTAL_CHARS: usize = 4 * MAX_FILE_BYTES;

const XLSX_MAGIC: &[u8] = b"PK\x03\x04";

/// The first non-empty row is the header; every row has exactly `headers.len()` cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    /// Line of the header in the file (1 unless the file starts with empty lines).
    pub header_line: usize,
    pub rows: Vec<TableRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    /// 1-based line in a CSV file or row number in an XLSX sheet (the header is line 1).
    pub line: usize,
    pub cells: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("The file is empty.")]
    Empty,
    #[error(
        "The file is too large: at most {MAX_FILE_BYTES} bytes and {MAX_TOTAL_CHARS} \
         characters of cell text."
    )]
    TooLarge,
    #[error("The file is neither UTF-8 nor GB18030/GBK text; save it as CSV UTF-8 or XLSX.")]
    BadEncoding,
    #[error("The XLSX file cannot be read: {0}")]
    BadXlsx(String),
    #[error("The CSV file cannot be read near line {line}: {reason}")]
    BadCsv { line: usize, reason: String },
    #[error("The file has more than {MAX_ROWS} rows.")]
    TooManyRows,
    #[error("Line {line} has more than {MAX_COLUMNS} columns.")]
    TooManyColumns { line: usize },
    #[error("Line {line}, column {column}: a cell holds more than {MAX_CELL_CHARS} characters.")]
    CellTooLong { line: usize, column: usize },
    #[error(
        "Line {line}, column {column}: the number has more digits than Excel keeps; format \
         the column as text and type it again."
    )]
    ImpreciseNumber { line: usize, column: usize },
    #[error("Line {line}, column {column}: the cell shows the error {value}.")]
    CellError {
        line: usize,
        column: usize,
        value: String,
    },
}

impl TableError {
    /// A stable machine code for the API and the translated web pages.
    pub fn code(&self) -> &'static str {
        match self {
            TableError::Empty => "file.empty",
            TableError::TooLarge => "file.too_large",
            TableError::BadEncoding => "file.bad_encoding",
            TableError::BadXlsx(_) => "file.bad_xlsx",
            TableError::BadCsv { .. } => "file.bad_csv",
            TableError::TooManyRows => "file.too_many_rows",
            TableError::TooManyColumns { .. } => "file.too_many_columns",
            TableError::CellTooLong { .. } => "file.cell_too_long",
            TableError::ImpreciseNumber { .. } => "file.imprecise_number",
            TableError::CellError { .. } => "file.cell_error",
        }
    }

    /// The line the problem is on, when it is about one line.
    pub fn line(&self) -> Option<usize> {
        match self {
            TableError::BadCsv { line, .. }
            | TableError::TooManyColumns { line }
            | TableError::CellTooLong { line, .. }
            | TableError::ImpreciseNumber { line, .. }
            | TableError::CellError { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Reads an XLSX workbook's first worksheet, or CSV text (UTF-8 with or without BOM, GB18030/GBK,
/// or UTF-16 "Unicode text"). Cells are trimmed; a `'` that [`super::neutralise_formula`] added
/// is removed again; empty rows are skipped.
pub fn read_table(bytes: &[u8]) -> Result<Table, TableError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(TableError::TooLarge);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(TableError::Empty);
    }
    if bytes.starts_with(XLSX_MAGIC) {
        xlsx_input::read_rows(bytes)
    } else {
        csv_input::read_rows(bytes)
    }
}

/// A row as a reader found it, before trimming and limits.
pub(super) struct RawRow {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Builds a [`Table`] from raw rows in file order, applying the limits; stops at the first
/// row past a limit so a huge file is not read to the end.
pub(super) fn build_table(
    raw_rows: impl IntoIterator<Item = Result<RawRow, TableError>>,
) -> Result<Table, TableError> {
    let mut rows: Vec<TableRow> = Vec::new();
    let mut total_chars = 0usize;
    for raw in raw_rows {
        let raw = raw?;
        let cells = clean_cells(&raw, &mut total_chars)?;
        if cells.is_empty() {
            continue;
        }
        if rows.len() > MAX_ROWS {
            return Err(TableError::TooManyRows);
        }
        rows.push(TableRow {
            line: raw.line,
            cells,
        });
    }
    let mut rows = rows.into_iter();
    let header = rows.next().ok_or(TableError::Empty)?;
    let width = rows
        .as_slice()
        .iter()
        .map(|row| row.cells.len())
        .fold(header.cells.len(), usize::max);
    let pad = |mut cells: Vec<String>| {
        cells.resize(width, String::new());
        cells
    };
    Ok(Table {
        headers: pad(header.cells),
        header_line: header.line,
        rows: rows
            .map(|row| TableRow {
                line: row.line,
                cells: pad(row.cells),
            })
            .collect(),
    })
}

/// Trims every cell and drops trailing empty ones; an empty row comes back empty.
fn clean_cells(raw: &RawRow, total_chars: &mut usize) -> Result<Vec<String>, TableError> {
    let mut cells = Vec::with_capacity(raw.cells.len());
    for (index, cell) in raw.cells.iter().enumerate() {
        let cell = restore_neutralised(cell.trim()).trim();
        let chars = cell.chars().count();
        if chars > MAX_CELL_CHARS {
            return Err(TableError::CellTooLong {
                line: raw.line,
                column: index + 1,
            });
        }
        *total_chars += chars;
        if *total_chars > MAX_TOTAL_CHARS {
            return Err(TableError::TooLarge);
        }
        cells.push(cell.to_owned());
    }
    let used = cells
        .iter()
        .rposition(|c| !c.is_empty())
        .map_or(0, |i| i + 1);
    if used > MAX_COLUMNS {
        return Err(TableError::TooManyColumns { line: raw.line });
    }
    cells.truncate(used);
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_and_cells(table: &Table) -> Vec<(usize, Vec<&str>)> {
        table
            .rows
            .iter()
            .map(|row| (row.line, row.cells.iter().map(String::as_str).collect()))
            .collect()
    }

    #[test]
    fn a_csv_is_read_with_trimmed_cells_and_file_line_numbers() {
        let csv = "\n 队名 ,姓名\r\n\r\n\r\n星火队, 张伟 \n,,\n启航队,\"李\n娜\"\n\n王芳\n";
        let table = read_table(csv.as_bytes()).unwrap();
        assert_eq!(table.headers, ["队名", "姓名"]);
        assert_eq!(table.header_line, 2);
        assert_eq!(
            lines_and_cells(&table),
            [
                (5, vec!["星火队", "张伟"]),
                (7, vec!["启航队", "李\n娜"]),
                (10, vec!["王芳", ""])
            ]
        );
    }

    #[test]
    fn short_rows_are_padded_and_wide_rows_widen_the_table() {
        let table = read_table(b"a,b\n1\n1,2,3\n").unwrap();
        assert_eq!(table.headers, ["a", "b", ""]);
        assert_eq!(
            lines_and_cells(&table),
            [(2, vec!["1", "", ""]), (3, vec!["1", "2", "3"])]
        );
    }

    #[test]
    fn a_cell_this_program_neutralised_reads_back_as_written() {
        let table = read_table(b"a,b\n'=1+1,'-3.5\n").unwrap();
        assert_eq!(table.rows[0].cells, ["=1+1", "'-3.5"]);
    }

    #[test]
    fn empty_and_blank_files_are_refused() {
        assert_eq!(read_table(b""), Err(TableError::Empty));
        assert_eq!(read_table(b" \r\n\n"), Err(TableError::Empty));
        assert_eq!(
            read_table(b",,\n,\n").map_err(|e| e.code()),
            Err("file.empty")
        );
    }

    #[test]
    fn a_file_over_five_mebibytes_is_refused_before_parsing() {
        let bytes = vec![b'a'; MAX_FILE_BYTES + 1];
        assert_eq!(
            read_table(&bytes).map_err(|e| e.code()),
            Err("file.too_large")
        );
        let line = format!("{}\n", "x".repeat(MAX_CELL_CHARS - 1));
        let mut at_limit = line.repeat(MAX_FILE_BYTES / line.len()).into_bytes();
        at_limit.resize(MAX_FILE_BYTES, b'y');
        assert_eq!(
            read_table(&at_limit).map(|t| t.rows.len()),
            Ok(MAX_FILE_BYTES / line.len())
        );
    }

    #[test]
    fn more_than_ten_thousand_data_rows_are_refused() {
        let within = format!("h\n{}", "x\n".repeat(MAX_ROWS));
        assert_eq!(
            read_table(within.as_bytes()).map(|t| t.rows.len()),
            Ok(MAX_ROWS)
        );
        let over = format!("h\n{}", "x\n".repeat(MAX_ROWS + 1));
        assert_eq!(read_table(over.as_bytes()), Err(TableError::TooManyRows));
    }

    #[test]
    fn a_cell_over_a_thousand_characters_is_refused_with_its_place() {
        let within = format!("a,b\n1,{}\n", "字".repeat(MAX_CELL_CHARS));
        assert!(read_table(within.as_bytes()).is_ok());
        let over = format!("a,b\n1,{}\n", "字".repeat(MAX_CELL_CHARS + 1));
        let error = read_table(over.as_bytes()).unwrap_err();
        assert_eq!(error, TableError::CellTooLong { line: 2, column: 2 });
        assert_eq!(
            (error.code(), error.line()),
            ("file.cell_too_long", Some(2))
        );
    }

    #[test]
    fn more_than_a_hundred_used_columns_are_refused() {
        let within = format!("{}\n", vec!["h"; MAX_COLUMNS].join(","));
        assert!(read_table(within.as_bytes()).is_ok());
        let over = format!("h\n{}\n", vec!["x"; MAX_COLUMNS + 1].join(","));
        assert_eq!(
            read_table(over.as_bytes()),
            Err(TableError::TooManyColumns { line: 2 })
        );
    }
}
