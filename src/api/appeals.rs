//! Appeals: a team's written appeal, recorded by an organizer within the window after its
//! module ends, decided by the arbitration group (organizers and the chief judge) with a
//! reason. An upheld appeal may send the team's sheets in that module back for re-marking.

use actix_web::{web, HttpResponse};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Organizer;
use super::contests::managed_contest;
use super::review::Reviewer;
use crate::error::{ApiError, FieldError};
use crate::store::appeals::{self, Appeal};
use crate::store::judging;
use crate::store::{audit, schemes, teams, Db};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests/{slug}/appeals")
            .route(web::get().to(list))
            .route(web::post().to(file)),
    )
    .service(web::resource("/contests/{slug}/appeals/{id}/decision").route(web::post().to(decide)));
}

#[derive(Serialize, ToSchema)]
pub struct AppealView {
    id: String,
    team: String,
    module: Option<String>,
    text: String,
    /// `open`, `upheld` or `rejected`.
    status: String,
    filed_by: String,
    filed_at: chrono::NaiveDateTime,
    decision: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<chrono::NaiveDateTime>,
}

fn view(appeal: Appeal, team: String, module: Option<String>) -> AppealView {
    AppealView {
        id: appeal.id,
        team,
        module,
        text: appeal.text,
        status: appeal.status,
        filed_by: appeal.filed_by,
        filed_at: appeal.filed_at,
        decision: appeal.decision,
        decided_by: appeal.decided_by,
        decided_at: appeal.decided_at,
    }
}

fn views(
    conn: &mut crate::store::DbConnection,
    contest_id: &str,
) -> Result<Vec<AppealView>, ApiError> {
    let modules = schemes::load(conn, contest_id)?;
    let all_teams = teams::list(conn, contest_id)?;
    Ok(appeals::of_contest(conn, contest_id)?
        .into_iter()
        .map(|appeal| {
            let team = all_teams
                .iter()
                .find(|t| t.id == appeal.team_id)
                .and_then(|t| t.code.clone())
                .unwrap_or_default();
            let module = appeal
                .module_id
                .as_ref()
                .and_then(|id| modules.iter().find(|m| &m.module.id == id))
                .map(|m| m.module.code.clone());
            view(appeal, team, module)
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/appeals", tag = "judging",
    responses((status = 200, body = Vec<AppealView>), (status = 404)))]
pub async fn list(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let list = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            views(conn, &contest.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize, ToSchema)]
pub struct NewAppeal {
    /// The team's anonymous code.
    team: String,
    /// The module appealed against, if any.
    module: Option<String>,
    text: String,
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/appeals", tag = "judging", request_body = NewAppeal,
    responses((status = 201, body = AppealView), (status = 404), (status = 409), (status = 422)))]
pub async fn file(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
    body: web::Json<NewAppeal>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let text = super::validate::text("text", &body.text, 5, 4000)?;
    let slug = path.into_inner();
    let actor = organizer.actor();
    let created = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let team = teams::find_by_code(conn, &contest.id, &body.team.trim().to_uppercase())?
                .ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new(
                        "team",
                        "unknown_team",
                        "no team has this code",
                    )])
                })?;
            let module = match &body.module {
                None => None,
                Some(code) => Some(
                    schemes::load(conn, &contest.id)?
                        .into_iter()
                        .find(|m| &m.module.code == code)
                        .ok_or_else(|| {
                            ApiError::validation(vec![FieldError::new(
                                "module",
                                "unknown_module",
                                "no module has this code",
                            )])
                        })?,
                ),
            };
            // The window runs from the module's end (or the contest's) for the configured time.
            let ended = module
                .as_ref()
                .and_then(|m| m.module.ends_at)
                .unwrap_or(contest.ends_at);
            let closes = ended + Duration::minutes(i64::from(contest.appeal_window_minutes));
            let now = crate::store::now();
            if now > closes {
                return Err(ApiError::conflict(
                    "appeal.window_closed",
                    format!("Appeals closed at {closes} UTC."),
                ));
            }
            let appeal = Appeal {
                id: uuid::Uuid::new_v4().to_string(),
                contest_id: contest.id.clone(),
                team_id: team.id.clone(),
                module_id: module.as_ref().map(|m| m.module.id.clone()),
                text,
                status: "open".into(),
                filed_by: actor.clone(),
                filed_at: now,
                decision: None,
                decided_by: None,
                decided_at: None,
            };
            appeals::insert(conn, &appeal)?;
            let created = view(
                appeal,
                team.code.unwrap_or_default(),
                module.map(|m| m.module.code),
            );
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "appeal.file",
                    &format!("appeal:{}", created.id),
                )
                .after(&created),
            )?;
            Ok(created)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Deserialize, ToSchema)]
pub struct Decision {
    /// `upheld` or `rejected`.
    decision: String,
    reason: String,
    /// For an upheld appeal against a module: send the team's sheets back to the judges.
    #[serde(default)]
    reopen_sheets: bool,
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/appeals/{id}/decision", tag = "judging", request_body = Decision,
    responses((status = 200, body = AppealView), (status = 404), (status = 409), (status = 422)))]
pub async fn decide(
    reviewer: Reviewer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<(String, String)>,
    body: web::Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let reason = super::validate::text("reason", &body.reason, 3, 2000)?;
    if !matches!(body.decision.as_str(), "upheld" | "rejected") {
        return Err(ApiError::validation(vec![FieldError::new(
            "decision",
            "unknown_decision",
            "use upheld or rejected",
        )]));
    }
    let (slug, id) = path.into_inner();
    let changed = slug.clone();
    let actor = reviewer.actor();
    let decided = db
        .write(move |conn| {
            let contest = reviewer.contest(conn, &slug)?;
            let mut appeal = appeals::find(conn, &contest.id, &id)?
                .ok_or_else(|| ApiError::not_found("appeal.not_found", "No such appeal."))?;
            if appeal.status != "open" {
                return Err(ApiError::conflict(
                    "appeal.decided",
                    "This appeal has been decided already.",
                ));
            }
            let before = appeal.status.clone();
            appeal.status = body.decision.clone();
            appeal.decision = Some(reason.clone());
            appeal.decided_by = Some(actor.clone());
            appeal.decided_at = Some(crate::store::now());
            appeals::update(conn, &appeal)?;
            let subject = format!("appeal:{}", appeal.id);
            audit::append(
                conn,
                audit::Entry::new(&contest.id, &actor, "appeal.decide", &subject)
                    .before(&before)
                    .after(&appeal.status)
                    .reason(Some(&reason)),
            )?;
            if body.decision == "upheld" && body.reopen_sheets {
                let module_id = appeal.module_id.clone().ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new(
                        "reopen_sheets",
                        "no_module",
                        "this appeal names no module",
                    )])
                })?;
                judging::set_module_state(conn, &module_id, "open")?;
                for sheet in judging::reopen_team_sheets(conn, &module_id, &appeal.team_id)? {
                    let before = sheet.version - 1;
                    audit::append(
                        conn,
                        audit::Entry::new(
                            &contest.id,
                            &actor,
                            "sheet.reopen",
                            &format!("sheet:{}", sheet.id),
                        )
                        .before(&before)
                        .after(&sheet.version)
                        .reason(Some(&format!("appeal {}", appeal.id))),
                    )?;
                }
            }
            let all = views(conn, &contest.id)?;
            all.into_iter()
                .find(|a| a.id == appeal.id)
                .ok_or_else(|| ApiError::internal("appeal vanished"))
        })
        .await?;
    super::boards_changed(&hub, &changed).await;
    Ok(HttpResponse::Ok().json(decided))
}
