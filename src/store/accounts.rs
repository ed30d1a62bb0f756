//! Organizations, organizer users, their sessions and API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, organizations, sessions, users};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub organization_id: Option<String>,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_organization(conn: &mut DbConnection, org: &Organization) -> QueryResult<()> {
    diesel::insert_into(organizations::table)
        .values(org)
        .execute(conn)
        .map(drop)
}

pub fn list_organizations(conn: &mut DbConnection) -> QueryResult<Vec<Organization>> {
    organizations::table
        .order(organizations::name)
        .select(Organization::as_select())
        .load(conn)
}

pub fn find_organization(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

pub fn find_organization_by_name(
    conn: &mut DbConnection,
    name: &str,
) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(organizations::name.eq(name))
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

pub fn count_users(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

pub fn insert_user(conn: &mut DbConnection, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(drop)
}

pub fn find_user_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn find_user(conn: &mut DbConnection, id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn list_users(conn: &mut DbConnection, organization: Option<&str>) -> QueryResult<Vec<User>> {
    let mut query = users::table.select(User::as_select()).into_boxed();
    if let Some(organization) = organization {
        query = query.filter(users::organization_id.eq(organization));
    }
    query.order(users::username).load(conn)
}

pub fn set_password_hash(conn: &mut DbConnection, user_id: &str, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
}

pub fn insert_session(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The enabled user behind an unexpired session.
pub fn user_for_session(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<User>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn delete_session(conn: &mut DbConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)
}

pub fn delete_sessions_of_user(conn: &mut DbConnection, user_id: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

pub fn insert_api_token(conn: &mut DbConnection, token: &ApiToken) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table)
        .values(token)
        .execute(conn)
        .map(drop)
}

/// The enabled user behind an unrevoked API token.
pub fn user_for_api_token(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<User>> {
    api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::disabled.eq(false))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn touch_api_token(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(api_tokens::table.filter(api_tokens::token_hash.eq(token_hash)))
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)
}

pub fn list_api_tokens(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<ApiToken>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::created_at)
        .select(ApiToken::as_select())
        .load(conn)
}

/// Revokes one of the user's tokens; returns whether it existed and was live.
pub fn revoke_api_token(
    conn: &mut DbConnection,
    user_id: &str,
    token_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        api_tokens::table
            .filter(api_tokens::id.eq(token_id))
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}
