use proptest::prelude::*;

use super::module_marks::SeenCriteria;
use super::*;
use crate::domain::aggregation::{aggregate, AggregationRule};
use crate::domain::awards::AwardTier;
use crate::domain::ranking::rank;
use crate::domain::scheme::{Criterion, MarkInput};
use crate::domain::scoring::module_score;

fn h(hundredths: i64) -> Mark {
    Mark::from_hundredths(hundredths)
}

fn team(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn judge(n: u128) -> Uuid {
    Uuid::from_u128(1_000 + n)
}

fn criterion(code: &str, max: i64, kind: CriterionKind) -> Criterion {
    Criterion {
        code: code.into(),
        max: h(max),
        kind,
    }
}

/// Module A: a judgement (3 points), a measurement (2 points, step 0.5), a deduction (1 point)
/// and an imported criterion (2 points); mean of a panel of 3.
/// Module B: two judgements weighted to 10 points; trimmed mean of a panel of 5.
fn scheme() -> Vec<BoardModule> {
    vec![
        BoardModule {
            module: Module {
                code: "A".into(),
                criteria: vec![
                    criterion("A1", 300, CriterionKind::Judgement),
                    criterion("A2", 200, CriterionKind::Measurement { step: h(50) }),
                    criterion("A3", 100, CriterionKind::Deduction),
                    criterion("A4", 200, CriterionKind::Imported),
                ],
                weight: None,
                aggregation: AggregationRule::Mean,
                discrepancy_threshold: 1,
            },
            panel: (1..=3).map(judge).collect(),
        },
        BoardModule {
            module: Module {
                code: "B".into(),
                criteria: vec![
                    criterion("B1", 300, CriterionKind::Judgement),
                    criterion("B2", 300, CriterionKind::Judgement),
                ],
                weight: Some(Mark::from_points(10)),
                aggregation: AggregationRule::TrimmedMean,
                discrepancy_threshold: 1,
            },
            panel: (1..=5).map(judge).collect(),
        },
    ]
}

fn board(teams: u128) -> Scoreboard {
    let built = Scoreboard::new(scheme(), (1..=teams).map(team));
    built.unwrap_or_else(|e| panic!("test scheme refused: {e}"))
}

fn sheet(team_n: u128, module: usize, judge_n: u128, marks: &[(usize, i64)]) -> SubmittedSheet {
    SubmittedSheet {
        team: team(team_n),
        module,
        judge: judge(judge_n),
        marks: marks.iter().map(|&(c, p)| (c, h(p))).collect(),
    }
}

fn module_a(board: &Scoreboard, team_n: u128) -> Option<ModuleScore> {
    board.team_result(team(team_n)).map(|r| r.modules[0])
}

/// Submits all three module A sheets for team 1 and its imported mark.
fn complete_module_a(board: &mut Scoreboard) -> Result<(), BoardError> {
    board.apply_sheet(&sheet(1, 0, 1, &[(0, 300), (1, 150), (2, 0)]))?;
    board.apply_sheet(&sheet(1, 0, 2, &[(0, 200), (1, 100), (2, 100)]))?;
    board.apply_sheet(&sheet(1, 0, 3, &[(0, 100), (1, 200), (2, 50)]))?;
    board.set_imported_mark(team(1), 0, 3, h(120))
}

#[test]
fn a_new_board_scores_everyone_zero_and_provisional() {
    let standings = board(2).standings(&[], &AwardTiers::default());
    assert!(standings
        .iter()
        .all(|s| s.total == Mark::ZERO && s.provisional && s.rank == 1));
}

#[test]
fn a_complete_module_is_scored_and_final() -> Result<(), BoardError> {
    let mut board = board(1);
    complete_module_a(&mut board)?;
    // Means: 2 + 1.5 − 0.5 + imported 1.2 = 4.2.
    let expected = ModuleScore {
        score: h(420),
        provisional: false,
    };
    assert_eq!(module_a(&board, 1), Some(expected));
    Ok(())
}

#[test]
fn criterion_marks_are_the_aggregates_the_module_score_is_made_of() -> Result<(), BoardError> {
    let mut board = board(2);
    complete_module_a(&mut board)?;
    // Means of the three judges: A1 2, A2 1.5, A3 0.5; A4 imported 1.2.
    assert_eq!(
        board.criterion_marks(team(1), 0),
        Some(vec![Some(h(200)), Some(h(150)), Some(h(50)), Some(h(120))])
    );
    assert_eq!(
        board.criterion_marks(team(2), 0),
        Some(vec![None; 4]),
        "nothing marked yet"
    );
    assert_eq!(board.criterion_marks(team(9), 0), None, "not on the board");
    assert_eq!(board.criterion_marks(team(1), 7), None, "no such module");
    Ok(())
}

#[test]
fn a_missing_panel_sheet_keeps_the_score_provisional() -> Result<(), BoardError> {
    let mut board = board(1);
    board.apply_sheet(&sheet(1, 0, 1, &[(0, 300)]))?;
    board.apply_sheet(&sheet(1, 0, 2, &[(0, 100)]))?;
    board.set_imported_mark(team(1), 0, 3, h(0))?;
    assert_eq!(
        module_a(&board, 1),
        Some(ModuleScore {
            score: h(200),
            provisional: true
        })
    );
    Ok(())
}

#[test]
fn a_missing_imported_mark_keeps_the_score_provisional() -> Result<(), BoardError> {
    let mut board = board(1);
    complete_module_a(&mut board)?;
    board.clear_imported_mark(team(1), 0, 3)?;
    assert_eq!(module_a(&board, 1).map(|m| m.provisional), Some(true));
    Ok(())
}

/// The board keeps imported marks apart from judged ones, by their place among the module's
/// imported criteria: with several, between judged ones, each mark must stay with its own
/// criterion and team, a team added later included.
#[test]
fn imported_marks_between_judged_criteria_stay_with_their_criterion_and_team(
) -> Result<(), BoardError> {
    let module = Module {
        code: "C".into(),
        criteria: vec![
            criterion("C1", 100, CriterionKind::Imported),
            criterion("C2", 300, CriterionKind::Judgement),
            criterion("C3", 200, CriterionKind::Imported),
            criterion("C4", 100, CriterionKind::Deduction),
        ],
        weight: None,
        aggregation: AggregationRule::Mean,
        discrepancy_threshold: 1,
    };
    let scheme = vec![BoardModule {
        module,
        panel: vec![judge(1)],
    }];
    let mut board = Scoreboard::new(scheme, [team(1), team(2)])?;
    board.add_team(team(3))?;
    board.set_imported_mark(team(3), 0, 2, h(150))?;
    board.set_imported_mark(team(2), 0, 0, h(40))?;
    board.apply_sheet(&sheet(3, 0, 1, &[(1, 200), (3, 30)]))?;
    assert_eq!(
        board.criterion_marks(team(3), 0),
        Some(vec![None, Some(h(200)), Some(h(150)), Some(h(30))])
    );
    assert_eq!(
        board.criterion_marks(team(2), 0),
        Some(vec![Some(h(40)), None, None, None])
    );
    let score = |board: &Scoreboard, t| board.team_result(team(t)).map(|r| r.modules[0]);
    // 2 + 1.5 − 0.3, provisional while C1 is not imported.
    let expected = ModuleScore {
        score: h(320),
        provisional: true,
    };
    assert_eq!(score(&board, 3), Some(expected));
    board.set_imported_mark(team(3), 0, 0, h(100))?;
    let expected = ModuleScore {
        score: h(420),
        provisional: false,
    };
    assert_eq!(score(&board, 3), Some(expected));
    assert_eq!(score(&board, 1).map(|m| m.score), Some(Mark::ZERO));
    Ok(())
}

#[test]
fn a_new_sheet_from_the_same_judge_replaces_the_old_one() -> Result<(), BoardError> {
    let mut board = board(1);
    board.apply_sheet(&sheet(1, 0, 1, &[(0, 300), (1, 200)]))?;
    board.apply_sheet(&sheet(1, 0, 1, &[(0, 100)]))?;
    assert_eq!(module_a(&board, 1).map(|m| m.score), Some(h(100)));
    Ok(())
}

#[test]
fn removing_a_sheet_takes_its_marks_out_and_reopens_the_module() -> Result<(), BoardError> {
    let mut board = board(1);
    complete_module_a(&mut board)?;
    board.remove_sheet(team(1), 0, judge(1))?;
    // Means of judges 2 and 3: 1.5 + 1.5 − 0.75 + 1.2 = 3.45.
    assert_eq!(
        module_a(&board, 1),
        Some(ModuleScore {
            score: h(345),
            provisional: true
        })
    );
    Ok(())
}

#[test]
fn the_total_adds_weighted_module_scores() -> Result<(), BoardError> {
    let mut board = board(1);
    complete_module_a(&mut board)?;
    // Module B, judge 1 alone: 3 + 1.5 of 6 points, weighted to 10 → 7.5.
    board.apply_sheet(&sheet(1, 1, 1, &[(0, 300), (1, 150)]))?;
    let result = board.team_result(team(1));
    assert_eq!(result.map(|r| r.total), Some(h(420 + 750)));
    Ok(())
}

#[test]
fn standings_rank_and_award_the_teams() -> Result<(), BoardError> {
    let mut board = board(3);
    board.apply_sheet(&sheet(2, 1, 1, &[(0, 300)]))?;
    board.apply_sheet(&sheet(3, 1, 1, &[(0, 100)]))?;
    let standings = board.standings(&[], &AwardTiers::default());
    let summary: Vec<_> = standings
        .iter()
        .map(|s| (s.team, s.rank, s.award.map(AwardTier::number)))
        .collect();
    // 3 teams: cut-offs 0, 1 and 2 → no first prize, one second, one third.
    assert_eq!(
        summary,
        vec![
            (team(2), 1, Some(2)),
            (team(3), 2, Some(3)),
            (team(1), 3, None)
        ]
    );
    Ok(())
}

#[test]
fn the_tie_break_list_orders_equal_totals() -> Result<(), BoardError> {
    let mut board = board(2);
    // Equal totals of 2: team 1 from module A, team 2 from module B.
    board.apply_sheet(&sheet(1, 0, 1, &[(0, 200)]))?;
    board.apply_sheet(&sheet(2, 1, 1, &[(0, 120)]))?;
    let first = |tie_break: &[usize]| board.standings(tie_break, &AwardTiers::default())[0].team;
    assert_eq!(first(&[1]), team(2));
    assert_eq!(first(&[0]), team(1));
    Ok(())
}

#[test]
fn a_team_added_later_joins_the_standings() -> Result<(), BoardError> {
    let mut board = board(1);
    board.add_team(team(9))?;
    assert_eq!(board.standings(&[], &AwardTiers::default()).len(), 2);
    assert_eq!(
        board.add_team(team(9)),
        Err(BoardError::DuplicateTeam(team(9)))
    );
    Ok(())
}

#[test]
fn modules_are_found_by_code() {
    assert_eq!(board(0).module_index("B"), Some(1));
    assert_eq!(board(0).module_index("Z"), None);
}

#[test]
fn refused_sheets_change_nothing_and_say_why() {
    let mut board = board(1);
    let refusals = [
        (sheet(7, 0, 1, &[]), "board.unknown_team"),
        (sheet(1, 5, 1, &[]), "board.unknown_module"),
        (sheet(1, 0, 4, &[]), "board.judge_not_on_panel"),
        (sheet(1, 0, 1, &[(9, 0)]), "board.unknown_criterion"),
        (sheet(1, 0, 1, &[(3, 100)]), "board.criterion_not_judged"),
        (
            sheet(1, 0, 1, &[(0, 100), (0, 200)]),
            "board.duplicate_criterion",
        ),
        (sheet(1, 0, 1, &[(0, 100), (1, 201)]), "mark.out_of_range"),
        (sheet(1, 0, 1, &[(2, -1)]), "mark.out_of_range"),
    ];
    for (refused, code) in refusals {
        assert_eq!(board.apply_sheet(&refused).map_err(|e| e.code()), Err(code));
    }
    assert_eq!(
        module_a(&board, 1),
        Some(ModuleScore {
            score: Mark::ZERO,
            provisional: true
        })
    );
}

#[test]
fn a_criterion_named_twice_is_caught_beyond_the_bit_set_too() {
    let mut seen = SeenCriteria::default();
    assert!(!seen.repeats(3, &[]));
    assert!(!seen.repeats(63, &[(3, Mark::ZERO)]));
    assert!(seen.repeats(3, &[(3, Mark::ZERO), (63, Mark::ZERO)]));
    assert!(seen.repeats(63, &[(3, Mark::ZERO), (63, Mark::ZERO)]));
    let earlier = [(200, Mark::ZERO), (3, Mark::ZERO)];
    assert!(seen.repeats(200, &earlier));
    assert!(!seen.repeats(201, &earlier));
}

#[test]
fn points_beyond_what_the_board_holds_are_refused_even_under_the_criterion_s_max() {
    // No real scheme comes near: a board keeps marks in 32 bits, up to 21,474,836.47 points.
    let huge = h(i64::from(i32::MAX) * 4);
    let mut scheme = scheme();
    scheme[0].module.criteria[1] = criterion("A2", huge.hundredths(), CriterionKind::Judgement);
    scheme[0].module.criteria[3].max = huge;
    let mut board = Scoreboard::new(scheme, [team(1)]).expect("a valid scheme");
    let beyond = i64::from(i32::MAX) + 1;
    assert!(board.modules()[0].module.criteria[1].accepts_points(h(beyond)));
    assert_eq!(
        board
            .apply_sheet(&sheet(1, 0, 1, &[(1, beyond)]))
            .map_err(|e| e.code()),
        Err("mark.out_of_range")
    );
    assert_eq!(
        board
            .set_imported_mark(team(1), 0, 3, h(beyond))
            .map_err(|e| e.code()),
        Err("mark.out_of_range")
    );
    let most = i64::from(i32::MAX);
    assert_eq!(board.apply_sheet(&sheet(1, 0, 1, &[(1, most)])), Ok(()));
    assert_eq!(
        board.criterion_marks(team(1), 0).map(|m| m[1]),
        Some(Some(h(most)))
    );
}

#[test]
fn a_judged_criterion_whose_maximum_is_below_zero_takes_no_points_but_is_still_judged() {
    let mut scheme = scheme();
    scheme[0].module.criteria[0].max = h(-1);
    let mut board = Scoreboard::new(scheme, [team(1)]).expect("a valid scheme");
    assert_eq!(
        board
            .apply_sheet(&sheet(1, 0, 1, &[(0, 0)]))
            .map_err(|e| e.code()),
        Err("mark.out_of_range")
    );
}

#[test]
fn imported_marks_go_only_to_imported_criteria_within_their_range() {
    let mut board = board(1);
    let attempt = |board: &mut Scoreboard, criterion, mark| {
        board
            .set_imported_mark(team(1), 0, criterion, h(mark))
            .map_err(|e| e.code())
    };
    assert_eq!(
        attempt(&mut board, 0, 100),
        Err("board.criterion_not_imported")
    );
    assert_eq!(attempt(&mut board, 3, 201), Err("mark.out_of_range"));
    assert_eq!(attempt(&mut board, 8, 1), Err("board.unknown_criterion"));
    assert_eq!(attempt(&mut board, 3, 200), Ok(()));
}

#[test]
fn a_judge_twice_on_a_panel_is_refused() {
    let mut modules = scheme();
    modules[0].panel.push(judge(1));
    let refused = Scoreboard::new(modules, [])
        .map(|_| ())
        .map_err(|e| e.code());
    assert_eq!(refused, Err("board.duplicate_judge"));
}

#[test]
fn a_team_listed_twice_is_refused() {
    let refused = Scoreboard::new(scheme(), [team(1), team(1)]).map(|_| ());
    assert_eq!(refused, Err(BoardError::DuplicateTeam(team(1))));
}

// ---- Incremental updates agree with a from-scratch computation -------------------------

/// One change to the board.
#[derive(Clone, Debug)]
enum Event {
    Sheet(SubmittedSheet),
    Import {
        team: Uuid,
        module: usize,
        criterion: usize,
        mark: Mark,
    },
}

/// A possible mark for `criterion` derived from `seed`: a level's worth for a judgement, a
/// multiple of the step for a measurement, any hundredth in range otherwise.
fn valid_points(criterion: &Criterion, seed: u32) -> Mark {
    let max = criterion.max.hundredths();
    let seed = i64::from(seed);
    match criterion.kind {
        CriterionKind::Judgement => {
            let level = u8::try_from(seed % 4).unwrap_or(0);
            criterion
                .points(MarkInput::Level(level))
                .unwrap_or(Mark::ZERO)
        }
        CriterionKind::Measurement { step } => {
            let steps = max / step.hundredths();
            h(seed % (steps + 1) * step.hundredths())
        }
        CriterionKind::Imported | CriterionKind::Deduction => h(seed % (max + 1)),
    }
}

/// Every (team, module, judge) key gets at most one sheet, every imported criterion at most
/// one mark, so the final state does not depend on the order of the events.
fn any_events(teams: u128) -> impl Strategy<Value = Vec<Event>> {
    let modules = scheme();
    let mut sheet_keys = Vec::new();
    let mut import_keys = Vec::new();
    for t in 1..=teams {
        for (m, board_module) in modules.iter().enumerate() {
            for &j in &board_module.panel {
                sheet_keys.push((team(t), m, j));
            }
            for (c, criterion) in board_module.module.criteria.iter().enumerate() {
                if !criterion.is_judged() {
                    import_keys.push((team(t), m, c));
                }
            }
        }
    }
    let sheet_count = sheet_keys.len();
    let import_count = import_keys.len();
    (
        prop::collection::vec(
            prop::option::of(prop::collection::vec(prop::option::of(any::<u32>()), 4)),
            sheet_count,
        ),
        prop::collection::vec(prop::option::of(any::<u32>()), import_count),
    )
        .prop_map(move |(sheets, imports)| {
            let mut events = Vec::new();
            for ((t, m, j), seeds) in sheet_keys.iter().zip(sheets) {
                let Some(seeds) = seeds else { continue };
                let criteria = &modules[*m].module.criteria;
                let marks = criteria
                    .iter()
                    .enumerate()
                    .zip(seeds)
                    .filter(|((_, c), _)| c.is_judged())
                    .filter_map(|((i, c), seed)| seed.map(|s| (i, valid_points(c, s))))
                    .collect();
                events.push(Event::Sheet(SubmittedSheet {
                    team: *t,
                    module: *m,
                    judge: *j,
                    marks,
                }));
            }
            for ((t, m, c), seed) in import_keys.iter().zip(imports) {
                if let Some(seed) = seed {
                    let mark = valid_points(&modules[*m].module.criteria[*c], seed);
                    events.push(Event::Import {
                        team: *t,
                        module: *m,
                        criterion: *c,
                        mark,
                    });
                }
            }
            events
        })
        .prop_shuffle()
}

/// A batch of more than `bulk::PARALLEL_FROM` team × modules is scored on several threads,
/// a run of modules each; every module of every team must come out as when the same sheets
/// arrive one at a time.
#[test]
fn a_batch_scored_across_threads_matches_sheets_applied_one_at_a_time() {
    let teams = 600;
    let sheets: Vec<SubmittedSheet> =
        (1..=teams)
            .flat_map(|t| {
                let scheme = scheme();
                scheme
                    .into_iter()
                    .enumerate()
                    .flat_map(move |(m, board_module)| {
                        let judged: Vec<(usize, Criterion)> = board_module
                            .module
                            .criteria
                            .into_iter()
                            .enumerate()
                            .filter(|(_, c)| c.is_judged())
                            .collect();
                        // Team 7's module B waits for its last judge: provisional in both boards.
                        let panel = if t == 7 && m == 1 {
                            4
                        } else {
                            board_module.panel.len()
                        };
                        board_module.panel.into_iter().take(panel).enumerate().map(
                            move |(j, judge)| {
                                let seed =
                                    u32::try_from(t * 31 + j as u128 * 7 + m as u128).unwrap_or(0);
                                SubmittedSheet {
                                    team: team(t),
                                    module: m,
                                    judge,
                                    marks: judged
                                        .iter()
                                        .map(|(i, c)| (*i, valid_points(c, seed + *i as u32)))
                                        .collect(),
                                }
                            },
                        )
                    })
            })
            .collect();
    // Every team × module is touched: enough to be split over threads.
    assert!(teams as usize * scheme().len() >= bulk::PARALLEL_FROM);
    let mut one_by_one = board(teams);
    for sheet in &sheets {
        assert_eq!(one_by_one.apply_sheet(sheet), Ok(()));
    }
    let mut in_bulk = board(teams);
    {
        let mut bulk = in_bulk.bulk();
        for sheet in &sheets {
            assert_eq!(bulk.apply_sheet(sheet), Ok(()));
        }
    }
    let tiers = AwardTiers::default();
    let standings = in_bulk.standings(&[1, 0], &tiers);
    assert_eq!(standings, one_by_one.standings(&[1, 0], &tiers));
    assert!(standings.iter().any(|s| s.total > Mark::ZERO));
    let provisional = in_bulk
        .team_result(team(7))
        .map(|r| r.modules[1].provisional);
    assert_eq!(provisional, Some(true));
}

fn apply(board: &mut Scoreboard, event: &Event) -> Result<(), BoardError> {
    match event {
        Event::Sheet(sheet) => board.apply_sheet(sheet),
        Event::Import {
            team,
            module,
            criterion,
            mark,
        } => board.set_imported_mark(*team, *module, *criterion, *mark),
    }
}

/// The standings computed directly from the rules, without the board.
/// A judge on `module`'s panel who has no sheet for team `team_n` among `events`, if any.
fn judge_without_sheet(
    board: &Scoreboard,
    events: &[Event],
    team_n: u128,
    module: usize,
) -> Option<Uuid> {
    let taken: Vec<Uuid> = events
        .iter()
        .filter_map(|e| match e {
            Event::Sheet(s) if s.team == team(team_n) && s.module == module => Some(s.judge),
            _ => None,
        })
        .collect();
    board.modules()[module]
        .panel
        .iter()
        .find(|j| !taken.contains(j))
        .copied()
}

fn from_scratch(teams: u128, events: &[Event], tie_break: &[usize]) -> Vec<Standing> {
    let modules = scheme();
    let results = (1..=teams)
        .map(|t| {
            let module_scores: Vec<ModuleScore> = modules
                .iter()
                .enumerate()
                .map(|(m, board_module)| {
                    let sheets: Vec<&SubmittedSheet> = events
                        .iter()
                        .filter_map(|e| match e {
                            Event::Sheet(s) if s.team == team(t) && s.module == m => Some(s),
                            _ => None,
                        })
                        .collect();
                    let mut import_missing = false;
                    let aggregated: Vec<Option<Mark>> = board_module
                        .module
                        .criteria
                        .iter()
                        .enumerate()
                        .map(|(c, criterion)| {
                            if criterion.is_judged() {
                                let marks: Vec<Mark> = sheets
                                    .iter()
                                    .flat_map(|s| s.marks.iter())
                                    .filter(|(i, _)| *i == c)
                                    .map(|(_, p)| *p)
                                    .collect();
                                aggregate(board_module.module.aggregation, &marks)
                            } else {
                                let imported = events.iter().find_map(|e| match e {
                                    Event::Import {
                                        team: it,
                                        module: im,
                                        criterion: ic,
                                        mark,
                                    } if *it == team(t) && *im == m && *ic == c => Some(*mark),
                                    _ => None,
                                });
                                import_missing |= imported.is_none();
                                imported
                            }
                        })
                        .collect();
                    ModuleScore {
                        score: module_score(&board_module.module, &aggregated),
                        provisional: import_missing || sheets.len() < board_module.panel.len(),
                    }
                })
                .collect();
            TeamResult {
                team: team(t),
                total: total(module_scores.iter().map(|m| m.score)),
                provisional: module_scores.iter().any(|m| m.provisional),
                modules: module_scores,
            }
        })
        .collect();
    let mut standings = rank(results, tie_break);
    AwardTiers::default().assign(&mut standings);
    standings
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The board keeps its own copy of each criterion's range for checking sheets: it must take
    /// exactly the points the scheme's rule accepts, whatever the maximum (even a broken one).
    #[test]
    fn a_sheet_s_points_are_taken_exactly_when_the_criterion_accepts_them(
        criterion in 0usize..3,
        hundredths in -400i64..400,
        max in prop::option::of(-3i64..400),
    ) {
        let mut scheme = scheme();
        if let Some(max) = max {
            scheme[0].module.criteria[criterion].max = h(max);
        }
        let mut board = Scoreboard::new(scheme, [team(1)]).expect("a valid scheme");
        let accepted = board.modules()[0].module.criteria[criterion].accepts_points(h(hundredths));
        let outcome = board.apply_sheet(&sheet(1, 0, 1, &[(criterion, hundredths)]));
        prop_assert_eq!(outcome.is_ok(), accepted);
        if !accepted {
            prop_assert_eq!(outcome.map_err(|e| e.code()), Err("mark.out_of_range"));
        }
    }

    #[test]
    fn incremental_updates_in_any_order_match_a_computation_from_scratch(
        events in any_events(4),
        tie_break in prop::collection::vec(0usize..2, 0..2),
    ) {
        let mut board = board(4);
        for event in &events {
            prop_assert_eq!(apply(&mut board, event), Ok(()));
        }
        let tiers = AwardTiers::default();
        prop_assert_eq!(board.standings(&tie_break, &tiers), from_scratch(4, &events, &tie_break));
    }

    #[test]
    fn sheets_applied_in_bulk_match_a_computation_from_scratch(
        events in any_events(4),
        tie_break in prop::collection::vec(0usize..2, 0..2),
    ) {
        let mut board = board(4);
        for event in events.iter().filter(|e| matches!(e, Event::Import { .. })) {
            prop_assert_eq!(apply(&mut board, event), Ok(()));
        }
        {
            let mut bulk = board.bulk();
            for event in &events {
                let Event::Sheet(sheet) = event else { continue };
                // An earlier version of the sheet, replaced within the batch.
                let draft = SubmittedSheet { marks: Vec::new(), ..sheet.clone() };
                prop_assert_eq!(bulk.apply_sheet(&draft), Ok(()));
                // A refused sheet in the middle of the batch changes nothing.
                let stranger = SubmittedSheet { judge: judge(999), ..sheet.clone() };
                prop_assert!(bulk.apply_sheet(&stranger).is_err());
                prop_assert_eq!(bulk.apply_sheet(sheet), Ok(()));
            }
        }
        let tiers = AwardTiers::default();
        prop_assert_eq!(board.standings(&tie_break, &tiers), from_scratch(4, &events, &tie_break));
    }

    #[test]
    fn a_sheet_added_and_removed_in_one_batch_leaves_no_trace(events in any_events(3)) {
        let mut board = board(3);
        for event in &events {
            prop_assert_eq!(apply(&mut board, event), Ok(()));
        }
        let before = board.standings(&[], &AwardTiers::default());
        if let Some(free) = judge_without_sheet(&board, &events, 2, 0) {
            let criteria = &board.modules()[0].module.criteria;
            let marks = criteria.iter().enumerate().filter(|(_, c)| c.is_judged())
                .map(|(i, c)| (i, valid_points(c, 7))).collect();
            let extra = SubmittedSheet { team: team(2), module: 0, judge: free, marks };
            let mut bulk = board.bulk();
            prop_assert_eq!(bulk.apply_sheet(&extra), Ok(()));
            prop_assert_eq!(bulk.remove_sheet(team(2), 0, free), Ok(()));
        }
        prop_assert_eq!(board.standings(&[], &AwardTiers::default()), before);
    }

    #[test]
    fn a_sheet_applied_then_removed_leaves_no_trace(
        events in any_events(3),
        extra_seeds in prop::collection::vec(any::<u32>(), 2),
    ) {
        let mut board = board(3);
        for event in &events {
            prop_assert_eq!(apply(&mut board, event), Ok(()));
        }
        let before = board.standings(&[], &AwardTiers::default());
        // A judge with no sheet for team 1 in module B submits and is then reopened.
        if let Some(free) = judge_without_sheet(&board, &events, 1, 1) {
            let criteria = &board.modules()[1].module.criteria;
            let marks = criteria.iter().zip(&extra_seeds).map(|(c, &s)| valid_points(c, s)).enumerate().collect();
            let extra = SubmittedSheet { team: team(1), module: 1, judge: free, marks };
            prop_assert_eq!(board.apply_sheet(&extra), Ok(()));
            prop_assert_eq!(board.remove_sheet(team(1), 1, free), Ok(()));
        }
        prop_assert_eq!(board.standings(&[], &AwardTiers::default()), before);
    }
}
