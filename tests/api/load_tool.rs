//! The load generator (`skillboard-load`) runs its scenarios against a real server: a tiny
//! `spectators` run and a tiny `judges` run must set up their contest through the API,
//! deliver every update and read back every acknowledged sheet. Figures are not checked here
//! (no timing assertions); BENCHMARKS.md has them.

use crate::helpers::{spawn_app, TestApp, TestBackend, ADMIN_PASSWORD};
use crate::on_both_backends;

/// Runs the tool off the test's runtime (the server runs on it) and returns its stdout.
async fn load_tool(app: &TestApp, args: &[&str]) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_skillboard-load"));
    command
        .args(args)
        .args(["--url", &app.address, "--admin-password", ADMIN_PASSWORD])
        .args(["--threads", "1"]);
    let output = actix_web::rt::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("the load tool starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    stdout
}

/// `skillboard-load floor-server` on a free port, stopped when dropped.
struct FloorServer {
    child: std::process::Child,
    url: String,
}

impl FloorServer {
    fn start() -> FloorServer {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_skillboard-load"))
            .args(["floor-server", "--bind", "127.0.0.1:0", "--threads", "1"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the floor server starts");
        let mut first_line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut first_line)
            .expect("the floor server says where it listens");
        let url = first_line
            .trim()
            .strip_prefix("floor server on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first_line}"))
            .to_owned();
        FloorServer { child, url }
    }
}

impl Drop for FloorServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn the_load_tool_runs_spectators_and_judges_against_a_server(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let floor = FloorServer::start();

    let spectators = load_tool(
        &app,
        &[
            "spectators",
            "--spectators",
            "12",
            "--per-process",
            "8",
            "--teams",
            "3",
            "--rate",
            "3",
            "--seconds",
            "2",
            "--floor",
            &floor.url,
        ],
    )
    .await;
    assert!(
        spectators.contains("12 connected, 0 failed"),
        "{spectators}"
    );
    assert!(spectators.contains("(n = 6)"), "{spectators}");
    // Every socket's receipt of every submission, gathered from both processes: 12 × 6.
    assert!(
        spectators.contains("(every delivery, to the ms): p50") && spectators.contains("(n = 72)"),
        "{spectators}"
    );
    assert!(
        spectators.contains("unmatched submissions 0"),
        "{spectators}"
    );
    assert!(
        spectators.contains("socket-versions never delivered 0"),
        "{spectators}"
    );
    // The worst submissions are named, with where their time went.
    assert!(spectators.contains("slowest: #"), "{spectators}");
    assert!(spectators.contains("to the first socket"), "{spectators}");
    // The server's own time per refresh, by stage, from its metrics before and after the run.
    assert!(
        [
            "board hub per refresh: commit mean",
            "; load mean",
            "; publish mean"
        ]
        .iter()
        .all(|part| spectators.contains(part)),
        "{spectators}"
    );
    // The floor replays the board's own messages, one per board version the probe saw, and
    // every socket gets each one.
    let floor_line = spectators
        .lines()
        .find(|line| line.starts_with("floor: "))
        .unwrap_or_else(|| panic!("no floor line in {spectators}"));
    assert!(
        floor_line.contains("12 connected, 0 failed"),
        "{floor_line}"
    );
    assert!(
        floor_line.contains("socket-versions never delivered 0"),
        "{floor_line}"
    );
    let replayed: usize = floor_line
        .split("the board's ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no replayed count in {floor_line}"));
    assert!((1..=6).contains(&replayed), "{floor_line}");
    assert!(
        spectators.contains("p99 ratio skillboard / floor"),
        "{spectators}"
    );

    let judges = load_tool(
        &app,
        &["judges", "--judges", "3", "--teams", "4", "--seconds", "1"],
    )
    .await;
    assert!(judges.contains("0 refused or failed"), "{judges}");
    // Where the CPU went: the tool always knows its own, per acknowledged sheet.
    assert!(judges.contains("CPU per sheet: server"), "{judges}");
    assert!(!judges.contains("load tool ?"), "{judges}");
    assert!(
        judges.contains("0 missing or at another version"),
        "{judges}"
    );
}

on_both_backends!(the_load_tool_runs_spectators_and_judges_against_a_server);
