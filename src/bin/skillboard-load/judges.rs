//! `judges`: C judges on one module's panel, each sending its next sheet as soon as the last
//! one was answered; throughput and latency, then a check through the API that every sheet
//! the server acknowledged is stored at the acknowledged version.

use std::time::{Duration, Instant};

use clap::Args;

use crate::api::{judge_session, set_up, sheet, Api, ContestSpec};
use crate::report::{cpu_seconds, histogram, summary};
use crate::{Result, ServerArgs};

#[derive(Args, Debug, Clone)]
pub struct JudgeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Judges submitting at once.
    #[arg(long, default_value_t = 50)]
    pub judges: usize,
    /// Teams each judge marks (then marks them again with the next version).
    #[arg(long, default_value_t = 100)]
    pub teams: usize,
    /// Criteria on a sheet.
    #[arg(long, default_value_t = 5)]
    pub criteria: usize,
    /// Seconds of submissions.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
}

struct JudgeRun {
    latencies: hdrhistogram::Histogram<u64>,
    errors: Vec<String>,
    /// The last acknowledged version of each of this judge's sheets (0: none).
    acked: Vec<i32>,
    client_ids: Vec<uuid::Uuid>,
    api: Api,
}

async fn one_judge(
    api: Api,
    codes: Vec<String>,
    criteria: Vec<String>,
    until: Instant,
    offset: usize,
) -> JudgeRun {
    let mut run = JudgeRun {
        latencies: histogram(),
        errors: Vec::new(),
        acked: vec![0; codes.len()],
        client_ids: codes.iter().map(|_| uuid::Uuid::new_v4()).collect(),
        api,
    };
    let mut k = 0usize;
    while Instant::now() < until {
        let team = (k + offset) % codes.len();
        let version = run.acked[team] + 1;
        let value = ((k * 7 + offset) % 20) as f64 / 2.0;
        let body = sheet("A", &criteria, &codes[team], value, version);
        let path = format!("/api/v1/judge/sheets/{}", run.client_ids[team]);
        let started = Instant::now();
        match run
            .api
            .try_send(reqwest::Method::PUT, &path, Some(&body))
            .await
        {
            Ok((status, _)) if (200..300).contains(&status) => {
                run.latencies
                    .saturating_record(started.elapsed().as_micros() as u64);
                run.acked[team] = version;
            }
            Ok((status, body)) => run.errors.push(format!("{status} {}", body["code"])),
            Err(error) => run.errors.push(error.to_string()),
        }
        k += 1;
    }
    run
}

pub async fn run(args: JudgeArgs) -> Result<()> {
    let admin = Api::admin(&args.server.url, &args.server.admin_password).await?;
    let spec = ContestSpec {
        teams: args.teams,
        modules: vec![("A".to_owned(), args.criteria)],
        judges_per_module: args.judges,
        max_mark: 10.0,
        step: 0.5,
    };
    let contest = set_up(&admin, &spec).await?;
    let criteria = contest.criteria[0].1.clone();
    let mut sessions = Vec::new();
    for (i, link) in contest.judges.iter().enumerate() {
        sessions.push(judge_session(admin.base(), &link.token, i).await?);
    }
    let backend = admin.send(reqwest::Method::GET, "/healthz", None).await?["database"]
        .as_str()
        .unwrap_or("?")
        .to_owned();
    println!(
        "contest {} on {backend}: {} judges, {} teams, {} criteria a sheet, {} s",
        contest.slug, args.judges, args.teams, args.criteria, args.seconds
    );
    let pid = args.server.server_pid;
    let cpu_before = (cpu_seconds(pid), cpu_seconds(None));
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let tasks: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(i, api)| {
            tokio::spawn(one_judge(
                api,
                contest.codes.clone(),
                criteria.clone(),
                until,
                i,
            ))
        })
        .collect();
    let mut runs = Vec::new();
    for task in tasks {
        runs.push(task.await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = (cpu_seconds(pid), cpu_seconds(None));
    let mut all = histogram();
    let mut errors: Vec<String> = Vec::new();
    for run in &runs {
        all.add(&run.latencies)?;
        errors.extend(run.errors.iter().cloned());
    }
    let acked = all.len();
    println!(
        "{acked} sheets acknowledged in {elapsed:.1} s = {:.0} sheets/s; latency {}; {} refused or failed{}",
        acked as f64 / elapsed,
        summary(&all),
        errors.len(),
        errors
            .first()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );

    // Where the two cores went: CPU per acknowledged sheet in the server and in this tool.
    let per_sheet = |before: Option<f64>, after: Option<f64>| match (before, after) {
        (Some(b), Some(a)) if acked > 0 => format!("{:.0} µs", (a - b) * 1e6 / acked as f64),
        _ => "?".to_owned(),
    };
    println!(
        "CPU per sheet: server {}, load tool {}",
        per_sheet(cpu_before.0, cpu_after.0),
        per_sheet(cpu_before.1, cpu_after.1)
    );

    // Every acknowledged sheet must be stored at the version the server acknowledged.
    let checks: Vec<_> =
        runs.into_iter()
            .map(|run| {
                tokio::spawn(async move {
                    let (mut checked, mut missing) = (0u64, Vec::new());
                    for (team, version) in run.acked.iter().enumerate() {
                        if *version == 0 {
                            continue;
                        }
                        checked += 1;
                        let path = format!("/api/v1/judge/sheets/{}", run.client_ids[team]);
                        match run.api.try_send(reqwest::Method::GET, &path, None).await {
                            Ok((200, body))
                                if body["version"].as_i64() == Some(i64::from(*version)) => {}
                            Ok((status, body)) => missing
                                .push(format!("{path}: {status} version {}", body["version"])),
                            Err(error) => missing.push(format!("{path}: {error}")),
                        }
                    }
                    (checked, missing)
                })
            })
            .collect();
    let (mut checked, mut missing) = (0, Vec::new());
    for check in checks {
        let (c, m) = check.await?;
        checked += c;
        missing.extend(m);
    }
    println!(
        "verified: {checked} sheets read back, {} missing or at another version{}",
        missing.len(),
        missing
            .first()
            .map(|m| format!(" (first: {m})"))
            .unwrap_or_default()
    );
    if !missing.is_empty() {
        return Err("acknowledged sheets are missing".into());
    }
    Ok(())
}
