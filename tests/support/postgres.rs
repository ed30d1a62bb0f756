//! The PostgreSQL leg of the test crates (api, crash, cli), shared with `#[path]`: which server
//! to use, and a fresh schema on it per test.

use diesel::connection::SimpleConnection;
use diesel::Connection;

/// `SKILLBOARD_TEST_POSTGRES_URL`, if set. Without it the PostgreSQL leg is skipped loudly, and
/// CI's `SKILLBOARD_REQUIRE_POSTGRES=1` turns the skip into a failure.
pub fn base_url() -> Option<String> {
    match std::env::var("SKILLBOARD_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("SKILLBOARD_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "SKILLBOARD_REQUIRE_POSTGRES=1 but SKILLBOARD_TEST_POSTGRES_URL is not set"
            );
            eprintln!(
                "\n*** SKIPPED on PostgreSQL: set SKILLBOARD_TEST_POSTGRES_URL to run this test there ***\n"
            );
            None
        }
    }
}

/// Creates an empty schema and returns a URL whose connections use it.
pub fn fresh_schema_url(base_url: &str) -> String {
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    skillboard::store::prepare_libpq();
    let mut conn =
        diesel::PgConnection::establish(base_url).expect("connect to SKILLBOARD_TEST_POSTGRES_URL");
    conn.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .expect("create the test schema");
    let separator = if base_url.contains('?') { '&' } else { '?' };
    format!("{base_url}{separator}options=-csearch_path%3D{schema}")
}
