//! Organizations (co-hosts) and organizer accounts. The administrator creates both; organizers
//! see the organizations (to pick co-hosts) and the members of their own.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Organizer;
use super::validate::Checks;
use super::views::{OrganizationView, UserView};
use crate::error::ApiError;
use crate::security::{generate_password, hash_password};
use crate::store::accounts::{self, Organization, User};
use crate::store::Db;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organizations")
            .route(web::get().to(list_organizations))
            .route(web::post().to(create_organization)),
    )
    .service(
        web::resource("/users")
            .route(web::get().to(list_users))
            .route(web::post().to(create_user)),
    );
}

const ORGANIZATION_KINDS: [&str; 3] = ["school", "enterprise", "other"];

#[derive(Deserialize, ToSchema)]
pub struct NewOrganization {
    name: String,
    /// `school`, `enterprise` or `other`.
    kind: String,
}

#[utoipa::path(get, path = "/api/v1/organizations", tag = "accounts",
    responses((status = 200, body = Vec<OrganizationView>), (status = 401)))]
pub async fn list_organizations(
    _organizer: Organizer,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let orgs = db
        .read(|conn| Ok(accounts::list_organizations(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(
        orgs.into_iter()
            .map(OrganizationView::from)
            .collect::<Vec<_>>(),
    ))
}

#[utoipa::path(post, path = "/api/v1/organizations", tag = "accounts", request_body = NewOrganization,
    responses((status = 201, body = OrganizationView), (status = 403), (status = 409), (status = 422)))]
pub async fn create_organization(
    organizer: Organizer,
    db: web::Data<Db>,
    body: web::Json<NewOrganization>,
) -> Result<HttpResponse, ApiError> {
    organizer.require_admin()?;
    let mut checks = Checks::new();
    let name = checks.text("name", &body.name, 1, 100);
    if !ORGANIZATION_KINDS.contains(&body.kind.as_str()) {
        checks.push(
            "kind",
            "unknown_kind",
            "kind must be school, enterprise or other",
        );
    }
    checks.finish()?;
    let org = Organization {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        kind: body.kind.clone(),
        created_at: Utc::now().naive_utc(),
    };
    let stored = org.clone();
    db.write(move |conn| {
        if accounts::find_organization_by_name(conn, &stored.name)?.is_some() {
            return Err(ApiError::conflict(
                "organization.duplicate_name",
                "An organization with this name exists already.",
            ));
        }
        Ok(accounts::insert_organization(conn, &stored)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(OrganizationView::from(org)))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "accounts",
    responses((status = 200, body = Vec<UserView>), (status = 401)))]
pub async fn list_users(organizer: Organizer, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    // The administrator sees everyone; an organizer only the members of their organization.
    let scope = if organizer.is_admin() {
        None
    } else {
        Some(organizer.organization_id().unwrap_or_default().to_owned())
    };
    let users = db
        .read(move |conn| Ok(accounts::list_users(conn, scope.as_deref())?))
        .await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(UserView::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    username: String,
    display_name: String,
    organization_id: Option<String>,
    /// Leave out to have one generated (returned once in the response).
    password: Option<String>,
    #[serde(default)]
    is_admin: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    user: UserView,
    /// Present only when the server generated the password.
    generated_password: Option<String>,
}

/// Validates a username: 3–32 characters of ASCII letters, digits, `.`, `_` and `-`.
pub fn check_username(checks: &mut Checks, username: &str) {
    let valid = (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !valid {
        checks.push(
            "username",
            "invalid_username",
            "use 3–32 letters, digits, '.', '_' or '-'",
        );
    }
}

pub fn check_password(checks: &mut Checks, password: &str) {
    if password.chars().count() < 10 {
        checks.push(
            "password",
            "too_short",
            "passwords need at least 10 characters",
        );
    } else if password.len() > 256 {
        checks.push(
            "password",
            "too_long",
            "passwords may have at most 256 bytes",
        );
    }
}

#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewUser,
    responses((status = 201, body = CreatedUser), (status = 403), (status = 409), (status = 422)))]
pub async fn create_user(
    organizer: Organizer,
    db: web::Data<Db>,
    body: web::Json<NewUser>,
) -> Result<HttpResponse, ApiError> {
    organizer.require_admin()?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    check_username(&mut checks, &body.username);
    let display_name = checks.text("display_name", &body.display_name, 1, 60);
    if let Some(password) = &body.password {
        check_password(&mut checks, password);
    }
    if body.organization_id.is_none() && !body.is_admin {
        checks.push(
            "organization_id",
            "required",
            "an organizer belongs to an organization",
        );
    }
    checks.finish()?;

    let generated = body.password.is_none().then(generate_password);
    let password = body
        .password
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let password_hash = web::block(move || hash_password(&password))
        .await?
        .map_err(ApiError::internal)?;
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        organization_id: body.organization_id,
        username: body.username,
        display_name,
        password_hash,
        is_admin: body.is_admin,
        disabled: false,
        created_at: Utc::now().naive_utc(),
    };
    let stored = user.clone();
    db.write(move |conn| {
        if let Some(org) = &stored.organization_id {
            if accounts::find_organization(conn, org)?.is_none() {
                return Err(ApiError::validation(vec![crate::error::FieldError::new(
                    "organization_id",
                    "unknown_organization",
                    "no organization has this id",
                )]));
            }
        }
        if accounts::find_user_by_username(conn, &stored.username)?.is_some() {
            return Err(ApiError::conflict(
                "user.duplicate_username",
                "This username is taken.",
            ));
        }
        Ok(accounts::insert_user(conn, &stored)?)
    })
    .await?;
    Ok(HttpResponse::Created().json(CreatedUser {
        user: UserView::from(user),
        generated_password: generated,
    }))
}
