//! CSV (or tab-separated) text to raw rows.

use super::decode::decode_text;
use super::table::{build_table, RawRow, Table, TableError};

pub(super) fn read_rows(bytes: &[u8]) -> Result<Table, TableError> {
    let text = decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter_of(&text))
        .from_reader(text.as_bytes());
    let rows = reader.records().map(|record| {
        let record = record.map_err(|error| TableError::BadCsv {
            line: error.position().map_or(0, |p| p.line() as usize),
            reason: error.to_string(),
        })?;
        Ok(RawRow {
            line: record.position().map_or(0, |p| line_of(&text, p)),
            cells: record.iter().map(str::to_owned).collect(),
        })
    });
    build_table(rows)
}

/// The line a record starts on. The csv crate skips blank lines but reports the position from
/// before them, so count the newlines it skipped.
fn line_of(text: &str, position: &csv::Position) -> usize {
    let skipped_newlines = text
        .as_bytes()
        .get(position.byte() as usize..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .filter(|&&b| b == b'\n')
        .count();
    position.line() as usize + skipped_newlines
}

/// Tab when the first non-empty line has tabs and no commas (Excel's "Unicode text"), else comma.
fn delimiter_of(text: &str) -> u8 {
    let first_line = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_separated_unicode_text_from_excel_is_read() {
        let bytes: Vec<u8> = b"\xFF\xFE"
            .iter()
            .copied()
            .chain(
                "队名\t姓名\r\n星火队\t张伟, 李\r\n"
                    .encode_utf16()
                    .flat_map(u16::to_le_bytes),
            )
            .collect();
        let table = read_rows(&bytes).unwrap();
        assert_eq!(table.headers, ["队名", "姓名"]);
        assert_eq!(table.rows[0].cells, ["星火队", "张伟, 李"]);
    }
}
