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

on_both_backends!(
    unknown_routes_are_problem_json_404s,
    a_wrong_method_is_a_problem_json_405,
);
