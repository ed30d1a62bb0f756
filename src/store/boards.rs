//! What the live boards read and write: the board version, the reveal state, the sheets changed
//! since the hub last looked, scoring progress, and PostgreSQL's NOTIFY.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::judging::ScoreSheet;
use super::schema::{contests, criteria, imported_marks, modules, score_sheets};
use super::DbConnection;

/// How much of the final board the public sees (the `contests.reveal_mode` column).
pub mod reveal_mode {
    pub const NONE: &str = "none";
    pub const STEPS: &str = "steps";
    pub const ALL: &str = "all";
}

pub fn contest_by_id(
    conn: &mut DbConnection,
    contest_id: &str,
) -> QueryResult<Option<super::contests::Contest>> {
    contests::table
        .find(contest_id)
        .select(super::contests::Contest::as_select())
        .first(conn)
        .optional()
}

/// Moves the contest's board version on by one and returns the new version, or `None` for a
/// contest this database does not hold.
pub fn bump_version(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Option<i64>> {
    let updated = diesel::update(contests::table.find(contest_id))
        .set(contests::board_version.eq(contests::board_version + 1))
        .execute(conn)?;
    if updated == 0 {
        return Ok(None);
    }
    contests::table
        .find(contest_id)
        .select(contests::board_version)
        .first(conn)
        .optional()
}

pub fn set_reveal(
    conn: &mut DbConnection,
    contest_id: &str,
    mode: &str,
    revealed_positions: i32,
) -> QueryResult<()> {
    diesel::update(contests::table.find(contest_id))
        .set((
            contests::reveal_mode.eq(mode),
            contests::revealed_positions.eq(revealed_positions),
        ))
        .execute(conn)
        .map(drop)
}

/// Sheets of any status changed at or after `since` (a reopened sheet is a draft again and must
/// leave the board).
pub fn sheets_changed_since(
    conn: &mut DbConnection,
    contest_id: &str,
    since: NaiveDateTime,
) -> QueryResult<Vec<ScoreSheet>> {
    score_sheets::table
        .filter(score_sheets::contest_id.eq(contest_id))
        .filter(score_sheets::updated_at.ge(since))
        .select(ScoreSheet::as_select())
        .load(conn)
}

/// An imported mark: (team id, module id, criterion code, points in hundredths, updated at).
pub type ImportedRow = (String, String, String, i64, NaiveDateTime);

/// Every imported mark of a contest, located by module id and criterion code.
pub fn imported_marks(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<ImportedRow>> {
    imported_marks::table
        .inner_join(criteria::table.inner_join(modules::table))
        .filter(modules::contest_id.eq(contest_id))
        .select((
            imported_marks::team_id,
            modules::id,
            criteria::code,
            imported_marks::points,
            imported_marks::updated_at,
        ))
        .load(conn)
}

/// Tells every node listening on `channel` (PostgreSQL only; a no-op on SQLite, which has one
/// node). Delivered when the surrounding transaction commits, or at once outside one.
pub fn notify(conn: &mut DbConnection, channel: &str, payload: &str) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(pg) => diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(channel)
            .bind::<diesel::sql_types::Text, _>(payload)
            .execute(pg)
            .map(drop),
        DbConnection::Sqlite(_) => Ok(()),
    }
}
