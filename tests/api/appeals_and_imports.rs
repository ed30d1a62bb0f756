use diesel::{QueryDsl, RunQueryDsl};
use serde_json::json;

use crate::helpers::{spawn_app, Session, TestApp, TestBackend};
use crate::judging::{full_sheet, judge_session, running_contest};
use crate::on_both_backends;

async fn imported_count(app: &TestApp) -> i64 {
    app.db
        .read(|conn| {
            Ok(skillboard::store::schema::imported_marks::table
                .count()
                .get_result::<i64>(conn)?)
        })
        .await
        .unwrap()
}

async fn a_script_with_an_api_token_imports_platform_marks_all_or_nothing(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let token = setup
        .hosts
        .school_organizer
        .post("/api/v1/auth/tokens", &json!({"name": "platform"}))
        .await;
    let script = Session::with_bearer(&app.address, token.body["secret"].as_str().unwrap());
    let path = "/api/v1/contests/ecommerce-2026/imported-marks";

    let good = script
        .post(
            path,
            &json!({"rows": [
                {"code": "K7QM", "criterion": "B1", "mark": 35.5},
                {"station": 2, "criterion": "B1", "mark": 40}
            ]}),
        )
        .await;
    assert_eq!(good.status, 200, "{}", good.body);
    assert_eq!(good.body["stored"], 2);

    let bad = script
        .post(
            path,
            &json!({"rows": [
                {"code": "K7QM", "criterion": "B1", "mark": 12},
                {"code": "K7QM", "criterion": "B1", "mark": 40.5},
                {"code": "K7QM", "criterion": "Z9", "mark": 1},
                {"code": "K7QM", "criterion": "A1", "mark": 1},
                {"station": 99, "criterion": "B1", "mark": 1}
            ]}),
        )
        .await;
    bad.assert_problem(422, "validation.failed");
    assert_eq!(
        bad.error_fields(),
        [
            "rows[1].mark",
            "rows[2].criterion",
            "rows[3].criterion",
            "rows[4].team"
        ]
    );
    assert_eq!(imported_count(&app).await, 2);

    let csv = script
        .send(
            script
                .request(reqwest::Method::POST, path)
                .header("content-type", "text/csv")
                .body("工位号,评分项,得分\n3,B1,12.5\n1,B1,30\n"),
        )
        .await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(
        imported_count(&app).await,
        3,
        "station 1 = K7QM was replaced, not duplicated"
    );
    setup
        .hosts
        .outsider
        .post(path, &json!({"rows": []}))
        .await
        .assert_problem(404, "contest.not_found");
}

async fn an_upheld_appeal_reopens_the_teams_sheets_and_everything_is_audited(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let li = judge_session(&app, &setup.judges[1].1, None).await;
    let chief = judge_session(&app, &setup.judges[3].1, None).await;
    let sheet = format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4());
    li.put(&sheet, &full_sheet("K7QM", 1, 1)).await;
    let organizer = &setup.hosts.school_organizer;

    let filed = organizer
        .post("/api/v1/contests/ecommerce-2026/appeals", &json!({"team": "K7QM", "module": "A", "text": "Our home page was judged before it finished loading."}))
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    assert_eq!(filed.body["status"], "open");
    let id = filed.body["id"].as_str().unwrap().to_owned();

    let decided = chief
        .post(&format!("/api/v1/contests/ecommerce-2026/appeals/{id}/decision"), &json!({"decision": "upheld", "reason": "page load confirmed from the platform log", "reopen_sheets": true}))
        .await;
    assert_eq!(decided.status, 200, "{}", decided.body);
    assert_eq!(decided.body["status"], "upheld");
    let reopened = li.get(&sheet).await;
    assert_eq!(reopened.body["status"], "draft");
    assert_eq!(reopened.body["version"], 2);
    chief
        .post(
            &format!("/api/v1/contests/ecommerce-2026/appeals/{id}/decision"),
            &json!({"decision": "rejected", "reason": "twice"}),
        )
        .await
        .assert_problem(409, "appeal.decided");

    let contest_id = setup.contest_id.clone();
    let actions: Vec<String> = app
        .db
        .read(move |conn| Ok(skillboard::store::audit::chain(conn, &contest_id)?))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.ends_with(&[
            "appeal.file".into(),
            "appeal.decide".into(),
            "sheet.reopen".into()
        ]),
        "{actions:?}"
    );
    let listed = organizer
        .get("/api/v1/contests/ecommerce-2026/appeals")
        .await;
    assert_eq!(
        listed.body[0]["decision"],
        "page load confirmed from the platform log"
    );
}

async fn an_appeal_after_the_window_is_refused(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let setup = running_contest(&app).await;
    let organizer = &setup.hosts.school_organizer;
    organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"starts_at": "2026-01-10T00:00:00Z", "ends_at": "2026-01-10T08:00:00Z"}),
        )
        .await;

    let late = organizer
        .post(
            "/api/v1/contests/ecommerce-2026/appeals",
            &json!({"team": "K7QM", "text": "We would like to appeal."}),
        )
        .await;

    late.assert_problem(409, "appeal.window_closed");
    assert!(organizer
        .get("/api/v1/contests/ecommerce-2026/appeals")
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
}

on_both_backends!(
    a_script_with_an_api_token_imports_platform_marks_all_or_nothing,
    an_upheld_appeal_reopens_the_teams_sheets_and_everything_is_audited,
    an_appeal_after_the_window_is_refused,
);
