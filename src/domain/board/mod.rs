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
mod module_marks;

use foldhash::HashMap;
use uuid::Uuid;

pub use bulk::Bulk;
pub use error::BoardError;
use module_marks::ModuleMarks;

use super::awards::AwardTiers;
use super::marks::Mark;
use super::ranking::{ranked_order, Contenders, Standing, TeamResult};
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
    total: Mark,
}

/// Live scores of every team of a contest.
#[derive(Clone, Debug)]
pub struct Scoreboard {
    modules: Vec<BoardModule>,
    /// Per module (as `modules`), every team's marks and score in that module by team slot.
    marks: Vec<ModuleMarks>,
    /// By team slot.
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
        let ids: Vec<Uuid> = teams.into_iter().collect();
        let mut team_slots = HashMap::with_capacity_and_hasher(ids.len(), Default::default());
        for (slot, &team) in ids.iter().enumerate() {
            if team_slots.insert(team, slot).is_some() {
                return Err(BoardError::DuplicateTeam(team));
            }
        }
        // Every team starts blank, so their marks are laid out in one allocation per module.
        let marks: Vec<ModuleMarks> = modules
            .iter()
            .map(|m| ModuleMarks::new(&m.module, m.panel.len(), ids.len()))
            .collect();
        let blank_total = total(marks.iter().map(|m| m.blank_score().score));
        let teams = ids
            .into_iter()
            .map(|id| Team {
                id,
                total: blank_total,
            })
            .collect();
        Ok(Scoreboard {
            marks,
            modules,
            teams,
            team_slots,
        })
    }

    /// Adds a team with no marks yet (e.g. checked in late).
    pub fn add_team(&mut self, team: Uuid) -> Result<(), BoardError> {
        if self.team_slots.contains_key(&team) {
            return Err(BoardError::DuplicateTeam(team));
        }
        let slot = self.teams.len();
        for module in &mut self.marks {
            module.add_team();
        }
        self.team_slots.insert(team, slot);
        self.teams.push(Team {
            id: team,
            total: self.total_of(slot),
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
        let marks = self
            .marks
            .get_mut(sheet.module)
            .ok_or(BoardError::UnknownModule(sheet.module))?;
        marks.check_sheet(sheet.module, &sheet.marks)?;
        marks.put_sheet(team_slot, judge_slot, &sheet.marks);
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
        self.change(module, |marks| marks.remove_sheet(team_slot, judge_slot));
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
        self.team_result_at(slot)
    }

    /// The marks of one team × module per criterion (scheme order) as they count towards the
    /// module score: aggregated over the panel, or imported; `None` where nothing is there yet.
    pub fn criterion_marks(&self, team: Uuid, module: usize) -> Option<Vec<Option<Mark>>> {
        let slot = *self.team_slots.get(&team)?;
        let board_module = self.modules.get(module)?;
        Some(
            self.marks
                .get(module)?
                .aggregated(slot, &board_module.module),
        )
    }

    /// The ranking (DESIGN §3.4) with awards (§3.5) over all teams on the board.
    pub fn standings(&self, tie_break: &[usize], tiers: &AwardTiers) -> Vec<Standing> {
        let mut standings: Vec<Standing> = ranked_order(self, tie_break)
            .into_iter()
            .filter_map(|(rank, slot)| Some(Standing::placed(rank, self.team_result_at(slot)?)))
            .collect();
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
            if !found.accepts_points(mark) || !module_marks::holds(mark) {
                return Err(BoardError::MarkOutOfRange {
                    module,
                    criterion,
                    mark,
                });
            }
        }
        self.change(module, |marks| {
            marks.set_imported(team_slot, criterion, mark)
        });
        self.rescore(team_slot, module);
        Ok(())
    }

    /// Applies `change` to one module's marks; the scores it touches are stale until `rescore`.
    fn change(&mut self, module: usize, change: impl FnOnce(&mut ModuleMarks)) {
        if let Some(marks) = self.marks.get_mut(module) {
            change(marks);
        }
    }

    /// Scores one team × module from its marks, then the team's total.
    fn rescore(&mut self, team_slot: usize, module: usize) {
        if let (Some(marks), Some(board_module)) =
            (self.marks.get_mut(module), self.modules.get(module))
        {
            marks.rescore(team_slot, &board_module.module);
        }
        self.retotal(team_slot);
    }

    /// Re-adds the team's total from its module scores as they stand.
    fn retotal(&mut self, team_slot: usize) {
        let total = self.total_of(team_slot);
        if let Some(team) = self.teams.get_mut(team_slot) {
            team.total = total;
        }
    }

    /// The sum of the team's module scores, as they stand.
    fn total_of(&self, team_slot: usize) -> Mark {
        total(self.marks.iter().map(|m| m.score(team_slot).score))
    }

    fn team_result_at(&self, team_slot: usize) -> Option<TeamResult> {
        let team = self.teams.get(team_slot)?;
        let modules: Vec<ModuleScore> = self.marks.iter().map(|m| m.score(team_slot)).collect();
        Some(TeamResult {
            team: team.id,
            total: team.total,
            provisional: modules.iter().any(|m| m.provisional),
            modules,
        })
    }
}

/// The board ranks its teams by slot, reading totals and module scores where they are kept.
impl Contenders for Scoreboard {
    fn count(&self) -> usize {
        self.teams.len()
    }

    fn team(&self, slot: usize) -> Uuid {
        self.teams[slot].id
    }

    fn total(&self, slot: usize) -> Mark {
        self.teams[slot].total
    }

    fn module_score(&self, slot: usize, module: usize) -> Mark {
        self.marks
            .get(module)
            .map_or(Mark::ZERO, |marks| marks.score(slot).score)
    }
}

fn judge_slot(board_module: &BoardModule, module: usize, judge: Uuid) -> Result<usize, BoardError> {
    board_module
        .panel
        .iter()
        .position(|j| *j == judge)
        .ok_or(BoardError::JudgeNotOnPanel { module, judge })
}

#[cfg(test)]
mod tests;
