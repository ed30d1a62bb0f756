//! Appeals and their decisions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::appeals;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = appeals)]
#[diesel(treat_none_as_null = true)]
pub struct Appeal {
    pub id: String,
    pub contest_id: String,
    pub team_id: String,
    pub module_id: Option<String>,
    pub text: String,
    pub status: String,
    pub filed_by: String,
    pub filed_at: NaiveDateTime,
    pub decision: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, appeal: &Appeal) -> QueryResult<()> {
    diesel::insert_into(appeals::table)
        .values(appeal)
        .execute(conn)
        .map(drop)
}

pub fn update(conn: &mut DbConnection, appeal: &Appeal) -> QueryResult<()> {
    diesel::update(appeals::table.find(&appeal.id))
        .set(appeal)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConnection, contest_id: &str, id: &str) -> QueryResult<Option<Appeal>> {
    appeals::table
        .filter(appeals::contest_id.eq(contest_id))
        .filter(appeals::id.eq(id))
        .select(Appeal::as_select())
        .first(conn)
        .optional()
}

pub fn of_contest(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<Appeal>> {
    appeals::table
        .filter(appeals::contest_id.eq(contest_id))
        .order(appeals::filed_at)
        .select(Appeal::as_select())
        .load(conn)
}
