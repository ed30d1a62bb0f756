//! Signing in and out, the current user, and API tokens.

use std::num::NonZeroU32;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use governor::Quota;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::{Organizer, SESSION_COOKIE};
use super::limits::{BoundedLimiter, MAX_THROTTLE_KEYS};
use super::validate;
use super::views::{OrganizationView, UserView};
use crate::error::ApiError;
use crate::security::{new_secret, secret_hash, verify_password};
use crate::store::{accounts, Db};

const SESSION_HOURS: i64 = 12;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/auth/me").route(web::get().to(me)))
        .service(
            web::resource("/auth/tokens")
                .route(web::get().to(list_tokens))
                .route(web::post().to(create_token)),
        )
        .service(web::resource("/auth/tokens/{id}").route(web::delete().to(revoke_token)));
}

/// Slows down password guessing: each account and each client address gets a small budget of
/// attempts that refills over time (10 a minute per account; per address as configured, 30 by
/// default). Judges' link sign-ins count against the same address budget. Accounts are keyed
/// by a hash of the (length-capped) username, so a key's size does not depend on the request.
pub struct LoginThrottle {
    per_account: BoundedLimiter,
    per_address: BoundedLimiter,
}

/// Longer usernames are refused before the throttle: no account can have one (3–32
/// characters, `accounts::check_username`), so they are not guesses, only ballast.
pub const MAX_LOGIN_USERNAME_CHARS: usize = 64;
/// Longer passwords are refused before hashing: Argon2 over megabytes is a CPU sink.
pub const MAX_LOGIN_PASSWORD_CHARS: usize = 1024;

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(30)
    }
}

impl LoginThrottle {
    pub fn new(per_address_per_minute: u32) -> Self {
        let per_minute = |n| Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN));
        Self {
            per_account: BoundedLimiter::new(per_minute(10), MAX_THROTTLE_KEYS),
            per_address: BoundedLimiter::new(per_minute(per_address_per_minute), MAX_THROTTLE_KEYS),
        }
    }
}

impl LoginThrottle {
    /// `account` is any text naming what is being guessed at (a username, folded to lower case
    /// as accounts are; a judge link, as sent); it is hashed, so keys have one size.
    pub fn check(&self, account: &str, address: &str) -> Result<(), ApiError> {
        let address = self.per_address.check(address);
        // An address past its budget spends no account budget, so one address adds at most its
        // budget of account keys per minute.
        let account = match address {
            Ok(()) => self
                .per_account
                .check(&crate::security::secret_hash(account)),
            Err(_) => Ok(()),
        };
        let wait = [account.err(), address.err()].into_iter().flatten().max();
        match wait {
            None => Ok(()),
            Some(wait) => Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "auth.rate_limited",
                format!(
                    "Too many sign-in attempts; try again in {} seconds.",
                    wait.as_secs().max(1)
                ),
            )
            .retry_after(wait.as_secs().max(1))),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    user: UserView,
    organization: Option<OrganizationView>,
}

/// A password hash to verify against when the user does not exist, so that the answer takes
/// as long as for a wrong password and does not reveal which usernames exist.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::security::hash_password(&crate::security::generate_password()).unwrap_or_default()
});

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = MeView), (status = 401), (status = 429)))]
pub async fn login(
    req: HttpRequest,
    db: web::Data<Db>,
    throttle: web::Data<LoginThrottle>,
    addresses: web::Data<super::limits::ClientAddresses>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password } = body.into_inner();
    validate::at_most("username", &username, MAX_LOGIN_USERNAME_CHARS)?;
    validate::at_most("password", &password, MAX_LOGIN_PASSWORD_CHARS)?;
    let address = addresses.key(&req);
    throttle.check(&username.to_lowercase(), &address)?;

    let found = {
        let username = username.clone();
        db.read(move |conn| Ok(accounts::find_user_by_username(conn, &username)?))
            .await?
    };
    let stored_hash = found
        .as_ref()
        .map(|user| user.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let password_ok = web::block(move || verify_password(&password, &stored_hash)).await?;
    let user = match found {
        Some(user) if password_ok && !user.disabled => user,
        _ => {
            tracing::warn!(%username, %address, "failed sign-in");
            return Err(ApiError::unauthorized(
                "auth.invalid_credentials",
                "Wrong username or password.",
            ));
        }
    };

    let secret = new_secret("sbs_");
    let hash = secret_hash(&secret);
    let now = Utc::now().naive_utc();
    let me = {
        let user = user.clone();
        db.write(move |conn| {
            accounts::insert_session(
                conn,
                &hash,
                &user.id,
                now,
                now + Duration::hours(SESSION_HOURS),
            )?;
            me_view(conn, user)
        })
        .await?
    };
    let cookie = Cookie::build(SESSION_COOKIE, secret)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(me))
}

fn me_view(
    conn: &mut crate::store::DbConnection,
    user: accounts::User,
) -> Result<MeView, ApiError> {
    let organization = match &user.organization_id {
        Some(id) => accounts::find_organization(conn, id)?.map(OrganizationView::from),
        None => None,
    };
    Ok(MeView {
        user: UserView::from(user),
        organization,
    })
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(req: HttpRequest, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        super::caller::check_origin(&req)?;
        let hash = secret_hash(cookie.value());
        db.write(move |conn| Ok(accounts::delete_session(conn, &hash)?))
            .await?;
    }
    let mut removal = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    removal.make_removal();
    Ok(HttpResponse::NoContent().cookie(removal).finish())
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = MeView), (status = 401)))]
pub async fn me(organizer: Organizer, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    let user = organizer.user;
    let me = db.read(move |conn| me_view(conn, user)).await?;
    Ok(HttpResponse::Ok().json(me))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTokenRequest {
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    id: String,
    name: String,
    created_at: chrono::NaiveDateTime,
    last_used_at: Option<chrono::NaiveDateTime>,
    revoked: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedTokenView {
    #[serde(flatten)]
    token: TokenView,
    /// The secret, shown this once: only its hash is stored.
    secret: String,
}

impl From<accounts::ApiToken> for TokenView {
    fn from(token: accounts::ApiToken) -> Self {
        Self {
            id: token.id,
            name: token.name,
            created_at: token.created_at,
            last_used_at: token.last_used_at,
            revoked: token.revoked_at.is_some(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth",
    responses((status = 200, body = Vec<TokenView>)))]
pub async fn list_tokens(
    organizer: Organizer,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let user_id = organizer.user.id;
    let tokens = db
        .read(move |conn| Ok(accounts::list_api_tokens(conn, &user_id)?))
        .await?;
    Ok(HttpResponse::Ok().json(tokens.into_iter().map(TokenView::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = NewTokenRequest,
    responses((status = 201, body = CreatedTokenView), (status = 422)))]
pub async fn create_token(
    organizer: Organizer,
    db: web::Data<Db>,
    body: web::Json<NewTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let name = super::validate::text("name", &body.name, 1, 80)?;
    let secret = new_secret("sbt_");
    let token = accounts::ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: organizer.user.id,
        name,
        token_hash: secret_hash(&secret),
        created_at: Utc::now().naive_utc(),
        last_used_at: None,
        revoked_at: None,
    };
    let stored = token.clone();
    db.write(move |conn| Ok(accounts::insert_api_token(conn, &stored)?))
        .await?;
    Ok(HttpResponse::Created().json(CreatedTokenView {
        token: TokenView::from(token),
        secret,
    }))
}

#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth",
    responses((status = 204), (status = 404)))]
pub async fn revoke_token(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let token_id = path.into_inner();
    let user_id = organizer.user.id;
    let revoked = db
        .write(move |conn| {
            Ok(accounts::revoke_api_token(
                conn,
                &user_id,
                &token_id,
                Utc::now().naive_utc(),
            )?)
        })
        .await?;
    if revoked {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(
            "token.not_found",
            "No such live token of yours.",
        ))
    }
}
