//! Organizers manage a contest's judges: create them, hand out personal links (with QR codes),
//! re-issue or revoke links, and set each module's panel.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use qrcode::render::svg;
use qrcode::QrCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Organizer;
use super::contests::managed_contest;
use super::validate::Checks;
use crate::error::{ApiError, FieldError};
use crate::security::{hash_password, new_secret, secret_hash};
use crate::store::judging::{self, Judge};
use crate::store::{audit, schemes, Db, DbConnection};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests/{slug}/judges")
            .route(web::get().to(list_judges))
            .route(web::post().to(create_judge)),
    )
    .service(web::resource("/contests/{slug}/judges/{id}/link").route(web::post().to(reissue_link)))
    .service(web::resource("/contests/{slug}/judges/{id}/revoke").route(web::post().to(revoke)))
    .service(
        web::resource("/contests/{slug}/modules/{code}/panel").route(web::put().to(set_panel)),
    );
}

#[derive(Serialize, ToSchema)]
pub struct JudgeView {
    id: String,
    name: String,
    organization: String,
    is_chief: bool,
    has_pin: bool,
    revoked: bool,
    /// Codes of the modules on this judge's panels.
    modules: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JudgeLinkView {
    #[serde(flatten)]
    judge: JudgeView,
    /// The personal link, shown only now: only a hash of its token is stored.
    link: String,
    /// The link as a QR code (SVG), for printing on the judge's card.
    qr_svg: String,
}

fn judge_view(judge: Judge, modules: Vec<String>) -> JudgeView {
    JudgeView {
        has_pin: judge.pin_hash.is_some(),
        revoked: judge.revoked_at.is_some(),
        id: judge.id,
        name: judge.name,
        organization: judge.organization,
        is_chief: judge.is_chief,
        modules,
    }
}

/// Module codes per judge id.
fn panel_codes(
    conn: &mut DbConnection,
    contest_id: &str,
) -> Result<Vec<(String, String)>, ApiError> {
    let modules = schemes::load(conn, contest_id)?;
    let panels = judging::panels_of_contest(conn, contest_id)?;
    Ok(panels
        .into_iter()
        .filter_map(|(module_id, judge_id)| {
            modules
                .iter()
                .find(|m| m.module.id == module_id)
                .map(|m| (judge_id, m.module.code.clone()))
        })
        .collect())
}

fn codes_of(panels: &[(String, String)], judge_id: &str) -> Vec<String> {
    panels
        .iter()
        .filter(|(judge, _)| judge == judge_id)
        .map(|(_, code)| code.clone())
        .collect()
}

/// The absolute link a judge opens, built from the address the organizer used.
fn judge_link(req: &HttpRequest, token: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}/judge#t={}", info.scheme(), info.host(), token)
}

fn qr_svg(link: &str) -> Result<String, ApiError> {
    let code = QrCode::new(link.as_bytes()).map_err(ApiError::internal)?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build())
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/judges", tag = "judging",
    responses((status = 200, body = Vec<JudgeView>), (status = 404)))]
pub async fn list_judges(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let views = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let panels = panel_codes(conn, &contest.id)?;
            Ok(judging::judges_of_contest(conn, &contest.id)?
                .into_iter()
                .map(|judge| {
                    let modules = codes_of(&panels, &judge.id);
                    judge_view(judge, modules)
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
pub struct NewJudge {
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    is_chief: bool,
    /// 4–8 digits the judge types after opening the link; leave out for none.
    pin: Option<String>,
    /// Codes of the modules whose panels the judge sits on.
    #[serde(default)]
    modules: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/judges", tag = "judging", request_body = NewJudge,
    responses((status = 201, body = JudgeLinkView), (status = 404), (status = 422)))]
pub async fn create_judge(
    req: HttpRequest,
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
    body: web::Json<NewJudge>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::new();
    let name = checks.text("name", &body.name, 1, 60);
    let organization = checks.text("organization", &body.organization, 0, 100);
    if let Some(pin) = &body.pin {
        if !(4..=8).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
            checks.push("pin", "invalid_pin", "a PIN is 4 to 8 digits");
        }
    }
    checks.finish()?;
    let pin_hash = match body.pin {
        Some(pin) => Some(
            web::block(move || hash_password(&pin))
                .await?
                .map_err(ApiError::internal)?,
        ),
        None => None,
    };
    let token = new_secret("sbj_");
    let judge = Judge {
        id: uuid::Uuid::new_v4().to_string(),
        contest_id: String::new(),
        name,
        organization,
        is_chief: body.is_chief,
        token_hash: Some(secret_hash(&token)),
        pin_hash,
        revoked_at: None,
        created_at: Utc::now().naive_utc(),
    };
    let slug = path.into_inner();
    let actor = organizer.actor();
    let module_codes = body.modules;
    let view = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let modules = schemes::load(conn, &contest.id)?;
            let mut module_ids = Vec::new();
            let mut errors = Vec::new();
            for (i, code) in module_codes.iter().enumerate() {
                match modules.iter().find(|m| &m.module.code == code) {
                    Some(m) => module_ids.push(m.module.id.clone()),
                    None => errors.push(FieldError::new(
                        format!("modules[{i}]"),
                        "unknown_module",
                        format!("no module {code:?}"),
                    )),
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            let judge = Judge {
                contest_id: contest.id.clone(),
                ..judge
            };
            judging::insert_judge(conn, &judge)?;
            for module_id in &module_ids {
                let mut panel = judging::panel_of_module(conn, module_id)?;
                panel.push(judge.id.clone());
                judging::set_panel(conn, module_id, &panel)?;
            }
            let view = judge_view(judge, module_codes);
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "judge.create",
                    &format!("judge:{}", view.id),
                )
                .after(&view),
            )?;
            Ok(view)
        })
        .await?;
    let link = judge_link(&req, &token);
    Ok(HttpResponse::Created().json(JudgeLinkView {
        judge: view,
        qr_svg: qr_svg(&link)?,
        link,
    }))
}

/// Loads a judge of a managed contest, or 404.
fn managed_judge(
    conn: &mut DbConnection,
    slug: &str,
    judge_id: &str,
    organizer: &Organizer,
) -> Result<(crate::store::contests::Contest, Judge), ApiError> {
    let contest = managed_contest(conn, slug, organizer)?;
    let judge = judging::find_judge(conn, &contest.id, judge_id)?
        .ok_or_else(|| ApiError::not_found("judge.not_found", "No such judge in this contest."))?;
    Ok((contest, judge))
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/judges/{id}/link", tag = "judging",
    responses((status = 200, body = JudgeLinkView), (status = 404)))]
pub async fn reissue_link(
    req: HttpRequest,
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, judge_id) = path.into_inner();
    let token = new_secret("sbj_");
    let hash = secret_hash(&token);
    let actor = organizer.actor();
    let view = db
        .write(move |conn| {
            let (contest, mut judge) = managed_judge(conn, &slug, &judge_id, &organizer)?;
            judge.token_hash = Some(hash);
            judge.revoked_at = None;
            judging::update_judge(conn, &judge)?;
            judging::end_judge_sessions(conn, &judge.id)?;
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "judge.link",
                    &format!("judge:{}", judge.id),
                ),
            )?;
            let panels = panel_codes(conn, &contest.id)?;
            let modules = codes_of(&panels, &judge.id);
            Ok(judge_view(judge, modules))
        })
        .await?;
    let link = judge_link(&req, &token);
    Ok(HttpResponse::Ok().json(JudgeLinkView {
        judge: view,
        qr_svg: qr_svg(&link)?,
        link,
    }))
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/judges/{id}/revoke", tag = "judging",
    responses((status = 204), (status = 404)))]
pub async fn revoke(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, judge_id) = path.into_inner();
    let actor = organizer.actor();
    db.write(move |conn| {
        let (contest, mut judge) = managed_judge(conn, &slug, &judge_id, &organizer)?;
        judge.token_hash = None;
        judge.revoked_at = Some(Utc::now().naive_utc());
        judging::update_judge(conn, &judge)?;
        judging::end_judge_sessions(conn, &judge.id)?;
        audit::append(
            conn,
            audit::Entry::new(
                &contest.id,
                &actor,
                "judge.revoke",
                &format!("judge:{}", judge.id),
            ),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PanelChange {
    judge_ids: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/contests/{slug}/modules/{code}/panel", tag = "judging", request_body = PanelChange,
    responses((status = 200, body = Vec<String>), (status = 404), (status = 422)))]
pub async fn set_panel(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
    body: web::Json<PanelChange>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let judge_ids = body.into_inner().judge_ids;
    let actor = organizer.actor();
    let panel = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let module = schemes::load(conn, &contest.id)?
                .into_iter()
                .find(|m| m.module.code == code)
                .ok_or_else(|| {
                    ApiError::not_found("module.not_found", format!("No module {code:?}."))
                })?;
            let mut errors = Vec::new();
            for (i, id) in judge_ids.iter().enumerate() {
                if judging::find_judge(conn, &contest.id, id)?.is_none() {
                    errors.push(FieldError::new(
                        format!("judge_ids[{i}]"),
                        "unknown_judge",
                        "no such judge in this contest",
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            let before = judging::panel_of_module(conn, &module.module.id)?;
            judging::set_panel(conn, &module.module.id, &judge_ids)?;
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "module.panel",
                    &format!("module:{code}"),
                )
                .before(&before)
                .after(&judge_ids),
            )?;
            Ok(judge_ids)
        })
        .await?;
    Ok(HttpResponse::Ok().json(panel))
}
