//! Registering teams in bulk from the organizers' spreadsheet (all or nothing, with a dry run,
//! idempotent), and the public self-registration form that organizers approve.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Organizer;
use super::contests::{managed_contest, state_of, TeamSize};
use super::limits::{ClientAddresses, RegistrationThrottle};
use super::teams::{
    apply_members, check_conflicts, ensure_registration_open, insert_team, plan_members,
    validate_team, MemberFields, MemberPlan, TeamInput,
};
use crate::domain::contest::ContestState;
use crate::error::{ApiError, FieldError};
use crate::sheets::{self, RegistrationRules, TableError, TeamDraft};
use crate::store::contests::{self, Contest};
use crate::store::teams::{self, status, Contestant, Team};
use crate::store::{audit, Db, DbConnection};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests/{slug}/registration/import")
            // One byte over the sheet limit, so `read_table` reports an oversized file itself.
            .app_data(web::PayloadConfig::new(sheets::MAX_FILE_BYTES + 1))
            .route(web::post().to(import_registration)),
    )
    .service(
        web::resource("/public/contests/{slug}/registration")
            .route(web::get().to(registration_form)),
    )
    .service(
        web::resource("/public/contests/{slug}/registrations").route(web::post().to(self_register)),
    );
}

// ---------------------------------------------------------------------------------------------
// Spreadsheet import

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check the file and report what it would change, without changing anything.
    #[serde(default)]
    dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedTeam {
    /// The stored team; absent for a team a dry run would create.
    id: Option<String>,
    name: String,
    school: String,
    outcome: Outcome,
    members: usize,
    /// The team's first line in the file.
    line: usize,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportCounts {
    teams_created: usize,
    teams_updated: usize,
    teams_unchanged: usize,
    contestants_created: usize,
    contestants_updated: usize,
    contestants_removed: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// True when nothing was written.
    dry_run: bool,
    counts: ImportCounts,
    /// In file order.
    teams: Vec<ImportedTeam>,
}

/// What importing one team of the file does.
struct TeamPlan {
    row: Team,
    outcome: Outcome,
    team_changed: bool,
    members: MemberPlan,
    size: usize,
    line: usize,
}

/// Matches the file's members with the stored ones: by ID number where the file has one, else
/// by name, each stored contestant at most once.
fn wanted_members(draft: &TeamDraft, stored: &[Contestant]) -> Vec<MemberFields> {
    let mut used: HashSet<&str> = HashSet::new();
    draft
        .members
        .iter()
        .map(|member| {
            let matched = stored.iter().find(|s| {
                !used.contains(s.id.as_str())
                    && match &member.id_number {
                        Some(number) => s.id_number.as_ref() == Some(number),
                        None => s.id_number.is_none() && s.name == member.name,
                    }
            });
            if let Some(s) = matched {
                used.insert(&s.id);
            }
            MemberFields {
                id: matched.map(|s| s.id.clone()),
                name: member.name.clone(),
                school: member.school.clone(),
                region: member.region.clone(),
                phone: member.phone.clone(),
                id_number: member.id_number.clone(),
                role: member.role.clone(),
            }
        })
        .collect()
}

/// Plans every team of the file against what is stored. Teams are matched by school and name;
/// teams the file does not list are left alone, and a team it lists gets exactly its members.
fn plan_import(
    conn: &mut DbConnection,
    contest: &Contest,
    drafts: Vec<TeamDraft>,
) -> Result<Vec<TeamPlan>, ApiError> {
    let now = crate::store::now();
    drafts
        .into_iter()
        .map(|draft| {
            let line = draft.members.first().map_or(0, |m| m.line);
            let existing = teams::find_by_name(conn, &contest.id, &draft.school, &draft.name)?;
            let stored = match &existing {
                Some(team) => teams::members(conn, &team.id)?,
                None => Vec::new(),
            };
            let existed = existing.is_some();
            let (row, team_changed) = match existing {
                Some(mut team) => {
                    let changed = team.region != draft.region || team.coach != draft.coach;
                    team.region = draft.region.clone();
                    team.coach = draft.coach.clone();
                    if changed {
                        team.updated_at = now;
                    }
                    (team, changed)
                }
                None => (
                    Team {
                        id: uuid::Uuid::new_v4().to_string(),
                        contest_id: contest.id.clone(),
                        name: draft.name.clone(),
                        school: draft.school.clone(),
                        region: draft.region.clone(),
                        coach: draft.coach.clone(),
                        status: status::REGISTERED.to_owned(),
                        checked_in_at: None,
                        station: None,
                        code: None,
                        created_at: now,
                        updated_at: now,
                    },
                    false,
                ),
            };
            let members = plan_members(&row, &stored, &wanted_members(&draft, &stored));
            let outcome = if !existed {
                Outcome::Created
            } else if team_changed
                || !members.insert.is_empty()
                || !members.update.is_empty()
                || !members.remove.is_empty()
            {
                Outcome::Updated
            } else {
                Outcome::Unchanged
            };
            Ok(TeamPlan {
                row,
                outcome,
                team_changed,
                members,
                size: draft.members.len(),
                line,
            })
        })
        .collect()
}

fn report(plans: &[TeamPlan], dry_run: bool) -> ImportReport {
    let mut counts = ImportCounts::default();
    let teams = plans
        .iter()
        .map(|plan| {
            match plan.outcome {
                Outcome::Created => counts.teams_created += 1,
                Outcome::Updated => counts.teams_updated += 1,
                Outcome::Unchanged => counts.teams_unchanged += 1,
            }
            counts.contestants_created += plan.members.insert.len();
            counts.contestants_updated += plan.members.update.len();
            counts.contestants_removed += plan.members.remove.len();
            ImportedTeam {
                id: (!dry_run || plan.outcome != Outcome::Created).then(|| plan.row.id.clone()),
                name: plan.row.name.clone(),
                school: plan.row.school.clone(),
                outcome: plan.outcome,
                members: plan.size,
                line: plan.line,
            }
        })
        .collect();
    ImportReport {
        dry_run,
        counts,
        teams,
    }
}

fn apply_import(conn: &mut DbConnection, plans: &[TeamPlan]) -> Result<(), ApiError> {
    for plan in plans {
        match plan.outcome {
            Outcome::Created => teams::insert(conn, &plan.row)?,
            Outcome::Updated if plan.team_changed => teams::update(conn, &plan.row)?,
            Outcome::Updated | Outcome::Unchanged => {}
        }
        apply_members(conn, &plan.members)?;
    }
    Ok(())
}

/// The contest's team size and the ID numbers it already has, for the parser.
fn rules(conn: &mut DbConnection, contest: &Contest) -> Result<RegistrationRules, ApiError> {
    let existing_id_numbers: HashMap<String, String> = teams::id_number_owners(conn, &contest.id)?
        .into_iter()
        .map(|(number, team)| (number, sheets::team_key(&team.school, &team.name)))
        .collect();
    Ok(RegistrationRules {
        min_team_size: usize::try_from(contest.team_size_min).unwrap_or(1),
        max_team_size: usize::try_from(contest.team_size_max).unwrap_or(1),
        existing_id_numbers,
    })
}

fn unreadable(error: TableError) -> ApiError {
    let status = match error {
        TableError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let mut field = FieldError::new("file", error.code(), error.to_string());
    field.line = error.line();
    ApiError::new(status, error.code(), error.to_string()).with_errors(vec![field])
}

/// `POST …/registration/import` with the file as the body: CSV (UTF-8 with or without BOM,
/// GB18030/GBK) or XLSX, one row per contestant. A file with any bad row changes nothing and
/// answers 422 with every bad row (line, field, code, message).
#[utoipa::path(post, path = "/api/v1/contests/{slug}/registration/import", tag = "registration",
    params(("slug" = String, Path), ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 401), (status = 404),
        (status = 409, description = "scoring has started"), (status = 413),
        (status = 422, description = "bad rows, unknown columns or an unreadable file")))]
pub async fn import_registration(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let dry_run = query.dry_run;
    let rules = db
        .read({
            let (slug, organizer) = (slug.clone(), organizer.clone());
            move |conn| {
                let contest = managed_contest(conn, &slug, &organizer)?;
                ensure_registration_open(&contest)?;
                rules(conn, &contest)
            }
        })
        .await?;
    let drafts = web::block(move || {
        let table = sheets::read_table(&body).map_err(unreadable)?;
        sheets::parse_registration(&table, &rules).map_err(ApiError::validation)
    })
    .await??;

    let actor = organizer.actor();
    let work = move |conn: &mut DbConnection| {
        let contest = managed_contest(conn, &slug, &organizer)?;
        ensure_registration_open(&contest)?;
        let plans = plan_import(conn, &contest, drafts)?;
        let report = report(&plans, dry_run);
        let changed = plans.iter().any(|p| p.outcome != Outcome::Unchanged);
        if !dry_run && changed {
            apply_import(conn, &plans)?;
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "registration.import",
                    &format!("contest:{}", contest.slug),
                )
                .after(&report),
            )?;
        }
        Ok(report)
    };
    let report = if dry_run {
        db.read(work).await?
    } else {
        db.write(work).await?
    };
    Ok(HttpResponse::Ok().json(report))
}

// ---------------------------------------------------------------------------------------------
// Self-registration

/// What the public form needs to know. Nothing about other teams.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationForm {
    slug: String,
    title_zh: String,
    title_en: String,
    /// Whether the form accepts applications now.
    open: bool,
    team_size: TeamSize,
}

/// The applicant's own team, as received. Nothing about other teams.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationReceipt {
    id: String,
    /// Always `pending`: an organizer approves or rejects it.
    status: String,
    name: String,
    school: String,
    members: usize,
}

fn public_contest(conn: &mut DbConnection, slug: &str) -> Result<Contest, ApiError> {
    contests::find_by_slug(conn, slug)?
        .ok_or_else(|| ApiError::not_found("contest.not_found", format!("No contest {slug:?}.")))
}

/// Open while the contest is in `registration` and its organizers turned self-registration on.
fn self_registration_open(contest: &Contest) -> Result<bool, ApiError> {
    Ok(contest.self_registration && state_of(contest)? == ContestState::Registration)
}

#[utoipa::path(get, path = "/api/v1/public/contests/{slug}/registration", tag = "registration",
    params(("slug" = String, Path)),
    responses((status = 200, body = RegistrationForm), (status = 404)))]
pub async fn registration_form(
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let form = db
        .read(move |conn| {
            let contest = public_contest(conn, &slug)?;
            Ok(RegistrationForm {
                open: self_registration_open(&contest)?,
                team_size: TeamSize {
                    min: u32::try_from(contest.team_size_min).unwrap_or(1),
                    max: u32::try_from(contest.team_size_max).unwrap_or(1),
                },
                slug: contest.slug,
                title_zh: contest.title_zh,
                title_en: contest.title_en,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(form))
}

/// A team applies through the public form, unauthenticated; it waits as `pending` until an
/// organizer approves it. The same validation as the organizers' API.
#[utoipa::path(post, path = "/api/v1/public/contests/{slug}/registrations", tag = "registration",
    params(("slug" = String, Path)), request_body = TeamInput,
    responses((status = 201, body = RegistrationReceipt), (status = 404),
        (status = 409, description = "registration closed, or a duplicate team or ID number"),
        (status = 422), (status = 429, description = "too many registrations from this address")))]
pub async fn self_register(
    req: HttpRequest,
    db: web::Data<Db>,
    throttle: web::Data<RegistrationThrottle>,
    addresses: web::Data<ClientAddresses>,
    path: web::Path<String>,
    body: web::Json<TeamInput>,
) -> Result<HttpResponse, ApiError> {
    throttle.check(&addresses.key(&req))?;
    let slug = path.into_inner();
    let input = body.into_inner();
    let receipt = db
        .write(move |conn| {
            let contest = public_contest(conn, &slug)?;
            if !self_registration_open(&contest)? {
                return Err(ApiError::conflict(
                    "registration.closed",
                    "This contest does not take registrations through the public form now.",
                ));
            }
            let team = validate_team(&contest, &input, &[])?;
            check_conflicts(conn, &contest.id, None, &team)?;
            let row = insert_team(conn, &contest, &team, status::PENDING)?;
            let view = super::teams::team_view(row.clone(), teams::members(conn, &row.id)?, false);
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    "public",
                    "team.self_register",
                    &format!("team:{}", row.id),
                )
                .after(&view),
            )?;
            Ok(RegistrationReceipt {
                id: row.id,
                status: row.status,
                name: row.name,
                school: row.school,
                members: team.members.len(),
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(receipt))
}
