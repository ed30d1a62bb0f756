//! Migrations embedded in the binary, one folder per backend (the same change in both).

use diesel::connection::SimpleConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{DbConnection, StoreError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Arbitrary key for the advisory lock that keeps nodes starting together from migrating twice.
const MIGRATION_LOCK_KEY: i64 = 0x5_c111_b0a2_i64;

/// Applies every pending migration; returns how many ran.
pub fn run(conn: &mut DbConnection) -> Result<usize, StoreError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migrate(e.to_string());
    match conn {
        DbConnection::Sqlite(conn) => {
            Ok(conn.run_pending_migrations(SQLITE).map_err(failed)?.len())
        }
        DbConnection::Postgres(conn) => {
            let lock_failed = |e: diesel::result::Error| StoreError::Migrate(e.to_string());
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .map_err(lock_failed)?;
            let outcome = conn.run_pending_migrations(POSTGRES).map(|done| done.len());
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .map_err(lock_failed)?;
            Ok(outcome.map_err(failed)?)
        }
    }
}
