//! Judges, their panels and sessions, score sheets and imported marks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::on_backend;
use super::contests::Contest;
use super::schema::{
    contests, criteria, imported_marks, judge_sessions, judges, modules, panels, score_sheets,
};
use super::schemes::{CriterionRow, ModuleRow, StoredModule};
use super::DbConnection;

/// Sheet statuses.
pub mod sheet_status {
    pub const DRAFT: &str = "draft";
    pub const SUBMITTED: &str = "submitted";
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = judges)]
#[diesel(treat_none_as_null = true)]
pub struct Judge {
    pub id: String,
    pub contest_id: String,
    pub name: String,
    pub organization: String,
    pub is_chief: bool,
    pub token_hash: Option<String>,
    pub pin_hash: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = score_sheets)]
#[diesel(treat_none_as_null = true)]
pub struct ScoreSheet {
    pub id: String,
    pub client_id: String,
    pub contest_id: String,
    pub module_id: String,
    pub team_id: String,
    pub judge_id: String,
    pub status: String,
    pub version: i32,
    /// JSON object keyed by criterion code: `{"level": n}` or `{"value": hundredths}` plus
    /// `"points"` in hundredths.
    pub marks: String,
    pub comment: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
}

/// One imported mark with the codes that locate it in the scheme.
#[derive(Debug, Clone, Queryable)]
pub struct ImportedMark {
    pub team_id: String,
    pub module_code: String,
    pub criterion_code: String,
    pub points: i64,
}

/// (module id, judge id) pairs of a contest's panels.
pub fn panels_of_contest(
    conn: &mut DbConnection,
    contest_id: &str,
) -> QueryResult<Vec<(String, String)>> {
    panels::table
        .inner_join(modules::table)
        .filter(modules::contest_id.eq(contest_id))
        .select((panels::module_id, panels::judge_id))
        .load(conn)
}

/// Every submitted sheet of a contest (drafts never count towards a score).
pub fn submitted_sheets(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<ScoreSheet>> {
    score_sheets::table
        .filter(score_sheets::contest_id.eq(contest_id))
        .filter(score_sheets::status.eq(sheet_status::SUBMITTED))
        .select(ScoreSheet::as_select())
        .load(conn)
}

pub fn imported_marks_of_contest(
    conn: &mut DbConnection,
    contest_id: &str,
) -> QueryResult<Vec<ImportedMark>> {
    imported_marks::table
        .inner_join(criteria::table.inner_join(modules::table))
        .filter(modules::contest_id.eq(contest_id))
        .select((
            imported_marks::team_id,
            modules::code,
            criteria::code,
            imported_marks::points,
        ))
        .load(conn)
}

/// One criterion's mark on a stored sheet: what the judge entered (a level, or a value in
/// hundredths) and the points it is worth in hundredths. Integers only, never floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredMark {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    pub points: i64,
}

/// A sheet's marks by criterion code, as stored in `score_sheets.marks`.
pub type StoredMarks = std::collections::BTreeMap<String, StoredMark>;

impl ScoreSheet {
    pub fn parsed_marks(&self) -> Result<StoredMarks, serde_json::Error> {
        serde_json::from_str(&self.marks)
    }
}

pub fn insert_judge(conn: &mut DbConnection, judge: &Judge) -> QueryResult<()> {
    diesel::insert_into(judges::table)
        .values(judge)
        .execute(conn)
        .map(drop)
}

pub fn update_judge(conn: &mut DbConnection, judge: &Judge) -> QueryResult<()> {
    diesel::update(judges::table.find(&judge.id))
        .set(judge)
        .execute(conn)
        .map(drop)
}

pub fn judges_of_contest(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<Judge>> {
    judges::table
        .filter(judges::contest_id.eq(contest_id))
        .order((judges::is_chief.desc(), judges::name))
        .select(Judge::as_select())
        .load(conn)
}

pub fn find_judge(
    conn: &mut DbConnection,
    contest_id: &str,
    judge_id: &str,
) -> QueryResult<Option<Judge>> {
    judges::table
        .filter(judges::contest_id.eq(contest_id))
        .filter(judges::id.eq(judge_id))
        .select(Judge::as_select())
        .first(conn)
        .optional()
}

/// The live judge a personal link belongs to.
pub fn judge_for_link(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<Judge>> {
    judges::table
        .filter(judges::token_hash.eq(token_hash))
        .filter(judges::revoked_at.is_null())
        .select(Judge::as_select())
        .first(conn)
        .optional()
}

pub fn insert_judge_session(
    conn: &mut DbConnection,
    token_hash: &str,
    judge_id: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(judge_sessions::table)
        .values((
            judge_sessions::token_hash.eq(token_hash),
            judge_sessions::judge_id.eq(judge_id),
            judge_sessions::created_at.eq(now),
            judge_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The judge behind an unexpired session, with their contest, if the judge has not been revoked
/// since.
pub fn session_caller(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(Judge, Contest)>> {
    on_backend!(conn, |conn| judge_sessions::table
        .inner_join(judges::table.inner_join(contests::table))
        .filter(judge_sessions::token_hash.eq(token_hash))
        .filter(judge_sessions::expires_at.gt(now))
        .filter(judges::revoked_at.is_null())
        .select((Judge::as_select(), Contest::as_select()))
        .first(conn)
        .optional())
}

pub fn end_judge_sessions(conn: &mut DbConnection, judge_id: &str) -> QueryResult<usize> {
    diesel::delete(judge_sessions::table.filter(judge_sessions::judge_id.eq(judge_id)))
        .execute(conn)
}

/// The module with this code in the contest, with its criteria in order, if the judge is on its
/// panel.
pub fn panel_module(
    conn: &mut DbConnection,
    contest_id: &str,
    judge_id: &str,
    code: &str,
) -> QueryResult<Option<StoredModule>> {
    let module: Option<ModuleRow> = on_backend!(conn, |conn| modules::table
        .inner_join(panels::table)
        .filter(modules::contest_id.eq(contest_id))
        .filter(modules::code.eq(code))
        .filter(panels::judge_id.eq(judge_id))
        .select(ModuleRow::as_select())
        .first(conn)
        .optional())?;
    let Some(module) = module else {
        return Ok(None);
    };
    let criteria = on_backend!(conn, |conn| criteria::table
        .filter(criteria::module_id.eq(&module.id))
        .order(criteria::position)
        .select(CriterionRow::as_select())
        .load(conn))?;
    Ok(Some(StoredModule { module, criteria }))
}

/// Ids of the modules on the judge's panels.
pub fn modules_of_judge(conn: &mut DbConnection, judge_id: &str) -> QueryResult<Vec<String>> {
    panels::table
        .filter(panels::judge_id.eq(judge_id))
        .select(panels::module_id)
        .load(conn)
}

pub fn panel_of_module(conn: &mut DbConnection, module_id: &str) -> QueryResult<Vec<String>> {
    panels::table
        .filter(panels::module_id.eq(module_id))
        .select(panels::judge_id)
        .load(conn)
}

pub fn set_panel(
    conn: &mut DbConnection,
    module_id: &str,
    judge_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(panels::table.filter(panels::module_id.eq(module_id))).execute(conn)?;
    for judge_id in judge_ids {
        diesel::insert_into(panels::table)
            .values((
                panels::module_id.eq(module_id),
                panels::judge_id.eq(judge_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn sheet_by_client_id(
    conn: &mut DbConnection,
    client_id: &str,
) -> QueryResult<Option<ScoreSheet>> {
    on_backend!(conn, |conn| score_sheets::table
        .filter(score_sheets::client_id.eq(client_id))
        .select(ScoreSheet::as_select())
        .first(conn)
        .optional())
}

pub fn sheet_for(
    conn: &mut DbConnection,
    judge_id: &str,
    team_id: &str,
    module_id: &str,
) -> QueryResult<Option<ScoreSheet>> {
    on_backend!(conn, |conn| score_sheets::table
        .filter(score_sheets::judge_id.eq(judge_id))
        .filter(score_sheets::team_id.eq(team_id))
        .filter(score_sheets::module_id.eq(module_id))
        .select(ScoreSheet::as_select())
        .first(conn)
        .optional())
}

pub fn sheets_of_module(conn: &mut DbConnection, module_id: &str) -> QueryResult<Vec<ScoreSheet>> {
    score_sheets::table
        .filter(score_sheets::module_id.eq(module_id))
        .select(ScoreSheet::as_select())
        .load(conn)
}

pub fn sheets_of_judge(
    conn: &mut DbConnection,
    judge_id: &str,
    module_id: &str,
) -> QueryResult<Vec<ScoreSheet>> {
    score_sheets::table
        .filter(score_sheets::judge_id.eq(judge_id))
        .filter(score_sheets::module_id.eq(module_id))
        .select(ScoreSheet::as_select())
        .load(conn)
}

/// Every column is bound, a missing comment or submission time as NULL. (The derived
/// `Insertable` would turn `None` into "the column's default", which makes the SQL text depend
/// on the data, so the statement could not be cached and SQLite would compile it afresh for
/// every sheet.)
pub fn insert_sheet(conn: &mut DbConnection, sheet: &ScoreSheet) -> QueryResult<()> {
    use score_sheets::dsl as s;
    on_backend!(conn, |conn| diesel::insert_into(score_sheets::table)
        .values((
            s::id.eq(&sheet.id),
            s::client_id.eq(&sheet.client_id),
            s::contest_id.eq(&sheet.contest_id),
            s::module_id.eq(&sheet.module_id),
            s::team_id.eq(&sheet.team_id),
            s::judge_id.eq(&sheet.judge_id),
            s::status.eq(&sheet.status),
            s::version.eq(sheet.version),
            s::marks.eq(&sheet.marks),
            s::comment.eq(&sheet.comment),
            s::created_at.eq(sheet.created_at),
            s::updated_at.eq(sheet.updated_at),
            s::submitted_at.eq(sheet.submitted_at),
        ))
        .execute(conn))
    .map(drop)
}

pub fn update_sheet(conn: &mut DbConnection, sheet: &ScoreSheet) -> QueryResult<()> {
    diesel::update(score_sheets::table.find(&sheet.id))
        .set(sheet)
        .execute(conn)
        .map(drop)
}

/// Writes the sheet's marks, status and version only if it is still at `expected_version`;
/// false when another write (on another node) changed it first, so two edits of one version
/// never both win.
pub fn update_sheet_at_version(
    conn: &mut DbConnection,
    sheet: &ScoreSheet,
    expected_version: i32,
) -> QueryResult<bool> {
    SheetEdit {
        sheet,
        expected_version,
    }
    .execute(conn)
    .map(|updated| updated == 1)
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// `UPDATE score_sheets SET <what a judge's edit changes> WHERE id = ? AND version = ?`.
///
/// Written out rather than built with `diesel::update`, for two reasons. Only the columns an
/// edit changes are set: SQLite rewrites the entries of every index, and checks every foreign
/// key, whose columns appear in the SET list even when the value stays the same, and a sheet's
/// ids and owners never change. And the statement is prepared once per connection: diesel
/// never caches the statements `diesel::update` builds (a changeset may skip `None` fields,
/// so their SQL can differ from call to call), so every edit would be parsed afresh.
struct SheetEdit<'a> {
    sheet: &'a ScoreSheet,
    expected_version: i32,
}

impl diesel::query_builder::QueryId for SheetEdit<'_> {
    type QueryId = SheetEdit<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<Backend> for SheetEdit<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Backend>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Integer, Nullable, Text, Timestamp};
        let sheet = self.sheet;
        out.push_sql("UPDATE score_sheets SET status = ");
        out.push_bind_param::<Text, _>(&sheet.status)?;
        out.push_sql(", version = ");
        out.push_bind_param::<Integer, _>(&sheet.version)?;
        out.push_sql(", marks = ");
        out.push_bind_param::<Text, _>(&sheet.marks)?;
        out.push_sql(", comment = ");
        out.push_bind_param::<Nullable<Text>, _>(&sheet.comment)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, _>(&sheet.updated_at)?;
        out.push_sql(", submitted_at = ");
        out.push_bind_param::<Nullable<Timestamp>, _>(&sheet.submitted_at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(&sheet.id)?;
        out.push_sql(" AND version = ");
        out.push_bind_param::<Integer, _>(&self.expected_version)?;
        Ok(())
    }
}

impl diesel::RunQueryDsl<DbConnection> for SheetEdit<'_> {}

/// Sends a team's submitted sheets in a module back to draft (one version up) for the judges to
/// mark again; returns the reopened sheets.
pub fn reopen_team_sheets(
    conn: &mut DbConnection,
    module_id: &str,
    team_id: &str,
) -> QueryResult<Vec<ScoreSheet>> {
    let mut reopened = Vec::new();
    for mut sheet in sheets_of_module(conn, module_id)?
        .into_iter()
        .filter(|s| s.team_id == team_id && s.status == sheet_status::SUBMITTED)
    {
        sheet.status = sheet_status::DRAFT.to_owned();
        sheet.version += 1;
        sheet.submitted_at = None;
        sheet.updated_at = super::now();
        update_sheet(conn, &sheet)?;
        reopened.push(sheet);
    }
    Ok(reopened)
}

pub fn set_module_state(
    conn: &mut DbConnection,
    module_id: &str,
    state: &str,
) -> QueryResult<usize> {
    diesel::update(modules::table.find(module_id))
        .set(modules::state.eq(state))
        .execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::discrepancy_resolutions)]
pub struct ResolutionRow {
    pub id: String,
    pub module_id: String,
    pub team_id: String,
    pub criterion_code: String,
    /// The judges' levels the resolution was made on (a changed mark reopens the flag).
    pub levels: String,
    pub resolution: String,
    pub reason: String,
    pub resolved_by: String,
    pub resolved_at: NaiveDateTime,
}

pub fn insert_resolution(conn: &mut DbConnection, row: &ResolutionRow) -> QueryResult<()> {
    diesel::insert_into(super::schema::discrepancy_resolutions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn resolutions_of_module(
    conn: &mut DbConnection,
    module_id: &str,
) -> QueryResult<Vec<ResolutionRow>> {
    use super::schema::discrepancy_resolutions as r;
    r::table
        .filter(r::module_id.eq(module_id))
        .select(ResolutionRow::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imported_marks)]
pub struct ImportedMarkRow {
    pub team_id: String,
    pub criterion_id: String,
    pub points: i64,
    pub source: String,
    pub updated_at: NaiveDateTime,
}

/// Stores an imported mark, replacing an earlier one for the same team and criterion (delete
/// then insert: the two-backend connection has no upsert).
pub fn put_imported_mark(conn: &mut DbConnection, row: &ImportedMarkRow) -> QueryResult<()> {
    diesel::delete(
        imported_marks::table
            .filter(imported_marks::team_id.eq(&row.team_id))
            .filter(imported_marks::criterion_id.eq(&row.criterion_id)),
    )
    .execute(conn)?;
    diesel::insert_into(imported_marks::table)
        .values(row)
        .execute(conn)
        .map(drop)
}
