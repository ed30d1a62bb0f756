//! HTTP handlers by resource. Each handler parses its input at the edge, calls the domain and the
//! store, and answers with a view type; errors are `ApiError`s.

mod health;

use actix_web::web;

/// Routes outside `/api/v1` that operators and load balancers use.
pub fn configure_operational(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(health::healthz)));
}

/// Everything under `/api/v1`.
pub fn configure_v1(_cfg: &mut web::ServiceConfig) {}
