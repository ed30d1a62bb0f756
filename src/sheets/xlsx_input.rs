//! An XLSX workbook's first worksheet to raw rows, cell by cell, so that limits apply while
//! reading instead of after calamine has built the whole range in memory.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, Xlsx};

use super::table::{
    build_table, RawRow, Table, TableError, MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, MAX_TOTAL_CHARS,
};

/// Excel keeps 15 significant digits; a longer number (an ID number typed as a number) has
/// already lost its last digits.
const EXCEL_PRECISION_DIGITS: i32 = 15;
const LARGEST_EXACT_NUMBER: f64 = 1e15;

pub(super) fn read_rows(bytes: &[u8]) -> Result<Table, TableError> {
    let bad_xlsx = |error: calamine::XlsxError| TableError::BadXlsx(error.to_string());
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(bad_xlsx)?;
    let sheet = book
        .sheets_metadata()
        .iter()
        .find(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .ok_or_else(|| TableError::BadXlsx("the workbook has no worksheet".into()))?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(bad_xlsx)?;

    let mut rows: BTreeMap<u32, Vec<(usize, String)>> = BTreeMap::new();
    let mut total_chars = 0usize;
    while let Some(cell) = cells.next_cell().map_err(bad_xlsx)? {
        let (row, column) = cell.get_position();
        let line = row as usize + 1;
        let column = column as usize;
        let text = cell_text(cell.get_value(), line, column + 1)?;
        let chars = text.trim().chars().count();
        if chars == 0 {
            continue;
        }
        if column >= MAX_COLUMNS {
            return Err(TableError::TooManyColumns { line });
        }
        // The same limits build_table applies, checked here too because a shared string is
        // stored once but can fill any number of cells.
        if chars > MAX_CELL_CHARS {
            let column = column + 1;
            return Err(TableError::CellTooLong { line, column });
        }
        total_chars += chars;
        if total_chars > MAX_TOTAL_CHARS {
            return Err(TableError::TooLarge);
        }
        rows.entry(row).or_default().push((column, text));
        // One header row, then at most MAX_ROWS data rows: stop before reading the rest.
        if rows.len() > MAX_ROWS + 1 {
            return Err(TableError::TooManyRows);
        }
    }
    build_table(rows.into_iter().map(|(row, cells)| Ok(raw_row(row, cells))))
}

fn raw_row(row: u32, cells: Vec<(usize, String)>) -> RawRow {
    let width = cells
        .iter()
        .map(|(column, _)| column + 1)
        .max()
        .unwrap_or(0);
    let mut row_cells = vec![String::new(); width];
    for (column, text) in cells {
        row_cells[column] = text;
    }
    RawRow {
        line: row as usize + 1,
        cells: row_cells,
    }
}

fn cell_text(value: &DataRef<'_>, line: usize, column: usize) -> Result<String, TableError> {
    Ok(match value {
        DataRef::Empty => String::new(),
        DataRef::String(text) | DataRef::DateTimeIso(text) | DataRef::DurationIso(text) => {
            text.clone()
        }
        DataRef::SharedString(text) => (*text).to_owned(),
        DataRef::Int(number) => number.to_string(),
        DataRef::Float(number) => {
            number_text(*number).ok_or(TableError::ImpreciseNumber { line, column })?
        }
        DataRef::Bool(flag) => if *flag { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(moment) if moment.is_datetime() => {
            let (year, month, day, hour, minute, second, _) = moment.to_ymd_hms_milli();
            if (hour, minute, second) == (0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}")
            }
        }
        DataRef::DateTime(duration) => number_text(duration.as_f64()).unwrap_or_default(),
        DataRef::Error(error) => {
            return Err(TableError::CellError {
                line,
                column,
                value: error.to_string(),
            })
        }
    })
}

/// A number as Excel shows it in a General cell: integers without `.0` (a phone number
/// 13800138000 stays `13800138000`), fractions rounded to 15 significant digits (so a
/// formula's 0.30000000000000004 reads `0.3`). `None` when digits were already lost.
fn number_text(number: f64) -> Option<String> {
    if number.abs() >= LARGEST_EXACT_NUMBER {
        return None;
    }
    if number.fract() == 0.0 {
        // Exact: |number| < 1e15 fits an i64 without rounding.
        return Some(format!("{}", number as i64));
    }
    let whole_digits = number.abs().log10().floor() as i32 + 1;
    let decimals = (EXCEL_PRECISION_DIGITS - whole_digits).clamp(0, 30) as usize;
    let fixed = format!("{number:.decimals$}");
    let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
    Some(if trimmed == "-0" { "0" } else { trimmed }.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(number_text(13800138000.0).as_deref(), Some("13800138000"));
        assert_eq!(number_text(2.5).as_deref(), Some("2.5"));
        assert_eq!(number_text(-3.25).as_deref(), Some("-3.25"));
        assert_eq!(number_text(0.1 + 0.2).as_deref(), Some("0.3"));
        assert_eq!(number_text(0.0001).as_deref(), Some("0.0001"));
        assert_eq!(number_text(-0.0).as_deref(), Some("0"));
    }

    #[test]
    fn an_id_number_stored_as_a_number_is_refused_because_excel_lost_digits() {
        assert_eq!(number_text(110105194912310000.0), None);
        let error = cell_text(&DataRef::Float(1.1e17), 4, 6).unwrap_err();
        assert_eq!(error.code(), "file.imprecise_number");
        assert_eq!(error.line(), Some(4));
    }

    #[test]
    fn an_error_cell_is_refused_rather_than_imported_as_text() {
        let error = cell_text(&DataRef::Error(calamine::CellErrorType::NA), 3, 1).unwrap_err();
        assert_eq!(error.code(), "file.cell_error");
    }

    #[test]
    fn a_zip_that_is_not_a_workbook_is_a_bad_xlsx() {
        let error = read_rows(b"PK\x03\x04 not really a zip").unwrap_err();
        assert_eq!(error.code(), "file.bad_xlsx");
    }
}
