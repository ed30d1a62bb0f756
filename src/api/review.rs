//! The chief judge's (and organizers') review of a module: which sheets are missing, drafts or
//! submitted, which judgement marks disagree beyond the threshold; resolving those flags; and
//! signing the module off (lock), which needs nothing missing and nothing flagged.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;

use super::caller::{MaybeOrganizer, Organizer};
use super::contests::managed_contest;
use super::judge_auth::JudgeCaller;
use crate::error::{ApiError, FieldError};
use crate::store::contests::Contest;
use crate::store::judging::{self, sheet_status};
use crate::store::review::{build_review, levels_key, ModuleReview};
use crate::store::schemes::{self, StoredModule};
use crate::store::{audit, teams, Db, DbConnection};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests/{slug}/modules/{code}/review").route(web::get().to(review)),
    )
    .service(
        web::resource("/contests/{slug}/modules/{code}/resolutions").route(web::post().to(resolve)),
    )
    .service(web::resource("/contests/{slug}/modules/{code}/lock").route(web::post().to(lock)))
    .service(web::resource("/contests/{slug}/modules/{code}/unlock").route(web::post().to(unlock)));
}

/// An organizer of the contest, or its chief judge.
pub enum Reviewer {
    Organizer(Organizer),
    ChiefJudge(Box<JudgeCaller>),
}

impl Reviewer {
    pub fn actor(&self) -> String {
        match self {
            Reviewer::Organizer(o) => o.actor(),
            Reviewer::ChiefJudge(j) => j.actor(),
        }
    }

    /// The contest at `slug` if this reviewer may review it (404 otherwise, as for organizers).
    pub fn contest(&self, conn: &mut DbConnection, slug: &str) -> Result<Contest, ApiError> {
        match self {
            Reviewer::Organizer(organizer) => managed_contest(conn, slug, organizer),
            Reviewer::ChiefJudge(judge) if judge.contest.slug == slug => Ok(judge.contest.clone()),
            Reviewer::ChiefJudge(_) => Err(ApiError::not_found(
                "contest.not_found",
                format!("No contest {slug:?}."),
            )),
        }
    }
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for Reviewer {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let organizer = MaybeOrganizer::from_request(req, payload);
        let judge = JudgeCaller::from_request(req, payload);
        Box::pin(async move {
            if let MaybeOrganizer(Some(organizer)) = organizer.await? {
                return Ok(Reviewer::Organizer(organizer));
            }
            match judge.await {
                Ok(judge) if judge.judge.is_chief => Ok(Reviewer::ChiefJudge(Box::new(judge))),
                Ok(_) => Err(ApiError::forbidden(
                    "judge.not_chief",
                    "Only the chief judge reviews modules.",
                )),
                Err(_) => Err(ApiError::unauthorized(
                    "auth.required",
                    "Sign in as an organizer or the chief judge.",
                )),
            }
        })
    }
}

fn find_module(
    conn: &mut DbConnection,
    contest: &Contest,
    code: &str,
) -> Result<StoredModule, ApiError> {
    schemes::load(conn, &contest.id)?
        .into_iter()
        .find(|m| m.module.code == code)
        .ok_or_else(|| ApiError::not_found("module.not_found", format!("No module {code:?}.")))
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/modules/{code}/review", tag = "judging",
    responses((status = 200, body = ModuleReview), (status = 401), (status = 403), (status = 404)))]
pub async fn review(
    reviewer: Reviewer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let view = db
        .read(move |conn| {
            let contest = reviewer.contest(conn, &slug)?;
            let module = find_module(conn, &contest, &code)?;
            build_review(conn, &contest, &module)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct Resolution {
    /// The team's code.
    team: String,
    criterion: String,
    /// `accepted`: the marks stand as they are; `remark`: the panel's sheets for this team go
    /// back to draft for the judges to mark again.
    resolution: String,
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/modules/{code}/resolutions", tag = "judging", request_body = Resolution,
    responses((status = 200, body = ModuleReview), (status = 404), (status = 409), (status = 422)))]
pub async fn resolve(
    reviewer: Reviewer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<(String, String)>,
    body: web::Json<Resolution>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let changed = slug.clone();
    let body = body.into_inner();
    let reason = super::validate::text("reason", &body.reason, 3, 500)?;
    if !matches!(body.resolution.as_str(), "accepted" | "remark") {
        return Err(ApiError::validation(vec![FieldError::new(
            "resolution",
            "unknown_resolution",
            "use accepted or remark",
        )]));
    }
    let actor = reviewer.actor();
    let view = db
        .write(move |conn| {
            let contest = reviewer.contest(conn, &slug)?;
            let module = find_module(conn, &contest, &code)?;
            if module.module.state == "locked" {
                return Err(ApiError::conflict(
                    "module.locked",
                    "The module is signed off; unlock it first.",
                ));
            }
            let team = teams::find_by_code(conn, &contest.id, &body.team.trim().to_uppercase())?
                .ok_or_else(|| ApiError::not_found("team.not_found", "No team has this code."))?;
            let review = build_review(conn, &contest, &module)?;
            let flag = review
                .teams
                .iter()
                .find(|t| Some(&t.team) == team.code.as_ref())
                .and_then(|t| t.flags.iter().find(|f| f.criterion == body.criterion))
                .ok_or_else(|| {
                    ApiError::not_found(
                        "flag.not_found",
                        "There is no discrepancy for this team and criterion.",
                    )
                })?;
            let subject = format!("module:{code}:team:{}:{}", body.team, body.criterion);
            if body.resolution == "accepted" {
                judging::insert_resolution(
                    conn,
                    &judging::ResolutionRow {
                        id: uuid::Uuid::new_v4().to_string(),
                        module_id: module.module.id.clone(),
                        team_id: team.id.clone(),
                        criterion_code: body.criterion.clone(),
                        levels: levels_key(&flag.levels),
                        resolution: body.resolution.clone(),
                        reason: reason.clone(),
                        resolved_by: actor.clone(),
                        resolved_at: Utc::now().naive_utc(),
                    },
                )?;
            } else {
                judging::reopen_team_sheets(conn, &module.module.id, &team.id)?;
            }
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    &format!("flag.{}", body.resolution),
                    &subject,
                )
                .before(&flag.levels)
                .reason(Some(&reason)),
            )?;
            build_review(conn, &contest, &module)
        })
        .await?;
    super::boards_changed(&hub, &changed).await;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/modules/{code}/lock", tag = "judging",
    responses((status = 200, body = ModuleReview), (status = 404), (status = 409)))]
pub async fn lock(
    reviewer: Reviewer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let changed = slug.clone();
    let actor = reviewer.actor();
    let view = db
        .write(move |conn| {
            let contest = reviewer.contest(conn, &slug)?;
            let module = find_module(conn, &contest, &code)?;
            let review = build_review(conn, &contest, &module)?;
            let mut blocking = Vec::new();
            for team in &review.teams {
                for sheet in team
                    .sheets
                    .iter()
                    .filter(|s| s.status != sheet_status::SUBMITTED)
                {
                    blocking.push(FieldError::new(
                        format!("teams.{}", team.team),
                        format!("sheet.{}", sheet.status),
                        format!(
                            "{}'s sheet for team {} is {}",
                            sheet.judge_name, team.team, sheet.status
                        ),
                    ));
                }
                for flag in team.flags.iter().filter(|f| !f.resolved) {
                    blocking.push(FieldError::new(
                        format!("teams.{}", team.team),
                        "flag.open",
                        format!(
                            "criterion {} differs by {} levels",
                            flag.criterion, flag.spread
                        ),
                    ));
                }
            }
            if !blocking.is_empty() {
                return Err(ApiError::conflict(
                    "module.not_ready",
                    "The module cannot be signed off while sheets are missing or flags are open.",
                )
                .with_errors(blocking));
            }
            judging::set_module_state(conn, &module.module.id, "locked")?;
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "module.lock",
                    &format!("module:{code}"),
                ),
            )?;
            let module = find_module(conn, &contest, &code)?;
            build_review(conn, &contest, &module)
        })
        .await?;
    super::boards_changed(&hub, &changed).await;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct Unlock {
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/modules/{code}/unlock", tag = "judging", request_body = Unlock,
    responses((status = 200, body = ModuleReview), (status = 404), (status = 409), (status = 422)))]
pub async fn unlock(
    reviewer: Reviewer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<(String, String)>,
    body: web::Json<Unlock>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let changed = slug.clone();
    let reason = super::validate::text("reason", &body.reason, 3, 500)?;
    let actor = reviewer.actor();
    let view = db
        .write(move |conn| {
            let contest = reviewer.contest(conn, &slug)?;
            let module = find_module(conn, &contest, &code)?;
            if module.module.state != "locked" {
                return Err(ApiError::conflict(
                    "module.not_locked",
                    "The module is open already.",
                ));
            }
            judging::set_module_state(conn, &module.module.id, "open")?;
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "module.unlock",
                    &format!("module:{code}"),
                )
                .reason(Some(&reason)),
            )?;
            let module = find_module(conn, &contest, &code)?;
            build_review(conn, &contest, &module)
        })
        .await?;
    super::boards_changed(&hub, &changed).await;
    Ok(HttpResponse::Ok().json(view))
}
