//! Leaderboards over HTTP and WebSocket: the public board, the organizers' live board, the
//! reveal for the award ceremony, and the sockets that push them (docs/boards.md).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Organizer;
use super::contests::managed_contest;
use super::review::Reviewer;
use crate::error::ApiError;
use crate::live::board::{LoadedBoard, PublicBoard, RevealMode, RevealView};
use crate::live::session::{self, SocketSettings};
use crate::live::{BoardHub, Channel};
use crate::store::boards::{self, reveal_mode};
use crate::store::{audit, teams, Db};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/contests/{slug}/board").route(web::get().to(public_board)))
        .service(web::resource("/contests/{slug}/board/live").route(web::get().to(live_board)))
        .service(web::resource("/contests/{slug}/reveal").route(web::post().to(reveal)));
}

/// The sockets, outside `/api/v1`.
pub fn configure_sockets(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/ws/contests/{slug}/board").route(web::get().to(board_socket)))
        .service(
            web::resource("/ws/contests/{slug}/progress").route(web::get().to(progress_socket)),
        );
}

#[derive(Deserialize, IntoParams)]
pub struct BoardQuery {
    /// A module code: rank teams by that module's score instead of the total.
    module: Option<String>,
}

fn no_board(slug: &str) -> ApiError {
    ApiError::not_found(
        "contest.not_found",
        format!("No public board for {slug:?}."),
    )
}

fn json(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

fn module_of(board: &LoadedBoard, code: &str) -> Result<usize, ApiError> {
    board.module_index(code).ok_or_else(|| {
        ApiError::not_found(
            "module.not_found",
            format!("No module {code:?} in this contest."),
        )
    })
}

#[derive(Serialize)]
struct VersionedPublic {
    version: i64,
    #[serde(flatten)]
    board: PublicBoard,
}

/// The public board: what the contest's visibility allows, frozen from the freeze time until
/// the reveal. A private board answers 404, like a contest that does not exist.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/board", tag = "boards", params(BoardQuery),
    responses((status = 200, description = "The public board (docs/boards.md)"), (status = 404)))]
pub async fn public_board(
    hub: web::Data<BoardHub>,
    path: web::Path<String>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let contest_id = hub
        .contest_id(&slug)
        .await?
        .ok_or_else(|| no_board(&slug))?;
    let Some(code) = query.into_inner().module else {
        let body = hub.public_body(contest_id).await?;
        return body
            .map(|body| json(body.into_bytes()))
            .ok_or_else(|| no_board(&slug));
    };
    let view = hub
        .with_board(contest_id, move |board| {
            let module = module_of(board, &code)?;
            Ok(board
                .public_board(Utc::now().naive_utc(), Some(module))
                .map(|view| VersionedPublic {
                    version: board.meta.version,
                    board: view,
                }))
        })
        .await?
        .ok_or_else(|| no_board(&slug))?;
    Ok(HttpResponse::Ok().json(view))
}

/// The organizers' board: always current, names and provisional marks shown.
#[utoipa::path(get, path = "/api/v1/contests/{slug}/board/live", tag = "boards", params(BoardQuery),
    responses((status = 200, description = "The organizers' live board"), (status = 401), (status = 404)))]
pub async fn live_board(
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<BoardHub>,
    path: web::Path<String>,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let contest = db
        .read(move |conn| managed_contest(conn, &slug, &organizer))
        .await?;
    let module = query.into_inner().module;
    let view = hub
        .with_board(contest.id, move |board| {
            let module = module.map(|code| module_of(board, &code)).transpose()?;
            Ok(board.live_board(Utc::now().naive_utc(), module))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevealStep {
    /// Unfreeze the public board and show everything (names too).
    All,
    /// Show one more position, from the bottom of the board up.
    Step,
    /// Hide again (a rehearsal): the public board is frozen and anonymous as before.
    None,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    mode: RevealStep,
}

#[derive(Serialize, ToSchema)]
pub struct RevealResult {
    /// `none`, `steps` or `all`.
    mode: String,
    /// Positions shown, from the bottom of the board up.
    revealed: usize,
    /// Ranked teams.
    of: usize,
}

/// Reveals the public board for the award ceremony, at once or one position per call from the
/// bottom up. Audited.
#[utoipa::path(post, path = "/api/v1/contests/{slug}/reveal", tag = "boards", request_body = RevealRequest,
    responses((status = 200, body = RevealResult), (status = 401), (status = 404), (status = 422)))]
pub async fn reveal(
    organizer: Organizer,
    db: web::Data<Db>,
    hub: web::Data<BoardHub>,
    path: web::Path<String>,
    body: web::Json<RevealRequest>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let step = body.into_inner().mode;
    let actor = organizer.actor();
    let (contest_id, result) = db
        .write(move |conn| {
            let contest = managed_contest(conn, &slug, &organizer)?;
            let of = teams::ranked(conn, &contest.id)?.len();
            let before = RevealView {
                mode: RevealMode::parse(&contest.reveal_mode),
                revealed: usize::try_from(contest.revealed_positions).unwrap_or(0),
                of,
            };
            let revealed = match step {
                RevealStep::All => of,
                RevealStep::Step if before.mode == RevealMode::All => of,
                RevealStep::Step if before.mode == RevealMode::Steps => {
                    (before.revealed + 1).min(of)
                }
                RevealStep::Step => 1.min(of),
                RevealStep::None => 0,
            };
            let mode = match step {
                RevealStep::None => reveal_mode::NONE,
                _ if revealed >= of => reveal_mode::ALL,
                _ => reveal_mode::STEPS,
            };
            let stored = i32::try_from(revealed).unwrap_or(i32::MAX);
            boards::set_reveal(conn, &contest.id, mode, stored)?;
            let result = RevealResult {
                mode: mode.to_owned(),
                revealed,
                of,
            };
            audit::append(
                conn,
                audit::Entry::new(
                    &contest.id,
                    &actor,
                    "board.reveal",
                    &format!("contest:{}", contest.slug),
                )
                .before(&before)
                .after(&result),
            )?;
            Ok((contest.id, result))
        })
        .await?;
    hub.contest_changed(&contest_id);
    Ok(HttpResponse::Ok().json(result))
}

/// `GET /ws/contests/{slug}/board`: the public board, pushed.
pub async fn board_socket(
    req: HttpRequest,
    stream: web::Payload,
    hub: web::Data<BoardHub>,
    sockets: web::Data<SocketSettings>,
    path: web::Path<String>,
) -> Result<HttpResponse, actix_web::Error> {
    let permit = sockets.admit(&req)?;
    let slug = path.into_inner();
    let contest_id = hub
        .contest_id(&slug)
        .await?
        .ok_or_else(|| no_board(&slug))?;
    if hub.public_body(contest_id.clone()).await?.is_none() {
        return Err(no_board(&slug).into());
    }
    let hub = hub.get_ref().clone();
    session::start(
        &req,
        stream,
        hub,
        &sockets,
        permit,
        contest_id,
        Channel::Board,
    )
}

/// `GET /ws/contests/{slug}/progress`: the progress board, pushed. Signed-in organizers of the
/// contest and its chief judge only, from our own pages.
pub async fn progress_socket(
    req: HttpRequest,
    stream: web::Payload,
    reviewer: Reviewer,
    db: web::Data<Db>,
    hub: web::Data<BoardHub>,
    sockets: web::Data<SocketSettings>,
    path: web::Path<String>,
) -> Result<HttpResponse, actix_web::Error> {
    same_origin(&req)?;
    let permit = sockets.admit(&req)?;
    let slug = path.into_inner();
    let contest = db.read(move |conn| reviewer.contest(conn, &slug)).await?;
    hub.prepare_progress(contest.id.clone()).await?;
    let hub = hub.get_ref().clone();
    session::start(
        &req,
        stream,
        hub,
        &sockets,
        permit,
        contest.id,
        Channel::Progress,
    )
}

/// A WebSocket handshake is a GET, which the cookie check lets through; a browser always sends
/// `Origin` with it, so a socket opened by another site is refused here.
fn same_origin(req: &HttpRequest) -> Result<(), ApiError> {
    if !super::caller::has_foreign_origin(req) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "auth.bad_origin",
            "This socket was opened by another site and was refused.",
        ))
    }
}
