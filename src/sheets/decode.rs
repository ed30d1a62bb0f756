//! Bytes of a text file to a string, in the encodings spreadsheets are saved in here: UTF-8 with
//! or without BOM, GB18030 (a superset of GBK: Excel's "CSV" on Chinese Windows), UTF-16
//! with a BOM (Excel's "Unicode text").

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

use super::table::TableError;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16LE_BOM: &[u8] = b"\xFF\xFE";
const UTF16BE_BOM: &[u8] = b"\xFE\xFF";

/// Undecodable bytes are an error, never replaced: a name with a `�` in it would be imported
/// and printed on certificates.
pub(super) fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, TableError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|_| TableError::BadEncoding);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16LE_BOM) {
        return decode_strictly(UTF_16LE, rest);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16BE_BOM) {
        return decode_strictly(UTF_16BE, rest);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => decode_strictly(GB18030, bytes),
    }
}

fn decode_strictly<'a>(
    encoding: &'static Encoding,
    bytes: &'a [u8],
) -> Result<Cow<'a, str>, TableError> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or(TableError::BadEncoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_read_with_or_without_its_bom() {
        assert_eq!(decode_text("张伟".as_bytes()).unwrap(), "张伟");
        assert_eq!(decode_text(b"\xEF\xBB\xBF\xE5\xBC\xA0").unwrap(), "张");
    }

    #[test]
    fn gbk_bytes_are_decoded_as_gb18030() {
        // "张伟" in GBK.
        assert_eq!(decode_text(b"\xD5\xC5\xCE\xB0").unwrap(), "张伟");
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        assert_eq!(decode_text(b"\xFF\xFE\x20\x5F\x1F\x4F").unwrap(), "张伟");
        assert_eq!(decode_text(b"\xFE\xFF\x5F\x20\x4F\x1F").unwrap(), "张伟");
    }

    #[test]
    fn bytes_that_no_encoding_accepts_are_an_error_not_replacement_characters() {
        assert_eq!(decode_text(b"\xD5\xC5\xFF"), Err(TableError::BadEncoding));
        assert_eq!(
            decode_text(b"\xEF\xBB\xBF\xD5\xC5"),
            Err(TableError::BadEncoding)
        );
        assert_eq!(
            decode_text(b"\xFF\xFE\x00\xD8"),
            Err(TableError::BadEncoding)
        );
    }
}
