//! Abuse limits and browser hardening: the security headers on every kind of response, the
//! socket limits (per address, message size, idle timeout) and the throttle on public
//! self-registration (docs/security.md). Cookies are checked in `auth.rs`.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use skillboard::config::Limits;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::boards::{eventually, fixture_on};
use crate::contests::{co_hosts, contest};
use crate::helpers::{spawn_app_on, Reply, TestBackend, TestDatabase};
use crate::judging::running_contest;
use crate::on_both_backends;
use crate::teams::{set_state, team_json};

/// Checks the headers every response must carry, and the site-wide policy unless the page
/// brought a stricter one of its own.
#[track_caller]
fn assert_hardened(what: &str, reply: &Reply) {
    let header = |name: &str| {
        reply
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what} ({}) has no {name}", reply.status))
            .to_owned()
    };
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("referrer-policy"), "no-referrer", "{what}");
    let permissions = header("permissions-policy");
    assert!(permissions.contains("camera=()"), "{what}: {permissions}");
    let csp = header("content-security-policy");
    for directive in ["frame-ancestors 'none'", "base-uri 'none'"] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    let script = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src") || d.starts_with("default-src"))
        .unwrap_or_default();
    assert!(
        !csp.contains("script-src 'unsafe") && !script.contains("unsafe-inline"),
        "{what} allows inline script: {csp}"
    );
    assert!(
        csp.contains("object-src 'none'") || csp.starts_with("default-src 'none'"),
        "{what}: {csp}"
    );
}

async fn every_response_carries_the_security_headers(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |_| {}).await;
    let setup = running_contest(&app).await;
    let organizer = &setup.hosts.school_organizer;
    let draw = "/api/v1/contests/ecommerce-2026/draw";
    let anonymous = app.anonymous();

    let pages = [
        "/",
        "/admin",
        "/admin/",
        "/judge",
        "/judge/sw.js",
        "/judge/app.js",
        "/judge/app.css",
        "/board/ecommerce-2026",
        "/static/admin/app.js",
        "/static/board/board.css",
        "/healthz",
        "/api/openapi.json",
        "/api/v1/contests/ecommerce-2026/board",
        "/no/such/page",
        "/static/no-such-file.js",
        "/api/v1/no-such-endpoint",
        "/api/v1/contests",
    ];
    for path in pages {
        let reply = anonymous.get(path).await;
        assert_hardened(path, &reply);
    }
    assert_eq!(anonymous.get("/no/such/page").await.status, 404);
    assert_eq!(anonymous.get("/api/v1/contests").await.status, 401);
    let page = anonymous.get("/admin").await;
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains(&format!("ws://127.0.0.1:{}", app.port)),
        "{csp}"
    );
    // A method the route does not take (actix's own 405, given a problem body).
    let wrong_method = anonymous
        .send(anonymous.request(reqwest::Method::DELETE, "/healthz"))
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_hardened("a 405", &wrong_method);
    // A body that is not JSON.
    let bad_body = anonymous
        .send(
            anonymous
                .request(reqwest::Method::POST, "/api/v1/auth/login")
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(bad_body.status, 400);
    assert_hardened("a 400", &bad_body);

    // Signed-in API calls and the print pages, which keep their own stricter policy.
    assert_hardened("the contest", &organizer.get("/api/v1/contests").await);
    let drawn = organizer.post(draw, &json!({})).await;
    assert!(drawn.status < 500, "{}", drawn.body);
    for print in [
        format!("{draw}/mapping"),
        format!("{draw}/station-cards"),
        "/api/v1/contests/ecommerce-2026/results/print".to_owned(),
    ] {
        let reply = organizer.get(&print).await;
        assert_eq!(reply.status, 200, "{print}: {}", reply.body);
        assert_hardened(&print, &reply);
        let csp = reply.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{print}: {csp}");
    }
    let judge_csp = anonymous.get("/judge").await.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(judge_csp.contains("form-action 'none'"), "{judge_csp}");
    let sw = anonymous.get("/judge/sw.js").await;
    assert_eq!(sw.headers["service-worker-allowed"], "/judge");
}

/// The pages must work under `script-src 'self'; style-src 'self'`: no inline script, no
/// event-handler attributes, no style attributes or blocks in the markup we ship.
async fn the_shipped_pages_have_no_inline_script_or_style(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |_| {}).await;
    let anonymous = app.anonymous();
    for path in ["/", "/admin", "/judge", "/board/any-contest"] {
        let reply = anonymous.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        let html = reply.body.as_str().unwrap().to_lowercase();
        for (at, _) in html.match_indices("<script") {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            assert!(tag.contains(" src="), "{path}: inline script {tag}");
        }
        for forbidden in ["<style", " style=", "javascript:"] {
            assert!(!html.contains(forbidden), "{path} has {forbidden}");
        }
        let handler = html
            .split(|c: char| c.is_whitespace())
            .find(|word| word.starts_with("on") && word.contains('='));
        assert!(
            handler.is_none(),
            "{path} has an inline handler {handler:?}"
        );
    }
}

const APPLY: &str = "/api/v1/public/contests/ecommerce-2026/registrations";

async fn self_registration_is_throttled_per_address(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |settings| {
        settings.limits.registrations_per_hour = 2;
    })
    .await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"self_registration": true}),
        )
        .await;
    set_state(organizer, "ecommerce-2026", "registration").await;
    let public = app.anonymous();
    for (n, name) in ["星火队", "破浪队"].iter().enumerate() {
        let receipt = public
            .post(
                APPLY,
                &team_json(name, "深圳职业技术大学", 1, 100 * n as u32),
            )
            .await;
        assert_eq!(receipt.status, 201, "{}", receipt.body);
    }

    let refused = public
        .post(APPLY, &team_json("凌云队", "深圳职业技术大学", 1, 900))
        .await;

    refused.assert_problem(429, "registration.rate_limited");
    let retry_after: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let teams = organizer
        .get("/api/v1/contests/ecommerce-2026/teams")
        .await
        .body;
    let names: Vec<&str> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(!names.contains(&"凌云队"));
}

async fn sign_in_throttling_says_when_to_retry(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |_| {}).await;
    let anonymous = app.anonymous();
    let wrong = json!({"username": "admin", "password": "wrong"});
    let mut last = anonymous.post("/api/v1/auth/login", &wrong).await;
    for _ in 0..12 {
        if last.status == 429 {
            break;
        }
        last = anonymous.post("/api/v1/auth/login", &wrong).await;
    }
    last.assert_problem(429, "auth.rate_limited");
    assert!(last.headers.contains_key("retry-after"));
}

/// Board sockets opened as if from `address` (the server trusts X-Forwarded-For here).
async fn board_socket_from(
    port: u16,
    address: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tokio_tungstenite::tungstenite::Error,
> {
    let mut request = format!("ws://127.0.0.1:{port}/ws/contests/ecommerce-2026/board")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("x-forwarded-for", address.parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

async fn one_address_may_hold_only_so_many_sockets(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |settings| {
        settings.limits.max_sockets_per_address = 2;
        settings.limits.trust_forwarded_for = true;
    })
    .await;
    let f = fixture_on(app, "codes", 2).await;
    let port = f.app.port;
    let first = board_socket_from(port, "198.51.100.1, 203.0.113.7")
        .await
        .unwrap();
    let _second = board_socket_from(port, "203.0.113.7").await.unwrap();

    let refused = board_socket_from(port, "203.0.113.7").await;

    let response = match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response,
        other => panic!("expected a 429, got {other:?}"),
    };
    assert_eq!(response.status(), 429);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    assert!(response.headers().contains_key("retry-after"));
    let body: serde_json::Value =
        serde_json::from_slice(response.body().as_deref().unwrap_or_default()).unwrap();
    assert_eq!(body["code"], "socket.too_many");
    // Another address is not affected, and closing a socket frees its place.
    let _other = board_socket_from(port, "203.0.113.8").await.unwrap();
    drop(first);
    eventually("a freed socket place", || async {
        board_socket_from(port, "203.0.113.7").await.ok()
    })
    .await;
}

async fn a_forwarded_address_is_ignored_unless_trusted(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |settings| {
        settings.limits.max_sockets_per_address = 1;
    })
    .await;
    let f = fixture_on(app, "codes", 1).await;
    // Every socket comes from 127.0.0.1 (not limited); the header would name one address.
    let _a = board_socket_from(f.app.port, "203.0.113.7").await.unwrap();
    let _b = board_socket_from(f.app.port, "203.0.113.7").await.unwrap();
    let _c = board_socket_from(f.app.port, "203.0.113.7").await.unwrap();
}

/// Reads until the server closes the socket and returns the close code.
async fn close_code(
    socket: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> Option<CloseCode> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Err(_) => panic!("the server did not close the socket"),
            Ok(None) | Ok(Some(Err(_))) => return None,
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code),
            Ok(Some(Ok(_))) => continue,
        }
    }
}

async fn an_oversized_or_binary_message_closes_the_socket(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |_| {}).await;
    let f = fixture_on(app, "codes", 1).await;
    let port = f.app.port;

    let mut big = board_socket_from(port, "x").await.unwrap();
    let resync = json!({"type": "resync", "pad": "x".repeat(64 * 1024)}).to_string();
    big.send(Message::text(resync)).await.unwrap();
    assert_eq!(close_code(&mut big).await, Some(CloseCode::Size));

    let mut binary = board_socket_from(port, "x").await.unwrap();
    binary.send(Message::binary(vec![0u8; 16])).await.unwrap();
    assert_eq!(close_code(&mut binary).await, Some(CloseCode::Unsupported));

    // A small resync is still answered with a snapshot: the limits leave real clients alone.
    let mut small = board_socket_from(port, "x").await.unwrap();
    small
        .send(Message::text(r#"{"type":"resync"}"#))
        .await
        .unwrap();
    let mut snapshots = 0;
    while snapshots < 2 {
        if let Message::Text(text) = small.next().await.unwrap().unwrap() {
            let message: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(message["type"], "snapshot");
            snapshots += 1;
        }
    }
}

async fn a_silent_socket_is_closed_and_a_live_one_is_kept(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |settings| {
        settings.limits = Limits {
            socket_heartbeat: Duration::from_millis(50),
            socket_idle_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
    })
    .await;
    let f = fixture_on(app, "codes", 1).await;
    let mut silent = board_socket_from(f.app.port, "x").await.unwrap();
    let mut live = board_socket_from(f.app.port, "x").await.unwrap();

    // The live client reads (and so answers pings) for many idle timeouts; the silent one
    // does not read at all meanwhile.
    let until = tokio::time::Instant::now() + Duration::from_millis(1500);
    while let Ok(message) = tokio::time::timeout_at(until, live.next()).await {
        let message = message.expect("the live socket stays open").unwrap();
        assert!(
            !message.is_close(),
            "the live socket was closed: {message:?}"
        );
    }

    // The server said `Away` and hung up; the client may see the frame or, when its queued
    // pongs hit the closed connection first, only the end of the stream.
    let closed = close_code(&mut silent).await;
    assert!(matches!(closed, None | Some(CloseCode::Away)), "{closed:?}");
    live.send(Message::text(r#"{"type":"resync"}"#))
        .await
        .expect("the live socket is still open");
    loop {
        let message = live.next().await.unwrap().unwrap();
        assert!(!message.is_close(), "{message:?}");
        if message.is_text() {
            break;
        }
    }
}

on_both_backends!(
    every_response_carries_the_security_headers,
    the_shipped_pages_have_no_inline_script_or_style,
    self_registration_is_throttled_per_address,
    sign_in_throttling_says_when_to_retry,
    one_address_may_hold_only_so_many_sockets,
    a_forwarded_address_is_ignored_unless_trusted,
    an_oversized_or_binary_message_closes_the_socket,
    a_silent_socket_is_closed_and_a_live_one_is_kept,
);
