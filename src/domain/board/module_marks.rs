//! Every team's marks in one module, judged and imported each in one block of memory, and the
//! module scores they make.
//!
//! A 1,000-team contest's board holds 900,000 marks. Kept per module rather than per team ×
//! module, they take a few allocations instead of thousands, and a full recompute reads them
//! in the order they lie in memory. Imported marks (most modules have none) are kept apart, so
//! scoring does not pull their never-written cells through the cache between the judged ones.

use super::BoardError;
use crate::domain::aggregation::{aggregate_each, AggregationRule, Summary};
use crate::domain::marks::Mark;
use crate::domain::scheme::Module;
use crate::domain::scoring::{module_score_of_counted, ModuleScore};

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

/// What the board needs to know of one criterion for every sheet and every score, in a few
/// bytes where the scheme's `Criterion` takes 48 (and its code on the heap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CriterionUse {
    /// Marked on judges' sheets with at most `limit` hundredths ([`Criterion::max`], capped at
    /// what a cell holds); a deduction takes its mark from the score instead of adding it.
    ///
    /// [`Criterion::max`]: crate::domain::scheme::Criterion::max
    Judged { limit: i64, deducts: bool },
    /// Loaded rather than judged: the module's `slot`-th imported criterion.
    Imported { slot: usize },
}

impl CriterionUse {
    fn deducts(self) -> bool {
        matches!(self, CriterionUse::Judged { deducts: true, .. })
    }
}

/// The marks of every team on the board in one module, by team slot.
#[derive(Clone, Debug)]
pub(super) struct ModuleMarks {
    panel: usize,
    /// Per criterion, in scheme order.
    uses: Vec<CriterionUse>,
    /// The module's imported criteria (most modules have none).
    imports: usize,
    /// One block of `criteria × panel` cells per team: `block[criterion × panel + judge_slot]`
    /// is the points that panel judge gave, one criterion's panel side by side the way
    /// aggregation reads them.
    judged: Vec<Cell>,
    /// `imported[team × imports + slot]`: the mark of the imported criterion in that slot.
    /// Apart from the judged cells, which it would otherwise spread out in memory and the
    /// cache, for nothing in a module without imports.
    imported: Vec<Cell>,
    /// `submitted[team × panel + judge_slot]`: whether that judge's sheet is on the board.
    submitted: Vec<bool>,
    scores: Vec<ModuleScore>,
    /// The score of a team with nothing marked yet, what a new team starts with.
    blank_score: ModuleScore,
}

impl ModuleMarks {
    /// The module's marks for `teams` teams with nothing marked yet.
    pub(super) fn new(module: &Module, panel: usize, teams: usize) -> Self {
        let mut imports = 0;
        let uses = module
            .criteria
            .iter()
            .map(|criterion| {
                if criterion.is_judged() {
                    CriterionUse::Judged {
                        limit: criterion.max.hundredths().min(i64::from(i32::MAX)),
                        deducts: criterion.is_deduction(),
                    }
                } else {
                    imports += 1;
                    CriterionUse::Imported { slot: imports - 1 }
                }
            })
            .collect();
        let mut blank = ModuleMarks {
            panel,
            uses,
            imports,
            judged: vec![Cell::EMPTY; module.criteria.len() * panel],
            imported: vec![Cell::EMPTY; imports],
            submitted: vec![false; panel],
            scores: vec![ModuleScore::default()],
            blank_score: ModuleScore::default(),
        };
        blank.rescore(0, module);
        let blank_score = blank.score(0);
        ModuleMarks {
            judged: vec![Cell::EMPTY; teams * blank.judged.len()],
            imported: vec![Cell::EMPTY; teams * imports],
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
        self.judged.resize(self.judged.len() + block, Cell::EMPTY);
        self.imported
            .resize(self.imported.len() + self.imports, Cell::EMPTY);
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
            let limit = match self.uses.get(criterion) {
                Some(&CriterionUse::Judged { limit, .. }) => limit,
                Some(CriterionUse::Imported { .. }) => {
                    return Err(BoardError::CriterionNotJudged { module, criterion })
                }
                None => return Err(BoardError::UnknownCriterion { module, criterion }),
            };
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
        let judged = self.block_mut(team);
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
            clear_judge(self.block_mut(team), panel, slot);
        }
    }

    pub(super) fn set_imported(&mut self, team: usize, criterion: usize, mark: Option<Mark>) {
        let Some(&CriterionUse::Imported { slot }) = self.uses.get(criterion) else {
            return;
        };
        let value = mark.and_then(Cell::of).unwrap_or(Cell::EMPTY);
        if let Some(cell) = self.imported.get_mut(team * self.imports + slot) {
            *cell = value;
        }
    }

    /// Each criterion's mark for the team as it counts towards the module score: judged criteria
    /// aggregated over the judges who marked them (DESIGN §3.1), imported ones as loaded; `None`
    /// where nothing is there yet.
    pub(super) fn aggregated(&self, team: usize, module: &Module) -> Vec<Option<Mark>> {
        self.each_aggregated(team, module.aggregation)
            .map(|(_, mark)| mark)
            .collect()
    }

    /// Scores the team's module from its aggregated marks (§3.3) and marks it provisional while
    /// a panel judge's sheet or an imported mark is missing (§3.6). Work: criteria × panel size,
    /// nothing per other team.
    pub(super) fn rescore(&mut self, team: usize, module: &Module) {
        let import_missing = self.imported_of(team).contains(&Cell::EMPTY);
        let sheet_missing = self.submitted_of(team).contains(&false);
        let score = ModuleScore {
            score: module_score_of_counted(module, self.each_aggregated(team, module.aggregation)),
            provisional: import_missing || sheet_missing,
        };
        if let Some(slot) = self.scores.get_mut(team) {
            *slot = score;
        }
    }

    /// Per criterion in scheme order: whether it is a deduction, and its aggregated mark.
    fn each_aggregated(
        &self,
        team: usize,
        rule: AggregationRule,
    ) -> impl Iterator<Item = (bool, Option<Mark>)> + '_ {
        let panel = self.panel;
        let judged = self.block(team);
        let imported = self.imported_of(team);
        self.uses.iter().enumerate().map(move |(c, &used)| {
            let mark = match used {
                CriterionUse::Judged { .. } => {
                    let cells = judged.get(c * panel..(c + 1) * panel).unwrap_or_default();
                    aggregate_cells(rule, cells)
                }
                CriterionUse::Imported { slot } => imported.get(slot).and_then(|cell| cell.mark()),
            };
            (used.deducts(), mark)
        })
    }

    fn block_len(&self) -> usize {
        self.uses.len() * self.panel
    }

    fn block(&self, team: usize) -> &[Cell] {
        let len = self.block_len();
        self.judged
            .get(team * len..(team + 1) * len)
            .unwrap_or_default()
    }

    fn block_mut(&mut self, team: usize) -> &mut [Cell] {
        let len = self.block_len();
        self.judged
            .get_mut(team * len..(team + 1) * len)
            .unwrap_or_default()
    }

    fn imported_of(&self, team: usize) -> &[Cell] {
        self.imported
            .get(team * self.imports..(team + 1) * self.imports)
            .unwrap_or_default()
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
