//! `TeamCode`: the anonymous code judges see instead of a team's name (DESIGN §2 Team).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Characters a code is made of: digits and capital letters except those easily misread on a
/// tablet or a printed sheet — 0/O, 1/I/L, 2/Z, 5/S, 8/B. 25 characters, so 4 of them give
/// 390,625 codes.
pub const CODE_ALPHABET: &str = "34679ACDEFGHJKMNPQRTUVWXY";

/// Characters in a code.
pub const CODE_LENGTH: usize = 4;

/// A well-formed anonymous team code: `CODE_LENGTH` characters of `CODE_ALPHABET`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TeamCode(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a team code is {CODE_LENGTH} characters from {CODE_ALPHABET}")]
pub struct InvalidTeamCode;

impl InvalidTeamCode {
    pub fn code(&self) -> &'static str {
        "team_code.invalid"
    }
}

impl TeamCode {
    /// Reads a code as a person types it: surrounding spaces and lower case are forgiven.
    pub fn parse(text: &str) -> Result<TeamCode, InvalidTeamCode> {
        let code = text.trim().to_ascii_uppercase();
        let well_formed =
            code.chars().count() == CODE_LENGTH && code.chars().all(|c| CODE_ALPHABET.contains(c));
        if well_formed {
            Ok(TeamCode(code))
        } else {
            Err(InvalidTeamCode)
        }
    }

    /// Builds a code from alphabet indexes; only the draw calls this, with indexes it drew
    /// below the alphabet's length.
    pub(crate) fn from_alphabet_indexes(indexes: [usize; CODE_LENGTH]) -> Option<TeamCode> {
        let alphabet = CODE_ALPHABET.as_bytes();
        indexes
            .iter()
            .map(|&i| alphabet.get(i).map(|&b| char::from(b)))
            .collect::<Option<String>>()
            .map(TeamCode)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TeamCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for TeamCode {
    type Error = InvalidTeamCode;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        TeamCode::parse(&text)
    }
}

impl From<TeamCode> for String {
    fn from(code: TeamCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_alphabet_leaves_out_every_misreadable_character() {
        for ambiguous in ['0', 'O', '1', 'I', 'L', '2', 'Z', '5', 'S', '8', 'B'] {
            assert!(!CODE_ALPHABET.contains(ambiguous), "{ambiguous}");
        }
        assert_eq!(CODE_ALPHABET.len(), 25);
    }

    #[test]
    fn a_typed_code_is_forgiven_spaces_and_lower_case() {
        assert_eq!(
            TeamCode::parse(" k7qx ").map(|c| c.to_string()),
            Ok("K7QX".into())
        );
    }

    #[test]
    fn codes_of_the_wrong_length_or_with_ambiguous_characters_are_refused() {
        for bad in [
            "", "K7Q", "K7QXA", "K0QX", "KOQX", "K7Q1", "K7QS", "K7Q-", "K7Q中",
        ] {
            assert_eq!(TeamCode::parse(bad), Err(InvalidTeamCode), "{bad:?}");
        }
    }

    #[test]
    fn a_code_reads_and_writes_as_a_json_string() {
        let code = serde_json::from_str::<TeamCode>("\"k7qx\"").ok();
        assert_eq!(code.map(String::from).as_deref(), Some("K7QX"));
        assert!(serde_json::from_str::<TeamCode>("\"K0QX\"").is_err());
    }
}
