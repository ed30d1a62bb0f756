//! The ranking engine at contest scale (DESIGN §6): 1,000 teams × 6 modules × 30 criteria ×
//! 5 judges. `full` builds every team's scores from all 30,000 sheets (as one batch, the way a
//! board is loaded) and ranks them;
//! `one sheet` applies one changed sheet to a built board and ranks again: on a fresh clone of
//! the board each time, and on one board that lives through every iteration, as the server's.
//!
//! cargo bench --bench ranking

use criterion::{criterion_group, criterion_main, BatchSize, Criterion as Bench};
use skillboard::domain::{
    AggregationRule, AwardTiers, BoardModule, Criterion, CriterionKind, Mark, Module, Scoreboard,
    SubmittedSheet,
};
use uuid::Uuid;

/// The server's allocator (src/main.rs), so that the bench's allocations cost what the
/// server's do.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
                let halves = spread(team, module, c, judge, salt);
                (c, Mark::from_hundredths(halves * 50))
            })
            .collect(),
    }
}

/// A mark in halves (0..=20) that varies with every input, so that teams' totals differ the way
/// real ones do and ties are rare (a linear formula in the team number made every third team
/// alike: 1,000 teams in three tied groups, which measured tie-breaks instead of ranking).
fn spread(team: u128, module: usize, criterion: usize, judge: u128, salt: i64) -> i64 {
    let mut x = (team as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((module as u64) << 48)
        .wrapping_add((criterion as u64) << 32)
        .wrapping_add((judge as u64) << 16)
        .wrapping_add(salt as u64);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    (x % 21) as i64
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
    // As the server does it: one board lives for the whole contest and takes sheet after sheet
    // (above, every iteration starts from a fresh 10 MB clone, which the re-rank then reads
    // cold). Two versions of one judge's sheet take turns, so the board does not grow.
    let mut live = built.clone();
    let versions = [sheet(421, 3, 2, 1), sheet(421, 3, 2, 2)];
    let mut turn = 0;
    c.bench_function("one sheet on a live board: apply and re-rank", |b| {
        b.iter(|| {
            turn ^= 1;
            live.apply_sheet(&versions[turn]).expect("a valid sheet");
            live.standings(&tie_break, &tiers)
        })
    });
}

criterion_group! {
    name = benches;
    config = Bench::default().sample_size(20);
    targets = ranking
}
criterion_main!(benches);
