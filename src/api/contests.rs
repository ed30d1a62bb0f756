//! Contests: create, edit, list, co-hosts, and the state machine.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::caller::Organizer;
use super::validate::{self, Checks};
use crate::domain::contest::{ContestState, Visibility};
use crate::error::{ApiError, FieldError};
use crate::store::contests::{self, Contest, Host};
use crate::store::Db;
use crate::store::{accounts, audit, DbConnection};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests")
            .route(web::get().to(list_contests))
            .route(web::post().to(create_contest)),
    )
    .service(
        web::resource("/contests/{slug}")
            .route(web::get().to(get_contest))
            .route(web::patch().to(update_contest)),
    )
    .service(web::resource("/contests/{slug}/state").route(web::post().to(change_state)))
    .service(web::resource("/contests/{slug}/hosts").route(web::put().to(set_hosts)));
}

/// Default award tiers: first 10 %, second 20 %, third 30 % of ranked teams (DESIGN §3.5), in
/// basis points.
pub const DEFAULT_AWARD_TIERS: [u32; 3] = [1000, 2000, 3000];

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct TeamSize {
    pub min: u32,
    pub max: u32,
}

#[derive(Serialize, ToSchema)]
pub struct HostView {
    organization_id: String,
    name: String,
    kind: String,
    is_lead: bool,
}

impl From<Host> for HostView {
    fn from(host: Host) -> Self {
        Self {
            organization_id: host.organization_id,
            name: host.name,
            kind: host.kind,
            is_lead: host.is_lead,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContestView {
    id: String,
    slug: String,
    title_zh: String,
    title_en: String,
    venue: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    state: ContestState,
    visibility: Visibility,
    freeze_at: Option<DateTime<Utc>>,
    /// Module codes that break ties on the total, in order.
    tie_break: Vec<String>,
    /// Shares of ranked teams per award tier, in basis points (1000 = 10 %).
    award_tiers: Vec<u32>,
    team_size: TeamSize,
    hosts: Vec<HostView>,
    /// Whether the marking scheme may still change.
    scheme_editable: bool,
    /// Whether teams may apply through the public registration form (while in `registration`).
    self_registration: bool,
}

fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// The stored contest's state; an unknown value in the database is our bug, not the client's.
pub fn state_of(contest: &Contest) -> Result<ContestState, ApiError> {
    ContestState::parse(&contest.state)
        .ok_or_else(|| ApiError::internal(format!("unknown contest state {:?}", contest.state)))
}

pub fn scheme_editable(contest: &Contest) -> Result<bool, ApiError> {
    Ok(!state_of(contest)?.scoring_started() || contest.scheme_reopened)
}

pub fn contest_view(conn: &mut DbConnection, contest: Contest) -> Result<ContestView, ApiError> {
    let hosts = contests::hosts(conn, &contest.id)?;
    let state = state_of(&contest)?;
    let scheme_editable = scheme_editable(&contest)?;
    let visibility = Visibility::parse(&contest.visibility).ok_or_else(|| {
        ApiError::internal(format!("unknown visibility {:?}", contest.visibility))
    })?;
    Ok(ContestView {
        tie_break: serde_json::from_str(&contest.tie_break).map_err(ApiError::internal)?,
        award_tiers: serde_json::from_str(&contest.award_tiers).map_err(ApiError::internal)?,
        id: contest.id,
        slug: contest.slug,
        title_zh: contest.title_zh,
        title_en: contest.title_en,
        venue: contest.venue,
        starts_at: utc(contest.starts_at),
        ends_at: utc(contest.ends_at),
        state,
        visibility,
        freeze_at: contest.freeze_at.map(utc),
        team_size: TeamSize {
            min: u32::try_from(contest.team_size_min).unwrap_or(1),
            max: u32::try_from(contest.team_size_max).unwrap_or(1),
        },
        hosts: hosts.into_iter().map(HostView::from).collect(),
        scheme_editable,
        self_registration: contest.self_registration,
    })
}

/// The contest at `slug` if the organizer may manage it. A contest the organizer's organization
/// does not co-host answers 404 like a missing one, so its existence does not leak.
pub fn managed_contest(
    conn: &mut DbConnection,
    slug: &str,
    organizer: &Organizer,
) -> Result<Contest, ApiError> {
    let not_found = || ApiError::not_found("contest.not_found", format!("No contest {slug:?}."));
    let contest = contests::find_by_slug(conn, slug)?.ok_or_else(not_found)?;
    if organizer.is_admin() {
        return Ok(contest);
    }
    match organizer.organization_id() {
        Some(org) if contests::is_host(conn, &contest.id, org)? => Ok(contest),
        _ => Err(not_found()),
    }
}

#[utoipa::path(get, path = "/api/v1/contests", tag = "contests",
    responses((status = 200, body = Vec<ContestView>), (status = 401)))]
pub async fn list_contests(
    organizer: Organizer,
    db: web::Data<Db>,
) -> Result<HttpResponse, ApiError> {
    let views = db
        .read(move |conn| {
            let scope = if organizer.is_admin() {
                None
            } else {
                Some(organizer.organization_id().unwrap_or_default().to_owned())
            };
            contests::list(conn, scope.as_deref())?
                .into_iter()
                .map(|contest| contest_view(conn, contest))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, ToSchema)]
pub struct NewContest {
    slug: String,
    title_zh: String,
    title_en: String,
    #[serde(default)]
    venue: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    /// Defaults to the caller's organization.
    lead_organization_id: Option<String>,
    #[serde(default)]
    co_host_ids: Vec<String>,
    #[serde(default = "default_visibility")]
    visibility: Visibility,
    freeze_at: Option<DateTime<Utc>>,
    #[serde(default)]
    tie_break: Vec<String>,
    award_tiers: Option<Vec<u32>>,
    team_size: Option<TeamSize>,
}

fn default_visibility() -> Visibility {
    Visibility::Codes
}

/// Checks the fields every contest must satisfy, whether new or edited.
fn check_contest_fields(
    checks: &mut Checks,
    contest: &Contest,
    award_tiers: &[u32],
    team_size: TeamSize,
) {
    if contest.ends_at <= contest.starts_at {
        checks.push(
            "ends_at",
            "before_start",
            "the contest must end after it starts",
        );
    }
    if let Some(freeze) = contest.freeze_at {
        if freeze < contest.starts_at || freeze > contest.ends_at {
            checks.push(
                "freeze_at",
                "outside_contest",
                "the freeze time must fall within the contest",
            );
        }
    }
    if award_tiers.is_empty() || award_tiers.len() > 5 {
        checks.push(
            "award_tiers",
            "bad_count",
            "give between 1 and 5 award tiers",
        );
    }
    if award_tiers.contains(&0) {
        checks.push(
            "award_tiers",
            "zero_share",
            "each award tier needs a share above 0",
        );
    }
    if award_tiers.iter().sum::<u32>() > 10_000 {
        checks.push(
            "award_tiers",
            "over_100_percent",
            "award tiers may cover at most 100 % of teams",
        );
    }
    if team_size.min == 0 || team_size.min > team_size.max || team_size.max > 20 {
        checks.push(
            "team_size",
            "invalid_range",
            "team size needs 1 ≤ min ≤ max ≤ 20",
        );
    }
}

#[utoipa::path(post, path = "/api/v1/contests", tag = "contests", request_body = NewContest,
    responses((status = 201, body = ContestView), (status = 401), (status = 409), (status = 422)))]
pub async fn create_contest(
    organizer: Organizer,
    db: web::Data<Db>,
    body: web::Json<NewContest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::new();
    let slug = match validate::slug("slug", &body.slug) {
        Ok(slug) => slug,
        Err(error) => {
            checks.extend(error.errors().iter().cloned());
            String::new()
        }
    };
    let now = Utc::now().naive_utc();
    let award_tiers = body.award_tiers.unwrap_or(DEFAULT_AWARD_TIERS.to_vec());
    let team_size = body.team_size.unwrap_or(TeamSize { min: 1, max: 3 });
    let contest = Contest {
        id: uuid::Uuid::new_v4().to_string(),
        slug,
        title_zh: checks.text("title_zh", &body.title_zh, 1, 120),
        title_en: checks.text("title_en", &body.title_en, 1, 120),
        venue: checks.text("venue", &body.venue, 0, 120),
        starts_at: body.starts_at.naive_utc(),
        ends_at: body.ends_at.naive_utc(),
        state: ContestState::Draft.as_str().to_owned(),
        visibility: body.visibility.as_str().to_owned(),
        freeze_at: body.freeze_at.map(|at| at.naive_utc()),
        tie_break: serde_json::to_string(&body.tie_break).map_err(ApiError::internal)?,
        award_tiers: serde_json::to_string(&award_tiers).map_err(ApiError::internal)?,
        team_size_min: i32::try_from(team_size.min).unwrap_or(i32::MAX),
        team_size_max: i32::try_from(team_size.max).unwrap_or(i32::MAX),
        scheme_reopened: false,
        created_at: now,
        updated_at: now,
        appeal_window_minutes: 120,
        self_registration: false,
        board_version: 0,
        reveal_mode: "none".to_owned(),
        revealed_positions: 0,
    };
    check_contest_fields(&mut checks, &contest, &award_tiers, team_size);
    if !body.tie_break.is_empty() {
        checks.push(
            "tie_break",
            "unknown_module",
            "a new contest has no modules to break ties with yet",
        );
    }
    let lead = match (body.lead_organization_id, organizer.organization_id()) {
        (Some(lead), _) => lead,
        (None, Some(own)) => own.to_owned(),
        (None, None) => {
            checks.push(
                "lead_organization_id",
                "required",
                "name the lead organization",
            );
            String::new()
        }
    };
    if !organizer.is_admin() {
        let own = organizer.organization_id().unwrap_or_default();
        if lead != own && !body.co_host_ids.iter().any(|id| id == own) {
            checks.push(
                "co_host_ids",
                "must_include_own",
                "your organization must lead or co-host the contests it creates",
            );
        }
    }
    checks.finish()?;

    let co_hosts = body.co_host_ids;
    let actor = organizer.actor();
    let view = db
        .write(move |conn| {
            check_organizations_exist(conn, &lead, &co_hosts)?;
            if contests::slug_taken(conn, &contest.slug)? {
                return Err(ApiError::conflict(
                    "contest.duplicate_slug",
                    "Another contest uses this slug.",
                )
                .with_errors(vec![FieldError::new(
                    "slug",
                    "duplicate",
                    "this slug is taken",
                )]));
            }
            contests::insert(conn, &contest)?;
            contests::set_hosts(conn, &contest.id, &lead, &co_hosts)?;
            let view = contest_view(conn, contest)?;
            audit::append(
                conn,
                audit::Entry::new(
                    &view.id,
                    &actor,
                    "contest.create",
                    &format!("contest:{}", view.slug),
                )
                .after(&view),
            )?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

fn check_organizations_exist(
    conn: &mut DbConnection,
    lead: &str,
    co_hosts: &[String],
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if accounts::find_organization(conn, lead)?.is_none() {
        errors.push(FieldError::new(
            "lead_organization_id",
            "unknown_organization",
            "no organization has this id",
        ));
    }
    for (i, id) in co_hosts.iter().enumerate() {
        if accounts::find_organization(conn, id)?.is_none() {
            errors.push(FieldError::new(
                format!("co_host_ids[{i}]"),
                "unknown_organization",
                "no organization has this id",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}", tag = "contests",
    responses((status = 200, body = ContestView), (status = 401), (status = 404)))]
pub async fn get_contest(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let view = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            contest_view(conn, contest)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `null` clears an optional field; leaving it out keeps it.
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestChanges {
    title_zh: Option<String>,
    title_en: Option<String>,
    venue: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    visibility: Option<Visibility>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    freeze_at: Option<Option<DateTime<Utc>>>,
    tie_break: Option<Vec<String>>,
    award_tiers: Option<Vec<u32>>,
    team_size: Option<TeamSize>,
    /// Open the public registration form (it takes applications in state `registration`).
    self_registration: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/contests/{slug}", tag = "contests", request_body = ContestChanges,
    responses((status = 200, body = ContestView), (status = 404), (status = 422)))]
pub async fn update_contest(
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<String>,
    body: web::Json<ContestChanges>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let changes = body.into_inner();
    let actor = organizer.actor();
    let view = db
        .write(move |conn| {
            let before = managed_contest(conn, &slug, &organizer)?;
            let before_view = contest_view(conn, before.clone())?;
            let mut contest = before;
            let mut checks = Checks::new();
            if let Some(title) = &changes.title_zh {
                contest.title_zh = checks.text("title_zh", title, 1, 120);
            }
            if let Some(title) = &changes.title_en {
                contest.title_en = checks.text("title_en", title, 1, 120);
            }
            if let Some(venue) = &changes.venue {
                contest.venue = checks.text("venue", venue, 0, 120);
            }
            if let Some(at) = changes.starts_at {
                contest.starts_at = at.naive_utc();
            }
            if let Some(at) = changes.ends_at {
                contest.ends_at = at.naive_utc();
            }
            if let Some(visibility) = changes.visibility {
                contest.visibility = visibility.as_str().to_owned();
            }
            if let Some(on) = changes.self_registration {
                contest.self_registration = on;
            }
            if let Some(freeze) = changes.freeze_at {
                contest.freeze_at = freeze.map(|at| at.naive_utc());
            }
            if let Some(tie_break) = &changes.tie_break {
                let known = crate::store::schemes::module_codes(conn, &contest.id)?;
                for (i, code) in tie_break.iter().enumerate() {
                    if !known.contains(code) {
                        checks.push(
                            format!("tie_break[{i}]"),
                            "unknown_module",
                            format!("no module {code:?} in this contest"),
                        );
                    }
                }
                contest.tie_break = serde_json::to_string(tie_break).map_err(ApiError::internal)?;
            }
            let award_tiers = match &changes.award_tiers {
                Some(tiers) => tiers.clone(),
                None => serde_json::from_str(&contest.award_tiers).map_err(ApiError::internal)?,
            };
            contest.award_tiers =
                serde_json::to_string(&award_tiers).map_err(ApiError::internal)?;
            let team_size = changes.team_size.unwrap_or(TeamSize {
                min: u32::try_from(contest.team_size_min).unwrap_or(1),
                max: u32::try_from(contest.team_size_max).unwrap_or(1),
            });
            contest.team_size_min = i32::try_from(team_size.min).unwrap_or(i32::MAX);
            contest.team_size_max = i32::try_from(team_size.max).unwrap_or(i32::MAX);
            check_contest_fields(&mut checks, &contest, &award_tiers, team_size);
            checks.finish()?;
            contest.updated_at = Utc::now().naive_utc();
            contests::update(conn, &contest)?;
            let view = contest_view(conn, contest)?;
            audit::append(
                conn,
                audit::Entry::new(
                    &view.id,
                    &actor,
                    "contest.update",
                    &format!("contest:{}", view.slug),
                )
                .before(&before_view)
                .after(&view),
            )?;
            Ok(view)
        })
        .await?;
    // Visibility, freeze time, tie-breaks, award tiers and the state all show on boards.
    hub.contest_changed(&view.id);
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct StateChange {
    /// The state to move to.
    to: String,
    /// Required when going back (reopening a locked contest).
    reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/state", tag = "contests", request_body = StateChange,
    responses((status = 200, body = ContestView), (status = 404), (status = 409), (status = 422)))]
pub async fn change_state(
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<String>,
    body: web::Json<StateChange>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let change = body.into_inner();
    let to = ContestState::parse(&change.to).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new(
            "to",
            "unknown_state",
            "use draft, registration, running, locked or published",
        )])
    })?;
    let reason = change
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let actor = organizer.actor();
    let view = db
        .write(move |conn| {
            let mut contest = managed_contest(conn, &slug, &organizer)?;
            let from = state_of(&contest)?;
            if !from.can_move_to(to) {
                return Err(ApiError::conflict(
                    "contest.illegal_transition",
                    format!(
                        "A contest cannot go from {} to {}.",
                        from.as_str(),
                        to.as_str()
                    ),
                ));
            }
            if from.needs_reason(to) && reason.is_none() {
                return Err(ApiError::validation(vec![FieldError::new(
                    "reason",
                    "required",
                    "going back needs a reason for the audit log",
                )]));
            }
            contest.state = to.as_str().to_owned();
            contest.updated_at = Utc::now().naive_utc();
            contests::update(conn, &contest)?;
            let subject = format!("contest:{}", contest.slug);
            let id = contest.id.clone();
            audit::append(
                conn,
                audit::Entry::new(&id, &actor, "contest.state", &subject)
                    .before(&from)
                    .after(&to)
                    .reason(reason.as_deref()),
            )?;
            contest_view(conn, contest)
        })
        .await?;
    // Visibility, freeze time, tie-breaks, award tiers and the state all show on boards.
    hub.contest_changed(&view.id);
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema)]
pub struct HostsChange {
    lead_organization_id: String,
    #[serde(default)]
    co_host_ids: Vec<String>,
}

#[utoipa::path(put, path = "/api/v1/contests/{slug}/hosts", tag = "contests", request_body = HostsChange,
    responses((status = 200, body = ContestView), (status = 404), (status = 422)))]
pub async fn set_hosts(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
    body: web::Json<HostsChange>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let change = body.into_inner();
    let actor = organizer.actor();
    let view = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            check_organizations_exist(conn, &change.lead_organization_id, &change.co_host_ids)?;
            if let (false, Some(own)) = (organizer.is_admin(), organizer.organization_id()) {
                if change.lead_organization_id != own
                    && !change.co_host_ids.iter().any(|id| id == own)
                {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "co_host_ids",
                        "must_include_own",
                        "you cannot remove your own organization; ask another co-host",
                    )]));
                }
            }
            let before = contest_view(conn, contest.clone())?;
            contests::set_hosts(
                conn,
                &contest.id,
                &change.lead_organization_id,
                &change.co_host_ids,
            )?;
            let view = contest_view(conn, contest)?;
            audit::append(
                conn,
                audit::Entry::new(
                    &view.id,
                    &actor,
                    "contest.hosts",
                    &format!("contest:{}", view.slug),
                )
                .before(&before.hosts)
                .after(&view.hosts),
            )?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
