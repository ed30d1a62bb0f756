//! The registration and scheme importers on arbitrary bytes: whatever a school uploads, the
//! readers must answer with a table or a clear error, never a panic, a hang or a blow-up past
//! their limits. Seed corpus: `fuzz/corpus/import/` (the test fixtures).
//!
//! `cargo +nightly fuzz run import` (coverage-guided, needs cargo-fuzz and nightly); on a
//! stable toolchain `cargo build` here still compiles it, and the binary replays a corpus with
//! `-runs=0` (docs/security.md).

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use skillboard::sheets::{
    parse_registration, parse_scheme_table, read_table, RegistrationRules, MAX_CELL_CHARS,
    MAX_COLUMNS,
};

fuzz_target!(|bytes: &[u8]| {
    let Ok(table) = read_table(bytes) else {
        return;
    };
    assert!(table.headers.len() <= MAX_COLUMNS);
    for row in &table.rows {
        assert_eq!(row.cells.len(), table.headers.len());
        assert!(row
            .cells
            .iter()
            .all(|cell| cell.chars().count() <= MAX_CELL_CHARS));
    }
    let rules = RegistrationRules {
        min_team_size: 1,
        max_team_size: 3,
        existing_id_numbers: HashMap::new(),
    };
    if let Err(errors) = parse_registration(&table, &rules) {
        assert!(errors
            .iter()
            .all(|e| !e.code.is_empty() && !e.message.is_empty()));
    }
    if let Err(errors) = parse_scheme_table(&table) {
        assert!(errors
            .iter()
            .all(|e| !e.code.is_empty() && !e.message.is_empty()));
    }
});
