//! Aggregating the panel's marks for one team × criterion into one mark (DESIGN §3.1).
//!
//! All arithmetic is on integer hundredths; every average is rounded half up to the hundredth.

use serde::{Deserialize, Serialize};

use super::fixed_point::div_round_half_up;
use super::marks::Mark;

/// Panel size from which `Auto` drops the extremes (DESIGN §3.1).
const AUTO_TRIM_FROM_JUDGES: usize = 5;

/// Fewest marks an explicit `TrimmedMean` can trim: below this nothing would be left.
const TRIM_NEEDS_AT_LEAST: usize = 3;

/// How a module combines its judges' marks per criterion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregationRule {
    /// Trimmed mean when 5 or more judges marked, else the mean (the default, DESIGN §3.1).
    #[default]
    Auto,
    /// Arithmetic mean.
    Mean,
    /// Middle mark; for an even count, the mean of the two middle marks.
    Median,
    /// Mean after dropping exactly one highest and one lowest mark; the plain mean below 3 marks.
    TrimmedMean,
}

/// The criterion mark for one team from the marks of the judges who marked it, or `None` when
/// nobody did. A single mark is that mark whatever the rule ("measurement criteria marked by
/// one judge take that mark"). The result always lies between the lowest and highest input.
pub fn aggregate(rule: AggregationRule, marks: &[Mark]) -> Option<Mark> {
    aggregate_each(rule, marks.iter().copied())
}

/// [`aggregate`] over marks as they come (e.g. the judges' cells of one criterion that hold a
/// mark), without collecting them first unless the rule is the median.
pub fn aggregate_each(rule: AggregationRule, marks: impl Iterator<Item = Mark>) -> Option<Mark> {
    if rule == AggregationRule::Median {
        return median(marks.collect());
    }
    Summary::of(marks)?.aggregate(rule)
}

/// What every rule but the median needs of a criterion's marks, gathered in one pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    count: usize,
    sum: i128,
    lowest: Mark,
    highest: Mark,
}

impl Summary {
    /// `None` when there are no marks.
    fn of(mut marks: impl Iterator<Item = Mark>) -> Option<Summary> {
        let first = marks.next()?;
        let mut summary = Summary {
            count: 1,
            sum: i128::from(first.hundredths()),
            lowest: first,
            highest: first,
        };
        for mark in marks {
            summary.count += 1;
            summary.sum += i128::from(mark.hundredths());
            summary.lowest = summary.lowest.min(mark);
            summary.highest = summary.highest.max(mark);
        }
        Some(summary)
    }

    /// A summary gathered elsewhere (the board sums its cells without an iterator chain):
    /// `count` marks summing to `sum` hundredths, from `lowest` to `highest`. `None` when
    /// `count` is 0, as [`Summary::of`] answers for no marks.
    pub(crate) fn from_parts(count: usize, sum: i64, lowest: Mark, highest: Mark) -> Option<Self> {
        (count > 0).then_some(Summary {
            count,
            sum: i128::from(sum),
            lowest,
            highest,
        })
    }

    /// The criterion mark under `rule`; `None` for the median, which needs every mark.
    #[inline]
    pub(crate) fn aggregate(self, rule: AggregationRule) -> Option<Mark> {
        let trims = match rule {
            AggregationRule::Auto => self.count >= AUTO_TRIM_FROM_JUDGES,
            AggregationRule::TrimmedMean => self.count >= TRIM_NEEDS_AT_LEAST,
            AggregationRule::Mean => false,
            AggregationRule::Median => return None,
        };
        if trims {
            // Trimmed mean: drop one highest and one lowest, average the rest (DESIGN §3.1).
            let rest = self.sum
                - i128::from(self.highest.hundredths())
                - i128::from(self.lowest.hundredths());
            average(rest, self.count - 2)
        } else {
            average(self.sum, self.count)
        }
    }
}

fn average(total: i128, count: usize) -> Option<Mark> {
    let count = i128::try_from(count).ok()?;
    let hundredths = div_round_half_up(total, count)?;
    // An average lies between its inputs' extremes, so it fits an i64 again.
    i64::try_from(hundredths).ok().map(Mark::from_hundredths)
}

fn mean(marks: &[Mark]) -> Option<Mark> {
    average(
        marks.iter().map(|m| i128::from(m.hundredths())).sum(),
        marks.len(),
    )
}

fn median(mut marks: Vec<Mark>) -> Option<Mark> {
    marks.sort_unstable();
    let middle = marks.len() / 2;
    if marks.len() % 2 == 1 {
        marks.get(middle).copied()
    } else {
        mean(marks.get(middle.checked_sub(1)?..=middle)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn marks(hundredths: &[i64]) -> Vec<Mark> {
        hundredths
            .iter()
            .copied()
            .map(Mark::from_hundredths)
            .collect()
    }

    fn run(rule: AggregationRule, hundredths: &[i64]) -> Option<i64> {
        aggregate(rule, &marks(hundredths)).map(Mark::hundredths)
    }

    const ALL_RULES: [AggregationRule; 4] = [
        AggregationRule::Auto,
        AggregationRule::Mean,
        AggregationRule::Median,
        AggregationRule::TrimmedMean,
    ];

    #[test]
    fn nobody_marked_means_no_mark() {
        for rule in ALL_RULES {
            assert_eq!(run(rule, &[]), None);
        }
    }

    #[test]
    fn a_single_judge_s_mark_is_the_criterion_mark() {
        for rule in ALL_RULES {
            assert_eq!(run(rule, &[350]), Some(350));
        }
    }

    #[test]
    fn the_mean_rounds_half_up_to_the_hundredth() {
        assert_eq!(run(AggregationRule::Mean, &[100, 101]), Some(101));
        assert_eq!(run(AggregationRule::Mean, &[100, 100, 101]), Some(100));
        assert_eq!(run(AggregationRule::Mean, &[100, 101, 101]), Some(101));
    }

    #[test]
    fn auto_is_the_mean_below_five_judges() {
        assert_eq!(run(AggregationRule::Auto, &[0, 100, 100, 1000]), Some(300));
    }

    #[test]
    fn auto_trims_one_highest_and_one_lowest_from_five_judges_up() {
        assert_eq!(
            run(AggregationRule::Auto, &[0, 100, 200, 300, 1000]),
            Some(200)
        );
    }

    #[test]
    fn trimming_drops_only_one_of_several_equal_extremes() {
        assert_eq!(
            run(AggregationRule::TrimmedMean, &[0, 0, 300, 300]),
            Some(150)
        );
    }

    #[test]
    fn explicit_trimmed_mean_trims_from_three_marks() {
        assert_eq!(run(AggregationRule::TrimmedMean, &[0, 200, 900]), Some(200));
    }

    #[test]
    fn explicit_trimmed_mean_of_two_marks_is_their_mean() {
        assert_eq!(run(AggregationRule::TrimmedMean, &[100, 200]), Some(150));
    }

    #[test]
    fn the_median_of_an_odd_count_is_the_middle_mark() {
        assert_eq!(run(AggregationRule::Median, &[900, 0, 200]), Some(200));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_rounded_mean_of_the_middle_two() {
        assert_eq!(run(AggregationRule::Median, &[0, 100, 101, 900]), Some(101));
    }

    #[test]
    fn the_rule_reads_and_writes_as_snake_case() {
        let json = serde_json::to_string(&AggregationRule::TrimmedMean).ok();
        assert_eq!(json.as_deref(), Some("\"trimmed_mean\""));
        let rule: Option<AggregationRule> = serde_json::from_str("\"auto\"").ok();
        assert_eq!(rule, Some(AggregationRule::Auto));
    }

    fn any_rule() -> impl Strategy<Value = AggregationRule> {
        prop::sample::select(ALL_RULES.to_vec())
    }

    fn any_marks() -> impl Strategy<Value = Vec<Mark>> {
        prop::collection::vec(
            (Mark::MIN.hundredths()..=Mark::MAX.hundredths()).prop_map(Mark::from_hundredths),
            1..12,
        )
    }

    proptest! {
        #[test]
        fn the_result_lies_between_the_lowest_and_highest_mark(rule in any_rule(), marks in any_marks()) {
            let result = aggregate(rule, &marks);
            prop_assert!(result >= marks.iter().min().copied());
            prop_assert!(result <= marks.iter().max().copied());
        }

        #[test]
        fn the_order_of_the_judges_does_not_matter(
            rule in any_rule(),
            (marks, shuffled) in any_marks().prop_flat_map(|m| (Just(m.clone()), Just(m).prop_shuffle())),
        ) {
            prop_assert_eq!(aggregate(rule, &marks), aggregate(rule, &shuffled));
        }

        #[test]
        fn equal_marks_aggregate_to_that_mark(rule in any_rule(), h in -10_000i64..10_000, n in 1usize..10) {
            let marks = vec![Mark::from_hundredths(h); n];
            prop_assert_eq!(aggregate(rule, &marks), Some(Mark::from_hundredths(h)));
        }

        #[test]
        fn a_trimmed_mean_ignores_one_extreme_outlier(
            h in 0i64..1_000,
            n in 4usize..9,
            outlier in 1_000_000i64..10_000_000,
        ) {
            let mut marks = vec![Mark::from_hundredths(h); n];
            marks.push(Mark::from_hundredths(outlier));
            prop_assert_eq!(aggregate(AggregationRule::TrimmedMean, &marks), Some(Mark::from_hundredths(h)));
            prop_assert_eq!(aggregate(AggregationRule::Auto, &marks), Some(Mark::from_hundredths(h)));
        }
    }
}
