//! The organizer console in a real browser at laptop size: an organizer signs in, creates a
//! contest, imports a registration file with one bad row (sees the row's error, nothing is
//! saved), fixes it and imports it, corrects a team by hand, checks the teams in, runs the draw,
//! creates a judge (sees the card with the link and QR code) and exports the results.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::driver::Browser;
use crate::helpers::{spawn_app, TestBackend, PASSWORD};

const SHORT: Duration = Duration::from_secs(15);
const SLUG: &str = "ecommerce-2027";

/// One row per contestant; line 3 (the header is line 1) has a 10-digit mobile number.
const BAD_FILE: &str = "\u{feff}队名,学校,地区,姓名,手机,指导教师\n\
星火队,深圳职业技术大学,广东,张伟,13800138001,陈明\n\
星火队,深圳职业技术大学,广东,李娜,1380013800,\n\
晨光队,浙江商业职业技术学院,浙江,王芳,13900139001,刘强\n";

const GOOD_FILE: &str = "\u{feff}队名,学校,地区,姓名,手机,指导教师\n\
星火队,深圳职业技术大学,广东,张伟,13800138001,陈明\n\
星火队,深圳职业技术大学,广东,李娜,13800138002,\n\
晨光队,浙江商业职业技术学院,浙江,王芳,13900139001,刘强\n";

async fn text_of(b: &Browser, selector: &str) -> String {
    b.eval(&format!(
        "(document.querySelector({selector:?}) || {{}}).innerText || ''"
    ))
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Chooses `path` in the page's file input, as a person picking it in the file dialog.
async fn choose_file(b: &Browser, selector: &str, path: &Path) {
    b.wait_for(
        "the file input",
        &format!("document.querySelector({selector:?}) && !document.querySelector({selector:?}).disabled"),
        SHORT,
    )
    .await;
    b.element(selector)
        .await
        .send_keys(path.to_str().expect("a UTF-8 path"))
        .await
        .expect("choose the file");
}

/// With `SKILLBOARD_SHOTS` set, saves what the page shows now for a person to look at.
async fn look(b: &Browser, name: &str) {
    if let Some(dir) = std::env::var_os("SKILLBOARD_SHOTS") {
        let png = b.client.screenshot().await.expect("a screenshot");
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        std::fs::write(Path::new(&dir).join(format!("walk-{name}.png")), png).expect("write");
    }
}

/// Opens tab `name` of the contest and waits for the tab to be drawn.
async fn open_tab(b: &Browser, name: &str, ready: &str) {
    b.tap(&format!("nav.tabs a[href$=\"/{name}\"]")).await;
    b.wait_for(&format!("the {name} tab"), ready, SHORT).await;
}

#[actix_web::test]
async fn an_organizer_sets_up_a_contest_from_the_console_and_exports_its_results() {
    let Some(b) = Browser::start().await else {
        return;
    };
    b.client
        .set_window_size(1366, 768)
        .await
        .expect("laptop size");
    let app = spawn_app(&TestBackend::Sqlite).await;
    let admin = app.admin().await;
    let school = app.organization(&admin, "深圳职业技术大学", "school").await;
    let api = app.organizer(&admin, &school, "li.organizer").await;
    let files = tempfile::tempdir().expect("a folder for the spreadsheets");
    let bad = files.path().join("报名表.csv");
    let good = files.path().join("报名表-修正.csv");
    std::fs::write(&bad, BAD_FILE).unwrap();
    std::fs::write(&good, GOOD_FILE).unwrap();

    // Sign in.
    b.goto(&format!("{}/admin", app.address)).await;
    b.eval("localStorage.setItem('skillboard.lang', 'en')")
        .await;
    b.goto(&format!("{}/admin", app.address)).await;
    b.type_into("#signin-form input[name=username]", "li.organizer")
        .await;
    b.type_into("#signin-form input[name=password]", PASSWORD)
        .await;
    b.tap("#signin-form button[type=submit]").await;
    b.wait_for(
        "the console with no contest yet",
        "document.querySelector('.welcome')",
        SHORT,
    )
    .await;

    // Create a contest.
    b.tap(".sidebar a[href=\"#/new\"]").await;
    b.type_into("input[name=slug]", SLUG).await;
    b.type_into("input[name=title_zh]", "电子商务技能大赛")
        .await;
    b.type_into("input[name=title_en]", "E-commerce Skills Contest")
        .await;
    // Typing into datetime-local fields depends on the browser's locale; set them as a picker would.
    b.eval(
        "(() => { for (const [n, v] of [['starts_at', '2027-05-18T08:30'], ['ends_at', '2027-05-18T17:00']]) { \
         const i = document.querySelector(`input[name=${n}]`); i.value = v; i.dispatchEvent(new Event('input')); } })()",
    )
    .await;
    b.tap("form.grid-form button[type=submit]").await;
    b.wait_for(
        "the new contest's overview",
        "document.querySelector('.contest-head h1')?.textContent === 'E-commerce Skills Contest' \
         && document.querySelector('.sidebar .contest-list')?.textContent.includes('ecommerce-2027')",
        SHORT,
    )
    .await;

    // A file with one bad row: every problem shown, nothing saved.
    open_tab(&b, "registration", "document.getElementById('reg-file')").await;
    choose_file(&b, "#reg-file", &bad).await;
    b.tap("#reg-check").await;
    b.wait_for(
        "the bad row's error",
        "document.querySelector('.import-errors tbody tr')",
        SHORT,
    )
    .await;
    look(&b, "1-import-errors").await;
    let errors = text_of(&b, ".import-errors").await;
    assert!(errors.contains("(1 problem)"), "{errors}");
    let row = text_of(&b, ".import-errors tbody tr").await;
    assert!(
        row.starts_with('3') && row.contains("phone") && row.contains("invalid_phone"),
        "line 3's phone is the problem: {row}"
    );
    assert!(
        text_of(&b, "main")
            .await
            .contains("Nothing was saved. Fix these rows"),
        "the page says nothing was saved"
    );
    assert!(
        b.eval("!document.getElementById('reg-import')").await == Value::Bool(true),
        "no import button is offered for a bad file"
    );
    assert!(text_of(&b, "main").await.contains("No teams."));
    let stored = api.get(&format!("/api/v1/contests/{SLUG}/teams")).await;
    assert_eq!(
        stored.body,
        serde_json::json!([]),
        "the bad file saved nothing"
    );

    // The fixed file: a preview first, then the import.
    choose_file(&b, "#reg-file", &good).await;
    b.tap("#reg-check").await;
    b.wait_for(
        "the preview of the fixed file",
        "document.querySelector('.preview') && document.getElementById('reg-import')",
        SHORT,
    )
    .await;
    look(&b, "2-import-preview").await;
    let preview = text_of(&b, ".preview").await;
    assert!(preview.contains("has no errors"), "{preview}");
    assert!(
        preview.contains("星火队") && preview.contains("晨光队"),
        "{preview}"
    );
    b.tap("#reg-import").await;
    b.wait_for(
        "the import to finish and list both teams",
        "document.getElementById('reg-imported') && document.querySelectorAll('[data-check-in]').length === 2",
        SHORT,
    )
    .await;
    assert!(
        text_of(&b, "#reg-imported")
            .await
            .contains("2 teams created"),
        "{}",
        text_of(&b, "#reg-imported").await
    );

    // Correct a team by hand: a bad mobile number is refused beside its field, a good edit saved.
    b.tap("[data-edit]").await;
    b.wait_for(
        "the team editor",
        "document.querySelector('#team-editor[open]')",
        SHORT,
    )
    .await;
    let first_name = b
        .eval("document.querySelector('#team-editor input[name=name]').value")
        .await;
    b.type_into("#team-editor tbody tr:first-child .m-phone", "12345")
        .await;
    b.tap("#team-save").await;
    b.wait_for(
        "the phone's error beside the field",
        "document.querySelector('#team-editor [data-field=\"members[0].phone\"].invalid .field-error')?.textContent.length > 0",
        SHORT,
    )
    .await;
    look(&b, "3-team-editor-error").await;
    b.eval("(() => { const i = document.querySelector('#team-editor tbody tr:first-child .m-phone'); i.value = ''; })()")
        .await;
    b.type_into("#team-editor input[name=coach]", "（新）")
        .await;
    b.tap("#team-save").await;
    b.wait_for(
        "the editor to close and the list to reload",
        "!document.getElementById('team-editor') && document.querySelectorAll('[data-check-in]').length === 2",
        SHORT,
    )
    .await;
    let teams = api.get(&format!("/api/v1/contests/{SLUG}/teams")).await;
    let edited = teams
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == first_name)
        .expect("the edited team");
    assert!(
        edited["coach"]
            .as_str()
            .unwrap_or_default()
            .ends_with("（新）"),
        "{edited}"
    );

    // Check both teams in, then draw.
    for left in [1, 0] {
        b.tap("[data-check-in]").await;
        b.wait_for(
            "one more team checked in",
            &format!("document.querySelectorAll('[data-check-in]').length === {left}"),
            SHORT,
        )
        .await;
    }
    b.wait_for(
        "both teams checked in",
        "document.querySelectorAll('[data-check-in]').length === 0 && document.querySelector('main').innerText.includes('2 checked in')",
        SHORT,
    )
    .await;
    open_tab(&b, "draw", "document.getElementById('draw-run')").await;
    assert!(text_of(&b, "#draw-run").await.contains("Draw for 2 teams"));
    b.tap("#draw-run").await;
    b.tap("#confirm-ok").await;
    b.wait_for(
        "two stations drawn",
        "document.querySelectorAll('main code.team-code').length === 2",
        SHORT,
    )
    .await;
    look(&b, "4-drawn").await;
    let codes: Vec<String> = serde_json::from_value(
        b.eval("[...document.querySelectorAll('main code.team-code')].map(c => c.textContent)")
            .await,
    )
    .unwrap();
    assert!(codes.iter().all(|c| c.len() == 4), "{codes:?}");
    let station_cards = b
        .eval("[...document.querySelectorAll('main a.button')].map(a => a.getAttribute('href')).join(' ')")
        .await;
    assert!(
        station_cards
            .as_str()
            .unwrap()
            .contains(&format!("/api/v1/contests/{SLUG}/draw/station-cards")),
        "{station_cards}"
    );

    // A judge: the card with the personal link and its QR code opens at once.
    open_tab(
        &b,
        "judges",
        "document.querySelector('main form.grid-form input[name=name]')",
    )
    .await;
    b.type_into("main form.grid-form input[name=name]", "王裁判")
        .await;
    b.type_into(
        "main form.grid-form input[name=organization]",
        "深圳职业技术大学",
    )
    .await;
    b.tap("main form.grid-form button[type=submit]").await;
    b.wait_for(
        "the judge's card",
        "document.querySelector('#print-area:not([hidden]) .judge-card')",
        SHORT,
    )
    .await;
    let card = text_of(&b, "#print-area .judge-card").await;
    assert!(card.contains("王裁判"), "{card}");
    let link = text_of(&b, "#print-area .card-link").await;
    assert!(link.contains("/judge#t="), "{link}");
    assert_eq!(
        b.eval("document.querySelector('#print-area img.qr').getAttribute('src').startsWith('data:image/svg+xml')")
            .await,
        Value::Bool(true),
        "the QR code is the server's SVG as an image"
    );
    assert!(
        b.eval("document.querySelector('#print-area img.qr').naturalWidth > 0")
            .await
            == Value::Bool(true),
        "the QR code is an image the browser could draw"
    );
    b.tap("#print-area .print-toolbar button.ghost").await;
    b.wait_for(
        "the judge in the list",
        "document.getElementById('print-area').hidden && document.querySelector('main').innerText.includes('王裁判')",
        SHORT,
    )
    .await;

    // Exports: every button points at its file; the CSV arrives through the page.
    open_tab(&b, "exports", "document.querySelector('[data-export=csv]')").await;
    let base = format!("/api/v1/contests/{SLUG}");
    let href =
        |key: &str| format!("document.querySelector('[data-export={key}]').getAttribute('href')");
    for (key, path) in [
        ("csv", "/results.csv"),
        ("xlsx", "/results.xlsx"),
        ("json", "/results.json"),
        ("print", "/results/print"),
        ("certificates", "/results/certificates"),
        ("feed", "/event-feed"),
    ] {
        assert_eq!(b.eval(&href(key)).await, format!("{base}{path}"), "{key}");
    }
    b.tap("#export-names").await;
    assert_eq!(
        b.eval(&href("csv")).await,
        format!("{base}/results.csv?names=true")
    );
    // Fetched with the page's session cookie, the CSV is UTF-8 with a BOM and names the teams.
    let csv = b
        .eval(&format!(
            "fetch({:?}).then(async r => [r.status, r.headers.get('content-type'), \
             [...new Uint8Array(await r.clone().arrayBuffer()).slice(0, 3)], await r.text()])",
            format!("{base}/results.csv?names=true")
        ))
        .await;
    assert_eq!(csv[0], 200, "{csv}");
    assert!(
        csv[1].as_str().unwrap_or_default().starts_with("text/csv"),
        "{csv}"
    );
    assert_eq!(
        csv[2],
        serde_json::json!([0xef, 0xbb, 0xbf]),
        "a UTF-8 BOM: {csv}"
    );
    let body = csv[3].as_str().unwrap_or_default();
    assert!(body.contains("星火队") && body.contains("晨光队"), "{body}");
    let xlsx = b
        .eval(&format!(
            "fetch({:?}).then(async r => [r.status, [...new Uint8Array(await r.arrayBuffer()).slice(0, 2)]])",
            format!("{base}/results.xlsx")
        ))
        .await;
    assert_eq!(
        xlsx,
        serde_json::json!([200, [0x50, 0x4b]]),
        "an XLSX is a zip"
    );

    b.tap("[data-export=csv]").await;
    b.wait_for(
        "the download to finish",
        "document.querySelector('#export-status [data-file]')",
        SHORT,
    )
    .await;
    look(&b, "5-exported").await;
    let saved = text_of(&b, "#export-status").await;
    assert!(
        saved.contains("Downloaded") && saved.contains(".csv"),
        "{saved}"
    );
    b.close().await;
}

/// Every console screen at the two laptop sizes, in English and Chinese, for a person to look
/// at (not an assertion): `SKILLBOARD_SHOTS=/tmp/console-shots cargo test --test browser
/// console_screens -- --ignored`.
#[actix_web::test]
#[ignore = "writes screenshots for review; run on demand"]
async fn console_screens() {
    use super::fixture::running_contest;
    let Some(b) = Browser::start().await else {
        return;
    };
    let dir = std::path::PathBuf::from(
        std::env::var("SKILLBOARD_SHOTS").unwrap_or_else(|_| "/tmp/console-shots".to_owned()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let app = spawn_app(&TestBackend::Sqlite).await;
    let contest = running_contest(&app).await;
    // Judge Li submits two sheets and leaves one in draft, so progress has something to show.
    let signed_in = app
        .anonymous()
        .post(
            "/api/v1/judge/session",
            &serde_json::json!({"token": contest.tokens[1]}),
        )
        .await;
    let judge = crate::helpers::Session::with_bearer(
        &app.address,
        signed_in.body["session"].as_str().unwrap(),
    );
    for (team, status) in [
        ("K7QM", "submitted"),
        ("P3XA", "submitted"),
        ("W9CD", "draft"),
    ] {
        let reply = judge
            .put(
                &format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4()),
                &serde_json::json!({"module": "A", "team": team, "status": status, "version": 1,
                        "marks": {"A1": {"value": 4.5}, "A2": {"level": 2}}}),
            )
            .await;
        assert!(reply.status < 300, "{}", reply.body);
    }
    let shot = |name: String| {
        let b = &b;
        let dir = dir.clone();
        async move {
            for (w, h) in [(1366u32, 768u32), (1440, 900)] {
                b.client.set_window_size(w, h).await.unwrap();
                tokio::time::sleep(Duration::from_millis(400)).await;
                let png = b.client.screenshot().await.unwrap();
                std::fs::write(dir.join(format!("{name}-{w}x{h}.png")), png).unwrap();
            }
            // Below the fold at 1366×768: one picture per screenful, at most four.
            b.client.set_window_size(1366, 768).await.unwrap();
            let pages = b
                .eval("Math.min(4, Math.ceil(document.documentElement.scrollHeight / window.innerHeight))")
                .await
                .as_u64()
                .unwrap_or(1);
            for page in 1..pages {
                b.eval(&format!(
                    "window.scrollTo(0, {page} * (window.innerHeight - 40))"
                ))
                .await;
                tokio::time::sleep(Duration::from_millis(200)).await;
                let png = b.client.screenshot().await.unwrap();
                std::fs::write(dir.join(format!("{name}-1366x768-p{}.png", page + 1)), png)
                    .unwrap();
            }
            b.eval("window.scrollTo(0, 0)").await;
            b.client.set_window_size(1366, 768).await.unwrap();
        }
    };
    b.client.set_window_size(1366, 768).await.unwrap();
    let organizer = app.sign_in("school.organizer", PASSWORD).await;
    for lang in ["en", "zh"] {
        if lang == "zh" {
            // The Chinese pass shows a ceremony under way: one place revealed.
            let step = organizer
                .post(
                    "/api/v1/contests/ecommerce-2026/reveal",
                    &serde_json::json!({"mode": "step"}),
                )
                .await;
            assert_eq!(step.status, 200, "{}", step.body);
        }
        b.goto(&format!("{}/admin", app.address)).await;
        b.eval(&format!(
            "localStorage.setItem('skillboard.lang', '{lang}')"
        ))
        .await;
        b.eval("fetch('/api/v1/auth/logout', {method: 'POST'})")
            .await;
        b.goto(&format!("{}/admin", app.address)).await;
        b.wait_for(
            "sign-in",
            "!document.getElementById('signin').hidden",
            SHORT,
        )
        .await;
        shot(format!("{lang}-00-signin")).await;
        b.type_into("#signin-form input[name=username]", "school.organizer")
            .await;
        b.type_into("#signin-form input[name=password]", PASSWORD)
            .await;
        b.tap("#signin-form button[type=submit]").await;
        b.wait_for(
            "the console",
            "document.querySelector('.contest-head h1')",
            SHORT,
        )
        .await;
        let tabs = [
            "overview",
            "scheme",
            "registration",
            "draw",
            "judges",
            "review",
            "results",
            "exports",
            "appeals",
            "audit",
        ];
        for (i, tab) in tabs.iter().enumerate() {
            b.goto(&format!("{}/admin#/c/ecommerce-2026/{tab}", app.address))
                .await;
            b.wait_for(
                tab,
                "document.querySelector('.tab-body') && !document.querySelector('.tab-body > .loading') && document.querySelector('.tab-body').children.length > 0",
                SHORT,
            )
            .await;
            tokio::time::sleep(Duration::from_millis(800)).await;
            shot(format!("{lang}-{:02}-{tab}", i + 1)).await;
        }
        b.goto(&format!(
            "{}/admin#/c/ecommerce-2026/registration",
            app.address
        ))
        .await;
        b.tap("[data-edit]").await;
        b.wait_for(
            "editor",
            "document.querySelector('#team-editor[open]')",
            SHORT,
        )
        .await;
        shot(format!("{lang}-11-team-editor")).await;
        b.eval("document.querySelector('#team-editor').close()")
            .await;
        b.goto(&format!("{}/admin#/new", app.address)).await;
        b.wait_for("new", "document.querySelector('input[name=slug]')", SHORT)
            .await;
        shot(format!("{lang}-12-new-contest")).await;
        b.goto(&format!("{}/admin#/c/ecommerce-2026/judges", app.address))
            .await;
        b.type_into("main form.grid-form input[name=name]", "王裁判")
            .await;
        b.tap("main form.grid-form button[type=submit]").await;
        b.wait_for(
            "card",
            "document.querySelector('#print-area:not([hidden]) .judge-card')",
            SHORT,
        )
        .await;
        shot(format!("{lang}-13-judge-card")).await;
        b.tap("#print-area .print-toolbar button.ghost").await;
    }
    let admin_shot = {
        b.eval("fetch('/api/v1/auth/logout', {method: 'POST'})")
            .await;
        b.goto(&format!("{}/admin", app.address)).await;
        b.type_into("#signin-form input[name=username]", "admin")
            .await;
        b.type_into(
            "#signin-form input[name=password]",
            crate::helpers::ADMIN_PASSWORD,
        )
        .await;
        b.tap("#signin-form button[type=submit]").await;
        b.wait_for("console", "!document.getElementById('app').hidden", SHORT)
            .await;
        b.tap(".sidebar a[href=\"#/accounts\"]").await;
        b.wait_for(
            "accounts",
            "document.querySelectorAll('main table').length >= 2",
            SHORT,
        )
        .await;
        "zh-14-accounts".to_owned()
    };
    shot(admin_shot).await;
    b.close().await;
}

/// Scoring progress moves over the socket without a reload, and the ceremony's first reveal
/// step reaches the public board.
#[actix_web::test]
async fn scoring_progress_moves_live_and_the_reveal_steps_from_the_bottom() {
    use super::fixture::running_contest;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.client
        .set_window_size(1366, 768)
        .await
        .expect("laptop size");
    let app = spawn_app(&TestBackend::Sqlite).await;
    let contest = running_contest(&app).await;
    b.goto(&format!("{}/admin", app.address)).await;
    b.eval("localStorage.setItem('skillboard.lang', 'en')")
        .await;
    b.goto(&format!("{}/admin#/c/ecommerce-2026/review", app.address))
        .await;
    b.type_into("#signin-form input[name=username]", "school.organizer")
        .await;
    b.type_into("#signin-form input[name=password]", PASSWORD)
        .await;
    b.tap("#signin-form button[type=submit]").await;
    let cell = "document.querySelector('td[data-judge=\"Judge Li\"][data-module=\"A\"]')";
    b.wait_for(
        "Judge Li owing all three teams, with the socket live",
        &format!(
            "document.getElementById('live-status')?.classList.contains('live') \
             && {cell}?.innerText.startsWith('0 / 3')"
        ),
        SHORT,
    )
    .await;
    // A reload would forget this mark: the change must come over the socket.
    b.eval("(window.__sameDocument = true)").await;

    let signed_in = app
        .anonymous()
        .post(
            "/api/v1/judge/session",
            &serde_json::json!({"token": contest.tokens[1]}),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let judge = crate::helpers::Session::with_bearer(
        &app.address,
        signed_in.body["session"].as_str().unwrap(),
    );
    let sheet = judge
        .put(
            &format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4()),
            &serde_json::json!({"module": "A", "team": "W9CD", "status": "submitted", "version": 1,
                    "marks": {"A1": {"value": 5}, "A2": {"level": 3}}}),
        )
        .await;
    assert_eq!(sheet.status, 201, "{}", sheet.body);
    b.wait_for(
        "Judge Li's cell to show the sheet, in the same document",
        &format!(
            "window.__sameDocument === true && {cell}?.innerText.startsWith('1 / 3') \
             && !{cell}.innerText.includes('W9CD') && {cell}.innerText.includes('K7QM')"
        ),
        // Shorter than the 15 s poll, so only the socket can make it.
        Duration::from_secs(10),
    )
    .await;
    assert!(
        text_of(&b, "tr[data-module=A] .submitted-count").await == "1 / 6",
        "the module summary moved too: {}",
        text_of(&b, "tr[data-module=A]").await
    );

    // The ceremony: one place from the bottom, W9CD (the only team with marks) stays hidden.
    open_tab(&b, "results", "document.getElementById('reveal-step')").await;
    assert_eq!(text_of(&b, "#revealed-count").await, "0 / 3");
    b.tap("#reveal-step").await;
    b.wait_for(
        "one place revealed",
        "document.getElementById('revealed-count')?.innerText === '1 / 3'",
        SHORT,
    )
    .await;
    let board = app
        .anonymous()
        .get("/api/v1/contests/ecommerce-2026/board")
        .await;
    assert_eq!(board.body["reveal"]["revealed"], 1, "{}", board.body);
    let rows = board.body["rows"].as_array().unwrap();
    assert_eq!(
        rows[0]["hidden"], true,
        "the top stays hidden: {}",
        board.body
    );
    assert!(
        rows[2]["name"].is_string(),
        "the bottom place is named: {}",
        board.body
    );
    b.close().await;
}

/// Where the progress socket cannot be opened (a proxy that refuses WebSockets), the Scoring
/// screen says so and still moves, by polling the reviews.
#[actix_web::test]
async fn scoring_progress_falls_back_to_polling_when_the_socket_fails() {
    use super::fixture::running_contest;
    let Some(b) = Browser::start().await else {
        return;
    };
    b.client
        .set_window_size(1366, 768)
        .await
        .expect("laptop size");
    let app = spawn_app(&TestBackend::Sqlite).await;
    let contest = running_contest(&app).await;
    b.goto(&format!("{}/admin", app.address)).await;
    b.eval("localStorage.setItem('skillboard.lang', 'en')")
        .await;
    b.goto(&format!("{}/admin#/c/ecommerce-2026/overview", app.address))
        .await;
    b.type_into("#signin-form input[name=username]", "school.organizer")
        .await;
    b.type_into("#signin-form input[name=password]", PASSWORD)
        .await;
    b.tap("#signin-form button[type=submit]").await;
    b.wait_for("the overview", "document.querySelector('.steps')", SHORT)
        .await;
    // Every socket this page opens from now on closes at once, as behind a proxy that drops them.
    b.eval(
        "(() => { window.WebSocket = class { static OPEN = 1; constructor() { this.readyState = 3; this.on = {}; \
         setTimeout(() => (this.on.close || []).forEach(f => f()), 50); } \
         addEventListener(type, f) { (this.on[type] = this.on[type] || []).push(f); } send() {} close() {} }; \
         window.__sameDocument = true; })()",
    )
    .await;
    b.tap("nav.tabs a[href$=\"/review\"]").await;
    let cell = "document.querySelector('td[data-judge=\"Judge Li\"][data-module=\"A\"]')";
    b.wait_for(
        "the polling badge and Judge Li owing all three teams",
        &format!(
            "document.getElementById('live-status')?.classList.contains('polling') \
             && {cell}?.innerText.startsWith('0 / 3')"
        ),
        SHORT,
    )
    .await;
    assert!(
        text_of(&b, "#live-status")
            .await
            .contains("refreshing every 15 s"),
        "{}",
        text_of(&b, "#live-status").await
    );
    let signed_in = app
        .anonymous()
        .post(
            "/api/v1/judge/session",
            &serde_json::json!({"token": contest.tokens[1]}),
        )
        .await;
    let judge = crate::helpers::Session::with_bearer(
        &app.address,
        signed_in.body["session"].as_str().unwrap(),
    );
    let sheet = judge
        .put(
            &format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4()),
            &serde_json::json!({"module": "A", "team": "K7QM", "status": "submitted", "version": 1,
                    "marks": {"A1": {"value": 5}, "A2": {"level": 3}}}),
        )
        .await;
    assert_eq!(sheet.status, 201, "{}", sheet.body);
    b.wait_for(
        "the next poll to show the sheet, in the same document",
        &format!(
            "window.__sameDocument === true && {cell}?.innerText.startsWith('1 / 3') \
             && !{cell}.innerText.includes('K7QM')"
        ),
        Duration::from_secs(25),
    )
    .await;
    b.close().await;
}
