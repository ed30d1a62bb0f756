//! A running contest for the browser tests, built through the API like an organizer would:
//! the e-commerce scheme's module A (a measurement, a judgement with descriptors, a deduction),
//! three teams with drawn codes and stations, and two judges on module A's panel, the first with
//! a PIN. It mirrors `running_contest` in `tests/api/judging.rs`, whose helpers live inside
//! that test crate.

use diesel::{ExpressionMethods, JoinOnDsl, QueryDsl, RunQueryDsl};
use serde_json::{json, Value};
use skillboard::store::schema::{modules, score_sheets, teams};
use skillboard::store::teams::Team;

use crate::helpers::{Session, TestApp};

pub const CODES: [&str; 3] = ["K7QM", "P3XA", "W9CD"];
pub const PIN: &str = "2468";
const SLUG: &str = "ecommerce-2026";

pub struct Contest {
    pub id: String,
    /// Link tokens: `[0]` needs PIN 2468, `[1]` has no PIN.
    pub tokens: Vec<String>,
}

fn scheme() -> Value {
    json!({"modules": [
        {"code": "A", "title_zh": "网店开设与装修", "title_en": "Store setup and decoration", "weight": 25,
         "criteria": [
            {"code": "A1", "text_zh": "店铺基本信息完整", "text_en": "Store information complete", "kind": "measurement", "max_mark": 5, "step": 0.5},
            {"code": "A2", "text_zh": "首页视觉设计", "text_en": "Home page design", "kind": "judgement", "max_mark": 6,
             "descriptors": ["未完成", "基本完成", "良好", "优秀"]},
            {"code": "A3", "text_zh": "违规操作", "text_en": "Rule violations", "kind": "deduction", "max_mark": 2}
         ]}
    ]})
}

async fn expect(session: &Session, path: &str, body: Value, status: u16) -> Value {
    let reply = session.post(path, &body).await;
    assert_eq!(reply.status, status, "POST {path}: {}", reply.body);
    reply.body
}

pub async fn running_contest(app: &TestApp) -> Contest {
    let admin = app.admin().await;
    let school = app
        .organization(&admin, "Technical Education Group", "school")
        .await;
    let enterprise = app
        .organization(&admin, "E-commerce Enterprise", "enterprise")
        .await;
    let organizer = app.organizer(&admin, &school, "school.organizer").await;
    // Tomorrow, whenever the tests run: windows that run from the contest's end stay open.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    let created = expect(
        &organizer,
        "/api/v1/contests",
        json!({"slug": SLUG, "title_zh": "电子商务技能大赛", "title_en": "E-commerce Skills Contest",
               "venue": "杭州", "starts_at": format!("{tomorrow}T00:30:00Z"), "ends_at": format!("{tomorrow}T10:00:00Z"),
               "co_host_ids": [enterprise], "visibility": "codes"}),
        201,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let reply = organizer
        .put(&format!("/api/v1/contests/{SLUG}/scheme"), &scheme())
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    insert_teams(app, &id).await;
    let mut tokens = Vec::new();
    for judge in [
        json!({"name": "张评委", "organization": "School", "pin": PIN, "modules": ["A"]}),
        json!({"name": "Judge Li", "organization": "Enterprise", "modules": ["A"]}),
    ] {
        let body = expect(
            &organizer,
            &format!("/api/v1/contests/{SLUG}/judges"),
            judge,
            201,
        )
        .await;
        let link = body["link"].as_str().unwrap();
        tokens.push(link.split("#t=").nth(1).unwrap().to_owned());
    }
    for state in ["registration", "running"] {
        expect(
            &organizer,
            &format!("/api/v1/contests/{SLUG}/state"),
            json!({"to": state}),
            200,
        )
        .await;
    }
    Contest { id, tokens }
}

async fn insert_teams(app: &TestApp, contest_id: &str) {
    let contest_id = contest_id.to_owned();
    app.db
        .write(move |conn| {
            let now = chrono::Utc::now().naive_utc();
            for (i, code) in CODES.iter().enumerate() {
                let team = Team {
                    id: uuid::Uuid::new_v4().to_string(),
                    contest_id: contest_id.clone(),
                    name: format!("参赛队 {i}"),
                    school: "浙江商业职业技术学院".to_owned(),
                    region: "浙江".to_owned(),
                    coach: None,
                    status: "registered".to_owned(),
                    checked_in_at: Some(now),
                    station: Some(i as i32 + 1),
                    code: Some((*code).to_owned()),
                    created_at: now,
                    updated_at: now,
                };
                diesel::insert_into(teams::table)
                    .values(&team)
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
        .unwrap();
}

/// Every stored sheet of team `code`: (status, version, marks as stored).
pub async fn sheets_of(app: &TestApp, code: &str) -> Vec<(String, i32, String)> {
    let code = code.to_owned();
    app.db
        .read(move |conn| {
            Ok(score_sheets::table
                .inner_join(teams::table.on(teams::id.eq(score_sheets::team_id)))
                .filter(teams::code.eq(code))
                .select((
                    score_sheets::status,
                    score_sheets::version,
                    score_sheets::marks,
                ))
                .load::<(String, i32, String)>(conn)?)
        })
        .await
        .unwrap()
}

/// Signs module A off as the chief judge's lock would, without first completing every sheet.
pub async fn lock_module_a(app: &TestApp, contest_id: &str) {
    let contest_id = contest_id.to_owned();
    app.db
        .write(move |conn| {
            let id: String = modules::table
                .filter(modules::contest_id.eq(&contest_id))
                .filter(modules::code.eq("A"))
                .select(modules::id)
                .first(conn)?;
            skillboard::store::judging::set_module_state(conn, &id, "locked")?;
            Ok(())
        })
        .await
        .unwrap();
}
