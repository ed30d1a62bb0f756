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
    // floor(n/d + 1/2) = floor((2n + d) / 2d); `div_euclid` floors for a positive divisor.
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
}
