use crate::helpers::{problem, spawn_app, spawn_app_on, TestBackend, TestDatabase};
use crate::on_both_backends;

async fn health_reports_ok_and_the_backend(backend: TestBackend) {
    let app = spawn_app(&backend).await;

    let response = app.get("/healthz").await;

    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let expected = match backend {
        TestBackend::Sqlite => "sqlite",
        TestBackend::Postgres { .. } => "postgres",
    };
    assert_eq!(body["database"], expected);
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

async fn migrations_are_applied_once_and_a_restart_keeps_the_data(backend: TestBackend) {
    let database = TestDatabase::create(&backend);
    let target = database.target.clone();
    let first = spawn_app_on(database, |_| {}).await;
    assert_eq!(first.get("/healthz").await.status().as_u16(), 200);

    // A second server on the same database finds nothing left to migrate and starts cleanly.
    assert_eq!(skillboard::store::migrate(&target).unwrap(), 0);
    let second = spawn_app_on(first.database, |_| {}).await;
    assert_eq!(second.get("/healthz").await.status().as_u16(), 200);
}

on_both_backends!(
    health_reports_ok_and_the_backend,
    migrations_are_applied_once_and_a_restart_keeps_the_data,
);

/// PostgreSQL reached through a proxy the test can cut: the health check must turn 503 while
/// the database is unreachable and recover when it is back.
#[actix_web::test]
async fn health_is_503_while_postgres_is_unreachable() {
    let Some(TestBackend::Postgres { base_url }) = TestBackend::postgres() else {
        return;
    };
    let proxy = crate::helpers::proxy::TcpProxy::start(&postgres_authority(&base_url));
    let proxied_url = base_url.replacen(
        &postgres_authority(&base_url),
        &format!("127.0.0.1:{}", proxy.port()),
        1,
    );
    let database = TestDatabase::create(&TestBackend::Postgres {
        base_url: proxied_url,
    });
    let app = spawn_app_on(database, |_| {}).await;
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);

    proxy.cut();
    let (status, body) = problem(app.get("/healthz").await).await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], "database.unavailable");

    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/healthz").await.status().as_u16() == 200 {
            recovered = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "health did not recover after the database came back"
    );
}

/// `host:port` of a postgres URL (the part the proxy replaces).
fn postgres_authority(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let after_user = after_scheme
        .rsplit_once('@')
        .map(|(_, rest)| rest)
        .unwrap_or(after_scheme);
    after_user
        .split(['/', '?'])
        .next()
        .unwrap_or_default()
        .to_owned()
}
