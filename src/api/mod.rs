//! HTTP handlers by resource. Each handler parses its input at the edge, calls the domain and the
//! store, and answers with a view type; errors are `ApiError`s.

mod accounts;
pub mod auth;
pub mod boards;
pub mod caller;
pub mod contests;
mod health;
mod openapi;
mod scheme_sheet;
pub mod schemes;
mod validate;
pub mod views;

use actix_web::web;

/// Routes outside `/api/v1` that operators, load balancers and API clients use.
pub fn configure_operational(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(health::healthz)))
        .service(web::resource("/api/openapi.json").route(web::get().to(openapi::document)));
}

/// Everything under `/api/v1`.
pub fn configure_v1(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth::configure)
        .configure(accounts::configure)
        .configure(contests::configure)
        .configure(schemes::configure);
    cfg.configure(boards::configure);
}
