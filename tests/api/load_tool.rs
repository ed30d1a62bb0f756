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

async fn the_load_tool_runs_spectators_and_judges_against_a_server(backend: TestBackend) {
    let app = spawn_app(&backend).await;

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
        ],
    )
    .await;
    assert!(
        spectators.contains("12 connected, 0 failed"),
        "{spectators}"
    );
    assert!(spectators.contains("(n = 6)"), "{spectators}");
    assert!(
        spectators.contains("unmatched submissions 0"),
        "{spectators}"
    );
    assert!(
        spectators.contains("socket-versions never delivered 0"),
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
