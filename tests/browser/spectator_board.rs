//! The spectator board in a real browser: it moves when a sheet is submitted, without a reload.

use std::time::Duration;

use serde_json::json;

use super::driver::Browser;
use super::fixture::running_contest;
use crate::helpers::{spawn_app, Session, TestBackend};

#[actix_web::test]
async fn the_spectator_board_moves_without_a_reload_when_a_sheet_is_submitted() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(&TestBackend::Sqlite).await;
    let contest = running_contest(&app).await;
    browser
        .goto(&format!("{}/board/ecommerce-2026", app.address))
        .await;
    browser
        .wait_for(
            "the three drawn teams on the board",
            "document.querySelectorAll('#rows tr').length === 3",
            Duration::from_secs(15),
        )
        .await;
    // A reload would forget this mark: the update must arrive over the socket.
    browser.eval("(window.__sameDocument = true)").await;

    let signed_in = app
        .anonymous()
        .post(
            "/api/v1/judge/session",
            &json!({"token": contest.tokens[1]}),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let judge = Session::with_bearer(&app.address, signed_in.body["session"].as_str().unwrap());
    let sheet = judge
        .put(
            &format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4()),
            &json!({"module": "A", "team": "W9CD", "status": "submitted", "version": 1,
                    "marks": {"A1": {"value": 5}, "A2": {"level": 3}}}),
        )
        .await;
    assert_eq!(sheet.status, 201, "{}", sheet.body);

    browser
        .wait_for(
            "W9CD to lead the board with its new total, in the same document",
            "window.__sameDocument === true && (() => { const first = document.querySelector('#rows tr'); \
             return first && first.textContent.includes('W9CD') && first.querySelector('.total .score') \
             && first.querySelector('.total .score').textContent !== '0'; })()",
            Duration::from_secs(20),
        )
        .await;
    // The sheet came as a patch of the board the page had, not as a whole board.
    let last = browser
        .eval("document.documentElement.dataset.lastMessage")
        .await;
    assert_eq!(last, json!("patch"));
    // The patched board is the server's: every team, top to bottom, with its rank and award.
    let shown = browser
        .eval(
            "[...document.querySelectorAll('#rows tr')].map((tr) => \
             [tr.dataset.key, Number(tr.dataset.rank), (tr.className.match(/award-\\d+/) || [''])[0]])",
        )
        .await;
    let board = app
        .anonymous()
        .get("/api/v1/contests/ecommerce-2026/board")
        .await;
    assert_eq!(board.status, 200, "{}", board.body);
    let expected: Vec<serde_json::Value> = board.body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let class = row["award"]
                .as_u64()
                .map_or(String::new(), |award| format!("award-{award}"));
            json!([row["code"], row["rank"], class])
        })
        .collect();
    assert_eq!(shown, json!(expected));
    let page = browser.eval("document.body.innerText").await;
    let text = page.as_str().unwrap_or_default();
    // The fixture's teams are named 参赛队 1..3; a codes board shows only codes and stations.
    assert!(
        !text.contains("参赛队"),
        "a team name leaked onto a codes board: {text}"
    );
    // Let the rank-change animation settle so the picture shows the final board.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    browser.screenshot("board.png").await;
    browser.close().await;
}

/// The projector mode (`?screen=1`) on a 1080p screen and the phone view: large type, no
/// controls, the live connection shown; screenshots kept for a human to look at.
#[actix_web::test]
async fn the_board_fits_a_projector_and_a_phone() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(&TestBackend::Sqlite).await;
    running_contest(&app).await;
    let rows_shown = "document.querySelectorAll('#rows tr').length === 3 \
                      && document.querySelector('#connection').className.includes('conn-live')";

    browser.client.set_window_size(1920, 1080).await.unwrap();
    browser
        .goto(&format!("{}/board/ecommerce-2026?screen=1", app.address))
        .await;
    browser
        .wait_for(
            "the live board on the projector",
            rows_shown,
            Duration::from_secs(15),
        )
        .await;
    let projector = browser
        .eval(
            "(() => { const who = document.querySelector('#rows tr .who'); \
             const lang = document.querySelector('#lang'); \
             return { screen: document.body.classList.contains('screen'), \
                      whoPx: parseFloat(getComputedStyle(who).fontSize), \
                      langShown: getComputedStyle(lang).display !== 'none', \
                      overflow: document.documentElement.scrollWidth > window.innerWidth }; })()",
        )
        .await;
    assert_eq!(projector["screen"], true, "{projector}");
    assert!(
        projector["whoPx"].as_f64().unwrap() >= 28.0,
        "team codes readable from the back of the hall: {projector}"
    );
    assert_eq!(
        projector["langShown"], false,
        "no controls on the projector"
    );
    assert_eq!(projector["overflow"], false, "nothing cut off sideways");
    browser.screenshot("board-projector.png").await;

    browser.client.set_window_size(390, 844).await.unwrap();
    browser
        .goto(&format!("{}/board/ecommerce-2026", app.address))
        .await;
    browser
        .wait_for(
            "the live board on a phone",
            rows_shown,
            Duration::from_secs(15),
        )
        .await;
    let phone = browser
        .eval("document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(phone, true, "the phone board needs no sideways scrolling");
    browser.screenshot("board-phone.png").await;
    browser.close().await;
}
