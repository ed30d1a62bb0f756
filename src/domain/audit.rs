//! The tamper-evident audit chain: each record's hash covers the previous record's hash.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

/// The hash a chain's first record links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Hex SHA-256 over the previous hash and every field, each length-prefixed so that no two
/// different records encode alike.
pub fn record_hash(prev_hash: &str, record: &AuditRecord) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(prev_hash.as_bytes());
    field(&record.seq.to_be_bytes());
    field(
        record
            .at
            .format("%Y-%m-%dT%H:%M:%S%.6f")
            .to_string()
            .as_bytes(),
    );
    field(record.actor.as_bytes());
    field(record.action.as_bytes());
    field(record.subject.as_bytes());
    for json in [&record.before, &record.after] {
        field(
            json.as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
    }
    field(record.reason.as_deref().unwrap_or_default().as_bytes());
    hex::encode(hasher.finalize())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Recomputes the chain; reports the first record whose hash or sequence does not fit.
pub fn verify_chain(records: &[(AuditRecord, String)]) -> Result<(), BrokenLink> {
    let mut prev = GENESIS_HASH.to_owned();
    for (expected_seq, (record, stored)) in (1..).zip(records) {
        if record.seq != expected_seq {
            return Err(BrokenLink {
                seq: record.seq,
                reason: format!("expected record {expected_seq}, found {}", record.seq),
            });
        }
        if record_hash(&prev, record) != *stored {
            return Err(BrokenLink {
                seq: record.seq,
                reason: "the record does not match its hash".into(),
            });
        }
        prev = stored.clone();
    }
    Ok(())
}
