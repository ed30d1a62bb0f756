//! Award tiers by share of ranked teams (DESIGN §3.5): by default first prize to 10 %, second
//! to 20 %, third to 30 %, a tie never split across a boundary.

use serde::{Deserialize, Serialize};

use super::fixed_point::div_round_half_up;
use super::ranking::Standing;

/// 100 % in basis points.
const ALL_BASIS_POINTS: u32 = 10_000;

/// Default shares: first 10 %, second 20 %, third 30 % (DESIGN §3.5).
const DEFAULT_SHARES: [u16; 3] = [1_000, 2_000, 3_000];

/// An award tier, 1 for the best (first prize). Serialised as that number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AwardTier(u8);

impl AwardTier {
    /// 1 for first prize, 2 for second, …
    pub fn number(self) -> u8 {
        self.0
    }
}

/// Why a list of shares cannot be award tiers; `code()` is the stable machine code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AwardTiersError {
    #[error("every tier needs a share above 0 %")]
    ShareNotPositive,
    #[error("the tiers together cover more than 100 % of the teams")]
    OverOneHundredPercent,
    #[error("at most 255 tiers")]
    TooManyTiers,
}

impl AwardTiersError {
    pub fn code(&self) -> &'static str {
        match self {
            AwardTiersError::ShareNotPositive => "award_tiers.share_not_positive",
            AwardTiersError::OverOneHundredPercent => "award_tiers.over_100_percent",
            AwardTiersError::TooManyTiers => "award_tiers.too_many",
        }
    }
}

/// The award rule: each tier's share of the ranked teams, in basis points (1 % = 100), best
/// tier first. Over JSON a list of basis points, `[1000, 2000, 3000]` by default.
///
/// Tiers are cumulative cut-offs over the `n` ranked teams: tier `k` reaches down to position
/// `round_half_up(n × (share₁ + … + shareₖ) / 100 %)`. A team gets the best tier whose cut-off
/// its competition *rank* does not exceed, so teams tied across a boundary all get the better
/// tier, and the tiers after it shrink by as much.
///
/// Example, 10 teams with the default 10/20/30 %: cut-offs 1, 3 and 6.
/// Ranks `1 1 3 3 3 6 7 8 9 10` get tiers `1 1 2 2 2 3 – – – –`: both teams tied first get first
/// prize, the three tied at rank 3 (positions 3 to 5) all get second although the cut-off is 3,
/// and rank 6 still gets third. With a single team the cut-offs are 0, 0 and 1: it gets third.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<u16>", into = "Vec<u16>")]
pub struct AwardTiers {
    shares: Vec<u16>,
}

impl Default for AwardTiers {
    fn default() -> Self {
        AwardTiers {
            shares: DEFAULT_SHARES.to_vec(),
        }
    }
}

impl TryFrom<Vec<u16>> for AwardTiers {
    type Error = AwardTiersError;

    fn try_from(shares: Vec<u16>) -> Result<Self, Self::Error> {
        AwardTiers::new(shares)
    }
}

impl From<AwardTiers> for Vec<u16> {
    fn from(tiers: AwardTiers) -> Self {
        tiers.shares
    }
}

impl AwardTiers {
    /// Tiers from shares in basis points, best first; none at all means no awards.
    pub fn new(shares_basis_points: Vec<u16>) -> Result<Self, AwardTiersError> {
        if shares_basis_points.len() > usize::from(u8::MAX) {
            return Err(AwardTiersError::TooManyTiers);
        }
        if shares_basis_points.contains(&0) {
            return Err(AwardTiersError::ShareNotPositive);
        }
        let covered: u32 = shares_basis_points.iter().map(|&s| u32::from(s)).sum();
        if covered > ALL_BASIS_POINTS {
            return Err(AwardTiersError::OverOneHundredPercent);
        }
        Ok(AwardTiers {
            shares: shares_basis_points,
        })
    }

    pub fn shares_basis_points(&self) -> &[u16] {
        &self.shares
    }

    /// The last position each tier reaches down to among `ranked` teams, best tier first.
    pub fn cutoffs(&self, ranked: usize) -> Vec<usize> {
        let ranked = i128::try_from(ranked).unwrap_or(i128::MAX);
        let mut cumulative: u32 = 0;
        self.shares
            .iter()
            .map(|&share| {
                cumulative += u32::from(share);
                let cutoff = ranked
                    .checked_mul(i128::from(cumulative))
                    .and_then(|reach| div_round_half_up(reach, i128::from(ALL_BASIS_POINTS)));
                cutoff
                    .and_then(|c| usize::try_from(c).ok())
                    .unwrap_or(usize::MAX)
            })
            .collect()
    }

    /// The tier a team of competition rank `rank` earns among `ranked` teams, if any.
    pub fn tier_for_rank(&self, rank: usize, ranked: usize) -> Option<AwardTier> {
        tier_within(&self.cutoffs(ranked), rank)
    }

    /// Sets `award` on every standing, treating all of them as the ranked teams.
    pub fn assign(&self, standings: &mut [Standing]) {
        let cutoffs = self.cutoffs(standings.len());
        for standing in standings {
            standing.award = tier_within(&cutoffs, standing.rank);
        }
    }
}

fn tier_within(cutoffs: &[usize], rank: usize) -> Option<AwardTier> {
    let index = cutoffs.iter().position(|&cutoff| rank <= cutoff)?;
    // `new` caps the tier count at 255, so index + 1 fits a u8.
    u8::try_from(index + 1).ok().map(AwardTier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::marks::Mark;
    use uuid::Uuid;

    fn standings_with_ranks(ranks: &[usize]) -> Vec<Standing> {
        ranks
            .iter()
            .enumerate()
            .map(|(n, &rank)| Standing {
                rank,
                award: None,
                team: Uuid::from_u128(n as u128),
                total: Mark::ZERO,
                modules: vec![],
                provisional: false,
            })
            .collect()
    }

    /// The tier numbers `assign` gives to standings with these ranks (0 for no award).
    fn tiers_for(tiers: &AwardTiers, ranks: &[usize]) -> Vec<u8> {
        let mut standings = standings_with_ranks(ranks);
        tiers.assign(&mut standings);
        standings
            .iter()
            .map(|s| s.award.map_or(0, AwardTier::number))
            .collect()
    }

    #[test]
    fn ten_distinct_teams_get_one_first_two_seconds_three_thirds() {
        let ranks: Vec<usize> = (1..=10).collect();
        assert_eq!(
            tiers_for(&AwardTiers::default(), &ranks),
            vec![1, 2, 2, 3, 3, 3, 0, 0, 0, 0]
        );
    }

    #[test]
    fn a_tie_at_a_boundary_gets_the_better_tier() {
        let ranks = [1, 1, 3, 3, 3, 6, 7, 8, 9, 10];
        assert_eq!(
            tiers_for(&AwardTiers::default(), &ranks),
            vec![1, 1, 2, 2, 2, 3, 0, 0, 0, 0]
        );
    }

    #[test]
    fn a_tie_just_past_the_last_cutoff_gets_no_award() {
        // Cut-off for third is position 6; a team at rank 7 is out whatever ties follow.
        let ranks = [1, 2, 3, 4, 5, 6, 7, 7, 9, 10];
        assert_eq!(
            tiers_for(&AwardTiers::default(), &ranks),
            vec![1, 2, 2, 3, 3, 3, 0, 0, 0, 0]
        );
    }

    #[test]
    fn a_single_team_gets_the_tier_whose_cutoff_rounds_up_to_it() {
        assert_eq!(AwardTiers::default().cutoffs(1), vec![0, 0, 1]);
        assert_eq!(tiers_for(&AwardTiers::default(), &[1]), vec![3]);
    }

    #[test]
    fn thirty_teams_split_three_six_nine() {
        let ranks: Vec<usize> = (1..=30).collect();
        let tiers = tiers_for(&AwardTiers::default(), &ranks);
        let count = |tier| tiers.iter().filter(|&&t| t == tier).count();
        assert_eq!((count(1), count(2), count(3), count(0)), (3, 6, 9, 12));
    }

    #[test]
    fn cutoffs_round_half_up() {
        // 15 teams: 1.5 → 2, 4.5 → 5, 9 → 9.
        assert_eq!(AwardTiers::default().cutoffs(15), vec![2, 5, 9]);
    }

    #[test]
    fn when_all_are_tied_all_get_first_prize() {
        assert_eq!(tiers_for(&AwardTiers::default(), &[1; 30]), vec![1; 30]);
    }

    #[test]
    fn no_teams_no_awards() {
        assert_eq!(tiers_for(&AwardTiers::default(), &[]), Vec::<u8>::new());
    }

    #[test]
    fn tier_for_rank_agrees_with_assign() {
        let tiers = AwardTiers::default();
        assert_eq!(tiers.tier_for_rank(3, 10).map(AwardTier::number), Some(2));
        assert_eq!(tiers.tier_for_rank(7, 10), None);
    }

    #[test]
    fn shares_must_be_positive_and_cover_at_most_everyone() {
        assert_eq!(
            AwardTiers::new(vec![1000, 0]),
            Err(AwardTiersError::ShareNotPositive)
        );
        assert_eq!(
            AwardTiers::new(vec![5000, 5001]),
            Err(AwardTiersError::OverOneHundredPercent)
        );
        assert!(AwardTiers::new(vec![5000, 5000]).is_ok());
        assert!(AwardTiers::new(vec![]).is_ok());
    }

    #[test]
    fn tiers_read_and_write_as_a_list_of_basis_points() {
        let json = serde_json::to_string(&AwardTiers::default()).ok();
        assert_eq!(json.as_deref(), Some("[1000,2000,3000]"));
        assert!(serde_json::from_str::<AwardTiers>("[6000,6000]").is_err());
    }
}
