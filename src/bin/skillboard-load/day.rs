//! `contest-day` and `soak`: a realistic day (300 teams, 5 modules of 5 criteria, 5 judges on
//! each module's panel, 5,000 spectators) for N minutes. Judges mark at a human pace (every
//! team once over the run, then again); every 10 s the server's memory, open files and the
//! errors so far are sampled; `soak` ends with a verdict on whether memory stayed flat.
//!
//! Latency here is from a sheet's 2xx to the last spectator's receipt of the first version
//! the probe socket received after that 2xx (no exact matching with 5 judges a module).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use futures_util::StreamExt;
use rand::Rng;
use tokio_tungstenite::tungstenite::Message;

use crate::api::{judge_session, metric, set_up, sheet, Api, ContestSpec};
use crate::fleet::Fleet;
use crate::report::{histogram, hub_stages, mib, ms, server_rss, summary};
use crate::watch::{socket_config, version_of};
use crate::{now_us, Result, ServerArgs};

#[derive(Args, Debug, Clone)]
pub struct DayArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    #[arg(long, default_value_t = 300)]
    pub teams: usize,
    #[arg(long, default_value_t = 5)]
    pub modules: usize,
    #[arg(long, default_value_t = 5)]
    pub criteria: usize,
    /// Judges on each module's panel.
    #[arg(long, default_value_t = 5)]
    pub judges_per_module: usize,
    #[arg(long, default_value_t = 5_000)]
    pub spectators: usize,
    #[arg(long, default_value_t = 15_000)]
    pub per_process: usize,
    /// Length of the run.
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    /// Seconds between samples.
    #[arg(long, default_value_t = 10)]
    pub sample_seconds: u64,
}

#[derive(Default)]
struct Tally {
    acked: AtomicU64,
    errors: AtomicU64,
}

pub async fn run(args: DayArgs, soak: bool) -> Result<()> {
    let admin = Api::admin(&args.server.url, &args.server.admin_password).await?;
    let codes: Vec<String> = (0..args.modules)
        .map(|m| char::from(b'A' + m as u8).to_string())
        .collect();
    let spec = ContestSpec {
        teams: args.teams,
        modules: codes.iter().map(|c| (c.clone(), args.criteria)).collect(),
        judges_per_module: args.judges_per_module,
        max_mark: 20.0,
        step: 0.5,
    };
    let contest = set_up(&admin, &spec).await?;
    let pid = args.server.server_pid;
    let url = format!(
        "{}/ws/contests/{}/board",
        admin.base().replacen("http", "ws", 1),
        contest.slug
    );
    let rss_start = server_rss(&admin, pid).await;
    let mut fleet = Fleet::open(&url, args.spectators, args.per_process, None)?;
    let (connected, failed) = fleet.ready().await?;
    let rss_connected = server_rss(&admin, pid).await;
    println!(
        "contest {}: {} teams, {} modules, {} judges, {connected} spectators ({failed} failed); \
         RSS {} → {}",
        contest.slug,
        contest.codes.len(),
        args.modules,
        contest.judges.len(),
        mib(rss_start),
        mib(rss_connected)
    );

    // The probe: when each version first reached one socket.
    let (mut probe, _) =
        tokio_tungstenite::connect_async_with_config(url.clone(), Some(socket_config()), true)
            .await?;
    let (stop_probe, mut stopped) = tokio::sync::watch::channel(false);
    let probe_task = tokio::spawn(async move {
        let mut log = Vec::new();
        loop {
            tokio::select! {
                _ = stopped.changed() => return log,
                message = probe.next() => match message {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(v) = version_of(&text) {
                            log.push((v, now_us()));
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => return log,
                }
            }
        }
    });

    let run_for = Duration::from_secs_f64(args.minutes * 60.0);
    let until = Instant::now() + run_for;
    let interval = run_for.as_secs_f64() / args.teams.max(1) as f64;
    let tally = Arc::new(Tally::default());
    let mut judges = Vec::new();
    for (i, link) in contest.judges.iter().enumerate() {
        let api = judge_session(admin.base(), &link.token, i).await?;
        let module = link.module.clone();
        let criteria = contest
            .criteria
            .iter()
            .find(|(m, _)| *m == module)
            .map(|(_, c)| c.clone())
            .unwrap_or_default();
        let teams = contest.codes.clone();
        let tally = tally.clone();
        judges.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            let ids: Vec<uuid::Uuid> = teams.iter().map(|_| uuid::Uuid::new_v4()).collect();
            let mut versions = vec![0i32; teams.len()];
            let start = tokio::time::Instant::now()
                + Duration::from_secs_f64(interval * (i as f64 / 25.0).fract());
            let mut k = 0usize;
            while Instant::now() < until {
                tokio::time::sleep_until(start + Duration::from_secs_f64(interval * k as f64))
                    .await;
                if Instant::now() >= until {
                    break;
                }
                let team = (k * 7 + i) % teams.len();
                let value = f64::from(rand::thread_rng().gen_range(0..=40)) / 2.0;
                let body = sheet(&module, &criteria, &teams[team], value, versions[team] + 1);
                let path = format!("/api/v1/judge/sheets/{}", ids[team]);
                match api.try_send(reqwest::Method::PUT, &path, Some(&body)).await {
                    Ok((status, _)) if (200..300).contains(&status) => {
                        versions[team] += 1;
                        acks.push(now_us());
                        tally.acked.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        tally.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                k += 1;
            }
            acks
        }));
    }

    let metrics_before = admin.metrics().await;
    let mut samples = Vec::new();
    let started = Instant::now();
    let started_us = now_us();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(args.sample_seconds)).await;
        let text = admin.metrics().await;
        let rss = server_rss(&admin, pid).await;
        println!(
            "t={:>5.0}s RSS {} fds {} sockets {} sheets {} errors {} closed-by-server {}",
            started.elapsed().as_secs_f64(),
            mib(rss),
            metric(&text, "process_open_fds"),
            metric(&text, "skillboard_sockets_open"),
            tally.acked.load(Ordering::Relaxed),
            tally.errors.load(Ordering::Relaxed),
            fleet.closed_early_here()
        );
        samples.push((started.elapsed().as_secs_f64(), rss.unwrap_or(0)));
    }
    let mut acks = Vec::new();
    for judge in judges {
        acks.extend(judge.await?);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop_probe.send(true);
    let probe_log = probe_task.await.unwrap_or_default();
    let report = fleet.stop().await?;
    let metrics_after = admin.metrics().await;
    let mut h = histogram();
    let mut slowest = Vec::new();
    for ack in acks {
        let Some(&(version, _)) = probe_log.iter().find(|(_, at)| *at >= ack) else {
            continue;
        };
        if let Some(stat) = report.versions.get(&version) {
            let latency = stat.last_us.saturating_sub(ack).max(1);
            h.saturating_record(latency);
            slowest.push((latency, ack, stat));
        }
    }
    slowest.sort_unstable_by_key(|(latency, ..)| std::cmp::Reverse(*latency));
    let slowest: Vec<String> = slowest
        .iter()
        .take(3)
        .map(|(latency, ack, stat)| {
            format!(
                "acknowledged at {:.1} s: {:.1} ms ({})",
                ack.saturating_sub(started_us) as f64 / 1e6,
                ms(*latency),
                stat.spread_after(*ack)
            )
        })
        .collect();
    let exact: u64 = report.versions.values().map(|s| s.exact).sum();
    let late: u64 = report.versions.values().map(|s| s.late).sum();
    println!(
        "{} sheets, {} errors; 2xx → last spectator {}; updates delivered {exact}, skipped {late}, \
         sockets closed by the server {}; slowest: {}",
        tally.acked.load(Ordering::Relaxed),
        tally.errors.load(Ordering::Relaxed),
        summary(&h),
        report.closed_early,
        slowest.join(", ")
    );
    println!("{}", hub_stages(&metrics_before, &metrics_after));
    if soak {
        verdict(
            &samples,
            tally.errors.load(Ordering::Relaxed),
            report.closed_early,
        );
    }
    Ok(())
}

/// Flat: the median RSS of the last third of the samples is within 10 % of the median of the
/// first third (after the first minute, while boards and caches fill), with no errors and no
/// socket closed by the server.
fn verdict(samples: &[(f64, u64)], errors: u64, closed: u64) {
    let steady: Vec<u64> = samples
        .iter()
        .filter(|(t, _)| *t >= 60.0)
        .map(|(_, r)| *r)
        .collect();
    if steady.len() < 3 {
        println!("soak verdict: too short to judge (run at least 2 minutes)");
        return;
    }
    let third = steady.len() / 3;
    let median = |s: &[u64]| {
        let mut v = s.to_vec();
        v.sort_unstable();
        v[v.len() / 2]
    };
    let first = median(&steady[..third.max(1)]);
    let last = median(&steady[steady.len() - third.max(1)..]);
    let growth = (last as f64 / first.max(1) as f64 - 1.0) * 100.0;
    let flat = growth <= 10.0 && errors == 0 && closed == 0;
    println!(
        "soak verdict: {} (RSS median {} in the first third, {} in the last: {growth:+.1} %; \
         {errors} errors; {closed} sockets closed by the server)",
        if flat { "FLAT" } else { "NOT FLAT" },
        mib(Some(first)),
        mib(Some(last))
    );
}
