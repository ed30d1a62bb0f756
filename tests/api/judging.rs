use diesel::{QueryDsl, RunQueryDsl};
use serde_json::{json, Value};
use skillboard::store::teams::Team;

use crate::contests::{co_hosts, contest, CoHosts};
use crate::helpers::{spawn_app, Session, TestApp, TestBackend};
use crate::on_both_backends;
use crate::schemes::ecommerce_scheme;

pub const CODES: [&str; 3] = ["K7QM", "P3XA", "W9CD"];
pub const TEAM_NAMES: [&str; 3] = ["星火队", "Team Aurora", "凌云队"];

/// A running contest with the e-commerce scheme, three drawn teams, two judges on module A
/// (the first with PIN 2468), one judge on module B, and a chief judge.
pub struct Judging {
    pub hosts: CoHosts,
    pub contest_id: String,
    pub judges: Vec<(String, String)>,
}

async fn insert_teams(app: &TestApp, contest_id: &str) {
    let contest_id = contest_id.to_owned();
    app.db
        .write(move |conn| {
            let now = chrono::Utc::now().naive_utc();
            for (i, (code, name)) in CODES.iter().zip(TEAM_NAMES).enumerate() {
                let team = Team {
                    id: uuid::Uuid::new_v4().to_string(),
                    contest_id: contest_id.clone(),
                    name: name.to_owned(),
                    school: "浙江商业职业技术学院".to_owned(),
                    region: "浙江".to_owned(),
                    coach: None,
                    status: "registered".to_owned(),
                    checked_in_at: Some(now),
                    station: Some(i as i32 + 1),
                    code: Some((*code).to_owned()),
                    created_at: now,
                    updated_at: now,
                };
                diesel::insert_into(skillboard::store::schema::teams::table)
                    .values(&team)
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

/// Creates a judge and returns (id, link token).
async fn judge(organizer: &Session, body: Value) -> (String, String) {
    let reply = organizer
        .post("/api/v1/contests/ecommerce-2026/judges", &body)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let link = reply.body["link"].as_str().unwrap();
    let token = link.split("#t=").nth(1).unwrap().to_owned();
    assert!(reply.body["qr_svg"].as_str().unwrap().contains("<svg"));
    (reply.body["id"].as_str().unwrap().to_owned(), token)
}

pub async fn running_contest(app: &TestApp) -> Judging {
    let hosts = co_hosts(app).await;
    let created = contest(&hosts, "ecommerce-2026").await;
    let contest_id = created["id"].as_str().unwrap().to_owned();
    let organizer = &hosts.school_organizer;
    organizer
        .put(
            "/api/v1/contests/ecommerce-2026/scheme",
            &ecommerce_scheme(),
        )
        .await;
    insert_teams(app, &contest_id).await;
    let judges = vec![
        judge(
            organizer,
            json!({"name": "张评委", "organization": "School", "pin": "2468", "modules": ["A"]}),
        )
        .await,
        judge(
            organizer,
            json!({"name": "Judge Li", "organization": "Enterprise", "modules": ["A"]}),
        )
        .await,
        judge(organizer, json!({"name": "Judge B", "modules": ["B"]})).await,
        judge(organizer, json!({"name": "Chief", "is_chief": true})).await,
    ];
    for state in ["registration", "running"] {
        let reply = organizer
            .post(
                "/api/v1/contests/ecommerce-2026/state",
                &json!({"to": state}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    Judging {
        hosts,
        contest_id,
        judges,
    }
}

/// Signs a judge in from their link token (and PIN) and returns a bearer session.
pub async fn judge_session(app: &TestApp, token: &str, pin: Option<&str>) -> Session {
    let reply = app
        .anonymous()
        .post(
            "/api/v1/judge/session",
            &json!({"token": token, "pin": pin}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    Session::with_bearer(&app.address, reply.body["session"].as_str().unwrap())
}

pub fn full_sheet(team: &str, level: u8, version: i32) -> Value {
    json!({"module": "A", "team": team, "status": "submitted", "version": version,
           "marks": {"A1": {"value": 4.5}, "A2": {"level": level}}})
}

fn sheet_path() -> String {
    format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4())
}

async fn count_sheets(app: &TestApp) -> i64 {
    app.db
        .read(|conn| {
            Ok(skillboard::store::schema::score_sheets::table
                .count()
                .get_result::<i64>(conn)?)
        })
        .await
        .unwrap()
}

async fn a_judge_signs_in_from_the_link_and_sees_codes_never_names(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let (_, token) = &setup.judges[1];

    let judge = judge_session(&app, token, None).await;

    let me = judge.get("/api/v1/judge/me").await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["name"], "Judge Li");
    let modules: Vec<&str> = me.body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert_eq!(modules, ["A"]);
    let teams = judge.get("/api/v1/judge/modules/A/teams").await;
    let codes: Vec<&str> = teams
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, CODES);
    let raw = format!("{}{}", me.body, teams.body);
    for secret in TEAM_NAMES.iter().chain(["浙江商业职业技术学院"].iter()) {
        assert!(!raw.contains(secret), "{secret} leaked to a judge: {raw}");
    }
}

async fn a_pin_is_needed_when_one_was_set(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let (_, token) = &setup.judges[0];
    let anonymous = app.anonymous();

    anonymous
        .post("/api/v1/judge/session", &json!({"token": token}))
        .await
        .assert_problem(401, "judge.invalid_link");
    anonymous
        .post(
            "/api/v1/judge/session",
            &json!({"token": token, "pin": "1357"}),
        )
        .await
        .assert_problem(401, "judge.invalid_link");
    anonymous
        .post(
            "/api/v1/judge/session",
            &json!({"token": "sbj_forged", "pin": "2468"}),
        )
        .await
        .assert_problem(401, "judge.invalid_link");
    judge_session(&app, token, Some("2468")).await;
    anonymous
        .get("/api/v1/judge/me")
        .await
        .assert_problem(401, "judge.sign_in_required");
}

async fn a_retried_submission_returns_the_stored_sheet_and_never_duplicates(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let judge = judge_session(&app, &setup.judges[1].1, None).await;
    let path = sheet_path();

    let first = judge.put(&path, &full_sheet("K7QM", 2, 1)).await;
    let retry = judge.put(&path, &full_sheet("k7qm", 2, 1)).await;

    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["status"], "submitted");
    assert_eq!(first.body["marks"]["A2"]["points"], json!(4));
    assert_eq!(first.body["total"], json!(8.5));
    assert_eq!(retry.status, 200, "{}", retry.body);
    assert_eq!(retry.body, first.body);
    assert_eq!(count_sheets(&app).await, 1);
    let fetched = judge.get(&path).await;
    assert_eq!(fetched.body, first.body);
    let contest_id = setup.contest_id.clone();
    let actions: Vec<String> = app
        .db
        .read(move |conn| Ok(skillboard::store::audit::chain(conn, &contest_id)?))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("sheet."))
        .collect();
    assert_eq!(actions, ["sheet.submit"]);
}

async fn every_criterion_needs_an_answer_before_submission(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let judge = judge_session(&app, &setup.judges[1].1, None).await;
    let path = sheet_path();
    let partial = json!({"module": "A", "team": "K7QM", "status": "submitted", "version": 1,
                         "marks": {"A1": {"value": 3}}});

    let refused = judge.put(&path, &partial).await;
    refused.assert_problem(422, "validation.failed");
    assert_eq!(refused.error_fields(), ["marks.A2"]);
    assert_eq!(refused.body["errors"][0]["code"], "sheet.unanswered");
    assert_eq!(count_sheets(&app).await, 0);

    let mut draft = partial.clone();
    draft["status"] = json!("draft");
    let saved = judge.put(&path, &draft).await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    assert_eq!(saved.body["status"], "draft");
}

async fn marks_are_checked_against_each_criterion(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let judge = judge_session(&app, &setup.judges[1].1, None).await;
    let sheet = |marks: Value| json!({"module": "A", "team": "K7QM", "status": "draft", "version": 1, "marks": marks});
    let cases = [
        (json!({"A1": {"value": 4.3}}), "mark.off_step"),
        (json!({"A1": {"value": 5.5}}), "mark.out_of_range"),
        (json!({"A1": {"level": 2}}), "mark.value_expected"),
        (json!({"A2": {"value": 4}}), "mark.level_expected"),
        (json!({"A2": {"level": 4}}), "mark.bad_level"),
        (json!({"B1": {"value": 1}}), "mark.unknown_criterion"),
        (json!({"A1": {"value": 1, "level": 1}}), "mark.one_answer"),
    ];
    for (marks, code) in cases {
        let reply = judge.put(&sheet_path(), &sheet(marks.clone())).await;
        reply.assert_problem(422, "validation.failed");
        assert_eq!(
            reply.body["errors"][0]["code"], code,
            "{marks}: {}",
            reply.body
        );
    }
    judge
        .put(&sheet_path(), &sheet(json!({"A1": {"value": "NaN"}})))
        .await
        .assert_problem(422, "request.invalid_json");
    assert_eq!(count_sheets(&app).await, 0);
}

async fn a_stale_version_is_refused_and_never_overwrites(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let judge = judge_session(&app, &setup.judges[1].1, None).await;
    let path = sheet_path();
    judge.put(&path, &full_sheet("K7QM", 1, 1)).await;
    let second = judge.put(&path, &full_sheet("K7QM", 2, 2)).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["version"], 2);

    let stale = judge.put(&path, &full_sheet("K7QM", 3, 2)).await;
    stale.assert_problem(409, "sheet.stale_version");
    judge
        .put(&path, &full_sheet("K7QM", 3, 1))
        .await
        .assert_problem(409, "sheet.stale_version");
    judge
        .put(&path, &full_sheet("K7QM", 3, 5))
        .await
        .assert_problem(409, "sheet.stale_version");

    assert_eq!(judge.get(&path).await.body["marks"]["A2"]["level"], 2);
}

async fn a_second_device_of_the_same_judge_gets_a_conflict_not_a_merge(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let tablet = judge_session(&app, &setup.judges[1].1, None).await;
    let phone = judge_session(&app, &setup.judges[1].1, None).await;
    tablet.put(&sheet_path(), &full_sheet("K7QM", 1, 1)).await;

    let other = phone.put(&sheet_path(), &full_sheet("K7QM", 3, 1)).await;

    other.assert_problem(409, "sheet.other_device");
    assert_eq!(count_sheets(&app).await, 1);
}

async fn a_judge_cannot_mark_another_panel_or_another_contests_team(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let judge = judge_session(&app, &setup.judges[1].1, None).await;

    let other_panel =
        json!({"module": "B", "team": "K7QM", "status": "draft", "version": 1, "marks": {}});
    judge
        .put(&sheet_path(), &other_panel)
        .await
        .assert_problem(403, "judge.not_on_panel");
    let no_module =
        json!({"module": "Z", "team": "K7QM", "status": "draft", "version": 1, "marks": {}});
    judge
        .put(&sheet_path(), &no_module)
        .await
        .assert_problem(403, "judge.not_on_panel");
    judge
        .get("/api/v1/judge/modules/B/teams")
        .await
        .assert_problem(403, "judge.not_on_panel");
    judge
        .put(&sheet_path(), &full_sheet("ZZZZ", 1, 1))
        .await
        .assert_problem(404, "team.not_found");
    // Organizer endpoints are not for judges.
    judge
        .get("/api/v1/contests/ecommerce-2026")
        .await
        .assert_problem(401, "auth.required");
    assert_eq!(count_sheets(&app).await, 0);
}

async fn a_revoked_judge_is_refused_at_once(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let (judge_id, token) = &setup.judges[1];
    let judge = judge_session(&app, token, None).await;
    assert_eq!(judge.get("/api/v1/judge/me").await.status, 200);

    let revoked = setup
        .hosts
        .school_organizer
        .post(
            &format!("/api/v1/contests/ecommerce-2026/judges/{judge_id}/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.body);

    judge
        .get("/api/v1/judge/me")
        .await
        .assert_problem(401, "judge.session_invalid");
    judge
        .put(&sheet_path(), &full_sheet("K7QM", 1, 1))
        .await
        .assert_problem(401, "judge.session_invalid");
    // The session is checked before anything about the write itself is.
    let mut bad_write = full_sheet("K7QM", 1, 1);
    bad_write["status"] = json!("finished");
    judge
        .put("/api/v1/judge/sheets/not-a-uuid", &bad_write)
        .await
        .assert_problem(401, "judge.session_invalid");
    app.anonymous()
        .post("/api/v1/judge/session", &json!({"token": token}))
        .await
        .assert_problem(401, "judge.invalid_link");

    // A re-issued link works again, the old one still does not.
    let reissued = setup
        .hosts
        .school_organizer
        .post(
            &format!("/api/v1/contests/ecommerce-2026/judges/{judge_id}/link"),
            &json!({}),
        )
        .await;
    let new_token = reissued.body["link"]
        .as_str()
        .unwrap()
        .split("#t=")
        .nth(1)
        .unwrap()
        .to_owned();
    assert_ne!(&new_token, token);
    judge_session(&app, &new_token, None).await;
}

async fn a_flag_blocks_the_lock_and_a_locked_module_refuses_sheets(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let zhang = judge_session(&app, &setup.judges[0].1, Some("2468")).await;
    let li = judge_session(&app, &setup.judges[1].1, None).await;
    let chief = judge_session(&app, &setup.judges[3].1, None).await;
    let base = "/api/v1/contests/ecommerce-2026/modules/A";

    let early = chief.post(&format!("{base}/lock"), &json!({})).await;
    early.assert_problem(409, "module.not_ready");
    assert_eq!(
        early.body["errors"].as_array().unwrap().len(),
        6,
        "2 judges x 3 teams missing"
    );

    for code in CODES {
        let (zhang_level, li_level) = if code == "K7QM" { (0, 3) } else { (2, 2) };
        assert_eq!(
            zhang
                .put(&sheet_path(), &full_sheet(code, zhang_level, 1))
                .await
                .status,
            201
        );
        assert_eq!(
            li.put(&sheet_path(), &full_sheet(code, li_level, 1))
                .await
                .status,
            201
        );
    }
    let review = chief.get(&format!("{base}/review")).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert_eq!(review.body["missing"], 0);
    assert_eq!(review.body["open_flags"], 1);
    let flag = &review.body["teams"][0]["flags"][0];
    assert_eq!(flag["criterion"], "A2");
    assert_eq!(flag["spread"], 3);
    assert_eq!(flag["levels"].as_array().unwrap().len(), 2);

    chief
        .post(&format!("{base}/lock"), &json!({}))
        .await
        .assert_problem(409, "module.not_ready");
    let resolved = chief
        .post(&format!("{base}/resolutions"), &json!({"team": "K7QM", "criterion": "A2", "resolution": "accepted", "reason": "checked the store: both readings defensible"}))
        .await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert_eq!(resolved.body["open_flags"], 0);
    let locked = chief.post(&format!("{base}/lock"), &json!({})).await;
    assert_eq!(locked.status, 200, "{}", locked.body);
    assert_eq!(locked.body["state"], "locked");

    li.put(&sheet_path(), &full_sheet("K7QM", 1, 1))
        .await
        .assert_problem(409, "sheet.module_locked");
    let teams = li.get("/api/v1/judge/modules/A/teams").await;
    let client_id = teams.body[0]["sheet"]["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    li.put(
        &format!("/api/v1/judge/sheets/{client_id}"),
        &full_sheet("K7QM", 2, 2),
    )
    .await
    .assert_problem(409, "sheet.module_locked");

    setup
        .hosts
        .school_organizer
        .post(&format!("{base}/unlock"), &json!({"reason": ""}))
        .await
        .assert_problem(422, "validation.failed");
    let unlocked = setup
        .hosts
        .school_organizer
        .post(
            &format!("{base}/unlock"),
            &json!({"reason": "appeal by K7QM"}),
        )
        .await;
    assert_eq!(unlocked.body["state"], "open");
    let judge_not_chief = li.get(&format!("{base}/review")).await;
    judge_not_chief.assert_problem(403, "judge.not_chief");
}

async fn a_tampered_audit_row_is_detected_by_verify(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let judge = judge_session(&app, &setup.judges[1].1, None).await;
    judge.put(&sheet_path(), &full_sheet("K7QM", 1, 1)).await;
    let organizer = &setup.hosts.school_organizer;
    let intact = organizer
        .get("/api/v1/contests/ecommerce-2026/audit/verify")
        .await;
    assert_eq!(intact.body["intact"], true, "{}", intact.body);
    let events = intact.body["events"].as_u64().unwrap();
    assert!(events >= 8, "{}", intact.body);

    let contest_id = setup.contest_id.clone();
    app.db
        .write(move |conn| {
            diesel::sql_query(format!(
                "UPDATE audit_events SET after_json = '{{\"marks\":\"changed\"}}' WHERE chain = '{contest_id}' AND seq = 3"
            ))
            .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();

    let broken = organizer
        .get("/api/v1/contests/ecommerce-2026/audit/verify")
        .await;
    assert_eq!(broken.body["intact"], false);
    assert_eq!(broken.body["broken_at"], 3);
    assert_eq!(broken.body["problem"], "audit.hash_mismatch");
    let exported = organizer.get("/api/v1/contests/ecommerce-2026/audit").await;
    assert_eq!(exported.body.as_array().unwrap().len() as u64, events);
    setup
        .hosts
        .outsider
        .get("/api/v1/contests/ecommerce-2026/audit/verify")
        .await
        .assert_problem(404, "contest.not_found");
}

async fn concurrent_submissions_are_all_acknowledged_and_all_stored(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let zhang = judge_session(&app, &setup.judges[0].1, Some("2468")).await;
    let li = judge_session(&app, &setup.judges[1].1, None).await;

    let requests: Vec<(&Session, String, Value)> = [&zhang, &li]
        .into_iter()
        .flat_map(|judge| CODES.map(|code| (judge, sheet_path(), full_sheet(code, 2, 1))))
        .collect();
    let replies = futures_util::future::join_all(
        requests
            .iter()
            .map(|(judge, path, body)| judge.put(path, body)),
    )
    .await;

    assert!(
        replies.iter().all(|r| r.status == 201),
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(count_sheets(&app).await, 6);
}

on_both_backends!(
    a_judge_signs_in_from_the_link_and_sees_codes_never_names,
    a_pin_is_needed_when_one_was_set,
    a_retried_submission_returns_the_stored_sheet_and_never_duplicates,
    every_criterion_needs_an_answer_before_submission,
    marks_are_checked_against_each_criterion,
    a_stale_version_is_refused_and_never_overwrites,
    a_second_device_of_the_same_judge_gets_a_conflict_not_a_merge,
    a_judge_cannot_mark_another_panel_or_another_contests_team,
    a_revoked_judge_is_refused_at_once,
    a_flag_blocks_the_lock_and_a_locked_module_refuses_sheets,
    a_tampered_audit_row_is_detected_by_verify,
    concurrent_submissions_are_all_acknowledged_and_all_stored,
);
