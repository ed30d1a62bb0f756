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
    let mut lines = LineCounter::new(&text);
    let rows = reader.records().map(move |record| {
        let record = record.map_err(|error| TableError::BadCsv {
            line: error
                .position()
                .map_or(0, |p| lines.line_at(p.byte() as usize)),
            reason: error.to_string(),
        })?;
        Ok(RawRow {
            line: record
                .position()
                .map_or(0, |p| lines.line_at(p.byte() as usize)),
            cells: record.iter().map(str::to_owned).collect(),
        })
    });
    build_table(rows)
}

/// The line a record starts on, counted as a spreadsheet user sees lines: `\r\n`, `\n` and a
/// lone `\r` each end one. The csv crate ends records at all three but counts only `\n`, and
/// reports a record's position from before the blank lines it skipped. Records arrive in file
/// order, so the count goes on from the previous record instead of rescanning the file.
struct LineCounter<'a> {
    text: &'a [u8],
    scanned: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            scanned: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: usize) -> usize {
        let start = byte.min(self.text.len());
        let first_content = self.text[start..]
            .iter()
            .position(|&b| b != b'\r' && b != b'\n')
            .map_or(self.text.len(), |skipped| start + skipped);
        if first_content >= self.scanned {
            self.line += line_breaks(&self.text[..first_content], self.scanned);
            self.scanned = first_content;
        }
        self.line
    }
}

/// Line breaks that end in `text[from..]`; a `\r\n` split at `from` was counted at its `\r`.
fn line_breaks(text: &[u8], from: usize) -> usize {
    (from..text.len())
        .filter(|&i| match text[i] {
            b'\n' => i == 0 || text[i - 1] != b'\r',
            b'\r' => true,
            _ => false,
        })
        .count()
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

    fn lines_of(text: &str) -> Vec<usize> {
        let table = read_rows(text.as_bytes()).unwrap();
        std::iter::once(table.header_line)
            .chain(table.rows.iter().map(|row| row.line))
            .collect()
    }

    #[test]
    fn lines_are_counted_as_a_spreadsheet_shows_them() {
        assert_eq!(lines_of("a,b\r\nc,d\r\ne,f\r\n"), [1, 2, 3]);
        assert_eq!(lines_of("a,b\nc,d\n"), [1, 2]);
        // Old Mac files end lines with a lone CR; the csv crate splits records there but
        // counts only LF, so the second record used to share the header's line.
        assert_eq!(lines_of("a,b\rc,d\re,f"), [1, 2, 3]);
        assert_eq!(lines_of("a,b\r\0c,d"), [1, 2]);
        assert_eq!(lines_of("\r\n\r\na,b\r\n\r\nc,d\n\ne,f"), [3, 5, 7]);
        assert_eq!(lines_of("a,b\n\"two\nlines\",x\nc,d"), [1, 2, 4]);
    }
}
