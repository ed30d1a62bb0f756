//! Finding a sheet's columns by their header, in Chinese or English, however it is spaced or cased.

use std::collections::HashMap;
use std::hash::Hash;

use super::table::{Table, TableRow};
use super::text::to_half_width;
use crate::error::FieldError;

/// A column a parser knows, with the stable English name used in errors (`id_number`).
pub(super) trait ColumnField: Copy + Eq + Hash + 'static {
    fn name(self) -> &'static str;
}

/// Where each known field's column is in a table.
pub(super) struct Columns<F> {
    index: HashMap<F, usize>,
}

impl<F: ColumnField> Columns<F> {
    /// Maps every header to a field through `aliases` (each field with the headers it accepts).
    /// Unknown headers, the same field twice and `required` fields without a column are all
    /// reported, on the header line. A column with no header is ignored when it is empty.
    pub fn find(
        table: &Table,
        aliases: &[(F, &[&str])],
        required: &[F],
    ) -> Result<Self, Vec<FieldError>> {
        let line = table.header_line;
        let mut index = HashMap::new();
        let mut errors = Vec::new();
        for (position, header) in table.headers.iter().enumerate() {
            if header.is_empty() {
                if table.rows.iter().any(|row| !row.cells[position].is_empty()) {
                    let column = format!("column {}", position + 1);
                    let message = format!("{column} has values but no header.");
                    errors.push(FieldError::new(column, "unknown_column", message).at_line(line));
                }
                continue;
            }
            let Some(field) = field_of(header, aliases) else {
                let message = format!("The column \"{header}\" is not one this import knows.");
                errors.push(FieldError::new(header, "unknown_column", message).at_line(line));
                continue;
            };
            if index.insert(field, position).is_some() {
                let message = format!("A second column for {} was found.", field.name());
                errors.push(FieldError::new(header, "duplicate_column", message).at_line(line));
            }
        }
        for field in required.iter().filter(|field| !index.contains_key(field)) {
            let message = format!("The file has no {} column.", field.name());
            errors.push(FieldError::new(field.name(), "missing_column", message).at_line(line));
        }
        if errors.is_empty() {
            Ok(Columns { index })
        } else {
            Err(errors)
        }
    }

    /// The row's cell for a field; empty when the table has no such column.
    pub fn value<'row>(&self, row: &'row TableRow, field: F) -> &'row str {
        self.index
            .get(&field)
            .and_then(|&position| row.cells.get(position))
            .map_or("", String::as_str)
    }
}

fn field_of<F: ColumnField>(header: &str, aliases: &[(F, &[&str])]) -> Option<F> {
    let key = header_key(header);
    aliases
        .iter()
        .find(|(_, names)| names.iter().any(|name| header_key(name) == key))
        .map(|(field, _)| *field)
}

/// Header text reduced for comparison: half-width, lower case, without whitespace, `_`, `-`,
/// and the `*` that templates put on required columns.
fn header_key(header: &str) -> String {
    to_half_width(header)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '*'))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheets::read_table;

    #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
    enum Field {
        Team,
        IdNumber,
    }

    impl ColumnField for Field {
        fn name(self) -> &'static str {
            match self {
                Field::Team => "team",
                Field::IdNumber => "id_number",
            }
        }
    }

    const ALIASES: &[(Field, &[&str])] = &[
        (Field::Team, &["队名", "team"]),
        (Field::IdNumber, &["身份证号", "id_number"]),
    ];

    #[test]
    fn headers_match_whatever_their_case_spacing_or_required_mark() {
        let table = read_table("ID Number ,＊队名\nx,y\n".as_bytes()).unwrap();
        let columns = Columns::find(&table, ALIASES, &[Field::Team])
            .map_err(|_| ())
            .unwrap();
        assert_eq!(columns.value(&table.rows[0], Field::Team), "y");
        assert_eq!(columns.value(&table.rows[0], Field::IdNumber), "x");
    }

    #[test]
    fn unknown_duplicate_and_headerless_columns_are_reported_on_the_header_line() {
        let table = read_table("队名,生日,TEAM,\n星火队,1990,x,oops\n".as_bytes()).unwrap();
        let errors = Columns::find(&table, ALIASES, &[Field::IdNumber])
            .err()
            .unwrap();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str(), e.line))
            .collect();
        assert_eq!(
            found,
            [
                ("生日", "unknown_column", Some(1)),
                ("TEAM", "duplicate_column", Some(1)),
                ("column 4", "unknown_column", Some(1)),
                ("id_number", "missing_column", Some(1)),
            ]
        );
    }
}
