//! Marks as written in a sheet (`2.5`, `10`, `0.25`) to and from integer hundredths.
//! Kept private: `crate::domain` will own the `Mark` type; this only reads and writes cells.

/// Larger marks are typing mistakes, and the limit keeps the arithmetic far from overflow.
const MAX_WHOLE_DIGITS: usize = 9;

/// A non-negative decimal with at most two decimals, in hundredths.
pub(super) fn parse_hundredths(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > MAX_WHOLE_DIGITS
        || fraction.len() > 2
        || !digits_only(whole)
        || !digits_only(fraction)
        || (text.contains('.') && fraction.is_empty())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    Some(whole * 100 + cents)
}

/// The shortest decimal for hundredths: `250` → `2.5`, `1000` → `10`.
pub(super) fn format_hundredths(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let magnitude = hundredths.unsigned_abs();
    let (whole, cents) = (magnitude / 100, magnitude % 100);
    match cents {
        0 => format!("{sign}{whole}"),
        c if c % 10 == 0 => format!("{sign}{whole}.{}", c / 10),
        c => format!("{sign}{whole}.{c:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_with_up_to_two_places_become_hundredths() {
        assert_eq!(parse_hundredths("10"), Some(1000));
        assert_eq!(parse_hundredths("2.5"), Some(250));
        assert_eq!(parse_hundredths("0.25"), Some(25));
        assert_eq!(parse_hundredths("007.05"), Some(705));
        assert_eq!(parse_hundredths("0"), Some(0));
    }

    #[test]
    fn anything_else_is_not_a_mark() {
        for text in [
            "",
            ".5",
            "5.",
            "1.234",
            "-1",
            "+1",
            "1,5",
            "1e2",
            " 1",
            "1234567890",
            "一",
        ] {
            assert_eq!(parse_hundredths(text), None, "{text:?}");
        }
    }

    #[test]
    fn hundredths_print_as_the_shortest_decimal_and_parse_back() {
        for (hundredths, text) in [
            (1000, "10"),
            (250, "2.5"),
            (25, "0.25"),
            (5, "0.05"),
            (0, "0"),
        ] {
            assert_eq!(format_hundredths(hundredths), text);
            assert_eq!(parse_hundredths(text), Some(hundredths));
        }
        assert_eq!(format_hundredths(-150), "-1.5");
    }
}
