//! Many changes to a board at once: each team × module they touch is scored once, when the
//! batch ends, instead of after every change; a large batch (a board being loaded) is scored on
//! every core, a run of modules each.

use uuid::Uuid;

use super::module_marks::ModuleMarks;
use super::{BoardError, Scoreboard, SubmittedSheet};
use crate::domain::scheme::Module;

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
        let threads = if self.touched.len() < PARALLEL_FROM {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        };
        if threads == 1 {
            // A team's total is re-added once per touched module: a few additions, no scoring.
            for &(team_slot, module) in &self.touched {
                self.board.rescore(team_slot, module);
            }
            return;
        }
        let board = &mut *self.board;
        let mut teams_by_module: Vec<Vec<usize>> = vec![Vec::new(); board.modules.len()];
        for &(team_slot, module) in &self.touched {
            if let Some(teams) = teams_by_module.get_mut(module) {
                teams.push(team_slot);
            }
        }
        let mut work: Vec<ModuleWork<'_>> = board
            .marks
            .iter_mut()
            .zip(&board.modules)
            .zip(&teams_by_module)
            .map(|((marks, board_module), teams)| (marks, &board_module.module, teams.as_slice()))
            .collect();
        score_across_threads(&mut work, threads);
        for &(team_slot, _) in &self.touched {
            board.retotal(team_slot);
        }
    }
}

/// Team × module scorings from which a batch is split over the cores: below it, starting a
/// thread costs more than it saves.
pub(super) const PARALLEL_FROM: usize = 1_024;

/// One module's marks, its scheme, and the team slots to score in it.
type ModuleWork<'a> = (&'a mut ModuleMarks, &'a Module, &'a [usize]);

/// Scores each module's teams, a contiguous run of modules on each of `threads` threads:
/// modules share no marks, and scoring is half of loading a board (DESIGN §6: a full recompute
/// of 1,000 teams ≤ 5 ms).
fn score_across_threads(work: &mut [ModuleWork<'_>], threads: usize) {
    let per_thread = work.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let mut runs = work.chunks_mut(per_thread);
        // This thread scores the first run itself while the others score theirs.
        let own = runs.next();
        for run in runs {
            scope.spawn(move || score_run(run));
        }
        if let Some(run) = own {
            score_run(run);
        }
    });
}

fn score_run(run: &mut [ModuleWork<'_>]) {
    for (marks, module, teams) in run {
        for &team_slot in teams.iter() {
            marks.rescore(team_slot, module);
        }
    }
}
