//! Many changes to a board at once: each team × module they touch is scored once, when the
//! batch ends, instead of after every change.

use uuid::Uuid;

use super::{BoardError, Scoreboard, SubmittedSheet};

/// A batch of changes to a [`Scoreboard`] (from [`Scoreboard::bulk`]): loading a board from
/// every stored sheet, or a node catching up after missed updates. Each change is checked as
/// on the board itself, and a refused one changes nothing; the scores of what was changed are
/// brought up to date when the batch is dropped, so a batch of one costs what
/// [`Scoreboard::apply_sheet`] does and a whole contest costs one scoring per team × module.
pub struct Bulk<'a> {
    board: &'a mut Scoreboard,
    /// `stale[team_slot * modules + module]`: changed since it was last scored.
    stale: Vec<bool>,
    /// The same team × modules, in the order they were first changed.
    touched: Vec<(usize, usize)>,
}

impl<'a> Bulk<'a> {
    pub(super) fn new(board: &'a mut Scoreboard) -> Self {
        let cells = board.teams.len() * board.modules.len();
        Bulk {
            board,
            stale: vec![false; cells],
            touched: Vec::new(),
        }
    }

    /// As [`Scoreboard::apply_sheet`], scored when the batch ends.
    pub fn apply_sheet(&mut self, sheet: &SubmittedSheet) -> Result<(), BoardError> {
        let team_slot = self.board.put_sheet(sheet)?;
        self.touch(team_slot, sheet.module);
        Ok(())
    }

    /// As [`Scoreboard::remove_sheet`], scored when the batch ends.
    pub fn remove_sheet(
        &mut self,
        team: Uuid,
        module: usize,
        judge: Uuid,
    ) -> Result<(), BoardError> {
        let team_slot = self.board.take_sheet(team, module, judge)?;
        self.touch(team_slot, module);
        Ok(())
    }

    fn touch(&mut self, team_slot: usize, module: usize) {
        let modules = self.board.modules.len();
        let Some(stale) = self.stale.get_mut(team_slot * modules + module) else {
            return;
        };
        if !*stale {
            *stale = true;
            self.touched.push((team_slot, module));
        }
    }
}

impl Drop for Bulk<'_> {
    fn drop(&mut self) {
        // A team's total is re-added once per touched module: a few additions, no scoring.
        for &(team_slot, module) in &self.touched {
            self.board.rescore(team_slot, module);
        }
    }
}
