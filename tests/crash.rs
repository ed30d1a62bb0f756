//! Reliability with the real binary (issue 10): `kill -9` under load loses no acknowledged
//! sheet and leaves none half-written; the same sheet sent again, or to two nodes at once, is
//! stored once; `skillboard backup` taken while judges submit restores every sheet acknowledged
//! before it started. On SQLite (a temp file, `synchronous=FULL`) and, when
//! `SKILLBOARD_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL schema per test.
//!
//! CI runs 3 crash rounds per backend; `SKILLBOARD_CRASH_ROUNDS=20` runs more (see
//! docs/reliability.md). Each round prints its figures on stderr (`-- --nocapture`).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};
use skillboard::store::schema::{audit_events, score_sheets};
use skillboard::store::{DatabaseTarget, Db};

#[path = "support/postgres.rs"]
mod postgres_leg;

const DEMO_SLUG: &str = "ecommerce-demo";
/// The demo seeds this many submitted sheets (without audit events of their own).
const DEMO_SHEETS: i64 = 222;

// ---------------------------------------------------------------------------------------------
// Databases and server processes

#[derive(Debug, Clone)]
enum Backend {
    Sqlite,
    Postgres { base_url: String },
}

impl Backend {
    /// The PostgreSQL leg, as in tests/api/helpers: skipped loudly without
    /// `SKILLBOARD_TEST_POSTGRES_URL`, a failure with `SKILLBOARD_REQUIRE_POSTGRES=1`.
    fn postgres() -> Option<Backend> {
        postgres_leg::base_url().map(|base_url| Backend::Postgres { base_url })
    }

    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }
}

/// A database of the test's own (a SQLite file in a temp dir, or a fresh PostgreSQL schema),
/// with a directory for logs and backup files.
struct TestDb {
    url: String,
    dir: tempfile::TempDir,
}

impl TestDb {
    fn create(backend: &Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = Self::fresh_url(backend, &dir, "skillboard.db");
        TestDb { url, dir }
    }

    /// Another, empty database of the same backend (a restore target).
    fn fresh_url(backend: &Backend, dir: &tempfile::TempDir, file: &str) -> String {
        match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join(file).display()),
            Backend::Postgres { base_url } => postgres_leg::fresh_schema_url(base_url),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn skillboard(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_skillboard"));
    command
        .env("DATABASE_URL", database_url)
        .env("SKILLBOARD_LOG", "warn");
    command
}

/// Runs a one-shot command and returns its stdout; panics with its stderr if it failed.
fn run_ok(database_url: &str, args: &[&str]) -> String {
    let output = skillboard(database_url).args(args).output().expect("run");
    assert!(
        output.status.success(),
        "skillboard {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// `skillboard serve` as a child process; SIGKILLed when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// Starts the server and waits for the line announcing its URL: a server that cannot start
    /// on the database (say, after a crash left it damaged) fails here.
    fn start(db: &TestDb, database_url: &str, log_name: &str) -> Server {
        let log = std::fs::File::create(db.path(log_name)).expect("log file");
        let mut child = skillboard(database_url)
            .args(["serve", "--bind", "127.0.0.1:0", "--workers", "2"])
            .env("SKILLBOARD_ADMIN_PASSWORD", "crash-test-admin")
            .stdout(Stdio::piped())
            .stderr(
                if std::env::var_os("SKILLBOARD_CRASH_SERVER_LOGS").is_some() {
                    Stdio::inherit()
                } else {
                    Stdio::from(log)
                },
            )
            .spawn()
            .expect("spawn skillboard serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = match lines.next() {
            Some(Ok(line)) => line,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(db.path(log_name)).unwrap_or_default();
                panic!("the server did not start on {database_url}:\n{log}");
            }
        };
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_owned();
        // Keep reading so the server never writes into a closed pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, url }
    }

    /// `kill -9`: no shutdown hook, no flush, no goodbye.
    fn kill9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The demo contest (running, 4 judges on A, 4 on C, 3 on E) and its judges' link tokens.
fn seed_demo(database_url: &str) -> Vec<(String, String)> {
    let printed = run_ok(database_url, &["demo"]);
    let judges: Vec<(String, String)> = printed
        .lines()
        .filter(|line| line.contains("#t="))
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let token = words.last()?.split("#t=").nth(1)?.to_owned();
            let module = words.get(words.len().checked_sub(2)?)?.to_string();
            (module != "review").then_some((module, token))
        })
        .collect();
    assert_eq!(judges.len(), 11, "judge links in:\n{printed}");
    judges
}

fn audit_verifies(database_url: &str) -> String {
    run_ok(database_url, &["audit", "verify", "--contest", DEMO_SLUG])
}

// ---------------------------------------------------------------------------------------------
// Judges over HTTP

#[derive(Clone)]
struct Judge {
    module: String,
    session: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client")
}

async fn sign_in(http: &reqwest::Client, base: &str, judges: &[(String, String)]) -> Vec<Judge> {
    let mut signed_in = Vec::new();
    for (module, token) in judges {
        let reply = http
            .post(format!("{base}api/v1/judge/session"))
            .json(&json!({ "token": token }))
            .send()
            .await
            .expect("sign in");
        assert_eq!(reply.status(), 200);
        let body: Value = reply.json().await.expect("JSON");
        signed_in.push(Judge {
            module: module.clone(),
            session: body["session"].as_str().expect("session").to_owned(),
        });
    }
    signed_in
}

/// Codes of the teams this judge has no sheet for yet.
async fn free_teams(http: &reqwest::Client, base: &str, judge: &Judge) -> Vec<String> {
    let teams: Value = http
        .get(format!("{base}api/v1/judge/modules/{}/teams", judge.module))
        .bearer_auth(&judge.session)
        .send()
        .await
        .expect("teams")
        .json()
        .await
        .expect("JSON");
    teams
        .as_array()
        .expect("a list")
        .iter()
        .filter(|t| t["sheet"].is_null())
        .map(|t| t["code"].as_str().expect("code").to_owned())
        .collect()
}

/// A complete submitted sheet for the demo module, different for every version and seed.
fn sheet_body(module: &str, team: &str, version: i32, seed: usize) -> Value {
    let n = usize::try_from(version).unwrap_or(0) + seed;
    let level = |k: usize| json!({ "level": (n + k) % 4 });
    // Measurements in half points from 0 up to the criterion's max.
    let value = |k: usize, max_halves: usize| json!({ "value": ((n * 3 + k) % (max_halves + 1)) as f64 / 2.0 });
    let marks = match module {
        "A" => json!({"A1": value(0, 10), "A2": level(1), "A3": level(2)}),
        "C" => json!({"C1": value(1, 8), "C2": level(3)}),
        "E" => json!({"E1": level(0), "E2": level(1), "E3": value(2, 10)}),
        other => panic!("no marks for module {other}"),
    };
    json!({"module": module, "team": team, "status": "submitted", "version": version, "marks": marks})
}

/// Marks as (level, value in hundredths) per criterion, from a request or a stored sheet view.
fn marks_of(sheet: &Value) -> BTreeMap<String, (Option<u64>, Option<i64>)> {
    sheet["marks"]
        .as_object()
        .expect("marks")
        .iter()
        .map(|(code, mark)| {
            (
                code.clone(),
                (
                    mark["level"].as_u64(),
                    mark["value"].as_f64().map(|v| (v * 100.0).round() as i64),
                ),
            )
        })
        .collect()
}

/// One judge × team × module sheet a simulated tablet keeps editing: version after version,
/// each a different complete set of marks.
#[derive(Clone)]
struct Tablet {
    judge: Judge,
    team: String,
    client_id: String,
    seed: usize,
    /// The last version the server acknowledged with a 2xx.
    acked: i32,
    /// A write sent but not answered when the server died.
    in_flight: Option<i32>,
}

impl Tablet {
    fn body(&self, version: i32) -> Value {
        sheet_body(&self.judge.module, &self.team, version, self.seed)
    }

    fn path(&self, base: &str) -> String {
        format!("{base}api/v1/judge/sheets/{}", self.client_id)
    }
}

async fn tablets(http: &reqwest::Client, base: &str, judges: &[Judge]) -> Vec<Tablet> {
    let mut tablets = Vec::new();
    for judge in judges {
        for team in free_teams(http, base, judge).await {
            tablets.push(Tablet {
                judge: judge.clone(),
                team,
                client_id: uuid::Uuid::new_v4().to_string(),
                seed: tablets.len(),
                acked: 0,
                in_flight: None,
            });
        }
    }
    tablets
}

async fn put(
    http: &reqwest::Client,
    base: &str,
    tablet: &Tablet,
    body: &Value,
) -> reqwest::Result<(u16, Value)> {
    let reply = http
        .put(tablet.path(base))
        .bearer_auth(&tablet.judge.session)
        .json(body)
        .send()
        .await?;
    let status = reply.status().as_u16();
    let body = reply.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

/// Submits new versions until told to stop or until the server stops answering; a write whose
/// answer never came stays `in_flight`. Any answer other than a 2xx is a bug.
async fn keep_submitting(
    http: reqwest::Client,
    base: String,
    mut tablet: Tablet,
    acks: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> Tablet {
    while !stop.load(Ordering::SeqCst) {
        let version = tablet.acked + 1;
        tablet.in_flight = Some(version);
        match put(&http, &base, &tablet, &tablet.body(version)).await {
            Ok((status, body)) => {
                assert!(
                    status == 200 || status == 201,
                    "sheet {} v{version}: {status} {body}",
                    tablet.client_id
                );
                assert_eq!(body["version"], version);
                tablet.acked = version;
                tablet.in_flight = None;
                acks.fetch_add(1, Ordering::SeqCst);
            }
            Err(_) => break,
        }
    }
    tablet
}

/// Lets every tablet submit until `until` says stop, and returns them with what was answered.
async fn run_tablets<F>(
    http: &reqwest::Client,
    base: &str,
    tablets: Vec<Tablet>,
    until: F,
) -> Vec<Tablet>
where
    F: std::future::Future<Output = ()>,
{
    let acks = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = tablets
        .into_iter()
        .map(|tablet| {
            tokio::spawn(keep_submitting(
                http.clone(),
                base.to_owned(),
                tablet,
                acks.clone(),
                stop.clone(),
            ))
        })
        .collect();
    until.await;
    stop.store(true, Ordering::SeqCst);
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.expect("tablet task"));
    }
    done
}

async fn wait_for_acks(acks: &AtomicUsize, at_least: usize) {
    while acks.load(Ordering::SeqCst) < at_least {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn get_sheet(http: &reqwest::Client, base: &str, tablet: &Tablet) -> (u16, Value) {
    let reply = http
        .get(tablet.path(base))
        .bearer_auth(&tablet.judge.session)
        .send()
        .await
        .expect("GET sheet");
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

// ---------------------------------------------------------------------------------------------
// What the database holds

fn open_db(database_url: &str) -> Db {
    let target: DatabaseTarget = database_url.parse().expect("database URL");
    Db::open(&target, 2, true).expect("open the database")
}

/// What the database holds for one sheet: its rows and the audit events about it.
struct Stored {
    rows: Vec<(String, i32, String, String)>,
    /// (action, after-snapshot) of each audit event about the sheet, in chain order.
    events: Vec<(String, Value)>,
}

fn stored(db: &Db, client_id: &str) -> Stored {
    let mut conn = db.connection().expect("connection");
    let rows: Vec<(String, i32, String, String)> = score_sheets::table
        .filter(score_sheets::client_id.eq(client_id))
        .select((
            score_sheets::id,
            score_sheets::version,
            score_sheets::status,
            score_sheets::marks,
        ))
        .load(&mut conn)
        .expect("sheet rows");
    let events = match rows.first() {
        None => Vec::new(),
        Some((id, ..)) => audit_events::table
            .filter(audit_events::subject.eq(format!("sheet:{id}")))
            .order(audit_events::seq)
            .select((audit_events::action, audit_events::after_json))
            .load::<(String, Option<String>)>(&mut conn)
            .expect("audit events")
            .into_iter()
            .map(|(action, after)| {
                (
                    action,
                    serde_json::from_str(&after.unwrap_or_default()).unwrap_or(Value::Null),
                )
            })
            .collect(),
    };
    Stored { rows, events }
}

fn sheet_count(db: &Db) -> i64 {
    let mut conn = db.connection().expect("connection");
    score_sheets::table
        .count()
        .get_result(&mut conn)
        .expect("count")
}

/// A sheet as written by this test is whole when it is one row, version n has exactly n audit
/// events (one per acknowledged or committed write, none for a write that never happened), and
/// the last event's snapshot is the row: no row without its event, no event without its row.
fn assert_whole(db: &Db, tablet: &Tablet) -> Option<i32> {
    let stored = stored(db, &tablet.client_id);
    assert!(
        stored.rows.len() <= 1,
        "duplicate rows for {}",
        tablet.client_id
    );
    let (_, version, status, marks) = stored.rows.first()?;
    assert_eq!(status, "submitted");
    assert_eq!(
        stored.events.len(),
        usize::try_from(*version).unwrap(),
        "sheet {} at version {version} has {} audit events",
        tablet.client_id,
        stored.events.len()
    );
    let (action, last) = stored.events.last().expect("an event");
    assert_eq!(action, "sheet.submit");
    assert_eq!(last["version"], *version);
    let row_marks: Value = serde_json::from_str(marks).expect("marks JSON");
    assert_eq!(
        last["marks"], row_marks,
        "the last event's marks are the row's"
    );
    Some(*version)
}

// ---------------------------------------------------------------------------------------------
// 1. kill -9 mid-stream

/// Acknowledged writes after which round `round` kills the server: early, late and between.
fn kill_point(round: usize) -> usize {
    [1, 150, 40, 400, 10, 250, 75][round % 7] + round
}

fn crash_rounds() -> usize {
    std::env::var("SKILLBOARD_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

async fn kill_minus_nine_loses_no_acknowledged_sheet(backend: Backend) {
    let db = TestDb::create(&backend);
    let judges = seed_demo(&db.url);
    let http = client();
    let mut server = Server::start(&db, &db.url, "serve-0.log");
    let judges = sign_in(&http, &server.url, &judges).await;
    let mut tablets = tablets(&http, &server.url, &judges).await;
    assert!(tablets.len() >= 100, "{} tablets", tablets.len());
    let rounds = crash_rounds();
    eprintln!(
        "crash test on {}: {} tablets (11 judges), {rounds} rounds",
        backend.name(),
        tablets.len()
    );
    for round in 0..rounds {
        // Submit until the kill point, then kill -9 while every tablet has a write in flight.
        let acks = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = tablets
            .drain(..)
            .map(|tablet| {
                tokio::spawn(keep_submitting(
                    http.clone(),
                    server.url.clone(),
                    tablet,
                    acks.clone(),
                    stop.clone(),
                ))
            })
            .collect();
        let point = kill_point(round);
        wait_for_acks(&acks, point).await;
        // A few milliseconds more or less, so the kill lands at different places of the group
        // commit's cycle (collecting, writing, fsyncing, answering).
        tokio::time::sleep(Duration::from_millis((round as u64 * 7) % 13)).await;
        server.kill9();
        let acked_this_round = acks.load(Ordering::SeqCst);
        for task in tasks {
            tablets.push(task.await.expect("tablet task"));
        }

        // The database as the crash left it: whole sheets, an intact chain.
        audit_verifies(&db.url);
        server = Server::start(&db, &db.url, &format!("serve-{}.log", round + 1));
        let store = open_db(&db.url);
        let base = server.url.clone();
        let (mut acked_sheets, mut found, mut in_flight, mut in_flight_committed) = (0, 0, 0, 0);
        let mut retried_from_store = 0;
        for tablet in &mut tablets {
            let stored_version = assert_whole(&store, tablet);
            let (status, view) = get_sheet(&http, &base, tablet).await;
            if tablet.acked > 0 {
                acked_sheets += 1;
                assert_eq!(
                    status, 200,
                    "acknowledged sheet {} is gone",
                    tablet.client_id
                );
                found += 1;
            }
            if status == 200 {
                let version = i32::try_from(view["version"].as_i64().unwrap()).unwrap();
                assert_eq!(Some(version), stored_version);
                // The stored version is the last acknowledged one, or the one in flight at the
                // kill (committed, its answer lost): never older, never anything else.
                let allowed = match tablet.in_flight {
                    Some(next) => version == tablet.acked || version == next,
                    None => version == tablet.acked,
                };
                assert!(
                    allowed,
                    "sheet {} stored at v{version}, acknowledged v{}, in flight {:?}",
                    tablet.client_id, tablet.acked, tablet.in_flight
                );
                assert_eq!(view["status"], "submitted");
                assert_eq!(
                    marks_of(&view),
                    marks_of(&tablet.body(version)),
                    "sheet {} v{version} holds other marks than were sent",
                    tablet.client_id
                );
                if tablet.in_flight == Some(version) {
                    in_flight_committed += 1;
                }
            } else {
                assert_eq!(status, 404, "{view}");
                assert_eq!(tablet.acked, 0);
            }
            // The tablet sends its unanswered write again, as the judge app's outbox does.
            if let Some(next) = tablet.in_flight.take() {
                in_flight += 1;
                let (status, reply) = put(&http, &base, tablet, &tablet.body(next))
                    .await
                    .expect("retry");
                assert!(
                    status == 200 || status == 201,
                    "retry after restart: {status} {reply}"
                );
                if stored_version == Some(next) {
                    assert_eq!(
                        status, 200,
                        "a committed write retried is answered from the store"
                    );
                    retried_from_store += 1;
                }
                tablet.acked = next;
            }
        }
        let expected_rows = DEMO_SHEETS + tablets.iter().filter(|t| t.acked > 0).count() as i64;
        assert_eq!(
            sheet_count(&store),
            expected_rows,
            "no sheet rows but these"
        );
        let acked_writes: i32 = tablets.iter().map(|t| t.acked).sum();
        eprintln!(
            "  round {round} ({}): killed after {acked_this_round} acknowledged writes (kill point {point}); \
             sheets acknowledged {acked_sheets}, found after restart {found}, each at its acknowledged version or the one in flight; \
             writes in flight {in_flight}, of which committed {in_flight_committed} \
             (their retry answered 200 from the store: {retried_from_store}); \
             {acked_writes} writes acknowledged since the start",
            backend.name()
        );
    }
    audit_verifies(&db.url);
}

#[tokio::test]
async fn kill_minus_nine_on_sqlite_loses_no_acknowledged_sheet() {
    kill_minus_nine_loses_no_acknowledged_sheet(Backend::Sqlite).await;
}

#[tokio::test]
async fn kill_minus_nine_on_postgres_loses_no_acknowledged_sheet() {
    if let Some(backend) = Backend::postgres() {
        kill_minus_nine_loses_no_acknowledged_sheet(backend).await;
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Duplicates: retries to one node, the same sheet to two nodes

/// Sends `body` for each tablet `copies` times at once to each of `servers`; returns the
/// answers per tablet.
async fn send_at_once(
    http: &reqwest::Client,
    servers: &[String],
    tablets: &[Tablet],
    body: impl Fn(&Tablet) -> Value,
    copies: usize,
) -> Vec<Vec<(u16, Value)>> {
    let mut answers = Vec::new();
    for tablet in tablets {
        let mut sends = Vec::new();
        for _ in 0..copies {
            for base in servers {
                let (http, base, tablet, body) =
                    (http.clone(), base.clone(), tablet.clone(), body(tablet));
                sends.push(tokio::spawn(async move {
                    put(&http, &base, &tablet, &body).await.expect("PUT")
                }));
            }
        }
        answers.push(sends);
    }
    let mut results = Vec::new();
    for sends in answers {
        let mut replies = Vec::new();
        for send in sends {
            replies.push(send.await.expect("send"));
        }
        results.push(replies);
    }
    results
}

/// Every tablet's sheet went in once: one 201, the rest 200 with the same sheet, one row and
/// one audit event.
fn assert_stored_once(db: &Db, tablets: &[Tablet], answers: &[Vec<(u16, Value)>]) {
    for (tablet, replies) in tablets.iter().zip(answers) {
        let created = replies.iter().filter(|(status, _)| *status == 201).count();
        assert_eq!(created, 1, "{replies:?}");
        for (status, body) in replies {
            assert!(*status == 200 || *status == 201, "{status} {body}");
            assert_eq!(body["client_id"], tablet.client_id.as_str());
            assert_eq!(body["version"], 1);
            assert_eq!(marks_of(body), marks_of(&tablet.body(1)));
            assert_eq!(
                body["submitted_at"], replies[0].1["submitted_at"],
                "the stored sheet, not a new save"
            );
        }
        let stored = stored(db, &tablet.client_id);
        assert_eq!(stored.rows.len(), 1);
        let actions: Vec<&str> = stored.events.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(actions, ["sheet.submit"], "one audit event per sheet");
    }
}

async fn retries_to_one_node_store_a_sheet_once(backend: Backend) {
    let db = TestDb::create(&backend);
    let judges = seed_demo(&db.url);
    let http = client();
    let server = Server::start(&db, &db.url, "serve.log");
    let judges = sign_in(&http, &server.url, &judges).await;
    let tablets: Vec<Tablet> = tablets(&http, &server.url, &judges)
        .await
        .into_iter()
        .take(20)
        .collect();
    let before = sheet_count(&open_db(&db.url));
    // Eight copies of each sheet at once: a tablet that times out and sends again, and again.
    let answers = send_at_once(
        &http,
        std::slice::from_ref(&server.url),
        &tablets,
        |t| t.body(1),
        8,
    )
    .await;
    let store = open_db(&db.url);
    assert_stored_once(&store, &tablets, &answers);
    // And once more after the fact: still the stored sheet.
    let again = send_at_once(
        &http,
        std::slice::from_ref(&server.url),
        &tablets[..1],
        |t| t.body(1),
        1,
    )
    .await;
    assert_eq!(again[0][0].0, 200);
    assert_eq!(sheet_count(&store), before + tablets.len() as i64);
    audit_verifies(&db.url);
}

#[tokio::test]
async fn retries_to_one_node_store_a_sheet_once_on_sqlite() {
    retries_to_one_node_store_a_sheet_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn retries_to_one_node_store_a_sheet_once_on_postgres() {
    if let Some(backend) = Backend::postgres() {
        retries_to_one_node_store_a_sheet_once(backend).await;
    }
}

/// Two `skillboard serve` processes on one PostgreSQL schema, each sheet sent to both at once
/// (three copies each): one sheet, one audit event, every answer the same sheet. Then a
/// conflicting payload under a stored client UUID gets the documented 409s on either node.
#[tokio::test]
async fn the_same_sheet_sent_to_two_nodes_at_once_is_stored_once() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let db = TestDb::create(&backend);
    let judges = seed_demo(&db.url);
    let http = client();
    let one = Server::start(&db, &db.url, "node-1.log");
    let two = Server::start(&db, &db.url, "node-2.log");
    let nodes = [one.url.clone(), two.url.clone()];
    let judges = sign_in(&http, &one.url, &judges).await;
    let tablets: Vec<Tablet> = tablets(&http, &one.url, &judges)
        .await
        .into_iter()
        .take(40)
        .collect();
    let before = sheet_count(&open_db(&db.url));
    let answers = send_at_once(&http, &nodes, &tablets, |t| t.body(1), 3).await;
    let store = open_db(&db.url);
    assert_stored_once(&store, &tablets, &answers);
    assert_eq!(sheet_count(&store), before + tablets.len() as i64);

    // Two different version-2 edits of one sheet, one to each node at once: one wins, the
    // other is told the server has a newer version; what is stored is the winner's.
    let tablet = &tablets[0];
    let edit = |seed: usize| sheet_body(&tablet.judge.module, &tablet.team, 2, seed + 1000);
    let (first_edit, second_edit) = (edit(1), edit(2));
    let (a, b) = tokio::join!(
        put(&http, &nodes[0], tablet, &first_edit),
        put(&http, &nodes[1], tablet, &second_edit)
    );
    let (a, b) = (a.expect("PUT"), b.expect("PUT"));
    let (winner, loser, winning_body) = if a.0 == 200 {
        (a, b, edit(1))
    } else {
        (b, a, edit(2))
    };
    assert_eq!(winner.0, 200, "{winner:?} {loser:?}");
    assert_eq!(loser.0, 409, "{loser:?}");
    assert_eq!(loser.1["code"], "sheet.stale_version");
    let (_, view) = get_sheet(&http, &nodes[1], tablet).await;
    assert_eq!(marks_of(&view), marks_of(&winning_body));
    assert_eq!(stored(&store, &tablet.client_id).events.len(), 2);
    conflicting_payloads_get_the_documented_answer(&http, &nodes, &tablets[1], &tablets[2]).await;
    audit_verifies(&db.url);
}

/// A client UUID already stored, sent with other marks under the same version, is refused with
/// `sheet.stale_version`; under another team's sheet with `sheet.id_reused`; nothing changes.
async fn conflicting_payloads_get_the_documented_answer(
    http: &reqwest::Client,
    nodes: &[String],
    stored_tablet: &Tablet,
    other: &Tablet,
) {
    let (_, before) = get_sheet(http, &nodes[0], stored_tablet).await;
    for base in nodes {
        let other_marks = sheet_body(&stored_tablet.judge.module, &stored_tablet.team, 1, 999);
        assert_ne!(marks_of(&other_marks), marks_of(&before));
        let (status, body) = put(http, base, stored_tablet, &other_marks)
            .await
            .expect("PUT");
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("sheet.stale_version")),
            "{body}"
        );

        // Same UUID, another team's sheet.
        let mut reused = stored_tablet.clone();
        reused.team = other.team.clone();
        reused.judge = other.judge.clone();
        let (status, body) = put(http, base, &reused, &reused.body(1))
            .await
            .expect("PUT");
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["code"], "sheet.id_reused", "{body}");
    }
    let (_, after) = get_sheet(http, &nodes[0], stored_tablet).await;
    assert_eq!(before, after, "a refused write changes nothing");
}

async fn conflicting_payload_on_one_node(backend: Backend) {
    let db = TestDb::create(&backend);
    let judges = seed_demo(&db.url);
    let http = client();
    let server = Server::start(&db, &db.url, "serve.log");
    let judges = sign_in(&http, &server.url, &judges).await;
    let tablets = tablets(&http, &server.url, &judges).await;
    // Two tablets of the same judge, so the reused UUID names the judge's own other team.
    let first = &tablets[0];
    let second = tablets
        .iter()
        .find(|t| t.judge.session == first.judge.session && t.team != first.team)
        .expect("a judge with two free teams");
    let (status, _) = put(&http, &server.url, first, &first.body(1))
        .await
        .expect("PUT");
    assert_eq!(status, 201);
    conflicting_payloads_get_the_documented_answer(
        &http,
        std::slice::from_ref(&server.url),
        first,
        second,
    )
    .await;
    let store = open_db(&db.url);
    assert_eq!(stored(&store, &first.client_id).events.len(), 1);
    assert!(stored(&store, &second.client_id).rows.is_empty());
}

#[tokio::test]
async fn a_conflicting_payload_under_a_stored_client_uuid_is_refused_on_sqlite() {
    conflicting_payload_on_one_node(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_conflicting_payload_under_a_stored_client_uuid_is_refused_on_postgres() {
    if let Some(backend) = Backend::postgres() {
        conflicting_payload_on_one_node(backend).await;
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Backup while judges submit, restore elsewhere

async fn a_backup_taken_while_judges_submit_restores_every_earlier_sheet(backend: Backend) {
    let db = TestDb::create(&backend);
    let judges = seed_demo(&db.url);
    let http = client();
    let server = Server::start(&db, &db.url, "serve.log");
    let judges = sign_in(&http, &server.url, &judges).await;
    let tablets = tablets(&http, &server.url, &judges).await;
    let out = db.path("contest-day.backup");

    let acks = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = tablets
        .into_iter()
        .map(|tablet| {
            tokio::spawn(keep_submitting(
                http.clone(),
                server.url.clone(),
                tablet,
                acks.clone(),
                stop.clone(),
            ))
        })
        .collect();
    wait_for_acks(&acks, 150).await;
    // Pause the tablets to take an exact record of what was acknowledged so far (each finishes
    // the write it has in flight), then let them go on while the backup runs.
    stop.store(true, Ordering::SeqCst);
    let mut tablets = Vec::new();
    for task in tasks {
        tablets.push(task.await.expect("tablet task"));
    }
    let before_backup: HashMap<String, i32> = tablets
        .iter()
        .filter(|t| t.acked > 0)
        .map(|t| (t.client_id.clone(), t.acked))
        .collect();
    let acked_writes_before = acks.load(Ordering::SeqCst);

    let (url, out_path) = (db.url.clone(), out.clone());
    let backup = tokio::task::spawn_blocking(move || {
        // Give the tablets a head start so the copy is taken under load.
        std::thread::sleep(Duration::from_millis(100));
        run_ok(&url, &["backup", "--out", out_path.to_str().unwrap()])
    });
    let tablets = run_tablets(&http, &server.url, tablets, async move {
        let printed = backup.await.expect("backup task");
        eprintln!("  {}", printed.trim());
        // Keep going a moment after the copy, so there are writes it must not have.
        tokio::time::sleep(Duration::from_millis(100)).await;
    })
    .await;
    drop(server);
    let acked_total: i32 = tablets.iter().map(|t| t.acked).sum();

    // A second backup under the same name is refused: a backup never overwrites.
    let refused = skillboard(&db.url)
        .args(["backup", "--out", out.to_str().unwrap()])
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("exists already"));

    // Restore into a new, empty place and start a server there.
    let restored_url = TestDb::fresh_url(&backend, &db.dir, "restored.db");
    let printed = run_ok(&restored_url, &["restore", "--from", out.to_str().unwrap()]);
    assert!(printed.contains("intact"), "{printed}");
    audit_verifies(&restored_url);
    let restored = Server::start(&db, &restored_url, "restored.log");
    let mut found = 0;
    let mut newer = 0;
    for tablet in tablets
        .iter()
        .filter(|t| before_backup.contains_key(&t.client_id))
    {
        let (status, view) = get_sheet(&http, &restored.url, tablet).await;
        assert_eq!(
            status, 200,
            "sheet {} acknowledged before the backup is missing",
            tablet.client_id
        );
        let version = i32::try_from(view["version"].as_i64().unwrap()).unwrap();
        assert!(version >= before_backup[&tablet.client_id]);
        assert!(version <= tablet.acked + 1);
        assert_eq!(marks_of(&view), marks_of(&tablet.body(version)));
        if version > before_backup[&tablet.client_id] {
            newer += 1;
        }
        found += 1;
    }
    assert_eq!(found, before_backup.len());
    let store = open_db(&restored_url);
    for tablet in &tablets {
        assert_whole(&store, tablet);
    }
    drop(restored);

    // Restoring over a database in use, or into one that is not empty, is refused.
    let again = skillboard(&restored_url)
        .args(["restore", "--from", out.to_str().unwrap()])
        .output()
        .expect("run");
    assert!(
        !again.status.success(),
        "a restore over existing data must be refused"
    );
    eprintln!(
        "backup test on {}: {acked_writes_before} writes acknowledged before the backup, on {} sheets; \
         all {found} found in the restored copy ({newer} at a later version written during the backup); \
         {acked_total} writes acknowledged in all",
        backend.name(),
        before_backup.len()
    );
}

#[tokio::test]
async fn a_backup_taken_while_judges_submit_restores_every_earlier_sheet_on_sqlite() {
    a_backup_taken_while_judges_submit_restores_every_earlier_sheet(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_backup_taken_while_judges_submit_restores_every_earlier_sheet_on_postgres() {
    if let Some(backend) = Backend::postgres() {
        a_backup_taken_while_judges_submit_restores_every_earlier_sheet(backend).await;
    }
}

/// `restore --replace` over a SQLite file refuses while a server has it open, and replaces it
/// (WAL and all) once the server is gone.
#[tokio::test]
async fn restore_over_a_sqlite_database_in_use_is_refused() {
    let db = TestDb::create(&Backend::Sqlite);
    seed_demo(&db.url);
    let out = db.path("before.backup");
    run_ok(&db.url, &["backup", "--out", out.to_str().unwrap()]);
    let mut server = Server::start(&db, &db.url, "serve.log");
    let refused = skillboard(&db.url)
        .args(["restore", "--replace", "--from", out.to_str().unwrap()])
        .output()
        .expect("run");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("in use"),
        "{refused:?}"
    );
    let without_replace = skillboard(&db.url)
        .args(["restore", "--from", out.to_str().unwrap()])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&without_replace.stderr).contains("--replace"));
    server.kill9();
    let printed = run_ok(
        &db.url,
        &["restore", "--replace", "--from", out.to_str().unwrap()],
    );
    assert!(
        printed.contains(&format!("{DEMO_SHEETS} score sheet(s)")),
        "{printed}"
    );
    let _server = Server::start(&db, &db.url, "serve-2.log");
    assert_eq!(sheet_count(&open_db(&db.url)), DEMO_SHEETS);
}

// ---------------------------------------------------------------------------------------------
// The two guards behind the two-node answers, provoked directly (the batch lock makes the
// races rare enough that the HTTP tests above cannot be relied on to hit them).

/// An update from a version that has moved on changes nothing and says so: two edits of one
/// version never both win, even if two nodes' transactions interleave.
#[tokio::test]
async fn a_sheet_update_from_a_moved_version_changes_nothing() {
    let db = TestDb::create(&Backend::Sqlite);
    seed_demo(&db.url);
    let store = open_db(&db.url);
    let mut conn = store.connection().expect("connection");
    let conn: &mut skillboard::store::DbConnection = &mut conn;
    let sheet: skillboard::store::judging::ScoreSheet = score_sheets::table
        .select(skillboard::store::judging::ScoreSheet::as_select())
        .first(conn)
        .expect("a demo sheet");
    let mut edited = sheet.clone();
    edited.version = sheet.version + 1;
    edited.marks = "{}".into();
    let stale =
        skillboard::store::judging::update_sheet_at_version(conn, &edited, sheet.version - 1)
            .expect("update");
    assert!(!stale, "an update from an older version must not apply");
    let unchanged = skillboard::store::judging::sheet_by_client_id(conn, &sheet.client_id)
        .expect("read")
        .expect("the sheet");
    assert_eq!(
        (unchanged.version, unchanged.marks),
        (sheet.version, sheet.marks.clone())
    );
    assert!(
        skillboard::store::judging::update_sheet_at_version(conn, &edited, sheet.version)
            .expect("update")
    );
}

/// A PostgreSQL deadlock (40P01) is answered as 503 `database.retry`, which the sheet route
/// runs again and the judge app re-sends, not as a 500.
#[test]
fn a_postgres_deadlock_is_a_retry_not_an_internal_error() {
    let Some(Backend::Postgres { base_url }) = Backend::postgres() else {
        return;
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    skillboard::store::prepare_libpq();
    let mut setup = diesel::PgConnection::establish(&base_url).expect("connect");
    setup
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; CREATE TABLE {schema}.locks (id INT PRIMARY KEY);
             INSERT INTO {schema}.locks VALUES (1), (2);"
        ))
        .expect("set up");
    // Two transactions lock rows 1 and 2 in opposite orders; PostgreSQL breaks the cycle by
    // failing one of them.
    let barrier = Arc::new(std::sync::Barrier::new(2));
    let outcomes: Vec<Result<(), diesel::result::Error>> = [(1, 2), (2, 1)]
        .into_iter()
        .map(|(first, second)| {
            let (url, schema, barrier) = (base_url.clone(), schema.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut conn = diesel::PgConnection::establish(&url).expect("connect");
                conn.transaction(|conn| {
                    conn.batch_execute(&format!(
                        "SELECT * FROM {schema}.locks WHERE id = {first} FOR UPDATE"
                    ))?;
                    barrier.wait();
                    conn.batch_execute(&format!(
                        "SELECT * FROM {schema}.locks WHERE id = {second} FOR UPDATE"
                    ))
                })
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|thread| thread.join().expect("thread"))
        .collect();
    let failed: Vec<_> = outcomes.into_iter().filter_map(Result::err).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    let error = skillboard::error::ApiError::from(failed.into_iter().next().unwrap());
    assert_eq!(error.code(), "database.retry");
    assert_eq!(error.status().as_u16(), 503);
    setup
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .expect("clean up");
}
