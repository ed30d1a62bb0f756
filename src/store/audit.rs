//! Appending to and reading the audit chains. Every change to a contest appends one event in
//! the same transaction as the change itself, so the log never misses a committed change.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::connection::on_backend;
use super::schema::audit_events;
use super::DbConnection;
use crate::domain::audit::{record_hash, AuditRecord, GENESIS_HASH};
use crate::error::ApiError;

/// The chain for events that belong to no contest (accounts, organizations).
pub const GLOBAL_CHAIN: &str = "global";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: String,
    pub chain: String,
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    pub fn record(&self) -> Result<AuditRecord, ApiError> {
        let parse = |json: &Option<String>| -> Result<Option<serde_json::Value>, ApiError> {
            json.as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(ApiError::internal)
        };
        Ok(AuditRecord {
            seq: self.seq,
            at: self.at,
            actor: self.actor.clone(),
            action: self.action.clone(),
            subject: self.subject.clone(),
            before: parse(&self.before_json)?,
            after: parse(&self.after_json)?,
            reason: self.reason.clone(),
        })
    }
}

/// An event about to be appended; build it with [`Entry::new`] and the setters.
pub struct Entry<'a> {
    chain: &'a str,
    actor: &'a str,
    action: &'a str,
    subject: &'a str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    reason: Option<String>,
}

impl<'a> Entry<'a> {
    /// `chain` is the contest id (or [`GLOBAL_CHAIN`]); `action` a dotted verb such as
    /// `contest.state`; `subject` what it acted on (`contest:ecommerce-2026`).
    pub fn new(chain: &'a str, actor: &'a str, action: &'a str, subject: &'a str) -> Self {
        Self {
            chain,
            actor,
            action,
            subject,
            before: None,
            after: None,
            reason: None,
        }
    }

    pub fn before(mut self, value: &impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: &impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }

    pub fn reason(mut self, reason: Option<&str>) -> Self {
        self.reason = reason.map(str::to_owned);
        self
    }
}

/// Appends `entry` to its chain. Call inside the transaction that makes the change. The unique
/// (chain, seq) key turns a concurrent append on another node into a conflict, not a fork.
pub fn append(conn: &mut DbConnection, entry: Entry<'_>) -> Result<AuditEvent, ApiError> {
    let last: Option<(i64, String)> = on_backend!(conn, |conn| audit_events::table
        .filter(audit_events::chain.eq(entry.chain))
        .order(audit_events::seq.desc())
        .select((audit_events::seq, audit_events::hash))
        .first(conn)
        .optional())?;
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    // Hash what will be read back: the time at the precision the database keeps.
    let at = super::now();
    let record = AuditRecord {
        seq,
        at,
        actor: entry.actor.to_owned(),
        action: entry.action.to_owned(),
        subject: entry.subject.to_owned(),
        before: entry.before,
        after: entry.after,
        reason: entry.reason,
    };
    let hash = record_hash(&prev_hash, &record);
    let event = AuditEvent {
        id: super::time_ordered_id(),
        chain: entry.chain.to_owned(),
        seq,
        at,
        actor: record.actor,
        action: record.action,
        subject: record.subject,
        before_json: record.before.map(|v| v.to_string()),
        after_json: record.after.map(|v| v.to_string()),
        reason: record.reason,
        prev_hash,
        hash,
    };
    insert(conn, &event)?;
    Ok(event)
}

/// Every column bound, NULLs included, so the statement is prepared once and cached (see
/// `judging::insert_sheet`).
fn insert(conn: &mut DbConnection, event: &AuditEvent) -> QueryResult<()> {
    use audit_events::dsl as a;
    on_backend!(conn, |conn| diesel::insert_into(audit_events::table)
        .values((
            a::id.eq(&event.id),
            a::chain.eq(&event.chain),
            a::seq.eq(event.seq),
            a::at.eq(event.at),
            a::actor.eq(&event.actor),
            a::action.eq(&event.action),
            a::subject.eq(&event.subject),
            a::before_json.eq(&event.before_json),
            a::after_json.eq(&event.after_json),
            a::reason.eq(&event.reason),
            a::prev_hash.eq(&event.prev_hash),
            a::hash.eq(&event.hash),
        ))
        .execute(conn))
    .map(drop)
}

/// A chain in order.
pub fn chain(conn: &mut DbConnection, chain: &str) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::chain.eq(chain))
        .order(audit_events::seq)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// The outcome of recomputing a chain.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    pub intact: bool,
    pub events: usize,
    /// The last event's hash: keep it elsewhere (an export) to detect truncation later.
    pub head: Option<String>,
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

/// Recomputes every hash of the chain and reports the first record that does not fit.
pub fn verify(conn: &mut DbConnection, chain_id: &str) -> Result<Verification, ApiError> {
    let events = chain(conn, chain_id)?;
    let records = events
        .iter()
        .map(|event| Ok((event.record()?, event.hash.clone())))
        .collect::<Result<Vec<_>, ApiError>>()?;
    let outcome = crate::domain::verify_chain(&records);
    Ok(Verification {
        intact: outcome.is_ok(),
        events: events.len(),
        head: events.last().map(|e| e.hash.clone()),
        broken_at: outcome.as_ref().err().map(|broken| broken.seq),
        problem: outcome.err().map(|broken| broken.code().to_owned()),
    })
}

/// At most `limit` events of a chain after sequence number `after_seq`, in order.
pub fn chain_after(
    conn: &mut DbConnection,
    chain: &str,
    after_seq: i64,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::chain.eq(chain))
        .filter(audit_events::seq.gt(after_seq))
        .order(audit_events::seq)
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}
