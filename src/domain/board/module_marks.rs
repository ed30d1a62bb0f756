//! Every team's marks in one module, in one block of memory, and the module scores they make.
//!
//! A 1,000-team contest's board holds 900,000 marks. Kept per module rather than per team ×
//! module, they take a few allocations instead of thousands, and a full recompute reads them
//! in the order they lie in memory.

use super::BoardError;
use crate::domain::aggregation::{aggregate_each, AggregationRule, Summary};
use crate::domain::marks::Mark;
use crate::domain::scheme::Module;
use crate::domain::scoring::{module_score_of, ModuleScore};

/// One judge's points for one criterion, or none, in 4 bytes where `Option<Mark>` takes 16.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell(i32);

impl Cell {
    /// Below every mark a cell can hold (`Mark::MIN` is −10⁸ hundredths).
    const EMPTY: Cell = Cell(i32::MIN);

    /// `None` for points a cell cannot hold; no criterion's range reaches them.
    fn of(points: Mark) -> Option<Cell> {
        i32::try_from(points.hundredths())
            .ok()
            .map(Cell)
            .filter(|cell| *cell != Cell::EMPTY)
    }

    fn mark(self) -> Option<Mark> {
        (self != Cell::EMPTY).then(|| Mark::from_hundredths(i64::from(self.0)))
    }
}

/// Whether a board can hold `points` at all (every mark within `Mark`'s range can).
pub(super) fn holds(points: Mark) -> bool {
    Cell::of(points).is_some()
}

/// In `sheet_limits`, an imported criterion: no judge's sheet may mark it. Not −1: a criterion
/// whose maximum is below zero accepts no points, and must say "out of range", not this.
const NOT_JUDGED: i64 = i64::MIN;

/// The marks of every team on the board in one module, by team slot.
#[derive(Clone, Debug)]
pub(super) struct ModuleMarks {
    panel: usize,
    criteria: usize,
    /// One block of `(panel + 1) × criteria` cells per team: first `block[criterion × panel +
    /// judge_slot]`, the points that panel judge gave, one criterion's panel side by side the way
    /// aggregation reads them; then `block[criteria × panel + criterion]`, the imported marks
    /// (only imported criteria use theirs).
    cells: Vec<Cell>,
    /// `submitted[team × panel + judge_slot]`: whether that judge's sheet is on the board.
    submitted: Vec<bool>,
    scores: Vec<ModuleScore>,
    /// The score of a team with nothing marked yet, what a new team starts with.
    blank_score: ModuleScore,
    /// Per criterion, the most hundredths a judge's sheet may give it ([`Criterion::max`],
    /// capped at what a cell holds), or [`NOT_JUDGED`]. Every mark of every sheet is checked
    /// against this; it is a fraction of the size of the scheme's criteria, names and all.
    ///
    /// [`Criterion::max`]: crate::domain::scheme::Criterion::max
    sheet_limits: Vec<i64>,
}

impl ModuleMarks {
    /// The module's marks for `teams` teams with nothing marked yet.
    pub(super) fn new(module: &Module, panel: usize, teams: usize) -> Self {
        let criteria = module.criteria.len();
        let sheet_limits = module
            .criteria
            .iter()
            .map(|criterion| {
                if criterion.is_judged() {
                    criterion.max.hundredths().min(i64::from(i32::MAX))
                } else {
                    NOT_JUDGED
                }
            })
            .collect();
        let mut blank = ModuleMarks {
            panel,
            criteria,
            sheet_limits,
            cells: vec![Cell::EMPTY; (panel + 1) * criteria],
            submitted: vec![false; panel],
            scores: vec![ModuleScore::default()],
            blank_score: ModuleScore::default(),
        };
        blank.rescore(0, module);
        let blank_score = blank.score(0);
        ModuleMarks {
            cells: vec![Cell::EMPTY; teams * blank.block_len()],
            submitted: vec![false; teams * panel],
            scores: vec![blank_score; teams],
            blank_score,
            ..blank
        }
    }

    pub(super) fn blank_score(&self) -> ModuleScore {
        self.blank_score
    }

    /// Makes room for a team with nothing marked, in the next slot.
    pub(super) fn add_team(&mut self) {
        let block = self.block_len();
        self.cells.resize(self.cells.len() + block, Cell::EMPTY);
        self.submitted
            .resize(self.submitted.len() + self.panel, false);
        self.scores.push(self.blank_score);
    }

    /// The team's current score, as of its last [`ModuleMarks::rescore`].
    pub(super) fn score(&self, team: usize) -> ModuleScore {
        self.scores.get(team).copied().unwrap_or(self.blank_score)
    }

    /// Checks a judge's sheet for the module at index `module` before it goes on the board: each
    /// criterion must exist, be marked by judges, appear once, and its points lie in `[0, max]`
    /// (as [`Criterion::accepts_points`] says).
    ///
    /// [`Criterion::accepts_points`]: crate::domain::scheme::Criterion::accepts_points
    pub(super) fn check_sheet(
        &self,
        module: usize,
        marks: &[(usize, Mark)],
    ) -> Result<(), BoardError> {
        let mut seen = SeenCriteria::default();
        for (n, &(criterion, points)) in marks.iter().enumerate() {
            let Some(&limit) = self.sheet_limits.get(criterion) else {
                return Err(BoardError::UnknownCriterion { module, criterion });
            };
            if limit == NOT_JUDGED {
                return Err(BoardError::CriterionNotJudged { module, criterion });
            }
            if seen.repeats(criterion, &marks[..n]) {
                return Err(BoardError::DuplicateCriterion { criterion });
            }
            if !(0..=limit).contains(&points.hundredths()) {
                return Err(BoardError::MarkOutOfRange {
                    module,
                    criterion,
                    mark: points,
                });
            }
        }
        Ok(())
    }

    /// Replaces the sheet of the judge in `slot` by `marks` (criterion index, points), already
    /// checked by [`ModuleMarks::check_sheet`]. Like every change here, the score is stale until
    /// [`ModuleMarks::rescore`].
    pub(super) fn put_sheet(&mut self, team: usize, slot: usize, marks: &[(usize, Mark)]) {
        let panel = self.panel;
        let Some(submitted) = self.submitted_mut(team, slot) else {
            return;
        };
        // A judge without a sheet here has no marks to clear (loading a board is all new sheets).
        let replaces = std::mem::replace(submitted, true);
        let judged = self.judged_mut(team);
        if replaces {
            clear_judge(judged, panel, slot);
        }
        for &(criterion, points) in marks {
            if let (Some(cell), Some(value)) =
                (judged.get_mut(criterion * panel + slot), Cell::of(points))
            {
                *cell = value;
            }
        }
    }

    pub(super) fn remove_sheet(&mut self, team: usize, slot: usize) {
        let panel = self.panel;
        if let Some(submitted) = self.submitted_mut(team, slot) {
            *submitted = false;
            clear_judge(self.judged_mut(team), panel, slot);
        }
    }

    pub(super) fn set_imported(&mut self, team: usize, criterion: usize, mark: Option<Mark>) {
        let value = mark.and_then(Cell::of).unwrap_or(Cell::EMPTY);
        if let Some(cell) = self.imported_mut(team).get_mut(criterion) {
            *cell = value;
        }
    }

    /// Each criterion's mark for the team as it counts towards the module score: judged criteria
    /// aggregated over the judges who marked them (DESIGN §3.1), imported ones as loaded; `None`
    /// where nothing is there yet.
    pub(super) fn aggregated(&self, team: usize, module: &Module) -> Vec<Option<Mark>> {
        self.each_aggregated(team, module).collect()
    }

    /// Scores the team's module from its aggregated marks (§3.3) and marks it provisional while
    /// a panel judge's sheet or an imported mark is missing (§3.6). Work: criteria × panel size,
    /// nothing per other team.
    pub(super) fn rescore(&mut self, team: usize, module: &Module) {
        let import_missing = module
            .criteria
            .iter()
            .zip(self.imported(team))
            .any(|(criterion, cell)| !criterion.is_judged() && *cell == Cell::EMPTY);
        let sheet_missing = self.submitted_of(team).contains(&false);
        let score = ModuleScore {
            score: module_score_of(module, self.each_aggregated(team, module)),
            provisional: import_missing || sheet_missing,
        };
        if let Some(slot) = self.scores.get_mut(team) {
            *slot = score;
        }
    }

    fn each_aggregated<'m>(
        &'m self,
        team: usize,
        module: &'m Module,
    ) -> impl Iterator<Item = Option<Mark>> + 'm {
        let panel = self.panel;
        let block = self.block(team);
        let (judged, imported) = block.split_at(block.len().min(self.criteria * panel));
        module
            .criteria
            .iter()
            .enumerate()
            .map(move |(c, criterion)| {
                if criterion.is_judged() {
                    let cells = judged.get(c * panel..(c + 1) * panel).unwrap_or_default();
                    aggregate_cells(module.aggregation, cells)
                } else {
                    imported.get(c).and_then(|cell| cell.mark())
                }
            })
    }

    fn block_len(&self) -> usize {
        (self.panel + 1) * self.criteria
    }

    fn block(&self, team: usize) -> &[Cell] {
        let len = self.block_len();
        self.cells
            .get(team * len..(team + 1) * len)
            .unwrap_or_default()
    }

    fn block_mut(&mut self, team: usize) -> &mut [Cell] {
        let len = self.block_len();
        self.cells
            .get_mut(team * len..(team + 1) * len)
            .unwrap_or_default()
    }

    fn judged_mut(&mut self, team: usize) -> &mut [Cell] {
        let judged = self.criteria * self.panel;
        let block = self.block_mut(team);
        let end = judged.min(block.len());
        &mut block[..end]
    }

    fn imported(&self, team: usize) -> &[Cell] {
        let judged = self.criteria * self.panel;
        self.block(team).get(judged..).unwrap_or_default()
    }

    fn imported_mut(&mut self, team: usize) -> &mut [Cell] {
        let judged = self.criteria * self.panel;
        self.block_mut(team).get_mut(judged..).unwrap_or_default()
    }

    fn submitted_of(&self, team: usize) -> &[bool] {
        self.submitted
            .get(team * self.panel..(team + 1) * self.panel)
            .unwrap_or_default()
    }

    fn submitted_mut(&mut self, team: usize, slot: usize) -> Option<&mut bool> {
        if slot >= self.panel {
            return None;
        }
        self.submitted.get_mut(team * self.panel + slot)
    }
}

/// One criterion's mark from its panel's cells (DESIGN §3.1). A full recompute does this
/// 180,000 times, so the cells are summed in one plain loop rather than through
/// [`aggregate_each`]'s iterator, which only the median still needs.
fn aggregate_cells(rule: AggregationRule, cells: &[Cell]) -> Option<Mark> {
    if rule == AggregationRule::Median {
        return aggregate_each(rule, cells.iter().filter_map(|cell| cell.mark()));
    }
    let (mut count, mut sum, mut lowest, mut highest) = (0, 0i64, i32::MAX, i32::MIN);
    for &Cell(value) in cells {
        if value != Cell::EMPTY.0 {
            count += 1;
            // Cells are 32-bit: no panel is large enough to overflow a 64-bit sum of them.
            sum += i64::from(value);
            lowest = lowest.min(value);
            highest = highest.max(value);
        }
    }
    let mark = |hundredths: i32| Mark::from_hundredths(i64::from(hundredths));
    Summary::from_parts(count, sum, mark(lowest), mark(highest))?.aggregate(rule)
}

/// The criteria a sheet has named so far: a bit set for the first 64 (every real scheme), a
/// look back over the earlier marks beyond that.
#[derive(Default)]
pub(super) struct SeenCriteria(u64);

impl SeenCriteria {
    /// Whether `criterion` was named before, remembering it from now on.
    pub(super) fn repeats(&mut self, criterion: usize, earlier: &[(usize, Mark)]) -> bool {
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

/// Forgets every mark of the judge in `slot` among one team's judged cells.
fn clear_judge(judged: &mut [Cell], panel: usize, slot: usize) {
    for cell in judged.iter_mut().skip(slot).step_by(panel.max(1)) {
        *cell = Cell::EMPTY;
    }
}
