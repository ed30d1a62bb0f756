//! The audit chain of a contest: export it, and recompute it to find the first broken link.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::Organizer;
use super::contests::managed_contest;
use crate::error::ApiError;
use crate::store::{audit, Db};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/contests/{slug}/audit").route(web::get().to(export)))
        .service(web::resource("/contests/{slug}/audit/verify").route(web::get().to(verify)));
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventView {
    seq: i64,
    at: chrono::NaiveDateTime,
    actor: String,
    action: String,
    subject: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    reason: Option<String>,
    hash: String,
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/audit", tag = "audit",
    responses((status = 200, body = Vec<AuditEventView>), (status = 404)))]
pub async fn export(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let events = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            audit::chain(conn, &contest.id)?
                .into_iter()
                .map(|event| {
                    let record = event.record()?;
                    Ok(AuditEventView {
                        seq: record.seq,
                        at: record.at,
                        actor: record.actor,
                        action: record.action,
                        subject: record.subject,
                        before: record.before,
                        after: record.after,
                        reason: record.reason,
                        hash: event.hash,
                    })
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(events))
}

#[utoipa::path(get, path = "/api/v1/contests/{slug}/audit/verify", tag = "audit",
    responses((status = 200, body = audit::Verification), (status = 404)))]
pub async fn verify(
    organizer: Organizer,
    db: web::Data<Db>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let verification = db
        .read(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            audit::verify(conn, &contest.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(verification))
}
