//! Integer division with the rounding rule every score uses: round half up, to the unit of the
//! numerator (hundredths of a point for marks). Kept in one place so no rule rounds differently.

/// `numerator / denominator` rounded to the nearest integer, exact halves towards +∞
/// ("round half up"): 5/2 → 3, −5/2 → −2, 7/3 → 2.
///
/// Returns `None` when `denominator` is not positive or the arithmetic would overflow.
pub(crate) fn div_round_half_up(numerator: i128, denominator: i128) -> Option<i128> {
    if denominator <= 0 {
        return None;
    }
    // Every real score fits 64 bits, whose division is several times cheaper than 128-bit
    // (a board's full recompute does ~200,000 of these).
    if let (Ok(numerator), Ok(denominator)) = (i64::try_from(numerator), i64::try_from(denominator))
    {
        if let Some(quotient) = div_round_half_up_64(numerator, denominator) {
            return Some(i128::from(quotient));
        }
    }
    // floor(n/d + 1/2) = floor((2n + d) / 2d); `div_euclid` floors for a positive divisor.
    let doubled = numerator.checked_mul(2)?.checked_add(denominator)?;
    Some(doubled.div_euclid(denominator.checked_mul(2)?))
}

/// The same in 64 bits; `None` where an intermediate would overflow them.
fn div_round_half_up_64(numerator: i64, denominator: i64) -> Option<i64> {
    let doubled = numerator.checked_mul(2)?.checked_add(denominator)?;
    Some(doubled.div_euclid(denominator.checked_mul(2)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_quotients_are_unchanged() {
        assert_eq!(div_round_half_up(12, 3), Some(4));
        assert_eq!(div_round_half_up(-12, 3), Some(-4));
    }

    #[test]
    fn halves_round_towards_positive_infinity() {
        assert_eq!(div_round_half_up(5, 2), Some(3));
        assert_eq!(div_round_half_up(-5, 2), Some(-2));
    }

    #[test]
    fn other_fractions_round_to_nearest() {
        assert_eq!(div_round_half_up(7, 3), Some(2));
        assert_eq!(div_round_half_up(8, 3), Some(3));
        assert_eq!(div_round_half_up(-8, 3), Some(-3));
    }

    #[test]
    fn a_non_positive_denominator_has_no_quotient() {
        assert_eq!(div_round_half_up(1, 0), None);
        assert_eq!(div_round_half_up(1, -2), None);
    }

    #[test]
    fn overflow_is_reported_not_wrapped() {
        assert_eq!(div_round_half_up(i128::MAX, 3), None);
    }

    #[test]
    fn values_beyond_64_bits_take_the_wide_path() {
        assert_eq!(
            div_round_half_up(i128::from(i64::MAX) * 4, 4),
            Some(i128::from(i64::MAX))
        );
        assert_eq!(div_round_half_up(i128::from(i64::MAX), 2), Some(1 << 62));
    }

    proptest::proptest! {
        #[test]
        fn the_64_bit_path_agrees_with_128_bit_arithmetic(
            numerator in proptest::num::i64::ANY,
            denominator in 1..=i64::MAX,
        ) {
            let (n, d) = (i128::from(numerator), i128::from(denominator));
            let wide = (n * 2 + d).div_euclid(d * 2);
            proptest::prop_assert_eq!(div_round_half_up(n, d), Some(wide));
        }
    }
}
