use serde_json::json;

use crate::helpers::{spawn_app, Session, TestBackend, ADMIN_PASSWORD};
use crate::on_both_backends;

async fn the_admin_signs_in_with_an_http_only_strict_cookie_and_sees_who_they_are(
    backend: TestBackend,
) {
    let app = spawn_app(&backend).await;
    let session = app.anonymous();

    let reply = session
        .post(
            "/api/v1/auth/login",
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["username"], "admin");
    assert_eq!(reply.body["is_admin"], true);
    assert!(reply.body.get("password_hash").is_none(), "{}", reply.body);
    let cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("skillboard_session=sbs_"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let me = session.get("/api/v1/auth/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "admin");
}

async fn a_wrong_password_and_an_unknown_user_get_the_same_401(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let session = app.anonymous();

    let wrong = session
        .post(
            "/api/v1/auth/login",
            &json!({"username": "admin", "password": "nope-nope-nope"}),
        )
        .await;
    let unknown = session
        .post(
            "/api/v1/auth/login",
            &json!({"username": "ghost", "password": "nope-nope-nope"}),
        )
        .await;

    wrong.assert_problem(401, "auth.invalid_credentials");
    unknown.assert_problem(401, "auth.invalid_credentials");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    session
        .get("/api/v1/auth/me")
        .await
        .assert_problem(401, "auth.required");
}

async fn logout_ends_the_session_on_the_server(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let login = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    let cookie = login.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let with_cookie = |session: &Session, path: &str, method: reqwest::Method| {
        session
            .request(method, path)
            .header("cookie", cookie.clone())
    };
    let raw = app.anonymous();
    assert_eq!(
        raw.send(with_cookie(&raw, "/api/v1/auth/me", reqwest::Method::GET))
            .await
            .status,
        200
    );

    let logout = raw
        .send(with_cookie(
            &raw,
            "/api/v1/auth/logout",
            reqwest::Method::POST,
        ))
        .await;
    assert_eq!(logout.status, 204);

    // The old cookie value no longer opens anything, even if a client kept it.
    raw.send(with_cookie(&raw, "/api/v1/auth/me", reqwest::Method::GET))
        .await
        .assert_problem(401, "auth.required");
}

async fn repeated_failed_logins_are_slowed_down(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let session = app.anonymous();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let reply = session
            .post(
                "/api/v1/auth/login",
                &json!({"username": "admin", "password": "guess-guess-guess"}),
            )
            .await;
        statuses.push(reply.status);
    }
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    let last = session
        .post(
            "/api/v1/auth/login",
            &json!({"username": "admin", "password": ADMIN_PASSWORD}),
        )
        .await;
    // Even the right password waits once the account's budget is spent.
    last.assert_problem(429, "auth.rate_limited");
}

async fn api_tokens_are_shown_once_work_as_bearer_and_can_be_revoked(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let admin = app.admin().await;

    let created = admin
        .post("/api/v1/auth/tokens", &json!({"name": "results export"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("sbt_"));
    let id = created.body["id"].as_str().unwrap().to_owned();

    let script = Session::with_bearer(&app.address, &secret);
    let me = script.get("/api/v1/auth/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["username"], "admin");

    let listed = admin.get("/api/v1/auth/tokens").await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert!(
        !listed.body.to_string().contains(&secret[4..]),
        "the secret is never listed"
    );
    assert!(
        listed.body[0]["last_used_at"].is_string(),
        "{}",
        listed.body
    );

    assert_eq!(
        admin
            .delete(&format!("/api/v1/auth/tokens/{id}"))
            .await
            .status,
        204
    );
    script
        .get("/api/v1/auth/me")
        .await
        .assert_problem(401, "auth.invalid_token");
    admin
        .delete(&format!("/api/v1/auth/tokens/{id}"))
        .await
        .assert_problem(404, "token.not_found");
}

async fn a_cross_site_request_with_the_session_cookie_is_refused(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let admin = app.admin().await;

    let forged = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/v1/auth/tokens")
                .header("origin", "https://evil.example")
                .json(&json!({"name": "stolen"})),
        )
        .await;
    forged.assert_problem(403, "auth.bad_origin");

    let same_site = admin
        .send(
            admin
                .request(reqwest::Method::POST, "/api/v1/auth/tokens")
                .header("origin", app.address.clone())
                .json(&json!({"name": "mine"})),
        )
        .await;
    assert_eq!(same_site.status, 201, "{}", same_site.body);
    assert_eq!(
        admin
            .get("/api/v1/auth/tokens")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

on_both_backends!(
    the_admin_signs_in_with_an_http_only_strict_cookie_and_sees_who_they_are,
    a_wrong_password_and_an_unknown_user_get_the_same_401,
    logout_ends_the_session_on_the_server,
    repeated_failed_logins_are_slowed_down,
    api_tokens_are_shown_once_work_as_bearer_and_can_be_revoked,
    a_cross_site_request_with_the_session_cookie_is_refused,
);
