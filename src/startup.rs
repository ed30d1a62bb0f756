//! Builds the whole server from `Settings`. `main` and the integration tests both go through
//! [`Application::build`], so the tests exercise exactly what runs in production.

mod upgrade;

use std::net::TcpListener;
use std::rc::Rc;
use std::time::Duration;

use actix_http::{Extensions, HttpService, KeepAlive};
use actix_service::{map_config, IntoServiceFactory};
use actix_web::dev::{fn_factory, fn_service, AppConfig, Server, ServiceFactory, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::{from_fn, ErrorHandlerResponse, ErrorHandlers};
use actix_web::rt::net::TcpStream;
use actix_web::{web, App};
use tracing_actix_web::TracingLogger;

use crate::api::limits::{ClientAddresses, RegistrationThrottle, SocketLimiter};
use crate::api::metrics::MetricsAccess;
use crate::config::Settings;
use crate::error::{extractors, ApiError, PROBLEM_JSON};
use crate::live::session::SocketSettings;
use crate::live::BoardHub;
use crate::store::group_commit::GroupCommitter;
use crate::store::Db;

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    db: Db,
    board_hub: BoardHub,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot create the admin account: {0}")]
    Bootstrap(#[from] crate::error::ApiError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

impl Application {
    /// Opens and migrates the database, then binds the listener. Binding port 0 picks a free
    /// port, which [`Application::port`] reports.
    pub fn build(settings: Settings) -> Result<Application, StartupError> {
        crate::metrics::install();
        let db = Db::open(
            &settings.database,
            settings.pool_size,
            settings.sqlite_synchronous_full,
        )?;
        crate::bootstrap::ensure_admin(&db, settings.admin_password.as_deref())?;
        let postgres_url = match &settings.database {
            crate::store::DatabaseTarget::Postgres { url } => Some(url.clone()),
            crate::store::DatabaseTarget::Sqlite { .. } => None,
        };
        let committer = GroupCommitter::start(db.clone());
        let board_hub = BoardHub::start(db.clone(), committer.clone(), postgres_url);
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: settings.bind,
                source,
            })?
            .port();
        let metrics_access = MetricsAccess::new(settings.metrics_token.as_deref());
        let server = serve(
            listener,
            db.clone(),
            committer,
            board_hub.clone(),
            &settings,
            metrics_access,
        )
        .map_err(|source| StartupError::Bind {
            addr: settings.bind,
            source,
        })?;
        Ok(Application {
            port,
            server,
            db,
            board_hub,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The live boards; writers call `contest_changed` on it after they commit.
    pub fn board_hub(&self) -> &BoardHub {
        &self.board_hub
    }

    /// Stops the server as SIGTERM would: no new connections, requests in flight finish, board
    /// sockets are closed with 1001.
    pub fn stop_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT or SIGTERM; requests in flight are allowed to finish and board
    /// sockets are closed with 1001 "going away".
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn serve(
    listener: TcpListener,
    db: Db,
    committer: GroupCommitter,
    board_hub: BoardHub,
    settings: &Settings,
    metrics_access: MetricsAccess,
) -> std::io::Result<Server> {
    let limits = &settings.limits;
    let stalled_connection_timeout = settings.stalled_connection_timeout;
    let metrics_access = web::Data::new(metrics_access);
    let db = web::Data::new(db);
    let client_addresses = ClientAddresses {
        trust_forwarded_for: limits.trust_forwarded_for,
    };
    let addresses = web::Data::new(client_addresses);
    let sockets = web::Data::new(SocketSettings {
        heartbeat: limits.socket_heartbeat,
        idle_timeout: limits.socket_idle_timeout,
        limiter: SocketLimiter::new(limits.max_sockets_per_address),
        addresses: client_addresses,
    });
    let registration_throttle = web::Data::new(RegistrationThrottle::from(limits));
    let board_hub = web::Data::new(board_hub);
    let login_throttle = web::Data::new(crate::api::auth::LoginThrottle::new(
        limits.sign_ins_per_minute_per_address,
    ));
    let committer = web::Data::new(committer);
    let make_app = move || {
        App::new()
            .wrap(ErrorHandlers::new().default_handler(problem_for_bare_errors))
            .wrap(TracingLogger::<crate::telemetry::RequestSpans>::new())
            .wrap(from_fn(crate::web::headers::security_headers))
            .wrap(from_fn(crate::metrics::track_requests))
            .app_data(metrics_access.clone())
            .app_data(db.clone())
            .app_data(addresses.clone())
            .app_data(sockets.clone())
            .app_data(registration_throttle.clone())
            .app_data(login_throttle.clone())
            .app_data(committer.clone())
            .app_data(board_hub.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(extractors::MAX_JSON_BYTES)
                    .error_handler(extractors::json_error),
            )
            .app_data(web::PathConfig::default().error_handler(extractors::path_error))
            .app_data(web::QueryConfig::default().error_handler(extractors::query_error))
            .configure(crate::api::configure_operational)
            .service(web::scope("/api/v1").configure(crate::api::configure_v1))
            .configure(crate::api::boards::configure_sockets)
            .configure(crate::web::configure)
            .default_service(web::to(extractors::not_found))
    };

    // actix-web's `HttpServer` with the same settings, plus an upgrade service (which
    // `HttpServer` cannot take) so WebSockets leave the HTTP dispatcher's buffers behind
    // (startup::upgrade). The application sees the default `AppConfig`: its host is only a
    // fallback for requests without a `Host` header, which HTTP/1.1 requires.
    let local_addr = listener.local_addr()?;
    let mut builder = actix_server::Server::build().shutdown_timeout(30);
    if let Some(workers) = settings.workers {
        builder = builder.workers(workers);
    }
    let graceful_shutdown = builder.graceful_shutdown_signal();
    let builder = builder.listen("skillboard", listener, move || {
        let graceful_shutdown = graceful_shutdown.clone();
        let shutdown_for_upgrades = graceful_shutdown.clone();
        let app_for_upgrades = make_app.clone();
        HttpService::build()
            .keep_alive(KeepAlive::default())
            .client_request_timeout(Duration::from_secs(5))
            .client_disconnect_timeout(Duration::from_secs(1))
            .local_addr(local_addr)
            .graceful_shutdown_signal(move || {
                let graceful_shutdown = graceful_shutdown.clone();
                async move { graceful_shutdown.notified().await }
            })
            .on_connect_ext(move |stream: &TcpStream, _: &mut Extensions| {
                cut_when_stalled(stream, stalled_connection_timeout)
            })
            .upgrade(fn_factory(move || {
                let app = app_for_upgrades();
                let shutdown = shutdown_for_upgrades.clone();
                async move {
                    let app = Rc::new(app.into_factory().new_service(AppConfig::default()).await?);
                    Ok::<_, ()>(fn_service(move |request| {
                        upgrade::serve(Rc::clone(&app), request, shutdown.clone())
                    }))
                }
            }))
            .finish(map_config(make_app(), |_| AppConfig::default()))
            .tcp()
    })?;
    Ok(builder.run())
}

/// Gives every error response without a problem body (actix's own 405s, for instance) one, so
/// clients never see an empty body or an HTML page.
fn problem_for_bare_errors<B>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes() == PROBLEM_JSON.as_bytes());
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "route.method_not_allowed",
            format!("{} is not allowed here.", response.request().method()),
        ),
        StatusCode::NOT_FOUND => ApiError::not_found("route.not_found", "There is nothing here."),
        s if s.is_server_error() => ApiError::internal(format!("bare {s} response")),
        s => ApiError::new(
            s,
            "request.rejected",
            s.canonical_reason().unwrap_or("The request was rejected."),
        ),
    };
    let (request, _) = response.into_parts();
    let response = ServiceResponse::new(request, actix_web::ResponseError::error_response(&error));
    Ok(ErrorHandlerResponse::Response(
        response.map_into_right_body(),
    ))
}

/// A socket whose peer stops acknowledging (its receive window stays shut, or it vanished)
/// blocks the connection's writer (startup::upgrade), which then never polls the session again:
/// no heartbeat can close it. The kernel can: with `TCP_USER_TIMEOUT` it drops the connection
/// once our bytes have waited that long, and the session stops with it.
fn cut_when_stalled(stream: &TcpStream, timeout: Duration) {
    if let Err(error) = socket2::SockRef::from(stream).set_tcp_user_timeout(Some(timeout)) {
        tracing::debug!(%error, "cannot set TCP_USER_TIMEOUT on a connection");
    }
}
