use serde_json::json;

use crate::contests::{co_hosts, contest};
use crate::helpers::{spawn_app, TestBackend};
use crate::on_both_backends;
use crate::registration_import::{import, FIXTURE_ID_NUMBERS, FIXTURE_NAMES, UTF8};
use crate::teams::{resident_id, set_state, team_json, teams_path};

const FORM: &str = "/api/v1/public/contests/ecommerce-2026/registration";
const APPLY: &str = "/api/v1/public/contests/ecommerce-2026/registrations";

async fn the_public_form_is_open_only_in_registration_with_self_registration_on(
    backend: TestBackend,
) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let public = app.anonymous();
    let application = team_json("星火队", "深圳职业技术大学", 2, 100);

    // Enabled, but still a draft.
    let enabled = organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"self_registration": true}),
        )
        .await;
    assert_eq!(enabled.body["self_registration"], true);
    assert_eq!(public.get(FORM).await.body["open"], false);
    public
        .post(APPLY, &application)
        .await
        .assert_problem(409, "registration.closed");

    // In registration: open.
    set_state(organizer, "ecommerce-2026", "registration").await;
    let form = public.get(FORM).await;
    assert_eq!(form.body["open"], true);
    assert_eq!(form.body["team_size"], json!({"min": 1, "max": 3}));
    let receipt = public.post(APPLY, &application).await;
    assert_eq!(receipt.status, 201, "{}", receipt.body);
    assert_eq!(receipt.body["status"], "pending");
    assert_eq!(receipt.body["members"], 2);

    // Turned off again: closed.
    organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"self_registration": false}),
        )
        .await;
    public
        .post(APPLY, &team_json("破浪队", "深圳职业技术大学", 1, 200))
        .await
        .assert_problem(409, "registration.closed");

    // Scoring started: closed even when on.
    organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"self_registration": true}),
        )
        .await;
    set_state(organizer, "ecommerce-2026", "running").await;
    public
        .post(APPLY, &team_json("破浪队", "深圳职业技术大学", 1, 200))
        .await
        .assert_problem(409, "registration.closed");
    public
        .post("/api/v1/public/contests/nope/registrations", &application)
        .await
        .assert_problem(404, "contest.not_found");
}

async fn applications_get_the_same_validation_as_organizers(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"self_registration": true}),
        )
        .await;
    set_state(organizer, "ecommerce-2026", "registration").await;
    let public = app.anonymous();
    let mut bad_check_digit = resident_id(0);
    let wrong = if bad_check_digit.ends_with('1') {
        "2"
    } else {
        "1"
    };
    bad_check_digit.replace_range(17.., wrong);

    let reply = public
        .post(
            APPLY,
            &json!({"name": "星火队", "school": "深圳", "members": [
                {"name": "张伟", "id_number": bad_check_digit, "phone": "12345"},
            ]}),
        )
        .await;

    reply.assert_problem(422, "validation.failed");
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(fields, ["members[0].id_number", "members[0].phone"]);
    assert_eq!(
        organizer.get(&teams_path("ecommerce-2026")).await.body,
        json!([])
    );
}

async fn organizers_approve_or_reject_pending_teams(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"self_registration": true}),
        )
        .await;
    set_state(organizer, "ecommerce-2026", "registration").await;
    let public = app.anonymous();
    let first = public
        .post(APPLY, &team_json("星火队", "深圳职业技术大学", 2, 10))
        .await;
    let second = public
        .post(APPLY, &team_json("破浪队", "深圳职业技术大学", 2, 20))
        .await;
    let pending = organizer
        .get(&format!("{}?status=pending", teams_path("ecommerce-2026")))
        .await;
    assert_eq!(pending.body.as_array().unwrap().len(), 2);
    let team = |reply: &crate::helpers::Reply| {
        format!(
            "{}/{}",
            teams_path("ecommerce-2026"),
            reply.body["id"].as_str().unwrap()
        )
    };

    let approved = organizer
        .post(&format!("{}/approve", team(&first)), &json!({}))
        .await;
    let rejected = organizer
        .post(
            &format!("{}/reject", team(&second)),
            &json!({"reason": "不是本省院校"}),
        )
        .await;

    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["status"], "registered");
    assert_eq!(rejected.status, 204, "{}", rejected.body);
    organizer
        .get(&team(&second))
        .await
        .assert_problem(404, "team.not_found");
    let registered = organizer
        .get(&format!(
            "{}?status=registered",
            teams_path("ecommerce-2026")
        ))
        .await;
    assert_eq!(registered.body.as_array().unwrap().len(), 1);
    organizer
        .post(&format!("{}/approve", team(&first)), &json!({}))
        .await
        .assert_problem(409, "team.not_pending");
    // A rejected team's ID numbers are free for a corrected application.
    let again = public
        .post(APPLY, &team_json("破浪队", "深圳职业技术大学", 2, 20))
        .await;
    assert_eq!(again.status, 201, "{}", again.body);
    app.anonymous()
        .post(&format!("{}/approve", team(&again)), &json!({}))
        .await
        .assert_problem(401, "auth.required");
}

async fn the_public_never_receives_another_teams_names_or_id_numbers(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    import(organizer, "ecommerce-2026", "", UTF8).await;
    organizer
        .patch(
            "/api/v1/contests/ecommerce-2026",
            &json!({"self_registration": true}),
        )
        .await;
    set_state(organizer, "ecommerce-2026", "registration").await;
    let public = app.anonymous();

    let form = public.get(FORM).await;
    let receipt = public
        .post(APPLY, &team_json("新队", "深圳职业技术大学", 1, 300))
        .await;
    let mut stolen_id = team_json("冒名队", "深圳职业技术大学", 1, 400);
    stolen_id["members"][0]["id_number"] = json!(FIXTURE_ID_NUMBERS[7]);
    let duplicate_id = public.post(APPLY, &stolen_id).await;
    let duplicate_name = public
        .post(APPLY, &team_json("星火队", "深圳职业技术大学", 1, 500))
        .await;

    assert_eq!(form.status, 200);
    assert_eq!(receipt.status, 201, "{}", receipt.body);
    duplicate_id.assert_problem(409, "team.duplicate_id_number");
    duplicate_name.assert_problem(409, "team.duplicate");
    for reply in [&form, &receipt, &duplicate_id, &duplicate_name] {
        let text = reply.body.to_string();
        for secret in FIXTURE_NAMES.iter().chain(FIXTURE_ID_NUMBERS.iter()) {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
        for team in ["破浪队", "启航队"] {
            assert!(!text.contains(team), "{team} leaked in {text}");
        }
    }
    // The receipt describes the applicant's own team and nothing else.
    let text = receipt.body.to_string();
    assert!(!text.contains(&resident_id(300)), "{text}");
}

on_both_backends!(
    the_public_form_is_open_only_in_registration_with_self_registration_on,
    applications_get_the_same_validation_as_organizers,
    organizers_approve_or_reject_pending_teams,
    the_public_never_receives_another_teams_names_or_id_numbers,
);
