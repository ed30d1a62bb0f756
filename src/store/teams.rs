//! Teams and their contestants.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{contestants, teams};
use super::DbConnection;

/// `registered`, `pending` (self-registered, awaiting approval) or `withdrawn`.
pub mod status {
    pub const REGISTERED: &str = "registered";
    pub const PENDING: &str = "pending";
    pub const WITHDRAWN: &str = "withdrawn";
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = teams)]
#[diesel(treat_none_as_null = true)]
pub struct Team {
    pub id: String,
    pub contest_id: String,
    pub name: String,
    pub school: String,
    pub region: String,
    pub coach: Option<String>,
    pub status: String,
    pub checked_in_at: Option<NaiveDateTime>,
    pub station: Option<i32>,
    pub code: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contestants)]
#[diesel(treat_none_as_null = true)]
pub struct Contestant {
    pub id: String,
    pub team_id: String,
    pub contest_id: String,
    pub name: String,
    pub school: String,
    pub region: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub role: Option<String>,
    pub position: i32,
}

/// Every team of a contest, by station, then school and name.
pub fn list(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .order((teams::station.asc(), teams::school, teams::name))
        .select(Team::as_select())
        .load(conn)
}

/// The teams that take part in scoring and ranking: drawn (they have a code) and not withdrawn.
pub fn ranked(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::code.is_not_null())
        .filter(teams::status.eq(status::REGISTERED))
        .order(teams::station.asc())
        .select(Team::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, contest_id: &str, team_id: &str) -> QueryResult<Option<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::id.eq(team_id))
        .select(Team::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(
    conn: &mut DbConnection,
    contest_id: &str,
    code: &str,
) -> QueryResult<Option<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::code.eq(code))
        .select(Team::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_station(
    conn: &mut DbConnection,
    contest_id: &str,
    station: i32,
) -> QueryResult<Option<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::station.eq(station))
        .select(Team::as_select())
        .first(conn)
        .optional()
}

pub fn members(conn: &mut DbConnection, team_id: &str) -> QueryResult<Vec<Contestant>> {
    contestants::table
        .filter(contestants::team_id.eq(team_id))
        .order(contestants::position)
        .select(Contestant::as_select())
        .load(conn)
}

/// Every contestant of a contest, for lists and exports.
pub fn contestants_of_contest(
    conn: &mut DbConnection,
    contest_id: &str,
) -> QueryResult<Vec<Contestant>> {
    contestants::table
        .filter(contestants::contest_id.eq(contest_id))
        .order((contestants::team_id, contestants::position))
        .select(Contestant::as_select())
        .load(conn)
}
