//! Boards over HTTP: visibility, provisional marks, per-module boards, freeze and reveal.
//! Sheets are written straight into the store and the hub told, as the judging API will do.

use std::future::Future;
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde_json::{json, Value};
use skillboard::error::ApiError;
use skillboard::store::judging::{sheet_status, Judge, ScoreSheet};
use skillboard::store::schema::{audit_events, contests, panels, score_sheets};
use skillboard::store::teams::Team;

use crate::contests::{co_hosts, new_contest, CoHosts};
use crate::helpers::{spawn_app, spawn_app_on, TestApp, TestBackend, TestDatabase};
use crate::on_both_backends;

/// A contest with modules A and B (one measured criterion of 10 points each), `teams` drawn
/// teams, judge 0 on A's panel and judge 1 on B's.
pub struct Fixture {
    pub app: TestApp,
    pub hosts: CoHosts,
    pub slug: String,
    pub contest_id: String,
    pub teams: Vec<String>,
    pub judges: Vec<String>,
    /// Module ids by code A, B.
    pub modules: Vec<String>,
}

pub fn simple_scheme() -> Value {
    json!({"modules": [
        {"code": "A", "title_zh": "网店开设", "title_en": "Store setup", "criteria": [
            {"code": "A1", "text_zh": "店铺设计", "kind": "measurement", "max_mark": 10, "step": 0.5}]},
        {"code": "B", "title_zh": "网店推广", "title_en": "Marketing", "criteria": [
            {"code": "B1", "text_zh": "推广效果", "kind": "measurement", "max_mark": 10, "step": 0.5}]}
    ]})
}

pub fn team_name(n: usize) -> String {
    format!("Secret Team {n}")
}

pub fn team_code(n: usize) -> String {
    format!("K{n:03}")
}

pub async fn fixture(backend: &TestBackend, visibility: &str, team_count: usize) -> Fixture {
    let app = spawn_app(backend).await;
    fixture_on(app, visibility, team_count).await
}

pub async fn fixture_on(app: TestApp, visibility: &str, team_count: usize) -> Fixture {
    let hosts = co_hosts(&app).await;
    let slug = "ecommerce-2026".to_owned();
    let mut contest = new_contest(&slug, &hosts.enterprise);
    contest["visibility"] = json!(visibility);
    let created = hosts
        .school_organizer
        .post("/api/v1/contests", &contest)
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let contest_id = created.body["id"].as_str().unwrap().to_owned();
    let scheme = hosts
        .school_organizer
        .put(&format!("/api/v1/contests/{slug}/scheme"), &simple_scheme())
        .await;
    assert_eq!(scheme.status, 200, "{}", scheme.body);

    let id = contest_id.clone();
    let (teams, judges, modules) = app
        .db
        .write(move |conn| {
            let now = Utc::now().naive_utc();
            let modules: Vec<String> = skillboard::store::schemes::load(conn, &id)?
                .into_iter()
                .map(|m| m.module.id)
                .collect();
            let mut teams = Vec::new();
            for n in 1..=team_count {
                let team = Team {
                    id: uuid::Uuid::new_v4().to_string(),
                    contest_id: id.clone(),
                    name: team_name(n),
                    school: format!("Hidden School {n}"),
                    region: "浙江".into(),
                    coach: None,
                    status: "registered".into(),
                    checked_in_at: None,
                    station: Some(i32::try_from(n).unwrap()),
                    code: Some(team_code(n)),
                    created_at: now,
                    updated_at: now,
                };
                diesel::insert_into(skillboard::store::schema::teams::table)
                    .values(&team)
                    .execute(conn)?;
                teams.push(team.id);
            }
            let mut judges = Vec::new();
            for (n, module) in modules.iter().enumerate() {
                let judge = Judge {
                    id: uuid::Uuid::new_v4().to_string(),
                    contest_id: id.clone(),
                    name: format!("Judge {n}"),
                    organization: "Enterprise".into(),
                    is_chief: n == 0,
                    token_hash: None,
                    pin_hash: None,
                    revoked_at: None,
                    created_at: now,
                };
                diesel::insert_into(skillboard::store::schema::judges::table)
                    .values(&judge)
                    .execute(conn)?;
                diesel::insert_into(panels::table)
                    .values((panels::module_id.eq(module), panels::judge_id.eq(&judge.id)))
                    .execute(conn)?;
                judges.push(judge.id);
            }
            Ok((teams, judges, modules))
        })
        .await
        .expect("fixture rows");
    app.hub.contest_changed(&contest_id);
    Fixture {
        app,
        hosts,
        slug,
        contest_id,
        teams,
        judges,
        modules,
    }
}

impl Fixture {
    /// Stores (or replaces) judge `module`'s submitted sheet for `team` in module 0 (A) or 1
    /// (B) with `points` hundredths, submitted at `at`, then tells the hub, as a writer does
    /// after its commit.
    pub async fn submit(&self, team: usize, module: usize, points: i64, at: NaiveDateTime) {
        self.store_sheet(team, module, points, at, sheet_status::SUBMITTED)
            .await;
        self.app.hub.contest_changed(&self.contest_id);
    }

    /// Stores (or replaces) submitted sheets of judge `module` for each of `teams`, all with
    /// `points` hundredths, in one transaction, then tells the hub once: one board version in
    /// which many rows change.
    pub async fn submit_many(
        &self,
        teams: &[usize],
        module: usize,
        points: i64,
        at: NaiveDateTime,
    ) {
        let sheets = teams
            .iter()
            .map(|&team| self.sheet(team, module, points, at, sheet_status::SUBMITTED))
            .collect();
        self.store(sheets).await;
        self.app.hub.contest_changed(&self.contest_id);
    }

    pub async fn store_sheet(
        &self,
        team: usize,
        module: usize,
        points: i64,
        at: NaiveDateTime,
        status: &str,
    ) {
        let sheet = self.sheet(team, module, points, at, status);
        self.store(vec![sheet]).await;
    }

    fn sheet(
        &self,
        team: usize,
        module: usize,
        points: i64,
        at: NaiveDateTime,
        status: &str,
    ) -> ScoreSheet {
        let code = ["A1", "B1"][module];
        ScoreSheet {
            id: uuid::Uuid::new_v4().to_string(),
            client_id: uuid::Uuid::new_v4().to_string(),
            contest_id: self.contest_id.clone(),
            module_id: self.modules[module].clone(),
            team_id: self.teams[team].clone(),
            judge_id: self.judges[module].clone(),
            status: status.to_owned(),
            version: 1,
            marks: json!({ code: {"value": points, "points": points} }).to_string(),
            comment: None,
            created_at: at,
            updated_at: Utc::now().naive_utc(),
            submitted_at: (status == sheet_status::SUBMITTED).then_some(at),
        }
    }

    async fn store(&self, sheets: Vec<ScoreSheet>) {
        self.app
            .db
            .write(move |conn| {
                for sheet in &sheets {
                    diesel::delete(
                        score_sheets::table
                            .filter(score_sheets::judge_id.eq(&sheet.judge_id))
                            .filter(score_sheets::team_id.eq(&sheet.team_id))
                            .filter(score_sheets::module_id.eq(&sheet.module_id)),
                    )
                    .execute(conn)?;
                    diesel::insert_into(score_sheets::table)
                        .values(sheet)
                        .execute(conn)?;
                }
                Ok(())
            })
            .await
            .expect("sheets stored");
    }

    pub fn board_path(&self) -> String {
        format!("/api/v1/contests/{}/board", self.slug)
    }

    /// The public board as raw text and as JSON.
    pub async fn public_raw(&self) -> (u16, String) {
        let response = self
            .app
            .client
            .get(self.app.url(&self.board_path()))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    pub async fn live(&self) -> Value {
        let reply = self
            .hosts
            .school_organizer
            .get(&format!("{}/live", self.board_path()))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }

    /// Waits until the public board satisfies `ready`, and returns it.
    pub async fn public_until(&self, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
        eventually(what, || async {
            let (status, text) = self.public_raw().await;
            let body: Value = serde_json::from_str(&text).ok()?;
            (status == 200 && ready(&body)).then_some(body)
        })
        .await
    }

    pub async fn live_until(&self, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
        eventually(what, || async {
            let body = self.live().await;
            ready(&body).then_some(body)
        })
        .await
    }
}

/// Polls `probe` until it gives a value; fails after a generous timeout (no timing asserted).
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn row_codes(board: &Value) -> Vec<String> {
    board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap_or("?").to_owned())
        .collect()
}

async fn a_codes_board_shows_codes_and_stations_but_never_names(backend: TestBackend) {
    let f = fixture(&backend, "codes", 3).await;

    f.submit(0, 0, 800, now()).await;
    f.submit(1, 0, 900, now()).await;
    f.submit(1, 1, 500, now()).await;

    let board = f
        .public_until("both teams' sheets", |b| b["rows"][0]["total"] == json!(14))
        .await;
    let (_, raw) = f.public_raw().await;
    assert!(!raw.contains("Secret Team"), "a name leaked: {raw}");
    assert!(!raw.contains("Hidden School"), "a school leaked: {raw}");
    assert!(!raw.contains("\"name\""), "a name field: {raw}");
    assert_eq!(board["visibility"], "codes");
    assert_eq!(board["names_shown"], false);
    assert_eq!(
        row_codes(&board),
        [team_code(2), team_code(1), team_code(3)]
    );
    let first = &board["rows"][0];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["station"], 2);
    assert_eq!(
        first["provisional"], false,
        "both panels submitted: {first}"
    );
    let second = &board["rows"][1];
    assert_eq!(second["total"], json!(8));
    assert_eq!(second["provisional"], true, "module B not marked: {second}");
    assert_eq!(
        second["modules"][0],
        json!({"score": 8, "provisional": false})
    );
    assert_eq!(
        second["modules"][1],
        json!({"score": 0, "provisional": true})
    );
    // The hub bumps the version on its own thread; an HTTP read may see the sheets first.
    f.public_until("a bumped version", |b| b["version"].as_i64() > Some(0))
        .await;

    // The organizers see names, team ids and the same provisional flags.
    let live = f.live().await;
    assert_eq!(live["rows"][0]["name"], team_name(2));
    assert_eq!(live["rows"][1]["provisional"], true);
    assert_eq!(live["rows"][0]["team_id"], f.teams[1].as_str());
    f.app
        .anonymous()
        .get(&format!("{}/live", f.board_path()))
        .await
        .assert_problem(401, "auth.required");
    f.hosts
        .outsider
        .get(&format!("{}/live", f.board_path()))
        .await
        .assert_problem(404, "contest.not_found");
}

async fn a_names_board_shows_names_and_a_private_board_is_not_public(backend: TestBackend) {
    let f = fixture(&backend, "names", 2).await;
    f.submit(0, 0, 700, now()).await;

    let board = f
        .public_until("the sheet", |b| b["rows"][0]["total"] == json!(7))
        .await;
    assert_eq!(board["rows"][0]["name"], team_name(1));
    assert_eq!(board["rows"][0]["school"], "Hidden School 1");
    assert_eq!(board["names_shown"], true);

    let changed = f
        .hosts
        .school_organizer
        .patch(
            &format!("/api/v1/contests/{}", f.slug),
            &json!({"visibility": "private"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    eventually("the board to go private", || async {
        let (status, _) = f.public_raw().await;
        (status == 404).then_some(())
    })
    .await;
    f.app
        .anonymous()
        .get(&f.board_path())
        .await
        .assert_problem(404, "contest.not_found");
    f.app
        .anonymous()
        .get("/api/v1/contests/no-such-contest/board")
        .await
        .assert_problem(404, "contest.not_found");
    // The organizers still have their board.
    assert_eq!(f.live().await["rows"][0]["name"], team_name(1));
}

async fn a_module_board_ranks_teams_by_that_module(backend: TestBackend) {
    let f = fixture(&backend, "codes", 3).await;
    f.submit(0, 0, 1000, now()).await;
    f.submit(1, 1, 600, now()).await;
    f.submit(2, 1, 900, now()).await;
    f.public_until("three sheets", |b| b["rows"][0]["total"] == json!(10))
        .await;

    let module_b = f
        .app
        .anonymous()
        .get(&format!("{}?module=B", f.board_path()))
        .await;

    assert_eq!(module_b.status, 200, "{}", module_b.body);
    assert_eq!(module_b.body["module"], "B");
    assert_eq!(
        row_codes(&module_b.body),
        [team_code(3), team_code(2), team_code(1)]
    );
    assert_eq!(module_b.body["rows"][0]["total"], json!(9));
    assert_eq!(module_b.body["rows"][2]["provisional"], true);
    assert!(!module_b.body.to_string().contains("Secret Team"));
    let live_a = f
        .hosts
        .enterprise_organizer
        .get(&format!("{}/live?module=A", f.board_path()))
        .await;
    assert_eq!(live_a.body["rows"][0]["name"], team_name(1));
    f.app
        .anonymous()
        .get(&format!("{}?module=Z", f.board_path()))
        .await
        .assert_problem(404, "module.not_found");
}

async fn set_freeze(f: &Fixture, at: NaiveDateTime) {
    let id = f.contest_id.clone();
    f.app
        .db
        .write(move |conn| {
            diesel::update(contests::table.find(&id))
                .set(contests::freeze_at.eq(Some(at)))
                .execute(conn)?;
            Ok::<_, ApiError>(())
        })
        .await
        .unwrap();
    f.app.hub.contest_changed(&f.contest_id);
}

async fn the_public_board_freezes_while_the_organizers_board_moves_on(backend: TestBackend) {
    let f = fixture(&backend, "codes", 2).await;
    let freeze = now() - chrono::Duration::minutes(10);
    f.submit(0, 0, 500, freeze - chrono::Duration::minutes(30))
        .await;
    set_freeze(&f, freeze).await;
    let before = f
        .public_until("the frozen board", |b| {
            b["frozen"] == true && b["rows"][0]["total"] == json!(5)
        })
        .await;

    // Judging goes on after the freeze: team 2 overtakes team 1.
    f.submit(1, 0, 900, now()).await;
    f.submit(0, 1, 100, now()).await;

    let live = f
        .live_until("the organizers' board to move", |b| {
            b["rows"][0]["total"] == json!(9)
        })
        .await;
    assert_eq!(live["rows"][0]["code"], team_code(2));
    assert_eq!(live["frozen"], true);
    let after = f
        .public_until("the public board to catch up with the version", |b| {
            b["version"].as_i64() >= live["version"].as_i64()
        })
        .await;
    assert_eq!(after["rows"], before["rows"], "the frozen board moved");
    assert_eq!(after["frozen"], true);

    // Revealing everything unfreezes it.
    let revealed = f
        .hosts
        .school_organizer
        .post(
            &format!("/api/v1/contests/{}/reveal", f.slug),
            &json!({"mode": "all"}),
        )
        .await;
    assert_eq!(revealed.status, 200, "{}", revealed.body);
    assert_eq!(
        revealed.body,
        json!({"mode": "all", "revealed": 2, "of": 2})
    );
    let open = f
        .public_until("the revealed board", |b| b["frozen"] == false)
        .await;
    assert_eq!(open["rows"][0]["name"], team_name(2));
    assert_eq!(open["rows"][0]["total"], json!(9));
    assert_eq!(open["names_shown"], true);
}

async fn a_step_by_step_reveal_shows_positions_from_the_bottom_up(backend: TestBackend) {
    let f = fixture(&backend, "codes", 3).await;
    for (team, points) in [(0, 300), (1, 900), (2, 600)] {
        f.submit(team, 0, points, now()).await;
    }
    f.public_until("three sheets", |b| b["rows"][0]["total"] == json!(9))
        .await;
    let reveal = format!("/api/v1/contests/{}/reveal", f.slug);
    let step = json!({"mode": "step"});

    let first = f.hosts.school_organizer.post(&reveal, &step).await;
    assert_eq!(first.body, json!({"mode": "steps", "revealed": 1, "of": 3}));
    let board = f
        .public_until("one position", |b| b["reveal"]["revealed"] == 1)
        .await;
    assert_eq!(board["rows"][0], json!({"position": 1, "hidden": true}));
    assert_eq!(board["rows"][1], json!({"position": 2, "hidden": true}));
    assert_eq!(board["rows"][2]["name"], team_name(1));
    assert_eq!(board["rows"][2]["rank"], 3);
    assert!(!board.to_string().contains(&team_name(2)));

    let second = f.hosts.school_organizer.post(&reveal, &step).await;
    assert_eq!(second.body["revealed"], 2);
    let board = f
        .public_until("two positions", |b| b["reveal"]["revealed"] == 2)
        .await;
    assert_eq!(board["rows"][0]["hidden"], true);
    assert_eq!(board["rows"][1]["name"], team_name(3));

    let last = f.hosts.school_organizer.post(&reveal, &step).await;
    assert_eq!(last.body, json!({"mode": "all", "revealed": 3, "of": 3}));
    let board = f
        .public_until("everything", |b| b["reveal"]["mode"] == "all")
        .await;
    assert_eq!(board["rows"][0]["name"], team_name(2));
    assert_eq!(board["names_shown"], true);

    let outsider = f.hosts.outsider.post(&reveal, &step).await;
    outsider.assert_problem(404, "contest.not_found");
    let id = f.contest_id.clone();
    let audited: i64 = f
        .app
        .db
        .read(move |conn| {
            Ok(audit_events::table
                .filter(audit_events::chain.eq(&id))
                .filter(audit_events::action.eq("board.reveal"))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(audited, 3);
}

async fn a_reopened_sheet_leaves_the_board(backend: TestBackend) {
    let f = fixture(&backend, "codes", 2).await;
    f.submit(0, 0, 800, now()).await;
    f.public_until("the sheet", |b| b["rows"][0]["total"] == json!(8))
        .await;

    f.store_sheet(0, 0, 800, now(), sheet_status::DRAFT).await;
    f.app.hub.contest_changed(&f.contest_id);

    let board = f
        .public_until("the sheet to leave", |b| b["rows"][0]["total"] == json!(0))
        .await;
    assert_eq!(board["rows"][0]["provisional"], true);
}

#[actix_web::test]
async fn the_openapi_document_describes_the_board_routes() {
    let app = spawn_app(&TestBackend::Sqlite).await;
    let reply = app.anonymous().get("/api/openapi.json").await;
    let paths = reply.body["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/contests/{slug}/board", "get"),
        ("/api/v1/contests/{slug}/board/live", "get"),
        ("/api/v1/contests/{slug}/reveal", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
}

/// Two servers on one database: used by the multi-node socket test.
pub async fn second_node(f: &Fixture) -> TestApp {
    spawn_app_on(TestDatabase::shared(&f.app.database), |_| {}).await
}

on_both_backends!(
    a_codes_board_shows_codes_and_stations_but_never_names,
    a_names_board_shows_names_and_a_private_board_is_not_public,
    a_module_board_ranks_teams_by_that_module,
    the_public_board_freezes_while_the_organizers_board_moves_on,
    a_step_by_step_reveal_shows_positions_from_the_bottom_up,
    a_reopened_sheet_leaves_the_board,
);
