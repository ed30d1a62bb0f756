//! Judges, their panels and sessions, score sheets and imported marks.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{criteria, imported_marks, judges, modules, panels, score_sheets};
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
