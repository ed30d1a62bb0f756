//! The worked example of `docs/scoring.md`, checked against the real rules so the document
//! cannot drift from the code.

use crate::domain::{
    aggregate, find_discrepancies, module_score, rank, AggregationRule, AwardTier, AwardTiers,
    Criterion, CriterionKind, Mark, MarkInput, Module, ModuleScore, TeamResult,
};

fn points(text: &str) -> Mark {
    Mark::parse_decimal(text).expect("a mark")
}

fn store_setup() -> Module {
    Module {
        code: "A".into(),
        criteria: vec![
            Criterion {
                code: "A1".into(),
                max: points("5"),
                kind: CriterionKind::Measurement {
                    step: points("0.5"),
                },
            },
            Criterion {
                code: "A2".into(),
                max: points("6"),
                kind: CriterionKind::Judgement,
            },
            Criterion {
                code: "A3".into(),
                max: points("2"),
                kind: CriterionKind::Deduction,
            },
        ],
        weight: Some(points("25")),
        aggregation: AggregationRule::Auto,
        discrepancy_threshold: 1,
    }
}

#[test]
fn the_documented_module_score_is_what_the_rules_compute() {
    let module = store_setup();
    let a1: Vec<Mark> = ["4.5", "4", "5", "4.5", "3"].map(points).to_vec();
    let levels = [2u8, 2, 3, 1, 2];
    let a2: Vec<Mark> = levels
        .iter()
        .map(|level| module.criteria[1].points(MarkInput::Level(*level)).unwrap())
        .collect();
    assert_eq!(a2, ["4", "4", "6", "2", "4"].map(points).to_vec());

    let a1_mark = aggregate(AggregationRule::Auto, &a1).unwrap();
    let a2_mark = aggregate(AggregationRule::Auto, &a2).unwrap();
    let a3_mark = aggregate(AggregationRule::Auto, &[points("1")]).unwrap();
    assert_eq!(a1_mark, points("4.33"));
    assert_eq!(a2_mark, points("4"));
    assert_eq!(a3_mark, points("1"));

    let keyed: Vec<(usize, u8)> = levels.iter().copied().enumerate().collect();
    let discrepancy = find_discrepancies(&keyed, module.discrepancy_threshold);
    assert!(discrepancy.flagged);
    assert_eq!(discrepancy.spread, 2);

    let score = module_score(&module, &[Some(a1_mark), Some(a2_mark), Some(a3_mark)]);
    assert_eq!(module.max_points(), points("11"));
    assert_eq!(score, points("16.66"));
}

#[test]
fn the_documented_ranking_and_awards_are_what_the_rules_compute() {
    let team = |n: u128, total: &str, c: &str| TeamResult {
        team: uuid::Uuid::from_u128(n),
        total: points(total),
        modules: vec![ModuleScore {
            score: points(c),
            provisional: false,
        }],
        provisional: false,
    };
    let mut teams = vec![
        team(1, "80", "30"),
        team(2, "75.5", "20"),
        team(3, "75.5", "20"),
        team(4, "75.5", "18"),
        team(5, "70", "10"),
    ];
    for n in 6..=10 {
        teams.push(team(n, &format!("{}", 70 - n), "5"));
    }
    let mut standings = rank(teams, &[0]);
    AwardTiers::default().assign(&mut standings);

    let ranks: Vec<usize> = standings.iter().map(|s| s.rank).collect();
    assert_eq!(ranks, [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]);
    let awards: Vec<Option<u8>> = standings
        .iter()
        .map(|s| s.award.map(AwardTier::number))
        .collect();
    assert_eq!(
        awards,
        [
            Some(1),
            Some(2),
            Some(2),
            Some(3),
            Some(3),
            Some(3),
            None,
            None,
            None,
            None
        ]
    );
}
