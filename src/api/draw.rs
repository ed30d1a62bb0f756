//! The draw: stations (工位号) and anonymous codes for the checked-in teams, drawn with the
//! operating system's CSPRNG, unique within the contest and audited; the audited redraw before
//! scoring starts; and the print-ready station cards and secret mapping sheet.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use actix_web::{web, HttpResponse};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Organizer;
use super::contests::{managed_contest, state_of};
use super::html::{escape, page};
use crate::domain::contest::ContestState;
use crate::domain::draw::draw;
use crate::error::{ApiError, FieldError};
use crate::store::teams::{self, status, Team};
use crate::store::{audit, Db};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests/{slug}/draw")
            .route(web::get().to(get_draw))
            .route(web::post().to(run_draw)),
    )
    .service(
        web::resource("/contests/{slug}/draw/station-cards").route(web::get().to(station_cards)),
    )
    .service(web::resource("/contests/{slug}/draw/mapping").route(web::get().to(mapping_sheet)));
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// Take every station and code back and draw them all again. Only before scoring starts,
    /// and only with a reason.
    #[serde(default)]
    redraw: bool,
    reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Assignment {
    team_id: String,
    name: String,
    school: String,
    status: String,
    station: i32,
    code: String,
}

/// What the audit log keeps of an assignment: ids, no names.
#[derive(Serialize)]
struct AuditedSlot<'a> {
    team_id: &'a str,
    station: i32,
    code: &'a str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DrawView {
    /// Teams that got a station and code from this request (empty for a read).
    drawn: Vec<Assignment>,
    /// Every team that holds a station, by station.
    assignments: Vec<Assignment>,
    /// Checked-in registered teams still without a station.
    awaiting: usize,
}

fn assignment(team: &Team) -> Option<Assignment> {
    Some(Assignment {
        team_id: team.id.clone(),
        name: team.name.clone(),
        school: team.school.clone(),
        status: team.status.clone(),
        station: team.station?,
        code: team.code.clone()?,
    })
}

fn audited(teams: &[Team]) -> Vec<AuditedSlot<'_>> {
    teams
        .iter()
        .filter_map(|t| {
            Some(AuditedSlot {
                team_id: &t.id,
                station: t.station?,
                code: t.code.as_deref()?,
            })
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/draw", tag = "registration",
    params(("slug" = String, Path)),
    responses((status = 200, body = DrawView), (status = 401), (status = 404)))]
pub async fn get_draw(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let view = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            Ok(DrawView {
                drawn: Vec::new(),
                assignments: teams::drawn(conn, &contest.id)?
                    .iter()
                    .filter_map(assignment)
                    .collect(),
                awaiting: teams::awaiting_draw(conn, &contest.id)?.len(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Draws for every checked-in registered team without a station: stations continue after the
/// highest one taken, codes differ from every code in the contest. With `redraw`, everything is
/// drawn again (before scoring starts, with a reason).
#[utoipa::path(post, path = "/api/v1/contests/{slug}/draw", tag = "registration",
    params(("slug" = String, Path)), request_body = DrawRequest,
    responses((status = 200, body = DrawView), (status = 401), (status = 404),
        (status = 409, description = "a redraw after scoring started, or a locked contest"),
        (status = 422, description = "a redraw without a reason")))]
pub async fn run_draw(
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<String>,
    body: web::Json<DrawRequest>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let changed = slug.clone();
    let request = body.into_inner();
    let reason = request
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    if request.redraw && reason.is_none() {
        return Err(ApiError::validation(vec![FieldError::new(
            "reason",
            "required",
            "a redraw needs a reason for the audit log",
        )]));
    }
    let actor = organizer.actor();
    let view = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let state = state_of(&contest)?;
            if state >= ContestState::Locked {
                return Err(ApiError::conflict(
                    "contest.locked",
                    "The results are locked; there is nothing left to draw.",
                ));
            }
            let before = teams::drawn(conn, &contest.id)?;
            // Codes of an earlier draw are never handed out again, so an old card cannot be
            // mistaken for a new one.
            let mut avoid: HashSet<String> = before.iter().filter_map(|t| t.code.clone()).collect();
            if request.redraw {
                if state.scoring_started() {
                    return Err(ApiError::conflict(
                        "draw.scoring_started",
                        "Scoring has started; stations and codes can no longer be redrawn.",
                    ));
                }
                teams::clear_draw(conn, &contest.id)?;
            }
            let first_station = if request.redraw {
                0
            } else {
                before.iter().filter_map(|t| t.station).max().unwrap_or(0)
            };
            let targets = teams::awaiting_draw(conn, &contest.id)?;
            let slots = draw(&mut OsRng, targets.len(), &avoid)
                .map_err(|e| ApiError::conflict(e.code(), e.to_string()))?;
            let now = crate::store::now();
            let mut drawn_ids = HashSet::new();
            for (team, slot) in targets.iter().zip(&slots) {
                let station =
                    first_station + i32::try_from(slot.station).map_err(ApiError::internal)?;
                teams::assign_draw(conn, &team.id, station, slot.code.as_str(), now)?;
                avoid.insert(slot.code.to_string());
                drawn_ids.insert(team.id.clone());
            }
            let after = teams::drawn(conn, &contest.id)?;
            if request.redraw || !targets.is_empty() {
                let action = if request.redraw {
                    "draw.redraw"
                } else {
                    "draw.run"
                };
                audit::append(
                    conn,
                    audit::Entry::new(
                        &contest.id,
                        &actor,
                        action,
                        &format!("contest:{}", contest.slug),
                    )
                    .before(&audited(&before))
                    .after(&audited(&after))
                    .reason(reason.as_deref()),
                )?;
            }
            Ok(DrawView {
                drawn: after
                    .iter()
                    .filter(|t| drawn_ids.contains(&t.id))
                    .filter_map(assignment)
                    .collect(),
                assignments: after.iter().filter_map(assignment).collect(),
                awaiting: 0,
            })
        })
        .await?;
    super::boards_changed(&hub, &changed).await;
    Ok(HttpResponse::Ok().json(view))
}

const PRINT_CSS: &str = "\
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; margin: 0; color: #000; }
h1 { font-size: 16pt; margin: 0 0 6mm; }
.card { height: 130mm; border: 1mm solid #000; margin-bottom: 8mm; display: flex;
  flex-direction: column; align-items: center; justify-content: center;
  break-inside: avoid; page-break-inside: avoid; }
.card .label { font-size: 18pt; }
.card .station { font-size: 150pt; font-weight: bold; line-height: 1; }
.card .code { font-size: 40pt; letter-spacing: 4mm; font-family: monospace; }
.card .contest { font-size: 11pt; margin-top: 4mm; }
table { width: 100%; border-collapse: collapse; font-size: 10.5pt; }
th, td { border: 0.3mm solid #000; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.code-cell { font-family: monospace; font-size: 12pt; }
.withdrawn { text-decoration: line-through; }
.secret { font-weight: bold; margin-bottom: 4mm; }
.signatures { margin-top: 12mm; display: flex; justify-content: space-between; }
@media screen { body { max-width: 210mm; margin: 0 auto; padding: 8mm; } }
";

/// One card per station: the big station number and the team's anonymous code, to put on the
/// workstation. No names.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/draw/station-cards", tag = "registration",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/html"), (status = 401), (status = 404)))]
pub async fn station_cards(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let (contest, drawn) = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let drawn = teams::drawn(conn, &contest.id)?;
            Ok((contest, drawn))
        })
        .await?;
    let title = format!("{} · 工位卡 Station cards", contest.title_zh);
    let mut body = String::new();
    for team in drawn.iter().filter(|t| t.status == status::REGISTERED) {
        let (Some(station), Some(code)) = (team.station, team.code.as_deref()) else {
            continue;
        };
        let _ = writeln!(
            body,
            "<section class=\"card\"><div class=\"label\">工位 Station</div>\
             <div class=\"station\">{station}</div><div class=\"code\">{}</div>\
             <div class=\"contest\">{}</div></section>",
            escape(code),
            escape(&contest.title_zh),
        );
    }
    if body.is_empty() {
        body.push_str("<p>尚未抽签 · Nothing has been drawn yet.</p>\n");
    }
    Ok(page(&title, PRINT_CSS, &body))
}

/// The secret sheet that links stations and codes to teams and their members.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/draw/mapping", tag = "registration",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/html"), (status = 401), (status = 404)))]
pub async fn mapping_sheet(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let (contest, drawn, mut members) = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let drawn = teams::drawn(conn, &contest.id)?;
            let mut members: HashMap<String, Vec<String>> = HashMap::new();
            for contestant in teams::contestants_of_contest(conn, &contest.id)? {
                members
                    .entry(contestant.team_id)
                    .or_default()
                    .push(contestant.name);
            }
            Ok((contest, drawn, members))
        })
        .await?;
    let title = format!("{} · 抽签对照表 Draw mapping", contest.title_zh);
    let mut body = format!(
        "<h1>{}</h1>\n<p class=\"secret\">保密 · CONFIDENTIAL: 工位号、编码与参赛队对照。\
         Do not show to judges.</p>\n<table>\n<thead><tr><th>工位 Station</th><th>编码 Code</th>\
         <th>参赛队 Team</th><th>学校 School</th><th>选手 Members</th></tr></thead>\n<tbody>\n",
        escape(&title)
    );
    for team in &drawn {
        let (Some(station), Some(code)) = (team.station, team.code.as_deref()) else {
            continue;
        };
        let names = members.remove(&team.id).unwrap_or_default();
        let names: Vec<String> = names.iter().map(|n| escape(n)).collect();
        let (class, note) = if team.status == status::WITHDRAWN {
            (" class=\"withdrawn\"", " (退赛 withdrawn)")
        } else {
            ("", "")
        };
        let _ = writeln!(
            body,
            "<tr{class}><td>{station}</td><td class=\"code-cell\">{}</td><td>{}{note}</td>\
             <td>{}</td><td>{}</td></tr>",
            escape(code),
            escape(&team.name),
            escape(&team.school),
            names.join("、"),
        );
    }
    body.push_str(
        "</tbody>\n</table>\n<div class=\"signatures\"><span>抽签人 Drawn by: ________</span>\
         <span>监督人 Witness: ________</span><span>日期 Date: ________</span></div>\n",
    );
    Ok(page(&title, PRINT_CSS, &body))
}
