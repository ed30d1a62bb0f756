//! The incremental scoreboard engine: holds every submitted sheet and imported mark of a
//! contest in memory and keeps each team's module scores and total current.
//!
//! A change to one team × module recomputes only that module's score (criteria × panel judges)
//! and that team's total (one sum over its modules): no work per other team. Many changes at
//! once (a board loaded from every stored sheet) go through [`Bulk`], which scores each team ×
//! module once at the end. Ranking is done when `standings` is asked for, with one sort of the
//! teams (DESIGN §6: ≤ 100 µs per sheet, ≤ 5 ms for a full recompute of 1,000 teams).

mod bulk;
mod error;
mod team_module;

use std::collections::HashMap;

use uuid::Uuid;

pub use bulk::Bulk;
pub use error::BoardError;
use team_module::TeamModule;

use super::awards::AwardTiers;
use super::marks::Mark;
use super::ranking::{rank, Standing, TeamResult};
use super::scheme::{CriterionKind, Module};
use super::scoring::{total, ModuleScore};

/// A module as the board needs it: its scheme and the judges of its panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardModule {
    pub module: Module,
    /// Judges who must all submit before the module's scores stop being provisional.
    pub panel: Vec<Uuid>,
}

/// One judge's submitted sheet for one team × module: the points per criterion (as
/// `Criterion::points` computed them). Criteria left out are not marked by this judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmittedSheet {
    pub team: Uuid,
    /// Index of the module in scheme order (see `Scoreboard::module_index`).
    pub module: usize,
    pub judge: Uuid,
    /// (criterion index in the module, points).
    pub marks: Vec<(usize, Mark)>,
}

#[derive(Clone, Debug)]
struct Team {
    id: Uuid,
    modules: Vec<TeamModule>,
    total: Mark,
}

/// Live scores of every team of a contest.
#[derive(Clone, Debug)]
pub struct Scoreboard {
    modules: Vec<BoardModule>,
    /// Per module, a team's marks before anything is marked: what a new team starts from.
    blank: Vec<TeamModule>,
    teams: Vec<Team>,
    team_slots: HashMap<Uuid, usize>,
}

impl Scoreboard {
    /// An empty board for `modules` (scheme order) and `teams`. Refuses a team listed twice
    /// or a judge listed twice on one panel.
    pub fn new(
        modules: Vec<BoardModule>,
        teams: impl IntoIterator<Item = Uuid>,
    ) -> Result<Self, BoardError> {
        for (index, board_module) in modules.iter().enumerate() {
            for (slot, judge) in board_module.panel.iter().enumerate() {
                if board_module.panel[..slot].contains(judge) {
                    return Err(BoardError::DuplicateJudge {
                        module: index,
                        judge: *judge,
                    });
                }
            }
        }
        let blank = modules
            .iter()
            .map(|m| TeamModule::new(&m.module, m.panel.len()))
            .collect();
        let mut board = Scoreboard {
            blank,
            modules,
            teams: Vec::new(),
            team_slots: HashMap::new(),
        };
        for team in teams {
            board.add_team(team)?;
        }
        Ok(board)
    }

    /// Adds a team with no marks yet (e.g. checked in late).
    pub fn add_team(&mut self, team: Uuid) -> Result<(), BoardError> {
        if self.team_slots.contains_key(&team) {
            return Err(BoardError::DuplicateTeam(team));
        }
        let modules = self.blank.clone();
        let total = total(modules.iter().map(|m| m.score().score));
        self.team_slots.insert(team, self.teams.len());
        self.teams.push(Team {
            id: team,
            modules,
            total,
        });
        Ok(())
    }

    pub fn modules(&self) -> &[BoardModule] {
        &self.modules
    }

    /// The index of the module with this code, for callers that hold codes.
    pub fn module_index(&self, code: &str) -> Option<usize> {
        self.modules.iter().position(|m| m.module.code == code)
    }

    /// Puts `sheet` on the board, replacing any earlier sheet of the same judge for the same
    /// team × module. Checked first, so a refused sheet changes nothing: the judge must be on
    /// the module's panel, each criterion must exist, be marked by judges, appear once, and its
    /// points lie in `[0, max]`.
    pub fn apply_sheet(&mut self, sheet: &SubmittedSheet) -> Result<(), BoardError> {
        let team_slot = self.put_sheet(sheet)?;
        self.rescore(team_slot, sheet.module);
        Ok(())
    }

    /// Many changes at once (loading a board, a node catching up): see [`Bulk`].
    pub fn bulk(&mut self) -> Bulk<'_> {
        Bulk::new(self)
    }

    /// [`Scoreboard::apply_sheet`] without scoring: returns the team's slot, whose module score
    /// and total are stale until [`Scoreboard::rescore`].
    fn put_sheet(&mut self, sheet: &SubmittedSheet) -> Result<usize, BoardError> {
        let (team_slot, board_module) = self.locate(sheet.team, sheet.module)?;
        let judge_slot = judge_slot(board_module, sheet.module, sheet.judge)?;
        check_sheet_marks(&board_module.module, sheet)?;
        self.change(team_slot, sheet.module, |team_module| {
            team_module.put_sheet(judge_slot, &sheet.marks)
        });
        Ok(team_slot)
    }

    /// Takes a judge's sheet off the board (e.g. reopened by the chief judge). Removing a sheet
    /// that is not there is not an error.
    pub fn remove_sheet(
        &mut self,
        team: Uuid,
        module: usize,
        judge: Uuid,
    ) -> Result<(), BoardError> {
        let team_slot = self.take_sheet(team, module, judge)?;
        self.rescore(team_slot, module);
        Ok(())
    }

    /// [`Scoreboard::remove_sheet`] without scoring, as [`Scoreboard::put_sheet`].
    fn take_sheet(&mut self, team: Uuid, module: usize, judge: Uuid) -> Result<usize, BoardError> {
        let (team_slot, board_module) = self.locate(team, module)?;
        let judge_slot = judge_slot(board_module, module, judge)?;
        self.change(team_slot, module, |team_module| {
            team_module.remove_sheet(judge_slot)
        });
        Ok(team_slot)
    }

    /// Sets the mark of an imported criterion (loaded by CSV or API), replacing any earlier one.
    pub fn set_imported_mark(
        &mut self,
        team: Uuid,
        module: usize,
        criterion: usize,
        mark: Mark,
    ) -> Result<(), BoardError> {
        self.write_imported(team, module, criterion, Some(mark))
    }

    /// Forgets the mark of an imported criterion; the module becomes provisional again.
    pub fn clear_imported_mark(
        &mut self,
        team: Uuid,
        module: usize,
        criterion: usize,
    ) -> Result<(), BoardError> {
        self.write_imported(team, module, criterion, None)
    }

    /// One team's current scores, or `None` if the team is not on the board.
    pub fn team_result(&self, team: Uuid) -> Option<TeamResult> {
        let slot = *self.team_slots.get(&team)?;
        self.teams.get(slot).map(team_result)
    }

    /// The marks of one team × module per criterion (scheme order) as they count towards the
    /// module score: aggregated over the panel, or imported; `None` where nothing is there yet.
    pub fn criterion_marks(&self, team: Uuid, module: usize) -> Option<Vec<Option<Mark>>> {
        let slot = *self.team_slots.get(&team)?;
        let board_module = self.modules.get(module)?;
        let team_module = self.teams.get(slot)?.modules.get(module)?;
        Some(team_module.aggregated(&board_module.module))
    }

    /// The ranking (DESIGN §3.4) with awards (§3.5) over all teams on the board.
    pub fn standings(&self, tie_break: &[usize], tiers: &AwardTiers) -> Vec<Standing> {
        let mut standings = rank(self.teams.iter().map(team_result).collect(), tie_break);
        tiers.assign(&mut standings);
        standings
    }

    fn locate(&self, team: Uuid, module: usize) -> Result<(usize, &BoardModule), BoardError> {
        let team_slot = *self
            .team_slots
            .get(&team)
            .ok_or(BoardError::UnknownTeam(team))?;
        let board_module = self
            .modules
            .get(module)
            .ok_or(BoardError::UnknownModule(module))?;
        Ok((team_slot, board_module))
    }

    fn write_imported(
        &mut self,
        team: Uuid,
        module: usize,
        criterion: usize,
        mark: Option<Mark>,
    ) -> Result<(), BoardError> {
        let (team_slot, board_module) = self.locate(team, module)?;
        let found = board_module
            .module
            .criteria
            .get(criterion)
            .ok_or(BoardError::UnknownCriterion { module, criterion })?;
        if found.kind != CriterionKind::Imported {
            return Err(BoardError::CriterionNotImported { module, criterion });
        }
        if let Some(mark) = mark {
            if !found.accepts_points(mark) {
                return Err(BoardError::MarkOutOfRange {
                    module,
                    criterion,
                    mark,
                });
            }
        }
        self.change(team_slot, module, |team_module| {
            team_module.set_imported(criterion, mark)
        });
        self.rescore(team_slot, module);
        Ok(())
    }

    /// Applies `change` to one team × module's marks; its score is stale until `rescore`.
    fn change(&mut self, team_slot: usize, module: usize, change: impl FnOnce(&mut TeamModule)) {
        if let Some(team_module) = self
            .teams
            .get_mut(team_slot)
            .and_then(|team| team.modules.get_mut(module))
        {
            change(team_module);
        }
    }

    /// Scores one team × module from its marks, then the team's total.
    fn rescore(&mut self, team_slot: usize, module: usize) {
        let (Some(team), Some(board_module)) =
            (self.teams.get_mut(team_slot), self.modules.get(module))
        else {
            return;
        };
        if let Some(team_module) = team.modules.get_mut(module) {
            team_module.rescore(&board_module.module);
        }
        team.total = total(team.modules.iter().map(|m| m.score().score));
    }
}

fn judge_slot(board_module: &BoardModule, module: usize, judge: Uuid) -> Result<usize, BoardError> {
    board_module
        .panel
        .iter()
        .position(|j| *j == judge)
        .ok_or(BoardError::JudgeNotOnPanel { module, judge })
}

fn check_sheet_marks(module: &Module, sheet: &SubmittedSheet) -> Result<(), BoardError> {
    let at = sheet.module;
    let mut seen = SeenCriteria::default();
    for (n, &(criterion, points)) in sheet.marks.iter().enumerate() {
        let found = module
            .criteria
            .get(criterion)
            .ok_or(BoardError::UnknownCriterion {
                module: at,
                criterion,
            })?;
        if !found.is_judged() {
            return Err(BoardError::CriterionNotJudged {
                module: at,
                criterion,
            });
        }
        if seen.repeats(criterion, &sheet.marks[..n]) {
            return Err(BoardError::DuplicateCriterion { criterion });
        }
        if !found.accepts_points(points) {
            return Err(BoardError::MarkOutOfRange {
                module: at,
                criterion,
                mark: points,
            });
        }
    }
    Ok(())
}

/// The criteria a sheet has named so far: a bit set for the first 64 (every real scheme), a
/// look back over the earlier marks beyond that.
#[derive(Default)]
struct SeenCriteria(u64);

impl SeenCriteria {
    /// Whether `criterion` was named before, remembering it from now on.
    fn repeats(&mut self, criterion: usize, earlier: &[(usize, Mark)]) -> bool {
        if criterion < 64 {
            let bit = 1u64 << criterion;
            let repeated = self.0 & bit != 0;
            self.0 |= bit;
            repeated
        } else {
            earlier.iter().any(|&(c, _)| c == criterion)
        }
    }
}

fn team_result(team: &Team) -> TeamResult {
    let modules: Vec<ModuleScore> = team.modules.iter().map(TeamModule::score).collect();
    TeamResult {
        team: team.id,
        total: team.total,
        provisional: modules.iter().any(|m| m.provisional),
        modules,
    }
}

#[cfg(test)]
mod tests;
