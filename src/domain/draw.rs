//! The draw (DESIGN §2 Team): distinct station numbers and distinct anonymous codes for the
//! checked-in teams, drawn with a cryptographically secure generator so nobody can predict or
//! reproduce them.

use std::collections::HashSet;

use rand::seq::SliceRandom;
use rand::{CryptoRng, Rng, RngCore};

use super::team_code::{TeamCode, CODE_ALPHABET, CODE_LENGTH};

/// What one team drew.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnSlot {
    /// 1-based station number; the draw's stations are a permutation of `1..=n`.
    pub station: u32,
    pub code: TeamCode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("not enough unused team codes left for {requested} teams")]
    NotEnoughCodes { requested: usize },
}

impl DrawError {
    pub fn code(&self) -> &'static str {
        match self {
            DrawError::NotEnoughCodes { .. } => "draw.not_enough_codes",
        }
    }
}

/// Draws for `team_count` teams: slot `i` is for the `i`-th team the caller listed. Stations
/// are a uniformly random permutation of `1..=team_count`; codes are uniformly random, distinct
/// within the draw and distinct from every code in `avoid` (e.g. those of an earlier draw).
///
/// Codes are drawn by rejection, so the draw refuses to fill more than half of the 390,625
/// possible codes (with `avoid`): that keeps the expected number of tries per code below two.
pub fn draw<R: RngCore + CryptoRng>(
    rng: &mut R,
    team_count: usize,
    avoid: &HashSet<String>,
) -> Result<Vec<DrawnSlot>, DrawError> {
    let not_enough = DrawError::NotEnoughCodes {
        requested: team_count,
    };
    let space = CODE_ALPHABET.len().pow(CODE_LENGTH as u32);
    if team_count.saturating_add(avoid.len()) > space / 2 {
        return Err(not_enough);
    }
    let last_station = u32::try_from(team_count).map_err(|_| not_enough)?;
    let mut stations: Vec<u32> = (1..=last_station).collect();
    stations.shuffle(rng);

    let mut taken: HashSet<TeamCode> = HashSet::with_capacity(team_count);
    let mut slots = Vec::with_capacity(team_count);
    for station in stations {
        let code = loop {
            let candidate = random_code(rng).ok_or(not_enough)?;
            if !avoid.contains(candidate.as_str()) && !taken.contains(&candidate) {
                break candidate;
            }
        };
        taken.insert(code.clone());
        slots.push(DrawnSlot { station, code });
    }
    Ok(slots)
}

fn random_code<R: RngCore + CryptoRng>(rng: &mut R) -> Option<TeamCode> {
    let mut indexes = [0usize; CODE_LENGTH];
    for index in &mut indexes {
        // `gen_range` is unbiased (it rejects rather than taking a modulo).
        *index = rng.gen_range(0..CODE_ALPHABET.len());
    }
    TeamCode::from_alphabet_indexes(indexes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn rng(seed: u64) -> StdRng {
        StdRng::seed_from_u64(seed)
    }

    fn drawn(seed: u64, teams: usize, avoid: &HashSet<String>) -> Vec<DrawnSlot> {
        draw(&mut rng(seed), teams, avoid).unwrap_or_default()
    }

    #[test]
    fn stations_are_a_permutation_of_one_to_n() {
        for seed in 0..20 {
            let mut stations: Vec<u32> = drawn(seed, 57, &HashSet::new())
                .iter()
                .map(|s| s.station)
                .collect();
            stations.sort_unstable();
            assert_eq!(stations, (1..=57).collect::<Vec<u32>>());
        }
    }

    #[test]
    fn stations_are_shuffled() {
        let stations: Vec<u32> = drawn(7, 57, &HashSet::new())
            .iter()
            .map(|s| s.station)
            .collect();
        assert_ne!(stations, (1..=57).collect::<Vec<u32>>());
    }

    #[test]
    fn codes_are_unique_and_well_formed_over_many_draws() {
        for seed in 0..30 {
            let slots = drawn(seed, 2_000, &HashSet::new());
            let codes: HashSet<&str> = slots.iter().map(|s| s.code.as_str()).collect();
            assert_eq!(codes.len(), 2_000);
            assert!(codes.iter().all(|c| TeamCode::parse(c).is_ok()));
        }
    }

    #[test]
    fn every_alphabet_character_turns_up_in_every_position() {
        let slots = drawn(3, 5_000, &HashSet::new());
        for position in 0..CODE_LENGTH {
            let seen: HashSet<u8> = slots
                .iter()
                .map(|s| s.code.as_str().as_bytes()[position])
                .collect();
            assert_eq!(seen.len(), CODE_ALPHABET.len(), "position {position}");
        }
    }

    #[test]
    fn codes_to_avoid_are_never_drawn() {
        let avoid: HashSet<String> = drawn(11, 150_000, &HashSet::new())
            .into_iter()
            .map(|s| s.code.into())
            .collect();
        let slots = drawn(12, 40_000, &avoid);
        assert_eq!(slots.len(), 40_000);
        assert!(slots.iter().all(|s| !avoid.contains(s.code.as_str())));
    }

    #[test]
    fn a_draw_that_would_fill_over_half_the_codes_is_refused() {
        let refused = draw(&mut rng(1), 200_000, &HashSet::new());
        assert_eq!(
            refused,
            Err(DrawError::NotEnoughCodes { requested: 200_000 })
        );
    }

    #[test]
    fn nobody_to_draw_for_draws_nothing() {
        assert_eq!(draw(&mut rng(1), 0, &HashSet::new()), Ok(vec![]));
    }

    #[test]
    fn the_operating_system_generator_can_draw() {
        let slots = draw(&mut rand::rngs::OsRng, 10, &HashSet::new());
        assert_eq!(slots.map(|s| s.len()), Ok(10));
    }
}
