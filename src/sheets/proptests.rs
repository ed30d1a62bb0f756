//! Generated spreadsheets against the importers: random bytes, CSV in mixed encodings,
//! workbooks with formula, error-looking and huge cells, and corrupted workbooks. The readers
//! must never panic, stay within their limits, and explain every refusal (a stable code and a
//! message, with a line when it is about one). `SKILLBOARD_FUZZ_CASES` sets the cases per
//! property (256 by default; docs/security.md has the figures).

use std::collections::HashMap;

use proptest::prelude::*;
use rust_xlsxwriter::{Formula, Workbook};

use super::{
    csv_with_bom, parse_registration, parse_scheme_table, read_table, RegistrationRules, Table,
    TableError, MAX_CELL_CHARS, MAX_COLUMNS,
};

const XLSX: &[u8] = include_bytes!("../../tests/fixtures/registration.xlsx");
const UTF8: &[u8] = include_bytes!("../../tests/fixtures/registration_utf8.csv");

fn cases() -> u32 {
    std::env::var("SKILLBOARD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn rules() -> RegistrationRules {
    RegistrationRules {
        min_team_size: 1,
        max_team_size: 3,
        existing_id_numbers: HashMap::new(),
    }
}

/// Reads `bytes` as the server does and checks every outcome is a table within limits or a
/// clear error; then runs both parsers over any table.
fn read_and_parse(bytes: &[u8]) -> Result<Table, TableError> {
    let read = read_table(bytes);
    match &read {
        Ok(table) => {
            assert!(!table.headers.is_empty());
            assert!(table.headers.len() <= MAX_COLUMNS);
            assert!(table.header_line >= 1);
            for row in &table.rows {
                assert_eq!(row.cells.len(), table.headers.len(), "ragged row");
                assert!(row.line > table.header_line);
                for cell in &row.cells {
                    assert!(cell.chars().count() <= MAX_CELL_CHARS);
                    assert_eq!(cell.trim(), cell, "untrimmed cell");
                }
            }
            let last_line = table.rows.last().map_or(table.header_line, |r| r.line);
            let check = |errors: Vec<crate::error::FieldError>| {
                assert!(!errors.is_empty(), "a refusal without a reason");
                for error in errors {
                    assert!(!error.code.is_empty() && !error.message.is_empty());
                    assert!(!error.field.is_empty());
                    if let Some(line) = error.line {
                        assert!(line <= last_line, "{error:?} past line {last_line}");
                    }
                }
            };
            if let Err(errors) = parse_registration(table, &rules()) {
                check(errors);
            }
            if let Err(errors) = parse_scheme_table(table) {
                check(errors);
            }
        }
        Err(error) => {
            assert!(error.code().starts_with("file."));
            assert!(!error.to_string().is_empty());
        }
    }
    read
}

/// Cells a registration sheet might hold, the hostile ones included.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("星火队".to_owned()),
        Just("深圳职业技术大学".to_owned()),
        Just("张伟".to_owned()),
        Just("11010520040101001X".to_owned()),
        Just("13900001234".to_owned()),
        Just("=cmd|' /C calc'!A0".to_owned()),
        Just("=HYPERLINK(\"http://x.example\",\"click\")".to_owned()),
        Just("+1+1".to_owned()),
        Just("-2+3".to_owned()),
        Just("@SUM(A1:A2)".to_owned()),
        Just("'=already quoted".to_owned()),
        Just("#N/A".to_owned()),
        Just("a,\"quoted\"\ncell".to_owned()),
        Just("\u{feff}bom inside".to_owned()),
        Just("full　width　space".to_owned()),
        Just(String::new()),
        "\\PC{0,30}",
        "[a-z]{1000,1005}",
        any::<f64>().prop_map(|f| f.to_string()),
    ]
}

fn header() -> impl Strategy<Value = Vec<String>> {
    prop::sample::subsequence(
        vec![
            "队名",
            "学校",
            "地区",
            "姓名",
            "手机",
            "身份证号",
            "指导教师",
            "角色",
            "team",
            "name",
            "模块",
            "评分项",
            "类型",
            "分值",
            "unknown",
        ],
        1..9,
    )
    .prop_map(|h| h.into_iter().map(str::to_owned).collect())
}

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Utf8,
    Utf8Bom,
    Gb18030,
    Utf16Le,
}

fn encode(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 => text.as_bytes().to_vec(),
        Encoding::Utf8Bom => [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
        Encoding::Gb18030 => encoding_rs::GB18030.encode(text).0.into_owned(),
        Encoding::Utf16Le => {
            let mut bytes = vec![0xFF, 0xFE];
            bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            bytes
        }
    }
}

fn encoding() -> impl Strategy<Value = Encoding> {
    prop_oneof![
        Just(Encoding::Utf8),
        Just(Encoding::Utf8Bom),
        Just(Encoding::Gb18030),
        Just(Encoding::Utf16Le),
    ]
}

fn csv_field(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

type Sheet = (Vec<String>, Vec<Vec<String>>);

fn sheet() -> impl Strategy<Value = Sheet> {
    header().prop_flat_map(|header| {
        let width = header.len();
        (
            Just(header),
            prop::collection::vec(prop::collection::vec(cell(), width..=width), 0..12),
        )
    })
}

fn workbook(header: &[String], rows: &[Vec<String>], as_formulas: bool) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, title) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, title).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            // Formula cells (with a cached result), numbers, and text.
            if as_formulas && text.starts_with('=') {
                sheet
                    .write_formula(r, c, Formula::new(text).set_result("0"))
                    .unwrap();
            } else if let Ok(number) = text.parse::<f64>().map_err(|_| ()).and_then(|n| {
                if n.is_finite() {
                    Ok(n)
                } else {
                    Err(())
                }
            }) {
                sheet.write_number(r, c, number).unwrap();
            } else {
                sheet.write_string(r, c, text).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_give_a_table_or_a_clear_error(
        prefix in prop_oneof![
            Just(Vec::new()),
            Just(b"\xEF\xBB\xBF".to_vec()),
            Just(b"\xFF\xFE".to_vec()),
            Just(b"\xFE\xFF".to_vec()),
            Just(b"PK\x03\x04".to_vec()),
        ],
        body in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let bytes = [prefix, body].concat();
        let _ = read_and_parse(&bytes);
    }

    #[test]
    fn csv_in_one_encoding_reads_and_mixed_encodings_never_panic(
        (header, rows) in sheet(),
        file_encoding in encoding(),
        cell_encodings in prop::collection::vec(encoding(), 64),
        mixed in any::<bool>(),
    ) {
        let lines: Vec<Vec<String>> = std::iter::once(header.clone()).chain(rows.clone()).collect();
        let bytes = if mixed {
            // Each cell in its own encoding, as when sheets from several schools are pasted
            // together.
            let mut bytes = Vec::new();
            for (i, line) in lines.iter().enumerate() {
                for (j, cell) in line.iter().enumerate() {
                    if j > 0 {
                        bytes.push(b',');
                    }
                    let encoding = cell_encodings[(i * 7 + j) % cell_encodings.len()];
                    let encoding = match encoding {
                        Encoding::Utf16Le | Encoding::Utf8Bom => Encoding::Utf8,
                        other => other,
                    };
                    bytes.extend(encode(&csv_field(cell), encoding));
                }
                bytes.extend(b"\r\n");
            }
            bytes
        } else {
            let text: String = lines
                .iter()
                .map(|line| line.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",") + "\r\n")
                .collect();
            encode(&text, file_encoding)
        };
        let read = read_and_parse(&bytes);
        let representable = lines.iter().flatten().all(|cell| {
            cell.chars().count() <= MAX_CELL_CHARS
                && !cell.contains('\u{feff}')
                && !cell.contains(['\r', '\n'])
        });
        if !mixed && representable && !matches!(file_encoding, Encoding::Gb18030) {
            // A well-formed file in one Unicode encoding always reads.
            prop_assert!(read.is_ok(), "{:?}: {:?}", file_encoding, read);
        }
    }

    #[test]
    fn workbooks_with_formulas_and_odd_cells_read_or_explain(
        (header, rows) in sheet(),
        as_formulas in any::<bool>(),
    ) {
        let bytes = workbook(&header, &rows, as_formulas);
        if let Ok(table) = read_and_parse(&bytes) {
            // Imported formula text stays inert data: written out again it is neutralised.
            for row in &table.rows {
                let exported = csv_with_bom(&["cell"], row.cells.iter().map(|c| vec![c.clone()]));
                let text = String::from_utf8(exported).unwrap();
                let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
                let written: Vec<String> = reader
                    .records()
                    .map(|r| r.unwrap().get(0).unwrap_or_default().to_owned())
                    .collect();
                prop_assert_eq!(written.len(), row.cells.len());
                for (cell, out) in row.cells.iter().zip(&written) {
                    if cell.starts_with(['=', '+', '@']) {
                        prop_assert!(out.starts_with('\''), "{} written as {}", cell, out);
                    }
                    prop_assert!(!out.starts_with(['=', '+', '@']), "{}", out);
                }
            }
        }
    }

    #[test]
    fn corrupted_workbooks_and_csv_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        csv in any::<bool>(),
    ) {
        let mut bytes = if csv { UTF8.to_vec() } else { XLSX.to_vec() };
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()).max(1));
        }
        let _ = read_and_parse(&bytes);
    }
}

/// The fixtures the corruption property starts from are themselves good files.
#[test]
fn the_fixtures_still_read() {
    assert!(read_and_parse(XLSX).is_ok());
    assert!(read_and_parse(UTF8).is_ok());
}
