use serde_json::{json, Value};

use crate::helpers::{spawn_app, Session, TestApp, TestBackend};
use crate::on_both_backends;

/// Two co-hosts (a school group and an enterprise) and an outsider, each with an organizer.
pub struct CoHosts {
    pub admin: Session,
    pub school: String,
    pub enterprise: String,
    pub school_organizer: Session,
    pub enterprise_organizer: Session,
    pub outsider: Session,
}

pub async fn co_hosts(app: &TestApp) -> CoHosts {
    let admin = app.admin().await;
    let school = app
        .organization(&admin, "Technical Education Group", "school")
        .await;
    let enterprise = app
        .organization(&admin, "E-commerce Enterprise", "enterprise")
        .await;
    let other = app.organization(&admin, "Unrelated School", "school").await;
    CoHosts {
        school_organizer: app.organizer(&admin, &school, "school.organizer").await,
        enterprise_organizer: app
            .organizer(&admin, &enterprise, "enterprise.organizer")
            .await,
        outsider: app.organizer(&admin, &other, "outsider").await,
        admin,
        school,
        enterprise,
    }
}

/// The test contests' day: tomorrow, whenever the tests run. A fixed date went by (and with it
/// the appeal window, which runs from the contest's end), and the tests that file appeals
/// failed from that day on.
pub fn contest_day() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::days(1)).date_naive()
}

/// `contest_day()` at `time` (e.g. "09:00"), in the API's UTC format.
pub fn on_contest_day(time: &str) -> String {
    format!("{}T{time}:00Z", contest_day())
}

pub fn new_contest(slug: &str, co_host: &str) -> Value {
    json!({
        "slug": slug,
        "title_zh": "电子商务技能大赛",
        "title_en": "E-commerce Skills Contest",
        "venue": "杭州",
        "starts_at": on_contest_day("00:30"),
        "ends_at": on_contest_day("10:00"),
        "co_host_ids": [co_host],
        "visibility": "codes",
    })
}

/// A contest led by the school group and co-hosted by the enterprise.
pub async fn contest(hosts: &CoHosts, slug: &str) -> Value {
    let reply = hosts
        .school_organizer
        .post("/api/v1/contests", &new_contest(slug, &hosts.enterprise))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

async fn an_organizer_creates_a_co_hosted_contest_with_defaults(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;

    let created = contest(&hosts, "ecommerce-2026").await;

    assert_eq!(created["state"], "draft");
    assert_eq!(created["award_tiers"], json!([1000, 2000, 3000]));
    assert_eq!(created["team_size"], json!({"min": 1, "max": 3}));
    assert_eq!(created["scheme_editable"], true);
    let hosts_json = created["hosts"].as_array().unwrap();
    assert_eq!(hosts_json.len(), 2);
    assert_eq!(hosts_json[0]["organization_id"], hosts.school.as_str());
    assert_eq!(hosts_json[0]["is_lead"], true);
    assert_eq!(hosts_json[1]["organization_id"], hosts.enterprise.as_str());
    assert_eq!(hosts_json[1]["is_lead"], false);
}

async fn every_co_host_may_manage_the_contest_and_nobody_else(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;

    let by_co_host = hosts
        .enterprise_organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"venue": "Hangzhou Expo"}),
        )
        .await;
    assert_eq!(by_co_host.status, 200, "{}", by_co_host.body);
    assert_eq!(by_co_host.body["venue"], "Hangzhou Expo");
    assert_eq!(
        hosts
            .admin
            .get("/api/v1/contests/ecommerce-2026")
            .await
            .status,
        200
    );

    // The outsider cannot tell the contest from one that does not exist.
    let outsider_read = hosts.outsider.get("/api/v1/contests/ecommerce-2026").await;
    outsider_read.assert_problem(404, "contest.not_found");
    let missing = hosts.outsider.get("/api/v1/contests/no-such-contest").await;
    assert_eq!(
        outsider_read.body["detail"]
            .as_str()
            .unwrap()
            .replace("ecommerce-2026", "X"),
        missing.body["detail"]
            .as_str()
            .unwrap()
            .replace("no-such-contest", "X")
    );
    hosts
        .outsider
        .patch("/api/v1/contests/ecommerce-2026", &json!({"venue": "mine"}))
        .await
        .assert_problem(404, "contest.not_found");
    assert!(hosts
        .outsider
        .get("/api/v1/contests")
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
    app.anonymous()
        .get("/api/v1/contests/ecommerce-2026")
        .await
        .assert_problem(401, "auth.required");
    app.anonymous()
        .post("/api/v1/contests", &new_contest("anon", &hosts.school))
        .await
        .assert_problem(401, "auth.required");

    assert_eq!(
        hosts
            .enterprise_organizer
            .get("/api/v1/contests")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let unchanged = hosts
        .school_organizer
        .get("/api/v1/contests/ecommerce-2026")
        .await;
    assert_eq!(unchanged.body["venue"], "Hangzhou Expo");
}

async fn bad_contest_input_names_each_field_and_creates_nothing(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;

    let mut bad = new_contest("Bad Slug!", "no-such-org");
    bad["title_zh"] = json!("");
    bad["title_en"] = json!("x".repeat(121));
    // Before the start.
    bad["ends_at"] = json!(on_contest_day("00:00"));
    bad["award_tiers"] = json!([5000, 6000]);
    let reply = hosts.school_organizer.post("/api/v1/contests", &bad).await;

    reply.assert_problem(422, "validation.failed");
    assert_eq!(
        reply.error_fields(),
        ["slug", "title_zh", "title_en", "ends_at", "award_tiers"]
    );

    let unknown_host = hosts
        .school_organizer
        .post("/api/v1/contests", &new_contest("good-slug", "no-such-org"))
        .await;
    unknown_host.assert_problem(422, "validation.failed");
    assert_eq!(unknown_host.error_fields(), ["co_host_ids[0]"]);

    let bad_visibility = hosts
        .school_organizer
        .post(
            "/api/v1/contests",
            &json!({"visibility": "everyone", "slug": "x"}),
        )
        .await;
    bad_visibility.assert_problem(422, "request.invalid_json");

    assert!(hosts
        .admin
        .get("/api/v1/contests")
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
}

async fn a_duplicate_slug_is_a_conflict(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;

    let again = hosts
        .enterprise_organizer
        .post(
            "/api/v1/contests",
            &new_contest("ecommerce-2026", &hosts.school),
        )
        .await;

    again.assert_problem(409, "contest.duplicate_slug");
}

async fn an_organizer_cannot_create_a_contest_their_organization_does_not_host(
    backend: TestBackend,
) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let mut foreign = new_contest("not-ours", &hosts.enterprise);
    foreign["lead_organization_id"] = json!(hosts.enterprise);

    let reply = hosts
        .school_organizer
        .post("/api/v1/contests", &foreign)
        .await;

    reply.assert_problem(422, "validation.failed");
    assert_eq!(reply.error_fields(), ["co_host_ids"]);
}

async fn the_contest_moves_only_along_legal_transitions(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let to = |state: &str| json!({"to": state});
    let path = "/api/v1/contests/ecommerce-2026/state";

    organizer
        .post(path, &to("running"))
        .await
        .assert_problem(409, "contest.illegal_transition");
    organizer
        .post(path, &to("finished"))
        .await
        .assert_problem(422, "validation.failed");
    for state in ["registration", "running", "locked"] {
        let reply = organizer.post(path, &to(state)).await;
        assert_eq!(reply.status, 200, "{state}: {}", reply.body);
        assert_eq!(reply.body["state"], state);
    }
    // Reopening scoring is legal, but only with a reason for the audit log.
    organizer
        .post(path, &to("running"))
        .await
        .assert_problem(422, "validation.failed");
    let reopened = organizer
        .post(
            path,
            &json!({"to": "running", "reason": "appeal by team K7QM upheld"}),
        )
        .await;
    assert_eq!(reopened.body["state"], "running");
    assert_eq!(reopened.body["scheme_editable"], false);
    organizer.post(path, &to("locked")).await;
    organizer.post(path, &to("published")).await;
    organizer
        .post(path, &to("locked"))
        .await
        .assert_problem(409, "contest.illegal_transition");

    let contest_id = reopened.body["id"].as_str().unwrap().to_owned();
    let events = app
        .db
        .read(move |conn| Ok(skillboard::store::audit::chain(conn, &contest_id)?))
        .await
        .unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "contest.create",
            "contest.state",
            "contest.state",
            "contest.state",
            "contest.state",
            "contest.state",
            "contest.state"
        ]
    );
    let reopen = &events[4];
    assert_eq!(reopen.reason.as_deref(), Some("appeal by team K7QM upheld"));
    assert_eq!(reopen.actor, "user:school.organizer");
    assert_eq!(reopen.before_json.as_deref(), Some("\"locked\""));
}

async fn co_hosts_can_be_changed_but_not_to_exclude_yourself(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let path = "/api/v1/contests/ecommerce-2026/hosts";

    let swap = hosts
        .school_organizer
        .put(
            path,
            &json!({"lead_organization_id": hosts.enterprise, "co_host_ids": [hosts.school]}),
        )
        .await;
    assert_eq!(swap.status, 200, "{}", swap.body);
    assert_eq!(
        swap.body["hosts"][0]["organization_id"],
        hosts.enterprise.as_str()
    );
    assert_eq!(swap.body["hosts"][0]["is_lead"], true);

    let exclude_self = hosts
        .school_organizer
        .put(
            path,
            &json!({"lead_organization_id": hosts.enterprise, "co_host_ids": []}),
        )
        .await;
    exclude_self.assert_problem(422, "validation.failed");
    assert_eq!(
        hosts
            .school_organizer
            .get("/api/v1/contests/ecommerce-2026")
            .await
            .status,
        200
    );
}

async fn editing_checks_the_freeze_time_and_can_clear_it(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let path = "/api/v1/contests/ecommerce-2026";
    let organizer = &hosts.school_organizer;

    let the_day_after = format!("{}T00:00:00Z", contest_day() + chrono::Duration::days(1));
    let outside = organizer
        .patch(path, &json!({"freeze_at": the_day_after}))
        .await;
    outside.assert_problem(422, "validation.failed");
    assert_eq!(outside.error_fields(), ["freeze_at"]);

    let freeze_at = on_contest_day("09:00");
    let set = organizer
        .patch(path, &json!({"freeze_at": freeze_at}))
        .await;
    assert_eq!(set.body["freeze_at"], freeze_at);
    let untouched = organizer.patch(path, &json!({"venue": "Ningbo"})).await;
    assert_eq!(untouched.body["freeze_at"], freeze_at);
    let cleared = organizer.patch(path, &json!({"freeze_at": null})).await;
    assert!(cleared.body["freeze_at"].is_null(), "{}", cleared.body);

    organizer
        .patch(path, &json!({"tie_break": ["Z"]}))
        .await
        .assert_problem(422, "validation.failed");
    organizer
        .patch(path, &json!({"slug": "renamed"}))
        .await
        .assert_problem(422, "request.invalid_json");
}

on_both_backends!(
    an_organizer_creates_a_co_hosted_contest_with_defaults,
    every_co_host_may_manage_the_contest_and_nobody_else,
    bad_contest_input_names_each_field_and_creates_nothing,
    a_duplicate_slug_is_a_conflict,
    an_organizer_cannot_create_a_contest_their_organization_does_not_host,
    the_contest_moves_only_along_legal_transitions,
    co_hosts_can_be_changed_but_not_to_exclude_yourself,
    editing_checks_the_freeze_time_and_can_clear_it,
);
