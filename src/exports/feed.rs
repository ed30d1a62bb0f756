//! The contest's event feed (in the spirit of the CLICS contest API event feed): every audit
//! event of the contest, oldest first, paged, resumable from a token.
//!
//! A token stands just after one event: `since=TOKEN` returns only events appended after it,
//! and each page's `next` is the token after its last event (or the given token again when
//! nothing is new), so a client that keeps the last `next` never misses or repeats an event.
//! The audit chain is append-only with consecutive sequence numbers, which is what makes that
//! hold; tokens are those numbers, but clients should treat them as opaque.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::redact::{redact_reason, redact_value};
use crate::error::ApiError;
use crate::store::audit::AuditEvent;

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    /// Oldest first.
    pub events: Vec<FeedEvent>,
    /// Pass as `since` to get what happened after these events.
    pub next: String,
    /// More events wait beyond this page: ask again with `next` at once.
    pub has_more: bool,
    /// Whether names may appear in `data` (docs/exports.md, "Names").
    pub names_shown: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEvent {
    /// The audit event's id.
    pub id: String,
    /// The token just after this event.
    pub token: String,
    /// The audited action, e.g. `sheet.submit`, `module.lock`, `board.reveal`.
    #[serde(rename = "type")]
    pub kind: String,
    pub time: DateTime<Utc>,
    pub data: FeedData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedData {
    /// Position in the contest's audit chain.
    pub seq: i64,
    /// `user:NAME`, `judge:ID:NAME`, `public`, …
    pub actor: String,
    /// What was acted on: `contest:SLUG`, `team:ID`, `sheet:ID`, …
    pub subject: String,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    pub reason: Option<String>,
    /// The event's hash in the chain (verify with `GET …/audit/verify`).
    pub hash: String,
}

/// The token after the event with sequence number `seq` (0: before every event).
pub fn token(seq: i64) -> String {
    seq.to_string()
}

/// Reads a `since` token; none or empty means "from the start".
pub fn parse_token(text: Option<&str>) -> Result<i64, ApiError> {
    match text.map(str::trim) {
        None | Some("") => Ok(0),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|seq| *seq >= 0)
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "feed.bad_token",
                    "`since` must be a token from an earlier page's `next`.",
                )
            }),
    }
}

/// The page size asked for, within 1..=MAX_LIMIT.
pub fn limit(asked: Option<u32>) -> u32 {
    asked.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

/// A page from `events` (the chain after `since`, in order, at most `limit + 1` of them: one
/// more than fits says there are more).
pub fn page(
    mut events: Vec<AuditEvent>,
    since: i64,
    limit: u32,
    names_shown: bool,
) -> Result<FeedPage, ApiError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let has_more = events.len() > limit;
    events.truncate(limit);
    let next = token(events.last().map_or(since, |e| e.seq));
    let events = events
        .iter()
        .map(|event| feed_event(event, names_shown))
        .collect::<Result<_, ApiError>>()?;
    Ok(FeedPage {
        events,
        next,
        has_more,
        names_shown,
    })
}

fn feed_event(event: &AuditEvent, names_shown: bool) -> Result<FeedEvent, ApiError> {
    let record = event.record()?;
    let redacted = |value: Option<Value>| {
        value.map(|mut value| {
            redact_value(&record.action, &mut value, names_shown);
            value
        })
    };
    Ok(FeedEvent {
        id: event.id.clone(),
        token: token(record.seq),
        time: record.at.and_utc(),
        data: FeedData {
            seq: record.seq,
            before: redacted(record.before.clone()),
            after: redacted(record.after.clone()),
            reason: redact_reason(&record.action, record.reason.clone(), names_shown),
            actor: record.actor,
            subject: record.subject,
            hash: event.hash.clone(),
        },
        kind: record.action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_read_back_and_bad_ones_are_refused() {
        assert_eq!(parse_token(None).unwrap(), 0);
        assert_eq!(parse_token(Some("")).unwrap(), 0);
        assert_eq!(parse_token(Some(&token(42))).unwrap(), 42);
        for bad in ["-1", "abc", "1.5"] {
            let error = parse_token(Some(bad)).unwrap_err();
            assert_eq!(error.code(), "feed.bad_token", "{bad}");
        }
    }

    #[test]
    fn the_page_size_stays_within_bounds() {
        assert_eq!(limit(None), DEFAULT_LIMIT);
        assert_eq!(limit(Some(0)), 1);
        assert_eq!(limit(Some(5_000)), MAX_LIMIT);
    }
}
