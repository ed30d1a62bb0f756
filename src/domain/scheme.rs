//! The marking scheme as pure types: criteria and their kinds (DESIGN §2 Criterion), modules,
//! the points a judge's input is worth, and the validation of a whole scheme.

use serde::{Deserialize, Serialize};

use super::aggregation::AggregationRule;
use super::fixed_point::div_round_half_up;
use super::marks::{Mark, MarkError};

/// Highest judgement level; levels run `0..=MAX_LEVEL` (DESIGN §2 Criterion).
pub const MAX_LEVEL: u8 = 3;

/// Default discrepancy threshold in levels, as WorldSkills (DESIGN §3.2).
pub const DEFAULT_DISCREPANCY_THRESHOLD: u8 = 1;

/// How a criterion is marked. Over JSON: `{"kind": "measurement", "step": 0.5}`,
/// `{"kind": "judgement"}`, `{"kind": "imported"}`, `{"kind": "deduction"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CriterionKind {
    /// Objective: a value in `[0, max]` on multiples of `step`.
    Measurement { step: Mark },
    /// Subjective: a level `0..=3` worth `level / 3 × max`, rounded half up to the hundredth.
    Judgement,
    /// Scored by the competition platform: a value in `[0, max]`, loaded by CSV or API.
    Imported,
    /// A penalty in `[0, max]`, subtracted from the module score.
    Deduction,
}

/// One aspect of a module that receives a mark.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub code: String,
    pub max: Mark,
    #[serde(flatten)]
    pub kind: CriterionKind,
}

/// What a judge (or an import) enters for a criterion. Over JSON: `{"value": 1.5}` or
/// `{"level": 2}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkInput {
    Value(Mark),
    Level(u8),
}

impl Criterion {
    /// The points `input` is worth on this criterion, or why it is not acceptable: a level is
    /// only for judgements, a value for every other kind; values lie in `[0, max]` and, for a
    /// measurement, on a multiple of its step. A deduction's points are the (positive) penalty.
    pub fn points(&self, input: MarkInput) -> Result<Mark, MarkError> {
        match (self.kind, input) {
            (CriterionKind::Judgement, MarkInput::Level(level)) => self.level_points(level),
            (CriterionKind::Judgement, MarkInput::Value(_)) => Err(MarkError::LevelExpected),
            (_, MarkInput::Level(_)) => Err(MarkError::ValueExpected),
            (CriterionKind::Measurement { step }, MarkInput::Value(value)) => {
                self.check_range(value)?;
                let on_step = step.hundredths() <= 0 || value.hundredths() % step.hundredths() == 0;
                if on_step {
                    Ok(value)
                } else {
                    Err(MarkError::OffStep { step })
                }
            }
            (CriterionKind::Imported | CriterionKind::Deduction, MarkInput::Value(value)) => {
                self.check_range(value)?;
                Ok(value)
            }
        }
    }

    /// Whether the judges of the module's panel enter this criterion (all kinds but imported).
    pub fn is_judged(&self) -> bool {
        !matches!(self.kind, CriterionKind::Imported)
    }

    pub fn is_deduction(&self) -> bool {
        matches!(self.kind, CriterionKind::Deduction)
    }

    /// Whether `points` could be the result of `points()` for this criterion: used where
    /// already-converted points arrive (stored sheets, imports) to refuse impossible values.
    pub fn accepts_points(&self, points: Mark) -> bool {
        points >= Mark::ZERO && points <= self.max
    }

    /// A judgement level is worth `level / 3 × max`, rounded half up to the hundredth.
    fn level_points(&self, level: u8) -> Result<Mark, MarkError> {
        if level > MAX_LEVEL {
            return Err(MarkError::BadLevel { level });
        }
        let worth = i128::from(level) * i128::from(self.max.hundredths());
        div_round_half_up(worth, i128::from(MAX_LEVEL))
            .and_then(|h| i64::try_from(h).ok())
            .map(Mark::from_hundredths)
            .ok_or(MarkError::OutOfRange {
                min: Mark::ZERO,
                max: self.max,
            })
    }

    fn check_range(&self, value: Mark) -> Result<(), MarkError> {
        if self.accepts_points(value) {
            Ok(())
        } else {
            Err(MarkError::OutOfRange {
                min: Mark::ZERO,
                max: self.max,
            })
        }
    }
}

/// A module of the contest (DESIGN §2 Module) as far as scoring is concerned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    pub code: String,
    pub criteria: Vec<Criterion>,
    /// When set, the module score is rescaled so that `max_points()` maps to this weight.
    #[serde(default)]
    pub weight: Option<Mark>,
    #[serde(default)]
    pub aggregation: AggregationRule,
    /// Largest allowed gap, in levels, between two judges' judgement levels (DESIGN §3.2).
    #[serde(default = "default_discrepancy_threshold")]
    pub discrepancy_threshold: u8,
}

fn default_discrepancy_threshold() -> u8 {
    DEFAULT_DISCREPANCY_THRESHOLD
}

impl Module {
    /// The most a team can score before weighting: the sum of the maxima of all criteria
    /// except deductions. Saturates rather than overflows on an absurd scheme.
    pub fn max_points(&self) -> Mark {
        let hundredths: i64 = self
            .criteria
            .iter()
            .filter(|c| !c.is_deduction())
            .fold(0i64, |sum, c| sum.saturating_add(c.max.hundredths()));
        Mark::from_hundredths(hundredths)
    }

    pub fn criterion_index(&self, code: &str) -> Option<usize> {
        self.criteria.iter().position(|c| c.code == code)
    }
}

/// Longest module or criterion code, in characters.
pub const MAX_CODE_CHARS: usize = 16;

/// What is wrong with a scheme; `as_str()` is the stable machine code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationCode {
    DuplicateModuleCode,
    DuplicateCriterionCode,
    MaxNotPositive,
    StepNotPositive,
    StepDoesNotDivideMax,
    EmptyCode,
    CodeTooLong,
    NoCriteria,
    /// Every criterion is a deduction: the module could never score and cannot be weighted.
    NoScoringCriteria,
    WeightNotPositive,
}

impl ViolationCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationCode::DuplicateModuleCode => "duplicate_module_code",
            ViolationCode::DuplicateCriterionCode => "duplicate_criterion_code",
            ViolationCode::MaxNotPositive => "max_not_positive",
            ViolationCode::StepNotPositive => "step_not_positive",
            ViolationCode::StepDoesNotDivideMax => "step_does_not_divide_max",
            ViolationCode::EmptyCode => "empty_code",
            ViolationCode::CodeTooLong => "code_too_long",
            ViolationCode::NoCriteria => "no_criteria",
            ViolationCode::NoScoringCriteria => "no_scoring_criteria",
            ViolationCode::WeightNotPositive => "weight_not_positive",
        }
    }
}

/// One problem found in a scheme, located by a path such as `modules[1].criteria[0].max`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SchemeViolation {
    pub path: String,
    pub code: ViolationCode,
    pub message: String,
}

/// Every problem in `modules`, in scheme order; empty when the scheme can be used.
pub fn validate_scheme(modules: &[Module]) -> Vec<SchemeViolation> {
    let mut found = Vec::new();
    let mut report = |path: String, code: ViolationCode, message: String| {
        found.push(SchemeViolation {
            path,
            code,
            message,
        })
    };
    for (m, module) in modules.iter().enumerate() {
        let at = format!("modules[{m}]");
        check_code(&module.code, &format!("{at}.code"), &mut report);
        if modules[..m]
            .iter()
            .any(|earlier| earlier.code == module.code)
        {
            report(
                format!("{at}.code"),
                ViolationCode::DuplicateModuleCode,
                format!("another module already has the code {:?}", module.code),
            );
        }
        if module.criteria.is_empty() {
            report(
                format!("{at}.criteria"),
                ViolationCode::NoCriteria,
                "a module needs at least one criterion".into(),
            );
        } else if module.criteria.iter().all(Criterion::is_deduction) {
            report(
                format!("{at}.criteria"),
                ViolationCode::NoScoringCriteria,
                "a module needs at least one criterion that is not a deduction".into(),
            );
        }
        if module.weight.is_some_and(|w| w <= Mark::ZERO) {
            report(
                format!("{at}.weight"),
                ViolationCode::WeightNotPositive,
                "the weight must be more than 0".into(),
            );
        }
        for (c, criterion) in module.criteria.iter().enumerate() {
            let at = format!("{at}.criteria[{c}]");
            check_code(&criterion.code, &format!("{at}.code"), &mut report);
            if module.criteria[..c]
                .iter()
                .any(|earlier| earlier.code == criterion.code)
            {
                report(
                    format!("{at}.code"),
                    ViolationCode::DuplicateCriterionCode,
                    format!(
                        "another criterion of this module already has the code {:?}",
                        criterion.code
                    ),
                );
            }
            if criterion.max <= Mark::ZERO {
                report(
                    format!("{at}.max"),
                    ViolationCode::MaxNotPositive,
                    "the maximum mark must be more than 0".into(),
                );
            }
            if let CriterionKind::Measurement { step } = criterion.kind {
                if step <= Mark::ZERO {
                    report(
                        format!("{at}.step"),
                        ViolationCode::StepNotPositive,
                        "the step must be more than 0".into(),
                    );
                } else if criterion.max.hundredths() % step.hundredths() != 0 {
                    report(
                        format!("{at}.step"),
                        ViolationCode::StepDoesNotDivideMax,
                        format!(
                            "the maximum {} is not a multiple of the step {step}",
                            criterion.max
                        ),
                    );
                }
            }
        }
    }
    found
}

fn check_code(code: &str, path: &str, report: &mut impl FnMut(String, ViolationCode, String)) {
    if code.trim().is_empty() {
        report(
            path.to_owned(),
            ViolationCode::EmptyCode,
            "a code is required".into(),
        );
    } else if code.chars().count() > MAX_CODE_CHARS {
        report(
            path.to_owned(),
            ViolationCode::CodeTooLong,
            format!("a code has at most {MAX_CODE_CHARS} characters"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(p: i64) -> Mark {
        Mark::from_points(p)
    }

    fn hundredths(h: i64) -> Mark {
        Mark::from_hundredths(h)
    }

    fn criterion(code: &str, max: Mark, kind: CriterionKind) -> Criterion {
        Criterion {
            code: code.into(),
            max,
            kind,
        }
    }

    fn measurement(max: Mark, step: Mark) -> Criterion {
        criterion("M1", max, CriterionKind::Measurement { step })
    }

    fn module(code: &str, criteria: Vec<Criterion>) -> Module {
        Module {
            code: code.into(),
            criteria,
            weight: None,
            aggregation: AggregationRule::Auto,
            discrepancy_threshold: DEFAULT_DISCREPANCY_THRESHOLD,
        }
    }

    #[test]
    fn a_measurement_on_its_step_is_worth_its_value() {
        let c = measurement(points(2), hundredths(50));
        assert_eq!(
            c.points(MarkInput::Value(hundredths(150))),
            Ok(hundredths(150))
        );
        assert_eq!(c.points(MarkInput::Value(points(2))), Ok(points(2)));
        assert_eq!(c.points(MarkInput::Value(Mark::ZERO)), Ok(Mark::ZERO));
    }

    #[test]
    fn a_measurement_off_its_step_is_refused() {
        let c = measurement(points(2), hundredths(50));
        assert_eq!(
            c.points(MarkInput::Value(hundredths(125))),
            Err(MarkError::OffStep {
                step: hundredths(50)
            })
        );
    }

    #[test]
    fn values_over_the_maximum_or_below_zero_are_out_of_range() {
        let range = MarkError::OutOfRange {
            min: Mark::ZERO,
            max: points(2),
        };
        for kind in [
            CriterionKind::Measurement {
                step: hundredths(1),
            },
            CriterionKind::Imported,
            CriterionKind::Deduction,
        ] {
            let c = criterion("X", points(2), kind);
            assert_eq!(c.points(MarkInput::Value(hundredths(201))), Err(range));
            assert_eq!(c.points(MarkInput::Value(hundredths(-1))), Err(range));
        }
    }

    #[test]
    fn a_judgement_level_is_worth_its_share_of_the_maximum_rounded_half_up() {
        let c = criterion("J1", points(1), CriterionKind::Judgement);
        let worth: Vec<_> = (0..=3)
            .map(|level| c.points(MarkInput::Level(level)).map(Mark::hundredths))
            .collect();
        assert_eq!(worth, vec![Ok(0), Ok(33), Ok(67), Ok(100)]);
    }

    #[test]
    fn a_judgement_level_above_three_is_a_bad_level() {
        let c = criterion("J1", points(3), CriterionKind::Judgement);
        assert_eq!(
            c.points(MarkInput::Level(4)),
            Err(MarkError::BadLevel { level: 4 })
        );
    }

    #[test]
    fn a_value_for_a_judgement_is_refused() {
        let c = criterion("J1", points(3), CriterionKind::Judgement);
        assert_eq!(
            c.points(MarkInput::Value(points(1))),
            Err(MarkError::LevelExpected)
        );
    }

    #[test]
    fn a_level_for_any_other_kind_is_refused() {
        let c = measurement(points(2), hundredths(50));
        assert_eq!(c.points(MarkInput::Level(2)), Err(MarkError::ValueExpected));
        let c = criterion("D1", points(2), CriterionKind::Deduction);
        assert_eq!(c.points(MarkInput::Level(1)), Err(MarkError::ValueExpected));
    }

    #[test]
    fn imported_criteria_are_not_judged() {
        assert!(!criterion("I", points(1), CriterionKind::Imported).is_judged());
        assert!(criterion("D", points(1), CriterionKind::Deduction).is_judged());
    }

    #[test]
    fn max_points_leaves_out_deductions() {
        let m = module(
            "A",
            vec![
                criterion("J1", points(3), CriterionKind::Judgement),
                criterion("I1", hundredths(250), CriterionKind::Imported),
                criterion("D1", points(5), CriterionKind::Deduction),
            ],
        );
        assert_eq!(m.max_points(), hundredths(550));
    }

    #[test]
    fn criteria_are_found_by_code() {
        let m = module(
            "A",
            vec![
                criterion("J1", points(3), CriterionKind::Judgement),
                criterion("J2", points(3), CriterionKind::Judgement),
            ],
        );
        assert_eq!(m.criterion_index("J2"), Some(1));
        assert_eq!(m.criterion_index("J3"), None);
    }

    #[test]
    fn criteria_and_inputs_read_and_write_their_documented_json() {
        let c = measurement(points(2), hundredths(50));
        let json = serde_json::to_value(&c).ok();
        let expected =
            serde_json::json!({"code": "M1", "max": 2, "kind": "measurement", "step": 0.5});
        assert_eq!(json, Some(expected));
        let input: Option<MarkInput> = serde_json::from_str(r#"{"level": 2}"#).ok();
        assert_eq!(input, Some(MarkInput::Level(2)));
    }

    #[test]
    fn a_module_reads_with_default_rule_and_threshold() {
        let json = r#"{"code": "A", "criteria": [{"code": "J", "max": 3, "kind": "judgement"}]}"#;
        let m: Option<Module> = serde_json::from_str(json).ok();
        let m = m.map(|m| (m.aggregation, m.discrepancy_threshold, m.weight));
        assert_eq!(m, Some((AggregationRule::Auto, 1, None)));
    }

    #[test]
    fn a_sound_scheme_has_no_violations() {
        let scheme = [
            module("A", vec![measurement(points(2), hundredths(50))]),
            module(
                "B",
                vec![criterion("J1", points(3), CriterionKind::Judgement)],
            ),
        ];
        assert_eq!(validate_scheme(&scheme), vec![]);
    }

    fn codes_at(scheme: &[Module]) -> Vec<(String, &'static str)> {
        validate_scheme(scheme)
            .into_iter()
            .map(|v| (v.path, v.code.as_str()))
            .collect()
    }

    #[test]
    fn duplicate_module_codes_are_reported_at_the_second_one() {
        let one = vec![criterion("J1", points(3), CriterionKind::Judgement)];
        let scheme = [module("A", one.clone()), module("A", one)];
        assert_eq!(
            codes_at(&scheme),
            vec![("modules[1].code".into(), "duplicate_module_code")]
        );
    }

    #[test]
    fn duplicate_criterion_codes_within_a_module_are_reported() {
        let c = criterion("J1", points(3), CriterionKind::Judgement);
        let scheme = [module("A", vec![c.clone(), c])];
        assert_eq!(
            codes_at(&scheme),
            vec![(
                "modules[0].criteria[1].code".into(),
                "duplicate_criterion_code"
            )]
        );
    }

    #[test]
    fn the_same_criterion_code_in_two_modules_is_fine() {
        let c = criterion("J1", points(3), CriterionKind::Judgement);
        let scheme = [module("A", vec![c.clone()]), module("B", vec![c])];
        assert_eq!(codes_at(&scheme), vec![]);
    }

    #[test]
    fn maxima_steps_and_weights_must_be_positive() {
        let mut m = module(
            "A",
            vec![
                criterion("J1", Mark::ZERO, CriterionKind::Judgement),
                measurement(points(2), Mark::ZERO),
            ],
        );
        m.weight = Some(hundredths(-1));
        assert_eq!(
            codes_at(&[m]),
            vec![
                ("modules[0].weight".into(), "weight_not_positive"),
                ("modules[0].criteria[0].max".into(), "max_not_positive"),
                ("modules[0].criteria[1].step".into(), "step_not_positive"),
            ]
        );
    }

    #[test]
    fn a_step_must_divide_the_maximum() {
        let scheme = [module("A", vec![measurement(points(2), hundredths(30))])];
        assert_eq!(
            codes_at(&scheme),
            vec![(
                "modules[0].criteria[0].step".into(),
                "step_does_not_divide_max"
            )]
        );
    }

    #[test]
    fn codes_must_be_present_and_at_most_sixteen_characters() {
        let sixteen = "模块".repeat(8);
        let scheme = [
            module(
                " ",
                vec![criterion(&sixteen, points(1), CriterionKind::Judgement)],
            ),
            module(
                "ABCDEFGHIJKLMNOPQ",
                vec![criterion("", points(1), CriterionKind::Judgement)],
            ),
        ];
        assert_eq!(
            codes_at(&scheme),
            vec![
                ("modules[0].code".into(), "empty_code"),
                ("modules[1].code".into(), "code_too_long"),
                ("modules[1].criteria[0].code".into(), "empty_code"),
            ]
        );
    }

    #[test]
    fn a_module_needs_criteria_and_one_that_scores() {
        let scheme = [
            module("A", vec![]),
            module(
                "B",
                vec![criterion("D1", points(1), CriterionKind::Deduction)],
            ),
        ];
        assert_eq!(
            codes_at(&scheme),
            vec![
                ("modules[0].criteria".into(), "no_criteria"),
                ("modules[1].criteria".into(), "no_scoring_criteria"),
            ]
        );
    }

    #[test]
    fn violations_carry_a_human_message() {
        let scheme = [module("A", vec![])];
        let messages: Vec<_> = validate_scheme(&scheme)
            .into_iter()
            .map(|v| v.message)
            .collect();
        assert_eq!(messages, vec!["a module needs at least one criterion"]);
    }
}
