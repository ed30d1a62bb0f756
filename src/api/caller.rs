//! Who is calling: an organizer signed in by session cookie or API token, or nobody.
//! Handlers take [`Organizer`] to require one, or [`MaybeOrganizer`] where anonymous is fine.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpRequest};
use chrono::Utc;

use crate::error::ApiError;
use crate::security::secret_hash;
use crate::store::accounts::{self, User};
use crate::store::Db;

pub const SESSION_COOKIE: &str = "skillboard_session";

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    SessionCookie,
    ApiToken,
}

/// A signed-in organizer (or the administrator).
#[derive(Debug, Clone)]
pub struct Organizer {
    pub user: User,
    pub credential: Credential,
}

impl Organizer {
    pub fn id(&self) -> &str {
        &self.user.id
    }

    pub fn is_admin(&self) -> bool {
        self.user.is_admin
    }

    pub fn organization_id(&self) -> Option<&str> {
        self.user.organization_id.as_deref()
    }

    /// The name written into audit events.
    pub fn actor(&self) -> String {
        format!("user:{}", self.user.username)
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "auth.admin_only",
                "Only the administrator may do this.",
            ))
        }
    }
}

/// An organizer if the request carries valid credentials, else nobody.
pub struct MaybeOrganizer(pub Option<Organizer>);

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for Organizer {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(&req).await?.ok_or_else(|| {
                ApiError::unauthorized("auth.required", "Sign in as an organizer first.")
            })
        })
    }
}

impl FromRequest for MaybeOrganizer {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await.map(MaybeOrganizer) })
    }
}

/// Reads a bearer token or the session cookie. Presenting a credential that is wrong is an
/// error (401), not anonymity, so a script with a revoked token learns so at once.
async fn authenticate(req: &HttpRequest) -> Result<Option<Organizer>, ApiError> {
    let db = req
        .app_data::<web::Data<Db>>()
        .ok_or_else(|| ApiError::internal("no database in app data"))?
        .clone();
    if let Some(token) = bearer_token(req) {
        let hash = secret_hash(&token);
        let user = db
            .write(move |conn| {
                let user = accounts::user_for_api_token(conn, &hash)?;
                if user.is_some() {
                    accounts::touch_api_token(conn, &hash, Utc::now().naive_utc())?;
                }
                Ok(user)
            })
            .await?
            .ok_or_else(|| {
                ApiError::unauthorized("auth.invalid_token", "The API token is unknown or revoked.")
            })?;
        return Ok(Some(Organizer {
            user,
            credential: Credential::ApiToken,
        }));
    }
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(None);
    };
    check_origin(req)?;
    let hash = secret_hash(cookie.value());
    let user = db
        .read(move |conn| {
            Ok(accounts::user_for_session(
                conn,
                &hash,
                Utc::now().naive_utc(),
            )?)
        })
        .await?;
    Ok(user.map(|user| Organizer {
        user,
        credential: Credential::SessionCookie,
    }))
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    // Judge sessions (`sbk_…`) are bearer tokens too; they are not an organizer's.
    (!token.is_empty() && !token.starts_with("sbk_")).then(|| token.to_owned())
}

/// Whether the request carries an `Origin` other than this server's own address.
pub fn has_foreign_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return false;
    };
    let host = req.connection_info().host().to_owned();
    origin
        .to_str()
        .ok()
        .and_then(|origin| origin.split_once("://"))
        .is_none_or(|(_, authority)| authority != host)
}

/// Cookie-authenticated requests that change state must come from our own pages: a browser
/// always sends `Origin` on such requests, and a cross-site one shows a foreign origin.
pub fn check_origin(req: &HttpRequest) -> Result<(), ApiError> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe {
        return Ok(());
    }
    if !has_foreign_origin(req) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "auth.bad_origin",
            "This request came from another site and was refused.",
        ))
    }
}
