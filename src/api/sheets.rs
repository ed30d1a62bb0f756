//! The judge's side: their modules, the teams to mark (codes and stations, never names), and
//! score sheets. Submission is idempotent on the sheet's client UUID and goes through group
//! commit, so a 2xx means the sheet is durable.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::contests::state_of;
use super::judge_auth::{JudgeCaller, JudgeCredential};
use super::schemes::{document, CriterionDocument, KindName, ModuleDocument};
use crate::domain::contest::ContestState;
use crate::domain::marks::Mark;
use crate::domain::scheme::{Criterion, MarkInput};
use crate::error::{ApiError, FieldError};
use crate::store::group_commit::GroupCommitter;
use crate::store::judging::{self, sheet_status, ScoreSheet, StoredMark, StoredMarks};
use crate::store::schemes::{self, StoredModule};
use crate::store::{audit, teams, Db, DbConnection};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/judge/session").route(web::post().to(super::judge_auth::sign_in)))
        .service(web::resource("/judge/me").route(web::get().to(me)))
        .service(web::resource("/judge/modules/{code}/teams").route(web::get().to(teams_to_mark)))
        .service(
            web::resource("/judge/sheets/{client_id}")
                .route(web::get().to(get_sheet))
                .route(web::put().to(put_sheet)),
        );
}

#[derive(Serialize, ToSchema)]
pub struct JudgeModuleView {
    #[serde(flatten)]
    module: ModuleDocument,
    /// `open` or `locked`.
    state: String,
}

#[derive(Serialize, ToSchema)]
pub struct JudgeHomeView {
    judge_id: String,
    name: String,
    is_chief: bool,
    contest_slug: String,
    contest_title_zh: String,
    contest_title_en: String,
    contest_state: ContestState,
    /// The modules on this judge's panels, with their criteria.
    modules: Vec<JudgeModuleView>,
}

/// The modules on the judge's panels, stored and as documents.
fn panel_modules(
    conn: &mut DbConnection,
    caller: &JudgeCaller,
) -> Result<Vec<StoredModule>, ApiError> {
    let mine = judging::modules_of_judge(conn, &caller.judge.id)?;
    Ok(schemes::load(conn, &caller.contest.id)?
        .into_iter()
        .filter(|m| mine.contains(&m.module.id))
        .collect())
}

/// The module `code` if it is on the judge's panels. Any other code (another panel's, another
/// contest's, or none) answers the same 403, so it reveals nothing.
fn panel_module(
    conn: &mut DbConnection,
    caller: &JudgeCaller,
    code: &str,
) -> Result<StoredModule, ApiError> {
    judging::panel_module(conn, &caller.contest.id, &caller.judge.id, code)?.ok_or_else(|| {
        ApiError::forbidden("judge.not_on_panel", "You are not on this module's panel.")
    })
}

#[utoipa::path(get, path = "/api/v1/judge/me", tag = "judging", responses((status = 200, body = JudgeHomeView), (status = 401)))]
pub async fn me(caller: JudgeCaller, db: web::Data<Db>) -> Result<HttpResponse, ApiError> {
    let view = db
        .read(move |conn| {
            let stored = panel_modules(conn, &caller)?;
            let states: Vec<String> = stored.iter().map(|m| m.module.state.clone()).collect();
            let modules = document(stored)?
                .modules
                .into_iter()
                .zip(states)
                .map(|(module, state)| JudgeModuleView { module, state })
                .collect();
            Ok(JudgeHomeView {
                contest_state: state_of(&caller.contest)?,
                judge_id: caller.judge.id,
                name: caller.judge.name,
                is_chief: caller.judge.is_chief,
                contest_slug: caller.contest.slug,
                contest_title_zh: caller.contest.title_zh,
                contest_title_en: caller.contest.title_en,
                modules,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// A team as a judge sees it: no name, no school, no members.
#[derive(Serialize, ToSchema)]
pub struct TeamToMark {
    code: String,
    station: Option<i32>,
    sheet: Option<SheetSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct SheetSummary {
    client_id: String,
    status: String,
    version: i32,
    updated_at: NaiveDateTime,
}

#[utoipa::path(get, path = "/api/v1/judge/modules/{code}/teams", tag = "judging",
    responses((status = 200, body = Vec<TeamToMark>), (status = 401), (status = 403)))]
pub async fn teams_to_mark(
    caller: JudgeCaller,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = path.into_inner();
    let list = db
        .read(move |conn| {
            let module = panel_module(conn, &caller, &code)?;
            let sheets = judging::sheets_of_judge(conn, &caller.judge.id, &module.module.id)?;
            Ok(teams::ranked(conn, &caller.contest.id)?
                .into_iter()
                .map(|team| TeamToMark {
                    sheet: sheets
                        .iter()
                        .find(|s| s.team_id == team.id)
                        .map(|s| SheetSummary {
                            client_id: s.client_id.clone(),
                            status: s.status.clone(),
                            version: s.version,
                            updated_at: s.updated_at,
                        }),
                    code: team.code.unwrap_or_default(),
                    station: team.station,
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// One criterion's answer: `{"level": 2}` for judgement, `{"value": 4.5}` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    value: Option<Mark>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SheetWrite {
    /// Module code.
    module: String,
    /// The team's anonymous code.
    team: String,
    /// Answers by criterion code.
    marks: BTreeMap<String, MarkEntry>,
    #[serde(default)]
    comment: Option<String>,
    /// `draft` saves work in progress; `submitted` needs every criterion answered.
    status: String,
    /// 1 for a new sheet, then one more than the version the device last saw.
    version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct SheetView {
    client_id: String,
    module: String,
    team: String,
    status: String,
    version: i32,
    marks: BTreeMap<String, MarkEntryView>,
    comment: Option<String>,
    /// Σ points − deductions on this sheet, before aggregation across judges.
    #[schema(value_type = f64)]
    total: Mark,
    updated_at: NaiveDateTime,
    submitted_at: Option<NaiveDateTime>,
}

#[derive(Serialize, ToSchema)]
pub struct MarkEntryView {
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    value: Option<Mark>,
    #[schema(value_type = f64)]
    points: Mark,
}

fn sheet_view(
    sheet: &ScoreSheet,
    module: &StoredModule,
    team_code: &str,
) -> Result<SheetView, ApiError> {
    let marks = sheet.parsed_marks().map_err(ApiError::internal)?;
    let deduction = |code: &str| {
        module
            .criteria
            .iter()
            .any(|c| c.code == code && c.kind == KindName::Deduction.as_str())
    };
    let total_hundredths: i64 = marks
        .iter()
        .map(|(code, m)| if deduction(code) { -m.points } else { m.points })
        .sum();
    Ok(SheetView {
        client_id: sheet.client_id.clone(),
        module: module.module.code.clone(),
        team: team_code.to_owned(),
        status: sheet.status.clone(),
        version: sheet.version,
        marks: marks
            .into_iter()
            .map(|(code, m)| {
                (
                    code,
                    MarkEntryView {
                        level: m.level,
                        value: m.value.map(Mark::from_hundredths),
                        points: Mark::from_hundredths(m.points),
                    },
                )
            })
            .collect(),
        comment: sheet.comment.clone(),
        total: Mark::from_hundredths(total_hundredths.max(0)),
        updated_at: sheet.updated_at,
        submitted_at: sheet.submitted_at,
    })
}

#[utoipa::path(get, path = "/api/v1/judge/sheets/{client_id}", tag = "judging",
    responses((status = 200, body = SheetView), (status = 401), (status = 404)))]
pub async fn get_sheet(
    caller: JudgeCaller,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let client_id = path.into_inner();
    let view = db
        .read(move |conn| {
            let not_found = || ApiError::not_found("sheet.not_found", "No such sheet of yours.");
            let sheet = judging::sheet_by_client_id(conn, &client_id)?
                .filter(|s| s.judge_id == caller.judge.id)
                .ok_or_else(not_found)?;
            let module = schemes::load(conn, &caller.contest.id)?
                .into_iter()
                .find(|m| m.module.id == sheet.module_id)
                .ok_or_else(not_found)?;
            let team =
                teams::find(conn, &caller.contest.id, &sheet.team_id)?.ok_or_else(not_found)?;
            sheet_view(&sheet, &module, team.code.as_deref().unwrap_or_default())
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Checks the answers against the module's criteria: every answer must fit its criterion, and
/// a submitted sheet must answer every measurement and judgement criterion (no silent zero).
fn validate_marks(
    criteria: &[CriterionDocument],
    marks: &BTreeMap<String, MarkEntry>,
    submitting: bool,
) -> Result<StoredMarks, ApiError> {
    let mut errors = Vec::new();
    let mut stored = StoredMarks::new();
    for (code, entry) in marks {
        let field = format!("marks.{code}");
        let Some(criterion) = criteria.iter().find(|c| &c.code == code) else {
            errors.push(FieldError::new(
                field,
                "mark.unknown_criterion",
                "this module has no such criterion",
            ));
            continue;
        };
        if criterion.kind == KindName::Imported {
            errors.push(FieldError::new(
                field,
                "mark.imported_criterion",
                "this criterion comes from the competition platform, not from judges",
            ));
            continue;
        }
        let input = match (entry.level, entry.value) {
            (Some(level), None) => MarkInput::Level(level),
            (None, Some(value)) => MarkInput::Value(value),
            _ => {
                errors.push(FieldError::new(
                    field,
                    "mark.one_answer",
                    "give either a level or a value",
                ));
                continue;
            }
        };
        let rule = Criterion {
            code: criterion.code.clone(),
            max: criterion.max_mark,
            kind: criterion.domain_kind(),
        };
        match rule.points(input) {
            Ok(points) => {
                stored.insert(
                    code.clone(),
                    StoredMark {
                        level: entry.level,
                        value: entry.value.map(Mark::hundredths),
                        points: points.hundredths(),
                    },
                );
            }
            Err(error) => errors.push(FieldError::new(field, error.code(), error.to_string())),
        }
    }
    if submitting {
        for criterion in criteria {
            let required = matches!(criterion.kind, KindName::Measurement | KindName::Judgement);
            if required && !marks.contains_key(&criterion.code) {
                errors.push(FieldError::new(
                    format!("marks.{}", criterion.code),
                    "sheet.unanswered",
                    "answer every criterion before submitting",
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(stored)
    } else {
        Err(ApiError::validation(errors))
    }
}

#[utoipa::path(put, path = "/api/v1/judge/sheets/{client_id}", tag = "judging", request_body = SheetWrite,
    responses((status = 200, body = SheetView, description = "saved (or the same write retried)"),
              (status = 201, body = SheetView), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "stale version, another device's sheet, or a locked module"),
              (status = 422)))]
pub async fn put_sheet(
    credential: JudgeCredential,
    committer: web::Data<GroupCommitter>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<String>,
    body: web::Json<SheetWrite>,
) -> Result<HttpResponse, ApiError> {
    let saved =
        save_with_retry(&committer, credential, path.into_inner(), body.into_inner()).await?;
    hub.contest_changed(&saved.contest_id);
    let status = if saved.submitting {
        sheet_status::SUBMITTED
    } else {
        sheet_status::DRAFT
    };
    metrics::counter!(crate::metrics::SHEETS_SUBMITTED, "status" => status).increment(1);
    Ok(if saved.created {
        HttpResponse::Created().json(saved.view)
    } else {
        HttpResponse::Ok().json(saved.view)
    })
}

/// A sheet write as it was answered, with the contest whose boards it may move.
struct Saved {
    contest_id: String,
    created: bool,
    submitting: bool,
    view: SheetView,
}

/// The request's own checks, which need no database: the device's sheet id (answered as its
/// canonical UUID text), the status (true when submitting) and the comment's length.
fn check_request(client_id: &str, write: &SheetWrite) -> Result<(String, bool), ApiError> {
    let client_id = uuid::Uuid::parse_str(client_id)
        .map_err(|_| {
            ApiError::not_found(
                "sheet.bad_client_id",
                "A sheet's id is a UUID made by the device.",
            )
        })?
        .to_string();
    let submitting = match write.status.as_str() {
        sheet_status::DRAFT => false,
        sheet_status::SUBMITTED => true,
        _ => {
            return Err(ApiError::validation(vec![FieldError::new(
                "status",
                "unknown_status",
                "use draft or submitted",
            )]))
        }
    };
    if let Some(comment) = &write.comment {
        super::validate::text("comment", comment, 0, 2000)?;
    }
    Ok((client_id, submitting))
}

/// A write that lost a race with a write of the same sheet on another node.
const RACED: &str = "sheet.concurrent_write";

/// Saves through group commit, once more when the write lost a race: on PostgreSQL with several
/// nodes, the same sheet sent to two nodes at once (or two sheets whose audit events took the
/// same place in the chain) both pass their checks, and the later insert fails on a unique key
/// or the later update finds the version moved. Run again, the write sees the committed one: a
/// retry of the same sheet then answers the stored sheet, as DESIGN §4 promises, and a different
/// edit of the same version gets `sheet.stale_version`, instead of a lost update.
async fn save_with_retry(
    committer: &GroupCommitter,
    credential: JudgeCredential,
    client_id: String,
    write: SheetWrite,
) -> Result<Saved, ApiError> {
    const ATTEMPTS: usize = 3;
    let mut attempt = 1;
    loop {
        let (credential, client_id, write) = (credential.clone(), client_id.clone(), write.clone());
        let outcome = committer
            .run(move |conn| {
                // The session is checked in the write's own transaction, before anything else
                // is looked at: one trip to the database instead of a pooled read first.
                let caller = credential.authenticate(conn)?;
                let (client_id, submitting) = check_request(&client_id, &write)?;
                let (created, view) = save_sheet(conn, &caller, &client_id, write, submitting)?;
                Ok(Saved {
                    contest_id: caller.contest.id,
                    created,
                    submitting,
                    view,
                })
            })
            .await;
        match outcome {
            Err(error)
                if [RACED, "conflict.duplicate", "database.retry"].contains(&error.code())
                    && attempt < ATTEMPTS =>
            {
                tracing::info!(attempt, "sheet write raced another node; trying again");
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// The write itself, inside the group commit's transaction. Returns whether a sheet was created.
fn save_sheet(
    conn: &mut DbConnection,
    caller: &JudgeCaller,
    client_id: &str,
    write: SheetWrite,
    submitting: bool,
) -> Result<(bool, SheetView), ApiError> {
    let contest = &caller.contest;
    let module = panel_module(conn, caller, &write.module)?;
    let team = teams::find_by_code(conn, &contest.id, &write.team.trim().to_uppercase())?
        .filter(|t| t.status == teams::status::REGISTERED)
        .ok_or_else(|| {
            ApiError::not_found("team.not_found", "No team has this code in your contest.")
        })?;
    let team_code = team.code.clone().unwrap_or_default();
    let existing = judging::sheet_by_client_id(conn, client_id)?;
    if let Some(sheet) = &existing {
        if sheet.judge_id != caller.judge.id
            || sheet.team_id != team.id
            || sheet.module_id != module.module.id
        {
            return Err(ApiError::conflict(
                "sheet.id_reused",
                "This sheet id belongs to another sheet.",
            ));
        }
    }
    let criteria = document(vec![module.clone()])?.modules.remove(0).criteria;
    let marks = validate_marks(&criteria, &write.marks, submitting)?;
    let marks_json = serde_json::to_string(&marks).map_err(ApiError::internal)?;
    let status = if submitting {
        sheet_status::SUBMITTED
    } else {
        sheet_status::DRAFT
    };

    // A retry of the write already stored answers what is stored: never a duplicate.
    if let Some(sheet) = &existing {
        let same = sheet.version == write.version
            && sheet.marks == marks_json
            && sheet.status == status
            && sheet.comment == write.comment;
        if same {
            return Ok((false, sheet_view(sheet, &module, &team_code)?));
        }
    }
    if state_of(contest)? != ContestState::Running {
        return Err(ApiError::conflict(
            "contest.not_running",
            "Scoring is not open in this contest.",
        ));
    }
    if module.module.state == "locked" {
        return Err(ApiError::conflict(
            "sheet.module_locked",
            "This module has been signed off; ask the chief judge to reopen it.",
        ));
    }
    let now = crate::store::now();
    match existing {
        None => {
            if let Some(other) =
                judging::sheet_for(conn, &caller.judge.id, &team.id, &module.module.id)?
            {
                return Err(ApiError::conflict(
                    "sheet.other_device",
                    format!(
                        "You already have a sheet for team {team_code} in this module (version {}), perhaps from another device. Open that one instead.",
                        other.version
                    ),
                ));
            }
            if write.version != 1 {
                return Err(ApiError::conflict(
                    "sheet.stale_version",
                    "A new sheet starts at version 1.",
                ));
            }
            let sheet = ScoreSheet {
                id: crate::store::time_ordered_id(),
                client_id: client_id.to_owned(),
                contest_id: contest.id.clone(),
                module_id: module.module.id.clone(),
                team_id: team.id.clone(),
                judge_id: caller.judge.id.clone(),
                status: status.to_owned(),
                version: 1,
                marks: marks_json,
                comment: write.comment,
                created_at: now,
                updated_at: now,
                submitted_at: submitting.then_some(now),
            };
            judging::insert_sheet(conn, &sheet)?;
            audit_sheet(conn, caller, &sheet, None)?;
            Ok((true, sheet_view(&sheet, &module, &team_code)?))
        }
        Some(stored) => {
            if write.version != stored.version + 1 {
                return Err(ApiError::conflict(
                    "sheet.stale_version",
                    format!(
                        "The server has version {} of this sheet, newer than the one you edited. Reload it before changing it.",
                        stored.version
                    ),
                ));
            }
            let sheet = ScoreSheet {
                status: status.to_owned(),
                version: write.version,
                marks: marks_json,
                comment: write.comment,
                updated_at: now,
                submitted_at: if submitting { Some(now) } else { None },
                ..stored.clone()
            };
            if !judging::update_sheet_at_version(conn, &sheet, stored.version)? {
                return Err(ApiError::conflict(
                    RACED,
                    "Another write of this sheet was saved at the same moment; send it again.",
                ));
            }
            audit_sheet(conn, caller, &sheet, Some(&stored))?;
            Ok((false, sheet_view(&sheet, &module, &team_code)?))
        }
    }
}

/// Every change to a sheet is an audit event with the marks before and after.
fn audit_sheet(
    conn: &mut DbConnection,
    caller: &JudgeCaller,
    sheet: &ScoreSheet,
    before: Option<&ScoreSheet>,
) -> Result<(), ApiError> {
    #[derive(Serialize)]
    struct Snapshot<'a> {
        status: &'a str,
        version: i32,
        marks: serde_json::Value,
    }
    fn snapshot(s: &ScoreSheet) -> Snapshot<'_> {
        Snapshot {
            status: &s.status,
            version: s.version,
            marks: serde_json::from_str(&s.marks).unwrap_or_default(),
        }
    }
    let action = if sheet.status == sheet_status::SUBMITTED {
        "sheet.submit"
    } else {
        "sheet.draft"
    };
    let actor = caller.actor();
    let subject = format!("sheet:{}", sheet.id);
    let mut entry =
        audit::Entry::new(&sheet.contest_id, &actor, action, &subject).after(&snapshot(sheet));
    if let Some(before) = before {
        entry = entry.before(&snapshot(before));
    }
    audit::append(conn, entry)?;
    Ok(())
}
