use serde_json::{json, Value};

use crate::contests::{co_hosts, contest};
use crate::helpers::{spawn_app, Reply, Session, TestBackend};
use crate::on_both_backends;
use crate::teams::{audit_actions, set_state, teams_path};

pub const UTF8: &[u8] = include_bytes!("../fixtures/registration_utf8.csv");
pub const UTF8_BOM: &[u8] = include_bytes!("../fixtures/registration_utf8_bom.csv");
pub const GBK: &[u8] = include_bytes!("../fixtures/registration_gbk.csv");
pub const XLSX: &[u8] = include_bytes!("../fixtures/registration.xlsx");
const BAD_ROWS: &[u8] = include_bytes!("../fixtures/registration_bad_rows.csv");
const UNKNOWN_COLUMN: &[u8] = include_bytes!("../fixtures/registration_unknown_column.csv");

/// Every name and ID number in the fixtures, to look for in responses that must not hold them.
pub const FIXTURE_NAMES: [&str; 9] = [
    "张伟", "李娜", "王芳", "刘洋", "赵敏", "孙磊", "周杰", "吴静", "郑浩",
];
pub const FIXTURE_ID_NUMBERS: [&str; 9] = [
    "440305200301150114",
    "44030520040312008X",
    "440306200309070246",
    "440304200211200310",
    "440303200402280425",
    "440305200306180531",
    "330106200304040615",
    "330102200410010721",
    "330105200308300836",
];

/// Posts `file` as the raw body of an import (`query` like `?dry_run=true`).
pub async fn import(organizer: &Session, slug: &str, query: &str, file: &[u8]) -> Reply {
    let content_type = if file.starts_with(b"PK") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv"
    };
    organizer
        .send(
            organizer
                .request(
                    reqwest::Method::POST,
                    &format!("/api/v1/contests/{slug}/registration/import{query}"),
                )
                .header("content-type", content_type)
                .body(file.to_vec()),
        )
        .await
}

/// (school, team, member names) of every team, sorted.
async fn roster(organizer: &Session, slug: &str) -> Vec<(String, String, Vec<String>)> {
    let list = organizer.get(&teams_path(slug)).await;
    let mut teams: Vec<_> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|team| {
            (
                team["school"].as_str().unwrap().to_owned(),
                team["name"].as_str().unwrap().to_owned(),
                team["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["name"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect();
    teams.sort();
    teams
}

fn expected_roster() -> Vec<(String, String, Vec<String>)> {
    let team = |school: &str, name: &str, members: [&str; 3]| {
        (
            school.to_owned(),
            name.to_owned(),
            members.iter().map(|m| m.to_string()).collect(),
        )
    };
    vec![
        team("浙江商业职业技术学院", "启航队", ["周杰", "吴静", "郑浩"]),
        team("深圳职业技术大学", "星火队", ["张伟", "李娜", "王芳"]),
        team("深圳职业技术大学", "破浪队", ["刘洋", "赵敏", "孙磊"]),
    ]
}

async fn every_file_format_registers_three_teams_of_three(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let organizer = &hosts.school_organizer;

    for (slug, file) in [
        ("utf8", UTF8),
        ("utf8-bom", UTF8_BOM),
        ("gbk", GBK),
        ("xlsx", XLSX),
    ] {
        contest(&hosts, slug).await;

        let reply = import(organizer, slug, "", file).await;

        assert_eq!(reply.status, 200, "{slug}: {}", reply.body);
        assert_eq!(reply.body["dry_run"], false);
        assert_eq!(
            reply.body["counts"],
            json!({"teams_created": 3, "teams_updated": 0, "teams_unchanged": 0,
                   "contestants_created": 9, "contestants_updated": 0, "contestants_removed": 0}),
            "{slug}"
        );
        assert_eq!(roster(organizer, slug).await, expected_roster(), "{slug}");
    }
    // The messy UTF-8 file (+86 phones, a lower-case x, full-width digits) is normalised.
    let revealed = organizer
        .get(&format!("{}?reveal=id_numbers", teams_path("utf8")))
        .await
        .body
        .to_string();
    for id_number in FIXTURE_ID_NUMBERS {
        assert!(revealed.contains(id_number), "{id_number} in {revealed}");
    }
    assert!(revealed.contains("\"13800138005\""), "{revealed}");
}

async fn a_file_with_bad_rows_reports_every_row_and_registers_nobody(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created = contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"team_size": {"min": 2, "max": 3}}),
        )
        .await;

    let reply = import(organizer, "ecommerce-2026", "", BAD_ROWS).await;

    reply.assert_problem(422, "validation.failed");
    let found: Vec<(u64, String, String)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        (3, "name", "missing_value"),
        (4, "id_number", "duplicate_id_number"),
        (5, "id_number", "invalid_id_number"),
        (6, "phone", "invalid_phone"),
        (7, "team", "missing_value"),
        (9, "name", "too_long"),
        (10, "team", "team_too_small"),
    ]
    .map(|(line, field, code)| (line, field.to_owned(), code.to_owned()));
    assert_eq!(found, expected);
    assert!(reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["message"].as_str().is_some_and(|m| !m.is_empty())));
    assert_eq!(
        organizer.get(&teams_path("ecommerce-2026")).await.body,
        json!([])
    );
    let actions = audit_actions(&app, created["id"].as_str().unwrap()).await;
    assert!(!actions.iter().any(|(a, _)| a == "registration.import"));
}

async fn an_unknown_column_is_refused_on_the_header_line(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;

    let reply = import(organizer, "ecommerce-2026", "", UNKNOWN_COLUMN).await;

    reply.assert_problem(422, "validation.failed");
    assert_eq!(reply.body["errors"][0]["code"], "unknown_column");
    assert_eq!(reply.body["errors"][0]["field"], "出生日期");
    assert_eq!(reply.body["errors"][0]["line"], 1);
    assert_eq!(
        organizer.get(&teams_path("ecommerce-2026")).await.body,
        json!([])
    );

    let garbage = import(
        organizer,
        "ecommerce-2026",
        "",
        b"PK\x03\x04 not a workbook",
    )
    .await;
    garbage.assert_problem(422, "file.bad_xlsx");
    let oversized = vec![b'a'; 5 * 1024 * 1024 + 1];
    import(organizer, "ecommerce-2026", "", &oversized)
        .await
        .assert_problem(413, "file.too_large");
}

async fn a_dry_run_previews_the_import_and_writes_nothing(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created = contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;

    let preview = import(organizer, "ecommerce-2026", "?dry_run=true", UTF8).await;

    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(preview.body["dry_run"], true);
    assert_eq!(preview.body["counts"]["teams_created"], 3);
    assert_eq!(preview.body["counts"]["contestants_created"], 9);
    let teams = preview.body["teams"].as_array().unwrap();
    assert_eq!(teams[0]["name"], "星火队");
    assert_eq!(teams[0]["outcome"], "created");
    assert_eq!(teams[0]["line"], 2);
    assert_eq!(teams[0]["id"], Value::Null);
    assert_eq!(
        organizer.get(&teams_path("ecommerce-2026")).await.body,
        json!([])
    );
    assert!(audit_actions(&app, created["id"].as_str().unwrap())
        .await
        .iter()
        .all(|(a, _)| a != "registration.import"));

    // After the real import, a dry run of the same file sees nothing to do.
    import(organizer, "ecommerce-2026", "", UTF8).await;
    let again = import(organizer, "ecommerce-2026", "?dry_run=true", UTF8).await;
    assert_eq!(again.body["counts"]["teams_unchanged"], 3);
    assert_eq!(again.body["counts"]["teams_created"], 0);
}

async fn reimporting_the_same_teams_changes_nothing(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created = contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    import(organizer, "ecommerce-2026", "", UTF8).await;
    let before = organizer.get(&teams_path("ecommerce-2026")).await.body;
    let audit_before = audit_actions(&app, created["id"].as_str().unwrap()).await;

    // The same file again, then the same teams saved by Excel as GBK and as XLSX.
    for file in [UTF8, GBK, XLSX] {
        let reply = import(organizer, "ecommerce-2026", "", file).await;

        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.body["counts"],
            json!({"teams_created": 0, "teams_updated": 0, "teams_unchanged": 3,
                   "contestants_created": 0, "contestants_updated": 0, "contestants_removed": 0})
        );
    }
    let after = organizer.get(&teams_path("ecommerce-2026")).await.body;
    assert_eq!(after, before, "same teams, same members, same ids");
    assert_eq!(
        audit_actions(&app, created["id"].as_str().unwrap()).await,
        audit_before
    );
}

async fn an_edited_file_updates_only_what_changed(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    import(organizer, "ecommerce-2026", "", UTF8_BOM).await;
    let before = organizer.get(&teams_path("ecommerce-2026")).await.body;
    let edited = String::from_utf8(UTF8_BOM.to_vec())
        .unwrap()
        .replace("13800138005", "13800138055")
        .replace(
            "启航队,浙江商业职业技术学院,浙江,郑浩,13900139003,330105200308300836,,\r\n",
            "",
        );

    assert!(!edited.contains("郑浩") && edited.contains("13800138055"));

    let reply = import(organizer, "ecommerce-2026", "", edited.as_bytes()).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["counts"],
        json!({"teams_created": 0, "teams_updated": 2, "teams_unchanged": 1,
               "contestants_created": 0, "contestants_updated": 1, "contestants_removed": 1})
    );
    let after = organizer.get(&teams_path("ecommerce-2026")).await.body;
    let ids = |teams: &Value| -> Vec<String> {
        let mut ids: Vec<String> = teams
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&after), ids(&before));
}

async fn an_import_is_refused_once_scoring_started_and_to_outsiders(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;

    import(&app.anonymous(), "ecommerce-2026", "", UTF8)
        .await
        .assert_problem(401, "auth.required");
    import(&hosts.outsider, "ecommerce-2026", "", UTF8)
        .await
        .assert_problem(404, "contest.not_found");
    set_state(organizer, "ecommerce-2026", "registration").await;
    let by_co_host = import(&hosts.enterprise_organizer, "ecommerce-2026", "", XLSX).await;
    assert_eq!(by_co_host.status, 200, "{}", by_co_host.body);

    set_state(organizer, "ecommerce-2026", "running").await;
    import(organizer, "ecommerce-2026", "", UTF8)
        .await
        .assert_problem(409, "registration.closed");
}

on_both_backends!(
    every_file_format_registers_three_teams_of_three,
    a_file_with_bad_rows_reports_every_row_and_registers_nobody,
    an_unknown_column_is_refused_on_the_header_line,
    a_dry_run_previews_the_import_and_writes_nothing,
    reimporting_the_same_teams_changes_nothing,
    an_edited_file_updates_only_what_changed,
    an_import_is_refused_once_scoring_started_and_to_outsiders,
);
