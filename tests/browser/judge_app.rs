use std::time::{Duration, Instant};

use super::driver::Browser;
use super::fixture::{lock_module_a, running_contest, sheets_of, Contest, CODES, PIN};
use crate::helpers::proxy::TcpProxy;
use crate::helpers::{spawn_app, TestApp, TestBackend};

const SHORT: Duration = Duration::from_secs(10);
/// The outbox backs off up to 15 s between tries while the server cannot be reached.
const SENDING: Duration = Duration::from_secs(45);

/// The server, a proxy in front of it (the venue's Wi-Fi), a browser that only knows the proxy.
struct Venue {
    app: TestApp,
    contest: Contest,
    wifi: TcpProxy,
    browser: Browser,
}

impl Venue {
    async fn open() -> Option<Venue> {
        let browser = Browser::start().await?;
        let app = spawn_app(&TestBackend::Sqlite).await;
        let contest = running_contest(&app).await;
        let wifi = TcpProxy::start(&format!("127.0.0.1:{}", app.port));
        Some(Venue {
            app,
            contest,
            wifi,
            browser,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.wifi.port())
    }

    /// Opens judge `index`'s personal link (typing the PIN when asked) and waits for module A.
    async fn sign_in(&self, index: usize) {
        let b = &self.browser;
        b.goto(&self.url(&format!("/judge#t={}", self.contest.tokens[index])))
            .await;
        if index == 0 {
            b.type_into("#pin", PIN).await;
            b.tap("#pin-submit").await;
        }
        b.wait_for(
            "module A",
            "document.querySelector('[data-module=\"A\"]')",
            SHORT,
        )
        .await;
        english(b).await;
    }

    /// Opens `team`'s sheet from the module list or the team list.
    async fn open_sheet(&self, team: &str) {
        let b = &self.browser;
        if b.eval("!document.querySelector('[data-team]')").await == true {
            b.tap("[data-module=\"A\"]").await;
        }
        b.tap(&format!("[data-team=\"{team}\"]")).await;
        b.wait_for(
            &format!("the sheet of {team}"),
            &format!("document.getElementById('sheet-title')?.textContent.includes('{team}')"),
            SHORT,
        )
        .await;
    }

    /// On the open sheet: A1 4.5 of 5, A2 at `level`, no deduction; then submit and confirm.
    async fn fill_and_submit(&self, level: u8) {
        let b = &self.browser;
        b.type_into("[data-criterion=\"A1\"] input.value", "4.5")
            .await;
        b.tap(&format!(
            "[data-criterion=\"A2\"] button[data-level=\"{level}\"]"
        ))
        .await;
        b.wait_for(
            "level pressed",
            &format!("document.querySelector('[data-criterion=\"A2\"] [data-level=\"{level}\"]').getAttribute('aria-pressed') === 'true'"),
            SHORT,
        )
        .await;
        b.tap("#submit").await;
        b.tap("#confirm-submit").await;
        b.wait_for(
            "the sheet to be handed to the outbox",
            "['waiting', 'sent', 'problem'].includes(document.getElementById('sync').dataset.state)",
            SHORT,
        )
        .await;
    }

    async fn back_to_teams(&self) {
        self.browser.tap("#back").await;
        self.browser
            .wait_for(
                "the team list",
                "document.querySelector('[data-team]')",
                SHORT,
            )
            .await;
    }

    async fn team_state_is(&self, team: &str, state: &str, timeout: Duration) {
        self.browser
            .wait_for(
                &format!("{team} to be {state}"),
                &format!(
                    "document.querySelector('[data-team=\"{team}\"][data-state=\"{state}\"]')"
                ),
                timeout,
            )
            .await;
    }

    async fn close(self) {
        self.browser.close().await;
    }
}

async fn english(b: &Browser) {
    if b.eval("document.documentElement.lang").await != "en" {
        b.tap("#lang").await;
    }
}

/// Waits until the server holds exactly `expected` sheets for `team`.
async fn server_sheets(app: &TestApp, team: &str, expected: usize) -> Vec<(String, i32, String)> {
    let started = Instant::now();
    loop {
        let sheets = sheets_of(app, team).await;
        if sheets.len() >= expected || started.elapsed() > SENDING {
            return sheets;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[actix_web::test]
async fn a_judge_signs_in_from_the_link_with_a_pin_and_submits_a_sheet() {
    let Some(venue) = Venue::open().await else {
        return;
    };

    venue.sign_in(0).await;
    let address = venue.browser.eval("location.href").await;
    assert!(
        !address.as_str().unwrap().contains(&venue.contest.tokens[0]),
        "the link's token must leave the address bar: {address}"
    );
    venue.open_sheet("K7QM").await;
    venue.fill_and_submit(2).await;

    venue
        .browser
        .wait_for(
            "the server's confirmation",
            "document.getElementById('sync').dataset.state === 'sent'",
            SHORT,
        )
        .await;
    let sheets = sheets_of(&venue.app, "K7QM").await;
    assert_eq!(sheets.len(), 1, "{sheets:?}");
    let (status, _, marks) = &sheets[0];
    assert_eq!(status, "submitted");
    let marks: serde_json::Value = serde_json::from_str(marks).unwrap();
    assert_eq!(marks["A1"]["value"], 450, "{marks}");
    assert_eq!(marks["A2"]["level"], 2, "{marks}");
    venue.close().await;
}

#[actix_web::test]
async fn sheets_filled_while_offline_arrive_exactly_once_when_the_network_returns() {
    let Some(venue) = Venue::open().await else {
        return;
    };
    venue.sign_in(1).await;
    venue.open_sheet("K7QM").await;
    venue.fill_and_submit(3).await;
    venue.back_to_teams().await;
    venue.team_state_is("K7QM", "sent", SHORT).await;

    venue.wifi.cut();
    for (team, level) in [("P3XA", 1), ("W9CD", 2)] {
        venue.open_sheet(team).await;
        venue.fill_and_submit(level).await;
        venue
            .browser
            .wait_for(
                "the sheet to wait",
                "document.getElementById('sync').dataset.state === 'waiting'",
                SHORT,
            )
            .await;
        venue.back_to_teams().await;
    }
    for team in ["P3XA", "W9CD"] {
        venue.team_state_is(team, "waiting", SHORT).await;
    }
    venue
        .browser
        .wait_for(
            "the offline notice",
            "document.getElementById('connection').dataset.connection === 'offline' && document.getElementById('connection').dataset.waiting === '2'",
            SHORT,
        )
        .await;
    // Let the outbox fail a few times against the cut network.
    tokio::time::sleep(Duration::from_secs(4)).await;
    for team in ["P3XA", "W9CD"] {
        assert!(sheets_of(&venue.app, team).await.is_empty());
    }

    venue.wifi.restore();
    for team in ["P3XA", "W9CD"] {
        venue.team_state_is(team, "sent", SENDING).await;
    }
    for team in CODES {
        let sheets = server_sheets(&venue.app, team, 1).await;
        assert_eq!(sheets.len(), 1, "{team}: {sheets:?}");
        assert_eq!(sheets[0].0, "submitted", "{team}");
        assert_eq!(
            sheets[0].1, 1,
            "{team}: one write, sent once, never a second version"
        );
    }
    venue.close().await;
}

#[actix_web::test]
async fn a_reload_while_offline_keeps_the_pending_sheet_and_sends_it_later() {
    let Some(venue) = Venue::open().await else {
        return;
    };
    let b = &venue.browser;
    venue.sign_in(1).await;
    b.wait_for(
        "the service worker to control the page",
        "navigator.serviceWorker.controller !== null",
        SHORT,
    )
    .await;
    venue.open_sheet("P3XA").await;

    venue.wifi.cut();
    venue.fill_and_submit(1).await;
    b.wait_for(
        "the sheet to wait",
        "document.getElementById('sync').dataset.state === 'waiting'",
        SHORT,
    )
    .await;
    b.client.refresh().await.expect("reload");
    b.wait_for(
        "the reloaded sheet, from the service worker and IndexedDB",
        "document.getElementById('sync')?.dataset.state === 'waiting'",
        SHORT,
    )
    .await;
    assert!(sheets_of(&venue.app, "P3XA").await.is_empty());

    venue.wifi.restore();
    b.wait_for(
        "the server's confirmation",
        "document.getElementById('sync').dataset.state === 'sent'",
        SENDING,
    )
    .await;
    let sheets = sheets_of(&venue.app, "P3XA").await;
    assert_eq!(sheets.len(), 1, "{sheets:?}");
    assert_eq!((sheets[0].0.as_str(), sheets[0].1), ("submitted", 1));
    venue.close().await;
}

#[actix_web::test]
async fn a_locked_module_is_reported_in_plain_words() {
    let Some(venue) = Venue::open().await else {
        return;
    };
    let b = &venue.browser;
    venue.sign_in(1).await;
    venue.open_sheet("K7QM").await;

    lock_module_a(&venue.app, &venue.contest.id).await;
    venue.fill_and_submit(2).await;

    b.wait_for(
        "the locked module's explanation",
        "document.querySelector('[data-code=\"sheet.module_locked\"]')",
        SHORT,
    )
    .await;
    let words = b
        .eval("document.querySelector('[data-code=\"sheet.module_locked\"]').innerText")
        .await;
    let words = words.as_str().unwrap();
    assert!(
        words.contains("locked")
            && words.contains("chief judge")
            && words.contains("still on this tablet"),
        "{words}"
    );
    assert!(sheets_of(&venue.app, "K7QM").await.is_empty());
    venue.back_to_teams().await;
    venue.team_state_is("K7QM", "problem", SHORT).await;
    venue.team_state_is("P3XA", "locked", SHORT).await;
    venue.close().await;
}

/// Leaves `test-artifacts/judge-sheet.png` (portrait, Chinese) and
/// `test-artifacts/judge-sheet-landscape.png` (English) to look at, and checks what can be
/// checked without eyes: nothing wider than the screen, every control at least 48 px tall.
#[actix_web::test]
async fn the_sheet_screen_fits_a_tablet_in_both_orientations() {
    let Some(venue) = Venue::open().await else {
        return;
    };
    let b = &venue.browser;
    venue.sign_in(0).await;
    b.tap("#lang").await; // 中文
    venue.open_sheet("W9CD").await;
    b.type_into("[data-criterion=\"A1\"] input.value", "4.5")
        .await;
    b.tap("[data-criterion=\"A2\"] button[data-level=\"2\"]")
        .await;
    b.wait_for(
        "the total",
        "document.getElementById('total').textContent === '8.5'",
        SHORT,
    )
    .await;
    b.eval("window.scrollTo(0, 0)").await;

    for (name, width, height) in [
        ("judge-sheet.png", 800, 1280),
        ("judge-sheet-landscape.png", 1280, 800),
    ] {
        b.client
            .set_window_size(width, height)
            .await
            .expect("resize");
        if width > height {
            b.tap("#lang").await; // English
        }
        b.wait_for(
            "the layout to settle",
            "document.fonts.status === 'loaded'",
            SHORT,
        )
        .await;
        let overflow = b
            .eval("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            .await;
        assert_eq!(overflow, 0, "{name}: the sheet is wider than the screen");
        let small = b
            .eval(
                "[...document.querySelectorAll('button, a.button, a.back, input, a.tile')]\
                 .filter(e => e.getBoundingClientRect().height < 48)\
                 .map(e => e.outerHTML.slice(0, 80))",
            )
            .await;
        assert_eq!(
            small,
            serde_json::json!([]),
            "{name}: touch targets under 48 px"
        );
        let path = b.screenshot(name).await;
        eprintln!("screenshot: {}", path.display());
    }
    venue.close().await;
}
