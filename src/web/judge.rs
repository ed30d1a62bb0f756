//! The judge's tablet app (`web/judge/`): the page at `/judge`, its modules and styles under
//! `/judge/…`, and the service worker at `/judge/sw.js`. The page is at `/judge` without a
//! trailing slash (the personal link is `/judge#t=TOKEN`), which a worker at `/judge/sw.js`
//! could not control by default: `Service-Worker-Allowed` widens its scope to `/judge`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::Assets;
use crate::error::ApiError;

/// Only the app's own scripts, styles and API: no inline script, nothing from elsewhere, no
/// socket and no form posts. Even if a team code or a criterion's text carried markup, the
/// page would not run it. Stricter than the site-wide policy (`super::headers`), which then
/// leaves it alone; the other security headers come from there.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'none'";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/judge", web::get().to(page))
        .route("/judge/", web::get().to(page))
        .route("/judge/{path:.*}", web::get().to(file));
}

async fn page() -> Result<HttpResponse, ApiError> {
    shell("index.html")
}

async fn file(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    shell(req.match_info().query("path"))
}

/// Every file of the shell is revalidated on each load (`no-cache`): the service worker keeps
/// the offline copy, so the HTTP cache must never serve an old app against a newer server.
fn shell(path: &str) -> Result<HttpResponse, ApiError> {
    let file = Assets::get(&format!("judge/{path}")).ok_or_else(|| {
        ApiError::not_found("route.not_found", format!("No page at /judge/{path}."))
    })?;
    let mime = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") | Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY));
    if path == "sw.js" {
        response.insert_header(("Service-Worker-Allowed", "/judge"));
    }
    Ok(response.body(file.data.into_owned()))
}
