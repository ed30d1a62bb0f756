//! Serves the pages in `web/`, embedded in the binary at build time so the server is one file.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

use crate::error::ApiError;

pub mod headers;
mod judge;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/admin", web::get().to(admin))
        .route("/admin/", web::get().to(admin))
        .route("/static/{path:.*}", web::get().to(asset));
    judge::configure(cfg);
    cfg.route("/board/{slug}", web::get().to(board_page));
}

/// The spectator board; the page reads the slug from its own address.
async fn board_page() -> Result<HttpResponse, ApiError> {
    embedded("board/index.html")
}

async fn index() -> Result<HttpResponse, ApiError> {
    embedded("index.html")
}

async fn admin() -> Result<HttpResponse, ApiError> {
    embedded("admin/index.html")
}

async fn asset(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let path = req.match_info().query("path");
    embedded(path)
}

fn embedded(path: &str) -> Result<HttpResponse, ApiError> {
    let file = Assets::get(path)
        .ok_or_else(|| ApiError::not_found("route.not_found", format!("No page at /{path}.")))?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime.as_ref()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(file.data.into_owned()))
}
