//! Every failure is problem+json with a stable code, never an HTML page or an empty body.

use crate::helpers::{problem, spawn_app, TestBackend};
use crate::on_both_backends;

async fn unknown_routes_are_problem_json_404s(backend: TestBackend) {
    let app = spawn_app(&backend).await;

    for path in ["/no/such/page", "/api/v1/nothing-here"] {
        let (status, body) = problem(app.get(path).await).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["code"], "route.not_found", "{path}");
    }
}

async fn a_wrong_method_is_a_problem_json_405(backend: TestBackend) {
    let app = spawn_app(&backend).await;

    let response = app.client.delete(app.url("/healthz")).send().await.unwrap();

    let (status, body) = problem(response).await;
    assert_eq!(status, 405);
    assert_eq!(body["code"], "route.method_not_allowed");
}

async fn malformed_json_is_a_400_problem(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let session = app.anonymous();

    let reply = session
        .send(
            session
                .request(reqwest::Method::POST, "/api/v1/auth/login")
                .header("content-type", "application/json")
                .body("{\"username\": \"admin\", "),
        )
        .await;

    reply.assert_problem(400, "request.malformed_json");
}

async fn json_of_the_wrong_shape_is_a_422_problem(backend: TestBackend) {
    let app = spawn_app(&backend).await;

    let reply = app
        .anonymous()
        .post("/api/v1/auth/login", &serde_json::json!({"username": 42}))
        .await;

    reply.assert_problem(422, "request.invalid_json");
}

async fn a_body_that_is_not_json_is_a_415_problem(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let session = app.anonymous();

    let reply = session
        .send(
            session
                .request(reqwest::Method::POST, "/api/v1/auth/login")
                .header("content-type", "text/plain")
                .body("username=admin"),
        )
        .await;

    reply.assert_problem(415, "request.unsupported_media_type");
}

async fn a_body_over_one_mebibyte_is_a_413_problem(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let huge = format!(
        "{{\"username\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(1024 * 1024 + 1)
    );
    let session = app.anonymous();

    let reply = session
        .send(
            session
                .request(reqwest::Method::POST, "/api/v1/auth/login")
                .header("content-type", "application/json")
                .body(huge),
        )
        .await;

    reply.assert_problem(413, "request.too_large");
    // The server is still up and answering.
    assert_eq!(session.get("/healthz").await.status, 200);
}

on_both_backends!(
    unknown_routes_are_problem_json_404s,
    a_wrong_method_is_a_problem_json_405,
    malformed_json_is_a_400_problem,
    json_of_the_wrong_shape_is_a_422_problem,
    a_body_that_is_not_json_is_a_415_problem,
    a_body_over_one_mebibyte_is_a_413_problem,
);
