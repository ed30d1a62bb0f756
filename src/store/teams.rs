//! Teams and their contestants.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::connection::on_backend;
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
    on_backend!(conn, |conn| teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::code.eq(code))
        .select(Team::as_select())
        .first(conn)
        .optional())
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

pub fn insert(conn: &mut DbConnection, team: &Team) -> QueryResult<()> {
    diesel::insert_into(teams::table)
        .values(team)
        .execute(conn)
        .map(drop)
}

pub fn update(conn: &mut DbConnection, team: &Team) -> QueryResult<()> {
    diesel::update(teams::table.find(&team.id))
        .set(team)
        .execute(conn)
        .map(drop)
}

/// Deletes a team and (by cascade) its contestants; only for teams that never took part
/// (a rejected self-registration).
pub fn delete(conn: &mut DbConnection, team_id: &str) -> QueryResult<()> {
    diesel::delete(contestants::table.filter(contestants::team_id.eq(team_id))).execute(conn)?;
    diesel::delete(teams::table.find(team_id))
        .execute(conn)
        .map(drop)
}

/// The team a school registered under `name`, if any (school and name identify a team).
pub fn find_by_name(
    conn: &mut DbConnection,
    contest_id: &str,
    school: &str,
    name: &str,
) -> QueryResult<Option<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::school.eq(school))
        .filter(teams::name.eq(name))
        .select(Team::as_select())
        .first(conn)
        .optional()
}

/// The teams of a contest with one status, in the order of [`list`].
pub fn list_with_status(
    conn: &mut DbConnection,
    contest_id: &str,
    status: &str,
) -> QueryResult<Vec<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::status.eq(status))
        .order((teams::station.asc(), teams::school, teams::name))
        .select(Team::as_select())
        .load(conn)
}

pub fn insert_contestant(conn: &mut DbConnection, contestant: &Contestant) -> QueryResult<()> {
    diesel::insert_into(contestants::table)
        .values(contestant)
        .execute(conn)
        .map(drop)
}

pub fn update_contestant(conn: &mut DbConnection, contestant: &Contestant) -> QueryResult<()> {
    diesel::update(contestants::table.find(&contestant.id))
        .set(contestant)
        .execute(conn)
        .map(drop)
}

pub fn delete_contestant(conn: &mut DbConnection, contestant_id: &str) -> QueryResult<()> {
    diesel::delete(contestants::table.find(contestant_id))
        .execute(conn)
        .map(drop)
}

/// Every ID number registered in a contest, with the id, school and name of its team.
pub fn id_number_owners(
    conn: &mut DbConnection,
    contest_id: &str,
) -> QueryResult<Vec<(String, Team)>> {
    let rows: Vec<(Option<String>, Team)> = contestants::table
        .inner_join(teams::table)
        .filter(contestants::contest_id.eq(contest_id))
        .filter(contestants::id_number.is_not_null())
        .select((contestants::id_number, Team::as_select()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id_number, team)| Some((id_number?, team)))
        .collect())
}

/// Checked-in registered teams that have no station yet: who the next draw is for.
pub fn awaiting_draw(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::status.eq(status::REGISTERED))
        .filter(teams::checked_in_at.is_not_null())
        .filter(teams::station.is_null())
        .order((teams::school, teams::name))
        .select(Team::as_select())
        .load(conn)
}

/// Teams that hold a station, by station.
pub fn drawn(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<Team>> {
    teams::table
        .filter(teams::contest_id.eq(contest_id))
        .filter(teams::station.is_not_null())
        .order(teams::station.asc())
        .select(Team::as_select())
        .load(conn)
}

/// Takes every station and code back, for a redraw.
pub fn clear_draw(conn: &mut DbConnection, contest_id: &str) -> QueryResult<usize> {
    diesel::update(teams::table.filter(teams::contest_id.eq(contest_id)))
        .set((
            teams::station.eq(None::<i32>),
            teams::code.eq(None::<String>),
        ))
        .execute(conn)
}

pub fn assign_draw(
    conn: &mut DbConnection,
    team_id: &str,
    station: i32,
    code: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(teams::table.find(team_id))
        .set((
            teams::station.eq(Some(station)),
            teams::code.eq(Some(code)),
            teams::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}
