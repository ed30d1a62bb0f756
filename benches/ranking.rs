//! The ranking engine at contest scale (DESIGN §6): 1,000 teams × 6 modules × 30 criteria ×
//! 5 judges. `full` builds every team's scores from all 30,000 sheets (as one batch, the way a
//! board is loaded) and ranks them;
//! `one_sheet` applies one changed sheet to a built board and ranks again.
//!
//! cargo bench --bench ranking

use criterion::{criterion_group, criterion_main, BatchSize, Criterion as Bench};
use skillboard::domain::{
    AggregationRule, AwardTiers, BoardModule, Criterion, CriterionKind, Mark, Module, Scoreboard,
    SubmittedSheet,
};
use uuid::Uuid;

const TEAMS: u128 = 1_000;
const MODULES: usize = 6;
const CRITERIA: usize = 30;
const JUDGES: u128 = 5;

fn scheme() -> Vec<BoardModule> {
    (0..MODULES)
        .map(|m| BoardModule {
            module: Module {
                code: format!("M{m}"),
                criteria: (0..CRITERIA)
                    .map(|c| Criterion {
                        code: format!("M{m}C{c}"),
                        max: Mark::from_points(10),
                        kind: CriterionKind::Measurement {
                            step: Mark::from_hundredths(50),
                        },
                    })
                    .collect(),
                weight: None,
                aggregation: AggregationRule::Auto,
                discrepancy_threshold: 1,
            },
            panel: (0..JUDGES)
                .map(|j| Uuid::from_u128(1_000_000 + m as u128 * 100 + j))
                .collect(),
        })
        .collect()
}

fn sheet(team: u128, module: usize, judge: u128, salt: i64) -> SubmittedSheet {
    SubmittedSheet {
        team: Uuid::from_u128(team),
        module,
        judge: Uuid::from_u128(1_000_000 + module as u128 * 100 + judge),
        marks: (0..CRITERIA)
            .map(|c| {
                let halves = (team as i64 * 7 + c as i64 * 3 + judge as i64 + salt) % 21;
                (c, Mark::from_hundredths(halves * 50))
            })
            .collect(),
    }
}

fn all_sheets() -> Vec<SubmittedSheet> {
    let mut sheets = Vec::new();
    for team in 0..TEAMS {
        for module in 0..MODULES {
            for judge in 0..JUDGES {
                sheets.push(sheet(team, module, judge, 0));
            }
        }
    }
    sheets
}

fn build(sheets: &[SubmittedSheet]) -> Scoreboard {
    let mut board =
        Scoreboard::new(scheme(), (0..TEAMS).map(Uuid::from_u128)).expect("a valid scheme");
    {
        let mut bulk = board.bulk();
        for sheet in sheets {
            bulk.apply_sheet(sheet).expect("a valid sheet");
        }
    }
    board
}

fn ranking(c: &mut Bench) {
    let sheets = all_sheets();
    let tiers = AwardTiers::default();
    let tie_break = [5, 0];
    let built = build(&sheets);

    c.bench_function("full recompute: 30,000 sheets → standings", |b| {
        b.iter(|| build(&sheets).standings(&tie_break, &tiers))
    });
    c.bench_function("standings of a built board (rank 1,000 teams)", |b| {
        b.iter(|| built.standings(&tie_break, &tiers))
    });
    let mut salt = 1;
    c.bench_function("one sheet: apply a changed sheet", |b| {
        b.iter_batched_ref(
            || built.clone(),
            |board| {
                salt += 1;
                board
                    .apply_sheet(&sheet(421, 3, 2, salt))
                    .expect("a valid sheet")
            },
            BatchSize::LargeInput,
        )
    });
    c.bench_function("one sheet: apply and re-rank", |b| {
        b.iter_batched_ref(
            || built.clone(),
            |board| {
                salt += 1;
                board
                    .apply_sheet(&sheet(421, 3, 2, salt))
                    .expect("a valid sheet");
                board.standings(&tie_break, &tiers)
            },
            BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Bench::default().sample_size(20);
    targets = ranking
}
criterion_main!(benches);
