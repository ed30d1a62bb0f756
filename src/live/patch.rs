//! Board patches: what changed between two public boards, so a refresh sends spectators a few
//! rows instead of the whole board (a 300-team board is ~60 KB of JSON; one sheet changes one
//! team's row and shifts the places of some others).
//!
//! A patch carries the board's header in full (it is small) and, for the rows, only what
//! changed, so its size follows the change and not the board:
//! - `removed`: the codes of the teams that left the board;
//! - `moves`: `[code, index]` for each team that is new or moved past others, by increasing
//!   index. The other teams keep their order (the longest part of the old order that the new
//!   one keeps), and each moving team is inserted at its index in turn;
//! - `ranks`: every row's rank, top to bottom, as runs `[step, rows]`: each of those rows has
//!   the rank of the row above it plus `step` (the first row counts from 0), so a board without
//!   ties is `[[1, n]]`;
//! - `awards`: every row's award, top to bottom, as runs `[award, rows]`;
//! - `rows`: the rows that are new or whose content changed apart from their place.
//!
//! One team climbing past 200 others is one move and one row: ~540 bytes on a 300-team board,
//! where listing every team's place took ~4 KB (BENCHMARKS.md, Live boards). Applying a patch
//! to the board it was made from gives the new board exactly ([`apply`] is the reference the
//! clients follow; docs/boards.md).
//!
//! Boards whose rows cannot be keyed (positions hidden during a step-by-step reveal, teams not
//! drawn yet so codes are empty or repeated) get no patch: the hub then sends the whole board.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::board::{CodedRow, Header, NamedRow, PublicBoard, PublicRow};

/// The difference between two public boards, ready to serialise.
#[derive(Debug, Serialize)]
pub struct BoardPatch<'a> {
    #[serde(flatten)]
    pub header: &'a Header,
    pub names_shown: bool,
    /// Codes of the teams no longer on the board.
    pub removed: Vec<&'a str>,
    /// `(code, index in the new board)` of the teams that are new or moved, by index.
    pub moves: Vec<(&'a str, usize)>,
    /// Runs of `(rank minus the rank of the row above, rows)`, top to bottom.
    pub ranks: Vec<(i64, usize)>,
    /// Runs of `(award, rows)`, top to bottom.
    pub awards: Vec<(Option<u8>, usize)>,
    /// Rows that are new or whose content changed other than their rank and award.
    pub rows: Vec<&'a PublicRow>,
}

/// The patch that turns `before` into `after`, or `None` when either board's rows have no
/// unique team code to key them by.
pub fn board_patch<'a>(before: &'a PublicBoard, after: &'a PublicBoard) -> Option<BoardPatch<'a>> {
    let previous = keyed(&before.rows)?;
    keyed(&after.rows)?;
    let places: Vec<Place<'a>> = after.rows.iter().map(Place::of).collect::<Option<_>>()?;
    let new_index: HashMap<&str, usize> = places
        .iter()
        .enumerate()
        .map(|(index, place)| (place.code, index))
        .collect();

    let mut removed = Vec::new();
    let mut kept_indices = Vec::with_capacity(before.rows.len());
    for row in &before.rows {
        let code = Place::of(row)?.code;
        match new_index.get(code) {
            Some(&index) => kept_indices.push(index),
            None => removed.push(code),
        }
    }
    let mut stays = vec![false; places.len()];
    for index in longest_increasing(&kept_indices) {
        stays[index] = true;
    }
    let moves = places
        .iter()
        .enumerate()
        .filter(|(index, _)| !stays[*index])
        .map(|(index, place)| (place.code, index))
        .collect();

    let rows = after
        .rows
        .iter()
        .zip(&places)
        .filter(|(row, place)| {
            !previous
                .get(place.code)
                .is_some_and(|old| same_apart_from_place(old, row))
        })
        .map(|(row, _)| row)
        .collect();

    let mut above = 0i64;
    let steps = places.iter().map(|place| {
        let rank = i64::try_from(place.rank).unwrap_or(i64::MAX);
        let step = rank - above;
        above = rank;
        step
    });
    Some(BoardPatch {
        header: &after.header,
        names_shown: after.names_shown,
        removed,
        moves,
        ranks: runs(steps),
        awards: runs(places.iter().map(|place| place.award)),
        rows,
    })
}

/// The values of a longest strictly increasing subsequence of `values`.
fn longest_increasing(values: &[usize]) -> Vec<usize> {
    // Patience sorting: `ends[k]` is the position in `values` of the smallest value that ends
    // an increasing run of length k + 1 so far; `before[i]` links each value to its run.
    let mut ends: Vec<usize> = Vec::new();
    let mut before: Vec<Option<usize>> = Vec::with_capacity(values.len());
    for (i, &value) in values.iter().enumerate() {
        let length = ends.partition_point(|&end| values[end] < value);
        before.push(length.checked_sub(1).map(|k| ends[k]));
        if length == ends.len() {
            ends.push(i);
        } else {
            ends[length] = i;
        }
    }
    let mut longest = Vec::with_capacity(ends.len());
    let mut at = ends.last().copied();
    while let Some(i) = at {
        longest.push(values[i]);
        at = before[i];
    }
    longest.reverse();
    longest
}

/// Consecutive equal values as `(value, how many)`.
fn runs<T: PartialEq>(values: impl Iterator<Item = T>) -> Vec<(T, usize)> {
    let mut runs: Vec<(T, usize)> = Vec::new();
    for value in values {
        match runs.last_mut() {
            Some((last, count)) if *last == value => *count += 1,
            _ => runs.push((value, 1)),
        }
    }
    runs
}

/// Rows by team code, if every row has a distinct non-empty code.
fn keyed(rows: &[PublicRow]) -> Option<HashMap<&str, &PublicRow>> {
    let mut by_code = HashMap::with_capacity(rows.len());
    for row in rows {
        let code = Place::of(row)?.code;
        if code.is_empty() || by_code.insert(code, row).is_some() {
            return None;
        }
    }
    Some(by_code)
}

struct Place<'a> {
    code: &'a str,
    rank: usize,
    award: Option<u8>,
}

impl<'a> Place<'a> {
    fn of(row: &'a PublicRow) -> Option<Place<'a>> {
        match row {
            PublicRow::Coded(r) => Some(Place {
                code: &r.code,
                rank: r.rank,
                award: r.award,
            }),
            PublicRow::Named(r) => Some(Place {
                code: &r.code,
                rank: r.rank,
                award: r.award,
            }),
            PublicRow::Hidden(_) => None,
        }
    }
}

fn same_apart_from_place(old: &PublicRow, new: &PublicRow) -> bool {
    match (old, new) {
        (PublicRow::Coded(a), PublicRow::Coded(b)) => {
            let placed = CodedRow {
                rank: b.rank,
                award: b.award,
                ..a.clone()
            };
            placed == *b
        }
        (PublicRow::Named(a), PublicRow::Named(b)) => {
            let placed = NamedRow {
                rank: b.rank,
                award: b.award,
                ..a.clone()
            };
            placed == *b
        }
        _ => false,
    }
}

/// Why a patch could not be applied: the client should ask for a fresh snapshot.
#[derive(Debug, PartialEq, Eq)]
pub enum ApplyError {
    Malformed,
    UnknownTeam(String),
}

/// Applies a patch (as JSON) to a board (as JSON): the algorithm every client follows. Rows
/// keep their fields; `rank` and `award` come from the patch's runs.
pub fn apply(
    board: &serde_json::Value,
    patch: &serde_json::Value,
) -> Result<serde_json::Value, ApplyError> {
    use serde_json::Value;
    let fields = patch.as_object().ok_or(ApplyError::Malformed)?;
    let list = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_array)
            .ok_or(ApplyError::Malformed)
    };
    let (removed, moves, ranks, awards, changed) = (
        list("removed")?,
        list("moves")?,
        list("ranks")?,
        list("awards")?,
        list("rows")?,
    );
    let code_of = |value: &'_ Value| value.as_str().map(str::to_owned);
    let old_rows = board["rows"].as_array().ok_or(ApplyError::Malformed)?;
    let mut known: HashMap<String, &Value> = HashMap::with_capacity(old_rows.len());
    for row in old_rows.iter().chain(changed) {
        let code = code_of(&row["code"]).ok_or(ApplyError::Malformed)?;
        known.insert(code, row);
    }
    let moves: Vec<(String, usize)> = moves
        .iter()
        .map(|pair| {
            let code = code_of(&pair[0])?;
            let index = usize::try_from(pair[1].as_u64()?).ok()?;
            Some((code, index))
        })
        .collect::<Option<_>>()
        .ok_or(ApplyError::Malformed)?;
    let mut leaving: HashSet<String> = removed
        .iter()
        .map(|code| code_of(code).ok_or(ApplyError::Malformed))
        .collect::<Result<_, _>>()?;
    leaving.extend(moves.iter().map(|(code, _)| code.clone()));
    let mut order: Vec<String> = old_rows
        .iter()
        .filter_map(|row| code_of(&row["code"]))
        .filter(|code| !leaving.contains(code))
        .collect();
    let mut last_index = None;
    for (code, index) in moves {
        if index > order.len() || last_index.is_some_and(|last| index <= last) {
            return Err(ApplyError::Malformed);
        }
        order.insert(index, code);
        last_index = Some(index);
    }
    let ranks = expand(ranks, order.len(), |above, step| {
        Some(Value::from(
            above.map_or(Some(0), Value::as_i64)? + step.as_i64()?,
        ))
    })?;
    let awards = expand(awards, order.len(), |_, award| {
        (award.is_null() || award.is_u64()).then(|| award.clone())
    })?;

    let mut rows = Vec::with_capacity(order.len());
    let mut placed = HashSet::with_capacity(order.len());
    for ((code, rank), award) in order.iter().zip(ranks).zip(awards) {
        let mut row = (*known
            .get(code)
            .ok_or_else(|| ApplyError::UnknownTeam(code.clone()))?)
        .clone();
        if !placed.insert(code) {
            return Err(ApplyError::Malformed);
        }
        row["rank"] = rank;
        row["award"] = award;
        rows.push(row);
    }
    let mut next = serde_json::Map::with_capacity(fields.len());
    for (name, value) in fields {
        if !matches!(
            name.as_str(),
            "removed" | "moves" | "ranks" | "awards" | "rows"
        ) {
            next.insert(name.clone(), value.clone());
        }
    }
    next.insert("rows".into(), Value::Array(rows));
    Ok(Value::Object(next))
}

/// Expands runs `[value, rows]` into exactly `rows_wanted` values, each made by `next` from
/// the value above it (`None` for the first) and the run's value.
fn expand(
    runs: &[serde_json::Value],
    rows_wanted: usize,
    next: impl Fn(Option<&serde_json::Value>, &serde_json::Value) -> Option<serde_json::Value>,
) -> Result<Vec<serde_json::Value>, ApplyError> {
    let mut values: Vec<serde_json::Value> = Vec::with_capacity(rows_wanted);
    for run in runs {
        let count = run[1].as_u64().ok_or(ApplyError::Malformed)?;
        if count > (rows_wanted - values.len()) as u64 {
            return Err(ApplyError::Malformed);
        }
        for _ in 0..count {
            let value = next(values.last(), &run[0]).ok_or(ApplyError::Malformed)?;
            values.push(value);
        }
    }
    if values.len() == rows_wanted {
        Ok(values)
    } else {
        Err(ApplyError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contest::Visibility;
    use crate::domain::scoring::ModuleScore;
    use crate::domain::Mark;
    use crate::live::board::{ContestHeader, HiddenRow, RevealMode, RevealView};
    use proptest::prelude::*;

    fn header() -> Header {
        Header {
            contest: ContestHeader {
                slug: "ec".into(),
                title_zh: "电商".into(),
                title_en: "E-commerce".into(),
                state: "running".into(),
            },
            visibility: Visibility::Codes,
            frozen: false,
            freeze_at: None,
            reveal: RevealView {
                mode: RevealMode::None,
                revealed: 0,
                of: 0,
            },
            modules: Vec::new(),
            module: None,
        }
    }

    fn row(code: &str, rank: usize, hundredths: i64) -> PublicRow {
        PublicRow::Coded(CodedRow {
            rank,
            award: (rank <= 2).then_some(1),
            code: code.into(),
            station: None,
            total: Mark::from_hundredths(hundredths),
            modules: vec![ModuleScore {
                score: Mark::from_hundredths(hundredths),
                provisional: false,
            }],
            provisional: false,
        })
    }

    fn board(rows: Vec<PublicRow>) -> PublicBoard {
        PublicBoard {
            header: header(),
            names_shown: false,
            rows,
        }
    }

    fn json<T: Serialize>(value: &T) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    /// A board ranked by score (ties share a rank, as in the ranking engine), teams in their
    /// given order within a tie.
    fn ranked(names: bool, scores: &[(usize, i64)]) -> PublicBoard {
        let mut scores = scores.to_vec();
        scores.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
        let rows = scores
            .iter()
            .map(|(team, s)| {
                let rank = 1 + scores.iter().filter(|(_, o)| o > s).count();
                let mut r = row(&format!("T{team}"), rank, *s * 100);
                if let PublicRow::Coded(coded) = &mut r {
                    coded.station = Some(i32::try_from(*team).unwrap());
                }
                r
            })
            .collect();
        PublicBoard {
            header: header(),
            names_shown: names,
            rows,
        }
    }

    #[test]
    fn a_team_that_climbs_sends_its_row_and_one_move() {
        let before = board(vec![row("A", 1, 900), row("B", 2, 800), row("C", 3, 700)]);
        let after = board(vec![row("C", 1, 950), row("A", 2, 900), row("B", 3, 800)]);
        let patch = board_patch(&before, &after).expect("keyed rows");
        assert_eq!(patch.moves, [("C", 0)]);
        assert!(patch.removed.is_empty());
        assert_eq!(patch.ranks, [(1, 3)]);
        assert_eq!(patch.awards, [(Some(1), 2), (None, 1)]);
        assert_eq!(patch.rows.len(), 1, "A and B only moved");
        assert_eq!(json(patch.rows[0])["code"], "C");
        assert_eq!(apply(&json(&before), &json(&patch)), Ok(json(&after)));
    }

    #[test]
    fn a_patch_grows_with_the_change_not_with_the_board() {
        let scores: Vec<(usize, i64)> = (0..300).map(|team| (team, 1_000 - team as i64)).collect();
        let before = ranked(false, &scores);
        let mut climbed = scores.clone();
        climbed[299].1 = 2_000;
        let after = ranked(false, &climbed);
        let patch = board_patch(&before, &after).expect("keyed rows");
        assert_eq!(patch.moves, [("T299", 0)], "the others keep their order");
        assert_eq!(patch.ranks, [(1, 300)], "no ties: one run");
        assert_eq!(patch.rows.len(), 1);
        let (patch_bytes, board_bytes) = (
            json(&patch).to_string().len(),
            json(&after).to_string().len(),
        );
        assert!(
            patch_bytes * 20 < board_bytes,
            "a {patch_bytes}-byte patch for a {board_bytes}-byte board"
        );
        assert_eq!(apply(&json(&before), &json(&patch)), Ok(json(&after)));
    }

    #[test]
    fn tied_ranks_are_runs_of_steps() {
        let after = ranked(false, &[(0, 5), (1, 5), (2, 5), (3, 4), (4, 3)]);
        let before = ranked(false, &[(0, 1), (1, 1), (2, 1), (3, 1), (4, 1)]);
        let patch = board_patch(&before, &after).expect("keyed rows");
        assert_eq!(patch.ranks, [(1, 1), (0, 2), (3, 1), (1, 1)]);
        assert_eq!(apply(&json(&before), &json(&patch)), Ok(json(&after)));
    }

    #[test]
    fn the_longest_increasing_run_is_found() {
        assert_eq!(longest_increasing(&[3, 1, 2, 5, 4, 6]).len(), 4);
        assert_eq!(longest_increasing(&[0, 1, 2]), [0, 1, 2]);
        assert_eq!(longest_increasing(&[2, 1, 0]).len(), 1);
        assert!(longest_increasing(&[]).is_empty());
        let found = longest_increasing(&[5, 0, 6, 1, 7, 2, 3]);
        assert_eq!(found, [0, 1, 2, 3]);
    }

    #[test]
    fn boards_without_unique_codes_get_no_patch() {
        let undrawn = board(vec![row("", 1, 0), row("", 1, 0)]);
        let drawn = board(vec![row("A", 1, 0), row("B", 1, 0)]);
        assert!(board_patch(&undrawn, &drawn).is_none());
        let hidden = board(vec![
            PublicRow::Hidden(HiddenRow {
                position: 1,
                hidden: true,
            }),
            row("B", 2, 0),
        ]);
        assert!(board_patch(&drawn, &hidden).is_none());
        assert!(board_patch(&hidden, &drawn).is_none());
    }

    #[test]
    fn a_patch_naming_a_team_the_client_never_saw_is_refused() {
        let before = json(&board(vec![row("A", 1, 0)]));
        let patch = serde_json::json!({
            "removed": ["A"], "moves": [["Z", 0]], "ranks": [[1, 1]], "awards": [[null, 1]], "rows": []
        });
        assert_eq!(
            apply(&before, &patch),
            Err(ApplyError::UnknownTeam("Z".into()))
        );
    }

    #[test]
    fn a_patch_that_does_not_add_up_is_refused() {
        let before = json(&board(vec![row("A", 1, 0), row("B", 2, 0)]));
        let patch = |moves: serde_json::Value, ranks: serde_json::Value| {
            serde_json::json!({
                "removed": [], "moves": moves, "ranks": ranks, "awards": [[null, 2]], "rows": []
            })
        };
        let fine = patch(serde_json::json!([["B", 0]]), serde_json::json!([[1, 2]]));
        assert_eq!(apply(&before, &fine).unwrap()["rows"][0]["code"], "B");
        let cases = [
            // Moves must come by increasing index.
            patch(
                serde_json::json!([["B", 1], ["A", 0]]),
                serde_json::json!([[1, 2]]),
            ),
            // Past the end.
            patch(serde_json::json!([["B", 5]]), serde_json::json!([[1, 2]])),
            // Runs for fewer, or more, rows than the board has.
            patch(serde_json::json!([]), serde_json::json!([[1, 1]])),
            patch(serde_json::json!([]), serde_json::json!([[1, 3]])),
            patch(
                serde_json::json!([]),
                serde_json::json!([[1, 99999999999u64]]),
            ),
            // An old-style patch with the whole order.
            serde_json::json!({"order": ["A", "B"], "ranks": [1, 2], "awards": [null, null], "rows": []}),
        ];
        for case in cases {
            assert_eq!(apply(&before, &case), Err(ApplyError::Malformed), "{case}");
        }
    }

    fn boards() -> impl Strategy<Value = (PublicBoard, PublicBoard)> {
        let teams = proptest::collection::vec((0i64..5, 0i64..5, any::<bool>()), 1..40);
        (teams, any::<bool>()).prop_map(|(teams, names)| {
            let before = ranked(
                names,
                &teams
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (i, t.0))
                    .collect::<Vec<_>>(),
            );
            let after = ranked(
                names,
                &teams
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.2 || teams.len() == 1)
                    .map(|(i, t)| (i, t.1))
                    .collect::<Vec<_>>(),
            );
            (before, after)
        })
    }

    proptest! {
        /// Whatever moved, appeared or left, the patch rebuilds the new board exactly.
        #[test]
        fn applying_a_patch_gives_the_new_board((before, after) in boards()) {
            let patch = board_patch(&before, &after).expect("keyed rows");
            prop_assert_eq!(apply(&json(&before), &json(&patch)), Ok(json(&after)));
        }

        /// One team's new score is at most one move and one row, whatever it passed.
        #[test]
        fn one_changed_team_is_one_move(
            scores in proptest::collection::vec(0i64..50, 1..60),
            team in any::<proptest::sample::Index>(),
            score in 0i64..50,
        ) {
            let before: Vec<(usize, i64)> = scores.iter().copied().enumerate().collect();
            let mut after = before.clone();
            let changed = team.index(after.len());
            after[changed].1 = score;
            let (before, after) = (ranked(false, &before), ranked(false, &after));
            let patch = board_patch(&before, &after).expect("keyed rows");
            prop_assert!(patch.moves.len() <= 1, "{:?}", patch.moves);
            prop_assert!(patch.rows.len() <= 1);
            prop_assert_eq!(apply(&json(&before), &json(&patch)), Ok(json(&after)));
        }
    }
}
