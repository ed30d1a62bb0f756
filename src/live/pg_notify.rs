//! Several nodes on one PostgreSQL database (DESIGN §4): every node LISTENs on
//! [`NOTIFY_CHANNEL`]; the node that commits a change NOTIFYs `CONTEST_ID VERSION NODE_ID`, and
//! each other node refreshes that board and pushes to its own sockets.
//!
//! diesel's `PgConnection::notifications_iter` does not wait for a notification, it only reads
//! what has arrived; so the listener has a connection and a thread of its own and polls. It
//! reconnects with backoff when the connection fails, and asks the hub to refresh every board
//! it holds after a reconnect, since notifications sent meanwhile are lost.
//!
//! Tests run many servers on one database (a schema each); notifications for contests another
//! schema holds reach every node, and the hub ignores ids its own database does not know.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::hub::{BoardHub, Job, WeakHub, NOTIFY_CHANNEL};

const POLL_INTERVAL: Duration = Duration::from_millis(50);
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A query now and then: a connection the server dropped is noticed even when idle.
const LIVENESS_CHECK: Duration = Duration::from_secs(15);

/// Set when the process exits; listeners then never call libpq again.
static EXITING: AtomicBool = AtomicBool::new(false);
/// Listeners inside a libpq call right now.
static IN_LIBPQ: AtomicUsize = AtomicUsize::new(0);
static AT_EXIT: Once = Once::new();

/// At process exit, libpq's OpenSSL is torn down by an `atexit` handler while this thread may
/// still be polling, which corrupts the heap. Registered after the first connection (so after
/// OpenSSL's own handler, and atexit handlers run in reverse), this handler runs first: it
/// stops the listeners and waits briefly for any call in progress to return.
extern "C" fn stop_listeners_at_exit() {
    EXITING.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_millis(500);
    while IN_LIBPQ.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `f` (which calls libpq) unless the process is exiting; then parks this thread for good.
fn with_libpq<T>(f: impl FnOnce() -> T) -> T {
    IN_LIBPQ.fetch_add(1, Ordering::SeqCst);
    if EXITING.load(Ordering::SeqCst) {
        IN_LIBPQ.fetch_sub(1, Ordering::SeqCst);
        loop {
            std::thread::park();
        }
    }
    let result = f();
    IN_LIBPQ.fetch_sub(1, Ordering::SeqCst);
    result
}

pub(crate) fn spawn(url: String, hub: &BoardHub) {
    let hub = hub.downgrade();
    let spawned = std::thread::Builder::new()
        .name("board-listen".into())
        .spawn(move || run(&url, &hub));
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the LISTEN thread; other nodes' changes will not show");
    }
}

/// The payload of a notification: the contest and the version, unless this node sent it.
pub fn parse_payload<'a>(payload: &'a str, own_node: &str) -> Option<(&'a str, i64)> {
    let mut parts = payload.split(' ');
    let contest = parts.next().filter(|c| !c.is_empty())?;
    let version = parts.next()?.parse().ok()?;
    let node = parts.next()?;
    (node != own_node).then_some((contest, version))
}

/// Keeps a LISTEN connection open for as long as the hub lives.
fn run(url: &str, hub: &WeakHub) {
    let mut backoff = FIRST_BACKOFF;
    let mut connected_before = false;
    while let Some(node) = hub.node() {
        let connected = with_libpq(|| {
            crate::store::prepare_libpq();
            PgConnection::establish(url)
                .map_err(|e| e.to_string())
                .and_then(|mut conn| {
                    conn.batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}"))
                        .map(|()| conn)
                        .map_err(|e| e.to_string())
                })
        });
        AT_EXIT.call_once(|| {
            // SAFETY: registers a plain function with no captured state.
            unsafe {
                libc::atexit(stop_listeners_at_exit);
            }
        });
        let mut conn = match connected {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, retry_in = ?backoff, "cannot LISTEN for board changes");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = FIRST_BACKOFF;
        if connected_before && !hub.send(Job::RefreshAll) {
            return;
        }
        connected_before = true;
        tracing::info!(
            channel = NOTIFY_CHANNEL,
            "listening for other nodes' board changes"
        );
        let mut checked = Instant::now();
        loop {
            let arrived: Result<Vec<String>, _> = with_libpq(|| {
                conn.notifications_iter()
                    .map(|n| n.map(|n| n.payload))
                    .collect()
            });
            let payloads = match arrived {
                Ok(payloads) => payloads,
                Err(error) => {
                    tracing::warn!(%error, "the LISTEN connection failed; reconnecting");
                    break;
                }
            };
            for payload in payloads {
                if let Some((contest_id, _version)) = parse_payload(&payload, &node) {
                    let job = Job::Changed {
                        contest_id: contest_id.to_owned(),
                        bump: false,
                    };
                    if !hub.send(job) {
                        return close(conn);
                    }
                }
            }
            if hub.node().is_none() {
                return close(conn);
            }
            if checked.elapsed() >= LIVENESS_CHECK {
                checked = Instant::now();
                if let Err(error) = with_libpq(|| conn.batch_execute("SELECT 1")) {
                    tracing::warn!(%error, "the LISTEN connection failed; reconnecting");
                    break;
                }
            }
            std::thread::sleep(POLL_INTERVAL);
        }
        close(conn);
    }
}

/// Closes the connection (a libpq call, so not while the process exits).
fn close(conn: PgConnection) {
    with_libpq(|| drop(conn));
}

#[cfg(test)]
mod tests {
    use super::parse_payload;

    #[test]
    fn a_node_ignores_its_own_notifications_and_malformed_ones() {
        assert_eq!(parse_payload("c1 7 other", "me"), Some(("c1", 7)));
        assert_eq!(parse_payload("c1 7 me", "me"), None);
        assert_eq!(parse_payload("c1 seven other", "me"), None);
        assert_eq!(parse_payload("", "me"), None);
    }
}
