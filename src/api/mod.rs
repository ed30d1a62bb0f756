//! HTTP handlers by resource. Each handler parses its input at the edge, calls the domain and the
//! store, and answers with a view type; errors are `ApiError`s.

mod accounts;
mod appeals;
mod audit;
pub mod auth;
pub mod boards;
pub mod caller;
pub mod contests;
mod draw;
mod health;
pub(crate) mod html;
mod imported_marks;
mod judge_auth;
mod judges;
pub mod limits;
pub mod metrics;
mod openapi;
mod registration;
mod results;
mod review;
mod scheme_sheet;
pub mod schemes;
mod sheets;
pub mod teams;
mod validate;
pub mod views;

use actix_web::web;

/// The request's media type as sent (empty when absent), for endpoints that take files.
pub(crate) fn content_type(req: &actix_web::HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Tells the live boards that a committed change may have moved the contest at `slug`.
pub(crate) async fn boards_changed(hub: &crate::live::BoardHub, slug: &str) {
    match hub.contest_id(slug).await {
        Ok(Some(contest_id)) => hub.contest_changed(&contest_id),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, slug, "cannot tell the boards about a change"),
    }
}

/// Routes outside `/api/v1` that operators, load balancers and API clients use.
pub fn configure_operational(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(health::healthz)))
        .service(web::resource("/metrics").route(web::get().to(metrics::metrics)))
        .service(web::resource("/api/openapi.json").route(web::get().to(openapi::document)));
}

/// Everything under `/api/v1`.
pub fn configure_v1(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth::configure)
        .configure(accounts::configure)
        .configure(contests::configure)
        .configure(schemes::configure)
        .configure(judges::configure)
        .configure(sheets::configure)
        .configure(review::configure)
        .configure(audit::configure)
        .configure(imported_marks::configure)
        .configure(appeals::configure)
        .configure(teams::configure)
        .configure(registration::configure)
        .configure(draw::configure)
        .configure(results::configure);
    cfg.configure(boards::configure);
}
