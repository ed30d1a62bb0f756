//! The marks one team has received in one module, and the module score they make.

use crate::domain::aggregation::aggregate_each;
use crate::domain::marks::Mark;
use crate::domain::scheme::Module;
use crate::domain::scoring::{module_score_of, ModuleScore};

/// One judge's points for one criterion, or none, in 8 bytes where `Option<Mark>` takes 16: a
/// 1,000-team contest's board holds 900,000 of them, and a full recompute reads them all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell(i64);

impl Cell {
    /// Far below `Mark::MIN`, so no mark is ever mistaken for it.
    const EMPTY: Cell = Cell(i64::MIN);

    fn of(points: Mark) -> Cell {
        Cell(points.hundredths())
    }

    fn mark(self) -> Option<Mark> {
        (self != Cell::EMPTY).then(|| Mark::from_hundredths(self.0))
    }
}

/// Every submitted sheet and imported mark of one team × module, with the score they make.
#[derive(Clone, Debug)]
pub(super) struct TeamModule {
    /// `cells[criterion * panel_size + judge_slot]`: the points that panel judge gave, one
    /// criterion's panel side by side, the way aggregation reads them; then, at
    /// `cells[criteria * panel_size + criterion]`, the imported marks (only imported criteria
    /// use theirs). One allocation, since a board holds one of these per team and module.
    cells: Vec<Cell>,
    /// Per panel judge slot: whether that judge's sheet is on the board.
    submitted: Vec<bool>,
    score: ModuleScore,
}

impl TeamModule {
    pub(super) fn new(module: &Module, panel_size: usize) -> Self {
        let criteria = module.criteria.len();
        let mut fresh = TeamModule {
            cells: vec![Cell::EMPTY; (panel_size + 1) * criteria],
            submitted: vec![false; panel_size],
            score: ModuleScore::default(),
        };
        fresh.rescore(module);
        fresh
    }

    pub(super) fn score(&self) -> ModuleScore {
        self.score
    }

    /// Replaces the sheet of the judge in `slot` by `marks` (criterion index, points), already
    /// validated against the module. Like every change here, the score is stale until
    /// [`TeamModule::rescore`].
    pub(super) fn put_sheet(&mut self, slot: usize, marks: &[(usize, Mark)]) {
        // A judge without a sheet here has no marks to clear (loading a board is all new sheets).
        if self.submitted.get(slot) == Some(&true) {
            self.clear_judge(slot);
        }
        let panel = self.submitted.len();
        let judged = self.judged_mut();
        for &(criterion, points) in marks {
            if let Some(cell) = judged.get_mut(criterion * panel + slot) {
                *cell = Cell::of(points);
            }
        }
        if let Some(submitted) = self.submitted.get_mut(slot) {
            *submitted = true;
        }
    }

    pub(super) fn remove_sheet(&mut self, slot: usize) {
        self.clear_judge(slot);
        if let Some(submitted) = self.submitted.get_mut(slot) {
            *submitted = false;
        }
    }

    /// Forgets every mark of the judge in `slot`.
    fn clear_judge(&mut self, slot: usize) {
        let panel = self.submitted.len();
        if slot < panel {
            for cell in self.judged_mut().iter_mut().skip(slot).step_by(panel) {
                *cell = Cell::EMPTY;
            }
        }
    }

    pub(super) fn set_imported(&mut self, criterion: usize, mark: Option<Mark>) {
        if let Some(cell) = self.imported_mut().get_mut(criterion) {
            *cell = mark.map_or(Cell::EMPTY, Cell::of);
        }
    }

    /// How many cells hold judges' marks; the imported marks follow them.
    fn judged_cells(&self) -> usize {
        self.cells.len() / (self.submitted.len() + 1) * self.submitted.len()
    }

    fn judged_mut(&mut self) -> &mut [Cell] {
        let judged = self.judged_cells();
        &mut self.cells[..judged]
    }

    fn imported(&self) -> &[Cell] {
        &self.cells[self.judged_cells()..]
    }

    fn imported_mut(&mut self) -> &mut [Cell] {
        let judged = self.judged_cells();
        &mut self.cells[judged..]
    }

    /// Each criterion's mark as it counts towards the module score: judged criteria aggregated
    /// over the judges who marked them (DESIGN §3.1), imported ones as loaded; `None` where
    /// nothing is there yet.
    pub(super) fn aggregated(&self, module: &Module) -> Vec<Option<Mark>> {
        self.each_aggregated(module).collect()
    }

    fn each_aggregated<'m>(
        &'m self,
        module: &'m Module,
    ) -> impl Iterator<Item = Option<Mark>> + 'm {
        let panel = self.submitted.len();
        module
            .criteria
            .iter()
            .enumerate()
            .map(move |(c, criterion)| {
                if criterion.is_judged() {
                    let cells = self
                        .cells
                        .get(c * panel..(c + 1) * panel)
                        .unwrap_or_default();
                    aggregate_each(
                        module.aggregation,
                        cells.iter().filter_map(|cell| cell.mark()),
                    )
                } else {
                    self.imported().get(c).and_then(|cell| cell.mark())
                }
            })
    }

    /// Scores the module from the aggregated marks (§3.3) and marks it provisional while a
    /// panel judge's sheet or an imported mark is missing (§3.6). Work: criteria × panel size,
    /// nothing per other team.
    pub(super) fn rescore(&mut self, module: &Module) {
        let import_missing = module
            .criteria
            .iter()
            .zip(self.imported())
            .any(|(criterion, mark)| !criterion.is_judged() && mark.mark().is_none());
        self.score = ModuleScore {
            score: module_score_of(module, self.each_aggregated(module)),
            provisional: import_missing || self.submitted.contains(&false),
        };
    }
}
