//! `skillboard backup` and `skillboard restore`: a consistent copy of a live database, and the
//! way back from it.
//!
//! - SQLite: `VACUUM INTO` over a connection of its own. It reads one snapshot (WAL lets the
//!   server keep committing meanwhile) and writes a compact SQLite file, which is itself the
//!   backup: `sqlite3 backup.db` opens it.
//! - PostgreSQL: a logical dump written by Skillboard itself, one JSON line per row, read in one
//!   `REPEATABLE READ` transaction (one snapshot across all tables). It needs no `pg_dump` of a
//!   matching major version on the machine, only covers the project's tables in the URL's
//!   schema, and restores into any empty database or schema (`json_populate_recordset`).
//!
//! Either way the copy is written beside its final name and renamed into place only once it is
//! complete and checked, so a crash mid-backup never leaves a half file under that name.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::{audit, DatabaseTarget, DbConnection};

/// The first line of a PostgreSQL backup names this format.
const FORMAT: &str = "skillboard-backup";
const FORMAT_VERSION: u32 = 1;
/// diesel's own bookkeeping table: its rows say which migrations the data was written under.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";
/// Rows sent to PostgreSQL per INSERT when restoring.
const RESTORE_CHUNK: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("cannot open the database {target}: {source}")]
    Open {
        target: String,
        source: diesel::ConnectionError,
    },
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("{0}")]
    Store(#[from] super::StoreError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

fn refused(message: impl Into<String>) -> BackupError {
    BackupError::Refused(message.into())
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let context = context.into();
    move |source| BackupError::Io { context, source }
}

/// What a backup holds or a restore brought back, to print and to check.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub contests: i64,
    pub score_sheets: i64,
    pub audit_events: i64,
    /// Audit chains recomputed, every one intact (a broken one is an error instead).
    pub chains_verified: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} contest(s), {} score sheet(s), {} audit event(s); {} audit chain(s) intact",
            self.contests, self.score_sheets, self.audit_events, self.chains_verified
        )
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    value: String,
}

/// Counts the rows that matter and recomputes every audit chain; a broken chain is an error.
fn summarize(conn: &mut DbConnection) -> Result<Summary, BackupError> {
    let count = |conn: &mut DbConnection, table: &str| -> Result<i64, BackupError> {
        Ok(
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
                .get_result::<Count>(conn)?
                .n,
        )
    };
    let chains: Vec<String> = super::schema::audit_events::table
        .select(super::schema::audit_events::chain)
        .distinct()
        .load(conn)?;
    for chain in &chains {
        let verification = audit::verify(conn, chain)
            .map_err(|e| refused(format!("cannot read the audit chain {chain}: {e}")))?;
        if !verification.intact {
            return Err(refused(format!(
                "the audit chain {chain} is broken at event {} ({})",
                verification.broken_at.unwrap_or_default(),
                verification.problem.unwrap_or_default()
            )));
        }
    }
    Ok(Summary {
        contests: count(conn, "contests")?,
        score_sheets: count(conn, "score_sheets")?,
        audit_events: count(conn, "audit_events")?,
        chains_verified: chains.len(),
    })
}

fn refuse_existing(out: &Path) -> Result<(), BackupError> {
    if out.exists() {
        return Err(refused(format!(
            "{} exists already; a backup never overwrites a file (choose a new name, e.g. with the date)",
            out.display()
        )));
    }
    Ok(())
}

/// `FILE.partial` beside `FILE`: the same file system, so the final rename is atomic.
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// Flushes the file and then its directory entry, so a rename is durable before we report it.
fn sync_and_rename(from: &Path, to: &Path) -> Result<(), BackupError> {
    File::open(from)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("cannot flush {}", from.display())))?;
    fs::rename(from, to).map_err(io(format!("cannot move the copy to {}", to.display())))?;
    let dir = to
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn open_sqlite(path: &Path) -> Result<DbConnection, BackupError> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).map_err(|source| {
        BackupError::Open {
            target: format!("sqlite://{}", path.display()),
            source,
        }
    })?;
    conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;")?;
    Ok(DbConnection::Sqlite(conn))
}

fn open_postgres(url: &str, shown: &DatabaseTarget) -> Result<DbConnection, BackupError> {
    super::prepare_libpq();
    PgConnection::establish(url)
        .map(DbConnection::Postgres)
        .map_err(|source| BackupError::Open {
            target: shown.to_string(),
            source,
        })
}

/// Takes a consistent copy of the live database into `out` (which must not exist yet).
pub fn backup(target: &DatabaseTarget, out: &Path) -> Result<Summary, BackupError> {
    refuse_existing(out)?;
    let partial = partial_path(out);
    let _ = fs::remove_file(&partial);
    let outcome = match target {
        DatabaseTarget::Sqlite { path } => backup_sqlite(path, &partial),
        DatabaseTarget::Postgres { url } => backup_postgres(url, target, &partial),
    };
    match outcome {
        Ok(summary) => {
            sync_and_rename(&partial, out)?;
            Ok(summary)
        }
        Err(error) => {
            let _ = fs::remove_file(&partial);
            Err(error)
        }
    }
}

fn integrity_check(conn: &mut DbConnection, what: &Path) -> Result<(), BackupError> {
    let rows: Vec<TextRow> =
        diesel::sql_query("SELECT integrity_check AS value FROM pragma_integrity_check")
            .load(conn)?;
    let problems: Vec<String> = rows
        .into_iter()
        .map(|r| r.value)
        .filter(|v| v != "ok")
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(refused(format!(
            "{} fails SQLite's integrity check: {}",
            what.display(),
            problems.join("; ")
        )))
    }
}

fn backup_sqlite(source: &Path, partial: &Path) -> Result<Summary, BackupError> {
    if !source.is_file() {
        return Err(refused(format!(
            "there is no database at {}",
            source.display()
        )));
    }
    {
        let mut conn = open_sqlite(source)?;
        // One read transaction: the snapshot as of its start, while the server keeps writing.
        diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(partial.to_string_lossy())
            .execute(&mut conn)?;
    }
    let mut copy = open_sqlite(partial)?;
    integrity_check(&mut copy, partial)?;
    summarize(&mut copy)
}

/// The project's tables in the connection's schema, each after the tables it refers to.
fn postgres_tables(conn: &mut DbConnection) -> Result<Vec<String>, BackupError> {
    #[derive(QueryableByName)]
    struct Edge {
        #[diesel(sql_type = Text)]
        child: String,
        #[diesel(sql_type = Text)]
        parent: String,
    }
    let tables: Vec<String> = diesel::sql_query(
        "SELECT c.relname AS value FROM pg_class c
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
           AND c.relname <> '__diesel_schema_migrations'
         ORDER BY c.oid",
    )
    .load::<TextRow>(conn)?
    .into_iter()
    .map(|r| r.value)
    .collect();
    let edges: Vec<Edge> = diesel::sql_query(
        "SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
         JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
         WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
    )
    .load(conn)?;
    let mut parents: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for edge in &edges {
        if edge.child != edge.parent {
            parents
                .entry(edge.child.as_str())
                .or_default()
                .insert(edge.parent.as_str());
        }
    }
    // Kahn's order, stable on creation order.
    let mut ordered: Vec<String> = Vec::with_capacity(tables.len());
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while ordered.len() < tables.len() {
        let next = tables.iter().find(|t| {
            !placed.contains(t.as_str())
                && parents
                    .get(t.as_str())
                    .is_none_or(|ps| ps.iter().all(|p| placed.contains(p)))
        });
        let Some(next) = next else {
            return Err(refused("the tables' foreign keys form a cycle"));
        };
        placed.insert(next.as_str());
        ordered.push(next.clone());
    }
    Ok(ordered)
}

fn applied_migrations(conn: &mut DbConnection) -> Result<Vec<String>, BackupError> {
    Ok(diesel::sql_query(format!(
        "SELECT version AS value FROM {MIGRATIONS_TABLE} ORDER BY version"
    ))
    .load::<TextRow>(conn)?
    .into_iter()
    .map(|r| r.value)
    .collect())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    format: String,
    version: u32,
    backend: String,
    migrations: Vec<String>,
    taken_at: chrono::NaiveDateTime,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Trailer {
    end: bool,
    rows: u64,
}

fn backup_postgres(
    url: &str,
    shown: &DatabaseTarget,
    partial: &Path,
) -> Result<Summary, BackupError> {
    let mut conn = open_postgres(url, shown)?;
    let file = File::create(partial).map_err(io(format!("cannot create {}", partial.display())))?;
    let mut out = BufWriter::new(file);
    let write_failed = || io(format!("cannot write {}", partial.display()));
    conn.transaction(|conn| {
        // One snapshot for every table, read-only: the server's writes go on meanwhile.
        conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        let header = Header {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            backend: "postgres".into(),
            migrations: applied_migrations(conn)?,
            taken_at: super::now(),
        };
        let line = serde_json::to_string(&header).map_err(|e| refused(e.to_string()))?;
        writeln!(out, "{line}").map_err(write_failed())?;
        let mut rows = 0u64;
        for table in postgres_tables(conn)? {
            let table_json = serde_json::to_string(&table).map_err(|e| refused(e.to_string()))?;
            let dumped: Vec<TextRow> = diesel::sql_query(format!(
                "SELECT row_to_json(t)::text AS value FROM \"{table}\" t"
            ))
            .load(conn)?;
            for row in dumped {
                writeln!(out, "{{\"table\":{table_json},\"row\":{}}}", row.value)
                    .map_err(write_failed())?;
                rows += 1;
            }
        }
        let trailer = serde_json::to_string(&Trailer { end: true, rows })
            .map_err(|e| refused(e.to_string()))?;
        writeln!(out, "{trailer}").map_err(write_failed())?;
        out.flush().map_err(write_failed())?;
        summarize(conn)
    })
}

/// Options of a restore.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestoreOptions {
    /// SQLite: replace an existing database file (refused while a server has it open).
    pub replace: bool,
}

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

fn is_sqlite_file(path: &Path) -> Result<bool, BackupError> {
    let mut head = [0u8; 16];
    let mut file = File::open(path).map_err(io(format!("cannot open {}", path.display())))?;
    let n = file
        .read(&mut head)
        .map_err(io(format!("cannot read {}", path.display())))?;
    Ok(n == head.len() && head == SQLITE_MAGIC)
}

/// Brings a backup back into `target`, checks it and applies pending migrations.
pub fn restore(
    from: &Path,
    target: &DatabaseTarget,
    options: RestoreOptions,
) -> Result<Summary, BackupError> {
    let sqlite_backup = is_sqlite_file(from)?;
    match (target, sqlite_backup) {
        (DatabaseTarget::Sqlite { path }, true) => restore_sqlite(from, path, options),
        (DatabaseTarget::Postgres { url }, false) => restore_postgres(from, url, target),
        (DatabaseTarget::Sqlite { .. }, false) => Err(refused(format!(
            "{} is not a SQLite backup (a PostgreSQL backup restores into PostgreSQL)",
            from.display()
        ))),
        (DatabaseTarget::Postgres { .. }, true) => Err(refused(format!(
            "{} is a SQLite database; it restores into a sqlite:// target",
            from.display()
        ))),
    }
}

/// Whether another connection has the SQLite database open: leaving WAL mode needs the only
/// connection, so it fails at once (busy_timeout 0) while a server holds the file.
fn sqlite_in_use(path: &Path) -> Result<bool, BackupError> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).map_err(|source| {
        BackupError::Open {
            target: format!("sqlite://{}", path.display()),
            source,
        }
    })?;
    conn.batch_execute("PRAGMA busy_timeout = 0")?;
    match diesel::sql_query("PRAGMA journal_mode = DELETE").load::<JournalMode>(&mut conn) {
        Ok(mode) => Ok(mode.first().is_none_or(|m| m.journal_mode != "delete")),
        Err(diesel::result::Error::DatabaseError(_, info)) if info.message().contains("locked") => {
            Ok(true)
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn restore_sqlite(
    from: &Path,
    target: &Path,
    options: RestoreOptions,
) -> Result<Summary, BackupError> {
    if target.exists() {
        if !options.replace {
            return Err(refused(format!(
                "{} exists; pass --replace to overwrite it (stop the server first)",
                target.display()
            )));
        }
        if sqlite_in_use(target)? {
            return Err(refused(format!(
                "{} is in use (a server has it open?); stop it before restoring over it",
                target.display()
            )));
        }
    }
    let staging = with_suffix(target, ".restoring");
    let _ = fs::remove_file(&staging);
    fs::copy(from, &staging).map_err(io(format!(
        "cannot copy {} to {}",
        from.display(),
        staging.display()
    )))?;
    let checked = (|| {
        let mut conn = open_sqlite(&staging)?;
        integrity_check(&mut conn, from)?;
        super::migrations::run(&mut conn)?;
        // Leave no WAL beside the staged file: it is renamed alone.
        conn.batch_execute("PRAGMA journal_mode = DELETE")?;
        summarize(&mut conn)
    })();
    let summary = match checked {
        Ok(summary) => summary,
        Err(error) => {
            let _ = fs::remove_file(&staging);
            return Err(error);
        }
    };
    // The old database's WAL and index must not be replayed onto the restored file.
    for suffix in ["-wal", "-shm"] {
        let _ = fs::remove_file(with_suffix(target, suffix));
    }
    sync_and_rename(&staging, target)?;
    Ok(summary)
}

fn restore_postgres(
    from: &Path,
    url: &str,
    shown: &DatabaseTarget,
) -> Result<Summary, BackupError> {
    let file = File::open(from).map_err(io(format!("cannot open {}", from.display())))?;
    let mut lines = BufReader::new(file).lines();
    let read_failed = || io(format!("cannot read {}", from.display()));
    let not_ours = || refused(format!("{} is not a Skillboard backup", from.display()));
    let header: Header = match lines.next() {
        Some(line) => {
            serde_json::from_str(&line.map_err(read_failed())?).map_err(|_| not_ours())?
        }
        None => return Err(not_ours()),
    };
    if header.format != FORMAT || header.version != FORMAT_VERSION {
        return Err(not_ours());
    }
    let mut conn = open_postgres(url, shown)?;
    super::migrations::run(&mut conn)?;
    let here = applied_migrations(&mut conn)?;
    if here != header.migrations {
        return Err(refused(format!(
            "the backup was taken under migrations {:?} but this database has {:?}: restore with the Skillboard version that took it",
            header.migrations, here
        )));
    }
    conn.transaction(|conn| {
        let tables = postgres_tables(conn)?;
        for table in &tables {
            let has_rows: Count = diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM \"{table}\" LIMIT 1) t"
            ))
            .get_result(conn)?;
            if has_rows.n > 0 {
                return Err(refused(format!(
                    "the target database is not empty (table {table} has rows): restore into a new database or schema"
                )));
            }
        }
        #[derive(serde::Deserialize)]
        struct Line {
            table: Option<String>,
            row: Option<serde_json::Value>,
            end: Option<bool>,
            rows: Option<u64>,
        }
        let mut pending: Vec<serde_json::Value> = Vec::new();
        let mut pending_table = String::new();
        let mut restored = 0u64;
        let mut ended = false;
        let flush = |conn: &mut DbConnection,
                     table: &str,
                     rows: &mut Vec<serde_json::Value>|
         -> Result<(), BackupError> {
            if rows.is_empty() {
                return Ok(());
            }
            let array = format!(
                "[{}]",
                rows.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(",")
            );
            diesel::sql_query(format!(
                "INSERT INTO \"{table}\" SELECT * FROM json_populate_recordset(NULL::\"{table}\", $1::json)"
            ))
            .bind::<Text, _>(array)
            .execute(conn)?;
            rows.clear();
            Ok(())
        };
        for line in lines {
            let line = line.map_err(read_failed())?;
            if ended {
                return Err(refused(format!("{} has data after its end", from.display())));
            }
            let parsed: Line = serde_json::from_str(&line).map_err(|e| {
                refused(format!("{} has a damaged line: {e}", from.display()))
            })?;
            if parsed.end == Some(true) {
                if parsed.rows != Some(restored + pending.len() as u64) {
                    return Err(refused(format!(
                        "{} says {} rows but holds {}",
                        from.display(),
                        parsed.rows.unwrap_or_default(),
                        restored + pending.len() as u64
                    )));
                }
                ended = true;
                continue;
            }
            let (Some(table), Some(row)) = (parsed.table, parsed.row) else {
                return Err(refused(format!("{} has a damaged line", from.display())));
            };
            if !tables.contains(&table) {
                return Err(refused(format!(
                    "the backup has a table {table:?} this database does not"
                )));
            }
            if table != pending_table || pending.len() >= RESTORE_CHUNK {
                restored += pending.len() as u64;
                flush(conn, &pending_table, &mut pending)?;
                pending_table = table;
            }
            pending.push(row);
        }
        if !ended {
            return Err(refused(format!(
                "{} is cut short (no end line): the backup did not finish",
                from.display()
            )));
        }
        flush(conn, &pending_table, &mut pending)?;
        summarize(conn)
    })
}
