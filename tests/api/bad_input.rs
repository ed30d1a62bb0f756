//! Bad input everywhere: generated malformed requests (proptest strategies, run through the
//! real server) to the sheet submission and to organizer endpoints. Each must get a 4xx
//! problem+json with a code, the server must keep answering, and nothing may change: no sheet,
//! team, judge or audit event appears, and the boards read the same.

use diesel::{QueryDsl, RunQueryDsl};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

use crate::helpers::{Session, TestApp, TestBackend};
use crate::judging::{full_sheet, judge_session, running_contest};
use crate::on_both_backends;

/// Generated requests per endpoint family and backend. `SKILLBOARD_BAD_INPUT_CASES` raises it
/// for a longer run (docs/security.md).
fn cases() -> u32 {
    std::env::var("SKILLBOARD_BAD_INPUT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

/// A JSON value of the wrong kind for almost any field.
fn junk() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            Just("NaN".to_owned()),
            Just("Infinity".to_owned()),
            Just("-Infinity".to_owned()),
            Just("1e999".to_owned()),
            Just("".to_owned()),
            Just("\u{0}".to_owned()),
            Just("=cmd|' /C calc'!A0".to_owned()),
            "\\PC{0,40}",
            "x{5000,5001}",
        ]
        .prop_map(Value::from),
        Just(json!([])),
        Just(json!([1, 2, 3])),
        Just(json!({})),
        Just(json!({"nested": {"deeper": [null]}})),
    ]
}

/// Whether `v` is one of `words`, ignoring case and surrounding space.
fn is_text(v: &Value, words: &[&str]) -> bool {
    v.as_str()
        .is_some_and(|s| words.contains(&s.trim().to_uppercase().as_str()))
}

/// A mark that no criterion of module A accepts (A1: 0–5 in steps of 0.5; A2: level 0–3).
fn bad_mark() -> impl Strategy<Value = (String, Value)> {
    prop_oneof![
        // Below zero, above the maximum, off the step, absurdly large.
        prop_oneof![
            (-1.0e12f64..-0.01).prop_map(|v| json!(v)),
            (5.01f64..1.0e300).prop_map(|v| json!(v)),
            Just(json!(4.3)),
            Just(json!(1.0e308)),
            Just(json!(-0.25)),
            Just(json!(u64::MAX)),
            Just(json!(i64::MIN)),
        ]
        .prop_map(|v| ("A1".to_owned(), json!({"value": v}))),
        prop_oneof![
            (4i64..i64::MAX).prop_map(|v| json!(v)),
            (i64::MIN..0).prop_map(|v| json!(v)),
            Just(json!(1.5)),
            Just(json!("2")),
        ]
        .prop_map(|v| ("A2".to_owned(), json!({"level": v}))),
        junk()
            // Numbers within float noise of a valid mark (say -2e-301 for 0) read as that
            // mark by design (`Mark::from_f64`): only clearly outside numbers are bad.
            .prop_filter("not a mark of A1", |v| {
                !v.as_f64().is_some_and(|f| (-0.01..=5.01).contains(&f))
            })
            .prop_map(|v| ("A1".to_owned(), json!({"value": v}))),
        junk()
            .prop_filter("not a level", |v| {
                v.as_u64().is_none_or(|l| l > 3) && !v.is_null()
            })
            .prop_map(|v| ("A2".to_owned(), json!({"level": v}))),
        junk().prop_map(|v| ("A1".to_owned(), v)),
        // A criterion of another module, or none at all.
        "[A-Z][0-9]{1,3}"
            .prop_filter("not ours", |c| c != "A1" && c != "A2" && c != "A3")
            .prop_map(|c| (c, json!({"value": 1}))),
        Just(("A1".to_owned(), json!({"value": 1, "level": 1}))),
    ]
}

/// A sheet with at least one defect, starting from a valid one.
fn bad_sheet() -> impl Strategy<Value = Value> {
    let defect = prop_oneof![
        bad_mark().prop_map(|(criterion, mark)| ("marks".to_owned(), criterion, mark)),
        junk()
            .prop_filter("not a module code", |v| !is_text(v, &["A"]))
            .prop_map(|v| ("module".to_owned(), String::new(), v)),
        prop_oneof!["[A-Z0-9]{1,8}".prop_map(Value::from), junk(),]
            .prop_filter("not a team", |v| !is_text(v, &["K7QM", "P3XA", "W9CD"]))
            .prop_map(|v| ("team".to_owned(), String::new(), v)),
        junk()
            .prop_filter("not a status", |v| !is_text(v, &["DRAFT", "SUBMITTED"]))
            .prop_map(|v| ("status".to_owned(), String::new(), v)),
        prop_oneof![
            Just(json!(-1)),
            Just(json!(0)),
            Just(json!("1")),
            Just(json!(1.5)),
            Just(json!(i64::MAX)),
        ]
        .prop_map(|v| ("version".to_owned(), String::new(), v)),
        prop_oneof![
            "x{2001,2100}".prop_map(Value::from),
            junk().prop_filter("not text", |v| !v.is_string() && !v.is_null()),
        ]
        .prop_map(|v| ("comment".to_owned(), String::new(), v)),
        junk().prop_map(|v| ("unexpected_field".to_owned(), String::new(), v)),
        junk()
            .prop_filter("not an object", |v| !v.is_object())
            .prop_map(|v| ("marks".to_owned(), String::new(), v)),
    ];
    (
        prop::collection::vec(defect, 1..4),
        0u8..=3,
        prop::bool::ANY,
    )
        .prop_map(|(defects, level, whole_body_wrong)| {
            let mut sheet = full_sheet("K7QM", level, 1);
            for (field, criterion, value) in defects {
                if criterion.is_empty() {
                    sheet[field] = value;
                } else if sheet["marks"].is_object() {
                    sheet["marks"][criterion] = value;
                }
            }
            if whole_body_wrong && level == 3 {
                return json!([sheet]);
            }
            sheet
        })
}

/// Raw bodies that are not JSON at all, or too big.
fn bad_bytes() -> impl Strategy<Value = (Option<&'static str>, Vec<u8>)> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512).prop_map(|b| (Some("application/json"), b)),
        // Valid JSON text with invalid UTF-8 spliced into a string.
        (prop::collection::vec(128u8..=255, 1..8)).prop_map(|junk| {
            let mut body = br#"{"module":"A","team":"K7QM","status":"draft","version":1,"marks":{},"comment":""#.to_vec();
            // 0xFF never occurs in UTF-8, so the text is invalid whatever follows.
            body.push(0xFF);
            body.extend(junk);
            body.extend(br#""}"#);
            (Some("application/json"), body)
        }),
        Just((Some("application/json"), br#"{"module":"A""#.to_vec())),
        Just((Some("text/plain"), full_sheet("K7QM", 1, 1).to_string().into_bytes())),
        Just((None, full_sheet("K7QM", 1, 1).to_string().into_bytes())),
        // Over the 1 MiB body limit.
        Just((Some("application/json"), {
            let mut sheet = full_sheet("K7QM", 1, 1);
            sheet["comment"] = json!("x".repeat(1024 * 1024 + 10));
            sheet.to_string().into_bytes()
        })),
    ]
}

/// What must not move: row counts of every table a write touches, and what the boards and the
/// review show.
async fn fingerprint(app: &TestApp, organizer: &Session) -> Value {
    let counts = app
        .db
        .read(|conn| {
            use skillboard::store::schema::*;
            Ok(vec![
                score_sheets::table.count().get_result::<i64>(conn)?,
                audit_events::table.count().get_result::<i64>(conn)?,
                teams::table.count().get_result::<i64>(conn)?,
                contestants::table.count().get_result::<i64>(conn)?,
                judges::table.count().get_result::<i64>(conn)?,
                modules::table.count().get_result::<i64>(conn)?,
                criteria::table.count().get_result::<i64>(conn)?,
            ])
        })
        .await
        .unwrap();
    let base = "/api/v1/contests/ecommerce-2026";
    json!({
        "counts": counts,
        "review": organizer.get(&format!("{base}/modules/A/review")).await.body,
        "board": organizer.get(&format!("{base}/board/live")).await.body["rows"],
        "teams": organizer.get(&format!("{base}/teams")).await.body,
        "scheme": organizer.get(&format!("{base}/scheme")).await.body,
        "contest": organizer.get(base).await.body,
    })
}

/// Checks the refusal and returns its `status code` for the tally.
#[track_caller]
fn assert_refused(
    what: &str,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) -> String {
    assert!(
        (400..500).contains(&status),
        "{what}: expected a 4xx, got {status}: {}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(
        headers.get("content-type").map(|v| v.to_str().unwrap()),
        Some("application/problem+json"),
        "{what}"
    );
    let problem: Value = serde_json::from_slice(body).expect("a JSON problem");
    assert!(
        problem["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{what}: {problem}"
    );
    assert_eq!(problem["status"], status, "{what}");
    format!("{status} {}", problem["code"].as_str().unwrap_or_default())
}

async fn send(
    session: &Session,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
    content_type: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = session.request(method, path).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn sheet_path() -> String {
    format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4())
}

async fn malformed_sheets_are_refused_and_change_nothing(backend: TestBackend) {
    let app = crate::helpers::spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let organizer = &setup.hosts.school_organizer;
    let judge = judge_session(&app, &setup.judges[1].1, None).await;
    let stored = judge.put(&sheet_path(), &full_sheet("P3XA", 2, 1)).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    let before = fingerprint(&app, organizer).await;

    let mut runner = TestRunner::new(Config::with_cases(cases()));
    let mut tried = 0;
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..cases() {
        let sheet = bad_sheet().new_tree(&mut runner).unwrap().current();
        let (status, headers, body) = send(
            &judge,
            reqwest::Method::PUT,
            &sheet_path(),
            sheet.to_string().into_bytes(),
            Some("application/json"),
        )
        .await;
        *tally
            .entry(assert_refused(
                &sheet.to_string().chars().take(300).collect::<String>(),
                status,
                &headers,
                &body,
            ))
            .or_insert(0) += 1;
        tried += 1;
    }
    for _ in 0..cases() / 3 {
        let (content_type, bytes) = bad_bytes().new_tree(&mut runner).unwrap().current();
        let (status, headers, body) = send(
            &judge,
            reqwest::Method::PUT,
            &sheet_path(),
            bytes.clone(),
            content_type,
        )
        .await;
        *tally
            .entry(assert_refused(
                &format!("{content_type:?} {} bytes", bytes.len()),
                status,
                &headers,
                &body,
            ))
            .or_insert(0) += 1;
        tried += 1;
    }
    // NUL in text used for a lookup: PostgreSQL cannot hold it (once a 500 there).
    for field in ["team", "module"] {
        let mut sheet = full_sheet("K7QM", 1, 1);
        sheet[field] = json!("K7\u{0}QM");
        let reply = judge.put(&sheet_path(), &sheet).await;
        assert!(
            (400..500).contains(&reply.status),
            "NUL {field}: {}",
            reply.body
        );
        tried += 1;
    }
    for path in ["/api/v1/contests/a%00b", "/api/v1/contests/a%00b/board"] {
        let reply = organizer.get(path).await;
        assert!((400..500).contains(&reply.status), "{path}: {}", reply.body);
        tried += 1;
    }
    // An unknown sheet id shape, and the same bad sheet into a path that is not an id.
    for path in [
        "/api/v1/judge/sheets/not-a-uuid",
        "/api/v1/judge/sheets/%FF%FE",
    ] {
        let reply = judge.put(path, &full_sheet("K7QM", 1, 1)).await;
        assert!((400..500).contains(&reply.status), "{path}: {}", reply.body);
        tried += 1;
    }

    assert_eq!(app.anonymous().get("/healthz").await.status, 200);
    assert_eq!(fingerprint(&app, organizer).await, before);
    println!("bad input: {tried} malformed sheet submissions refused: {tally:?}");
}

/// Organizer endpoints with a JSON body, each sent objects whose every field may be junk.
async fn malformed_organizer_requests_are_refused_and_change_nothing(backend: TestBackend) {
    let app = crate::helpers::spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let organizer = &setup.hosts.school_organizer;
    let before = fingerprint(&app, organizer).await;
    let base = "/api/v1/contests/ecommerce-2026";
    let team = organizer.get(&format!("{base}/teams")).await.body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // (method, path, fields the endpoint reads): every generated body sets each field to
    // junk of the wrong kind, or leaves a required one out.
    let endpoints: Vec<(reqwest::Method, String, &[&str])> = vec![
        (
            reqwest::Method::POST,
            format!("{base}/teams"),
            &["name", "school", "region", "members"],
        ),
        (
            reqwest::Method::PATCH,
            format!("{base}/teams/{team}"),
            &["name", "members", "coach"],
        ),
        (reqwest::Method::PUT, format!("{base}/scheme"), &["modules"]),
        (
            reqwest::Method::POST,
            format!("{base}/judges"),
            &["name", "modules", "pin", "is_chief"],
        ),
        (
            reqwest::Method::POST,
            format!("{base}/appeals"),
            &["team", "module", "text"],
        ),
        (
            reqwest::Method::POST,
            format!("{base}/state"),
            &["to", "reason"],
        ),
        (
            reqwest::Method::PATCH,
            base.to_owned(),
            &["venue", "visibility", "award_tiers", "starts_at"],
        ),
        (reqwest::Method::POST, format!("{base}/reveal"), &["mode"]),
        (
            reqwest::Method::POST,
            format!("{base}/imported-marks"),
            &["rows"],
        ),
    ];
    let mut runner = TestRunner::new(Config::with_cases(cases()));
    let mut tried = 0;
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for (method, path, fields) in &endpoints {
        for _ in 0..cases() / 3 {
            let values = prop::collection::vec(junk(), fields.len())
                .new_tree(&mut runner)
                .unwrap()
                .current();
            // Of the wrong kind, or text longer than any field takes.
            let wrong_kind = prop_oneof![
                junk().prop_filter("neither text nor a list", |v| {
                    v.is_boolean() || v.is_number() || v.is_object()
                }),
                "[x字]".prop_map(|c| Value::from(c.repeat(5001))),
            ]
            .new_tree(&mut runner)
            .unwrap()
            .current();
            let mut body = serde_json::Map::new();
            for (field, value) in fields.iter().zip(values) {
                // A null leaves an optional field out in most requests: drop it.
                if !value.is_null() {
                    body.insert((*field).to_owned(), value);
                }
            }
            // The first field always has the wrong kind, so no body is valid by chance.
            body.insert(fields[0].to_owned(), wrong_kind);
            let text = Value::Object(body).to_string();
            let (status, headers, reply) = send(
                organizer,
                method.clone(),
                path,
                text.clone().into_bytes(),
                Some("application/json"),
            )
            .await;
            *tally
                .entry(assert_refused(
                    &format!(
                        "{method} {path} {}",
                        text.chars().take(300).collect::<String>()
                    ),
                    status,
                    &headers,
                    &reply,
                ))
                .or_insert(0) += 1;
            tried += 1;
        }
    }
    assert_eq!(app.anonymous().get("/healthz").await.status, 200);
    assert_eq!(fingerprint(&app, organizer).await, before);
    println!("bad input: {tried} malformed organizer requests refused: {tally:?}");
}

on_both_backends!(
    malformed_sheets_are_refused_and_change_nothing,
    malformed_organizer_requests_are_refused_and_change_nothing,
);
