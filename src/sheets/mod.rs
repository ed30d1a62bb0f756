//! Spreadsheets in and out, as pure code: bytes in, typed rows or errors out; rows in, bytes out.
//! No HTTP and no SQL here (DESIGN §4, registration import and exports).
//!
//! | file | job |
//! | --- | --- |
//! | `table.rs` | [`read_table`]: CSV or XLSX bytes to a [`Table`] of trimmed cells, in limits |
//! | `decode.rs` | text encodings: UTF-8 (BOM or not), GB18030/GBK, UTF-16 |
//! | `csv_input.rs`, `xlsx_input.rs` | the two readers behind [`read_table`] |
//! | `columns.rs` | finding columns by Chinese or English header names |
//! | `registration.rs` | [`parse_registration`]: a table to [`TeamDraft`]s, all or nothing |
//! | `resident_id.rs` | the check digit of Chinese resident ID numbers (GB 11643) |
//! | `scheme.rs` | [`parse_scheme_table`] and [`write_scheme_xlsx`]: the marking scheme sheet |
//! | `marks.rs` | decimal marks to and from integer hundredths |
//! | `formula.rs` | [`neutralise_formula`]: the CSV/formula injection guard |
//! | `export.rs` | [`csv_with_bom`] and [`XlsxBook`]: safe CSV and XLSX writers |
//! | `text.rs` | whitespace and full-width clean-ups |

mod columns;
mod csv_input;
mod decode;
mod export;
mod formula;
mod marks;
#[cfg(test)]
mod proptests;
mod registration;
mod resident_id;
mod scheme;
mod table;
mod text;
mod xlsx_input;

pub use export::{csv_with_bom, Cell, ExportError, XlsxBook};
pub use formula::neutralise_formula;
pub use registration::{
    parse_registration, team_key, ContestantDraft, RegistrationRules, TeamDraft,
};
// The import's clean-ups, so teams entered through the API follow the same rules.
pub use registration::{is_mobile_number, normalise_id_number, normalise_phone};
pub use scheme::{parse_scheme_table, write_scheme_xlsx, SchemeRow};
pub use table::{
    read_table, Table, TableError, TableRow, MAX_CELL_CHARS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS,
};
pub use text::clean;
