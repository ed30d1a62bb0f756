//! The marking scheme: read, replace as a whole (JSON or the organizers' XLSX layout), export,
//! and the audited reopen once scoring has started.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Organizer;
use super::contests::{managed_contest, scheme_editable, state_of};
use super::validate::Checks;
use crate::domain::aggregation::AggregationRule;
use crate::domain::marks::Mark;
use crate::domain::scheme::{self, CriterionKind};
use crate::error::{ApiError, FieldError};
use crate::store::contests::{self, Contest};
use crate::store::schemes::{self, CriterionRow, ModuleRow, StoredModule};
use crate::store::{audit, Db, DbConnection};

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const MAX_SCHEME_FILE_BYTES: usize = 5 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests/{slug}/scheme")
            .route(web::get().to(get_scheme))
            .route(web::put().to(put_scheme)),
    )
    .service(web::resource("/contests/{slug}/scheme.xlsx").route(web::get().to(export_xlsx)))
    .service(
        web::resource("/contests/{slug}/scheme/import")
            .app_data(web::PayloadConfig::new(MAX_SCHEME_FILE_BYTES))
            .route(web::post().to(import_xlsx)),
    )
    .service(web::resource("/contests/{slug}/scheme/reopen").route(web::post().to(reopen)));
}

/// The kinds of criterion, as they are named over the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    Measurement,
    Judgement,
    Imported,
    Deduction,
}

impl KindName {
    pub fn as_str(self) -> &'static str {
        match self {
            KindName::Measurement => "measurement",
            KindName::Judgement => "judgement",
            KindName::Imported => "imported",
            KindName::Deduction => "deduction",
        }
    }

    pub fn parse(text: &str) -> Option<KindName> {
        [
            KindName::Measurement,
            KindName::Judgement,
            KindName::Imported,
            KindName::Deduction,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// A whole marking scheme, as exported and imported.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeDocument {
    pub modules: Vec<ModuleDocument>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleDocument {
    pub code: String,
    pub title_zh: String,
    #[serde(default)]
    pub title_en: String,
    /// Points the module is worth in the total; the raw score is rescaled to it. Leave out to
    /// count raw points.
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub weight: Option<Mark>,
    #[serde(default)]
    #[schema(value_type = String, example = "auto")]
    pub aggregation: AggregationRule,
    /// Largest gap in judgement levels between two judges before the pair is flagged.
    #[serde(default = "default_threshold")]
    pub discrepancy_threshold: u8,
    pub criteria: Vec<CriterionDocument>,
}

fn default_threshold() -> u8 {
    scheme::DEFAULT_DISCREPANCY_THRESHOLD
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionDocument {
    pub code: String,
    pub text_zh: String,
    #[serde(default)]
    pub text_en: String,
    pub kind: KindName,
    #[schema(value_type = f64)]
    pub max_mark: Mark,
    /// Measurement criteria only: marks are multiples of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub step: Option<Mark>,
    /// Judgement criteria only: what levels 0, 1, 2 and 3 mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descriptors: Option<Vec<String>>,
}

impl CriterionDocument {
    pub fn domain_kind(&self) -> CriterionKind {
        match self.kind {
            KindName::Measurement => CriterionKind::Measurement {
                step: self.step.unwrap_or(Mark::ZERO),
            },
            KindName::Judgement => CriterionKind::Judgement,
            KindName::Imported => CriterionKind::Imported,
            KindName::Deduction => CriterionKind::Deduction,
        }
    }
}

/// The domain kind of a stored criterion.
pub fn kind_of(criterion: &crate::store::schemes::CriterionRow) -> Result<CriterionKind, ApiError> {
    Ok(match KindName::parse(&criterion.kind) {
        Some(KindName::Measurement) => CriterionKind::Measurement {
            step: Mark::from_hundredths(criterion.step.unwrap_or(100)),
        },
        Some(KindName::Judgement) => CriterionKind::Judgement,
        Some(KindName::Imported) => CriterionKind::Imported,
        Some(KindName::Deduction) => CriterionKind::Deduction,
        None => {
            return Err(ApiError::internal(format!(
                "unknown criterion kind {:?}",
                criterion.kind
            )))
        }
    })
}

/// Checks a scheme document: texts, the per-kind fields, and the domain rules (unique codes,
/// positive maxima, steps dividing the maximum).
pub fn validate(document: &SchemeDocument) -> Result<(), ApiError> {
    let mut checks = Checks::new();
    if document.modules.is_empty() {
        checks.push("modules", "empty", "a scheme needs at least one module");
    }
    for (m, module) in document.modules.iter().enumerate() {
        let at = format!("modules[{m}]");
        checks.text(&format!("{at}.title_zh"), &module.title_zh, 1, 120);
        checks.text(&format!("{at}.title_en"), &module.title_en, 0, 120);
        if module.discrepancy_threshold > scheme::MAX_LEVEL {
            checks.push(
                format!("{at}.discrepancy_threshold"),
                "out_of_range",
                "use 0 to 3 levels",
            );
        }
        for (c, criterion) in module.criteria.iter().enumerate() {
            let at = format!("{at}.criteria[{c}]");
            checks.text(&format!("{at}.text_zh"), &criterion.text_zh, 1, 500);
            checks.text(&format!("{at}.text_en"), &criterion.text_en, 0, 500);
            match (criterion.kind, &criterion.step) {
                (KindName::Measurement, None) => checks.push(
                    format!("{at}.step"),
                    "required",
                    "a measurement criterion needs a step, e.g. 0.5",
                ),
                (KindName::Measurement, Some(_)) => {}
                (_, Some(_)) => checks.push(
                    format!("{at}.step"),
                    "not_allowed",
                    "only measurement criteria have a step",
                ),
                (_, None) => {}
            }
            match (criterion.kind, &criterion.descriptors) {
                (KindName::Judgement, Some(levels)) if levels.len() != 4 => checks.push(
                    format!("{at}.descriptors"),
                    "need_four_levels",
                    "give one descriptor for each level 0, 1, 2 and 3",
                ),
                (KindName::Judgement, Some(levels)) => {
                    for (l, text) in levels.iter().enumerate() {
                        checks.text(&format!("{at}.descriptors[{l}]"), text, 0, 500);
                    }
                }
                (_, Some(_)) => checks.push(
                    format!("{at}.descriptors"),
                    "not_allowed",
                    "only judgement criteria have level descriptors",
                ),
                (_, None) => {}
            }
        }
    }
    let modules: Vec<scheme::Module> = document.modules.iter().map(domain_module).collect();
    checks.extend(
        scheme::validate_scheme(&modules)
            .into_iter()
            .map(|violation| {
                FieldError::new(violation.path, violation.code.as_str(), violation.message)
            }),
    );
    checks.finish()
}

pub fn domain_module(module: &ModuleDocument) -> scheme::Module {
    scheme::Module {
        code: module.code.clone(),
        criteria: module
            .criteria
            .iter()
            .map(|criterion| scheme::Criterion {
                code: criterion.code.clone(),
                max: criterion.max_mark,
                kind: criterion.domain_kind(),
            })
            .collect(),
        weight: module.weight,
        aggregation: module.aggregation,
        discrepancy_threshold: module.discrepancy_threshold,
    }
}

fn aggregation_name(rule: AggregationRule) -> Result<String, ApiError> {
    match serde_json::to_value(rule).map_err(ApiError::internal)? {
        serde_json::Value::String(name) => Ok(name),
        other => Err(ApiError::internal(format!("aggregation rule as {other}"))),
    }
}

/// Rows to store for a validated document (fresh ids; `schemes::replace` keeps existing ones).
pub fn rows(contest_id: &str, document: &SchemeDocument) -> Result<Vec<StoredModule>, ApiError> {
    document
        .modules
        .iter()
        .zip(0..)
        .map(|(module, position)| {
            let module_id = uuid::Uuid::new_v4().to_string();
            let criteria = module
                .criteria
                .iter()
                .zip(0..)
                .map(|(criterion, position)| {
                    Ok(CriterionRow {
                        id: uuid::Uuid::new_v4().to_string(),
                        module_id: module_id.clone(),
                        code: criterion.code.clone(),
                        text_zh: criterion.text_zh.trim().to_owned(),
                        text_en: criterion.text_en.trim().to_owned(),
                        kind: criterion.kind.as_str().to_owned(),
                        max_mark: criterion.max_mark.hundredths(),
                        step: criterion.step.map(Mark::hundredths),
                        descriptors: criterion
                            .descriptors
                            .as_ref()
                            .map(serde_json::to_string)
                            .transpose()
                            .map_err(ApiError::internal)?,
                        position,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(StoredModule {
                module: ModuleRow {
                    id: module_id.clone(),
                    contest_id: contest_id.to_owned(),
                    code: module.code.clone(),
                    title_zh: module.title_zh.trim().to_owned(),
                    title_en: module.title_en.trim().to_owned(),
                    position,
                    weight: module.weight.map(Mark::hundredths),
                    aggregation: aggregation_name(module.aggregation)?,
                    discrepancy_threshold: i32::from(module.discrepancy_threshold),
                    state: "open".to_owned(),
                    ends_at: None,
                },
                criteria,
            })
        })
        .collect()
}

/// The stored scheme as a document.
pub fn document(stored: Vec<StoredModule>) -> Result<SchemeDocument, ApiError> {
    let modules = stored
        .into_iter()
        .map(|StoredModule { module, criteria }| {
            let aggregation =
                serde_json::from_value(serde_json::Value::String(module.aggregation.clone()))
                    .map_err(ApiError::internal)?;
            let criteria = criteria
                .into_iter()
                .map(|c| {
                    let kind = KindName::parse(&c.kind).ok_or_else(|| {
                        ApiError::internal(format!("unknown criterion kind {:?}", c.kind))
                    })?;
                    Ok(CriterionDocument {
                        code: c.code,
                        text_zh: c.text_zh,
                        text_en: c.text_en,
                        kind,
                        max_mark: Mark::from_hundredths(c.max_mark),
                        step: c.step.map(Mark::from_hundredths),
                        descriptors: c
                            .descriptors
                            .as_deref()
                            .map(serde_json::from_str)
                            .transpose()
                            .map_err(ApiError::internal)?,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(ModuleDocument {
                code: module.code,
                title_zh: module.title_zh,
                title_en: module.title_en,
                weight: module.weight.map(Mark::from_hundredths),
                aggregation,
                discrepancy_threshold: u8::try_from(module.discrepancy_threshold)
                    .unwrap_or(scheme::DEFAULT_DISCREPANCY_THRESHOLD),
                criteria,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(SchemeDocument { modules })
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/scheme", tag = "schemes",
    responses((status = 200, body = SchemeDocument), (status = 404)))]
pub async fn get_scheme(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let document = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            document(schemes::load(conn, &contest.id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(document))
}

#[utoipa::path(put, path = "/api/v1/contests/{slug}/scheme", tag = "schemes", request_body = SchemeDocument,
    responses((status = 200, body = SchemeDocument), (status = 404), (status = 409), (status = 422)))]
pub async fn put_scheme(
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<String>,
    body: web::Json<SchemeDocument>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let document = replace_scheme(
        &db,
        organizer,
        slug.clone(),
        body.into_inner(),
        Source::Json,
    )
    .await?;
    super::boards_changed(&hub, &slug).await;
    Ok(HttpResponse::Ok().json(document))
}

/// Where a new scheme came from: a JSON document carries everything, a sheet only the criteria.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Json,
    Sheet,
}

/// Validates and stores a whole scheme in one transaction; nothing changes if anything fails.
async fn replace_scheme(
    db: &Db,
    organizer: Organizer,
    slug: String,
    mut document: SchemeDocument,
    source: Source,
) -> Result<SchemeDocument, ApiError> {
    let action = match source {
        Source::Json => "scheme.replace",
        Source::Sheet => "scheme.import",
    };
    let actor = organizer.actor();
    db.write(move |conn| {
        let mut contest = managed_contest(conn, &slug, &organizer)?;
        let before = document_of(conn, &contest)?;
        if source == Source::Sheet {
            super::scheme_sheet::inherit_module_settings(&mut document, &before);
        }
        validate(&document)?;
        if !scheme_editable(&contest)? {
            return Err(ApiError::conflict(
                "scheme.frozen",
                "Scoring has started, so the marking scheme is frozen. Reopen it with a reason first.",
            ));
        }
        check_tie_break_modules(&contest, &document)?;
        schemes::replace(conn, &contest.id, &rows(&contest.id, &document)?)?;
        let reopened = contest.scheme_reopened;
        if reopened {
            // One audited change per reopen: the scheme freezes again once it is saved.
            contest.scheme_reopened = false;
            contest.updated_at = Utc::now().naive_utc();
            contests::update(conn, &contest)?;
        }
        let after = document_of(conn, &contest)?;
        audit::append(
            conn,
            audit::Entry::new(&contest.id, &actor, action, &format!("contest:{}", contest.slug))
                .before(&before)
                .after(&after),
        )?;
        Ok(after)
    })
    .await
}

fn document_of(conn: &mut DbConnection, contest: &Contest) -> Result<SchemeDocument, ApiError> {
    document(schemes::load(conn, &contest.id)?)
}

fn check_tie_break_modules(contest: &Contest, document: &SchemeDocument) -> Result<(), ApiError> {
    let tie_break: Vec<String> =
        serde_json::from_str(&contest.tie_break).map_err(ApiError::internal)?;
    let missing: Vec<FieldError> = tie_break
        .iter()
        .filter(|code| !document.modules.iter().any(|m| &m.code == *code))
        .map(|code| {
            FieldError::new(
                "modules",
                "tie_break_module_removed",
                format!("module {code:?} breaks ties; change the contest's tie-break list first"),
            )
        })
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(missing))
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ReopenRequest {
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/scheme/reopen", tag = "schemes", request_body = ReopenRequest,
    responses((status = 204), (status = 404), (status = 409), (status = 422)))]
pub async fn reopen(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
    body: web::Json<ReopenRequest>,
) -> Result<HttpResponse, ApiError> {
    let reason = super::validate::text("reason", &body.reason, 5, 500)?;
    let slug = path.into_inner();
    let actor = organizer.actor();
    db.write(move |conn| {
        let mut contest = managed_contest(conn, &slug, &organizer)?;
        if !state_of(&contest)?.scoring_started() {
            return Err(ApiError::conflict(
                "scheme.not_frozen",
                "The scheme can still be edited; there is nothing to reopen.",
            ));
        }
        contest.scheme_reopened = true;
        contest.updated_at = Utc::now().naive_utc();
        contests::update(conn, &contest)?;
        audit::append(
            conn,
            audit::Entry::new(
                &contest.id,
                &actor,
                "scheme.reopen",
                &format!("contest:{}", contest.slug),
            )
            .reason(Some(&reason)),
        )?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/scheme.xlsx", tag = "schemes",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404)))]
pub async fn export_xlsx(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let (slug, document) = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            Ok((contest.slug.clone(), document_of(conn, &contest)?))
        })
        .await?;
    let bytes = web::block(move || super::scheme_sheet::to_xlsx(&document)).await??;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, XLSX_MIME))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{slug}-scheme.xlsx\""),
        ))
        .body(bytes))
}

/// `POST …/scheme/import` with the XLSX sheet as the body (or a JSON scheme document).
#[utoipa::path(post, path = "/api/v1/contests/{slug}/scheme/import", tag = "schemes",
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = SchemeDocument), (status = 404), (status = 409), (status = 415), (status = 422)))]
pub async fn import_xlsx(
    req: HttpRequest,
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let content_type = super::content_type(&req);
    let (document, source) = if content_type.starts_with("application/json") {
        let document = serde_json::from_slice::<SchemeDocument>(&body).map_err(|e| {
            ApiError::unprocessable(
                "request.invalid_json",
                format!("The JSON does not fit: {e}"),
            )
        })?;
        (document, Source::Json)
    } else if content_type.starts_with(XLSX_MIME)
        || content_type.starts_with("application/octet-stream")
    {
        (
            web::block(move || super::scheme_sheet::from_xlsx(&body)).await??,
            Source::Sheet,
        )
    } else {
        return Err(ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.unsupported_media_type",
            format!("Send the scheme as {XLSX_MIME} or application/json."),
        ));
    };
    let slug = path.into_inner();
    let document = replace_scheme(&db, organizer, slug.clone(), document, source).await?;
    super::boards_changed(&hub, &slug).await;
    Ok(HttpResponse::Ok().json(document))
}
