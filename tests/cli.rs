//! The real binary, as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server when a test ends, passing or failing, so no stray process outlives it.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn skillboard() -> Command {
    Command::new(env!("CARGO_BIN_EXE_skillboard"))
}

/// Waits for the line that announces the URL and returns that URL.
fn announced_url(child: &mut Child) -> String {
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let line = lines
        .next()
        .expect("the server prints a line")
        .expect("readable stdout");
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    assert!(line.contains("Open"), "{line}");
    url
}

fn wait_for_exit(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the server did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_prints_the_url_answers_health_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let mut server = KillOnDrop(
        skillboard()
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", &database_url)
            .env("SKILLBOARD_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let child = &mut server.0;

    let url = announced_url(child);
    let health: serde_json::Value = reqwest::blocking_get(&format!("{url}healthz"));
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "sqlite");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_for_exit(child, Duration::from_secs(30));
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

#[test]
fn migrate_applies_migrations_once() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("m.db").display());
    let run = || {
        let output = skillboard()
            .arg("migrate")
            .env("DATABASE_URL", &database_url)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let first = run();
    assert!(!first.contains(": 0 migration"), "{first}");
    assert!(run().contains(": 0 migration(s) applied"));
}

#[test]
fn an_unsupported_database_url_is_refused_with_the_reason() {
    let output = skillboard()
        .args(["migrate", "--database-url", "mysql://localhost/x"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
    assert!(stderr.contains("sqlite://PATH"), "{stderr}");
}

#[test]
fn an_unreachable_postgres_reports_the_real_connection_error() {
    let output = skillboard()
        .args([
            "migrate",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("cannot open the database postgres://"),
        "{stderr}"
    );
    assert!(stderr.to_lowercase().contains("connection"), "{stderr}");
}

#[test]
fn help_explains_every_option() {
    let output = skillboard().args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--bind",
        "SKILLBOARD_BIND",
        "--database-url",
        "DATABASE_URL",
        "--sqlite-fast",
        "--log-json",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
}

mod reqwest {
    /// A tiny blocking GET without pulling in reqwest's blocking feature.
    pub fn blocking_get(url: &str) -> serde_json::Value {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            ::reqwest::get(url)
                .await
                .expect("GET")
                .json()
                .await
                .expect("JSON body")
        })
    }
}
