//! Board serialisation (DESIGN §4: each update is serialised once per board, not per socket):
//! the public board of 300 teams × 5 modules (the contest-day shape of BENCHMARKS.md) and of
//! 1,000 teams × 6 modules (the ranking bench's scale), to JSON and into the update frame the
//! hub shares between every socket; and the patch the hub sends instead when one sheet moves one
//! team from the middle of the board into the top ten.
//!
//! cargo bench --bench board

use criterion::{criterion_group, criterion_main, Criterion};
use skillboard::domain::contest::Visibility;
use skillboard::domain::{Mark, ModuleScore};
use skillboard::live::board::{
    CodedRow, ContestHeader, Header, ModuleHeader, PublicBoard, PublicRow, RevealMode, RevealView,
};
use skillboard::live::patch::board_patch;

/// The server's allocator (src/main.rs), so that the bench's allocations cost what the
/// server's do.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn board(teams: usize, modules: usize) -> PublicBoard {
    let header = Header {
        contest: ContestHeader {
            slug: "ecommerce-2026".into(),
            title_zh: "电子商务技能大赛".into(),
            title_en: "E-commerce Skills Contest".into(),
            state: "running".into(),
        },
        visibility: Visibility::Codes,
        frozen: false,
        freeze_at: None,
        reveal: RevealView {
            mode: RevealMode::None,
            revealed: 0,
            of: teams,
        },
        modules: (0..modules)
            .map(|m| ModuleHeader {
                code: format!("M{m}"),
                title_zh: "网店运营推广".into(),
                title_en: "Online marketing".into(),
                locked: false,
            })
            .collect(),
        module: None,
    };
    let rows = (0..teams)
        .map(|t| {
            let hundredths: Vec<i64> = (0..modules)
                .map(|m| ((t * 7919 + m * 104_729) % 10_000) as i64)
                .collect();
            let total = Mark::from_hundredths(hundredths.iter().sum());
            let scores = hundredths
                .iter()
                .enumerate()
                .map(|(m, h)| ModuleScore {
                    score: Mark::from_hundredths(*h),
                    provisional: (t + m) % 3 == 0,
                })
                .collect();
            PublicRow::Coded(CodedRow {
                rank: t + 1,
                award: (t < teams / 10).then_some(1),
                code: format!("K{:03}", t % 1000),
                station: Some(t as i32 + 1),
                total,
                modules: scores,
                provisional: t % 3 == 0,
            })
        })
        .collect();
    PublicBoard {
        header,
        names_shown: false,
        rows,
    }
}

/// What the hub does once per change: the view to JSON, then the update frame around it.
fn serialise(board: &PublicBoard, version: i64) -> String {
    let content = serde_json::to_string(board).expect("a board serialises");
    format!("{{\"type\":\"update\",\"version\":{version},\"board\":{content}}}")
}

fn serialisation(c: &mut Criterion) {
    for (teams, modules) in [(300, 5), (1_000, 6)] {
        let view = board(teams, modules);
        let bytes = serialise(&view, 1).len();
        c.bench_function(
            &format!(
                "serialise the public board: {teams} teams × {modules} modules ({bytes} bytes)"
            ),
            |b| b.iter(|| serialise(&view, 2)),
        );
    }
}

/// The board after one sheet lifted the team in the middle into 10th place: its row changed,
/// and every team between moved down one place.
fn after_one_sheet(before: &PublicBoard) -> PublicBoard {
    let mut after = before.clone();
    let teams = after.rows.len();
    let mut climber = after.rows.remove(teams / 2);
    if let PublicRow::Coded(row) = &mut climber {
        row.total = Mark::from_hundredths(row.total.hundredths() + 1);
    }
    after.rows.insert(9, climber);
    for (i, row) in after.rows.iter_mut().enumerate() {
        if let PublicRow::Coded(row) = row {
            row.rank = i + 1;
            row.award = (i < teams / 10).then_some(1);
        }
    }
    after
}

/// What the hub does per change when the board can be patched.
fn patch_frame(before: &PublicBoard, after: &PublicBoard, version: i64) -> String {
    let patch = board_patch(before, after).expect("keyed rows");
    let json = serde_json::to_string(&patch).expect("a patch serialises");
    let base = version - 1;
    format!("{{\"type\":\"patch\",\"version\":{version},\"base\":{base},\"patch\":{json}}}")
}

fn patching(c: &mut Criterion) {
    for (teams, modules) in [(300, 5), (1_000, 6)] {
        let before = board(teams, modules);
        let after = after_one_sheet(&before);
        let bytes = patch_frame(&before, &after, 2).len();
        c.bench_function(
            &format!("patch after one sheet: {teams} teams × {modules} modules ({bytes} bytes)"),
            |b| b.iter(|| patch_frame(&before, &after, 2)),
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = serialisation, patching
}
criterion_main!(benches);
