//! The API's one error type, rendered as `application/problem+json` (RFC 9457) with a stable
//! machine-readable `code` that clients (and the web pages' translations) key on.

use std::borrow::Cow;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// One problem with a request's input, for errors that list several (a form, an import file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name in the request (`title_en`, `modules[2].criteria[0].max_mark`).
    pub field: String,
    /// A stable code for this field's problem (`too_long`, `duplicate`).
    pub code: String,
    pub message: String,
    /// Line in an imported file, counting the header as line 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
            line: None,
        }
    }

    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }
}

/// An error the API answers with. Build it with the constructors; internal failures keep their
/// cause for the log and show the client only an opaque 500.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Cow<'static, str>,
    message: String,
    errors: Vec<FieldError>,
    internal: Option<String>,
    /// Seconds until a throttled client may try again, sent as `Retry-After`.
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            errors: Vec::new(),
            internal: None,
            retry_after: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// Input that failed validation, with one entry per problem (HTTP 422, `validation.failed`).
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let message = match errors.as_slice() {
            [only] => format!("{}: {}", only.field, only.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation.failed",
                message,
            )
        }
    }

    /// A failure that is ours, not the client's: logged in full, answered as an opaque 500.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            internal: Some(cause.to_string()),
            ..Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong on the server; the error was logged.",
            )
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    /// Tells the client when to try again (a 429 or 503).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.retry_after
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.status.as_u16(),
            self.code,
            self.message
        )?;
        if let Some(internal) = &self.internal {
            write!(f, " [{internal}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// The body of every error response (RFC 9457 members plus `code` and `errors`).
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(internal) = &self.internal {
            tracing::error!(code = %self.code, cause = %internal, "request failed");
        }
        let problem = Problem {
            kind: format!("urn:skillboard:problem:{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            detail: &self.message,
            code: &self.code,
            errors: &self.errors,
        };
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(problem)
    }
}

const RETRY_MESSAGE: &str =
    "The database set this change aside for a conflicting one; send it again.";

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &error {
            Error::NotFound => ApiError::not_found("not_found", "No such record."),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => ApiError::conflict(
                "conflict.duplicate",
                "A record with the same key already exists.",
            ),
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => ApiError::conflict(
                "conflict.reference",
                "The change refers to a record that does not exist or is still referred to.",
            ),
            // PostgreSQL gave up one of two transactions that waited on each other (40001, or
            // 40P01 which diesel does not name): nothing was saved, and sending it again works.
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::unavailable("database.retry", RETRY_MESSAGE)
            }
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().starts_with("deadlock detected") =>
            {
                ApiError::unavailable("database.retry", RETRY_MESSAGE)
            }
            // PostgreSQL text cannot hold a NUL character (22021), which JSON can ("\u0000");
            // SQLite stores it. The client sent it: a 422 on both, never a 500.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().starts_with("invalid byte sequence") =>
            {
                ApiError::unprocessable(
                    "request.invalid_text",
                    "The request holds a character text fields cannot store (NUL).",
                )
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                ApiError::unavailable("database.unavailable", "The database cannot be reached.")
            }
            _ => ApiError::internal(error),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(%error, "no database connection");
        ApiError::unavailable("database.unavailable", "The database cannot be reached.")
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::internal(error)
    }
}

/// Turns actix's own extractor failures (bad JSON, bad path or query) into problems.
pub mod extractors {
    use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
    use actix_web::{HttpRequest, HttpResponse};

    use super::ApiError;

    pub const MAX_JSON_BYTES: usize = 1024 * 1024;

    pub fn json_error(error: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
        let api_error = match &error {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                ApiError::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "request.too_large",
                    format!("The request body is larger than {} bytes.", MAX_JSON_BYTES),
                )
            }
            JsonPayloadError::ContentType => ApiError::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "request.unsupported_media_type",
                "Send the body as application/json.",
            ),
            JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::unprocessable(
                "request.invalid_json",
                format!("The JSON does not fit: {e}"),
            ),
            JsonPayloadError::Deserialize(e) => ApiError::bad_request(
                "request.malformed_json",
                format!("The body is not valid JSON: {e}"),
            ),
            JsonPayloadError::Payload(PayloadError::Overflow) => ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "request.too_large",
                format!("The request body is larger than {} bytes.", MAX_JSON_BYTES),
            ),
            other => ApiError::bad_request(
                "request.unreadable",
                format!("The body cannot be read: {other}"),
            ),
        };
        api_error.into()
    }

    pub fn path_error(error: PathError, _req: &HttpRequest) -> actix_web::Error {
        ApiError::not_found("route.bad_path", format!("No such resource: {error}")).into()
    }

    pub fn query_error(error: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
        ApiError::bad_request(
            "request.bad_query",
            format!("The query string does not fit: {error}"),
        )
        .into()
    }

    pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
        Err(ApiError::not_found(
            "route.not_found",
            format!("There is nothing at {} {}.", req.method(), req.path()),
        ))
    }
}
