//! Teams and their contestants: list, create, read, edit, withdraw, check in, and the approval
//! of self-registered teams. ID numbers and phones are masked in every response unless an
//! organizer asks for them in full (`?reveal=id_numbers`), which the audit log records.

use std::collections::{HashMap, HashSet};

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Organizer;
use super::contests::{managed_contest, state_of};
use super::validate::Checks;
use crate::domain::contest::ContestState;
use crate::domain::identity::{mask_id_number, validate_resident_id};
use crate::error::{ApiError, FieldError};
use crate::sheets;
use crate::store::contests::Contest;
use crate::store::teams::{self, status, Contestant, Team};
use crate::store::{audit, Db, DbConnection};

const MAX_NAME_CHARS: usize = 50;
const MAX_SCHOOL_CHARS: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests/{slug}/teams")
            .route(web::get().to(list_teams))
            .route(web::post().to(create_team)),
    )
    .service(
        web::resource("/contests/{slug}/teams/{team_id}")
            .route(web::get().to(get_team))
            .route(web::patch().to(update_team)),
    )
    .service(
        web::resource("/contests/{slug}/teams/{team_id}/withdraw")
            .route(web::post().to(withdraw_team)),
    )
    .service(
        web::resource("/contests/{slug}/teams/{team_id}/check-in")
            .route(web::post().to(check_in))
            .route(web::delete().to(undo_check_in)),
    )
    .service(
        web::resource("/contests/{slug}/teams/{team_id}/approve")
            .route(web::post().to(approve_team)),
    )
    .service(
        web::resource("/contests/{slug}/teams/{team_id}/reject").route(web::post().to(reject_team)),
    );
}

// ---------------------------------------------------------------------------------------------
// Views

#[derive(Debug, Serialize, ToSchema)]
pub struct ContestantView {
    id: String,
    name: String,
    school: String,
    region: String,
    /// Masked (`138****8001`) unless revealed.
    phone: Option<String>,
    /// Masked (`440***********0114`) unless revealed.
    id_number: Option<String>,
    role: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    id: String,
    name: String,
    school: String,
    region: String,
    coach: Option<String>,
    /// `registered`, `pending` (self-registered, awaiting approval) or `withdrawn`.
    status: String,
    checked_in_at: Option<DateTime<Utc>>,
    /// Station number (工位号), once drawn.
    station: Option<i32>,
    /// Anonymous code judges and the public see, once drawn.
    code: Option<String>,
    members: Vec<ContestantView>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Keeps the first 3 and last 4 digits of a mobile number; anything else keeps its last 2.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let (start, end) = match chars.len() {
        11 => (3, 4),
        n if n > 4 => (0, 2),
        _ => (0, 0),
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < start || i >= chars.len() - end {
                c
            } else {
                '*'
            }
        })
        .collect()
}

impl ContestantView {
    fn new(contestant: Contestant, reveal: bool) -> Self {
        let hide = |value: Option<String>, mask: fn(&str) -> String| {
            value.map(|v| if reveal { v } else { mask(&v) })
        };
        Self {
            phone: hide(contestant.phone, mask_phone),
            id_number: hide(contestant.id_number, mask_id_number),
            id: contestant.id,
            name: contestant.name,
            school: contestant.school,
            region: contestant.region,
            role: contestant.role,
        }
    }
}

pub fn team_view(team: Team, members: Vec<Contestant>, reveal: bool) -> TeamView {
    TeamView {
        id: team.id,
        name: team.name,
        school: team.school,
        region: team.region,
        coach: team.coach,
        status: team.status,
        checked_in_at: team.checked_in_at.map(|at| at.and_utc()),
        station: team.station,
        code: team.code,
        members: members
            .into_iter()
            .map(|m| ContestantView::new(m, reveal))
            .collect(),
        created_at: team.created_at.and_utc(),
        updated_at: team.updated_at.and_utc(),
    }
}

/// A team with its members, masked: what audit events record.
fn masked_view(conn: &mut DbConnection, team: &Team) -> Result<TeamView, ApiError> {
    let members = teams::members(conn, &team.id)?;
    Ok(team_view(team.clone(), members, false))
}

fn subject(team: &Team) -> String {
    format!("team:{}", team.id)
}

// ---------------------------------------------------------------------------------------------
// Input

/// `null` clears an optional field; leaving it out keeps it.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// When editing: the stored contestant this entry keeps. Leave out for a new member.
    #[serde(default)]
    id: Option<String>,
    name: String,
    /// Defaults to the team's region.
    #[serde(default)]
    region: Option<String>,
    /// An 11-digit mobile number. When editing a kept member, leaving it out keeps the stored
    /// number (responses show it masked); `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    phone: Option<Option<String>>,
    /// An 18-character resident ID number (GB 11643), kept like `phone` when left out.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    id_number: Option<Option<String>>,
    #[serde(default)]
    role: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    name: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    coach: Option<String>,
    /// The contestants, captain first; as many as the contest's team size allows.
    members: Vec<MemberInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamChanges {
    name: Option<String>,
    school: Option<String>,
    region: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    coach: Option<Option<String>>,
    /// The whole new member list; entries with an `id` keep that contestant.
    members: Option<Vec<MemberInput>>,
}

/// A contestant as a team should have it after a change; `id` names the stored one it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberFields {
    pub id: Option<String>,
    pub name: String,
    pub school: String,
    pub region: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    pub role: Option<String>,
}

/// A team's fields after validation: cleaned the way the spreadsheet import cleans them.
#[derive(Debug, Clone)]
pub struct ValidTeam {
    pub name: String,
    pub school: String,
    pub region: String,
    pub coach: Option<String>,
    pub members: Vec<MemberFields>,
}

fn cleaned(checks: &mut Checks, field: &str, value: &str, min: usize, max: usize) -> String {
    sheets::clean(&checks.text(field, value, min, max))
}

fn optional_text(checks: &mut Checks, field: &str, value: Option<&str>) -> Option<String> {
    value
        .map(|v| cleaned(checks, field, v, 0, MAX_NAME_CHARS))
        .filter(|v| !v.is_empty())
}

/// Checks a team against the contest's rules: names, team size, phones and resident ID numbers
/// (check digit), and ID numbers given twice. `stored` are the team's current members (for
/// entries that keep one); conflicts with other teams are checked in the store.
pub fn validate_team(
    contest: &Contest,
    input: &TeamInput,
    stored: &[Contestant],
) -> Result<ValidTeam, ApiError> {
    let mut checks = Checks::new();
    let name = cleaned(&mut checks, "name", &input.name, 1, MAX_NAME_CHARS);
    let school = cleaned(&mut checks, "school", &input.school, 0, MAX_SCHOOL_CHARS);
    let region = cleaned(&mut checks, "region", &input.region, 0, MAX_NAME_CHARS);
    let coach = optional_text(&mut checks, "coach", input.coach.as_deref());
    let size = input.members.len();
    let (min, max) = (contest.team_size_min, contest.team_size_max);
    if i32::try_from(size).unwrap_or(i32::MAX) < min {
        checks.push(
            "members",
            "team_too_small",
            format!("the team has {size} contestants; at least {min} are needed"),
        );
    } else if i32::try_from(size).unwrap_or(i32::MAX) > max {
        checks.push(
            "members",
            "team_too_large",
            format!("the team has {size} contestants; at most {max} are allowed"),
        );
    }
    let mut members = Vec::with_capacity(size);
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    for (i, member) in input.members.iter().enumerate() {
        let at = format!("members[{i}]");
        let kept = match &member.id {
            Some(id) => {
                let found = stored.iter().find(|s| &s.id == id);
                if found.is_none() {
                    checks.push(
                        format!("{at}.id"),
                        "unknown_member",
                        "no contestant of this team has this id",
                    );
                }
                found
            }
            None => None,
        };
        let name = cleaned(
            &mut checks,
            &format!("{at}.name"),
            &member.name,
            1,
            MAX_NAME_CHARS,
        );
        let member_region = match &member.region {
            Some(r) => cleaned(&mut checks, &format!("{at}.region"), r, 0, MAX_NAME_CHARS),
            None => region.clone(),
        };
        let phone = match &member.phone {
            Some(given) => given.as_deref().map(sheets::normalise_phone),
            None => kept.and_then(|k| k.phone.clone()),
        }
        .filter(|p| !p.is_empty());
        if let Some(phone) = &phone {
            if !sheets::is_mobile_number(phone) {
                checks.push(
                    format!("{at}.phone"),
                    "invalid_phone",
                    "not an 11-digit mobile number starting with 1",
                );
            }
        }
        let id_number = match &member.id_number {
            Some(given) => given.as_deref().map(sheets::normalise_id_number),
            None => kept.and_then(|k| k.id_number.clone()),
        }
        .filter(|n| !n.is_empty());
        if let Some(number) = &id_number {
            if let Err(why) = validate_resident_id(number) {
                checks.push(
                    format!("{at}.id_number"),
                    "invalid_id_number",
                    format!("not a valid 18-character resident ID number ({why})"),
                );
            } else if let Some(first) = seen_ids.insert(number.clone(), i) {
                checks.push(
                    format!("{at}.id_number"),
                    "duplicate_id_number",
                    format!("the same ID number as members[{first}]"),
                );
            }
        }
        members.push(MemberFields {
            id: kept.map(|k| k.id.clone()),
            name,
            school: school.clone(),
            region: member_region,
            phone,
            id_number,
            role: optional_text(&mut checks, &format!("{at}.role"), member.role.as_deref()),
        });
    }
    checks.finish()?;
    Ok(ValidTeam {
        name,
        school,
        region,
        coach,
        members,
    })
}

/// Refuses a team whose school and name another team has, or whose ID numbers are registered
/// in another team of the contest (409, naming the fields, never the other team).
pub fn check_conflicts(
    conn: &mut DbConnection,
    contest_id: &str,
    team_id: Option<&str>,
    team: &ValidTeam,
) -> Result<(), ApiError> {
    if let Some(other) = teams::find_by_name(conn, contest_id, &team.school, &team.name)? {
        if Some(other.id.as_str()) != team_id {
            return Err(ApiError::conflict(
                "team.duplicate",
                "A team of this school already has this name.",
            )
            .with_errors(vec![FieldError::new(
                "name",
                "duplicate",
                "this school already has a team with this name",
            )]));
        }
    }
    let taken: HashSet<String> = teams::id_number_owners(conn, contest_id)?
        .into_iter()
        .filter(|(_, owner)| Some(owner.id.as_str()) != team_id)
        .map(|(number, _)| number)
        .collect();
    let errors: Vec<FieldError> = team
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.id_number.as_ref().is_some_and(|n| taken.contains(n)))
        .map(|(i, _)| {
            FieldError::new(
                format!("members[{i}].id_number"),
                "duplicate_id_number",
                "this ID number is already registered in another team of this contest",
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "team.duplicate_id_number",
            "An ID number is already registered in another team of this contest.",
        )
        .with_errors(errors))
    }
}

// ---------------------------------------------------------------------------------------------
// Writing teams and members

/// What saving a member list does to the stored one.
#[derive(Debug, Default)]
pub struct MemberPlan {
    pub remove: Vec<String>,
    pub update: Vec<Contestant>,
    pub insert: Vec<Contestant>,
}

/// Compares the wanted members with the stored ones: entries with an `id` update that
/// contestant if anything differs, entries without one are new, stored ones not kept go.
pub fn plan_members(team: &Team, stored: &[Contestant], wanted: &[MemberFields]) -> MemberPlan {
    let kept: HashSet<&str> = wanted.iter().filter_map(|m| m.id.as_deref()).collect();
    let mut plan = MemberPlan {
        remove: stored
            .iter()
            .filter(|s| !kept.contains(s.id.as_str()))
            .map(|s| s.id.clone())
            .collect(),
        ..MemberPlan::default()
    };
    for (position, member) in (0..).zip(wanted) {
        let row = Contestant {
            id: member
                .id
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            team_id: team.id.clone(),
            contest_id: team.contest_id.clone(),
            name: member.name.clone(),
            school: member.school.clone(),
            region: member.region.clone(),
            phone: member.phone.clone(),
            id_number: member.id_number.clone(),
            role: member.role.clone(),
            position,
        };
        match stored.iter().find(|s| Some(&s.id) == member.id.as_ref()) {
            None => plan.insert.push(row),
            Some(old) if !same_contestant(old, &row) => plan.update.push(row),
            Some(_) => {}
        }
    }
    plan
}

fn same_contestant(a: &Contestant, b: &Contestant) -> bool {
    (
        &a.name,
        &a.school,
        &a.region,
        &a.phone,
        &a.id_number,
        &a.role,
        a.position,
    ) == (
        &b.name,
        &b.school,
        &b.region,
        &b.phone,
        &b.id_number,
        &b.role,
        b.position,
    )
}

/// Removes before it updates and inserts, so an ID number may pass from a leaving member to a
/// new one without tripping the contest's unique key.
pub fn apply_members(conn: &mut DbConnection, plan: &MemberPlan) -> Result<(), ApiError> {
    for id in &plan.remove {
        teams::delete_contestant(conn, id)?;
    }
    for row in &plan.update {
        teams::update_contestant(conn, row)?;
    }
    for row in &plan.insert {
        teams::insert_contestant(conn, row)?;
    }
    Ok(())
}

/// Stores a new team (status `registered` or `pending`) with its members.
pub fn insert_team(
    conn: &mut DbConnection,
    contest: &Contest,
    team: &ValidTeam,
    status: &str,
) -> Result<Team, ApiError> {
    let now = crate::store::now();
    let row = Team {
        id: uuid::Uuid::new_v4().to_string(),
        contest_id: contest.id.clone(),
        name: team.name.clone(),
        school: team.school.clone(),
        region: team.region.clone(),
        coach: team.coach.clone(),
        status: status.to_owned(),
        checked_in_at: None,
        station: None,
        code: None,
        created_at: now,
        updated_at: now,
    };
    teams::insert(conn, &row)?;
    apply_members(conn, &plan_members(&row, &[], &team.members))?;
    Ok(row)
}

// ---------------------------------------------------------------------------------------------
// Guards

/// Teams may join only before scoring starts (states draft and registration).
pub fn ensure_registration_open(contest: &Contest) -> Result<ContestState, ApiError> {
    let state = state_of(contest)?;
    if state.scoring_started() {
        return Err(ApiError::conflict(
            "registration.closed",
            "Scoring has started; teams can no longer be registered or imported.",
        ));
    }
    Ok(state)
}

/// Teams may change until the results are locked.
fn ensure_not_locked(contest: &Contest) -> Result<(), ApiError> {
    if state_of(contest)? >= ContestState::Locked {
        return Err(ApiError::conflict(
            "contest.locked",
            "The results are locked; teams can no longer change.",
        ));
    }
    Ok(())
}

fn find_team(conn: &mut DbConnection, contest: &Contest, team_id: &str) -> Result<Team, ApiError> {
    teams::find(conn, &contest.id, team_id)?
        .ok_or_else(|| ApiError::not_found("team.not_found", "No such team in this contest."))
}

// ---------------------------------------------------------------------------------------------
// Handlers

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reveal {
    /// Show ID numbers and phones in full (audited).
    IdNumbers,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    Registered,
    Pending,
    Withdrawn,
}

impl StatusFilter {
    fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Registered => status::REGISTERED,
            StatusFilter::Pending => status::PENDING,
            StatusFilter::Withdrawn => status::WITHDRAWN,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamQuery {
    /// Only teams with this status; `pending` lists self-registrations awaiting approval.
    status: Option<StatusFilter>,
    /// `id_numbers` shows ID numbers and phones in full; the audit log records who asked.
    reveal: Option<Reveal>,
}

/// Records that an organizer saw ID numbers in full.
fn audit_reveal(
    conn: &mut DbConnection,
    contest: &Contest,
    actor: &str,
    subject: &str,
) -> Result<(), ApiError> {
    audit::append(
        conn,
        audit::Entry::new(&contest.id, actor, "team.reveal_id_numbers", subject),
    )?;
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/teams", tag = "registration",
    params(("slug" = String, Path), TeamQuery),
    responses((status = 200, body = Vec<TeamView>), (status = 401), (status = 404)))]
pub async fn list_teams(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<TeamQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let TeamQuery { status, reveal } = query.into_inner();
    let reveal = reveal.is_some();
    let actor = organizer.actor();
    let work = move |conn: &mut DbConnection| {
        let contest = managed_contest(conn, &slug, &organizer)?;
        let list = match status {
            Some(wanted) => teams::list_with_status(conn, &contest.id, wanted.as_str())?,
            None => teams::list(conn, &contest.id)?,
        };
        let mut members: HashMap<String, Vec<Contestant>> = HashMap::new();
        for contestant in teams::contestants_of_contest(conn, &contest.id)? {
            members
                .entry(contestant.team_id.clone())
                .or_default()
                .push(contestant);
        }
        if reveal {
            audit_reveal(conn, &contest, &actor, &format!("contest:{}", contest.slug))?;
        }
        Ok(list
            .into_iter()
            .map(|team| {
                let own = members.remove(&team.id).unwrap_or_default();
                team_view(team, own, reveal)
            })
            .collect::<Vec<_>>())
    };
    let views = if reveal {
        db.write(work).await?
    } else {
        db.read(work).await?
    };
    Ok(HttpResponse::Ok().json(views))
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/teams", tag = "registration",
    params(("slug" = String, Path)), request_body = TeamInput,
    responses((status = 201, body = TeamView), (status = 401), (status = 404), (status = 409), (status = 422)))]
pub async fn create_team(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
    body: web::Json<TeamInput>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let input = body.into_inner();
    let actor = organizer.actor();
    let view = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            ensure_registration_open(&contest)?;
            let team = validate_team(&contest, &input, &[])?;
            check_conflicts(conn, &contest.id, None, &team)?;
            let row = insert_team(conn, &contest, &team, status::REGISTERED)?;
            let view = masked_view(conn, &row)?;
            audit::append(
                conn,
                audit::Entry::new(&contest.id, &actor, "team.create", &subject(&row)).after(&view),
            )?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// `id_numbers` shows ID numbers and phones in full; the audit log records who asked.
    reveal: Option<Reveal>,
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/teams/{team_id}", tag = "registration",
    params(("slug" = String, Path), ("team_id" = String, Path), RevealQuery),
    responses((status = 200, body = TeamView), (status = 401), (status = 404)))]
pub async fn get_team(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
    query: web::Query<RevealQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, team_id) = path.into_inner();
    let reveal = query.reveal.is_some();
    let actor = organizer.actor();
    let work = move |conn: &mut DbConnection| {
        let contest = managed_contest(conn, &slug, &organizer)?;
        let team = find_team(conn, &contest, &team_id)?;
        if reveal {
            audit_reveal(conn, &contest, &actor, &subject(&team))?;
        }
        let members = teams::members(conn, &team.id)?;
        Ok(team_view(team, members, reveal))
    };
    let view = if reveal {
        db.write(work).await?
    } else {
        db.read(work).await?
    };
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(patch, path = "/api/v1/contests/{slug}/teams/{team_id}", tag = "registration",
    params(("slug" = String, Path), ("team_id" = String, Path)), request_body = TeamChanges,
    responses((status = 200, body = TeamView), (status = 401), (status = 404), (status = 409), (status = 422)))]
pub async fn update_team(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
    body: web::Json<TeamChanges>,
) -> Result<HttpResponse, ApiError> {
    let (slug, team_id) = path.into_inner();
    let changes = body.into_inner();
    let actor = organizer.actor();
    let view = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            ensure_not_locked(&contest)?;
            let mut team = find_team(conn, &contest, &team_id)?;
            let stored = teams::members(conn, &team.id)?;
            let before = team_view(team.clone(), stored.clone(), false);
            let keep_all = || {
                stored
                    .iter()
                    .map(|s| MemberInput {
                        id: Some(s.id.clone()),
                        name: s.name.clone(),
                        region: Some(s.region.clone()),
                        phone: None,
                        id_number: None,
                        role: s.role.clone(),
                    })
                    .collect()
            };
            let input = TeamInput {
                name: changes.name.clone().unwrap_or_else(|| team.name.clone()),
                school: changes
                    .school
                    .clone()
                    .unwrap_or_else(|| team.school.clone()),
                region: changes
                    .region
                    .clone()
                    .unwrap_or_else(|| team.region.clone()),
                coach: changes.coach.clone().unwrap_or_else(|| team.coach.clone()),
                members: changes.members.clone().unwrap_or_else(keep_all),
            };
            let valid = validate_team(&contest, &input, &stored)?;
            check_conflicts(conn, &contest.id, Some(&team.id), &valid)?;
            team.name = valid.name.clone();
            team.school = valid.school.clone();
            team.region = valid.region.clone();
            team.coach = valid.coach.clone();
            team.updated_at = crate::store::now();
            teams::update(conn, &team)?;
            apply_members(conn, &plan_members(&team, &stored, &valid.members))?;
            let view = masked_view(conn, &team)?;
            audit::append(
                conn,
                audit::Entry::new(&contest.id, &actor, "team.update", &subject(&team))
                    .before(&before)
                    .after(&view),
            )?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Why, for the audit log.
    #[serde(default)]
    reason: Option<String>,
}

impl ReasonRequest {
    fn reason(&self) -> Option<String> {
        self.reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
    }
}

/// Loads a team for a change of state, runs `change` on it, stores it and audits `action`.
async fn change_team(
    db: &Db,
    organizer: Organizer,
    (slug, team_id): (String, String),
    action: &'static str,
    reason: Option<String>,
    change: impl FnOnce(&Contest, &mut Team, NaiveDateTime) -> Result<(), ApiError> + Send + 'static,
) -> Result<TeamView, ApiError> {
    let actor = organizer.actor();
    db.write(move |conn| {
        let contest = managed_contest(conn, &slug, &organizer)?;
        ensure_not_locked(&contest)?;
        let mut team = find_team(conn, &contest, &team_id)?;
        let before = masked_view(conn, &team)?;
        let now = crate::store::now();
        change(&contest, &mut team, now)?;
        team.updated_at = now;
        teams::update(conn, &team)?;
        let view = masked_view(conn, &team)?;
        audit::append(
            conn,
            audit::Entry::new(&contest.id, &actor, action, &subject(&team))
                .before(&before)
                .after(&view)
                .reason(reason.as_deref()),
        )?;
        Ok(view)
    })
    .await
}

fn not_registered(team: &Team) -> ApiError {
    ApiError::conflict(
        "team.not_registered",
        format!("The team is {}, not registered.", team.status),
    )
}

/// A withdrawn team keeps its members, station, code and marks, and leaves the ranking.
#[utoipa::path(post, path = "/api/v1/contests/{slug}/teams/{team_id}/withdraw", tag = "registration",
    params(("slug" = String, Path), ("team_id" = String, Path)), request_body = ReasonRequest,
    responses((status = 200, body = TeamView), (status = 401), (status = 404), (status = 409)))]
pub async fn withdraw_team(
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<(String, String)>,
    body: web::Json<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.reason();
    let (slug, team_id) = path.into_inner();
    let changed = slug.clone();
    let view = change_team(
        &db,
        organizer,
        (slug, team_id),
        "team.withdraw",
        reason,
        |_, team, _| {
            if team.status != status::REGISTERED {
                return Err(not_registered(team));
            }
            team.status = status::WITHDRAWN.to_owned();
            Ok(())
        },
    )
    .await?;
    // The team leaves the ranking: the boards must drop it now, not at the next sheet.
    super::boards_changed(&hub, &changed).await;
    Ok(HttpResponse::Ok().json(view))
}

/// Marks a registered team present on contest day; only present teams get a draw.
#[utoipa::path(post, path = "/api/v1/contests/{slug}/teams/{team_id}/check-in", tag = "registration",
    params(("slug" = String, Path), ("team_id" = String, Path)),
    responses((status = 200, body = TeamView), (status = 401), (status = 404), (status = 409)))]
pub async fn check_in(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let view = change_team(
        &db,
        organizer,
        path.into_inner(),
        "team.check_in",
        None,
        |_, team, now| {
            if team.status != status::REGISTERED {
                return Err(not_registered(team));
            }
            team.checked_in_at.get_or_insert(now);
            Ok(())
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Takes a check-in back, as long as the team has not been drawn yet.
#[utoipa::path(delete, path = "/api/v1/contests/{slug}/teams/{team_id}/check-in", tag = "registration",
    params(("slug" = String, Path), ("team_id" = String, Path)),
    responses((status = 200, body = TeamView), (status = 401), (status = 404), (status = 409)))]
pub async fn undo_check_in(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let view = change_team(
        &db,
        organizer,
        path.into_inner(),
        "team.undo_check_in",
        None,
        |_, team, _| {
            if team.station.is_some() {
                return Err(ApiError::conflict(
                    "team.already_drawn",
                    "The team already has a station; a redraw is needed to take it back.",
                ));
            }
            team.checked_in_at = None;
            Ok(())
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

fn not_pending(team: &Team) -> ApiError {
    ApiError::conflict(
        "team.not_pending",
        format!(
            "The team is {}; only pending self-registrations are approved or rejected.",
            team.status
        ),
    )
}

/// Accepts a self-registered team: pending → registered.
#[utoipa::path(post, path = "/api/v1/contests/{slug}/teams/{team_id}/approve", tag = "registration",
    params(("slug" = String, Path), ("team_id" = String, Path)),
    responses((status = 200, body = TeamView), (status = 401), (status = 404), (status = 409)))]
pub async fn approve_team(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let view = change_team(
        &db,
        organizer,
        path.into_inner(),
        "team.approve",
        None,
        |_, team, _| {
            if team.status != status::PENDING {
                return Err(not_pending(team));
            }
            team.status = status::REGISTERED.to_owned();
            Ok(())
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Turns a self-registration down. The team never took part, so it is deleted (the audit log
/// keeps a masked copy), which frees its name and ID numbers for a corrected application.
#[utoipa::path(post, path = "/api/v1/contests/{slug}/teams/{team_id}/reject", tag = "registration",
    params(("slug" = String, Path), ("team_id" = String, Path)), request_body = ReasonRequest,
    responses((status = 204), (status = 401), (status = 404), (status = 409)))]
pub async fn reject_team(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<(String, String)>,
    body: web::Json<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let (slug, team_id) = path.into_inner();
    let reason = body.reason();
    let actor = organizer.actor();
    db.write(move |conn| {
        let contest = managed_contest(conn, &slug, &organizer)?;
        let team = find_team(conn, &contest, &team_id)?;
        if team.status != status::PENDING {
            return Err(not_pending(&team));
        }
        let before = masked_view(conn, &team)?;
        teams::delete(conn, &team.id)?;
        audit::append(
            conn,
            audit::Entry::new(&contest.id, &actor, "team.reject", &subject(&team))
                .before(&before)
                .reason(reason.as_deref()),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_keep_their_first_three_and_last_four_digits() {
        assert_eq!(mask_phone("13800138001"), "138****8001");
        assert_eq!(mask_phone("075512345"), "*******45");
        assert_eq!(mask_phone("1234"), "****");
    }
}
