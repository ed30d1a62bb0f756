use serde_json::{json, Value};

use crate::contests::{co_hosts, contest};
use crate::helpers::{spawn_app, TestBackend};
use crate::on_both_backends;

/// An e-commerce scheme with all four kinds of criterion.
pub fn ecommerce_scheme() -> Value {
    json!({"modules": [
        {"code": "A", "title_zh": "网店开设与装修", "title_en": "Store setup and decoration", "weight": 25,
         "criteria": [
            {"code": "A1", "text_zh": "店铺基本信息完整", "text_en": "Store information complete", "kind": "measurement", "max_mark": 5, "step": 0.5},
            {"code": "A2", "text_zh": "首页视觉设计", "text_en": "Home page design", "kind": "judgement", "max_mark": 6,
             "descriptors": ["未完成", "基本完成", "良好", "优秀"]},
            {"code": "A3", "text_zh": "违规操作", "text_en": "Rule violations", "kind": "deduction", "max_mark": 2}
         ]},
        {"code": "B", "title_zh": "网店运营推广", "title_en": "Online marketing", "aggregation": "median", "discrepancy_threshold": 2,
         "criteria": [
            {"code": "B1", "text_zh": "平台推广得分", "text_en": "Platform promotion score", "kind": "imported", "max_mark": 40}
         ]}
    ]})
}

async fn a_scheme_is_stored_and_read_back_with_marks_in_points(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let path = "/api/v1/contests/ecommerce-2026/scheme";

    let saved = hosts.school_organizer.put(path, &ecommerce_scheme()).await;

    assert_eq!(saved.status, 200, "{}", saved.body);
    let read = hosts.enterprise_organizer.get(path).await;
    assert_eq!(read.body, saved.body);
    let a = &read.body["modules"][0];
    assert_eq!(a["weight"], json!(25));
    assert_eq!(a["aggregation"], "auto");
    assert_eq!(a["discrepancy_threshold"], 1);
    assert_eq!(a["criteria"][0]["step"], json!(0.5));
    assert_eq!(a["criteria"][1]["descriptors"][3], "优秀");
    assert!(a["criteria"][2].get("step").is_none());
    assert_eq!(read.body["modules"][1]["aggregation"], "median");
    hosts
        .outsider
        .get(path)
        .await
        .assert_problem(404, "contest.not_found");
    app.anonymous()
        .get(path)
        .await
        .assert_problem(401, "auth.required");
}

async fn a_bad_scheme_lists_every_problem_and_changes_nothing(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let path = "/api/v1/contests/ecommerce-2026/scheme";
    hosts.school_organizer.put(path, &ecommerce_scheme()).await;

    let bad = json!({"modules": [
        {"code": "A", "title_zh": "模块A", "criteria": [
            {"code": "A1", "text_zh": "x", "kind": "measurement", "max_mark": 5, "step": 2},
            {"code": "A1", "text_zh": "y", "kind": "judgement", "max_mark": 0, "step": 1},
            {"code": "A3", "text_zh": "z", "kind": "measurement", "max_mark": 3}
        ]},
        {"code": "A", "title_zh": "", "criteria": []}
    ]});
    let reply = hosts.school_organizer.put(path, &bad).await;

    reply.assert_problem(422, "validation.failed");
    let fields = reply.error_fields();
    for expected in [
        "modules[0].criteria[0].step",
        "modules[0].criteria[1].code",
        "modules[0].criteria[1].max",
        "modules[0].criteria[1].step",
        "modules[0].criteria[2].step",
        "modules[1].code",
        "modules[1].title_zh",
        "modules[1].criteria",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected} missing from {fields:?}"
        );
    }
    let codes: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    for code in [
        "step_does_not_divide_max",
        "duplicate_criterion_code",
        "max_not_positive",
        "duplicate_module_code",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let unchanged = hosts.school_organizer.get(path).await;
    assert_eq!(
        unchanged.body,
        hosts
            .school_organizer
            .put(path, &ecommerce_scheme())
            .await
            .body
    );

    let off_grid = hosts
        .school_organizer
        .put(
            path,
            &json!({"modules": [{"code": "A", "title_zh": "A", "criteria": [
            {"code": "A1", "text_zh": "x", "kind": "imported", "max_mark": 1.005}]}]}),
        )
        .await;
    off_grid.assert_problem(422, "request.invalid_json");
}

async fn the_scheme_freezes_when_scoring_starts_and_reopens_only_with_a_reason(
    backend: TestBackend,
) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created = contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let path = "/api/v1/contests/ecommerce-2026/scheme";
    organizer.put(path, &ecommerce_scheme()).await;
    for state in ["registration", "running"] {
        organizer
            .post(
                "/api/v1/contests/ecommerce-2026/state",
                &json!({"to": state}),
            )
            .await;
    }
    let mut changed = ecommerce_scheme();
    changed["modules"][0]["criteria"][0]["max_mark"] = json!(10);

    organizer
        .put(path, &changed)
        .await
        .assert_problem(409, "scheme.frozen");
    organizer
        .post(
            "/api/v1/contests/ecommerce-2026/scheme/reopen",
            &json!({"reason": ""}),
        )
        .await
        .assert_problem(422, "validation.failed");
    let reopened = organizer
        .post(
            "/api/v1/contests/ecommerce-2026/scheme/reopen",
            &json!({"reason": "A1 maximum misprinted on the sheet"}),
        )
        .await;
    assert_eq!(reopened.status, 204, "{}", reopened.body);
    let saved = organizer.put(path, &changed).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(
        saved.body["modules"][0]["criteria"][0]["max_mark"],
        json!(10)
    );
    // One change per reopen: the scheme is frozen again.
    organizer
        .put(path, &ecommerce_scheme())
        .await
        .assert_problem(409, "scheme.frozen");

    let contest_id = created["id"].as_str().unwrap().to_owned();
    let events = app
        .db
        .read(move |conn| Ok(skillboard::store::audit::chain(conn, &contest_id)?))
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        &actions[actions.len() - 2..],
        ["scheme.reopen", "scheme.replace"]
    );
    let replace = events.last().unwrap();
    assert!(replace
        .before_json
        .as_deref()
        .unwrap()
        .contains("\"max_mark\":5,"));
    assert!(replace
        .after_json
        .as_deref()
        .unwrap()
        .contains("\"max_mark\":10,"));
}

async fn criteria_keep_their_ids_when_the_scheme_is_edited(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created = contest(&hosts, "ecommerce-2026").await;
    let path = "/api/v1/contests/ecommerce-2026/scheme";
    hosts.school_organizer.put(path, &ecommerce_scheme()).await;
    let contest_id = created["id"].as_str().unwrap().to_owned();
    let ids = |app_db: skillboard::store::Db, contest_id: String| async move {
        app_db
            .read(move |conn| {
                Ok(skillboard::store::schemes::load(conn, &contest_id)?
                    .into_iter()
                    .flat_map(|m| m.criteria.into_iter().map(|c| (c.code, c.id)))
                    .collect::<Vec<_>>())
            })
            .await
            .unwrap()
    };
    let before = ids(app.db.clone(), contest_id.clone()).await;

    let mut edited = ecommerce_scheme();
    edited["modules"][0]["criteria"][1]["text_en"] = json!("Home page visual design");
    edited["modules"][0]["criteria"]
        .as_array_mut()
        .unwrap()
        .remove(2);
    hosts.school_organizer.put(path, &edited).await;

    let after = ids(app.db.clone(), contest_id).await;
    assert_eq!(after.len(), before.len() - 1);
    for (code, id) in &after {
        assert!(
            before.contains(&(code.clone(), id.clone())),
            "{code} changed its id"
        );
    }
}

async fn the_tie_break_list_refers_to_modules_of_the_scheme(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    organizer
        .put(
            "/api/v1/contests/ecommerce-2026/scheme",
            &ecommerce_scheme(),
        )
        .await;

    let set = organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"tie_break": ["B", "A"]}),
        )
        .await;
    assert_eq!(set.body["tie_break"], json!(["B", "A"]));

    let without_b = json!({"modules": [ecommerce_scheme()["modules"][0].clone()]});
    let reply = organizer
        .put("/api/v1/contests/ecommerce-2026/scheme", &without_b)
        .await;
    reply.assert_problem(422, "validation.failed");
    assert_eq!(reply.body["errors"][0]["code"], "tie_break_module_removed");
}

async fn the_scheme_round_trips_through_the_organizers_xlsx_sheet(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    contest(&hosts, "ecommerce-2027").await;
    let organizer = &hosts.school_organizer;
    let saved = organizer
        .put(
            "/api/v1/contests/ecommerce-2026/scheme",
            &ecommerce_scheme(),
        )
        .await;

    let response = organizer
        .request(
            reqwest::Method::GET,
            "/api/v1/contests/ecommerce-2026/scheme.xlsx",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let xlsx = response.bytes().await.unwrap();
    assert!(xlsx.starts_with(b"PK"));

    let imported = organizer
        .send(
            organizer
                .request(
                    reqwest::Method::POST,
                    "/api/v1/contests/ecommerce-2027/scheme/import",
                )
                .header(
                    "content-type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                .body(xlsx.to_vec()),
        )
        .await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    // The sheet carries every criterion; module settings the layout lacks take their defaults.
    let mut expected = saved.body.clone();
    expected["modules"][0]["weight"] = Value::Null;
    expected["modules"][1]["aggregation"] = json!("auto");
    expected["modules"][1]["discrepancy_threshold"] = json!(1);
    assert_eq!(imported.body, expected);
}

async fn a_bad_scheme_sheet_reports_its_lines_and_changes_nothing(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    organizer
        .put(
            "/api/v1/contests/ecommerce-2026/scheme",
            &ecommerce_scheme(),
        )
        .await;
    let csv = "module,criterion,kind,max_mark\nA,A1,measurement,abc\nA,A2,colour,3\n";
    let post = |content_type: &'static str, body: Vec<u8>| {
        organizer
            .request(
                reqwest::Method::POST,
                "/api/v1/contests/ecommerce-2026/scheme/import",
            )
            .header("content-type", content_type)
            .body(body)
    };

    let reply = organizer
        .send(post("application/octet-stream", csv.as_bytes().to_vec()))
        .await;
    reply.assert_problem(422, "validation.failed");
    let lines: Vec<u64> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert!(lines.contains(&2) && lines.contains(&3), "{}", reply.body);

    organizer
        .send(post("text/html", b"<b>".to_vec()))
        .await
        .assert_problem(415, "request.unsupported_media_type");
    organizer
        .send(post(
            "application/octet-stream",
            b"PK\x03\x04 not really a zip".to_vec(),
        ))
        .await
        .assert_problem(422, "import.unreadable_file");
    let unchanged = organizer
        .get("/api/v1/contests/ecommerce-2026/scheme")
        .await;
    assert_eq!(unchanged.body["modules"].as_array().unwrap().len(), 2);
}

on_both_backends!(
    a_scheme_is_stored_and_read_back_with_marks_in_points,
    a_bad_scheme_lists_every_problem_and_changes_nothing,
    the_scheme_freezes_when_scoring_starts_and_reopens_only_with_a_reason,
    criteria_keep_their_ids_when_the_scheme_is_edited,
    the_tie_break_list_refers_to_modules_of_the_scheme,
    the_scheme_round_trips_through_the_organizers_xlsx_sheet,
    a_bad_scheme_sheet_reports_its_lines_and_changes_nothing,
);
