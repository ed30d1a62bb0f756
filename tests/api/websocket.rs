//! Board sockets: snapshot then updates, resync, a paused client, the progress socket, and two
//! nodes on one PostgreSQL database.

use std::time::Duration;

use chrono::Utc;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use skillboard::live::Channel;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::boards::{eventually, fixture, fixture_on, second_node, team_code};
use crate::helpers::{spawn_app_on, TestApp, TestBackend, TestDatabase, PASSWORD};
use crate::judging::{full_sheet, judge_session, running_contest, CODES, TEAM_NAMES};
use crate::on_both_backends;

/// A socket and the board it has been told about so far: `next_json` applies each patch to it
/// the way a client does (and fails if the server sent a patch from a version the socket did
/// not get), so every message the tests see carries a whole `board`.
#[derive(Debug)]
struct Socket {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    board: Option<Value>,
    version: i64,
    /// Bytes of the text messages read so far.
    bytes_read: usize,
}

impl Socket {
    fn new(stream: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Socket {
        Socket {
            stream,
            board: None,
            version: i64::MIN,
            bytes_read: 0,
        }
    }

    /// Gives patches their whole board and remembers the board of every message.
    fn follow(&mut self, mut message: Value) -> Value {
        if message["type"] == "patch" {
            assert!(
                message["base"].as_i64() <= Some(self.version),
                "a patch from a version after the one this socket has: {message}"
            );
            let before = self.board.as_ref().expect("a board before a patch");
            let after = skillboard::live::patch::apply(before, &message["patch"])
                .unwrap_or_else(|error| panic!("the patch does not apply ({error:?}): {message}"));
            message["board"] = after;
        }
        if let Some(board) = message.get("board") {
            self.board = Some(board.clone());
            self.version = version(&message);
        }
        message
    }
}

impl std::ops::Deref for Socket {
    type Target = WebSocketStream<MaybeTlsStream<TcpStream>>;
    fn deref(&self) -> &Self::Target {
        &self.stream
    }
}

impl std::ops::DerefMut for Socket {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.stream
    }
}

/// A message that moves a board on: a whole board or a patch.
fn is_update(message: &Value) -> bool {
    message["type"] == "update" || message["type"] == "patch"
}

const WAIT: Duration = Duration::from_secs(20);

async fn connect(app: &TestApp, path: &str) -> Socket {
    let url = format!("ws://127.0.0.1:{}{path}", app.port);
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the socket opens");
    Socket::new(socket)
}

/// The next JSON message, skipping pings; fails after a generous timeout.
async fn next_json(socket: &mut Socket) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("a valid frame");
        match message {
            Message::Text(text) => {
                socket.bytes_read += text.len();
                return socket.follow(serde_json::from_str(&text).expect("JSON"));
            }
            Message::Close(frame) => panic!("the server closed the socket: {frame:?}"),
            _ => continue,
        }
    }
}

/// Reads until a message satisfies `wanted`; fails after a generous timeout.
async fn until(socket: &mut Socket, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let message = tokio::time::timeout_at(deadline, next_json(socket))
            .await
            .unwrap_or_else(|_| panic!("no {what} came"));
        if wanted(&message) {
            return message;
        }
    }
}

fn version(message: &Value) -> i64 {
    message["version"].as_i64().expect("a version")
}

async fn a_socket_gets_a_snapshot_then_an_update_after_a_sheet_is_committed(backend: TestBackend) {
    let f = fixture(&backend, "codes", 2).await;
    let mut socket = connect(&f.app, &format!("/ws/contests/{}/board", f.slug)).await;

    let snapshot = until(&mut socket, "the snapshot", |m| m["type"] == "snapshot").await;
    assert_eq!(snapshot["board"]["rows"].as_array().unwrap().len(), 2);
    assert!(!snapshot.to_string().contains("Secret Team"));

    f.submit(1, 0, 750, Utc::now().naive_utc()).await;

    let update = until(&mut socket, "update with the sheet", |m| {
        m["board"]["rows"][0]["total"] == json!(7.5)
    })
    .await;
    assert_eq!(
        update["type"], "patch",
        "one team's sheet moves the board by a patch"
    );
    assert_eq!(update["patch"]["rows"].as_array().map(Vec::len), Some(1));
    assert!(version(&update) > version(&snapshot), "{update}");
    assert_eq!(update["board"]["rows"][0]["code"], team_code(2));
    assert!(!update.to_string().contains("Secret Team"));
}

/// A version bump that leaves the public board as it was pushes nothing; the change after it
/// still reaches the socket as a patch (based on the board the socket has), not as a snapshot.
async fn a_bump_that_changes_nothing_costs_sockets_no_snapshot(backend: TestBackend) {
    let f = fixture(&backend, "codes", 3).await;
    let mut socket = connect(&f.app, &format!("/ws/contests/{}/board", f.slug)).await;
    let snapshot = until(&mut socket, "the snapshot", |m| m["type"] == "snapshot").await;
    let seen = version(&snapshot);

    f.app.hub.contest_changed(&f.contest_id);
    eventually("the empty bump to be published", || async {
        (f.app.hub.published_version(&f.contest_id) > Some(seen)).then_some(())
    })
    .await;
    f.submit(2, 0, 600, Utc::now().naive_utc()).await;

    let next = next_json(&mut socket).await;
    assert_eq!(next["type"], "patch", "{next}");
    assert!(next["base"].as_i64() <= Some(seen), "{next}");
    assert_eq!(next["board"]["rows"][0]["code"], team_code(3));
}

async fn resync_returns_a_fresh_snapshot(backend: TestBackend) {
    let f = fixture(&backend, "names", 2).await;
    let mut socket = connect(&f.app, &format!("/ws/contests/{}/board", f.slug)).await;
    let first = next_json(&mut socket).await;
    f.submit(0, 0, 400, Utc::now().naive_utc()).await;
    let update = until(&mut socket, "the update", is_update).await;

    socket
        .send(Message::Text(r#"{"type":"resync"}"#.into()))
        .await
        .unwrap();
    let resynced = until(&mut socket, "a snapshot", |m| m["type"] == "snapshot").await;

    assert!(version(&resynced) >= version(&update));
    assert!(version(&resynced) > version(&first));
    assert_eq!(resynced["board"]["rows"][0]["name"], "Secret Team 1");
    socket
        .send(Message::Text(r#"{"type":"dance"}"#.into()))
        .await
        .unwrap();
    let error = until(&mut socket, "an error", |m| m["type"] == "error").await;
    assert_eq!(error["code"], "message.unknown");
}

/// A client that stops reading: its socket buffers fill (the server's is capped, so this takes
/// hundreds of kilobytes, not megabytes), its session's mailbox fills, the hub marks it stale.
/// Meanwhile the other client gets every update; and once the paused client reads again it
/// receives a fresh snapshot of the latest board.
async fn a_paused_client_does_not_delay_others_and_gets_a_snapshot_afterwards(
    backend: TestBackend,
) {
    // The pause takes a few seconds of rounds, longer under a loaded CI. Neither the kernel
    // (stalled bytes, 45 s by default; that is `a_client_that_never_reads_again_is_disconnected`'s
    // subject) nor the idle timer (no pong from a client that does not read, 30 s) may cut the
    // paused client meanwhile.
    let f = thousand_teams_without_idle_timer(&backend, Duration::from_secs(600)).await;
    let path = format!("/ws/contests/{}/board", f.slug);
    let mut paused = connect_with_small_buffer(&f.app, &path).await;
    let mut active = connect(&f.app, &path).await;
    assert_eq!(next_json(&mut paused).await["type"], "snapshot");
    assert_eq!(next_json(&mut active).await["type"], "snapshot");
    let stale_before = f.app.hub.stale_marks();

    let read_before = active.bytes_read;
    move_the_board_until(
        &f,
        &mut active,
        "the paused client found stale",
        Duration::ZERO,
        || f.app.hub.stale_marks() != stale_before,
    )
    .await;
    // What the paused client was sent meanwhile (the same as the active one): the server stops
    // writing to a reader that stopped before the kernel has buffered megabytes for it (~510 KB
    // with the capped send buffer; the kernel's own 4 MiB one took ~2.9 MB of patches to fill).
    let sent_while_paused = active.bytes_read - read_before;
    assert!(
        sent_while_paused < 1024 * 1024,
        "{sent_while_paused} bytes went to a reader that stopped before it was found stale"
    );

    // More changes after the paused client was found stale still reach the active one.
    f.submit(0, 0, 1000, Utc::now().naive_utc()).await;
    f.submit(0, 1, 1000, Utc::now().naive_utc()).await;
    let update = until(&mut active, "the update after the stall", |m| {
        m["board"]["rows"][0]["total"] == json!(20)
    })
    .await;
    assert_eq!(update["board"]["rows"][0]["code"], team_code(1));
    let newest = version(&update);

    let snapshot = until(&mut paused, "a fresh snapshot", |m| {
        m["type"] == "snapshot" && version(m) >= newest
    })
    .await;
    assert_eq!(snapshot["board"]["rows"][0]["code"], team_code(1));
}

/// A client that stops reading for good (its receive window stays shut) is cut once the
/// server's bytes have waited `stalled_connection_timeout`: its session leaves the hub, and the
/// other spectators carry on.
async fn a_client_that_never_reads_again_is_disconnected(backend: TestBackend) {
    // The idle timer (30 s) must not be what ends the stuck client.
    let f = thousand_teams_without_idle_timer(&backend, Duration::from_secs(2)).await;
    let path = format!("/ws/contests/{}/board", f.slug);
    let mut stuck = connect_with_small_buffer(&f.app, &path).await;
    let mut active = connect(&f.app, &path).await;
    assert_eq!(next_json(&mut stuck).await["type"], "snapshot");
    assert_eq!(next_json(&mut active).await["type"], "snapshot");
    assert_eq!(f.app.hub.subscribers(&f.contest_id, Channel::Board), 2);

    // Updates until the stuck client's buffers are full and the kernel has cut it.
    let pause = Duration::from_millis(100);
    move_the_board_until(&f, &mut active, "the stuck client cut", pause, || {
        f.app.hub.subscribers(&f.contest_id, Channel::Board) != 2
    })
    .await;
    // The stuck client's connection was reset, not politely closed: reading what the kernel
    // still holds for it ends in an error or the end of the stream.
    let cut = tokio::time::timeout(WAIT, async {
        while let Some(Ok(_)) = stuck.next().await {}
    })
    .await;
    assert!(cut.is_ok(), "the stuck client's stream never ended");
    f.submit(0, 0, 1000, Utc::now().naive_utc()).await;
    f.submit(0, 1, 1000, Utc::now().naive_utc()).await;
    until(&mut active, "the update after the cut", |m| {
        m["board"]["rows"][0]["total"] == json!(20)
    })
    .await;
}

/// A graceful stop (SIGTERM, a rolling restart) closes board sockets with 1001 "going away" at
/// once, so pages reconnect to another node; the stop then completes instead of waiting out the
/// 30 s grace period for sockets that would never end by themselves.
async fn a_graceful_stop_closes_sockets_with_going_away(backend: TestBackend) {
    let f = fixture(&backend, "codes", 1000).await;
    let path = format!("/ws/contests/{}/board", f.slug);
    let mut phone = connect(&f.app, &path).await;
    let mut projector = connect(&f.app, &path).await;
    assert_eq!(next_json(&mut phone).await["type"], "snapshot");
    assert_eq!(next_json(&mut projector).await["type"], "snapshot");

    let stopping = actix_web::rt::spawn(f.app.server.stop(true));
    for socket in [&mut phone, &mut projector] {
        let close = tokio::time::timeout(WAIT, async {
            loop {
                match socket.next().await {
                    Some(Ok(Message::Close(frame))) => return frame,
                    Some(Ok(_)) => continue,
                    other => panic!("the socket ended without a close frame: {other:?}"),
                }
            }
        })
        .await
        .expect("a close frame before the grace period ends")
        .expect("a close frame with a code");
        assert_eq!(u16::from(close.code), 1001, "{close:?}");
    }
    tokio::time::timeout(WAIT, stopping)
        .await
        .expect("the server stops without waiting out its grace period")
        .unwrap();
}

/// Submits sheets that reorder the board, one round at a time (with `pause` after each), until
/// `done`; the active client must receive every round's update meanwhile. Each round changes a
/// hundred teams' rows, so its patch carries kilobytes: a patch lists only what changed, and
/// one team's move alone is a few hundred bytes, which would take a thousand rounds to fill a
/// stopped reader's buffers.
async fn move_the_board_until(
    f: &crate::boards::Fixture,
    active: &mut Socket,
    what: &str,
    pause: Duration,
    done: impl Fn() -> bool,
) {
    let mut latest = 0;
    let mut rounds: usize = 0;
    while !done() {
        rounds += 1;
        assert!(rounds <= 400, "never came: {what}");
        let points = 50 * (i64::try_from(rounds).unwrap() % 21);
        let teams: Vec<usize> = (0..100).map(|i| (rounds * 100 + i) % 1000).collect();
        f.submit_many(&teams, 0, points, Utc::now().naive_utc())
            .await;
        let update = until(active, "the active client's update", |m| {
            is_update(m) && version(m) > latest
        })
        .await;
        latest = version(&update);
        actix_web::rt::time::sleep(pause).await;
    }
}

/// A board of a thousand teams (DESIGN §6) on a server that cuts a stalled connection after
/// `stalled_connection_timeout` and whose idle timer is out of the way: a client that stops
/// reading sends no pongs, and these tests are about what happens to it before 30 s of silence.
async fn thousand_teams_without_idle_timer(
    backend: &TestBackend,
    stalled_connection_timeout: Duration,
) -> crate::boards::Fixture {
    let app = spawn_app_on(TestDatabase::create(backend), |settings| {
        settings.stalled_connection_timeout = stalled_connection_timeout;
        settings.limits.socket_idle_timeout = Duration::from_secs(600);
    })
    .await;
    fixture_on(app, "codes", 1000).await
}

/// A client whose receive window is tiny, so the server's writes back up quickly.
async fn connect_with_small_buffer(app: &TestApp, path: &str) -> Socket {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket
        .connect(format!("127.0.0.1:{}", app.port).parse().unwrap())
        .await
        .unwrap();
    let url = format!("ws://127.0.0.1:{}{path}", app.port);
    let (socket, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
        .await
        .expect("the socket opens");
    Socket::new(socket)
}

async fn a_private_board_has_no_socket(backend: TestBackend) {
    let f = fixture(&backend, "private", 1).await;
    let url = format!("ws://127.0.0.1:{}/ws/contests/{}/board", f.app.port, f.slug);

    let refused = tokio_tungstenite::connect_async(url).await;

    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 404)
        }
        other => panic!("expected a 404, got {other:?}"),
    }
}

/// Sends `request` (a raw HTTP/1.1 request head, then `extra` bytes in the same write) and
/// returns everything the server wrote until it closed the connection.
async fn raw_exchange(app: &TestApp, request: &str, extra: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let mut bytes = request.as_bytes().to_vec();
    bytes.extend_from_slice(extra);
    stream.write_all(&bytes).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut answer))
        .await
        .expect("the server closes the connection after answering")
        .expect("the answer reads");
    String::from_utf8(answer).expect("a text answer")
}

fn upgrade_request(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
}

/// Upgrade requests are served outside actix-http's dispatcher (startup::upgrade); one that is
/// refused, or that asks for an ordinary resource, still gets the application's whole answer,
/// with its length, and the connection is closed rather than left half-switched.
async fn a_refused_or_ordinary_upgrade_request_gets_a_whole_answer_and_a_close(
    backend: TestBackend,
) {
    let f = fixture(&backend, "private", 1).await;

    let refused = raw_exchange(
        &f.app,
        &upgrade_request(&format!("/ws/contests/{}/board", f.slug)),
        b"",
    )
    .await;
    let (head, body) = refused.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 404"), "{refused}");
    assert!(head.contains("connection: close"), "{refused}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{refused}"
    );
    assert!(
        head.contains(&format!("content-length: {}", body.len())),
        "{refused}"
    );
    let problem: Value = serde_json::from_str(body).expect("a problem document");
    assert!(problem["code"].as_str().is_some(), "{problem}");

    let ordinary = raw_exchange(&f.app, &upgrade_request("/healthz"), b"").await;
    let (head, body) = ordinary.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 200"), "{ordinary}");
    assert!(
        head.contains(&format!("content-length: {}", body.len())),
        "{ordinary}"
    );
    assert!(!body.is_empty(), "{ordinary}");
}

/// A client may send its first frame right behind the handshake, before the 101 arrives; those
/// bytes reach the server with the request head and must reach the session.
async fn a_frame_sent_right_behind_the_handshake_reaches_the_session(backend: TestBackend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::protocol::Role;

    let f = fixture(&backend, "codes", 2).await;
    let mut resync = Frame::message(r#"{"type":"resync"}"#, OpCode::Data(Data::Text), true);
    resync.header_mut().mask = Some([7, 1, 8, 2]);
    let mut bytes = upgrade_request(&format!("/ws/contests/{}/board", f.slug)).into_bytes();
    resync.format(&mut bytes).unwrap();
    let mut stream = TcpStream::connect(("127.0.0.1", f.app.port)).await.unwrap();
    stream.write_all(&bytes).await.unwrap();

    let mut received = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 1024];
        let n = tokio::time::timeout(WAIT, stream.read(&mut chunk))
            .await
            .expect("the handshake answer in time")
            .unwrap();
        assert!(n > 0, "the server closed the connection: {received:?}");
        received.extend_from_slice(&chunk[..n]);
        if let Some(at) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    let socket = WebSocketStream::from_partially_read(
        MaybeTlsStream::Plain(stream),
        received[head_end..].to_vec(),
        Role::Client,
        None,
    )
    .await;
    let mut socket = Socket::new(socket);

    assert_eq!(next_json(&mut socket).await["type"], "snapshot");
    let answer = next_json(&mut socket).await;
    assert_eq!(
        answer["type"], "snapshot",
        "the resync is answered: {answer}"
    );
}

/// Signs in without a cookie jar and returns the session cookie, for a socket handshake.
async fn session_cookie(app: &TestApp, username: &str) -> String {
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

async fn the_progress_socket_counts_sheets_per_judge_and_module(backend: TestBackend) {
    let f = fixture(&backend, "codes", 2).await;
    let url = format!(
        "ws://127.0.0.1:{}/ws/contests/{}/progress",
        f.app.port, f.slug
    );
    let anonymous = tokio_tungstenite::connect_async(url.clone()).await;
    assert!(
        matches!(&anonymous, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 401),
        "{anonymous:?}"
    );
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "cookie",
        session_cookie(&f.app, "school.organizer")
            .await
            .parse()
            .unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut socket = Socket::new(socket);

    let snapshot = next_json(&mut socket).await;
    assert_eq!(snapshot["type"], "snapshot");
    assert_eq!(snapshot["board"]["teams"], 2);
    assert_eq!(snapshot["board"]["modules"][0]["expected"], 2);
    assert_eq!(snapshot["board"]["modules"][0]["submitted"], 0);

    f.submit(0, 0, 500, Utc::now().naive_utc()).await;

    let update = until(&mut socket, "progress", |m| {
        m["board"]["modules"][0]["submitted"] == 1
    })
    .await;
    let judge = &update["board"]["modules"][0]["judges"][0];
    assert_eq!(judge["name"], "Judge 0");
    assert_eq!(judge["submitted"], 1);
    assert_eq!(update["board"]["modules"][1]["submitted"], 0);
    assert_eq!(f.app.hub.subscribers(&f.contest_id, Channel::Progress), 1);
}

/// Two servers on one PostgreSQL schema: a change committed through the first reaches a
/// socket of the second through LISTEN/NOTIFY.
async fn a_change_committed_on_one_node_reaches_a_socket_on_another(backend: TestBackend) {
    let f = fixture(&backend, "codes", 2).await;
    let second = second_node(&f).await;
    let mut socket = connect(&second, &format!("/ws/contests/{}/board", f.slug)).await;
    let snapshot = next_json(&mut socket).await;
    assert_eq!(snapshot["type"], "snapshot");

    f.submit(0, 1, 650, Utc::now().naive_utc()).await;

    let update = until(&mut socket, "the other node's change", |m| {
        m["board"]["rows"][0]["total"] == json!(6.5)
    })
    .await;
    assert!(version(&update) > version(&snapshot));
    assert_eq!(update["board"]["rows"][0]["code"], team_code(1));
    eventually("the second node's HTTP board", || async {
        let reply = second
            .anonymous()
            .get(&format!("/api/v1/contests/{}/board", f.slug))
            .await;
        (reply.body["rows"][0]["total"] == json!(6.5)).then_some(())
    })
    .await;
}

#[actix_web::test]
async fn two_nodes_on_one_postgres_schema_share_board_changes() {
    // One node on SQLite: this test is PostgreSQL only.
    if let Some(backend) = TestBackend::postgres() {
        a_change_committed_on_one_node_reaches_a_socket_on_another(backend).await
    }
}

/// Signs a judge in from their link and returns the raw `sbk_` session secret.
async fn judge_secret(app: &TestApp, link_token: &str, pin: Option<&str>) -> String {
    let reply = app
        .anonymous()
        .post(
            "/api/v1/judge/session",
            &json!({"token": link_token, "pin": pin}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["session"].as_str().unwrap().to_owned()
}

async fn progress_socket_as_judge(
    app: &TestApp,
    secret: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    let url = format!(
        "ws://127.0.0.1:{}/ws/contests/ecommerce-2026/progress",
        app.port
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {secret}").parse().unwrap());
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| Socket::new(socket))
}

fn module<'a>(progress: &'a Value, code: &str) -> &'a Value {
    progress["board"]["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == code)
        .unwrap_or_else(|| panic!("module {code} in {progress}"))
}

fn judge_named<'a>(module: &'a Value, name: &str) -> &'a Value {
    module["judges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == name)
        .unwrap_or_else(|| panic!("judge {name} in {module}"))
}

/// The chief judge follows the same progress board as the organizers: who still owes which
/// team, the discrepancy flags still open, and the module locks, pushed as they change. Panel
/// judges may not open it.
async fn the_chief_judge_watches_outstanding_sheets_flags_and_locks(backend: TestBackend) {
    let app = crate::helpers::spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let zhang = judge_session(&app, &setup.judges[0].1, Some("2468")).await;
    let li = judge_session(&app, &setup.judges[1].1, None).await;
    let panel_judge = judge_secret(&app, &setup.judges[2].1, None).await;
    let refused = progress_socket_as_judge(&app, &panel_judge).await;
    assert!(
        matches!(&refused, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 403),
        "{refused:?}"
    );
    let chief_secret = judge_secret(&app, &setup.judges[3].1, None).await;
    let mut socket = progress_socket_as_judge(&app, &chief_secret)
        .await
        .expect("the chief judge opens the progress socket");

    let snapshot = until(&mut socket, "the snapshot", |m| m["type"] == "snapshot").await;
    let a = module(&snapshot, "A");
    assert_eq!(a["expected"], 6, "{a}");
    assert_eq!(a["open_flags"], 0);
    assert_eq!(
        judge_named(a, "Judge Li")["outstanding"],
        json!(CODES),
        "every team is still owed"
    );

    for code in CODES {
        let (zhang_level, li_level) = if code == "K7QM" { (0, 3) } else { (2, 2) };
        let path = || format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4());
        assert_eq!(
            zhang
                .put(&path(), &full_sheet(code, zhang_level, 1))
                .await
                .status,
            201
        );
        if code != "W9CD" {
            assert_eq!(
                li.put(&path(), &full_sheet(code, li_level, 1)).await.status,
                201
            );
        }
    }
    let flagged = until(&mut socket, "the flag", |m| {
        module(m, "A")["submitted"] == 5 && module(m, "A")["open_flags"] == 1
    })
    .await;
    let a = module(&flagged, "A");
    assert_eq!(
        a["flags"],
        json!([{"team": "K7QM", "criterion": "A2", "spread": 3, "threshold": a["flags"][0]["threshold"]}])
    );
    assert_eq!(judge_named(a, "Judge Li")["outstanding"], json!(["W9CD"]));
    assert_eq!(judge_named(a, "张评委")["outstanding"], json!([]));
    assert!(
        !flagged.to_string().contains(TEAM_NAMES[0]),
        "codes only: {flagged}"
    );

    let chief = crate::helpers::Session::with_bearer(&app.address, &chief_secret);
    let base = "/api/v1/contests/ecommerce-2026/modules/A";
    assert_eq!(
        li.put(
            &format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4()),
            &full_sheet("W9CD", 2, 1)
        )
        .await
        .status,
        201
    );
    let resolved = chief
        .post(&format!("{base}/resolutions"), &json!({"team": "K7QM", "criterion": "A2", "resolution": "accepted", "reason": "both readings defensible"}))
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert_eq!(
        chief.post(&format!("{base}/lock"), &json!({})).await.status,
        200
    );
    let locked = until(&mut socket, "the lock", |m| {
        module(m, "A")["locked"] == true
    })
    .await;
    let a = module(&locked, "A");
    assert_eq!(a["open_flags"], 0, "{a}");
    assert_eq!(a["submitted"], 6);
    assert_eq!(module(&locked, "B")["locked"], false);
}

/// Withdrawing a team takes it off the board at once: the socket's next update has one row
/// fewer, and the team is gone from it.
async fn a_withdrawn_team_leaves_the_board_on_the_socket(backend: TestBackend) {
    let f = fixture(&backend, "codes", 2).await;
    let mut socket = connect(&f.app, &format!("/ws/contests/{}/board", f.slug)).await;
    let snapshot = until(&mut socket, "the snapshot", |m| m["type"] == "snapshot").await;
    assert_eq!(snapshot["board"]["rows"].as_array().unwrap().len(), 2);
    // A sheet first, and its update: then no refresh from the set-up is still pending, and
    // only the withdrawal itself can move the board again.
    f.submit(1, 0, 650, Utc::now().naive_utc()).await;
    let marked = until(&mut socket, "the sheet", |m| {
        m["board"]["rows"][0]["total"] == json!(6.5)
    })
    .await;

    let withdrawn = f
        .hosts
        .school_organizer
        .post(
            &format!("/api/v1/contests/{}/teams/{}/withdraw", f.slug, f.teams[0]),
            &json!({"reason": "队员生病"}),
        )
        .await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);

    let update = until(&mut socket, "the board without the team", |m| {
        m["board"]["rows"]
            .as_array()
            .is_some_and(|rows| rows.len() == 1)
    })
    .await;
    assert!(is_update(&update), "{update}");
    assert_eq!(update["board"]["rows"][0]["code"], team_code(2));
    assert!(version(&update) > version(&marked));
}

on_both_backends!(
    a_socket_gets_a_snapshot_then_an_update_after_a_sheet_is_committed,
    a_bump_that_changes_nothing_costs_sockets_no_snapshot,
    resync_returns_a_fresh_snapshot,
    a_paused_client_does_not_delay_others_and_gets_a_snapshot_afterwards,
    a_private_board_has_no_socket,
    the_progress_socket_counts_sheets_per_judge_and_module,
    the_chief_judge_watches_outstanding_sheets_flags_and_locks,
    a_withdrawn_team_leaves_the_board_on_the_socket,
    a_client_that_never_reads_again_is_disconnected,
    a_refused_or_ordinary_upgrade_request_gets_a_whole_answer_and_a_close,
    a_frame_sent_right_behind_the_handshake_reaches_the_session,
    a_graceful_stop_closes_sockets_with_going_away,
);
