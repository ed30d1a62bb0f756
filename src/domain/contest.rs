//! A contest's life cycle and public visibility (DESIGN §2).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `draft → registration → running → locked → published`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContestState {
    Draft,
    Registration,
    Running,
    Locked,
    Published,
}

impl ContestState {
    pub const ALL: [ContestState; 5] = [
        ContestState::Draft,
        ContestState::Registration,
        ContestState::Running,
        ContestState::Locked,
        ContestState::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContestState::Draft => "draft",
            ContestState::Registration => "registration",
            ContestState::Running => "running",
            ContestState::Locked => "locked",
            ContestState::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<ContestState> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// Whether `self → to` is legal: one step forward, or `locked → running` to reopen scoring
    /// (which needs a reason, see [`ContestState::needs_reason`]).
    pub fn can_move_to(self, to: ContestState) -> bool {
        use ContestState::*;
        matches!(
            (self, to),
            (Draft, Registration)
                | (Registration, Running)
                | (Running, Locked)
                | (Locked, Published)
                | (Locked, Running)
        )
    }

    /// Going back is an exception that the audit log must explain.
    pub fn needs_reason(self, to: ContestState) -> bool {
        to < self
    }

    /// Scoring has started: the marking scheme is frozen from here on.
    pub fn scoring_started(self) -> bool {
        self >= ContestState::Running
    }
}

/// Who sees what on the public board (DESIGN §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Only organizers see the board.
    Private,
    /// The public sees anonymous codes, names after the reveal.
    Codes,
    /// The public sees team names.
    Names,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Codes => "codes",
            Visibility::Names => "names",
        }
    }

    pub fn parse(text: &str) -> Option<Visibility> {
        [Visibility::Private, Visibility::Codes, Visibility::Names]
            .into_iter()
            .find(|v| v.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::ContestState::*;
    use super::*;

    #[test]
    fn a_contest_moves_forward_one_step_at_a_time() {
        assert!(Draft.can_move_to(Registration));
        assert!(Registration.can_move_to(Running));
        assert!(Running.can_move_to(Locked));
        assert!(Locked.can_move_to(Published));
        assert!(!Draft.can_move_to(Running), "no skipping");
        assert!(!Published.can_move_to(Locked), "published is final");
        assert!(!Running.can_move_to(Registration));
        for state in ContestState::ALL {
            assert!(!state.can_move_to(state), "{state:?} to itself");
        }
    }

    #[test]
    fn reopening_a_locked_contest_is_legal_but_needs_a_reason() {
        assert!(Locked.can_move_to(Running));
        assert!(Locked.needs_reason(Running));
        assert!(!Running.needs_reason(Locked));
    }

    #[test]
    fn states_and_visibilities_round_trip_through_text() {
        for state in ContestState::ALL {
            assert_eq!(ContestState::parse(state.as_str()), Some(state));
        }
        assert_eq!(ContestState::parse("finished"), None);
        assert_eq!(Visibility::parse("codes"), Some(Visibility::Codes));
        assert_eq!(Visibility::parse("public"), None);
    }
}
