//! `GET /metrics`: Prometheus text whose counters move with what the server does, served to
//! this machine or to the metrics token holder only.
//!
//! One recorder serves every app in this test process, so counters are compared before and
//! after (other tests only ever add to them) and the socket gauge is checked while our socket
//! is open.

use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, spawn_app_on, TestApp, TestBackend, TestDatabase};
use crate::judging::{full_sheet, judge_session, running_contest, CODES};
use crate::on_both_backends;

async fn metrics_text(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

/// The sum of every series of `name` that carries all of `labels` (0 when there is none).
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            let bare = series.split('{').next().unwrap_or_default();
            bare == name
                && labels
                    .iter()
                    .all(|(k, v)| series.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|(_, number)| number.parse::<f64>().expect("a number"))
        .sum()
}

async fn a_submitted_sheet_and_an_open_socket_move_the_counters(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let judge = judge_session(&app, &setup.judges[1].1, None).await;
    let before = metrics_text(&app).await;
    let submitted = |text: &str| {
        value(
            text,
            "skillboard_sheets_submitted_total",
            &[("status", "submitted")],
        )
    };
    let commits = |text: &str| value(text, "skillboard_group_commit_batch_size_count", &[]);

    let client_id = uuid::Uuid::new_v4();
    let reply = judge
        .put(
            &format!("/api/v1/judge/sheets/{client_id}"),
            &full_sheet(CODES[0], 2, 1),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let url = format!(
        "ws://127.0.0.1:{}/ws/contests/ecommerce-2026/board",
        app.port
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let first = socket.next().await.unwrap().unwrap();
    assert!(
        matches!(&first, Message::Text(t) if t.contains("\"snapshot\"")),
        "{first:?}"
    );

    let after = metrics_text(&app).await;
    assert!(submitted(&after) >= submitted(&before) + 1.0, "{after}");
    assert!(commits(&after) >= commits(&before) + 1.0, "{after}");
    assert!(
        value(&after, "skillboard_sockets_open", &[("channel", "board")]) >= 1.0,
        "{after}"
    );
    assert!(
        value(
            &after,
            "skillboard_socket_snapshots_sent_total",
            &[("reason", "open")]
        ) >= 1.0,
        "{after}"
    );
    let sheet_route = [
        ("route", "/api/v1/judge/sheets/{client_id}"),
        ("method", "PUT"),
        ("status", "201"),
    ];
    assert!(
        value(&after, "skillboard_http_requests_total", &sheet_route) >= 1.0,
        "{after}"
    );
    assert!(
        !after.contains(&client_id.to_string()),
        "the raw path leaked into a label: {after}"
    );
    assert!(value(&after, "skillboard_db_pool_wait_seconds_count", &[]) >= 1.0);
    assert!(value(&after, "process_resident_memory_bytes", &[]) > 0.0);
}

async fn metrics_are_refused_through_a_proxy_and_served_with_the_token(backend: TestBackend) {
    let app = spawn_app_on(TestDatabase::create(&backend), |settings| {
        settings.metrics_token = Some("scrape-me".to_owned());
    })
    .await;
    let get = |bearer: Option<&'static str>| {
        let mut request = app
            .client
            .get(app.url("/metrics"))
            .header("X-Forwarded-For", "203.0.113.9");
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    let proxied = get(None).await.unwrap();
    assert_eq!(proxied.status(), 403);
    let problem: serde_json::Value = proxied.json().await.unwrap();
    assert_eq!(problem["code"], json!("metrics.forbidden"));
    assert_eq!(get(Some("guess")).await.unwrap().status(), 403);
    let with_token = get(Some("scrape-me")).await.unwrap();
    assert_eq!(with_token.status(), 200);
    assert!(with_token
        .text()
        .await
        .unwrap()
        .contains("skillboard_http_requests_total"));
}

on_both_backends!(
    a_submitted_sheet_and_an_open_socket_move_the_counters,
    metrics_are_refused_through_a_proxy_and_served_with_the_token,
);
