//! Logging with tracing to stderr (stdout carries only what commands print): human-readable
//! lines by default, JSON behind `--log-json`.

use std::io::IsTerminal;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::Error;
use tracing::{Level, Span};
use tracing_actix_web::{root_span, DefaultRootSpanBuilder, RootSpanBuilder};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests start many servers) are no-ops.
/// Every request closes one span, which prints the request's one log line with its timing.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_env("SKILLBOARD_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_target(false)
        // Colour codes only for a person at a terminal, not in files and journals.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _already_set = if json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.compact().try_init()
    };
}

/// The request spans behind `TracingLogger`: the default one for every request except a
/// WebSocket upgrade, whose span is at DEBUG.
///
/// A socket's span lives as long as the socket and is entered on every poll of its frames, so at
/// INFO each of a board's updates cost each of its sockets a span enter and exit with two clock
/// reads (about a quarter of the server's user-space CPU in a fan-out to 10,000 sockets), and
/// each open socket held the span's fields (2.9 KiB; BENCHMARKS.md, "Live boards"). At DEBUG,
/// disabled by default, the span costs nothing; `SKILLBOARD_LOG=debug` brings the per-socket
/// lines back. A refused upgrade is still logged at INFO, as one event.
pub struct RequestSpans;

impl RootSpanBuilder for RequestSpans {
    fn on_request_start(request: &ServiceRequest) -> Span {
        if is_websocket_upgrade(request) {
            root_span!(level = Level::DEBUG, request)
        } else {
            root_span!(level = Level::INFO, request)
        }
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        log_refused_upgrade(&span, outcome);
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

fn is_websocket_upgrade(request: &ServiceRequest) -> bool {
    asks_for_websocket(request.headers())
}

fn asks_for_websocket(headers: &header::HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// An upgrade's span is disabled at the default level, so its refusal (any status but 101)
/// is logged as an event instead. A failure with no response at all cannot show what was
/// asked; a disabled span is the only sign that it was an upgrade.
fn log_refused_upgrade<B>(span: &Span, outcome: &Result<ServiceResponse<B>, Error>) {
    if !span.is_disabled() {
        return;
    }
    let (status, path) = match outcome {
        Ok(response) if asks_for_websocket(response.request().headers()) => {
            (response.status(), response.request().path())
        }
        Ok(_) => return,
        Err(error) => (error.as_response_error().status_code(), "?"),
    };
    if status != StatusCode::SWITCHING_PROTOCOLS {
        tracing::info!(
            http.status_code = status.as_u16(),
            http.target = path,
            "WebSocket upgrade refused"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use actix_web::test::{self, TestRequest};
    use actix_web::{web, App, HttpResponse};
    use tracing_actix_web::TracingLogger;

    use super::*;

    /// The logger in front of a route that answers `status` and says whether its request
    /// span is disabled; returns that body and what was logged.
    async fn through_the_logger(request: TestRequest, status: StatusCode) -> (String, String) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(Level::INFO)
            .with_span_events(FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || SharedLines(Arc::clone(&sink)))
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let app = test::init_service(
            App::new()
                .wrap(TracingLogger::<RequestSpans>::new())
                .default_service(web::to(move || async move {
                    let disabled = Span::current().is_disabled();
                    HttpResponse::build(status).body(format!("span disabled: {disabled}"))
                })),
        )
        .await;
        let response = test::call_service(&app, request.to_request()).await;
        let body = test::read_body(response).await;
        let logged = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        (String::from_utf8(body.to_vec()).unwrap(), logged)
    }

    struct SharedLines(Arc<Mutex<Vec<u8>>>);

    impl io::Write for SharedLines {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn upgrade_request() -> TestRequest {
        TestRequest::get()
            .uri("/api/v1/public/contests/spring/board/ws")
            .insert_header((header::UPGRADE, "WebSocket"))
    }

    #[actix_web::test]
    async fn an_accepted_socket_has_no_span_at_info_and_logs_nothing() {
        let (body, logged) =
            through_the_logger(upgrade_request(), StatusCode::SWITCHING_PROTOCOLS).await;
        assert_eq!(
            body, "span disabled: true",
            "a socket's span is entered on every update"
        );
        assert_eq!(logged, "");
    }

    #[actix_web::test]
    async fn a_refused_upgrade_is_logged_once() {
        let (_, logged) =
            through_the_logger(upgrade_request(), StatusCode::TOO_MANY_REQUESTS).await;
        assert_eq!(logged.lines().count(), 1, "{logged}");
        assert!(logged.contains("WebSocket upgrade refused"), "{logged}");
        assert!(logged.contains("429"), "{logged}");
        assert!(logged.contains("/board/ws"), "{logged}");
    }

    #[actix_web::test]
    async fn an_ordinary_request_keeps_its_span_and_its_log_line() {
        let request = TestRequest::get().uri("/healthz");
        let (body, logged) = through_the_logger(request, StatusCode::OK).await;
        assert_eq!(body, "span disabled: false");
        assert!(logged.contains("/healthz"), "{logged}");
        assert!(!logged.contains("refused"), "{logged}");
    }
}
