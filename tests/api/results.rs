//! Results exports: JSON, CSV and XLSX agree with the organizers' live board; names only after
//! the reveal or when an organizer asks (audited); who may export; the print pages; the event
//! feed and its tokens.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::Utc;
use diesel::prelude::*;
use serde_json::{json, Value};
use skillboard::store::schema::teams;

use crate::boards::{fixture, team_code, team_name, Fixture};
use crate::helpers::{Session, TestApp, TestBackend};
use crate::judging::judge_session;
use crate::on_both_backends;

const TEAMS: usize = 10;
const FORMULA_NAME: &str = "=cmd|' /C calc'!A0";
const SCRIPT_NAME: &str = "<script>alert(1)</script>";

/// Module A points of team `n` (1-based): 1 to 10 points.
fn points_a(n: usize) -> i64 {
    100 * n as i64
}

/// Module B points: multiples of 0.5 that shuffle the order a little.
fn points_b(n: usize) -> i64 {
    50 * ((n as i64 * 7) % 10)
}

/// Ten teams with both modules submitted (nothing provisional), team 1 named like a formula
/// and team 2 with a school that is markup; waits until the live board shows every sheet.
async fn scored(backend: &TestBackend) -> (Fixture, Value) {
    let f = fixture(backend, "codes", TEAMS).await;
    let now = Utc::now().naive_utc();
    for team in 0..TEAMS {
        f.submit(team, 0, points_a(team + 1), now).await;
        f.submit(team, 1, points_b(team + 1), now).await;
    }
    rename(&f.app, &f.teams[0], FORMULA_NAME, "Hidden School 1").await;
    rename(&f.app, &f.teams[1], "Secret Team 2", SCRIPT_NAME).await;
    f.app.hub.contest_changed(&f.contest_id);
    let live = f
        .live_until("every sheet on the live board", |b| {
            b["rows"].as_array().is_some_and(|rows| {
                rows.len() == TEAMS && rows.iter().all(|r| r["provisional"] == false)
            }) && b["rows"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["name"] == FORMULA_NAME)
        })
        .await;
    (f, live)
}

async fn rename(app: &TestApp, team_id: &str, name: &str, school: &str) {
    let (id, name, school) = (team_id.to_owned(), name.to_owned(), school.to_owned());
    app.db
        .write(move |conn| {
            diesel::update(teams::table.find(&id))
                .set((teams::name.eq(&name), teams::school.eq(&school)))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("team renamed");
}

fn path(f: &Fixture, rest: &str) -> String {
    format!("/api/v1/contests/{}/{rest}", f.slug)
}

/// Status, headers and raw body of a GET.
async fn fetch(session: &Session, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = session
        .request(reqwest::Method::GET, path)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn header<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// A mark as the board writes it (a JSON number) in hundredths.
fn hundredths(value: &Value) -> i64 {
    (value.as_f64().expect("a number") * 100.0).round() as i64
}

fn cell_hundredths(cell: &Data) -> i64 {
    match cell {
        Data::Float(f) => (f * 100.0).round() as i64,
        Data::Int(i) => i * 100,
        other => panic!("not a number: {other:?}"),
    }
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

fn workbook(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes)).expect("an XLSX file")
}

/// Rows of a sheet as cells, header first.
fn sheet(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<Data>> {
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
        .rows()
        .map(<[Data]>::to_vec)
        .collect()
}

fn column(header: &[Data], name: &str) -> usize {
    header
        .iter()
        .position(|h| *h == Data::String(name.to_owned()))
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

async fn json_csv_and_xlsx_agree_with_the_live_board(backend: TestBackend) {
    let (f, live) = scored(&backend).await;
    let organizer = &f.hosts.school_organizer;
    let rows = live["rows"].as_array().unwrap();
    let awarded = rows.iter().filter(|r| !r["award"].is_null()).count();
    assert_eq!(awarded, 6, "10 % + 20 % + 30 % of ten teams: {live}");

    // JSON: the same ranking, module scores and awards.
    let reply = organizer.get(&path(&f, "results.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let doc = &reply.body;
    assert_eq!(doc["names_shown"], false);
    assert_eq!(doc["provisional"], false);
    assert_eq!(doc["modules"][0]["code"], "A");
    assert_eq!(doc["modules"][0]["criteria"][0]["code"], "A1");
    assert_eq!(doc["rows"].as_array().unwrap().len(), rows.len());
    for (mine, board) in doc["rows"].as_array().unwrap().iter().zip(rows) {
        assert_eq!(mine["rank"], board["rank"]);
        assert_eq!(mine["code"], board["code"]);
        assert_eq!(mine["station"], board["station"]);
        assert_eq!(mine["award"], board["award"]);
        assert_eq!(hundredths(&mine["total"]), hundredths(&board["total"]));
        for m in 0..2 {
            let score = hundredths(&board["modules"][m]["score"]);
            assert_eq!(hundredths(&mine["modules"][m]["score"]), score);
            // One criterion per module: its mark is the module score.
            assert_eq!(hundredths(&mine["modules"][m]["criteria"][0]), score);
        }
        assert!(
            mine.get("name").is_none() && mine.get("school").is_none(),
            "{mine}"
        );
    }
    let first = doc["awards"][0].clone();
    assert_eq!(first["tier"], 1);
    assert_eq!(first["label_zh"], "一等奖");
    assert_eq!(first["teams"], json!([rows[0]["code"]]));

    // CSV: BOM, one row per board row, same order and totals, no names.
    let (status, headers, bytes) = fetch(organizer, &path(&f, "results.csv")).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").starts_with("text/csv"));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        !text.contains("Secret Team") && !text.contains("Hidden School"),
        "{text}"
    );
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let csv_headers = reader.headers().unwrap().clone();
    assert_eq!(&csv_headers[0], "名次 Rank");
    assert!(
        !csv_headers.iter().any(|h| h == "队名 Team"),
        "{csv_headers:?}"
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    let total_at = csv_headers.iter().position(|h| h == "总分 Total").unwrap();
    for (record, board) in records.iter().zip(rows) {
        assert_eq!(record[0], board["rank"].to_string());
        assert_eq!(&record[2], board["code"].as_str().unwrap());
        let total = format!("{:.2}", hundredths(&board["total"]) as f64 / 100.0);
        assert_eq!(record[total_at], total);
        match board["award"].as_u64() {
            Some(1) => assert_eq!(&record[1], "一等奖 First prize"),
            Some(_) => assert!(record[1].contains("等奖"), "{record:?}"),
            None => assert_eq!(&record[1], ""),
        }
    }

    // XLSX: every sheet checked against the board.
    let (status, headers, bytes) = fetch(organizer, &path(&f, "results.xlsx")).await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-disposition").contains("results.xlsx"));
    assert_every_sheet_prints_on_a4_landscape(&bytes, 6);
    let mut book = workbook(bytes);
    assert_eq!(
        book.sheet_names(),
        [
            "总成绩 Ranking",
            "模块成绩 Modules",
            "评分细则 Criteria",
            "评委评分 A",
            "评委评分 B",
            "审计日志 Audit"
        ]
    );
    let ranking = sheet(&mut book, "总成绩 Ranking");
    assert_eq!(ranking.len(), rows.len() + 1);
    let (rank_at, award_at, code_at, total_at) = (
        column(&ranking[0], "名次 Rank"),
        column(&ranking[0], "奖项 Award"),
        column(&ranking[0], "编码 Code"),
        column(&ranking[0], "总分 Total"),
    );
    assert!(!ranking[0].contains(&Data::String("队名 Team".into())));
    for (line, board) in ranking[1..].iter().zip(rows) {
        assert_eq!(cell_text(&line[rank_at]), board["rank"].to_string());
        assert_eq!(line[code_at].to_string(), board["code"].as_str().unwrap());
        assert_eq!(
            cell_hundredths(&line[total_at]),
            hundredths(&board["total"])
        );
        assert_eq!(
            board["award"].is_null(),
            line[award_at].to_string().is_empty()
        );
    }
    let modules = sheet(&mut book, "模块成绩 Modules");
    let (a_at, b_at) = (
        column(&modules[0], "A 网店开设"),
        column(&modules[0], "B 网店推广"),
    );
    for (line, board) in modules[1..].iter().zip(rows) {
        assert_eq!(
            cell_hundredths(&line[a_at]),
            hundredths(&board["modules"][0]["score"])
        );
        assert_eq!(
            cell_hundredths(&line[b_at]),
            hundredths(&board["modules"][1]["score"])
        );
    }
    let criteria = sheet(&mut book, "评分细则 Criteria");
    let a1 = column(&criteria[0], "A/A1");
    for (line, board) in criteria[1..].iter().zip(rows) {
        assert_eq!(
            cell_hundredths(&line[a1]),
            hundredths(&board["modules"][0]["score"])
        );
    }
    let marks = sheet(&mut book, "评委评分 A");
    assert_eq!(marks.len(), TEAMS + 1, "one submitted sheet per team");
    let (judge_at, code_at, a1_at) = (
        column(&marks[0], "评委 Judge"),
        column(&marks[0], "编码 Code"),
        column(&marks[0], "A1"),
    );
    let first_team = marks
        .iter()
        .find(|line| line[code_at].to_string() == team_code(1))
        .unwrap();
    assert_eq!(first_team[judge_at].to_string(), "Judge 0");
    assert_eq!(cell_hundredths(&first_team[a1_at]), points_a(1));
    let audit = sheet(&mut book, "审计日志 Audit");
    assert!(audit.len() > 1, "the scheme change at least");
    let audit_text = format!("{audit:?}");
    assert!(!audit_text.contains("Secret Team"), "{audit_text}");
}

/// Page setup is not in calamine's view of a workbook: read the sheets' XML.
fn assert_every_sheet_prints_on_a4_landscape(bytes: &[u8], sheets: usize) {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    for n in 1..=sheets {
        let sheet = xml(&format!("xl/worksheets/sheet{n}.xml"));
        for setting in [
            r#"<pane ySplit="1""#,
            r#"paperSize="9""#,
            r#"orientation="landscape""#,
            r#"fitToHeight="0""#,
        ] {
            assert!(sheet.contains(setting), "sheet {n} lacks {setting}");
        }
    }
    let workbook = xml("xl/workbook.xml");
    assert_eq!(
        workbook.matches("_xlnm.Print_Titles").count(),
        sheets,
        "the header row repeats on every printed page of every sheet"
    );
    assert!(
        xml("xl/styles.xml").contains(r#"formatCode="0.00""#),
        "marks with 2 decimals"
    );
}

async fn names_appear_only_when_an_organizer_asks_or_after_the_reveal(backend: TestBackend) {
    let (f, live) = scored(&backend).await;
    let organizer = &f.hosts.school_organizer;
    for file in ["results.json", "results.csv", "results.xlsx"] {
        let (status, _, bytes) = fetch(organizer, &path(&f, file)).await;
        assert_eq!(status, 200);
        let text = if file.ends_with("xlsx") {
            format!("{:?}", sheet(&mut workbook(bytes), "总成绩 Ranking"))
        } else {
            String::from_utf8(bytes).unwrap()
        };
        assert!(!text.contains(&team_name(3)), "{file} names a team: {text}");
        assert!(!text.contains("cmd|"), "{file} names a team: {text}");
    }

    // Asked for: names, and the audit log says who asked.
    let reply = organizer.get(&path(&f, "results.json?names=true")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["names_shown"], true);
    let named: Vec<&Value> = reply.body["rows"].as_array().unwrap().iter().collect();
    for (row, board) in named.iter().zip(live["rows"].as_array().unwrap()) {
        assert_eq!(row["name"], board["name"]);
        assert_eq!(row["school"], board["school"]);
    }
    let audit = organizer.get(&path(&f, "audit")).await;
    let asked: Vec<&Value> = audit
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "results.names_shown")
        .collect();
    assert_eq!(asked.len(), 1, "{}", audit.body);
    assert_eq!(asked[0]["actor"], "user:school.organizer");
    assert_eq!(asked[0]["after"]["format"], "json");

    // The CSV with names neutralises a formula-looking name.
    let (_, _, bytes) = fetch(organizer, &path(&f, "results.csv?names=true")).await;
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let name_at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "队名 Team")
        .unwrap();
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[name_at].to_owned())
        .collect();
    assert!(names.contains(&format!("'{FORMULA_NAME}")), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with('=')), "{names:?}");
    let (_, _, bytes) = fetch(organizer, &path(&f, "results.xlsx?names=true")).await;
    let ranking = format!("{:?}", sheet(&mut workbook(bytes), "总成绩 Ranking"));
    assert!(ranking.contains(&format!("'{FORMULA_NAME}")), "{ranking}");

    // After the reveal, names without asking.
    let reveal = organizer
        .post(&path(&f, "reveal"), &json!({"mode": "all"}))
        .await;
    assert_eq!(reveal.status, 200, "{}", reveal.body);
    let reply = organizer.get(&path(&f, "results.json")).await;
    assert_eq!(reply.body["names_shown"], true);
    assert!(reply.body.to_string().contains(&team_name(3)));
    let (_, _, bytes) = fetch(organizer, &path(&f, "results.csv")).await;
    assert!(String::from_utf8(bytes).unwrap().contains(&team_name(3)));
}

/// Creates a judge through the API and returns a session for them.
async fn judge(f: &Fixture, body: Value) -> Session {
    let reply = f
        .hosts
        .school_organizer
        .post(&path(f, "judges"), &body)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let link = reply.body["link"].as_str().unwrap();
    let token = link.split("#t=").nth(1).unwrap();
    judge_session(&f.app, token, None).await
}

async fn only_organizers_and_the_chief_judge_export_results(backend: TestBackend) {
    let (f, _) = scored(&backend).await;
    for file in [
        "results.json",
        "results.csv",
        "results.xlsx",
        "results/print",
        "results/certificates",
    ] {
        let url = path(&f, file);
        f.app
            .anonymous()
            .get(&url)
            .await
            .assert_problem(401, "auth.required");
        f.hosts
            .outsider
            .get(&url)
            .await
            .assert_problem(404, "contest.not_found");
        let reply = f.hosts.enterprise_organizer.get(&url).await;
        assert_eq!(reply.status, 200, "a co-host exports {file}");
    }
    let plain = judge(&f, json!({"name": "Plain Judge"})).await;
    plain
        .get(&path(&f, "results.json"))
        .await
        .assert_problem(403, "judge.not_chief");
    let chief = judge(&f, json!({"name": "Chief Judge Wang", "is_chief": true})).await;
    let reply = chief.get(&path(&f, "results.json")).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["names_shown"], false);
    chief
        .get(&path(&f, "results.json?names=true"))
        .await
        .assert_problem(403, "results.names_organizers_only");
}

async fn print_pages_escape_user_text_and_carry_signatures(backend: TestBackend) {
    let (f, live) = scored(&backend).await;
    let organizer = &f.hosts.school_organizer;
    judge(&f, json!({"name": "裁判长<b>王</b>", "is_chief": true})).await;

    let (status, headers, bytes) = fetch(organizer, &path(&f, "results/print?names=true")).await;
    assert_eq!(status, 200);
    let csp = header(&headers, "content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("font-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("script"), "{csp}");
    let page = String::from_utf8(bytes).unwrap();
    assert!(
        !page.contains(SCRIPT_NAME),
        "markup from a school name got through"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<b>王</b>") && page.contains("裁判长&lt;b&gt;王&lt;/b&gt;"));
    assert!(page.contains("裁判长 Chief judge"));
    for host in ["Technical Education Group", "E-commerce Enterprise"] {
        assert!(
            page.contains(&format!("<span class=\"role\">{host}")),
            "{host}: {page}"
        );
    }
    assert_eq!(
        page.matches("class=\"sign ").count(),
        3,
        "chief judge + two co-hosts"
    );
    assert!(
        page.contains("@font-face")
            && page.contains("/static/fonts/NotoSansSC-Regular-GB2312.woff2")
    );
    assert!(!page.contains("<script"), "no script of any kind");

    let (status, _, bytes) = fetch(organizer, &path(&f, "results/certificates?names=true")).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(bytes).unwrap();
    let awarded: Vec<&Value> = live["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["award"].is_null())
        .collect();
    assert_eq!(page.matches("class=\"certificate\"").count(), awarded.len());
    assert!(page.contains("size: A4 landscape"));
    for row in &awarded {
        let name = row["name"].as_str().unwrap();
        if name != FORMULA_NAME {
            assert!(page.contains(name), "{name} has no certificate");
        }
    }
    assert!(!page.contains(SCRIPT_NAME));
    // Without names, certificates name codes, not teams.
    let (_, _, bytes) = fetch(organizer, &path(&f, "results/certificates")).await;
    let anonymous = String::from_utf8(bytes).unwrap();
    assert!(!anonymous.contains("Secret Team"));
    assert!(anonymous.contains(&format!(
        "编码 Code {}",
        awarded[0]["code"].as_str().unwrap()
    )));

    // The font the pages use is served from this server.
    let (status, headers, bytes) =
        fetch(organizer, "/static/fonts/NotoSansSC-Regular-GB2312.woff2").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-type"), "font/woff2");
    assert!(bytes.starts_with(b"wOF2"));
}

async fn the_event_feed_resumes_from_its_token(backend: TestBackend) {
    let f = fixture(&backend, "codes", 2).await;
    let organizer = &f.hosts.school_organizer;
    let created = organizer
        .post(
            &path(&f, "teams"),
            &json!({"name": "Feed Secret Team", "school": "Feed Secret School",
                    "members": [{"name": "李雷", "phone": "13800138000"}]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);

    let first = organizer.get(&path(&f, "event-feed")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let events = first.body["events"].as_array().unwrap().clone();
    assert!(events.len() >= 2, "{}", first.body);
    assert_eq!(first.body["has_more"], false);
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"team.create"), "{types:?}");
    let text = first.body.to_string();
    for secret in ["Feed Secret Team", "Feed Secret School", "李雷", "****"] {
        assert!(!text.contains(secret), "{secret} in the feed: {text}");
    }
    for event in &events {
        assert!(
            event["id"].is_string() && event["time"].is_string(),
            "{event}"
        );
    }
    let token = first.body["next"].as_str().unwrap().to_owned();
    assert_eq!(events.last().unwrap()["token"], token.as_str());

    // Nothing happened: nothing new, same token.
    let again = organizer
        .get(&path(&f, &format!("event-feed?since={token}")))
        .await;
    assert_eq!(again.body["events"], json!([]));
    assert_eq!(again.body["next"], token.as_str());

    // One change: exactly that event.
    let step = organizer
        .post(&path(&f, "reveal"), &json!({"mode": "step"}))
        .await;
    assert_eq!(step.status, 200, "{}", step.body);
    let newer = organizer
        .get(&path(&f, &format!("event-feed?since={token}")))
        .await;
    let new_events = newer.body["events"].as_array().unwrap();
    assert_eq!(new_events.len(), 1, "{}", newer.body);
    assert_eq!(new_events[0]["type"], "board.reveal");
    assert_ne!(newer.body["next"], token.as_str());

    // Paged one by one, the feed gives the same events in the same order.
    let mut since = String::new();
    let mut paged = Vec::new();
    loop {
        let page = organizer
            .get(&path(&f, &format!("event-feed?limit=1&since={since}")))
            .await;
        let batch = page.body["events"].as_array().unwrap();
        assert!(batch.len() <= 1);
        paged.extend(batch.iter().map(|e| e["id"].clone()));
        since = page.body["next"].as_str().unwrap().to_owned();
        if page.body["has_more"] == false {
            break;
        }
    }
    let all: Vec<Value> = events
        .iter()
        .chain(new_events)
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(paged, all);

    organizer
        .get(&path(&f, "event-feed?since=banana"))
        .await
        .assert_problem(422, "feed.bad_token");
    f.app
        .anonymous()
        .get(&path(&f, "event-feed"))
        .await
        .assert_problem(401, "auth.required");
    f.hosts
        .outsider
        .get(&path(&f, "event-feed"))
        .await
        .assert_problem(404, "contest.not_found");

    // After the full reveal the feed may name teams (phones stay hidden).
    organizer
        .post(&path(&f, "reveal"), &json!({"mode": "all"}))
        .await;
    let revealed = organizer.get(&path(&f, "event-feed")).await;
    assert_eq!(revealed.body["names_shown"], true);
    let text = revealed.body.to_string();
    assert!(text.contains("Feed Secret Team"), "{text}");
    assert!(!text.contains("****"), "a phone number in the feed: {text}");
}

on_both_backends!(
    json_csv_and_xlsx_agree_with_the_live_board,
    names_appear_only_when_an_organizer_asks_or_after_the_reveal,
    only_organizers_and_the_chief_judge_export_results,
    print_pages_escape_user_text_and_carry_signatures,
    the_event_feed_resumes_from_its_token,
);
