use serde_json::json;

use crate::helpers::{spawn_app, TestBackend, PASSWORD};
use crate::on_both_backends;

async fn the_admin_creates_organizations_and_organizers_who_can_sign_in(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let admin = app.admin().await;

    let school = app
        .organization(&admin, "浙江商业职业技术学院", "school")
        .await;
    let organizer = app.organizer(&admin, &school, "li.wei").await;

    let me = organizer.get("/api/v1/auth/me").await;
    assert_eq!(me.body["username"], "li.wei");
    assert_eq!(me.body["organization"]["name"], "浙江商业职业技术学院");
    assert_eq!(me.body["is_admin"], false);
    let orgs = organizer.get("/api/v1/organizations").await;
    assert_eq!(orgs.body.as_array().unwrap().len(), 1);
}

async fn a_generated_password_is_returned_once_and_works(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let admin = app.admin().await;
    let org = app
        .organization(&admin, "Zhejiang E-commerce Group", "enterprise")
        .await;

    let created = admin
        .post(
            "/api/v1/users",
            &json!({"username": "wang.fang", "display_name": "王芳", "organization_id": org}),
        )
        .await;

    assert_eq!(created.status, 201, "{}", created.body);
    let password = created.body["generated_password"].as_str().unwrap();
    assert!(password.len() >= 16);
    app.sign_in("wang.fang", password).await;
}

async fn only_the_admin_manages_accounts(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let admin = app.admin().await;
    let org = app.organization(&admin, "School A", "school").await;
    let organizer = app.organizer(&admin, &org, "organizer.a").await;

    organizer
        .post(
            "/api/v1/organizations",
            &json!({"name": "Mine", "kind": "school"}),
        )
        .await
        .assert_problem(403, "auth.admin_only");
    organizer
        .post("/api/v1/users", &json!({"username": "sneaky", "display_name": "x", "organization_id": org, "password": PASSWORD}))
        .await
        .assert_problem(403, "auth.admin_only");
    app.anonymous()
        .get("/api/v1/organizations")
        .await
        .assert_problem(401, "auth.required");
    assert_eq!(
        admin
            .get("/api/v1/organizations")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn organizers_see_only_the_members_of_their_organization(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let admin = app.admin().await;
    let a = app.organization(&admin, "School A", "school").await;
    let b = app.organization(&admin, "School B", "school").await;
    let organizer_a = app.organizer(&admin, &a, "member.a").await;
    app.organizer(&admin, &b, "member.b").await;

    let users = organizer_a.get("/api/v1/users").await;

    let names: Vec<&str> = users
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["member.a"]);
    assert_eq!(
        admin
            .get("/api/v1/users")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

async fn bad_account_input_names_each_field_and_changes_nothing(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let admin = app.admin().await;
    let org = app.organization(&admin, "School A", "school").await;

    let bad_org = admin
        .post(
            "/api/v1/organizations",
            &json!({"name": " ", "kind": "club"}),
        )
        .await;
    bad_org.assert_problem(422, "validation.failed");
    assert_eq!(bad_org.error_fields(), ["name", "kind"]);

    admin
        .post(
            "/api/v1/organizations",
            &json!({"name": "School A", "kind": "school"}),
        )
        .await
        .assert_problem(409, "organization.duplicate_name");

    let bad_user = admin
        .post("/api/v1/users", &json!({"username": "a b", "display_name": "", "organization_id": org, "password": "short"}))
        .await;
    bad_user.assert_problem(422, "validation.failed");
    assert_eq!(
        bad_user.error_fields(),
        ["username", "display_name", "password"]
    );

    let unknown_org = admin
        .post("/api/v1/users", &json!({"username": "ghost.org", "display_name": "x", "organization_id": "no-such-org", "password": PASSWORD}))
        .await;
    unknown_org.assert_problem(422, "validation.failed");
    assert_eq!(unknown_org.error_fields(), ["organization_id"]);

    app.organizer(&admin, &org, "taken.name").await;
    admin
        .post("/api/v1/users", &json!({"username": "taken.name", "display_name": "x", "organization_id": org, "password": PASSWORD}))
        .await
        .assert_problem(409, "user.duplicate_username");

    assert_eq!(
        admin
            .get("/api/v1/organizations")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        admin
            .get("/api/v1/users")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

on_both_backends!(
    the_admin_creates_organizations_and_organizers_who_can_sign_in,
    a_generated_password_is_returned_once_and_works,
    only_the_admin_manages_accounts,
    organizers_see_only_the_members_of_their_organization,
    bad_account_input_names_each_field_and_changes_nothing,
);
