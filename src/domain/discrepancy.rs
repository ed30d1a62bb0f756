//! Discrepancy between judges on one judgement criterion (DESIGN §3.2): where two judges'
//! levels for the same team differ by more than the module's threshold (1 level by default, as
//! WorldSkills), the pair is flagged for the chief judge, and the module cannot be locked.

use serde::Serialize;

/// Two judges whose levels for the same team × criterion are too far apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DiscrepantPair<K> {
    /// The judge who gave the lower level.
    pub lower: K,
    /// The judge who gave the higher level.
    pub higher: K,
    /// `higher`'s level minus `lower`'s.
    pub gap: u8,
}

/// The panel's disagreement on one team × criterion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Discrepancy<K> {
    /// Highest level minus lowest level (0 when fewer than two judges marked).
    pub spread: u8,
    /// Whether the spread exceeds the threshold, i.e. whether `pairs` is non-empty.
    pub flagged: bool,
    /// Every pair of judges more than the threshold apart, in the order the judges were given.
    pub pairs: Vec<DiscrepantPair<K>>,
}

/// Compares every pair of the given judges' levels against `threshold` (in levels).
/// A gap equal to the threshold is allowed; only a larger one is flagged.
pub fn find_discrepancies<K: Copy>(levels: &[(K, u8)], threshold: u8) -> Discrepancy<K> {
    let highest = levels.iter().map(|&(_, level)| level).max();
    let lowest = levels.iter().map(|&(_, level)| level).min();
    let spread = match (highest, lowest) {
        (Some(high), Some(low)) => high - low,
        _ => 0,
    };
    let mut pairs = Vec::new();
    for (i, &(first, first_level)) in levels.iter().enumerate() {
        for &(second, second_level) in &levels[i + 1..] {
            let gap = first_level.abs_diff(second_level);
            if gap > threshold {
                let (lower, higher) = if first_level < second_level {
                    (first, second)
                } else {
                    (second, first)
                };
                pairs.push(DiscrepantPair { lower, higher, gap });
            }
        }
    }
    Discrepancy {
        spread,
        flagged: spread > threshold,
        pairs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scheme::DEFAULT_DISCREPANCY_THRESHOLD;
    use proptest::prelude::*;

    #[test]
    fn levels_one_apart_are_not_flagged_by_default() {
        let d = find_discrepancies(
            &[("ann", 1), ("bo", 2), ("cy", 2)],
            DEFAULT_DISCREPANCY_THRESHOLD,
        );
        assert_eq!((d.spread, d.flagged, d.pairs), (1, false, vec![]));
    }

    #[test]
    fn levels_two_apart_flag_that_pair_lower_judge_first() {
        let d = find_discrepancies(
            &[("ann", 3), ("bo", 2), ("cy", 1)],
            DEFAULT_DISCREPANCY_THRESHOLD,
        );
        assert!(d.flagged);
        assert_eq!(d.spread, 2);
        assert_eq!(
            d.pairs,
            vec![DiscrepantPair {
                lower: "cy",
                higher: "ann",
                gap: 2
            }]
        );
    }

    #[test]
    fn every_pair_over_the_threshold_is_listed() {
        let d = find_discrepancies(&[("ann", 0), ("bo", 3), ("cy", 3), ("di", 1)], 1);
        let pairs: Vec<_> = d.pairs.iter().map(|p| (p.lower, p.higher, p.gap)).collect();
        assert_eq!(
            pairs,
            vec![
                ("ann", "bo", 3),
                ("ann", "cy", 3),
                ("di", "bo", 2),
                ("di", "cy", 2)
            ]
        );
    }

    #[test]
    fn a_threshold_of_zero_flags_any_difference() {
        assert!(find_discrepancies(&[(1, 2), (2, 3)], 0).flagged);
        assert!(!find_discrepancies(&[(1, 2), (2, 2)], 0).flagged);
    }

    #[test]
    fn one_judge_or_none_cannot_disagree() {
        assert!(!find_discrepancies(&[(1, 3)], 0).flagged);
        assert!(!find_discrepancies::<u8>(&[], 0).flagged);
    }

    proptest! {
        #[test]
        fn flagged_exactly_when_some_pair_is_listed(
            levels in prop::collection::vec(0u8..=3, 0..7),
            threshold in 0u8..3,
        ) {
            let keyed: Vec<_> = levels.iter().copied().enumerate().collect();
            let d = find_discrepancies(&keyed, threshold);
            prop_assert_eq!(d.flagged, !d.pairs.is_empty());
            prop_assert!(d.pairs.iter().all(|p| p.gap > threshold && levels[p.lower] < levels[p.higher]));
        }
    }
}
