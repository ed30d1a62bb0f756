//! Board patches: what changed between two public boards, so a refresh sends spectators a few
//! rows instead of the whole board (a 300-team board is ~60 KB of JSON; one sheet changes one
//! team's row and shifts the places of some others).
//!
//! A patch carries the board's header in full (it is small), the order of the rows by team
//! code with each position's rank and award, and the rows whose content changed apart from
//! their place. Applying it to the board it was made from gives the new board exactly
//! ([`apply`] is the reference the clients follow; docs/boards.md).
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
    /// Team codes, top to bottom.
    pub order: Vec<&'a str>,
    /// `ranks[i]` and `awards[i]` belong to `order[i]`.
    pub ranks: Vec<usize>,
    pub awards: Vec<Option<u8>>,
    /// Rows that are new or whose content changed other than their rank and award.
    pub rows: Vec<&'a PublicRow>,
}

/// The patch that turns `before` into `after`, or `None` when either board's rows have no
/// unique team code to key them by.
pub fn board_patch<'a>(before: &PublicBoard, after: &'a PublicBoard) -> Option<BoardPatch<'a>> {
    let previous = keyed(&before.rows)?;
    keyed(&after.rows)?;
    let mut patch = BoardPatch {
        header: &after.header,
        names_shown: after.names_shown,
        order: Vec::with_capacity(after.rows.len()),
        ranks: Vec::with_capacity(after.rows.len()),
        awards: Vec::with_capacity(after.rows.len()),
        rows: Vec::new(),
    };
    for row in &after.rows {
        let place = Place::of(row)?;
        patch.order.push(place.code);
        patch.ranks.push(place.rank);
        patch.awards.push(place.award);
        let unchanged = previous
            .get(place.code)
            .is_some_and(|old| same_apart_from_place(old, row));
        if !unchanged {
            patch.rows.push(row);
        }
    }
    Some(patch)
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
/// keep their fields; `rank` and `award` come from the patch's arrays.
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
    let (order, ranks, awards, changed) = (
        list("order")?,
        list("ranks")?,
        list("awards")?,
        list("rows")?,
    );
    if ranks.len() != order.len() || awards.len() != order.len() {
        return Err(ApplyError::Malformed);
    }
    let old_rows = board["rows"].as_array().ok_or(ApplyError::Malformed)?;
    let mut known: HashMap<&str, &Value> = HashMap::with_capacity(old_rows.len());
    for row in old_rows.iter().chain(changed) {
        let code = row["code"].as_str().ok_or(ApplyError::Malformed)?;
        known.insert(code, row);
    }
    let mut rows = Vec::with_capacity(order.len());
    let mut placed = HashSet::with_capacity(order.len());
    for ((code, rank), award) in order.iter().zip(ranks).zip(awards) {
        let code = code.as_str().ok_or(ApplyError::Malformed)?;
        let mut row = (*known
            .get(code)
            .ok_or_else(|| ApplyError::UnknownTeam(code.to_owned()))?)
        .clone();
        if !placed.insert(code) {
            return Err(ApplyError::Malformed);
        }
        row["rank"] = rank.clone();
        row["award"] = award.clone();
        rows.push(row);
    }
    let mut next = serde_json::Map::with_capacity(fields.len());
    for (name, value) in fields {
        if !matches!(name.as_str(), "order" | "ranks" | "awards" | "rows") {
            next.insert(name.clone(), value.clone());
        }
    }
    next.insert("rows".into(), Value::Array(rows));
    Ok(Value::Object(next))
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

    #[test]
    fn a_team_that_climbs_sends_its_row_and_the_new_order_only() {
        let before = board(vec![row("A", 1, 900), row("B", 2, 800), row("C", 3, 700)]);
        let after = board(vec![row("C", 1, 950), row("A", 2, 900), row("B", 3, 800)]);
        let patch = board_patch(&before, &after).expect("keyed rows");
        assert_eq!(patch.order, ["C", "A", "B"]);
        assert_eq!(patch.ranks, [1, 2, 3]);
        assert_eq!(patch.awards, [Some(1), Some(1), None]);
        assert_eq!(patch.rows.len(), 1, "A and B only moved");
        assert_eq!(json(patch.rows[0])["code"], "C");
        assert_eq!(apply(&json(&before), &json(&patch)), Ok(json(&after)));
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
        let patch = serde_json::json!({"order": ["Z"], "ranks": [1], "awards": [null], "rows": []});
        assert_eq!(
            apply(&before, &patch),
            Err(ApplyError::UnknownTeam("Z".into()))
        );
    }

    fn boards() -> impl Strategy<Value = (PublicBoard, PublicBoard)> {
        let teams = proptest::collection::vec((0i64..5, 0i64..5, any::<bool>()), 1..12);
        (teams, any::<bool>()).prop_map(|(teams, names)| {
            let ranked = |scores: Vec<(usize, i64)>| {
                let mut scores = scores;
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
            };
            let before = ranked(teams.iter().enumerate().map(|(i, t)| (i, t.0)).collect());
            let after = ranked(
                teams
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.2 || teams.len() == 1)
                    .map(|(i, t)| (i, t.1))
                    .collect(),
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
    }
}
