//! Sockets across processes: this process holds up to `--per-process` sockets and starts
//! `skillboard-load sockets` children for the rest (a process may hold at most 20,000 open
//! files here), then gathers their per-version figures.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::watch::{aggregate, merge, ChildReport, Crowd, VersionStat};
use crate::Result;

struct Helper {
    process: Child,
    stdin: ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

pub struct Fleet {
    local: Crowd,
    local_count: usize,
    helpers: Vec<Helper>,
}

/// Everything the fleet saw, summed over processes.
#[derive(Default)]
pub struct FleetReport {
    pub connected: u64,
    pub failed: u64,
    pub closed_early: u64,
    pub messages: u64,
    pub versions: BTreeMap<i64, VersionStat>,
}

impl Fleet {
    pub fn open(
        url: &str,
        total: usize,
        per_process: usize,
        slow_every: Option<usize>,
    ) -> Result<Fleet> {
        let per_process = per_process.max(1);
        let local_count = total.min(per_process);
        let local = Crowd::open(url, local_count, slow_every);
        let mut helpers = Vec::new();
        let mut rest = total - local_count;
        while rest > 0 {
            let count = rest.min(per_process);
            rest -= count;
            let mut command = Command::new(std::env::current_exe()?);
            command
                .args(["sockets", "--url", url, "--count", &count.to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped());
            if let Some(n) = slow_every {
                command.args(["--slow-every", &n.to_string()]);
            }
            let mut process = command.spawn()?;
            let stdin = process.stdin.take().ok_or("no stdin")?;
            let stdout = BufReader::new(process.stdout.take().ok_or("no stdout")?);
            helpers.push(Helper {
                process,
                stdin,
                stdout,
            });
        }
        Ok(Fleet {
            local,
            local_count,
            helpers,
        })
    }

    /// Waits until every socket connected or failed; returns (connected, failed).
    pub async fn ready(&mut self) -> Result<(u64, u64)> {
        self.local
            .settled(self.local_count, Duration::from_secs(120))
            .await;
        let mut connected = self.local.counters.connected.load(Ordering::Relaxed);
        let mut failed = self.local.counters.failed.load(Ordering::Relaxed);
        for helper in &mut self.helpers {
            let line = tokio::task::block_in_place(|| {
                let mut line = String::new();
                helper.stdout.read_line(&mut line).map(|_| line)
            })?;
            let mut parts = line.split_whitespace().skip(1);
            connected += parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            failed += parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        }
        Ok((connected, failed))
    }

    pub fn pause_slow(&mut self) -> Result<()> {
        self.local.pause_slow();
        for helper in &mut self.helpers {
            writeln!(helper.stdin, "pause")?;
            helper.stdin.flush()?;
        }
        Ok(())
    }

    /// Sockets closed by the server so far, in this process.
    pub fn closed_early_here(&self) -> u64 {
        self.local.counters.closed_early.load(Ordering::Relaxed)
    }

    pub async fn stop(self) -> Result<FleetReport> {
        let mut helpers = self.helpers;
        for helper in &mut helpers {
            writeln!(helper.stdin, "stop")?;
            helper.stdin.flush()?;
        }
        let counters = self.local.counters.clone();
        let logs = self.local.stop().await;
        let mut report = FleetReport {
            connected: counters.connected.load(Ordering::Relaxed),
            failed: counters.failed.load(Ordering::Relaxed),
            closed_early: counters.closed_early.load(Ordering::Relaxed),
            messages: counters.messages.load(Ordering::Relaxed),
            versions: aggregate(&logs),
        };
        drop(logs);
        for mut helper in helpers {
            let line = tokio::task::block_in_place(|| {
                let mut line = String::new();
                helper.stdout.read_line(&mut line).map(|_| line)
            })?;
            drop(helper.stdin);
            let _ = tokio::task::block_in_place(|| helper.process.wait());
            let child: ChildReport = serde_json::from_str(line.trim())
                .map_err(|e| format!("a socket process sent no report ({e}): {line:?}"))?;
            report.connected += child.connected;
            report.failed += child.failed;
            report.closed_early += child.closed_early;
            report.messages += child.messages;
            merge(&mut report.versions, child.versions);
        }
        Ok(report)
    }
}
