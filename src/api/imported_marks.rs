//! Marks for `imported` criteria, scored by the competition platform: uploaded as CSV/XLSX
//! (columns station or code, criterion, mark) or sent as JSON by a script with an API token.
//! All or nothing: one bad row and nothing is stored, with every bad row reported.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Organizer;
use super::contests::{managed_contest, state_of};
use crate::domain::contest::ContestState;
use crate::domain::marks::Mark;
use crate::error::{ApiError, FieldError};
use crate::sheets;
use crate::store::judging::{self, ImportedMarkRow};
use crate::store::{audit, schemes, teams, Db};

const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/contests/{slug}/imported-marks")
            .app_data(web::PayloadConfig::new(MAX_FILE_BYTES))
            .route(web::post().to(import)),
    );
}

/// One imported mark: the team by station number or anonymous code.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportedRow {
    station: Option<i32>,
    code: Option<String>,
    criterion: String,
    #[schema(value_type = f64)]
    mark: Mark,
}

#[derive(Deserialize, ToSchema)]
pub struct ImportedBatch {
    rows: Vec<ImportedRow>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportSummary {
    stored: usize,
}

/// Reads rows from an uploaded table; line numbers are the file's.
fn rows_from_table(table: &sheets::Table) -> Result<Vec<(usize, ImportedRow)>, ApiError> {
    let column = |names: &[&str]| {
        table
            .headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let station = column(&["station", "工位号", "工位"]);
    let code = column(&["code", "编码", "参赛编码"]);
    let (Some(criterion), Some(mark)) = (
        column(&["criterion", "评分项"]),
        column(&["mark", "score", "分数", "得分"]),
    ) else {
        return Err(ApiError::validation(vec![FieldError::new(
            "file",
            "missing_column",
            "the file needs criterion and mark columns, and station or code",
        )]));
    };
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for row in &table.rows {
        let cell = |i: Option<usize>| {
            i.and_then(|i| row.cells.get(i))
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
        };
        let parsed_station = match cell(station).map(str::parse::<i32>) {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                errors.push(
                    FieldError::new("station", "invalid_station", "a station is a whole number")
                        .at_line(row.line),
                );
                None
            }
            None => None,
        };
        let parsed_mark = match cell(Some(mark)).map(Mark::parse_decimal) {
            Some(Ok(m)) => Some(m),
            Some(Err(e)) => {
                errors.push(FieldError::new("mark", e.code(), e.to_string()).at_line(row.line));
                None
            }
            None => {
                errors.push(FieldError::new("mark", "missing_value", "no mark").at_line(row.line));
                None
            }
        };
        if let Some(parsed_mark) = parsed_mark {
            rows.push((
                row.line,
                ImportedRow {
                    station: parsed_station,
                    code: cell(code).map(str::to_owned),
                    criterion: cell(Some(criterion)).unwrap_or_default().to_owned(),
                    mark: parsed_mark,
                },
            ));
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ApiError::validation(errors))
    }
}

#[utoipa::path(post, path = "/api/v1/contests/{slug}/imported-marks", tag = "judging", request_body = ImportedBatch,
    responses((status = 200, body = ImportSummary), (status = 404), (status = 409), (status = 413), (status = 422)))]
pub async fn import(
    req: HttpRequest,
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<crate::live::BoardHub>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let content_type = super::content_type(&req);
    // Rows with their position: a file's line, or the index in a JSON batch.
    let (rows, by_line): (Vec<(usize, ImportedRow)>, bool) = if content_type
        .starts_with("application/json")
    {
        let batch: ImportedBatch = serde_json::from_slice(&body).map_err(|e| {
            ApiError::unprocessable(
                "request.invalid_json",
                format!("The JSON does not fit: {e}"),
            )
        })?;
        (batch.rows.into_iter().enumerate().collect(), false)
    } else {
        let table = web::block(move || sheets::read_table(&body))
            .await?
            .map_err(|error| {
                ApiError::unprocessable("import.unreadable_file", error.to_string()).with_errors(
                    vec![FieldError::new("file", error.code(), error.to_string())],
                )
            })?;
        (rows_from_table(&table)?, true)
    };
    let slug = path.into_inner();
    let changed = slug.clone();
    let actor = organizer.actor();
    let stored = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            if state_of(&contest)? != ContestState::Running {
                return Err(ApiError::conflict(
                    "contest.not_running",
                    "Marks are imported while the contest is running.",
                ));
            }
            let modules = schemes::load(conn, &contest.id)?;
            let mut errors = Vec::new();
            let mut resolved = Vec::new();
            for (position, row) in &rows {
                let locate = |field: &str, code: &str, message: String| {
                    let error = FieldError::new(
                        if by_line {
                            field.to_owned()
                        } else {
                            format!("rows[{position}].{field}")
                        },
                        code,
                        message,
                    );
                    if by_line {
                        error.at_line(*position)
                    } else {
                        error
                    }
                };
                let team = match (&row.code, row.station) {
                    (Some(code), _) => {
                        teams::find_by_code(conn, &contest.id, &code.to_uppercase())?
                    }
                    (None, Some(station)) => teams::find_by_station(conn, &contest.id, station)?,
                    (None, None) => None,
                };
                let Some(team) = team else {
                    errors.push(locate(
                        "team",
                        "team.not_found",
                        "no drawn team has this station or code".into(),
                    ));
                    continue;
                };
                let found = modules.iter().find_map(|m| {
                    m.criteria
                        .iter()
                        .find(|c| c.code == row.criterion)
                        .map(|c| (m, c))
                });
                let Some((module, criterion)) = found else {
                    errors.push(locate(
                        "criterion",
                        "unknown_criterion",
                        format!("no criterion {:?}", row.criterion),
                    ));
                    continue;
                };
                if criterion.kind != "imported" {
                    errors.push(locate(
                        "criterion",
                        "not_imported",
                        "judges mark this criterion; it cannot be imported".into(),
                    ));
                } else if module.module.state == "locked" {
                    errors.push(locate(
                        "criterion",
                        "module_locked",
                        format!("module {} is signed off", module.module.code),
                    ));
                } else if row.mark.is_negative() || row.mark.hundredths() > criterion.max_mark {
                    errors.push(locate(
                        "mark",
                        "mark.out_of_range",
                        format!(
                            "the mark must lie between 0 and {}",
                            Mark::from_hundredths(criterion.max_mark)
                        ),
                    ));
                } else {
                    resolved.push(ImportedMarkRow {
                        team_id: team.id.clone(),
                        criterion_id: criterion.id.clone(),
                        points: row.mark.hundredths(),
                        source: if by_line { "file".into() } else { "api".into() },
                        updated_at: crate::store::now(),
                    });
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            for row in &resolved {
                judging::put_imported_mark(conn, row)?;
            }
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "marks.import",
                    &format!("contest:{}", contest.slug),
                )
                .after(
                    &resolved
                        .iter()
                        .map(|r| (&r.team_id, &r.criterion_id, r.points))
                        .collect::<Vec<_>>(),
                ),
            )?;
            Ok(resolved.len())
        })
        .await?;
    super::boards_changed(&hub, &changed).await;
    Ok(HttpResponse::Ok().json(ImportSummary { stored }))
}
