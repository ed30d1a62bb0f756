//! Contestants' ID numbers (DESIGN §2 Team: "optional ID number stored masked"): masking for
//! storage and display, and validation of a Chinese resident identity number (GB 11643).

use chrono::NaiveDate;

/// Characters of a resident ID number.
const RESIDENT_ID_CHARS: usize = 18;

/// Leading and trailing characters a masked resident ID keeps.
const RESIDENT_ID_KEEP_START: usize = 3;
const RESIDENT_ID_KEEP_END: usize = 4;

/// Trailing characters a masked ID of any other length keeps.
const OTHER_ID_KEEP_END: usize = 2;

/// ISO 7064 MOD 11-2 weights of the first 17 digits (GB 11643).
const CHECK_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character for each weighted sum modulo 11.
const CHECK_CHARACTERS: [u8; 11] = *b"10X98765432";

/// Earliest birth year taken as plausible.
const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// Masks an ID number for storage and display. An 18-character number keeps its first 3 and
/// last 4 characters (`110***********002X`: region and check digit stay recognisable); any
/// other length keeps only its last 2, and a string of 4 characters or fewer is masked
/// entirely, so at least half of it is always hidden. Counts characters, not bytes.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let (keep_start, keep_end) = match chars.len() {
        RESIDENT_ID_CHARS => (RESIDENT_ID_KEEP_START, RESIDENT_ID_KEEP_END),
        n if n > 2 * OTHER_ID_KEEP_END => (0, OTHER_ID_KEEP_END),
        _ => (0, 0),
    };
    let masked_end = chars.len() - keep_end;
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < keep_start || i >= masked_end {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Checks a Chinese resident identity number: 18 characters, 17 digits then a digit or `X`
/// (`x` accepted), a birth date (characters 7–14, `YYYYMMDD`) that exists and is not before
/// 1900, and the ISO 7064 MOD 11-2 check character. The error is a stable machine code.
/// Use `validate_resident_id_on` to also refuse birth dates after a given day.
pub fn validate_resident_id(id: &str) -> Result<(), &'static str> {
    birth_date(id).map(|_| ())
}

/// `validate_resident_id`, also refusing a birth date after `today`.
pub fn validate_resident_id_on(id: &str, today: NaiveDate) -> Result<(), &'static str> {
    if birth_date(id)? > today {
        return Err("resident_id.bad_birth_date");
    }
    Ok(())
}

/// Validates everything but the upper bound of the birth date, and returns the birth date.
fn birth_date(id: &str) -> Result<NaiveDate, &'static str> {
    let bytes = id.as_bytes();
    if id.chars().count() != RESIDENT_ID_CHARS || bytes.len() != RESIDENT_ID_CHARS {
        return Err("resident_id.bad_length");
    }
    let (body, check) = bytes.split_at(RESIDENT_ID_CHARS - 1);
    let check = check.first().map(u8::to_ascii_uppercase);
    if !body.iter().all(u8::is_ascii_digit)
        || !check.is_some_and(|c| c.is_ascii_digit() || c == b'X')
    {
        return Err("resident_id.bad_characters");
    }
    let weighted: u32 = body
        .iter()
        .zip(CHECK_WEIGHTS)
        .map(|(&digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    if check != CHECK_CHARACTERS.get((weighted % 11) as usize).copied() {
        return Err("resident_id.bad_check_digit");
    }
    let number = |range: std::ops::Range<usize>| -> u32 {
        body[range]
            .iter()
            .fold(0, |n, &d| n * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(number(6..10)).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, number(10..12), number(12..14))
        .filter(|_| year >= EARLIEST_BIRTH_YEAR)
        .ok_or("resident_id.bad_birth_date")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample number of the GB 11643 standard.
    const SAMPLE: &str = "11010519491231002X";

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_resident_id_keeps_its_first_three_and_last_four_characters() {
        assert_eq!(mask_id_number(SAMPLE), "110***********002X");
    }

    #[test]
    fn other_ids_keep_only_their_last_two_characters() {
        assert_eq!(mask_id_number("E12345678"), "*******78");
        assert_eq!(mask_id_number("护照E1234"), "*****34");
    }

    #[test]
    fn very_short_ids_are_masked_entirely() {
        assert_eq!(mask_id_number("1234"), "****");
        assert_eq!(mask_id_number("12"), "**");
        assert_eq!(mask_id_number(""), "");
    }

    #[test]
    fn the_standard_sample_is_valid() {
        assert_eq!(validate_resident_id(SAMPLE), Ok(()));
        assert_eq!(validate_resident_id("110101200002290018"), Ok(()));
    }

    #[test]
    fn a_lower_case_check_x_is_accepted() {
        assert_eq!(validate_resident_id("11010519491231002x"), Ok(()));
    }

    #[test]
    fn a_wrong_length_is_refused() {
        for id in [
            "",
            "11010519491231002",
            "11010519491231002XX",
            "１1010519491231002X",
        ] {
            assert_eq!(
                validate_resident_id(id),
                Err("resident_id.bad_length"),
                "{id:?}"
            );
        }
    }

    #[test]
    fn letters_other_than_a_final_x_are_refused() {
        for id in [
            "1101051949123100XX",
            "11010519491231002Y",
            "A1010519491231002X",
        ] {
            assert_eq!(
                validate_resident_id(id),
                Err("resident_id.bad_characters"),
                "{id:?}"
            );
        }
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        assert_eq!(
            validate_resident_id("110105194912310021"),
            Err("resident_id.bad_check_digit")
        );
        // A single mistyped digit in the body.
        assert_eq!(
            validate_resident_id("11010519491231012X"),
            Err("resident_id.bad_check_digit")
        );
    }

    #[test]
    fn a_birth_date_that_does_not_exist_or_is_too_early_is_refused() {
        // 1900-02-29 does not exist; 1880-01-01 is before 1900. Both carry a valid check digit.
        assert_eq!(
            validate_resident_id("110101190002290011"),
            Err("resident_id.bad_birth_date")
        );
        assert_eq!(
            validate_resident_id("440524188001010014"),
            Err("resident_id.bad_birth_date")
        );
    }

    #[test]
    fn a_birth_date_after_today_is_refused_when_today_is_known() {
        let future = "110101209912310015";
        assert_eq!(validate_resident_id(future), Ok(()));
        assert_eq!(
            validate_resident_id_on(future, day(2025, 5, 20)),
            Err("resident_id.bad_birth_date")
        );
        assert_eq!(validate_resident_id_on(SAMPLE, day(2025, 5, 20)), Ok(()));
    }
}
