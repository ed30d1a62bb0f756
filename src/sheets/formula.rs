//! The guard against CSV/formula injection (OWASP "CSV Injection"): a cell that a spreadsheet
//! would run as a formula is written with a leading apostrophe, which makes it plain text.

use std::borrow::Cow;

/// The first characters that make Excel, WPS or LibreOffice treat a cell as a formula.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Prefixes `'` to a cell that starts with a formula trigger, except a plain number such as
/// `-3.5`, which stays a number.
///
/// Cells that already start with apostrophes before a trigger (`'=x`) get one more, so that
/// [`restore_neutralised`] can tell them from cells this function changed.
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    if needs_apostrophe(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The exact inverse of [`neutralise_formula`], applied when reading a sheet, so that a file
/// Skillboard exported reads back as the values that were written.
pub(super) fn restore_neutralised(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_apostrophe(rest) => rest,
        _ => cell,
    }
}

fn needs_apostrophe(cell: &str) -> bool {
    let unquoted = cell.trim_start_matches('\'');
    unquoted.starts_with(FORMULA_TRIGGERS) && !is_plain_number(unquoted)
}

/// An optional minus sign, digits, and optionally a point followed by digits.
pub(super) fn is_plain_number(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formula_triggers_get_an_apostrophe() {
        let cells = [
            "=1+1", "+86 138", "-2+3", "@SUM(A1)", "\tx", "\rx", "-", "'=x", "''@x",
        ];
        for cell in cells {
            assert_eq!(neutralise_formula(cell), format!("'{cell}"), "{cell:?}");
        }
    }

    #[test]
    fn plain_numbers_and_ordinary_text_are_left_alone() {
        for cell in ["-3.5", "-7", "12.50", "张伟", "a=b", "", "'abc", "'-3.5"] {
            assert_eq!(neutralise_formula(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn restoring_undoes_only_what_neutralising_added() {
        assert_eq!(restore_neutralised("'=1+1"), "=1+1");
        assert_eq!(restore_neutralised("''=1+1"), "'=1+1");
        assert_eq!(restore_neutralised("'-3.5"), "'-3.5");
        assert_eq!(restore_neutralised("'abc"), "'abc");
        assert_eq!(restore_neutralised("abc"), "abc");
    }

    proptest! {
        #[test]
        fn no_neutralised_cell_starts_with_a_trigger_unless_it_is_a_plain_number(cell in ".*") {
            let out = neutralise_formula(&cell);
            let starts_with_trigger = out.starts_with(FORMULA_TRIGGERS);
            prop_assert!(!starts_with_trigger || is_plain_number(&out));
        }

        #[test]
        fn restoring_a_neutralised_cell_gives_the_original(cell in ".*") {
            let neutralised = neutralise_formula(&cell);
            prop_assert_eq!(restore_neutralised(&neutralised), cell.as_str());
        }

        #[test]
        fn negative_decimals_stay_numbers(whole in 0u32..100_000, cents in 0u32..100) {
            let cell = format!("-{whole}.{cents:02}");
            prop_assert_eq!(neutralise_formula(&cell), cell.as_str());
        }
    }
}
