//! Small text clean-ups shared by the sheet parsers.

/// Trims and collapses every run of inner whitespace (including the ideographic space U+3000
/// that Chinese input methods type) to one ASCII space.
pub fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Maps full-width ASCII forms (`１２３`, `Ｘ`, U+FF01..=U+FF5E) and the ideographic space to
/// their half-width forms; other characters pass through.
pub(super) fn to_half_width(text: &str) -> String {
    text.chars().map(half_width_char).collect()
}

fn half_width_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_trims_and_collapses_inner_whitespace_including_ideographic_spaces() {
        assert_eq!(clean("  张\u{3000}\u{3000}伟 \t li  "), "张 伟 li");
        assert_eq!(clean(" \u{3000} "), "");
    }

    #[test]
    fn full_width_digits_and_letters_become_half_width() {
        assert_eq!(to_half_width("１３８ｘＸ＋８６"), "138xX+86");
        assert_eq!(to_half_width("张伟"), "张伟");
    }
}
