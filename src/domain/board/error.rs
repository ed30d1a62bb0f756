//! Why the scoreboard refused a change; `code()` is the stable machine code.

use uuid::Uuid;

use crate::domain::marks::Mark;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BoardError {
    #[error("team {0} is not on this board")]
    UnknownTeam(Uuid),
    #[error("team {0} is already on this board")]
    DuplicateTeam(Uuid),
    #[error("there is no module number {0}")]
    UnknownModule(usize),
    #[error("judge {judge} is not on the panel of module {module}")]
    JudgeNotOnPanel { module: usize, judge: Uuid },
    #[error("judge {judge} appears twice on the panel of module {module}")]
    DuplicateJudge { module: usize, judge: Uuid },
    #[error("module {module} has no criterion number {criterion}")]
    UnknownCriterion { module: usize, criterion: usize },
    #[error("criterion {criterion} of module {module} is imported, not marked by judges")]
    CriterionNotJudged { module: usize, criterion: usize },
    #[error("criterion {criterion} of module {module} is marked by judges, not imported")]
    CriterionNotImported { module: usize, criterion: usize },
    #[error("criterion {criterion} appears twice in one sheet")]
    DuplicateCriterion { criterion: usize },
    #[error("{mark} is not a possible mark for criterion {criterion} of module {module}")]
    MarkOutOfRange {
        module: usize,
        criterion: usize,
        mark: Mark,
    },
}

impl BoardError {
    pub fn code(&self) -> &'static str {
        match self {
            BoardError::UnknownTeam(_) => "board.unknown_team",
            BoardError::DuplicateTeam(_) => "board.duplicate_team",
            BoardError::UnknownModule(_) => "board.unknown_module",
            BoardError::JudgeNotOnPanel { .. } => "board.judge_not_on_panel",
            BoardError::DuplicateJudge { .. } => "board.duplicate_judge",
            BoardError::UnknownCriterion { .. } => "board.unknown_criterion",
            BoardError::CriterionNotJudged { .. } => "board.criterion_not_judged",
            BoardError::CriterionNotImported { .. } => "board.criterion_not_imported",
            BoardError::DuplicateCriterion { .. } => "board.duplicate_criterion",
            BoardError::MarkOutOfRange { .. } => "mark.out_of_range",
        }
    }
}
