//! A team's module score and total from the aggregated criterion marks (DESIGN §3.3), and when
//! a module score is still provisional (DESIGN §3.6).

use serde::Serialize;

use super::fixed_point::div_round_half_up;
use super::marks::Mark;
use super::scheme::Module;

/// One team's score in one module, as boards show it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct ModuleScore {
    pub score: Mark,
    /// Not every panel judge has submitted yet (or an imported mark is missing): may change.
    pub provisional: bool,
}

/// Module score = Σ aggregated marks of non-deduction criteria − Σ aggregated deductions,
/// floored at 0, then scaled to the module's weight if one is set (DESIGN §3.3).
///
/// `aggregated[i]` is criterion `i`'s aggregated mark, `None` while nobody marked it (it then
/// counts as 0). Missing trailing entries also count as 0.
pub fn module_score(module: &Module, aggregated: &[Option<Mark>]) -> Mark {
    module_score_of(module, aggregated.iter().copied())
}

/// [`module_score`] from the aggregated marks as they are computed, criterion by criterion.
pub fn module_score_of(
    module: &Module,
    aggregated: impl IntoIterator<Item = Option<Mark>>,
) -> Mark {
    let deductions = module
        .criteria
        .iter()
        .map(|criterion| criterion.is_deduction());
    module_score_of_counted(module, deductions.zip(aggregated))
}

/// [`module_score_of`] from each criterion's aggregated mark beside whether the criterion is a
/// deduction, in scheme order: for the board, which keeps that beside its marks rather than
/// reading the scheme's criteria (names and all) for every team it scores.
pub fn module_score_of_counted(
    module: &Module,
    marks: impl IntoIterator<Item = (bool, Option<Mark>)>,
) -> Mark {
    let mut raw: i128 = 0;
    for (deducts, mark) in marks {
        let points = i128::from(mark.unwrap_or(Mark::ZERO).hundredths());
        if deducts {
            raw -= points;
        } else {
            raw += points;
        }
    }
    scale_to_weight(raw.max(0), module)
}

/// Weighting: `score × weight / max_points`, rounded half up to the hundredth. Without a weight
/// (or with a module that cannot score, `max_points` ≤ 0) the score is unchanged. The maximum
/// is a sum over the criteria, so it is only worked out for a weighted module.
fn scale_to_weight(raw: i128, module: &Module) -> Mark {
    let scaled = match module.weight {
        Some(weight) => {
            let max_points = module.max_points();
            if max_points > Mark::ZERO {
                raw.checked_mul(i128::from(weight.hundredths()))
                    .and_then(|product| {
                        div_round_half_up(product, i128::from(max_points.hundredths()))
                    })
            } else {
                Some(raw)
            }
        }
        None => Some(raw),
    };
    saturate(scaled.unwrap_or(i128::MAX))
}

/// Total = Σ module scores (DESIGN §3.3).
pub fn total(scores: impl IntoIterator<Item = Mark>) -> Mark {
    saturate(scores.into_iter().map(|s| i128::from(s.hundredths())).sum())
}

/// A team's module score is provisional until every judge of the module's panel has submitted
/// a sheet for that team (DESIGN §3.6).
pub fn is_provisional<K: PartialEq>(panel: &[K], submitted_by: &[K]) -> bool {
    !panel.iter().all(|judge| submitted_by.contains(judge))
}

/// Scores out of i64 range only come from a scheme far beyond `Mark::MAX` per criterion;
/// clamping keeps the ordering meaningful rather than wrapping.
fn saturate(hundredths: i128) -> Mark {
    let clamped = hundredths.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    Mark::from_hundredths(i64::try_from(clamped).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::aggregation::AggregationRule;
    use crate::domain::scheme::{Criterion, CriterionKind};
    use proptest::prelude::*;

    fn h(hundredths: i64) -> Mark {
        Mark::from_hundredths(hundredths)
    }

    fn criterion(max: i64, kind: CriterionKind) -> Criterion {
        Criterion {
            code: "C".into(),
            max: h(max),
            kind,
        }
    }

    /// Two judgement criteria worth 3 and 2 points, and a deduction of up to 1 point.
    fn module(weight: Option<Mark>) -> Module {
        Module {
            code: "A".into(),
            criteria: vec![
                criterion(300, CriterionKind::Judgement),
                criterion(200, CriterionKind::Imported),
                criterion(100, CriterionKind::Deduction),
            ],
            weight,
            aggregation: AggregationRule::Auto,
            discrepancy_threshold: 1,
        }
    }

    #[test]
    fn the_module_score_adds_criteria_and_subtracts_deductions() {
        let score = module_score(&module(None), &[Some(h(250)), Some(h(150)), Some(h(50))]);
        assert_eq!(score, h(350));
    }

    #[test]
    fn unmarked_criteria_count_as_zero() {
        assert_eq!(
            module_score(&module(None), &[Some(h(250)), None, None]),
            h(250)
        );
        assert_eq!(module_score(&module(None), &[Some(h(250))]), h(250));
    }

    #[test]
    fn deductions_never_take_the_module_below_zero() {
        assert_eq!(
            module_score(&module(None), &[Some(h(20)), None, Some(h(100))]),
            Mark::ZERO
        );
    }

    #[test]
    fn a_weight_rescales_the_maximum_to_the_weight() {
        // 5 of 5 points → 20; 1 of 5 → 4.
        let weighted = module(Some(Mark::from_points(20)));
        assert_eq!(
            module_score(&weighted, &[Some(h(300)), Some(h(200)), None]),
            h(2000)
        );
        assert_eq!(module_score(&weighted, &[Some(h(100)), None, None]), h(400));
    }

    #[test]
    fn weighted_scores_round_half_up_to_the_hundredth() {
        // 0.01 of 5 points scaled to 2.5 points is 0.005 → 0.01; 0.03 → 0.015 → 0.02.
        let weighted = module(Some(h(250)));
        assert_eq!(module_score(&weighted, &[Some(h(1)), None, None]), h(1));
        assert_eq!(module_score(&weighted, &[Some(h(3)), None, None]), h(2));
    }

    #[test]
    fn the_total_is_the_sum_of_module_scores() {
        assert_eq!(total([h(350), h(1200), Mark::ZERO]), h(1550));
        assert_eq!(total([]), Mark::ZERO);
    }

    #[test]
    fn a_score_is_provisional_until_every_panel_judge_submitted() {
        assert!(is_provisional(&["ann", "bo"], &["ann"]));
        assert!(!is_provisional(&["ann", "bo"], &["bo", "ann"]));
        assert!(!is_provisional::<&str>(&[], &[]));
    }

    proptest! {
        #[test]
        fn a_module_score_lies_between_zero_and_its_weight_or_maximum(
            judged in 0i64..=300,
            imported in 0i64..=200,
            deducted in 0i64..=100,
            weight in prop::option::of(1i64..100_000),
        ) {
            let m = module(weight.map(h));
            let score = module_score(&m, &[Some(h(judged)), Some(h(imported)), Some(h(deducted))]);
            prop_assert!(score >= Mark::ZERO);
            prop_assert!(score <= weight.map(h).unwrap_or(m.max_points()));
        }
    }
}
