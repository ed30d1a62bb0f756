//! Starts chromedriver on a free port and a headless Chromium with a fresh profile through it,
//! and stops both at the end, even when a test fails.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Browser tests start one Chromium each; on two cores they take turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub struct Browser {
    pub client: Client,
    driver: Driver,
    profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

fn path_of(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// Reports a missing browser: a failure when CI requires the browser leg, else a loud skip.
fn unavailable(reason: &str) -> Option<Browser> {
    if std::env::var("SKILLBOARD_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("SKILLBOARD_REQUIRE_BROWSER=1 but {reason}");
    }
    eprintln!(
        "\n*** SKIPPED browser tests: {reason} (apt-get install chromium chromium-driver) ***\n"
    );
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// A tablet-sized (800×1280) headless Chromium, or `None` when the tests are skipped.
    pub async fn start() -> Option<Browser> {
        let chromium = path_of("SKILLBOARD_CHROMIUM", CHROMIUM);
        let chromedriver = path_of("SKILLBOARD_CHROMEDRIVER", CHROMEDRIVER);
        for program in [&chromium, &chromedriver] {
            if !program.exists() {
                return unavailable(&format!("{} is missing", program.display()));
            }
        }
        let turn = ONE_AT_A_TIME.lock().await;
        let port = free_port();
        let driver = Driver(
            Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("chromedriver starts"),
        );
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not listen on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("a profile directory");
        let browser = Browser {
            client: connect(port, &chromium, profile.path()).await,
            driver,
            profile,
            _turn: turn,
        };
        browser.client.set_window_size(800, 1280).await.ok();
        Some(browser)
    }

    /// Closes the browser session (Chromium exits with it) and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        self.stop();
    }

    fn stop(&mut self) {
        self.driver.stop();
        kill_chromium_of(self.profile.path());
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Evaluates `expression` in the page.
    pub async fn eval(&self, expression: &str) -> Value {
        self.client
            .execute(&format!("return ({expression});"), vec![])
            .await
            .unwrap_or(Value::Null)
    }

    /// Waits until `condition` (JavaScript) is true in the page; fails with the page's text.
    pub async fn wait_for(&self, what: &str, condition: &str, timeout: Duration) {
        let started = Instant::now();
        loop {
            if self.eval(&format!("!!({condition})")).await == json!(true) {
                return;
            }
            if started.elapsed() > timeout {
                let text = self
                    .eval("document.body ? document.body.innerText : ''")
                    .await;
                let url = self.eval("location.href").await;
                panic!(
                    "timed out after {timeout:?} waiting for {what} ({condition})\nat {url}\npage text:\n{}",
                    text.as_str().unwrap_or_default()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for the element, brings it to the middle of the screen (clear of the sticky bars)
    /// and taps it the way a finger would, through WebDriver's pointer actions.
    pub async fn tap(&self, selector: &str) {
        self.wait_for(
            &format!("{selector} to be there"),
            &format!("document.querySelector({selector:?})"),
            Duration::from_secs(10),
        )
        .await;
        // The app re-renders lists as sheets change state, which can replace the element
        // between finding and tapping it: find it again then (a stale reference), a few times.
        let mut last_error = None;
        for _ in 0..5 {
            let element = self.element(selector).await;
            let scrolled = self
                .client
                .execute(
                    "arguments[0].scrollIntoView({block: 'center'});",
                    vec![json!(element)],
                )
                .await;
            let tapped = match scrolled {
                Ok(_) => element.click().await.map(drop),
                Err(error) => Err(error),
            };
            match tapped {
                Ok(()) => return,
                Err(error) if format!("{error:?}").contains("StaleElementReference") => {
                    last_error = Some(error);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("tap {selector}: {error:?}"),
            }
        }
        panic!("tap {selector}: the element kept being replaced: {last_error:?}");
    }

    pub async fn element(&self, selector: &str) -> fantoccini::elements::Element {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector}: {e}"))
    }

    pub async fn type_into(&self, selector: &str, text: &str) {
        self.tap(selector).await;
        self.element(selector)
            .await
            .send_keys(text)
            .await
            .expect("type");
    }

    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
        std::fs::create_dir_all(&dir).expect("test-artifacts/");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }
}

async fn connect(port: u16, chromium: &Path, profile: &Path) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--lang=en-US",
        "--window-size=800,1280",
        &format!("--user-data-dir={}", profile.display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": chromium, "args": args},
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("chromedriver starts a Chromium session")
}

/// Chromium normally exits with its session; after a failed test it may not, so its processes
/// (found by this test's own profile directory, never by name) are stopped by pid.
fn kill_chromium_of(profile: &Path) {
    let marker = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(&marker) {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}

/// chromedriver, stopped when dropped: also when connecting to it fails.
struct Driver(Child);

impl Driver {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.stop();
    }
}
