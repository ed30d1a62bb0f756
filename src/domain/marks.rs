//! `Mark`: points as a fixed-point integer of hundredths, the only number scores are made of
//! (DESIGN §2: "never floats in storage or ranking").

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Hundredths in one point.
const HUNDREDTHS_PER_POINT: i64 = 100;

/// Points a mark may be worth at most, either sign: anything larger is a typo or an attack.
const MAX_MAGNITUDE_POINTS: i64 = 1_000_000;

/// How far (in hundredths) a floating-point JSON number may sit from a hundredth and still be
/// read as that hundredth: absorbs binary noise such as `0.1 + 0.2 = 0.30000000000000004`,
/// far below the 0.1 hundredth a real third decimal would add.
const FLOAT_NOISE_HUNDREDTHS: f64 = 1e-6;

/// A number of points with exactly two decimals, stored as an `i64` of hundredths.
///
/// `Mark::from_hundredths(1250)` is 12.5 points. Arithmetic is checked; ordering is numeric.
/// Over JSON a mark is a number (`12.5`); it is read from a number or a numeric string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mark(i64);

/// Why a value is not an acceptable mark. `code()` is the stable machine code the API returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MarkError {
    #[error("not a number")]
    NotANumber,
    #[error("at most two decimals are allowed")]
    TooPrecise,
    #[error("must be between {min} and {max}")]
    OutOfRange { min: Mark, max: Mark },
    #[error("must be a multiple of {step}")]
    OffStep { step: Mark },
    #[error("level {level} is not one of 0, 1, 2, 3")]
    BadLevel { level: u8 },
    #[error("this criterion is marked with a level (0 to 3), not a value")]
    LevelExpected,
    #[error("this criterion is marked with a value, not a level")]
    ValueExpected,
}

impl MarkError {
    /// The stable machine code of this error, e.g. `mark.too_precise`.
    pub fn code(&self) -> &'static str {
        match self {
            MarkError::NotANumber => "mark.not_a_number",
            MarkError::TooPrecise => "mark.too_precise",
            MarkError::OutOfRange { .. } => "mark.out_of_range",
            MarkError::OffStep { .. } => "mark.off_step",
            MarkError::BadLevel { .. } => "mark.bad_level",
            MarkError::LevelExpected => "mark.level_expected",
            MarkError::ValueExpected => "mark.value_expected",
        }
    }
}

impl Mark {
    pub const ZERO: Mark = Mark(0);
    /// The largest mark `parse_decimal` and deserialisation accept (1,000,000 points).
    pub const MAX: Mark = Mark(MAX_MAGNITUDE_POINTS * HUNDREDTHS_PER_POINT);
    /// The smallest mark `parse_decimal` and deserialisation accept (−1,000,000 points).
    pub const MIN: Mark = Mark(-MAX_MAGNITUDE_POINTS * HUNDREDTHS_PER_POINT);

    pub const fn from_hundredths(hundredths: i64) -> Mark {
        Mark(hundredths)
    }

    /// Whole points, e.g. `Mark::from_points(3)` is 3.00. Saturates at the `i64` bounds, which
    /// only a programming error can reach; untrusted input goes through `parse_decimal`.
    pub const fn from_points(points: i64) -> Mark {
        Mark(points.saturating_mul(HUNDREDTHS_PER_POINT))
    }

    pub const fn hundredths(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Mark) -> Option<Mark> {
        self.0.checked_add(other.0).map(Mark)
    }

    pub fn checked_sub(self, other: Mark) -> Option<Mark> {
        self.0.checked_sub(other.0).map(Mark)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Reads a decimal such as `12`, `12.5`, `-0.25` or ` 3.50 ` (surrounding whitespace is
    /// ignored). Rejects empty text, exponents, `NaN`/`inf`, a sign with no digits, a dot with
    /// no digits on either side, a third non-zero decimal and magnitudes over 1,000,000 points.
    /// Trailing zeros beyond two decimals (`12.500`) are accepted: they do not change the value.
    pub fn parse_decimal(text: &str) -> Result<Mark, MarkError> {
        let text = text.trim();
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (unsigned, ""),
        };
        let has_dot = unsigned.contains('.');
        if whole.is_empty()
            || (has_dot && fraction.is_empty())
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(MarkError::NotANumber);
        }
        let (kept, beyond) = fraction.split_at(fraction.len().min(2));
        if beyond.bytes().any(|b| b != b'0') {
            return Err(MarkError::TooPrecise);
        }
        let out_of_range = MarkError::OutOfRange {
            min: Mark::MIN,
            max: Mark::MAX,
        };
        let mut hundredths: i64 = 0;
        for digit in whole.bytes() {
            hundredths = hundredths
                .checked_mul(10)
                .and_then(|h| h.checked_add(i64::from(digit - b'0')))
                .filter(|h| *h <= MAX_MAGNITUDE_POINTS)
                .ok_or(out_of_range)?;
        }
        hundredths *= HUNDREDTHS_PER_POINT;
        let mut place = 10;
        for digit in kept.bytes() {
            hundredths += i64::from(digit - b'0') * place;
            place /= 10;
        }
        let mark = Mark(if negative { -hundredths } else { hundredths });
        if mark > Mark::MAX || mark < Mark::MIN {
            return Err(out_of_range);
        }
        Ok(mark)
    }

    /// Reads a binary floating-point number (how JSON numbers arrive) as the hundredth it
    /// stands for, tolerating only floating-point noise (see `FLOAT_NOISE_HUNDREDTHS`).
    pub fn from_f64(value: f64) -> Result<Mark, MarkError> {
        if !value.is_finite() {
            return Err(MarkError::NotANumber);
        }
        let scaled = value * HUNDREDTHS_PER_POINT as f64;
        let nearest = scaled.round();
        if nearest.abs() > Mark::MAX.0 as f64 {
            return Err(MarkError::OutOfRange {
                min: Mark::MIN,
                max: Mark::MAX,
            });
        }
        if (scaled - nearest).abs() > FLOAT_NOISE_HUNDREDTHS {
            return Err(MarkError::TooPrecise);
        }
        // In range and integral, so the conversion is exact.
        Ok(Mark(nearest as i64))
    }

    /// Whole points, checked against the ±1,000,000 points bound.
    pub fn from_points_checked(points: i64) -> Result<Mark, MarkError> {
        if (-MAX_MAGNITUDE_POINTS..=MAX_MAGNITUDE_POINTS).contains(&points) {
            Ok(Mark(points * HUNDREDTHS_PER_POINT))
        } else {
            Err(MarkError::OutOfRange {
                min: Mark::MIN,
                max: Mark::MAX,
            })
        }
    }
}

/// A decimal with no more digits than needed: `12.5`, `12.25`, `3`, `-0.5`.
impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let whole = magnitude / HUNDREDTHS_PER_POINT as u64;
        let fraction = magnitude % HUNDREDTHS_PER_POINT as u64;
        match fraction {
            0 => write!(f, "{sign}{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{whole}.{}", f10 / 10),
            _ => write!(f, "{sign}{whole}.{fraction:02}"),
        }
    }
}

impl Serialize for Mark {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % HUNDREDTHS_PER_POINT == 0 {
            serializer.serialize_i64(self.0 / HUNDREDTHS_PER_POINT)
        } else {
            // Correctly rounded division: the nearest f64 to the two-decimal value, which
            // serde_json prints back as that shortest decimal (1225 → 12.25).
            serializer.serialize_f64(self.0 as f64 / HUNDREDTHS_PER_POINT as f64)
        }
    }
}

impl<'de> Deserialize<'de> for Mark {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Mark, D::Error> {
        deserializer.deserialize_any(MarkVisitor)
    }
}

struct MarkVisitor;

impl Visitor<'_> for MarkVisitor {
    type Value = Mark;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number of points with at most two decimals")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Mark, E> {
        Mark::from_points_checked(value).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Mark, E> {
        let points = i64::try_from(value).unwrap_or(i64::MAX);
        Mark::from_points_checked(points).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Mark, E> {
        Mark::from_f64(value).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Mark, E> {
        Mark::parse_decimal(value).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Result<i64, MarkError> {
        Mark::parse_decimal(text).map(Mark::hundredths)
    }

    #[test]
    fn whole_and_decimal_points_parse_to_hundredths() {
        assert_eq!(parse("12"), Ok(1200));
        assert_eq!(parse("12.5"), Ok(1250));
        assert_eq!(parse("12.25"), Ok(1225));
        assert_eq!(parse("0.05"), Ok(5));
        assert_eq!(parse("-0.5"), Ok(-50));
        assert_eq!(parse(" 3.50 "), Ok(350));
    }

    #[test]
    fn trailing_zeros_beyond_two_decimals_do_not_change_the_value() {
        assert_eq!(parse("12.500"), Ok(1250));
    }

    #[test]
    fn a_third_significant_decimal_is_too_precise() {
        assert_eq!(parse("12.345"), Err(MarkError::TooPrecise));
        assert_eq!(parse("0.001"), Err(MarkError::TooPrecise));
    }

    #[test]
    fn text_that_is_not_a_plain_decimal_is_not_a_number() {
        for garbage in [
            "", " ", "-", ".", "12.", ".5", "1e3", "NaN", "inf", "-inf", "+1", "1,5", "1.2.3",
            "١٢", "12a", "--1", "0x10",
        ] {
            assert_eq!(parse(garbage), Err(MarkError::NotANumber), "{garbage:?}");
        }
    }

    #[test]
    fn magnitudes_over_a_million_points_are_out_of_range() {
        assert_eq!(parse("1000000"), Ok(100_000_000));
        assert_eq!(parse("-1000000"), Ok(-100_000_000));
        assert!(matches!(
            parse("1000000.01"),
            Err(MarkError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse("1000001"),
            Err(MarkError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse("99999999999999999999999999"),
            Err(MarkError::OutOfRange { .. })
        ));
    }

    #[test]
    fn leading_zeros_are_harmless() {
        assert_eq!(parse("0000000000000000000000012.5"), Ok(1250));
    }

    #[test]
    fn display_uses_as_few_decimals_as_the_value_needs() {
        assert_eq!(Mark::from_hundredths(1250).to_string(), "12.5");
        assert_eq!(Mark::from_hundredths(1225).to_string(), "12.25");
        assert_eq!(Mark::from_hundredths(300).to_string(), "3");
        assert_eq!(Mark::from_hundredths(5).to_string(), "0.05");
        assert_eq!(Mark::from_hundredths(-50).to_string(), "-0.5");
        assert_eq!(Mark::ZERO.to_string(), "0");
    }

    #[test]
    fn from_points_counts_whole_points() {
        assert_eq!(Mark::from_points(3).hundredths(), 300);
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        let one = Mark::from_points(1);
        assert_eq!(one.checked_add(one), Some(Mark::from_points(2)));
        assert_eq!(one.checked_sub(one), Some(Mark::ZERO));
        assert_eq!(Mark::from_hundredths(i64::MAX).checked_add(one), None);
        assert_eq!(Mark::from_hundredths(i64::MIN).checked_sub(one), None);
    }

    #[test]
    fn marks_order_numerically() {
        assert!(Mark::from_hundredths(-1) < Mark::ZERO);
        assert!(Mark::from_hundredths(1250) > Mark::from_hundredths(1225));
    }

    #[test]
    fn serialises_as_a_json_number() {
        let json = serde_json::to_string(&[
            Mark::from_hundredths(1250),
            Mark::from_hundredths(1225),
            Mark::from_points(3),
            Mark::from_hundredths(-5),
        ]);
        assert_eq!(json.ok().as_deref(), Some("[12.5,12.25,3,-0.05]"));
    }

    fn from_json(json: &str) -> Result<Mark, String> {
        serde_json::from_str::<Mark>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn deserialises_from_numbers_and_numeric_strings() {
        assert_eq!(from_json("12.5"), Ok(Mark::from_hundredths(1250)));
        assert_eq!(from_json("12.35"), Ok(Mark::from_hundredths(1235)));
        assert_eq!(from_json("3"), Ok(Mark::from_points(3)));
        assert_eq!(from_json("-2"), Ok(Mark::from_points(-2)));
        assert_eq!(from_json("1e1"), Ok(Mark::from_points(10)));
        assert_eq!(from_json("\"12.25\""), Ok(Mark::from_hundredths(1225)));
    }

    #[test]
    fn floating_point_noise_in_a_json_number_is_absorbed() {
        assert_eq!(
            from_json("0.30000000000000004"),
            Ok(Mark::from_hundredths(30))
        );
    }

    #[test]
    fn a_json_number_off_the_hundredth_is_too_precise() {
        assert!(from_json("12.345").is_err());
        assert!(from_json("0.001").is_err());
        assert_eq!(Mark::from_f64(12.345), Err(MarkError::TooPrecise));
    }

    #[test]
    fn absurd_or_non_finite_json_values_are_refused() {
        assert!(from_json("1e300").is_err());
        assert!(from_json("18446744073709551615").is_err());
        assert!(from_json("\"NaN\"").is_err());
        assert!(from_json("null").is_err());
        assert!(from_json("true").is_err());
        assert_eq!(Mark::from_f64(f64::NAN), Err(MarkError::NotANumber));
        assert_eq!(Mark::from_f64(f64::INFINITY), Err(MarkError::NotANumber));
    }

    #[test]
    fn every_error_has_a_distinct_stable_code() {
        let errors = [
            MarkError::NotANumber,
            MarkError::TooPrecise,
            MarkError::OutOfRange {
                min: Mark::ZERO,
                max: Mark::ZERO,
            },
            MarkError::OffStep { step: Mark::ZERO },
            MarkError::BadLevel { level: 4 },
            MarkError::LevelExpected,
            MarkError::ValueExpected,
        ];
        let mut codes: Vec<_> = errors.iter().map(MarkError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("mark.")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }

    proptest! {
        #[test]
        fn display_then_parse_gives_back_the_same_mark(h in Mark::MIN.0..=Mark::MAX.0) {
            let mark = Mark::from_hundredths(h);
            prop_assert_eq!(Mark::parse_decimal(&mark.to_string()), Ok(mark));
        }

        #[test]
        fn json_round_trip_gives_back_the_same_mark(h in Mark::MIN.0..=Mark::MAX.0) {
            let mark = Mark::from_hundredths(h);
            let json = serde_json::to_string(&mark).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(from_json(&json), Ok(mark));
        }
    }
}
