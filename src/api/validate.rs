//! Field checks shared by the handlers; each failure names the field and has a stable code.

use crate::error::{ApiError, FieldError};

/// Collects field errors so a request reports all of its problems at once.
#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Trims `value` and checks its length in characters; returns the trimmed text.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        match text(field, value, min, max) {
            Ok(text) => text,
            Err(error) => {
                self.errors.extend(error.errors().iter().cloned());
                String::new()
            }
        }
    }

    pub fn push(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    pub fn extend(&mut self, errors: impl IntoIterator<Item = FieldError>) {
        self.errors.extend(errors);
    }

    /// `Ok` when nothing failed, else one 422 listing every failure.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

/// A required text field: trimmed, between `min` and `max` characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, ApiError> {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    let problem = if length < min {
        Some(if length == 0 {
            FieldError::new(field, "required", format!("{field} must not be empty"))
        } else {
            FieldError::new(
                field,
                "too_short",
                format!("{field} needs at least {min} characters"),
            )
        })
    } else if length > max {
        Some(too_long(field, max))
    } else if trimmed.chars().any(char::is_control) {
        Some(FieldError::new(
            field,
            "control_characters",
            format!("{field} contains control characters"),
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(ApiError::validation(vec![problem])),
        None => Ok(trimmed.to_owned()),
    }
}

/// A field taken as sent (a password, a link token) that is refused when longer than any real
/// one could be, before anything else spends time on it: the byte length is checked first, so
/// a huge value is not walked character by character.
pub fn at_most(field: &str, value: &str, max_chars: usize) -> Result<(), ApiError> {
    if value.len() > max_chars * 4 || value.chars().count() > max_chars {
        return Err(ApiError::validation(vec![too_long(field, max_chars)]));
    }
    Ok(())
}

fn too_long(field: &str, max: usize) -> FieldError {
    FieldError::new(
        field,
        "too_long",
        format!("{field} may have at most {max} characters"),
    )
}

/// A URL slug: 2–40 characters of lowercase ASCII letters, digits and inner hyphens.
pub fn slug(field: &str, value: &str) -> Result<String, ApiError> {
    let ok = (2..=40).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ApiError::validation(vec![FieldError::new(
            field,
            "invalid_slug",
            "use 2–40 lowercase letters, digits and hyphens, e.g. ecommerce-2026",
        )]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters_not_bytes() {
        assert_eq!(text("name", "  电子商务  ", 1, 4).unwrap(), "电子商务");
        assert_eq!(
            text("name", "电子商务运营", 1, 4).unwrap_err().errors()[0].code,
            "too_long"
        );
        assert_eq!(
            text("name", "   ", 1, 4).unwrap_err().errors()[0].code,
            "required"
        );
        assert_eq!(
            text("name", "a\u{7}b", 1, 4).unwrap_err().errors()[0].code,
            "control_characters"
        );
    }

    #[test]
    fn slugs_are_lowercase_words_with_hyphens() {
        assert!(slug("slug", "ecommerce-2026").is_ok());
        for bad in ["E-commerce", "-x", "x-", "a", "with space", "电商"] {
            assert!(slug("slug", bad).is_err(), "{bad}");
        }
    }
}
