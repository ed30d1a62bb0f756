//! Persistence: one diesel schema over SQLite and PostgreSQL, a connection pool, embedded
//! migrations, and the helpers handlers use to run queries off the async workers.

pub mod accounts;
pub mod appeals;
pub mod audit;
pub mod backup;
pub mod boards;
mod connection;
pub mod contests;
pub mod group_commit;
pub mod judging;
mod migrations;
pub mod review;
pub mod schema;
pub mod schemes;
pub mod teams;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use diesel::r2d2::Pool;
use diesel::{Connection, RunQueryDsl};

pub use connection::{ConnectionManager, DbConnection};

use crate::error::ApiError;

/// Where the data lives, chosen by the URL's scheme.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

/// Which backend a running server uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DatabaseTarget {
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseTarget::Sqlite { .. } => Backend::Sqlite,
            DatabaseTarget::Postgres { .. } => Backend::Postgres,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
pub struct UnsupportedDatabaseUrl(String);

impl FromStr for DatabaseTarget {
    type Err = UnsupportedDatabaseUrl;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(UnsupportedDatabaseUrl(url.to_owned()));
            }
            Ok(DatabaseTarget::Sqlite {
                path: PathBuf::from(path),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseTarget::Postgres {
                url: url.to_owned(),
            })
        } else {
            Err(UnsupportedDatabaseUrl(url.to_owned()))
        }
    }
}

/// Shows the target without a password, so it can be logged.
impl fmt::Display for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseTarget::Sqlite { path } => write!(f, "sqlite://{}", path.display()),
            DatabaseTarget::Postgres { url } => {
                let redacted = match (url.find("://"), url.rfind('@')) {
                    (Some(scheme_end), Some(at)) if at > scheme_end => {
                        let credentials = &url[scheme_end + 3..at];
                        match credentials.split_once(':') {
                            Some((user, _password)) => {
                                format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                            }
                            None => url.clone(),
                        }
                    }
                    _ => url.clone(),
                };
                f.write_str(&redacted)
            }
        }
    }
}

impl fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {target}: {source}")]
    Open {
        target: String,
        source: diesel::r2d2::Error,
    },
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
    #[error("cannot build the connection pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
}

/// The database handle shared by every request: a pool plus the backend it talks to.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    /// SQLite allows one writer; writers in this process queue here instead of racing for the
    /// file lock (a deferred transaction that loses that race fails with SQLITE_BUSY at once).
    sqlite_writer: Arc<std::sync::Mutex<()>>,
}

impl Db {
    /// Opens the database, applies pending migrations and builds the pool. The first connection
    /// is opened directly so that a bad URL or an unreachable server reports its real error.
    pub fn open(
        target: &DatabaseTarget,
        pool_size: u32,
        sqlite_synchronous_full: bool,
    ) -> Result<Db, StoreError> {
        Db::open_with_idle(target, pool_size, 1, sqlite_synchronous_full)
    }

    /// [`Db::open`] for a one-shot command (`demo`, `user`, `audit verify`, `export`): no idle
    /// connection is kept in reserve. A pool that keeps one opens its replacement on a
    /// background thread as soon as the command takes the first; when the command then
    /// returns, the process can exit while that thread is inside libpq's TLS set-up, and
    /// OpenSSL's exit handlers crash it (seen: `audit verify` on PostgreSQL died with SIGSEGV
    /// after printing its result in 9 runs of 60).
    pub fn open_for_command(target: &DatabaseTarget) -> Result<Db, StoreError> {
        Db::open_with_idle(target, 2, 0, true)
    }

    fn open_with_idle(
        target: &DatabaseTarget,
        pool_size: u32,
        min_idle: u32,
        sqlite_synchronous_full: bool,
    ) -> Result<Db, StoreError> {
        let manager = ConnectionManager::new(target.clone(), sqlite_synchronous_full);
        let mut first = manager.open().map_err(|source| StoreError::Open {
            target: target.to_string(),
            source,
        })?;
        migrations::run(&mut first)?;
        drop(first);
        let pool = Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(min_idle))
            .connection_timeout(Duration::from_secs(5))
            .build(manager)?;
        Ok(Db {
            pool,
            backend: target.backend(),
            sqlite_writer: Arc::new(std::sync::Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = timed_get(&pool)?;
            f(&mut conn)
        })
        .await?
    }

    /// Runs `f` inside one transaction: everything it wrote is committed when it returns `Ok`,
    /// nothing when it returns `Err`.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let db = self.clone();
        web::block(move || db.write_blocking(f)).await?
    }

    /// The blocking half of [`Db::write`], for callers already off the async workers.
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    {
        let mut conn = timed_get(&self.pool)?;
        let _guard = match self.backend {
            Backend::Sqlite => Some(
                self.sqlite_writer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            ),
            Backend::Postgres => None,
        };
        let conn: &mut DbConnection = &mut conn;
        conn.transaction(f)
    }

    /// Checks that the database answers, waiting at most `timeout` for a connection.
    pub async fn ping(&self, timeout: Duration) -> Result<(), ApiError> {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get_timeout(timeout)?;
            diesel::sql_query("SELECT 1").execute(&mut *conn)?;
            Ok(())
        })
        .await?
    }

    /// A connection for work outside request handling (CLI commands, background tasks).
    pub fn connection(
        &self,
    ) -> Result<diesel::r2d2::PooledConnection<ConnectionManager>, diesel::r2d2::PoolError> {
        timed_get(&self.pool)
    }
}

/// A pooled connection, recording how long the pool made the caller wait.
fn timed_get(
    pool: &Pool<ConnectionManager>,
) -> Result<diesel::r2d2::PooledConnection<ConnectionManager>, diesel::r2d2::PoolError> {
    let started = std::time::Instant::now();
    let conn = pool.get();
    metrics::histogram!(crate::metrics::DB_POOL_WAIT).record(started.elapsed().as_secs_f64());
    conn
}

/// Initialises OpenSSL, which libpq uses for TLS, without its `atexit` clean-up: at process
/// exit that clean-up frees OpenSSL's state while another thread (a pool opening a connection,
/// the LISTEN thread) may still be inside libpq, which crashes the process after its work is
/// done. OpenSSL takes its options from the first initialisation only, so this must run before
/// the first connection; it is cheap to call again.
pub fn prepare_libpq() {
    openssl_sys::init();
}

/// The current time in UTC at the microsecond precision both backends store, so a value
/// written and the same value read back compare equal.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::Timelike;
    let now = chrono::Utc::now().naive_utc();
    now.with_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now)
}

/// The id of a row in a table that grows with every sheet write (score sheets, audit events):
/// a UUID v7, whose text sorts in creation order within this process. Each insert then lands
/// at the end of the table's id index; random (v4) ids spread a batch's inserts over the whole
/// index, and a group commit wrote one index page per event (BENCHMARKS.md, "Score sheets").
pub fn time_ordered_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Opens the database and applies pending migrations without starting a server.
pub fn migrate(target: &DatabaseTarget) -> Result<usize, StoreError> {
    let mut conn = ConnectionManager::new(target.clone(), true)
        .open()
        .map_err(|source| StoreError::Open {
            target: target.to_string(),
            source,
        })?;
    migrations::run(&mut conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `.cargo/config.toml` builds SQLite with the query planner stability guarantee; without
    /// it every `.first()` query is compiled again each time it runs (see that file).
    #[test]
    fn sqlite_is_built_with_a_stable_query_planner() {
        use diesel::sql_types::Integer;
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        let used: i32 = diesel::select(diesel::dsl::sql::<Integer>(
            "sqlite_compileoption_used('ENABLE_QPSG')",
        ))
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(used, 1, "SQLite was built without SQLITE_ENABLE_QPSG");
    }

    #[test]
    fn time_ordered_ids_sort_in_the_order_they_were_made() {
        let ids: Vec<String> = (0..10_000).map(|_| time_ordered_id()).collect();
        for pair in ids.windows(2) {
            assert!(pair[0] < pair[1], "{} came before {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn database_urls_choose_the_backend_by_scheme() {
        assert_eq!(
            "sqlite://data/contest.db".parse(),
            Ok(DatabaseTarget::Sqlite {
                path: PathBuf::from("data/contest.db")
            })
        );
        assert_eq!(
            "sqlite:///var/lib/skillboard.db".parse(),
            Ok(DatabaseTarget::Sqlite {
                path: PathBuf::from("/var/lib/skillboard.db")
            })
        );
        for url in ["postgres://u@h/db", "postgresql://u:p@h:5432/db"] {
            assert_eq!(
                url.parse::<DatabaseTarget>().unwrap().backend(),
                Backend::Postgres
            );
        }
        for bad in ["mysql://h/db", "skillboard.db", "sqlite://", ""] {
            assert!(bad.parse::<DatabaseTarget>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn displayed_postgres_urls_hide_the_password() {
        let target: DatabaseTarget = "postgres://judge:s3cret@db.example:5432/skills"
            .parse()
            .unwrap();
        assert_eq!(
            target.to_string(),
            "postgres://judge:***@db.example:5432/skills"
        );
        let no_password: DatabaseTarget = "postgres://judge@db/skills".parse().unwrap();
        assert_eq!(no_password.to_string(), "postgres://judge@db/skills");
    }
}
