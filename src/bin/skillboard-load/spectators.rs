//! `spectators` and `slow`: N sockets on one board while one judge submits sheets at a fixed
//! rate; the latency from each submission's 2xx to the last spectator's receipt of the board
//! version that first shows it, then the same fan-out against the bare floor.
//!
//! Matching: every submission gives one team a mark no other submission to that team used
//! (one judge, one criterion: the team's total is exactly that mark). A probe socket parses
//! every message; the first version whose row shows the mark is the submission's version.
//! The other sockets only read each message's `version`.

use std::collections::HashMap;
use std::time::Duration;

use clap::Args;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::api::{judge_session, metric, set_up, sheet, Api, ContestSpec};
use crate::fleet::{Fleet, FleetReport};
use crate::report::{histogram, hub_stages, mib, ms, server_rss, summary};
use crate::watch::socket_config;
use crate::{now_us, Result, ServerArgs};

#[derive(Args, Debug, Clone)]
pub struct SpectatorArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Spectator sockets on the board.
    #[arg(long, default_value_t = 1_000)]
    pub spectators: usize,
    /// Sockets one process holds; more start `skillboard-load sockets` children.
    #[arg(long, default_value_t = 15_000)]
    pub per_process: usize,
    /// Teams on the board.
    #[arg(long, default_value_t = 30)]
    pub teams: usize,
    /// Sheets the judge submits per second.
    #[arg(long, default_value_t = 4.0)]
    pub rate: f64,
    /// Seconds of submissions (per phase for `slow`, which runs three).
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// The floor server (`skillboard-load floor-server`), e.g. ws://127.0.0.1:9100/, to
    /// measure the same fan-out against in the same run.
    #[arg(long)]
    pub floor: Option<String>,
    /// `slow` only: share of sockets, in percent, that stop reading in the second phase.
    #[arg(long, default_value_t = 1.0)]
    pub slow_percent: f64,
}

struct Submission {
    code: String,
    hundredths: i64,
    sent_us: u64,
    ack_us: Option<u64>,
}

/// A message the probe saw.
struct Seen {
    version: i64,
    at_us: u64,
    /// What it carried (a patch, or a whole board) as the server sent it: the floor sends the
    /// same sequence.
    payload: String,
    /// Each row's total in hundredths once the message is applied.
    totals: HashMap<String, i64>,
}

type ProbeLog = Vec<Seen>;

async fn probe(url: String, mut stop: tokio::sync::watch::Receiver<bool>) -> Result<ProbeLog> {
    let (mut socket, _) =
        tokio_tungstenite::connect_async_with_config(url, Some(socket_config()), true).await?;
    let mut log = ProbeLog::new();
    let mut board = Value::Null;
    loop {
        tokio::select! {
            _ = stop.changed() => return Ok(log),
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let at_us = now_us();
                    let parsed: Value = serde_json::from_str(&text)?;
                    let Some(version) = parsed["version"].as_i64() else { continue };
                    if parsed["type"] == "patch" {
                        // A patch that does not apply is a server bug; the run reports it as
                        // unmatched submissions.
                        let Ok(next) = skillboard::live::patch::apply(&board, &parsed["patch"])
                        else {
                            continue;
                        };
                        board = next;
                    } else if parsed.get("board").is_some() {
                        board = parsed["board"].clone();
                    }
                    let rows = board["rows"].as_array().cloned().unwrap_or_default();
                    let totals = rows.iter().filter_map(|row| {
                        Some((row["code"].as_str()?.to_owned(),
                              (row["total"].as_f64()? * 100.0).round() as i64))
                    }).collect();
                    let payload = ["\"patch\":", "\"board\":"]
                        .iter()
                        .find_map(|key| Some(&text[text.find(key)? + key.len()..text.len() - 1]))
                        .unwrap_or_default()
                        .to_owned();
                    log.push(Seen { version, at_us, payload, totals });
                }
                Some(Ok(_)) => {}
                _ => return Err("the probe socket closed".into()),
            }
        }
    }
}

/// How long before the slow phase's first sheet is due the slow sockets stop reading: room to
/// read the server's metrics at the pause before that sheet goes out.
const PAUSE_LEAD: Duration = Duration::from_millis(20);

/// When submission (or floor message) `k` is due, counted from its schedule's origin.
fn due_after_origin(k: usize, rate: f64) -> Duration {
    Duration::from_secs_f64(k as f64 / rate)
}

/// Submits sheets `first..` at `rate` for `seconds`, one team after another. Submission k is
/// due at `origin + k / rate` whatever the phase, so that a phase's first sheet does not follow
/// the last phase's last one at once (the hub would rightly hold it back to coalesce them).
#[allow(clippy::too_many_arguments)]
async fn judge_at_rate(
    judge: &Api,
    codes: &[String],
    criteria: &[String],
    origin: tokio::time::Instant,
    first: usize,
    rate: f64,
    seconds: u64,
    client_ids: &[uuid::Uuid],
) -> Vec<Submission> {
    let count = (rate * seconds as f64).round() as usize;
    let mut out = Vec::with_capacity(count);
    for k in first..first + count {
        tokio::time::sleep_until(origin + due_after_origin(k, rate)).await;
        let team = k % codes.len();
        let version = (k / codes.len()) as i32 + 1;
        // Distinct from this team's previous mark: k and k - teams differ.
        let hundredths = 100 + (k as i64 * 37) % 9_800;
        let body = sheet(
            "A",
            criteria,
            &codes[team],
            hundredths as f64 / 100.0,
            version,
        );
        let sent_us = now_us();
        let path = format!("/api/v1/judge/sheets/{}", client_ids[team]);
        let result = judge
            .try_send(reqwest::Method::PUT, &path, Some(&body))
            .await;
        let ack_us = match result {
            Ok((status, _)) if (200..300).contains(&status) => Some(now_us()),
            Ok((status, body)) => {
                eprintln!("sheet {k}: {status} {body}");
                None
            }
            Err(error) => {
                eprintln!("sheet {k}: {error}");
                None
            }
        };
        out.push(Submission {
            code: codes[team].clone(),
            hundredths,
            sent_us,
            ack_us,
        });
    }
    out
}

/// A phase's latencies: the text to print and the two p99s a verdict can compare.
struct PhaseLatencies {
    text: String,
    /// Over submissions, each one's 2xx → the last spectator's receipt.
    last_p99: u64,
    /// Over every delivery of a submission to a socket (to the millisecond): the delay the
    /// spectators themselves saw, from hundreds of thousands of samples rather than hundreds.
    delivery_p99: u64,
}

fn p99(h: &hdrhistogram::Histogram<u64>) -> u64 {
    if h.is_empty() {
        0
    } else {
        h.value_at_quantile(0.99)
    }
}

/// Latency from each acknowledged submission to the last spectator, and to every spectator,
/// over what the fleet saw.
fn latencies(
    subs: &[Submission],
    probe: &ProbeLog,
    fleet: &FleetReport,
    sockets: u64,
) -> PhaseLatencies {
    let mut h = histogram();
    let mut deliveries = histogram();
    let (mut unmatched, mut incomplete, mut early) = (0, 0u64, 0);
    let mut slowest = Vec::new();
    let phase_start = subs.first().map_or(0, |sub| sub.sent_us);
    for (k, sub) in subs.iter().enumerate() {
        let Some(ack) = sub.ack_us else { continue };
        let shown = probe.iter().find(|seen| {
            seen.at_us >= sub.sent_us && seen.totals.get(&sub.code) == Some(&sub.hundredths)
        });
        let Some((stat, seen)) =
            shown.and_then(|seen| Some((fleet.versions.get(&seen.version)?, seen)))
        else {
            unmatched += 1;
            continue;
        };
        incomplete += sockets.saturating_sub(stat.exact + stat.late);
        if stat.last_us < ack {
            early += 1;
        }
        let latency = stat.last_us.saturating_sub(ack).max(1);
        h.saturating_record(latency);
        for (&ms, &count) in &stat.per_ms {
            let at = (ms + 1) * 1_000;
            let _ = deliveries.record_n(at.saturating_sub(ack).max(1), u64::from(count));
        }
        slowest.push(Slow {
            latency,
            index: k,
            at: sub.sent_us.saturating_sub(phase_start),
            spread: stat.spread_after(ack),
            bytes: seen.payload.len(),
            skipped: stat.late,
        });
    }
    let text = format!(
        "submit 2xx → last spectator: {}; → each spectator (every delivery, to the ms): {}; \
         unmatched submissions {unmatched}; socket-versions never delivered {incomplete}; \
         versions that reached everyone before the 2xx did {early}; slowest: {}",
        summary(&h),
        summary(&deliveries),
        slowest_three(slowest)
    );
    PhaseLatencies {
        text,
        last_p99: p99(&h),
        delivery_p99: p99(&deliveries),
    }
}

/// One submission's delay to its last socket, and where it went (`spread`).
struct Slow {
    latency: u64,
    index: usize,
    at: u64,
    /// When the first, half and 90 % of the sockets got it, after the 2xx.
    spread: String,
    bytes: usize,
    /// Sockets that got a later version instead of this one.
    skipped: u64,
}

/// The three slowest submissions, so that a p99 set by one stall says when it came and whether
/// it was before or during the fan-out.
fn slowest_three(mut slowest: Vec<Slow>) -> String {
    slowest.sort_unstable_by_key(|slow| std::cmp::Reverse(slow.latency));
    slowest
        .iter()
        .take(3)
        .map(|s| {
            format!(
                "#{} at {:.1} s: {:.1} ms ({}, {} bytes, skipped by {} sockets)",
                s.index,
                s.at as f64 / 1e6,
                ms(s.latency),
                s.spread,
                s.bytes,
                s.skipped
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn delivery(fleet: &FleetReport) -> String {
    let exact: u64 = fleet.versions.values().map(|s| s.exact).sum();
    let late: u64 = fleet.versions.values().map(|s| s.late).sum();
    format!(
        "updates delivered {exact}, skipped (superseded by a newer version before they arrived) \
         {late}, sockets closed by the server {}",
        fleet.closed_early
    )
}

fn ws_url(base: &str, slug: &str) -> String {
    format!(
        "{}/ws/contests/{slug}/board",
        base.replacen("http", "ws", 1)
    )
}

pub async fn run(args: SpectatorArgs, slow: bool) -> Result<()> {
    let admin = Api::admin(&args.server.url, &args.server.admin_password).await?;
    let spec = ContestSpec {
        teams: args.teams,
        modules: vec![("A".to_owned(), 1)],
        judges_per_module: 1,
        max_mark: 100.0,
        step: 0.01,
    };
    let contest = set_up(&admin, &spec).await?;
    let criteria = &contest.criteria[0].1;
    let judge = judge_session(admin.base(), &contest.judges[0].token, 0).await?;
    let client_ids: Vec<uuid::Uuid> = contest.codes.iter().map(|_| uuid::Uuid::new_v4()).collect();
    let url = ws_url(admin.base(), &contest.slug);
    let pid = args.server.server_pid;
    println!(
        "contest {} ({} teams); {} spectators",
        contest.slug,
        contest.codes.len(),
        args.spectators
    );

    let rss_before = server_rss(&admin, pid).await;
    let metrics_before = admin.metrics().await;
    let slow_every = slow.then(|| (100.0 / args.slow_percent).round().max(1.0) as usize);
    let mut fleet = Fleet::open(&url, args.spectators, args.per_process, slow_every)?;
    let (connected, failed) = fleet.ready().await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_idle = server_rss(&admin, pid).await;
    let per_socket = match (rss_before, rss_idle) {
        (Some(a), Some(b)) if connected > 0 => format!(
            "{:.1} KiB",
            (b.saturating_sub(a)) as f64 / connected as f64 / 1024.0
        ),
        _ => "?".to_owned(),
    };
    println!(
        "sockets: {connected} connected, {failed} failed; server RSS {} → {} idle ({per_socket} per socket)",
        mib(rss_before),
        mib(rss_idle)
    );

    let (stop_probe, stop_rx) = tokio::sync::watch::channel(false);
    let probe_task = tokio::spawn(probe(url.clone(), stop_rx));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let origin = tokio::time::Instant::now();
    let phase_a = judge_at_rate(
        &judge,
        &contest.codes,
        criteria,
        origin,
        0,
        args.rate,
        args.seconds,
        &client_ids,
    )
    .await;
    let mut phase_b = Vec::new();
    let mut control = Vec::new();
    let mut rss_b = Vec::new();
    if slow {
        // Server memory every 2 s through the control and the slow phase alike, so that both
        // phases carry the same sampling.
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sampler = {
            let admin = admin.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut samples = Vec::new();
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    samples.push((tokio::time::Instant::now(), server_rss(&admin, pid).await));
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                samples
            })
        };
        // A second phase with every socket still reading: the slow phase is compared with this,
        // not with the first phase, because a later phase reads slower by itself (with no slow
        // socket at all, p99 moved +73 %, +79 % and +83 % from the first phase to the second).
        control = judge_at_rate(
            &judge,
            &contest.codes,
            criteria,
            origin,
            phase_a.len(),
            args.rate,
            args.seconds,
            &client_ids,
        )
        .await;
        // Stop the slow sockets just before the slow phase's first sheet is due (the latest the
        // schedule allows), not on the control's last 2xx: that sheet's update, held by the
        // hub's coalescing and then fanned out, must first reach the sockets about to stop, or
        // they count as never delivered in the control (1-9 of them per run, seen 2026-12-07).
        let first_slow_sheet = phase_a.len() + control.len();
        let pause_at = due_after_origin(first_slow_sheet, args.rate).saturating_sub(PAUSE_LEAD);
        tokio::time::sleep_until(origin + pause_at).await;
        let metrics_at_pause = admin.metrics().await;
        fleet.pause_slow()?;
        let paused_at = tokio::time::Instant::now();
        println!(
            "phase 3: {} % of sockets stopped reading",
            args.slow_percent
        );
        phase_b = judge_at_rate(
            &judge,
            &contest.codes,
            criteria,
            origin,
            phase_a.len() + control.len(),
            args.rate,
            args.seconds,
            &client_ids,
        )
        .await;
        let metrics_after_slow = admin.metrics().await;
        let during =
            |name: &str| metric(&metrics_after_slow, name) - metric(&metrics_at_pause, name);
        println!(
            "phase 3 on the server: updates dropped for full mailboxes {}, snapshots sent {}, board sockets closed {}",
            during("skillboard_socket_updates_dropped_total"),
            during("skillboard_socket_snapshots_sent_total"),
            metric(&metrics_at_pause, "skillboard_sockets_open")
                - metric(&metrics_after_slow, "skillboard_sockets_open"),
        );
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Ok(samples) = sampler.await {
            rss_b.extend(
                samples
                    .into_iter()
                    .filter(|(at, _)| *at >= paused_at)
                    .map(|(_, rss)| rss),
            );
        }
        rss_b.push(server_rss(&admin, pid).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop_probe.send(true);
    let probe_log = probe_task.await??;
    let rss_end = server_rss(&admin, pid).await;
    let report = fleet.stop().await?;
    let metrics_after = admin.metrics().await;
    let delta = |name: &str| metric(&metrics_after, name) - metric(&metrics_before, name);
    let reading = if slow {
        connected - connected / slow_every.unwrap_or(1) as u64
    } else {
        connected
    };
    println!("{}", delivery(&report));
    println!(
        "server: updates queued {}, dropped for full mailboxes {}, snapshots sent (on open, resync or after a drop) {}; RSS at end {}",
        delta("skillboard_socket_updates_sent_total"),
        delta("skillboard_socket_updates_dropped_total"),
        metric(&metrics_after, "skillboard_socket_snapshots_sent_total") - metric(&metrics_before, "skillboard_socket_snapshots_sent_total"),
        mib(rss_end)
    );
    println!("{}", hub_stages(&metrics_before, &metrics_after));
    let first = latencies(&phase_a, &probe_log, &report, connected);
    if slow {
        let control = latencies(&control, &probe_log, &report, connected);
        let with_slow = latencies(&phase_b, &probe_log, &report, reading);
        println!("phase 1 (all read, warm-up): {}", first.text);
        println!("phase 2 (all read, control): {}", control.text);
        println!("phase 3 (slow stopped):      {}", with_slow.text);
        let moved = |before: u64, after: u64| (after as f64 / before.max(1) as f64 - 1.0) * 100.0;
        println!(
            "others' p99 moved by {:+.1} % with slow sockets, over every delivery ({:.1} → {:.1} \
             ms; phase 3 against phase 2), and by {:+.1} % over each submission's last spectator \
             ({:.1} → {:.1} ms); server RSS during phase 3 up to {} (end {})",
            moved(control.delivery_p99, with_slow.delivery_p99),
            ms(control.delivery_p99),
            ms(with_slow.delivery_p99),
            moved(control.last_p99, with_slow.last_p99),
            ms(control.last_p99),
            ms(with_slow.last_p99),
            mib(rss_b.iter().flatten().max().copied()),
            mib(rss_end)
        );
    } else {
        println!("skillboard: {}", first.text);
    }
    let p99 = first.last_p99;
    if let Some(floor) = &args.floor {
        let floor_p99 = floor_phase(floor, &args, &probe_log).await?;
        println!(
            "p99 ratio skillboard / floor = {:.2} ({:.1} ms / {:.1} ms)",
            p99 as f64 / floor_p99.max(1) as f64,
            ms(p99),
            ms(floor_p99)
        );
    }
    Ok(())
}

/// The same fan-out through the bare floor server: the same number of sockets, and the same
/// messages as the board sent (its snapshot, then each patch or whole board in order, as the
/// probe got them), published at the same rate.
async fn floor_phase(floor: &str, args: &SpectatorArgs, board: &ProbeLog) -> Result<u64> {
    let (snapshot, updates) = board
        .split_first()
        .ok_or("the probe saw no board message to replay")?;
    let mut fleet = Fleet::open(floor, args.spectators, args.per_process, None)?;
    let (connected, failed) = fleet.ready().await?;
    let (mut publisher, _) =
        tokio_tungstenite::connect_async_with_config(floor, Some(socket_config()), true).await?;
    // Version 0 plays the snapshot: sockets count versions after their first message.
    publisher
        .send(Message::text(format!(
            "{{\"type\":\"snapshot\",\"version\":0,\"board\":{}}}",
            snapshot.payload
        )))
        .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let start = tokio::time::Instant::now();
    let mut sent = Vec::new();
    for (k, update) in updates.iter().enumerate() {
        tokio::time::sleep_until(start + due_after_origin(k, args.rate)).await;
        let version = k as i64 + 1;
        sent.push((version, now_us()));
        publisher
            .send(Message::text(format!(
                "{{\"type\":\"update\",\"version\":{version},\"board\":{}}}",
                update.payload
            )))
            .await?;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let report = fleet.stop().await?;
    let mut h = histogram();
    let mut incomplete = 0;
    for (v, at) in sent {
        if let Some(stat) = report.versions.get(&v) {
            incomplete += connected.saturating_sub(stat.exact + stat.late);
            h.saturating_record(stat.last_us.saturating_sub(at).max(1));
        }
    }
    let sizes = updates.iter().map(|update| update.payload.len());
    println!(
        "floor: {connected} connected, {failed} failed; publish → last spectator: {}; \
         socket-versions never delivered {incomplete}; the board's {} messages replayed, \
         {}–{} bytes of payload",
        summary(&h),
        updates.len(),
        sizes.clone().min().unwrap_or(0),
        sizes.max().unwrap_or(0)
    );
    Ok(p99(&h))
}
