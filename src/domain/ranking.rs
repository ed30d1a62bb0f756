//! Ranking (DESIGN §3.4): total descending; ties broken by the contest's tie-break modules in
//! order (higher is better); teams still tied share a rank, standard competition ranking
//! (1, 2, 2, 4).

use std::cmp::{Ordering, Reverse};

use serde::Serialize;
use uuid::Uuid;

use super::awards::AwardTier;
use super::marks::Mark;
use super::scoring::ModuleScore;

/// What ranking needs to know of one team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TeamResult {
    pub team: Uuid,
    pub total: Mark,
    /// Module scores in scheme order.
    pub modules: Vec<ModuleScore>,
    /// Some module score may still change (DESIGN §3.6).
    pub provisional: bool,
}

impl TeamResult {
    /// A module's score; a module index the team lacks counts as 0 so that a tie-break list
    /// naming a module that does not exist breaks no ties instead of failing.
    pub fn module_score(&self, module: usize) -> Mark {
        self.modules.get(module).map_or(Mark::ZERO, |m| m.score)
    }
}

/// One line of a ranking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Standard competition rank: 1 + the number of teams strictly better.
    pub rank: usize,
    /// Filled in by `AwardTiers::assign`; `None` from `rank` alone.
    pub award: Option<AwardTier>,
    pub team: Uuid,
    pub total: Mark,
    pub modules: Vec<ModuleScore>,
    pub provisional: bool,
}

impl Standing {
    /// The team's line at `rank`, before awards are assigned.
    pub(crate) fn placed(rank: usize, result: TeamResult) -> Standing {
        Standing {
            rank,
            award: None,
            team: result.team,
            total: result.total,
            modules: result.modules,
            provisional: result.provisional,
        }
    }
}

/// How two teams compare under the ranking rule: `Less` when `a` places before `b`, `Equal`
/// when they share a rank.
pub fn compare(a: &TeamResult, b: &TeamResult, tie_break: &[usize]) -> Ordering {
    compare_scores(
        (a.total, |module| a.module_score(module)),
        (b.total, |module| b.module_score(module)),
        tie_break,
    )
}

/// The ranking rule over two teams' totals and module scores, however they are held.
fn compare_scores(
    (a_total, a_score): (Mark, impl Fn(usize) -> Mark),
    (b_total, b_score): (Mark, impl Fn(usize) -> Mark),
    tie_break: &[usize],
) -> Ordering {
    b_total.cmp(&a_total).then_with(|| {
        tie_break
            .iter()
            .map(|&module| b_score(module).cmp(&a_score(module)))
            .find(|order| order.is_ne())
            .unwrap_or(Ordering::Equal)
    })
}

/// The teams a ranking orders, read by index: a list of [`TeamResult`]s, or a board that reads
/// them from its own tables without making one per team.
pub(crate) trait Contenders {
    fn count(&self) -> usize;
    fn team(&self, index: usize) -> Uuid;
    fn total(&self, index: usize) -> Mark;
    /// As [`TeamResult::module_score`]: 0 for a module the team lacks.
    fn module_score(&self, index: usize, module: usize) -> Mark;
}

impl Contenders for [TeamResult] {
    fn count(&self) -> usize {
        self.len()
    }

    fn team(&self, index: usize) -> Uuid {
        self[index].team
    }

    fn total(&self, index: usize) -> Mark {
        self[index].total
    }

    fn module_score(&self, index: usize, module: usize) -> Mark {
        self[index].module_score(module)
    }
}

/// Ranks `results` under the ranking rule. Teams sharing a rank are listed by id, so the same
/// results in any input order give the same output.
pub fn rank(results: Vec<TeamResult>, tie_break: &[usize]) -> Vec<Standing> {
    let order = ranked_order(results.as_slice(), tie_break);
    let mut results: Vec<Option<TeamResult>> = results.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(rank, index)| Some(Standing::placed(rank, results[index].take()?)))
        .collect()
}

/// `(rank, index)` of every contender, best first, teams sharing a rank by id. Indices are the
/// contenders' own (`0..count`), so indexing with them cannot fail.
///
/// Totals settle nearly every comparison, so the teams are first sorted on 16-byte keys of
/// total and index; only a run of equal totals is then sorted again under the whole rule
/// (tie-break modules, then the id, so no two teams compare equal and the unstable sort's
/// order is the one a stable sort would give).
pub(crate) fn ranked_order<C: Contenders + ?Sized>(
    teams: &C,
    tie_break: &[usize],
) -> Vec<(usize, usize)> {
    let compare_at = |a: usize, b: usize| {
        compare_scores(
            (teams.total(a), |module| teams.module_score(a, module)),
            (teams.total(b), |module| teams.module_score(b, module)),
            tie_break,
        )
    };
    let mut keys: Vec<(Reverse<Mark>, usize)> = (0..teams.count())
        .map(|index| (Reverse(teams.total(index)), index))
        .collect();
    keys.sort_unstable();
    for run in keys.chunk_by_mut(|a, b| a.0 == b.0) {
        if run.len() > 1 {
            run.sort_unstable_by(|&(_, a), &(_, b)| {
                compare_at(a, b).then_with(|| teams.team(a).cmp(&teams.team(b)))
            });
        }
    }
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(keys.len());
    for (position, &(_, index)) in keys.iter().enumerate() {
        let rank = match order.last() {
            Some(&(rank, before)) if compare_at(before, index).is_eq() => rank,
            _ => position + 1,
        };
        order.push((rank, index));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn team(n: u128, total: i64, modules: &[i64]) -> TeamResult {
        TeamResult {
            team: Uuid::from_u128(n),
            total: Mark::from_hundredths(total),
            modules: modules
                .iter()
                .map(|&s| ModuleScore {
                    score: Mark::from_hundredths(s),
                    provisional: false,
                })
                .collect(),
            provisional: false,
        }
    }

    fn ranks_by_team(standings: &[Standing]) -> Vec<(u128, usize)> {
        standings
            .iter()
            .map(|s| (s.team.as_u128(), s.rank))
            .collect()
    }

    #[test]
    fn higher_totals_rank_first() {
        let standings = rank(
            vec![team(1, 100, &[]), team(2, 300, &[]), team(3, 200, &[])],
            &[],
        );
        assert_eq!(ranks_by_team(&standings), vec![(2, 1), (3, 2), (1, 3)]);
    }

    #[test]
    fn ties_share_a_rank_and_the_next_rank_skips() {
        let standings = rank(
            vec![
                team(4, 100, &[]),
                team(3, 200, &[]),
                team(2, 200, &[]),
                team(1, 300, &[]),
            ],
            &[],
        );
        assert_eq!(
            ranks_by_team(&standings),
            vec![(1, 1), (2, 2), (3, 2), (4, 4)]
        );
    }

    #[test]
    fn the_tie_break_modules_decide_in_order() {
        // Equal totals; module 2 is level, module 0 favours team 1.
        let teams = vec![team(2, 500, &[100, 400, 0]), team(1, 500, &[300, 200, 0])];
        let standings = rank(teams, &[2, 0]);
        assert_eq!(ranks_by_team(&standings), vec![(1, 1), (2, 2)]);
    }

    #[test]
    fn a_tie_break_only_applies_to_equal_totals() {
        let teams = vec![team(1, 500, &[0, 500]), team(2, 600, &[600, 0])];
        let standings = rank(teams, &[1]);
        assert_eq!(ranks_by_team(&standings), vec![(2, 1), (1, 2)]);
    }

    #[test]
    fn teams_tied_on_every_tie_break_share_the_rank() {
        let teams = vec![team(2, 500, &[100, 400]), team(1, 500, &[100, 400])];
        let standings = rank(teams, &[0, 1]);
        assert_eq!(ranks_by_team(&standings), vec![(1, 1), (2, 1)]);
    }

    #[test]
    fn a_tie_break_naming_a_missing_module_breaks_nothing() {
        let standings = rank(vec![team(2, 500, &[100]), team(1, 500, &[200])], &[7]);
        assert_eq!(ranks_by_team(&standings), vec![(1, 1), (2, 1)]);
    }

    #[test]
    fn standings_carry_the_team_s_scores_and_provisional_flag() {
        let mut result = team(1, 700, &[300, 400]);
        result.provisional = true;
        let standings = rank(vec![result.clone()], &[]);
        let s = &standings[0];
        assert_eq!(
            (s.total, &s.modules, s.provisional, s.award),
            (result.total, &result.modules, true, None)
        );
    }

    fn any_results() -> impl Strategy<Value = Vec<TeamResult>> {
        // Few distinct values so that ties are common.
        prop::collection::vec((0i64..4, prop::collection::vec(0i64..3, 3)), 0..40).prop_map(
            |rows| {
                rows.into_iter()
                    .enumerate()
                    .map(|(n, (total, modules))| team(n as u128, total, &modules))
                    .collect()
            },
        )
    }

    fn any_tie_break() -> impl Strategy<Value = Vec<usize>> {
        prop::collection::vec(0usize..3, 0..3)
    }

    proptest! {
        #[test]
        fn ranks_never_decrease_down_the_list(results in any_results(), tie_break in any_tie_break()) {
            let standings = rank(results, &tie_break);
            prop_assert!(standings.windows(2).all(|w| w[0].rank <= w[1].rank));
        }

        #[test]
        fn a_rank_is_one_plus_the_number_of_strictly_better_teams(
            results in any_results(),
            tie_break in any_tie_break(),
        ) {
            let standings = rank(results.clone(), &tie_break);
            for standing in &standings {
                let me = results.iter().find(|r| r.team == standing.team);
                let me = me.ok_or_else(|| TestCaseError::fail("team lost"))?;
                let better = results.iter().filter(|other| compare(other, me, &tie_break).is_lt()).count();
                prop_assert_eq!(standing.rank, better + 1);
            }
        }

        #[test]
        fn the_input_order_changes_nothing(
            (results, shuffled) in any_results().prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
            tie_break in any_tie_break(),
        ) {
            prop_assert_eq!(rank(results, &tie_break), rank(shuffled, &tie_break));
        }

        #[test]
        fn a_strictly_higher_total_never_ranks_below(results in any_results(), tie_break in any_tie_break()) {
            let standings = rank(results, &tie_break);
            for a in &standings {
                for b in &standings {
                    if a.total > b.total {
                        prop_assert!(a.rank < b.rank);
                    }
                }
            }
        }
    }
}
