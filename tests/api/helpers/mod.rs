//! Starts the real server in-process on a database of its own, the way production does.

// Each test file uses a different subset of these helpers.
#![allow(dead_code)]

pub mod proxy;
mod session;

#[allow(unused_imports)] // the browser tests share these helpers without using Reply
pub use session::Reply;
pub use session::Session;

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const PASSWORD: &str = "organizer-password";

use std::net::SocketAddr;

use skillboard::config::Settings;
use skillboard::startup::Application;
use skillboard::store::{DatabaseTarget, Db};

#[path = "../../support/postgres.rs"]
mod postgres_leg;

/// Which database a test runs on.
#[derive(Debug, Clone)]
pub enum TestBackend {
    Sqlite,
    Postgres { base_url: String },
}

impl TestBackend {
    /// The PostgreSQL leg, if `SKILLBOARD_TEST_POSTGRES_URL` names a server. CI also sets
    /// `SKILLBOARD_REQUIRE_POSTGRES=1`, which turns a missing URL into a failure instead of a skip.
    pub fn postgres() -> Option<TestBackend> {
        postgres_leg::base_url().map(|base_url| TestBackend::Postgres { base_url })
    }
}

/// A database of the test's own: a temporary SQLite file, or a fresh PostgreSQL schema.
pub struct TestDatabase {
    pub target: DatabaseTarget,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    pub fn create(backend: &TestBackend) -> TestDatabase {
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("skillboard.db");
                TestDatabase {
                    target: DatabaseTarget::Sqlite { path },
                    _dir: Some(dir),
                }
            }
            TestBackend::Postgres { base_url } => {
                let url = postgres_leg::fresh_schema_url(base_url);
                TestDatabase {
                    target: DatabaseTarget::Postgres { url },
                    _dir: None,
                }
            }
        }
    }
}

impl TestDatabase {
    /// The same database again, for a second server on it (the first keeps the temp dir).
    pub fn shared(&self) -> TestDatabase {
        TestDatabase {
            target: self.target.clone(),
            _dir: None,
        }
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub db: Db,
    pub database: TestDatabase,
    /// The live boards of this server, for tests that stand in for a writer.
    pub hub: skillboard::live::BoardHub,
    /// Stops this server as SIGTERM would.
    pub server: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }
}

pub async fn spawn_app(backend: &TestBackend) -> TestApp {
    let database = TestDatabase::create(backend);
    spawn_app_on(database, |_| {}).await
}

/// Starts a server on `database`, letting the test adjust the settings first.
pub async fn spawn_app_on(database: TestDatabase, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let bind: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut settings = Settings::new(bind, database.target.clone());
    settings.workers = Some(2);
    settings.pool_size = 4;
    settings.admin_password = Some(ADMIN_PASSWORD.to_owned());
    adjust(&mut settings);
    let application = Application::build(settings).expect("the server starts");
    let port = application.port();
    let db = application.db().clone();
    let hub = application.board_hub().clone();
    let server = application.stop_handle();
    actix_web::rt::spawn(application.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client: reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap(),
        db,
        database,
        hub,
        server,
    }
}

impl TestApp {
    /// A client without credentials.
    pub fn anonymous(&self) -> Session {
        Session::new(&self.address)
    }

    /// A client signed in with a session cookie.
    pub async fn sign_in(&self, username: &str, password: &str) -> Session {
        let session = Session::new(&self.address);
        let reply = session
            .post(
                "/api/v1/auth/login",
                &serde_json::json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(reply.status, 200, "sign-in of {username}: {}", reply.body);
        session
    }

    pub async fn admin(&self) -> Session {
        self.sign_in("admin", ADMIN_PASSWORD).await
    }

    /// Creates an organization as the administrator and returns its id.
    pub async fn organization(&self, admin: &Session, name: &str, kind: &str) -> String {
        let reply = admin
            .post(
                "/api/v1/organizations",
                &serde_json::json!({"name": name, "kind": kind}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Creates an organizer of `organization_id` and signs them in.
    pub async fn organizer(
        &self,
        admin: &Session,
        organization_id: &str,
        username: &str,
    ) -> Session {
        let reply = admin
            .post(
                "/api/v1/users",
                &serde_json::json!({
                    "username": username,
                    "display_name": username,
                    "organization_id": organization_id,
                    "password": PASSWORD,
                }),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        self.sign_in(username, PASSWORD).await
    }
}

/// Reads a problem+json response, checking the media type and the members every problem has.
pub async fn problem(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    let body: serde_json::Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status, "{body}");
    assert!(body["code"].is_string(), "{body}");
    assert!(body["detail"].is_string(), "{body}");
    (status, body)
}

/// Generates one test per backend for each named `async fn name(backend: TestBackend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::TestBackend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    if let Some(backend) = $crate::helpers::TestBackend::postgres() {
                        super::$name(backend).await
                    }
                }
            )*
        }
    };
}
