//! Optional WorldSkills-style standardised scores (DESIGN §3.7), shown beside raw scores:
//! each module's scores are rescaled to `700 + 100 × (x − median) / σ`, where σ is the
//! population standard deviation of that module's scores; when σ = 0 everyone gets 700. The
//! standardised total is the sum of a team's standardised module scores.
//!
//! Computed exactly in integers (no floats): with `n` scores in hundredths,
//! `n²σ² = n·Σx² − (Σx)²` is an integer `D`, so the offset in hundredths is
//! `10000 · n · (x − median) / √D`, rounded to the nearest hundredth (halves away from 700)
//! through an integer square root. The result is a display value, never used for ranking.

use serde::Serialize;

use super::marks::Mark;

/// Where the median competitor sits: 700 points.
const CENTRE_HUNDREDTHS: i128 = 70_000;

/// Points per standard deviation, in hundredths: 100 points.
const SPREAD_HUNDREDTHS: i128 = 10_000;

/// One team's standardised module scores (scheme order) and their sum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StandardisedScores {
    pub modules: Vec<Mark>,
    pub total: Mark,
}

/// The standardised score of each of one module's `scores`, in the same order. `None` only
/// when the arithmetic would overflow, which needs scores or team counts far beyond any
/// contest (e.g. 100,000 teams with module scores over 30 million points).
pub fn standardise(scores: &[Mark]) -> Option<Vec<Mark>> {
    let n = i128::try_from(scores.len()).ok()?;
    let values: Vec<i128> = scores.iter().map(|s| i128::from(s.hundredths())).collect();
    let mut sum: i128 = 0;
    let mut sum_of_squares: i128 = 0;
    for &x in &values {
        sum = sum.checked_add(x)?;
        sum_of_squares = sum_of_squares.checked_add(x.checked_mul(x)?)?;
    }
    let n_squared_variance = n
        .checked_mul(sum_of_squares)?
        .checked_sub(sum.checked_mul(sum)?)?;
    let twice_median = twice_median(&values);
    values
        .iter()
        .map(|&x| {
            let offset = if n_squared_variance <= 0 {
                0
            } else {
                // (x − median) doubled keeps a half-hundredth median exact.
                let doubled_gap = x.checked_mul(2)?.checked_sub(twice_median)?;
                let scaled = (SPREAD_HUNDREDTHS / 2)
                    .checked_mul(n)?
                    .checked_mul(doubled_gap)?;
                rounded_quotient_by_root(scaled, n_squared_variance)?
            };
            let hundredths = i64::try_from(CENTRE_HUNDREDTHS.checked_add(offset)?).ok()?;
            Some(Mark::from_hundredths(hundredths))
        })
        .collect()
}

/// Standardised module scores and totals for each team, from each team's raw module scores
/// (`raw[team][module]`, scheme order). A team with fewer modules counts 0 for the others.
pub fn standardised_totals(raw: &[Vec<Mark>]) -> Option<Vec<StandardisedScores>> {
    let module_count = raw.iter().map(Vec::len).max().unwrap_or(0);
    let by_module: Vec<Vec<Mark>> = (0..module_count)
        .map(|m| {
            let column: Vec<Mark> = raw
                .iter()
                .map(|team| team.get(m).copied().unwrap_or(Mark::ZERO))
                .collect();
            standardise(&column)
        })
        .collect::<Option<_>>()?;
    (0..raw.len())
        .map(|t| {
            let modules: Vec<Mark> = by_module.iter().map(|column| column[t]).collect();
            let total = modules
                .iter()
                .try_fold(Mark::ZERO, |sum, &m| sum.checked_add(m))?;
            Some(StandardisedScores { modules, total })
        })
        .collect()
}

/// Twice the median, so that the mean of two middle values stays an integer (0 when empty).
fn twice_median(values: &[i128]) -> i128 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    let upper = sorted.get(middle).copied().unwrap_or(0);
    let lower = if sorted.len() % 2 == 1 {
        upper
    } else {
        middle
            .checked_sub(1)
            .and_then(|i| sorted.get(i))
            .copied()
            .unwrap_or(upper)
    };
    lower + upper
}

/// `q / √d` rounded to the nearest integer, halves away from zero, for `d > 0`, exactly:
/// `round(t) = ⌊(⌊2t⌋ + 1) / 2⌋` and `⌊2t⌋ = isqrt(⌊4q² / d⌋)` for `t = |q| / √d`.
fn rounded_quotient_by_root(q: i128, d: i128) -> Option<i128> {
    let four_q_squared = q.checked_mul(q)?.checked_mul(4)?;
    let twice = (four_q_squared / d).isqrt();
    let magnitude = (twice + 1) / 2;
    Some(if q < 0 { -magnitude } else { magnitude })
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

    fn standardised(hundredths: &[i64]) -> Option<Vec<i64>> {
        standardise(&marks(hundredths)).map(|s| s.into_iter().map(Mark::hundredths).collect())
    }

    #[test]
    fn the_median_team_sits_at_700() {
        let result = standardised(&[1000, 9000, 4000, 2000, 3000]);
        assert_eq!(result.map(|r| r[4]), Some(70_000));
    }

    #[test]
    fn one_standard_deviation_is_worth_100_points() {
        // Scores 10, 20, 30: median 20, σ = √(200/3) ≈ 8.165 → 30 is 700 + 122.47.
        assert_eq!(
            standardised(&[1000, 2000, 3000]),
            Some(vec![57_753, 70_000, 82_247])
        );
        // Scores 0, 10: median 5, σ = 5 → exactly one σ either side.
        assert_eq!(standardised(&[0, 1000]), Some(vec![60_000, 80_000]));
    }

    #[test]
    fn everyone_gets_700_when_all_scores_are_equal() {
        assert_eq!(standardised(&[4200, 4200, 4200]), Some(vec![70_000; 3]));
        assert_eq!(standardised(&[4200]), Some(vec![70_000]));
    }

    #[test]
    fn no_scores_standardise_to_nothing() {
        assert_eq!(standardised(&[]), Some(vec![]));
    }

    #[test]
    fn the_standardised_total_adds_the_modules() {
        let raw = vec![marks(&[0, 1000]), marks(&[1000, 1000])];
        let totals = standardised_totals(&raw);
        let expected = vec![
            StandardisedScores {
                modules: marks(&[60_000, 70_000]),
                total: Mark::from_hundredths(130_000),
            },
            StandardisedScores {
                modules: marks(&[80_000, 70_000]),
                total: Mark::from_hundredths(150_000),
            },
        ];
        assert_eq!(totals, Some(expected));
    }

    /// The formula in floating point, as an oracle for the integer computation.
    fn oracle(values: &[i64]) -> Vec<f64> {
        let n = values.len() as f64;
        let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
        let sigma = (values
            .iter()
            .map(|&v| (v as f64 - mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let mid = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[mid] as f64
        } else {
            (sorted[mid - 1] + sorted[mid]) as f64 / 2.0
        };
        values
            .iter()
            .map(|&v| {
                if sigma == 0.0 {
                    70_000.0
                } else {
                    70_000.0 + 10_000.0 * (v as f64 - median) / sigma
                }
            })
            .collect()
    }

    proptest! {
        #[test]
        fn matches_the_formula_to_the_hundredth(values in prop::collection::vec(0i64..1_000_000, 1..60)) {
            let exact = standardised(&values).ok_or_else(|| TestCaseError::fail("overflow"))?;
            for (got, expected) in exact.iter().zip(oracle(&values)) {
                prop_assert!((*got as f64 - expected).abs() <= 0.5 + 1e-6, "{} vs {}", got, expected);
            }
        }

        #[test]
        fn a_higher_raw_score_never_standardises_lower(values in prop::collection::vec(0i64..1_000_000, 1..60)) {
            let exact = standardised(&values).ok_or_else(|| TestCaseError::fail("overflow"))?;
            for (a, sa) in values.iter().zip(&exact) {
                for (b, sb) in values.iter().zip(&exact) {
                    if a > b {
                        prop_assert!(sa >= sb);
                    }
                }
            }
        }
    }
}
