//! Skillboard's rules, pure: no HTTP, no SQL, no I/O, no clock. The API parses requests into
//! these types at the edge, the store persists them, and the board hub asks the `Scoreboard`
//! for standings.
//!
//! | module | rule | DESIGN |
//! | --- | --- | --- |
//! | [`marks`] | `Mark`: points as integer hundredths, parsing and JSON | §2 |
//! | [`scheme`] | criterion kinds, what a level or value is worth, scheme validation | §2 |
//! | [`aggregation`] | mean, median, trimmed mean of the panel's marks | §3.1 |
//! | [`discrepancy`] | judges' judgement levels too far apart | §3.2 |
//! | [`scoring`] | module score (deductions, floor, weight), total, provisional | §3.3, §3.6 |
//! | [`ranking`] | total, tie-break modules, competition ranks | §3.4 |
//! | [`awards`] | award tiers by share, ties never split | §3.5 |
//! | [`standardised`] | WorldSkills-style 700-centred scores | §3.7 |
//! | [`board`] | the incremental scoreboard engine | §6 |
//! | [`team_code`], [`draw`](mod@draw) | anonymous codes, the CSPRNG draw of codes and stations | §2 Team |
//! | [`audit`] | the hash chain of audit records | §2 Audit event |
//! | [`contest`] | the contest's life cycle and public visibility | §2 Contest |
//! | [`identity`] | masking and validating ID numbers | §2 Team |

pub mod aggregation;
pub mod audit;
pub mod awards;
pub mod board;
pub mod contest;
pub mod discrepancy;
pub mod draw;
mod fixed_point;
pub mod identity;
pub mod marks;
pub mod ranking;
pub mod scheme;
pub mod scoring;
pub mod standardised;
pub mod team_code;

pub use aggregation::{aggregate, AggregationRule};
pub use audit::{record_hash, verify_chain, AuditRecord, BrokenLink, BrokenReason, GENESIS_HASH};
pub use awards::{AwardTier, AwardTiers, AwardTiersError};
pub use board::{BoardError, BoardModule, Scoreboard, SubmittedSheet};
pub use discrepancy::{find_discrepancies, Discrepancy, DiscrepantPair};
pub use draw::{draw, DrawError, DrawnSlot};
pub use identity::{mask_id_number, validate_resident_id};
pub use marks::{Mark, MarkError};
pub use ranking::{rank, Standing, TeamResult};
pub use scheme::{
    validate_scheme, Criterion, CriterionKind, MarkInput, Module, SchemeViolation, ViolationCode,
};
pub use scoring::{module_score, ModuleScore};
pub use standardised::{standardise, standardised_totals, StandardisedScores};
pub use team_code::{InvalidTeamCode, TeamCode};

#[cfg(test)]
mod worked_example;
