//! Contests and their co-hosting organizations.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{contest_hosts, contests, organizations};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contests)]
#[diesel(treat_none_as_null = true)]
pub struct Contest {
    pub id: String,
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub venue: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub state: String,
    pub visibility: String,
    pub freeze_at: Option<NaiveDateTime>,
    pub tie_break: String,
    pub award_tiers: String,
    pub team_size_min: i32,
    pub team_size_max: i32,
    pub scheme_reopened: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub appeal_window_minutes: i32,
    pub self_registration: bool,
    pub board_version: i64,
    /// `none`, `steps` or `all`: how much of the final board the public sees (issue 7).
    pub reveal_mode: String,
    /// During a step-by-step reveal: positions shown so far, from the bottom up.
    pub revealed_positions: i32,
}

/// One co-host of a contest, with its organization's name.
#[derive(Debug, Clone, Queryable)]
pub struct Host {
    pub organization_id: String,
    pub name: String,
    pub kind: String,
    pub is_lead: bool,
}

pub fn insert(conn: &mut DbConnection, contest: &Contest) -> QueryResult<()> {
    diesel::insert_into(contests::table)
        .values(contest)
        .execute(conn)
        .map(drop)
}

pub fn update(conn: &mut DbConnection, contest: &Contest) -> QueryResult<()> {
    diesel::update(contests::table.find(&contest.id))
        .set(contest)
        .execute(conn)
        .map(drop)
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Contest>> {
    contests::table
        .filter(contests::slug.eq(slug))
        .select(Contest::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Contest>> {
    contests::table
        .find(id)
        .select(Contest::as_select())
        .first(conn)
        .optional()
}

pub fn slug_taken(conn: &mut DbConnection, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        contests::table.filter(contests::slug.eq(slug)),
    ))
    .get_result(conn)
}

/// Every contest, or only those the organization co-hosts.
pub fn list(conn: &mut DbConnection, hosted_by: Option<&str>) -> QueryResult<Vec<Contest>> {
    let mut query = contests::table.select(Contest::as_select()).into_boxed();
    if let Some(organization) = hosted_by {
        let hosted = contest_hosts::table
            .filter(contest_hosts::organization_id.eq(organization.to_owned()))
            .select(contest_hosts::contest_id);
        query = query.filter(contests::id.eq_any(hosted));
    }
    query
        .order((contests::starts_at.desc(), contests::slug))
        .load(conn)
}

pub fn hosts(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<Host>> {
    contest_hosts::table
        .inner_join(organizations::table)
        .filter(contest_hosts::contest_id.eq(contest_id))
        .order((contest_hosts::is_lead.desc(), organizations::name))
        .select((
            contest_hosts::organization_id,
            organizations::name,
            organizations::kind,
            contest_hosts::is_lead,
        ))
        .load(conn)
}

pub fn is_host(
    conn: &mut DbConnection,
    contest_id: &str,
    organization_id: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        contest_hosts::table
            .filter(contest_hosts::contest_id.eq(contest_id))
            .filter(contest_hosts::organization_id.eq(organization_id)),
    ))
    .get_result(conn)
}

/// Replaces the co-hosts: `lead` first, then the others.
pub fn set_hosts(
    conn: &mut DbConnection,
    contest_id: &str,
    lead: &str,
    co_hosts: &[String],
) -> QueryResult<()> {
    diesel::delete(contest_hosts::table.filter(contest_hosts::contest_id.eq(contest_id)))
        .execute(conn)?;
    // One statement per row: the two-backend connection has no multi-row INSERT.
    let rows = std::iter::once((lead, true)).chain(
        co_hosts
            .iter()
            .filter(|id| id.as_str() != lead)
            .map(|id| (id.as_str(), false)),
    );
    for (organization, is_lead) in rows {
        diesel::insert_into(contest_hosts::table)
            .values((
                contest_hosts::contest_id.eq(contest_id),
                contest_hosts::organization_id.eq(organization),
                contest_hosts::is_lead.eq(is_lead),
            ))
            .execute(conn)?;
    }
    Ok(())
}
