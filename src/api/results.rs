//! Results exports over HTTP (docs/exports.md): the ranking as JSON, CSV and XLSX, the
//! printable results page and award certificates, and the contest's event feed. The documents
//! are built in `crate::exports`, which `skillboard export` uses too.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::caller::Organizer;
use super::contests::managed_contest;
use super::html::print_page;
use super::review::Reviewer;
use crate::error::ApiError;
use crate::exports::{self, feed, Export, Format};
use crate::store::{audit, Db};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/contests/{slug}/results.json").route(web::get().to(results_json)))
        .service(web::resource("/contests/{slug}/results.csv").route(web::get().to(results_csv)))
        .service(web::resource("/contests/{slug}/results.xlsx").route(web::get().to(results_xlsx)))
        .service(
            web::resource("/contests/{slug}/results/print").route(web::get().to(results_print)),
        )
        .service(
            web::resource("/contests/{slug}/results/certificates")
                .route(web::get().to(certificates)),
        )
        .service(web::resource("/contests/{slug}/event-feed").route(web::get().to(event_feed)));
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct ResultsQuery {
    /// `true`: show team names and schools before the reveal. Organizers only; the audit log
    /// records who asked (`results.names_shown`).
    #[serde(default)]
    names: bool,
}

pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The export of the contest at `slug` for `reviewer` (an organizer of the contest or its
/// chief judge; 404 for other contests).
async fn export_for(
    reviewer: Reviewer,
    db: &Db,
    slug: String,
    query: ResultsQuery,
    format: Format,
) -> Result<Export, ApiError> {
    let now = Utc::now();
    if !query.names {
        return db
            .read(move |conn| {
                let contest = reviewer.contest(conn, &slug)?;
                exports::prepare(conn, &contest, None, format, now)
            })
            .await;
    }
    if matches!(reviewer, Reviewer::ChiefJudge(_)) {
        return Err(ApiError::forbidden(
            "results.names_organizers_only",
            "Only organizers may see names before the results are revealed.",
        ));
    }
    let actor = reviewer.actor();
    db.write(move |conn| {
        let contest = reviewer.contest(conn, &slug)?;
        exports::prepare(conn, &contest, Some(&actor), format, now)
    })
    .await
}

fn download(content_type: &str, filename: String, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

/// The results (ranking, module and criterion scores, awards) as JSON, from the same ranking
/// as the organizers' live board.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/results.json", tag = "results",
    params(("slug" = String, Path), ResultsQuery),
    responses((status = 200, body = exports::ResultsDocument), (status = 401), (status = 403),
        (status = 404)))]
pub async fn results_json(
    reviewer: Reviewer,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let export = export_for(
        reviewer,
        &db,
        path.into_inner(),
        query.into_inner(),
        Format::Json,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(export.document))
}

/// The ranking with module scores as CSV (UTF-8 with a BOM, so Excel shows Chinese).
#[utoipa::path(get, path = "/api/v1/contests/{slug}/results.csv", tag = "results",
    params(("slug" = String, Path), ResultsQuery),
    responses((status = 200, content_type = "text/csv"), (status = 401), (status = 403),
        (status = 404)))]
pub async fn results_csv(
    reviewer: Reviewer,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let filename = format!("{slug}-results.csv");
    let export = export_for(reviewer, &db, slug, query.into_inner(), Format::Csv).await?;
    Ok(download(
        "text/csv; charset=utf-8",
        filename,
        exports::results_csv(&export),
    ))
}

/// The results workbook: ranking with awards, module and criterion breakdowns, every judge's
/// sheets per module, and the audit log; printable on A4 landscape.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/results.xlsx", tag = "results",
    params(("slug" = String, Path), ResultsQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401), (status = 403), (status = 404)))]
pub async fn results_xlsx(
    reviewer: Reviewer,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let filename = format!("{slug}-results.xlsx");
    let export = export_for(reviewer, &db, slug, query.into_inner(), Format::Xlsx).await?;
    let bytes = web::block(move || exports::results_xlsx(&export))
        .await?
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(download(XLSX_TYPE, filename, bytes))
}

/// The printable results sheet (A4): ranking, awards, and signature lines for the chief judge
/// and each co-hosting organization.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/results/print", tag = "results",
    params(("slug" = String, Path), ResultsQuery),
    responses((status = 200, content_type = "text/html"), (status = 401), (status = 403),
        (status = 404)))]
pub async fn results_print(
    reviewer: Reviewer,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let export = export_for(
        reviewer,
        &db,
        path.into_inner(),
        query.into_inner(),
        Format::Print,
    )
    .await?;
    let page = exports::print::results_page(&export);
    Ok(print_page(&page.title, &page.css, &page.body))
}

/// Award certificates: one A4 landscape page per team with an award.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/results/certificates", tag = "results",
    params(("slug" = String, Path), ResultsQuery),
    responses((status = 200, content_type = "text/html"), (status = 401), (status = 403),
        (status = 404)))]
pub async fn certificates(
    reviewer: Reviewer,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    let export = export_for(
        reviewer,
        &db,
        path.into_inner(),
        query.into_inner(),
        Format::Certificates,
    )
    .await?;
    let page = exports::print::certificates(&export);
    Ok(print_page(&page.title, &page.css, &page.body))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedQuery {
    /// A token from an earlier page's `next`: only events after it. Absent: from the start.
    since: Option<String>,
    /// Events per page, 1 to 1000 (default 100).
    limit: Option<u32>,
}

/// Everything that happened in the contest, oldest first, from its audit chain; names only
/// once they are public (docs/exports.md). Resumable: pass the last `next` as `since`.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/event-feed", tag = "results",
    params(("slug" = String, Path), FeedQuery),
    responses((status = 200, body = feed::FeedPage), (status = 401), (status = 404),
        (status = 422, description = "a `since` that is not a token")))]
pub async fn event_feed(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let FeedQuery { since, limit } = query.into_inner();
    let since = feed::parse_token(since.as_deref())?;
    let limit = feed::limit(limit);
    let page = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let events = audit::chain_after(conn, &contest.id, since, i64::from(limit) + 1)?;
            feed::page(events, since, limit, exports::names_public(&contest))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(page))
}
