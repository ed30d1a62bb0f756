//! Spectator sockets: many idle readers that note when each board version reached them, the
//! aggregation of those notes per version, and the child-process mode that holds sockets
//! beyond one process's file limit.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::{now_us, Result};

/// Small buffers: the default 128 KiB read buffer would cost the generator ~90 KB a socket.
pub fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(64 * 1024)
}

/// The kernel receive buffer of a socket that will stop reading (the kernel doubles it).
const SLOW_RECEIVE_BUFFER: u32 = 4 * 1024;

/// `"version":N` of a board message, without parsing the rest.
pub fn version_of(text: &str) -> Option<i64> {
    let at = text.find("\"version\":")? + "\"version\":".len();
    let digits: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().ok()
}

/// Counters shared by every socket of a process.
#[derive(Default)]
pub struct Counters {
    pub connected: AtomicU64,
    pub failed: AtomicU64,
    pub closed_early: AtomicU64,
    pub messages: AtomicU64,
}

/// When each version reached one socket: (version, µs since the epoch), in arrival order.
pub type Log = Vec<(i64, u64)>;

/// One spectator. Reads until `stop`; a `slow` socket stops reading once `pause` is set and
/// holds its connection open, unread, until `stop`.
async fn spectator(
    url: String,
    log_capacity: usize,
    slow: bool,
    mut pause: watch::Receiver<bool>,
    mut stop: watch::Receiver<bool>,
    counters: Arc<Counters>,
    gate: Arc<Semaphore>,
) -> Log {
    let mut log = Log::with_capacity(log_capacity);
    let permit = gate.acquire_owned().await;
    let connected = async {
        let request = url.as_str();
        let host = request
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let address = tokio::net::lookup_host(&host)
            .await?
            .next()
            .ok_or("the board's host has no address")?;
        let socket = if address.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        if slow {
            // A small receive window, set before connecting so that it is the one advertised:
            // with the default 128 KiB one this end would absorb most of a phase of patches
            // for a socket that stopped reading, and the server's back-pressure (its capped
            // send buffer full, the mailbox full, updates dropped) would be reached late or
            // not at all.
            socket.set_recv_buffer_size(SLOW_RECEIVE_BUFFER)?;
        }
        let stream = socket.connect(address).await?;
        stream.set_nodelay(true)?;
        let (socket, _) =
            tokio_tungstenite::client_async_with_config(request, stream, Some(socket_config()))
                .await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(socket)
    };
    let mut socket = match tokio::time::timeout(Duration::from_secs(30), connected).await {
        Ok(Ok(socket)) => socket,
        _ => {
            counters.failed.fetch_add(1, Ordering::Relaxed);
            return log;
        }
    };
    drop(permit);
    counters.connected.fetch_add(1, Ordering::Relaxed);
    loop {
        if slow && *pause.borrow() {
            // Stop reading; keep the socket open until the end.
            let _ = stop.wait_for(|s| *s).await;
            return log;
        }
        tokio::select! {
            _ = stop.changed() => return log,
            _ = pause.changed(), if slow => continue,
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let at = now_us();
                    counters.messages.fetch_add(1, Ordering::Relaxed);
                    if let Some(version) = version_of(&text) {
                        log.push((version, at));
                    }
                }
                Some(Ok(_)) => {}
                _ => {
                    counters.closed_early.fetch_add(1, Ordering::Relaxed);
                    let _ = stop.wait_for(|s| *s).await;
                    return log;
                }
            }
        }
    }
}

/// The first capacity of socket `i`'s log. Every socket logs the same versions, so logs that
/// all started alike would all grow (allocate, copy, free) on the same message, thousands at
/// once, and the generator would stall on the very update it is timing: with 5,000 sockets
/// the 64th, 128th, 256th and 512th messages were among the three slowest of their phase in
/// most runs. Capacities spread over [64, 128) make at most 1/64 of the sockets grow on any
/// one message.
fn log_capacity(i: usize) -> usize {
    64 + (i * 41) % 64
}

/// A process's sockets, running until `stop()`.
pub struct Crowd {
    pub counters: Arc<Counters>,
    pause: watch::Sender<bool>,
    stop: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<Log>>,
}

impl Crowd {
    /// Opens `count` sockets to `url` (at most 256 handshakes at a time); every
    /// `slow_every`-th socket is one that stops reading when paused.
    pub fn open(url: &str, count: usize, slow_every: Option<usize>) -> Crowd {
        let counters = Arc::new(Counters::default());
        let (pause, pause_rx) = watch::channel(false);
        let (stop, stop_rx) = watch::channel(false);
        let gate = Arc::new(Semaphore::new(256));
        let tasks = (0..count)
            .map(|i| {
                let slow = slow_every.is_some_and(|n| n > 0 && i % n == n - 1);
                tokio::spawn(spectator(
                    url.to_owned(),
                    log_capacity(i),
                    slow,
                    pause_rx.clone(),
                    stop_rx.clone(),
                    counters.clone(),
                    gate.clone(),
                ))
            })
            .collect();
        Crowd {
            counters,
            pause,
            stop,
            tasks,
        }
    }

    /// Waits until every socket connected or failed (at most `limit`).
    pub async fn settled(&self, count: usize, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            let done = self.counters.connected.load(Ordering::Relaxed)
                + self.counters.failed.load(Ordering::Relaxed);
            if done as usize >= count {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The slow sockets stop reading from now on.
    pub fn pause_slow(&self) {
        let _ = self.pause.send(true);
    }

    pub async fn stop(self) -> Vec<Log> {
        let _ = self.stop.send(true);
        let mut logs = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            if let Ok(log) = task.await {
                logs.push(log);
            }
        }
        logs
    }
}

/// Per board version: sockets that got it, sockets that only got a later version instead
/// (it was coalesced or dropped for them), and when the first and the last of them got it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VersionStat {
    pub exact: u64,
    pub late: u64,
    /// 0 until a socket got it.
    pub first_us: u64,
    pub last_us: u64,
    /// Sockets that got it in each millisecond (since the epoch): whether a late version was
    /// late for every socket or only for a few.
    pub per_ms: BTreeMap<u64, u32>,
}

impl VersionStat {
    fn arrived(&mut self, first_us: u64, last_us: u64) {
        self.first_us = match self.first_us {
            0 => first_us,
            seen => seen.min(first_us),
        };
        self.last_us = self.last_us.max(last_us);
    }

    /// How the fan-out of this version went, counted from `ack_us` (a submission's 2xx): when
    /// the first socket got it (the server's work before the fan-out), and half and 90 % of
    /// them (a late fan-out, or a few late sockets).
    pub fn spread_after(&self, ack_us: u64) -> String {
        let after = |at: Option<u64>| at.map_or(0.0, |at| at.saturating_sub(ack_us) as f64 / 1e3);
        format!(
            "{:.1} ms to the first socket, {:.0} / {:.0} ms to half / 90 % of them",
            after(Some(self.first_us)),
            after(self.reached_share(0.5)),
            after(self.reached_share(0.9))
        )
    }

    /// When the socket at `share` (0–1) of those that got this version got it, to the
    /// millisecond (µs since the epoch, the end of that millisecond).
    pub fn reached_share(&self, share: f64) -> Option<u64> {
        let total: u64 = self.per_ms.values().map(|&n| u64::from(n)).sum();
        let wanted = ((total as f64 * share).ceil() as u64).max(1);
        let mut seen = 0;
        self.per_ms.iter().find_map(|(&ms, &n)| {
            seen += u64::from(n);
            (seen >= wanted).then_some((ms + 1) * 1_000)
        })
    }
}

/// Which versions each socket got, and when the last socket got each version (or a later
/// one): for a version V, a socket's arrival is its first message with a version ≥ V. A
/// socket counts only for versions after its first message (its snapshot), and not for
/// versions after it stopped reading (a paused slow socket, a closed one).
pub fn aggregate(logs: &[Log]) -> BTreeMap<i64, VersionStat> {
    let versions: BTreeSet<i64> = logs.iter().flatten().map(|(v, _)| *v).collect();
    let mut stats: BTreeMap<i64, VersionStat> = BTreeMap::new();
    for log in logs {
        let Some(&(first, _)) = log.first() else {
            continue;
        };
        let mut i = 0;
        for &v in versions.range(first + 1..) {
            while i < log.len() && log[i].0 < v {
                i += 1;
            }
            let Some(&(got, at)) = log.get(i) else {
                break;
            };
            let stat = stats.entry(v).or_default();
            if got == v {
                stat.exact += 1;
            } else {
                stat.late += 1;
            }
            stat.arrived(at, at);
            *stat.per_ms.entry(at / 1_000).or_default() += 1;
        }
    }
    stats
}

/// Adds another process's per-version figures to these.
pub fn merge(into: &mut BTreeMap<i64, VersionStat>, other: BTreeMap<i64, VersionStat>) {
    for (v, s) in other {
        let e = into.entry(v).or_default();
        e.exact += s.exact;
        e.late += s.late;
        e.arrived(s.first_us, s.last_us);
        for (ms, n) in s.per_ms {
            *e.per_ms.entry(ms).or_default() += n;
        }
    }
}

/// What a child process reports when it stops.
#[derive(Serialize, Deserialize, Default)]
pub struct ChildReport {
    pub connected: u64,
    pub failed: u64,
    pub closed_early: u64,
    pub messages: u64,
    pub versions: BTreeMap<i64, VersionStat>,
}

/// Child mode (`skillboard-load sockets`): opens the sockets, prints `ready`, pauses its slow
/// sockets on a `pause` line on stdin, and on `stop` (or end of input) prints its report as one
/// JSON line.
pub async fn child(url: String, count: usize, slow_every: Option<usize>) -> Result<()> {
    let crowd = Crowd::open(&url, count, slow_every);
    crowd.settled(count, Duration::from_secs(120)).await;
    println!(
        "ready {} {}",
        crowd.counters.connected.load(Ordering::Relaxed),
        crowd.counters.failed.load(Ordering::Relaxed)
    );
    std::io::stdout().flush()?;
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = lines.recv().await {
        match line.trim() {
            "pause" => crowd.pause_slow(),
            "stop" => break,
            _ => {}
        }
    }
    let counters = crowd.counters.clone();
    let logs = crowd.stop().await;
    let report = ChildReport {
        connected: counters.connected.load(Ordering::Relaxed),
        failed: counters.failed.load(Ordering::Relaxed),
        closed_early: counters.closed_early.load(Ordering::Relaxed),
        messages: counters.messages.load(Ordering::Relaxed),
        versions: aggregate(&logs),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
