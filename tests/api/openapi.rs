use crate::helpers::{spawn_app, TestBackend};

#[actix_web::test]
async fn the_openapi_document_describes_every_v1_route() {
    let app = spawn_app(&TestBackend::Sqlite).await;

    let reply = app.anonymous().get("/api/openapi.json").await;

    assert_eq!(reply.status, 200);
    assert!(reply.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = reply.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/tokens/{id}", "delete"),
        ("/api/v1/organizations", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/contests", "post"),
        ("/api/v1/contests/{slug}", "patch"),
        ("/api/v1/contests/{slug}/state", "post"),
        ("/api/v1/contests/{slug}/hosts", "put"),
        ("/api/v1/contests/{slug}/scheme", "put"),
        ("/api/v1/contests/{slug}/scheme.xlsx", "get"),
        ("/api/v1/contests/{slug}/scheme/import", "post"),
        ("/api/v1/contests/{slug}/scheme/reopen", "post"),
        ("/api/v1/contests/{slug}/results.json", "get"),
        ("/api/v1/contests/{slug}/results.csv", "get"),
        ("/api/v1/contests/{slug}/results.xlsx", "get"),
        ("/api/v1/contests/{slug}/results/print", "get"),
        ("/api/v1/contests/{slug}/results/certificates", "get"),
        ("/api/v1/contests/{slug}/event-feed", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    let schemas = reply.body["components"]["schemas"].as_object().unwrap();
    for schema in [
        "ContestView",
        "SchemeDocument",
        "CriterionDocument",
        "NewContest",
        "ResultsDocument",
        "ResultRow",
        "FeedPage",
        "FeedEvent",
    ] {
        assert!(schemas.contains_key(schema), "{schema} missing");
    }
}
