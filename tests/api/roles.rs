//! Every contest and scheme endpoint, called as every organizer-side role: the administrator,
//! an organizer of a co-host, an organizer of another organization, and nobody.

use serde_json::{json, Value};

use crate::contests::{co_hosts, contest};
use crate::helpers::{spawn_app, Session, TestBackend};
use crate::on_both_backends;
use crate::schemes::ecommerce_scheme;

#[derive(Clone, Copy, Debug)]
enum Role {
    Admin,
    CoHost,
    Outsider,
    Anonymous,
}

async fn call(session: &Session, method: &str, path: &str, body: &Value) -> u16 {
    match method {
        "GET" => session.get(path).await.status,
        "POST" => session.post(path, body).await.status,
        "PUT" => session.put(path, body).await.status,
        "PATCH" => session.patch(path, body).await.status,
        other => panic!("no method {other}"),
    }
}

async fn each_role_gets_what_it_may_and_nothing_else(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    hosts
        .school_organizer
        .put(
            "/api/v1/contests/ecommerce-2026/scheme",
            &ecommerce_scheme(),
        )
        .await;
    let anonymous = app.anonymous();
    let base = "/api/v1/contests/ecommerce-2026";
    let endpoints: Vec<(&str, String, Value, u16)> = vec![
        ("GET", base.to_owned(), json!(null), 200),
        ("PATCH", base.to_owned(), json!({"venue": "Hall 2"}), 200),
        ("GET", format!("{base}/scheme"), json!(null), 200),
        ("PUT", format!("{base}/scheme"), ecommerce_scheme(), 200),
        ("GET", format!("{base}/scheme.xlsx"), json!(null), 200),
        (
            "POST",
            format!("{base}/scheme/reopen"),
            json!({"reason": "not frozen yet"}),
            409,
        ),
        (
            "PUT",
            format!("{base}/hosts"),
            json!({"lead_organization_id": hosts.school, "co_host_ids": [hosts.enterprise]}),
            200,
        ),
        ("GET", format!("{base}/judges"), json!(null), 200),
        ("GET", format!("{base}/teams"), json!(null), 200),
        ("GET", format!("{base}/audit/verify"), json!(null), 200),
        (
            "POST",
            format!("{base}/state"),
            json!({"to": "registration"}),
            200,
        ),
    ];
    for role in [Role::Outsider, Role::Anonymous, Role::CoHost, Role::Admin] {
        let session = match role {
            Role::Admin => &hosts.admin,
            Role::CoHost => &hosts.enterprise_organizer,
            Role::Outsider => &hosts.outsider,
            Role::Anonymous => &anonymous,
        };
        for (method, path, body, allowed) in &endpoints {
            let is_state_change = path.ends_with("/state");
            let expected = match role {
                Role::Anonymous => 401,
                Role::Outsider => 404,
                // The state moves once; the second role to try the same step finds it taken.
                Role::Admin if is_state_change => 409,
                Role::CoHost | Role::Admin => *allowed,
            };
            let status = call(session, method, path, body).await;
            assert_eq!(status, expected, "{role:?} {method} {path}");
        }
    }
    let venue = hosts.school_organizer.get(base).await.body["venue"].clone();
    assert_eq!(venue, "Hall 2", "only co-hosts and the admin changed it");
}

on_both_backends!(each_role_gets_what_it_may_and_nothing_else);
