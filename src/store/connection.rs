//! The one connection type both backends share, and how each backend's connections are opened.

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::DatabaseTarget;

/// A connection to either backend. Queries written against it run on both; the few statements
/// that must differ match on the variant in the one function that needs it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$inner` bound to the backend's own connection inside a [`DbConnection`].
///
/// For the statements of the sheet path, which the group-commit writer runs for every sheet. A
/// statement run through `DbConnection` (diesel's `MultiConnection`) is written out as SQL text
/// on every execution, twice (to ask whether it may be cached, then to collect its binds), even
/// when its prepared statement is cached. Run on the backend's connection, a cached statement
/// is found by its Rust type and only its binds are collected. `$body` is compiled once for
/// each backend, so it is the same backend-neutral query either way.
macro_rules! on_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::store::DbConnection::Postgres($inner) => $body,
            $crate::store::DbConnection::Sqlite($inner) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Opens connections for the pool by the URL's scheme, so a failure reports the real cause
/// instead of the last backend tried.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    target: DatabaseTarget,
    sqlite_synchronous_full: bool,
}

impl ConnectionManager {
    pub fn new(target: DatabaseTarget, sqlite_synchronous_full: bool) -> Self {
        Self {
            target,
            sqlite_synchronous_full,
        }
    }

    pub fn open(&self) -> Result<DbConnection, diesel::r2d2::Error> {
        match &self.target {
            DatabaseTarget::Postgres { url } => {
                super::prepare_libpq();
                PgConnection::establish(url)
                    .map(DbConnection::Postgres)
                    .map_err(diesel::r2d2::Error::ConnectionError)
            }
            DatabaseTarget::Sqlite { path } => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the writer; FULL fsyncs the WAL on every commit so
                // an acknowledged write survives a power cut (NORMAL may lose the last commits).
                let synchronous = if self.sqlite_synchronous_full {
                    "FULL"
                } else {
                    "NORMAL"
                };
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = {synchronous};
                     PRAGMA foreign_keys = ON;"
                ))
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}
