//! Judges sign in with their personal link's token (and PIN, if one was set) and get a judge
//! session, sent back as an HttpOnly cookie and in the body for the offline app to keep.

use std::future::{ready, Future, Ready};
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::LoginThrottle;
use crate::error::ApiError;
use crate::security::{new_secret, secret_hash, verify_password};
use crate::store::contests::{self, Contest};
use crate::store::judging::{self, Judge};
use crate::store::{Db, DbConnection};

pub const JUDGE_COOKIE: &str = "skillboard_judge";
/// Judge sessions last a contest day and a night.
const SESSION_HOURS: i64 = 24;

/// Link tokens are `sbj_` and 43 characters; PINs are digits. Anything far longer is refused
/// before the throttle.
const MAX_LINK_TOKEN_CHARS: usize = 128;
const MAX_PIN_CHARS: usize = 64;

/// A signed-in judge, with their contest.
#[derive(Debug, Clone)]
pub struct JudgeCaller {
    pub judge: Judge,
    pub contest: Contest,
}

impl JudgeCaller {
    pub fn actor(&self) -> String {
        format!("judge:{}:{}", self.judge.id, self.judge.name)
    }
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// The judge session a request carries (bearer token or cookie), not yet looked up. Extracting
/// it touches no database, so a write can check the session inside its own transaction instead
/// of in a separate read first.
#[derive(Debug, Clone)]
pub struct JudgeCredential {
    session_hash: String,
}

impl JudgeCredential {
    /// The signed-in judge and their contest, if the session is unexpired and the judge has not
    /// been revoked: checked on every request, so a revocation takes effect at once on every node.
    pub fn authenticate(&self, conn: &mut DbConnection) -> Result<JudgeCaller, ApiError> {
        let now = Utc::now().naive_utc();
        let (judge, contest) =
            judging::session_caller(conn, &self.session_hash, now)?.ok_or_else(session_ended)?;
        Ok(JudgeCaller { judge, contest })
    }
}

fn session_ended() -> ApiError {
    ApiError::unauthorized(
        "judge.session_invalid",
        "This judge session has ended or was revoked; ask the organizers for a new link.",
    )
}

impl FromRequest for JudgeCredential {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready((|| {
            let secret = judge_secret(req).ok_or_else(|| {
                ApiError::unauthorized("judge.sign_in_required", "Open your judge link to sign in.")
            })?;
            if req.cookie(JUDGE_COOKIE).is_some() {
                super::caller::check_origin(req)?;
            }
            Ok(JudgeCredential {
                session_hash: secret_hash(&secret),
            })
        })())
    }
}

impl FromRequest for JudgeCaller {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let credential = JudgeCredential::from_request(req, payload).into_inner();
        let db = req.app_data::<web::Data<Db>>().cloned();
        Box::pin(async move {
            let credential = credential?;
            let db = db.ok_or_else(|| ApiError::internal("no database in app data"))?;
            db.read(move |conn| credential.authenticate(conn)).await
        })
    }
}

fn judge_secret(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| token.starts_with("sbk_"))
        .map(str::to_owned);
    bearer.or_else(|| req.cookie(JUDGE_COOKIE).map(|c| c.value().to_owned()))
}

#[derive(Deserialize, ToSchema)]
pub struct JudgeSignIn {
    /// The `t` parameter of the judge's personal link.
    token: String,
    pin: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JudgeSessionView {
    /// Send as `Authorization: Bearer …` when cookies are not available.
    session: String,
    judge_id: String,
    name: String,
    is_chief: bool,
    contest: String,
}

#[utoipa::path(post, path = "/api/v1/judge/session", tag = "judging", request_body = JudgeSignIn,
    responses((status = 200, body = JudgeSessionView), (status = 401), (status = 429)))]
pub async fn sign_in(
    req: HttpRequest,
    db: web::Data<Db>,
    throttle: web::Data<LoginThrottle>,
    addresses: web::Data<super::limits::ClientAddresses>,
    body: web::Json<JudgeSignIn>,
) -> Result<HttpResponse, ApiError> {
    let JudgeSignIn { token, pin } = body.into_inner();
    super::validate::at_most("token", &token, MAX_LINK_TOKEN_CHARS)?;
    if let Some(pin) = &pin {
        super::validate::at_most("pin", pin, MAX_PIN_CHARS)?;
    }
    let address = addresses.key(&req);
    throttle.check(&format!("judge-link:{token}"), &address)?;
    let link_hash = secret_hash(&token);
    let (judge, contest) = db
        .read(move |conn| {
            let judge = judging::judge_for_link(conn, &link_hash)?;
            let contest = match &judge {
                Some(judge) => contests::find_by_id(conn, &judge.contest_id)?,
                None => None,
            };
            Ok((judge, contest))
        })
        .await?;
    let refused =
        || ApiError::unauthorized("judge.invalid_link", "This judge link or PIN is not valid.");
    let (judge, contest) = match (judge, contest) {
        (Some(judge), Some(contest)) => (judge, contest),
        _ => return Err(refused()),
    };
    if let Some(pin_hash) = judge.pin_hash.clone() {
        let pin = pin.unwrap_or_default();
        let ok = web::block(move || verify_password(&pin, &pin_hash)).await?;
        if !ok {
            return Err(refused());
        }
    }
    let secret = new_secret("sbk_");
    let hash = secret_hash(&secret);
    let judge_id = judge.id.clone();
    let now = Utc::now().naive_utc();
    db.write(move |conn| {
        Ok(judging::insert_judge_session(
            conn,
            &hash,
            &judge_id,
            now,
            now + Duration::hours(SESSION_HOURS),
        )?)
    })
    .await?;
    let cookie = Cookie::build(JUDGE_COOKIE, secret.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(JudgeSessionView {
        session: secret,
        judge_id: judge.id,
        name: judge.name,
        is_chief: judge.is_chief,
        contest: contest.slug,
    }))
}
