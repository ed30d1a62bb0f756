//! Prometheus metrics, rendered by `GET /metrics` (src/api/metrics.rs).
//!
//! One recorder per process (the `metrics` facade has one global recorder): the first
//! [`install`] builds it, later calls (several apps in one test process) share it. A thread
//! drains histogram samples every few seconds, so a server nobody scrapes does not hoard them.
//!
//! The names are below; the README (Metrics) says what each one means.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Requests answered, by `method`, matched `route` pattern and `status`.
pub const HTTP_REQUESTS: &str = "skillboard_http_requests_total";
/// Time to answer, by `method` and `route` (for a socket: until the 101 handshake answer).
pub const HTTP_SECONDS: &str = "skillboard_http_request_duration_seconds";
/// Sockets open now, by `channel` (`board` or `progress`).
pub const SOCKETS_OPEN: &str = "skillboard_sockets_open";
/// Board updates handed to a socket's mailbox, by `channel`.
pub const UPDATES_SENT: &str = "skillboard_socket_updates_sent_total";
/// Updates not delivered because the socket's mailbox was full (the socket is marked stale
/// and gets one fresh snapshot when it drains), by `channel`.
pub const UPDATES_DROPPED: &str = "skillboard_socket_updates_dropped_total";
/// Snapshots written to a socket, by `channel` and `reason` (`open`, `resync`, `stale`).
pub const SNAPSHOTS_SENT: &str = "skillboard_socket_snapshots_sent_total";
/// Score-sheet writes acknowledged (after their commit), by `status` (`draft`, `submitted`).
pub const SHEETS_SUBMITTED: &str = "skillboard_sheets_submitted_total";
/// Writes per group commit (one fsync each).
pub const GROUP_COMMIT_BATCH: &str = "skillboard_group_commit_batch_size";
/// Time from a group commit's start to its commit, in seconds.
pub const GROUP_COMMIT_SECONDS: &str = "skillboard_group_commit_seconds";
/// Time waiting for a pooled database connection, in seconds.
pub const DB_POOL_WAIT: &str = "skillboard_db_pool_wait_seconds";
/// Board refreshes (each serialises a board once and pushes it to its sockets).
pub const BOARD_REFRESHES: &str = "skillboard_board_refreshes_total";
/// Time the board hub spent on a refresh, by `stage`: `commit` (the version bump, through the
/// next group commit and its fsync), `load` (reading what changed and re-ranking), `publish`
/// (serialising, patching and handing the frame to every socket's mailbox), `progress` (the
/// organizers' progress board, when someone watches it).
pub const BOARD_REFRESH_SECONDS: &str = "skillboard_board_refresh_seconds";
/// Resident memory of the server process (read from /proc at each scrape).
pub const RESIDENT_MEMORY: &str = "process_resident_memory_bytes";
/// Open file descriptors of the server process (sockets included).
pub const OPEN_FDS: &str = "process_open_fds";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder (once) and returns its handle; `None` when another
/// recorder was installed first (then `/metrics` answers 503).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(HTTP_SECONDS.into()), LATENCY_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(GROUP_COMMIT_SECONDS.into()),
                        LATENCY_BUCKETS,
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(Matcher::Full(DB_POOL_WAIT.into()), LATENCY_BUCKETS)
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(BOARD_REFRESH_SECONDS.into()),
                        LATENCY_BUCKETS,
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full(GROUP_COMMIT_BATCH.into()),
                        BATCH_BUCKETS,
                    )
                });
            let builder = match builder {
                Ok(builder) => builder,
                Err(error) => {
                    tracing::error!(%error, "cannot configure the metrics recorder");
                    return None;
                }
            };
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if let Err(error) = metrics::set_global_recorder(recorder) {
                tracing::error!(%error, "another metrics recorder is installed");
                return None;
            }
            describe();
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(UPKEEP_INTERVAL);
                    upkeep.run_upkeep();
                });
            if let Err(error) = spawned {
                tracing::warn!(%error, "no metrics upkeep thread; histograms drain at scrapes");
            }
            Some(handle)
        })
        .clone()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(HTTP_REQUESTS, "HTTP requests answered");
    describe_histogram!(HTTP_SECONDS, Unit::Seconds, "HTTP request latency");
    describe_gauge!(SOCKETS_OPEN, "WebSockets open");
    describe_counter!(UPDATES_SENT, "board updates queued to sockets");
    describe_counter!(
        UPDATES_DROPPED,
        "board updates dropped for a full socket mailbox"
    );
    describe_counter!(SNAPSHOTS_SENT, "board snapshots sent to sockets");
    describe_counter!(SHEETS_SUBMITTED, "score-sheet writes acknowledged");
    describe_histogram!(GROUP_COMMIT_BATCH, Unit::Count, "writes per group commit");
    describe_histogram!(GROUP_COMMIT_SECONDS, Unit::Seconds, "group commit latency");
    describe_histogram!(DB_POOL_WAIT, Unit::Seconds, "wait for a pooled connection");
    describe_counter!(BOARD_REFRESHES, "board refreshes");
    describe_histogram!(
        BOARD_REFRESH_SECONDS,
        Unit::Seconds,
        "board hub time per refresh, by stage"
    );
    describe_gauge!(RESIDENT_MEMORY, Unit::Bytes, "resident memory");
    describe_gauge!(OPEN_FDS, "open file descriptors");
}

/// The Prometheus text of every metric, with the process gauges read now.
pub fn render(handle: &PrometheusHandle) -> String {
    if let Some(bytes) = resident_memory() {
        metrics::gauge!(RESIDENT_MEMORY).set(bytes as f64);
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        metrics::gauge!(OPEN_FDS).set(fds.count() as f64);
    }
    handle.run_upkeep();
    handle.render()
}

/// VmRSS of this process, from /proc (Linux); `None` elsewhere.
fn resident_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Middleware: counts every request and its latency under the route *pattern* it matched
/// (`/api/v1/contests/{slug}`), never the raw path, so a scan of random URLs cannot mint new
/// series; requests that matched no route count as `unmatched`.
pub async fn track_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await;
    let elapsed = started.elapsed().as_secs_f64();
    let (route, status) = match &response {
        Ok(response) => (
            response
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_owned()),
            response.status().as_u16(),
        ),
        Err(error) => (
            "unmatched".to_owned(),
            error.as_response_error().status_code().as_u16(),
        ),
    };
    metrics::counter!(HTTP_REQUESTS, "method" => method.clone(), "route" => route.clone(),
        "status" => status.to_string())
    .increment(1);
    metrics::histogram!(HTTP_SECONDS, "method" => method, "route" => route).record(elapsed);
    response
}
