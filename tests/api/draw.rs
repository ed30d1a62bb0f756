use std::collections::HashSet;

use serde_json::{json, Value};

use crate::contests::{co_hosts, contest};
use crate::helpers::{spawn_app, Session, TestBackend};
use crate::on_both_backends;
use crate::registration_import::{import, UTF8};
use crate::teams::{audit_actions, create_team, set_state, team_json, teams_path};

const DRAW: &str = "/api/v1/contests/ecommerce-2026/draw";
const CODE_ALPHABET: &str = "34679ACDEFGHJKMNPQRTUVWXY";

/// Imports the three fixture teams and checks in those named; returns every team by name.
async fn teams_checked_in(organizer: &Session, names: &[&str]) -> Vec<Value> {
    import(organizer, "ecommerce-2026", "", UTF8).await;
    let teams = organizer.get(&teams_path("ecommerce-2026")).await.body;
    let teams = teams.as_array().unwrap().clone();
    for team in teams
        .iter()
        .filter(|t| names.contains(&t["name"].as_str().unwrap()))
    {
        check_in(organizer, team).await;
    }
    teams
}

async fn check_in(organizer: &Session, team: &Value) {
    let path = format!(
        "{}/{}/check-in",
        teams_path("ecommerce-2026"),
        team["id"].as_str().unwrap()
    );
    let reply = organizer.post(&path, &json!({})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// (team name, station, code) of every team, sorted by name.
async fn stations(organizer: &Session) -> Vec<(String, Option<i64>, Option<String>)> {
    let teams = organizer.get(&teams_path("ecommerce-2026")).await.body;
    let mut rows: Vec<_> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["station"].as_i64(),
                t["code"].as_str().map(str::to_owned),
            )
        })
        .collect();
    rows.sort();
    rows
}

async fn the_draw_gives_checked_in_teams_unique_stations_and_codes(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created = contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    teams_checked_in(organizer, &["星火队", "破浪队"]).await;

    let reply = organizer.post(DRAW, &json!({})).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["drawn"].as_array().unwrap().len(), 2);
    let rows = stations(organizer).await;
    let drawn: Vec<_> = rows.iter().filter(|(_, s, _)| s.is_some()).collect();
    let names: Vec<&str> = drawn.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["星火队", "破浪队"],
        "only checked-in teams are drawn"
    );
    let station_set: HashSet<i64> = drawn.iter().filter_map(|(_, s, _)| *s).collect();
    assert_eq!(station_set, HashSet::from([1, 2]));
    let codes: HashSet<&str> = drawn.iter().filter_map(|(_, _, c)| c.as_deref()).collect();
    assert_eq!(codes.len(), 2);
    assert!(codes
        .iter()
        .all(|c| c.len() == 4 && c.chars().all(|ch| CODE_ALPHABET.contains(ch))));
    let actions = audit_actions(&app, created["id"].as_str().unwrap()).await;
    assert!(actions.iter().any(|(a, _)| a == "draw.run"), "{actions:?}");

    // Drawing again with nobody waiting changes nothing.
    let again = organizer.post(DRAW, &json!({})).await;
    assert_eq!(again.body["drawn"], json!([]));
    assert_eq!(stations(organizer).await, rows);
}

async fn a_late_team_is_drawn_after_the_others_even_while_scoring(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let teams = teams_checked_in(organizer, &["星火队", "破浪队"]).await;
    organizer.post(DRAW, &json!({})).await;
    let before = stations(organizer).await;
    set_state(organizer, "ecommerce-2026", "registration").await;
    set_state(organizer, "ecommerce-2026", "running").await;
    let late = teams.iter().find(|t| t["name"] == "启航队").unwrap();
    check_in(organizer, late).await;

    let reply = organizer.post(DRAW, &json!({})).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let after = stations(organizer).await;
    let late_row = after.iter().find(|(n, _, _)| n == "启航队").unwrap();
    assert_eq!(late_row.1, Some(3));
    let codes: HashSet<_> = after.iter().filter_map(|(_, _, c)| c.clone()).collect();
    assert_eq!(codes.len(), 3);
    for row in before.iter().filter(|(_, station, _)| station.is_some()) {
        assert!(after.contains(row), "{row:?} kept its station and code");
    }
}

async fn a_redraw_needs_a_reason_and_is_refused_once_scoring_runs(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created = contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    teams_checked_in(organizer, &["星火队", "破浪队", "启航队"]).await;
    organizer.post(DRAW, &json!({})).await;
    let first = stations(organizer).await;

    organizer
        .post(DRAW, &json!({"redraw": true}))
        .await
        .assert_problem(422, "validation.failed");
    organizer
        .post(DRAW, &json!({"redraw": true, "reason": "  "}))
        .await
        .assert_problem(422, "validation.failed");
    let redrawn = organizer
        .post(
            DRAW,
            &json!({"redraw": true, "reason": "抽签时监督员不在场"}),
        )
        .await;

    assert_eq!(redrawn.status, 200, "{}", redrawn.body);
    assert_eq!(redrawn.body["drawn"].as_array().unwrap().len(), 3);
    let second = stations(organizer).await;
    let stations_of = |rows: &[(String, Option<i64>, Option<String>)]| -> HashSet<i64> {
        rows.iter().filter_map(|(_, s, _)| *s).collect()
    };
    assert_eq!(stations_of(&second), HashSet::from([1, 2, 3]));
    let old_codes: HashSet<_> = first.iter().filter_map(|(_, _, c)| c.clone()).collect();
    assert!(
        second
            .iter()
            .all(|(_, _, c)| !old_codes.contains(c.as_ref().unwrap())),
        "a redraw hands out fresh codes"
    );
    let actions = audit_actions(&app, created["id"].as_str().unwrap()).await;
    assert!(actions.contains(&(
        "draw.redraw".to_owned(),
        Some("抽签时监督员不在场".to_owned())
    )));

    set_state(organizer, "ecommerce-2026", "registration").await;
    set_state(organizer, "ecommerce-2026", "running").await;
    organizer
        .post(DRAW, &json!({"redraw": true, "reason": "again"}))
        .await
        .assert_problem(409, "draw.scoring_started");
    assert_eq!(stations(organizer).await, second);
}

async fn the_print_sheets_are_organizer_only_and_escape_every_name(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let mut hostile = team_json("<script>alert(1)</script>", "A&B \"学校\"", 1, 500);
    hostile["members"][0]["name"] = json!("<img src=x onerror=alert(2)>");
    let team = create_team(organizer, "ecommerce-2026", &hostile).await;
    check_in(organizer, &team).await;
    let drawn = organizer.post(DRAW, &json!({})).await;
    let code = drawn.body["drawn"][0]["code"].as_str().unwrap().to_owned();

    let mapping = organizer.get(&format!("{DRAW}/mapping")).await;
    let cards = organizer.get(&format!("{DRAW}/station-cards")).await;

    for page in [&mapping, &cards] {
        assert_eq!(page.status, 200);
        assert_eq!(page.content_type(), "text/html; charset=utf-8");
        assert!(
            page.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'; style-src 'unsafe-inline';"),
            "{:?}",
            page.headers["content-security-policy"]
        );
        assert_eq!(page.headers["cache-control"], "no-store");
        let html = page.body.as_str().unwrap();
        assert!(html.contains("@page { size: A4"), "print CSS");
        assert!(html.contains(&code));
        assert!(
            !html.contains("<script>") && !html.contains("<img"),
            "{html}"
        );
    }
    let html = mapping.body.as_str().unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("A&amp;B &quot;学校&quot;"), "{html}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    let card = cards.body.as_str().unwrap();
    assert!(
        !card.contains("alert"),
        "station cards carry no names: {card}"
    );
    assert!(card.contains("<div class=\"station\">1</div>"), "{card}");

    for path in ["/mapping", "/station-cards", ""] {
        app.anonymous()
            .get(&format!("{DRAW}{path}"))
            .await
            .assert_problem(401, "auth.required");
        hosts
            .outsider
            .get(&format!("{DRAW}{path}"))
            .await
            .assert_problem(404, "contest.not_found");
    }
    hosts
        .outsider
        .post(DRAW, &json!({}))
        .await
        .assert_problem(404, "contest.not_found");
    let by_co_host = hosts
        .enterprise_organizer
        .get(&format!("{DRAW}/mapping"))
        .await;
    assert_eq!(by_co_host.status, 200);
}

#[actix_web::test]
async fn the_openapi_document_describes_the_registration_api() {
    let app = spawn_app(&TestBackend::Sqlite).await;

    let reply = app.anonymous().get("/api/openapi.json").await;

    let paths = reply.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/contests/{slug}/teams", "get"),
        ("/api/v1/contests/{slug}/teams", "post"),
        ("/api/v1/contests/{slug}/teams/{team_id}", "patch"),
        ("/api/v1/contests/{slug}/teams/{team_id}/withdraw", "post"),
        ("/api/v1/contests/{slug}/teams/{team_id}/check-in", "delete"),
        ("/api/v1/contests/{slug}/teams/{team_id}/approve", "post"),
        ("/api/v1/contests/{slug}/teams/{team_id}/reject", "post"),
        ("/api/v1/contests/{slug}/registration/import", "post"),
        ("/api/v1/public/contests/{slug}/registration", "get"),
        ("/api/v1/public/contests/{slug}/registrations", "post"),
        ("/api/v1/contests/{slug}/draw", "post"),
        ("/api/v1/contests/{slug}/draw/station-cards", "get"),
        ("/api/v1/contests/{slug}/draw/mapping", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
}

on_both_backends!(
    the_draw_gives_checked_in_teams_unique_stations_and_codes,
    a_late_team_is_drawn_after_the_others_even_while_scoring,
    a_redraw_needs_a_reason_and_is_refused_once_scoring_runs,
    the_print_sheets_are_organizer_only_and_escape_every_name,
);
