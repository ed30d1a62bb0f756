//! The marks one team has received in one module, and the module score they make.

use crate::domain::aggregation::aggregate;
use crate::domain::marks::Mark;
use crate::domain::scheme::Module;
use crate::domain::scoring::{module_score, ModuleScore};

/// Every submitted sheet and imported mark of one team × module, with the score they make.
#[derive(Clone, Debug)]
pub(super) struct TeamModule {
    /// `judged[judge_slot * criteria + criterion]`: the points that panel judge gave.
    judged: Vec<Option<Mark>>,
    /// Per panel judge slot: whether that judge's sheet is on the board.
    submitted: Vec<bool>,
    /// Per criterion: the imported mark (only imported criteria use it).
    imported: Vec<Option<Mark>>,
    score: ModuleScore,
}

impl TeamModule {
    pub(super) fn new(module: &Module, panel_size: usize) -> Self {
        let criteria = module.criteria.len();
        let mut fresh = TeamModule {
            judged: vec![None; panel_size * criteria],
            submitted: vec![false; panel_size],
            imported: vec![None; criteria],
            score: ModuleScore::default(),
        };
        fresh.recompute(module);
        fresh
    }

    pub(super) fn score(&self) -> ModuleScore {
        self.score
    }

    /// Replaces the sheet of the judge in `slot` by `marks` (criterion index, points), already
    /// validated against the module.
    pub(super) fn put_sheet(&mut self, module: &Module, slot: usize, marks: &[(usize, Mark)]) {
        let row = self.row_mut(module, slot);
        row.fill(None);
        for &(criterion, points) in marks {
            if let Some(cell) = row.get_mut(criterion) {
                *cell = Some(points);
            }
        }
        if let Some(submitted) = self.submitted.get_mut(slot) {
            *submitted = true;
        }
        self.recompute(module);
    }

    pub(super) fn remove_sheet(&mut self, module: &Module, slot: usize) {
        self.row_mut(module, slot).fill(None);
        if let Some(submitted) = self.submitted.get_mut(slot) {
            *submitted = false;
        }
        self.recompute(module);
    }

    pub(super) fn set_imported(&mut self, module: &Module, criterion: usize, mark: Option<Mark>) {
        if let Some(cell) = self.imported.get_mut(criterion) {
            *cell = mark;
        }
        self.recompute(module);
    }

    fn row_mut(&mut self, module: &Module, slot: usize) -> &mut [Option<Mark>] {
        let criteria = module.criteria.len();
        let start = (slot * criteria).min(self.judged.len());
        let end = (start + criteria).min(self.judged.len());
        &mut self.judged[start..end]
    }

    /// Each criterion's mark as it counts towards the module score: judged criteria aggregated
    /// over the judges who marked them (DESIGN §3.1), imported ones as loaded; `None` where
    /// nothing is there yet.
    pub(super) fn aggregated(&self, module: &Module) -> Vec<Option<Mark>> {
        let criteria = module.criteria.len();
        let mut aggregated = Vec::with_capacity(criteria);
        let mut panel_marks = Vec::with_capacity(self.submitted.len());
        for (c, criterion) in module.criteria.iter().enumerate() {
            if criterion.is_judged() {
                panel_marks.clear();
                panel_marks.extend(
                    self.judged
                        .iter()
                        .skip(c)
                        .step_by(criteria.max(1))
                        .filter_map(|mark| *mark),
                );
                aggregated.push(aggregate(module.aggregation, &panel_marks));
            } else {
                aggregated.push(self.imported.get(c).copied().flatten());
            }
        }
        aggregated
    }

    /// Scores the module from the aggregated marks (§3.3) and marks it provisional while a
    /// panel judge's sheet or an imported mark is missing (§3.6). Work: criteria × panel size,
    /// nothing per other team.
    fn recompute(&mut self, module: &Module) {
        let aggregated = self.aggregated(module);
        let import_missing = module
            .criteria
            .iter()
            .zip(&aggregated)
            .any(|(criterion, mark)| !criterion.is_judged() && mark.is_none());
        self.score = ModuleScore {
            score: module_score(module, &aggregated),
            provisional: import_missing || self.submitted.contains(&false),
        };
    }
}
