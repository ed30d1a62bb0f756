use serde_json::{json, Value};

use crate::contests::{co_hosts, contest};
use crate::helpers::{spawn_app, Session, TestApp, TestBackend};
use crate::on_both_backends;

/// A valid resident ID number (GB 11643 check character) for a person born 2004-01-01.
pub fn resident_id(serial: u32) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let body = format!("110105{}{:03}", "20040101", serial % 1000);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{body}{check}")
}

/// A team of `size` contestants with phones and ID numbers numbered from `serial`.
pub fn team_json(name: &str, school: &str, size: u32, serial: u32) -> Value {
    let members: Vec<Value> = (0..size)
        .map(|i| {
            json!({
                "name": format!("{name}选手{i}"),
                "phone": format!("1390000{:04}", serial + i),
                "id_number": resident_id(serial + i),
            })
        })
        .collect();
    json!({"name": name, "school": school, "region": "浙江", "coach": "陈老师", "members": members})
}

pub fn teams_path(slug: &str) -> String {
    format!("/api/v1/contests/{slug}/teams")
}

pub async fn create_team(organizer: &Session, slug: &str, team: &Value) -> Value {
    let reply = organizer.post(&teams_path(slug), team).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body
}

/// The actions of a contest's audit chain, in order.
pub async fn audit_actions(app: &TestApp, contest_id: &str) -> Vec<(String, Option<String>)> {
    let chain = contest_id.to_owned();
    app.db
        .read(move |conn| Ok(skillboard::store::audit::chain(conn, &chain)?))
        .await
        .unwrap()
        .into_iter()
        .map(|event| (event.action, event.reason))
        .collect()
}

pub async fn set_state(organizer: &Session, slug: &str, to: &str) {
    let reply = organizer
        .post(
            &format!("/api/v1/contests/{slug}/state"),
            &json!({"to": to, "reason": "test"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

async fn an_organizer_registers_a_team_with_its_members(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;

    let created = create_team(
        organizer,
        "ecommerce-2026",
        &team_json("  星火\u{3000}队 ", "深圳职业技术大学", 3, 100),
    )
    .await;

    assert_eq!(created["name"], "星火 队");
    assert_eq!(created["status"], "registered");
    assert_eq!(created["station"], Value::Null);
    let members = created["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[0]["school"], "深圳职业技术大学");
    assert_eq!(members[0]["region"], "浙江");
    let id = created["id"].as_str().unwrap();
    let read = organizer
        .get(&format!("{}/{id}", teams_path("ecommerce-2026")))
        .await;
    assert_eq!(read.body, created);
    let list = organizer.get(&teams_path("ecommerce-2026")).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    let none_pending = organizer
        .get(&format!("{}?status=pending", teams_path("ecommerce-2026")))
        .await;
    assert_eq!(none_pending.body, json!([]));
    organizer
        .get(&format!("{}?status=lost", teams_path("ecommerce-2026")))
        .await
        .assert_problem(400, "request.bad_query");
}

async fn team_input_is_checked_field_by_field_and_nothing_is_stored(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let mut bad_check_digit = resident_id(1);
    bad_check_digit.replace_range(
        17..,
        if bad_check_digit.ends_with('0') {
            "1"
        } else {
            "0"
        },
    );

    let reply = organizer
        .post(
            &teams_path("ecommerce-2026"),
            &json!({
                "name": " ",
                "school": "深圳职业技术大学",
                "members": [
                    {"name": "张伟", "id_number": bad_check_digit},
                    {"name": "李娜", "phone": "2380013800"},
                    {"name": "", "id_number": resident_id(2)},
                    {"name": "王芳", "id_number": resident_id(2)},
                ],
            }),
        )
        .await;

    reply.assert_problem(422, "validation.failed");
    let mut fields = reply.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "members",
            "members[0].id_number",
            "members[1].phone",
            "members[2].name",
            "members[3].id_number",
            "name",
        ]
    );
    let codes: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    for code in [
        "team_too_large",
        "invalid_id_number",
        "invalid_phone",
        "duplicate_id_number",
    ] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    let list = organizer.get(&teams_path("ecommerce-2026")).await;
    assert_eq!(list.body, json!([]));
}

async fn a_duplicate_team_or_id_number_is_a_conflict_naming_the_field(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    create_team(
        organizer,
        "ecommerce-2026",
        &team_json("星火队", "深圳职业技术大学", 2, 10),
    )
    .await;

    let same_name = organizer
        .post(
            &teams_path("ecommerce-2026"),
            &team_json("星火队", "深圳职业技术大学", 2, 20),
        )
        .await;
    same_name.assert_problem(409, "team.duplicate");
    assert_eq!(same_name.error_fields(), ["name"]);

    let mut taken_id = team_json("破浪队", "深圳职业技术大学", 2, 30);
    taken_id["members"][1]["id_number"] = json!(resident_id(11));
    let reply = organizer
        .post(&teams_path("ecommerce-2026"), &taken_id)
        .await;
    reply.assert_problem(409, "team.duplicate_id_number");
    assert_eq!(reply.error_fields(), ["members[1].id_number"]);
    assert!(!reply.body.to_string().contains("星火队"), "{}", reply.body);

    // The same name at another school is another team.
    create_team(
        organizer,
        "ecommerce-2026",
        &team_json("星火队", "浙江商业职业技术学院", 2, 40),
    )
    .await;
}

async fn id_numbers_and_phones_are_masked_unless_an_organizer_reveals_them(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created_contest = contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let team = create_team(
        organizer,
        "ecommerce-2026",
        &team_json("星火队", "深圳职业技术大学", 1, 7),
    )
    .await;
    let id_number = resident_id(7);
    let team_path = format!(
        "{}/{}",
        teams_path("ecommerce-2026"),
        team["id"].as_str().unwrap()
    );

    for masked in [
        team.clone(),
        organizer.get(&teams_path("ecommerce-2026")).await.body,
        organizer.get(&team_path).await.body,
    ] {
        let text = masked.to_string();
        assert!(!text.contains(&id_number), "{text}");
        assert!(!text.contains("13900000007"), "{text}");
        assert!(
            text.contains(&format!("110***********{}", &id_number[14..])),
            "{text}"
        );
        assert!(text.contains("139****0007"), "{text}");
    }

    let revealed = organizer
        .get(&format!(
            "{}?reveal=id_numbers",
            teams_path("ecommerce-2026")
        ))
        .await;
    assert_eq!(
        revealed.body[0]["members"][0]["id_number"],
        id_number.as_str()
    );
    assert_eq!(revealed.body[0]["members"][0]["phone"], "13900000007");
    let one = organizer
        .get(&format!("{team_path}?reveal=id_numbers"))
        .await;
    assert_eq!(one.body["members"][0]["id_number"], id_number.as_str());

    let actions = audit_actions(&app, created_contest["id"].as_str().unwrap()).await;
    let reveals = actions
        .iter()
        .filter(|(action, _)| action == "team.reveal_id_numbers")
        .count();
    assert_eq!(reveals, 2);
    // The audit log itself never holds a full ID number.
    let chain = created_contest["id"].as_str().unwrap().to_owned();
    let events = app
        .db
        .read(move |conn| Ok(skillboard::store::audit::chain(conn, &chain)?))
        .await
        .unwrap();
    for event in events {
        let text = format!("{:?}{:?}", event.before_json, event.after_json);
        assert!(!text.contains(&id_number), "{}: {text}", event.action);
    }
    app.anonymous()
        .get(&format!(
            "{}?reveal=id_numbers",
            teams_path("ecommerce-2026")
        ))
        .await
        .assert_problem(401, "auth.required");
}

async fn editing_a_team_keeps_members_by_id_and_their_hidden_numbers(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let team = create_team(
        organizer,
        "ecommerce-2026",
        &team_json("星火队", "深圳职业技术大学", 2, 50),
    )
    .await;
    let path = format!(
        "{}/{}",
        teams_path("ecommerce-2026"),
        team["id"].as_str().unwrap()
    );
    let kept = team["members"][0]["id"].clone();

    let edited = organizer
        .patch(
            &path,
            &json!({
                "name": "燎原队",
                "members": [
                    {"id": kept, "name": "张伟"},
                    {"name": "新队员", "id_number": resident_id(60)},
                ],
            }),
        )
        .await;

    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["name"], "燎原队");
    assert_eq!(edited.body["members"][0]["id"], kept);
    assert_eq!(edited.body["members"][0]["name"], "张伟");
    let revealed = organizer.get(&format!("{path}?reveal=id_numbers")).await;
    let members = revealed.body["members"].as_array().unwrap();
    assert_eq!(members[0]["id_number"], resident_id(50).as_str());
    assert_eq!(members[0]["phone"], "13900000050");
    assert_eq!(members[1]["id_number"], resident_id(60).as_str());
    assert_eq!(members.len(), 2);

    let unknown = organizer
        .patch(&path, &json!({"members": [{"id": "nope", "name": "x"}]}))
        .await;
    unknown.assert_problem(422, "validation.failed");
    assert_eq!(unknown.error_fields(), ["members[0].id"]);
}

async fn a_withdrawn_team_keeps_its_history_and_leaves_the_ranking(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    let created_contest = contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let team = create_team(
        organizer,
        "ecommerce-2026",
        &team_json("星火队", "深圳职业技术大学", 2, 70),
    )
    .await;
    let path = format!(
        "{}/{}",
        teams_path("ecommerce-2026"),
        team["id"].as_str().unwrap()
    );
    organizer
        .post(&format!("{path}/check-in"), &json!({}))
        .await;
    organizer
        .post("/api/v1/contests/ecommerce-2026/draw", &json!({}))
        .await;

    let withdrawn = organizer
        .post(&format!("{path}/withdraw"), &json!({"reason": "队员生病"}))
        .await;

    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(withdrawn.body["status"], "withdrawn");
    assert_eq!(withdrawn.body["members"].as_array().unwrap().len(), 2);
    assert!(withdrawn.body["code"].is_string(), "the draw is history");
    let contest_id = created_contest["id"].as_str().unwrap().to_owned();
    let ranked = app
        .db
        .read({
            let contest_id = contest_id.clone();
            move |conn| Ok(skillboard::store::teams::ranked(conn, &contest_id)?)
        })
        .await
        .unwrap();
    assert!(ranked.is_empty());
    assert!(audit_actions(&app, &contest_id)
        .await
        .contains(&("team.withdraw".to_owned(), Some("队员生病".to_owned()))));
    organizer
        .post(&format!("{path}/withdraw"), &json!({}))
        .await
        .assert_problem(409, "team.not_registered");
    organizer
        .post(&format!("{path}/check-in"), &json!({}))
        .await
        .assert_problem(409, "team.not_registered");
}

async fn a_team_is_checked_in_and_the_check_in_can_be_undone_until_the_draw(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    let team = create_team(
        organizer,
        "ecommerce-2026",
        &team_json("星火队", "深圳职业技术大学", 1, 80),
    )
    .await;
    let check_in = format!(
        "{}/{}/check-in",
        teams_path("ecommerce-2026"),
        team["id"].as_str().unwrap()
    );

    let present = organizer.post(&check_in, &json!({})).await;
    assert_eq!(present.status, 200, "{}", present.body);
    assert!(present.body["checked_in_at"].is_string());
    let undone = organizer.delete(&check_in).await;
    assert_eq!(undone.body["checked_in_at"], Value::Null);

    organizer.post(&check_in, &json!({})).await;
    organizer
        .post("/api/v1/contests/ecommerce-2026/draw", &json!({}))
        .await;
    organizer
        .delete(&check_in)
        .await
        .assert_problem(409, "team.already_drawn");
}

async fn only_co_hosts_manage_teams(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let team = team_json("星火队", "深圳职业技术大学", 1, 90);

    app.anonymous()
        .get(&teams_path("ecommerce-2026"))
        .await
        .assert_problem(401, "auth.required");
    app.anonymous()
        .post(&teams_path("ecommerce-2026"), &team)
        .await
        .assert_problem(401, "auth.required");
    hosts
        .outsider
        .get(&teams_path("ecommerce-2026"))
        .await
        .assert_problem(404, "contest.not_found");
    hosts
        .outsider
        .post(&teams_path("ecommerce-2026"), &team)
        .await
        .assert_problem(404, "contest.not_found");

    let created = create_team(&hosts.enterprise_organizer, "ecommerce-2026", &team).await;
    let path = format!(
        "{}/{}",
        teams_path("ecommerce-2026"),
        created["id"].as_str().unwrap()
    );
    hosts
        .outsider
        .get(&path)
        .await
        .assert_problem(404, "contest.not_found");
    hosts
        .outsider
        .post(&format!("{path}/withdraw"), &json!({}))
        .await
        .assert_problem(404, "contest.not_found");
    assert_eq!(hosts.school_organizer.get(&path).await.status, 200);
}

async fn teams_cannot_be_added_once_scoring_started(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let hosts = co_hosts(&app).await;
    contest(&hosts, "ecommerce-2026").await;
    let organizer = &hosts.school_organizer;
    set_state(organizer, "ecommerce-2026", "registration").await;
    set_state(organizer, "ecommerce-2026", "running").await;

    organizer
        .post(
            &teams_path("ecommerce-2026"),
            &team_json("星火队", "深圳职业技术大学", 1, 95),
        )
        .await
        .assert_problem(409, "registration.closed");
}

on_both_backends!(
    an_organizer_registers_a_team_with_its_members,
    team_input_is_checked_field_by_field_and_nothing_is_stored,
    a_duplicate_team_or_id_number_is_a_conflict_naming_the_field,
    id_numbers_and_phones_are_masked_unless_an_organizer_reveals_them,
    editing_a_team_keeps_members_by_id_and_their_hidden_numbers,
    a_withdrawn_team_keeps_its_history_and_leaves_the_ranking,
    a_team_is_checked_in_and_the_check_in_can_be_undone_until_the_draw,
    only_co_hosts_manage_teams,
    teams_cannot_be_added_once_scoring_started,
);
