//! The check digit of an 18-character Chinese resident ID number (GB 11643-1999, ISO 7064
//! MOD 11-2).

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum modulo 11.
const CHECK_CHARACTERS: &[u8; 11] = b"10X98765432";

/// Whether `id` is 17 digits followed by the right check character (a digit or upper-case `X`).
pub(super) fn is_valid_resident_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    let Some((&check, body)) = bytes.split_last() else {
        return false;
    };
    if body.len() != WEIGHTS.len() || !body.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    CHECK_CHARACTERS[(sum % 11) as usize] == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_example_and_a_digit_checked_number_are_valid() {
        assert!(is_valid_resident_id("11010519491231002X"));
        assert!(is_valid_resident_id("440305200301150018"));
    }

    #[test]
    fn a_wrong_check_character_length_or_letter_is_invalid() {
        assert!(!is_valid_resident_id("110105194912310021"));
        assert!(!is_valid_resident_id("11010519491231002x"));
        assert!(!is_valid_resident_id("110105194912310"));
        assert!(!is_valid_resident_id("1101051949123100200"));
        assert!(!is_valid_resident_id("A1010519491231002X"));
        assert!(!is_valid_resident_id(""));
    }
}
