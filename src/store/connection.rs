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
            DatabaseTarget::Postgres { url } => PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
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
