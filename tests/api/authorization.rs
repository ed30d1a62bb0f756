//! The authorization matrix: every endpoint of the OpenAPI document (and both sockets) called
//! as every role, checking the status and that no reply leaks what the role must not see: a
//! contestant's name, a full ID number, or another contest's data. An endpoint added without a
//! row here fails `the_matrix_covers_every_documented_endpoint`.

use std::collections::BTreeSet;

use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{json, Value};
use skillboard::store::teams::Contestant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::contests::new_contest;
use crate::helpers::{spawn_app_on, Session, TestApp, TestBackend, TestDatabase, PASSWORD};
use crate::judging::{full_sheet, running_contest, Judging};
use crate::on_both_backends;
use crate::schemes::ecommerce_scheme;
use crate::teams::{resident_id, team_json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Admin,
    /// An organizer of the enterprise that co-hosts the contest (not the lead).
    CoHost,
    /// An organizer of an organization that does not host the contest.
    Outsider,
    ChiefJudge,
    /// A judge on module A's panel.
    PanelJudge,
    /// A judge on module B's panel only.
    OtherPanelJudge,
    /// A judge on module A whose link was revoked after signing in.
    RevokedJudge,
    Anonymous,
    /// A public client that follows the public board (no credentials).
    Spectator,
}

const ROLES: [Role; 9] = [
    Role::Admin,
    Role::CoHost,
    Role::Outsider,
    Role::ChiefJudge,
    Role::PanelJudge,
    Role::OtherPanelJudge,
    Role::RevokedJudge,
    Role::Anonymous,
    Role::Spectator,
];

impl Role {
    fn tag(self) -> String {
        format!("{self:?}").to_lowercase()
    }

    /// May see the contest's contestants (names, schools) at all.
    fn sees_contestants(self) -> bool {
        matches!(self, Role::Admin | Role::CoHost)
    }

    /// May see the other organization's contest.
    fn sees_other_contest(self) -> bool {
        matches!(self, Role::Admin | Role::Outsider)
    }
}

/// Who may call an endpoint; the refusals follow from it (see [`expected`]).
#[derive(Clone, Copy, Debug)]
enum Access {
    /// Anyone, with this status.
    Public(u16),
    /// The administrator only.
    Admin,
    /// Any signed-in organizer.
    SignedIn,
    /// The contest's organizers (co-hosts) and the administrator.
    Organizers,
    /// Those, and the contest's chief judge.
    Reviewers,
    /// Any judge of the contest with a live session.
    Judges,
    /// Judges on the panel of module A.
    PanelA,
    /// The one account that owns the resource (the administrator's token).
    Owner,
    /// The judge who wrote the sheet; another judge cannot tell it exists.
    SheetAuthor,
}

/// What a role must get: one of `ok` when it is let through (a repeated change may find it
/// done already: 409), or exactly this refusal.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    Through,
    Refused(u16),
}

fn expected(access: Access, role: Role) -> Expect {
    use Expect::*;
    use Role::*;
    let judge = matches!(
        role,
        ChiefJudge | PanelJudge | OtherPanelJudge | RevokedJudge
    );
    match access {
        Access::Public(status) => Refused(status),
        Access::Admin => match role {
            Admin => Through,
            CoHost | Outsider => Refused(403),
            _ => Refused(401),
        },
        Access::SignedIn => match role {
            Admin | CoHost | Outsider => Through,
            _ => Refused(401),
        },
        Access::Owner => match role {
            Admin => Through,
            CoHost | Outsider => Refused(404),
            _ => Refused(401),
        },
        Access::Organizers => match role {
            Admin | CoHost => Through,
            Outsider => Refused(404),
            _ => Refused(401),
        },
        Access::Reviewers => match role {
            Admin | CoHost | ChiefJudge => Through,
            Outsider => Refused(404),
            PanelJudge | OtherPanelJudge => Refused(403),
            _ => Refused(401),
        },
        Access::Judges => match role {
            ChiefJudge | PanelJudge | OtherPanelJudge => Through,
            _ if judge => Refused(401),
            _ => Refused(401),
        },
        Access::SheetAuthor => match role {
            PanelJudge => Through,
            ChiefJudge | OtherPanelJudge => Refused(404),
            _ => Refused(401),
        },
        Access::PanelA => match role {
            PanelJudge => Through,
            ChiefJudge | OtherPanelJudge => Refused(403),
            _ => Refused(401),
        },
    }
}

enum Body {
    Empty,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

struct Row {
    method: Method,
    /// The path as the OpenAPI document names it.
    template: &'static str,
    /// The path called; `{role}` and `{uuid}` are filled in per call.
    path: String,
    body: Body,
    access: Access,
    /// Statuses that count as let through (default 200, 201, 204 and 409).
    through: &'static [u16],
}

const THROUGH: &[u16] = &[200, 201, 204, 409];

fn row(method: Method, template: &'static str, path: String, body: Body, access: Access) -> Row {
    Row {
        method,
        template,
        path,
        body,
        access,
        through: THROUGH,
    }
}

const SLUG: &str = "ecommerce-2026";
const OTHER_SLUG: &str = "other-2026";
/// Contestants planted in the contest under test, and in the outsider's contest.
const PLANTED_NAME: &str = "Plantedname Zhou";
const OTHER_TEAM: &str = "Othercontest Secretteam";
const OTHER_MEMBER: &str = "Otherperson Hidden";
const TEAM_NAMES: [&str; 3] = ["星火队", "Team Aurora", "凌云队"];

/// Everything the matrix needs besides the contest of `running_contest`.
struct World {
    app: TestApp,
    setup: Judging,
    sessions: Vec<(Role, Session)>,
    chief_bearer: String,
    panel_bearer: String,
    other_bearer: String,
    revoked_bearer: String,
    team_id: String,
    spare_team_id: String,
    spare_judge_id: String,
    revocable_judge_id: String,
    panel_b_judge_id: String,
    sheet_id: String,
    appeal_id: String,
    token_id: String,
    id_numbers: Vec<String>,
}

async fn plant_member(app: &TestApp, contest_id: &str, team_id: &str, name: &str, id: String) {
    let (contest_id, team_id, name) = (contest_id.to_owned(), team_id.to_owned(), name.to_owned());
    app.db
        .write(move |conn| {
            use diesel::RunQueryDsl;
            diesel::insert_into(skillboard::store::schema::contestants::table)
                .values(&Contestant {
                    id: uuid::Uuid::new_v4().to_string(),
                    team_id,
                    contest_id,
                    name,
                    school: "浙江商业职业技术学院".to_owned(),
                    region: "浙江".to_owned(),
                    phone: Some("13900007777".to_owned()),
                    id_number: Some(id),
                    role: None,
                    position: 9,
                })
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
}

async fn created_id(reply: crate::helpers::Reply) -> String {
    assert!(reply.status == 201 || reply.status == 200, "{}", reply.body);
    reply.body["id"]
        .as_str()
        .or_else(|| reply.body["judge"]["id"].as_str())
        .or_else(|| reply.body["token"]["id"].as_str())
        .unwrap_or_else(|| panic!("no id in {}", reply.body))
        .to_owned()
}

async fn world(backend: &TestBackend) -> World {
    let app = spawn_app_on(TestDatabase::create(backend), |settings| {
        // The matrix signs in some forty times from one address.
        settings.limits.sign_ins_per_minute_per_address = 1000;
    })
    .await;
    let setup = running_contest(&app).await;
    let organizer = &setup.hosts.school_organizer;
    let base = format!("/api/v1/contests/{SLUG}");

    // Contestants with names and full ID numbers in the contest under test.
    let teams = organizer.get(&format!("{base}/teams")).await;
    let team_ids: Vec<String> = teams
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    let id_numbers: Vec<String> = (0..3).map(|i| resident_id(700 + i)).collect();
    for (team_id, id) in team_ids.iter().zip(&id_numbers) {
        plant_member(&app, &setup.contest_id, team_id, PLANTED_NAME, id.clone()).await;
    }

    // The outsider's own contest, with a team of its own.
    let mut other = new_contest(OTHER_SLUG, &setup.hosts.school);
    other["co_host_ids"] = json!([]);
    other["title_en"] = json!("Othercontest Title");
    let created = setup.hosts.outsider.post("/api/v1/contests", &other).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let other_team = setup
        .hosts
        .outsider
        .post(
            &format!("/api/v1/contests/{OTHER_SLUG}/teams"),
            &json!({"name": OTHER_TEAM, "school": "Other School", "region": "浙江",
                    "members": [{"name": OTHER_MEMBER, "id_number": resident_id(801)}]}),
        )
        .await;
    assert_eq!(other_team.status, 201, "{}", other_team.body);

    // Judges: the chief, one on A, one on B, one revoked after signing in, and spares.
    let chief_bearer = bearer(&app, &setup.judges[3].1, None).await;
    let panel_bearer = bearer(&app, &setup.judges[1].1, None).await;
    let other_bearer = bearer(&app, &setup.judges[2].1, None).await;
    let judges_path = format!("{base}/judges");
    let new_judge = |name: &'static str| {
        let path = judges_path.clone();
        async move {
            organizer
                .post(&path, &json!({"name": name, "modules": ["A"]}))
                .await
        }
    };
    let revoked = new_judge("Revoked Judge").await;
    let revoked_id = revoked.body["judge"]["id"]
        .as_str()
        .or(revoked.body["id"].as_str())
        .unwrap()
        .to_owned();
    let revoked_token = revoked.body["link"]
        .as_str()
        .unwrap()
        .split("#t=")
        .nth(1)
        .unwrap()
        .to_owned();
    let revoked_bearer = bearer(&app, &revoked_token, None).await;
    let revoke = organizer
        .post(&format!("{base}/judges/{revoked_id}/revoke"), &json!({}))
        .await;
    assert!(revoke.status < 300, "{}", revoke.body);
    let spare_judge_id = created_id(new_judge("Spare Judge").await).await;
    let revocable_judge_id = created_id(new_judge("Revocable Judge").await).await;

    // A submitted sheet, an appeal to decide, an administrator's API token.
    let sheet_id = uuid::Uuid::new_v4().to_string();
    let panel = Session::with_bearer(&app.address, &panel_bearer);
    let sheet = panel
        .put(
            &format!("/api/v1/judge/sheets/{sheet_id}"),
            &full_sheet("K7QM", 2, 1),
        )
        .await;
    assert!(sheet.status < 300, "{}", sheet.body);
    // A second judge on A two levels apart: a discrepancy for the chief judge to resolve.
    let pin_judge = bearer(&app, &setup.judges[0].1, Some("2468")).await;
    let flagged = Session::with_bearer(&app.address, &pin_judge)
        .put(
            &format!("/api/v1/judge/sheets/{}", uuid::Uuid::new_v4()),
            &full_sheet("K7QM", 0, 1),
        )
        .await;
    assert!(flagged.status < 300, "{}", flagged.body);
    let appeal_id = created_id(
        organizer
            .post(
                &format!("{base}/appeals"),
                &json!({"team": "K7QM", "module": "A", "text": "setup"}),
            )
            .await,
    )
    .await;
    let token_id = created_id(
        setup
            .hosts
            .admin
            .post("/api/v1/auth/tokens", &json!({"name": "matrix"}))
            .await,
    )
    .await;

    let spectator = app.anonymous();
    assert_eq!(spectator.get(&format!("{base}/board")).await.status, 200);
    let sessions = vec![
        (Role::Admin, app.admin().await),
        (
            Role::CoHost,
            app.sign_in("enterprise.organizer", PASSWORD).await,
        ),
        (Role::Outsider, app.sign_in("outsider", PASSWORD).await),
        (
            Role::ChiefJudge,
            Session::with_bearer(&app.address, &chief_bearer),
        ),
        (Role::PanelJudge, panel),
        (
            Role::OtherPanelJudge,
            Session::with_bearer(&app.address, &other_bearer),
        ),
        (
            Role::RevokedJudge,
            Session::with_bearer(&app.address, &revoked_bearer),
        ),
        (Role::Anonymous, app.anonymous()),
        (Role::Spectator, spectator),
    ];
    World {
        panel_b_judge_id: setup.judges[2].0.clone(),
        team_id: team_ids[0].clone(),
        spare_team_id: team_ids[2].clone(),
        app,
        setup,
        sessions,
        chief_bearer,
        panel_bearer,
        other_bearer,
        revoked_bearer,
        spare_judge_id,
        revocable_judge_id,
        sheet_id,
        appeal_id,
        token_id,
        id_numbers,
    }
}

async fn bearer(app: &TestApp, token: &str, pin: Option<&str>) -> String {
    let reply = app
        .anonymous()
        .post(
            "/api/v1/judge/session",
            &json!({"token": token, "pin": pin}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["session"].as_str().unwrap().to_owned()
}

fn rows(w: &World) -> Vec<Row> {
    use Access::*;
    use Method as M;
    let c = format!("/api/v1/contests/{SLUG}");
    let team = format!("{c}/teams/{}", w.team_id);
    let spare = format!("{c}/teams/{}", w.spare_team_id);
    let json = Body::Json;
    let csv = "name,school,region,member,id_number\n矩阵队,深圳职业技术大学,广东,矩阵选手,\n";
    vec![
        row(
            M::POST,
            "/api/v1/auth/login",
            "/api/v1/auth/login".into(),
            json(json!({"username": "nobody", "password": "wrong"})),
            Public(401),
        ),
        row(
            M::GET,
            "/api/v1/auth/me",
            "/api/v1/auth/me".into(),
            Body::Empty,
            SignedIn,
        ),
        row(
            M::GET,
            "/api/v1/auth/tokens",
            "/api/v1/auth/tokens".into(),
            Body::Empty,
            SignedIn,
        ),
        row(
            M::POST,
            "/api/v1/auth/tokens",
            "/api/v1/auth/tokens".into(),
            json(json!({"name": "matrix {role}"})),
            SignedIn,
        ),
        row(
            M::DELETE,
            "/api/v1/auth/tokens/{id}",
            format!("/api/v1/auth/tokens/{}", w.token_id),
            Body::Empty,
            Owner,
        ),
        row(
            M::GET,
            "/api/v1/organizations",
            "/api/v1/organizations".into(),
            Body::Empty,
            SignedIn,
        ),
        row(
            M::POST,
            "/api/v1/organizations",
            "/api/v1/organizations".into(),
            json(json!({"name": "Matrix org {role}", "kind": "school"})),
            Admin,
        ),
        // Organizers see the accounts of their own organization (checked by the leak rules).
        row(
            M::GET,
            "/api/v1/users",
            "/api/v1/users".into(),
            Body::Empty,
            SignedIn,
        ),
        row(
            M::POST,
            "/api/v1/users",
            "/api/v1/users".into(),
            json(
                json!({"username": "matrix.{role}", "display_name": "M", "organization_id": w.setup.hosts.school, "password": "matrix-password-1"}),
            ),
            Admin,
        ),
        row(
            M::GET,
            "/api/v1/contests",
            "/api/v1/contests".into(),
            Body::Empty,
            SignedIn,
        ),
        // The administrator belongs to no organization and must name the lead one: 422.
        Row {
            through: &[201, 422],
            ..row(
                M::POST,
                "/api/v1/contests",
                "/api/v1/contests".into(),
                json({
                    let mut body = new_contest("matrix-{role}", &w.setup.hosts.school);
                    body["co_host_ids"] = json!([]);
                    body
                }),
                SignedIn,
            )
        },
        row(
            M::GET,
            "/api/v1/contests/{slug}",
            c.clone(),
            Body::Empty,
            Organizers,
        ),
        row(
            M::PATCH,
            "/api/v1/contests/{slug}",
            c.clone(),
            json(json!({"venue": "Hall {role}"})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/state",
            format!("{c}/state"),
            json(json!({"to": "running", "reason": "matrix"})),
            Organizers,
        ),
        row(
            M::PUT,
            "/api/v1/contests/{slug}/hosts",
            format!("{c}/hosts"),
            json(
                json!({"lead_organization_id": w.setup.hosts.school, "co_host_ids": [w.setup.hosts.enterprise]}),
            ),
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/scheme",
            format!("{c}/scheme"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::PUT,
            "/api/v1/contests/{slug}/scheme",
            format!("{c}/scheme"),
            json(ecommerce_scheme()),
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/scheme.xlsx",
            format!("{c}/scheme.xlsx"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/scheme/import",
            format!("{c}/scheme/import"),
            json(ecommerce_scheme()),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/scheme/reopen",
            format!("{c}/scheme/reopen"),
            json(json!({"reason": "matrix"})),
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/teams",
            format!("{c}/teams"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/teams",
            format!("{c}/teams"),
            json(team_json("矩阵队", "深圳职业技术大学", 1, 950)),
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/teams/{team_id}",
            team.clone(),
            Body::Empty,
            Organizers,
        ),
        row(
            M::PATCH,
            "/api/v1/contests/{slug}/teams/{team_id}",
            team.clone(),
            json(json!({"coach": "Coach {role}"})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/teams/{team_id}/check-in",
            format!("{spare}/check-in"),
            json(json!({})),
            Organizers,
        ),
        row(
            M::DELETE,
            "/api/v1/contests/{slug}/teams/{team_id}/check-in",
            format!("{spare}/check-in"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/teams/{team_id}/approve",
            format!("{spare}/approve"),
            json(json!({})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/teams/{team_id}/reject",
            format!("{spare}/reject"),
            json(json!({"reason": "matrix"})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/teams/{team_id}/withdraw",
            format!("{spare}/withdraw"),
            json(json!({"reason": "matrix"})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/registration/import",
            format!("{c}/registration/import"),
            Body::Raw("text/csv", csv.as_bytes().to_vec()),
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/public/contests/{slug}/registration",
            format!("/api/v1/public/contests/{SLUG}/registration"),
            Body::Empty,
            Public(200),
        ),
        row(
            M::POST,
            "/api/v1/public/contests/{slug}/registrations",
            format!("/api/v1/public/contests/{SLUG}/registrations"),
            json(team_json("公开队", "深圳职业技术大学", 1, 960)),
            Public(409),
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/draw",
            format!("{c}/draw"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/draw",
            format!("{c}/draw"),
            json(json!({})),
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/draw/station-cards",
            format!("{c}/draw/station-cards"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/draw/mapping",
            format!("{c}/draw/mapping"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/judges",
            format!("{c}/judges"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/judges",
            format!("{c}/judges"),
            json(json!({"name": "Judge {role}", "modules": ["B"]})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/judges/{id}/link",
            format!("{c}/judges/{}/link", w.spare_judge_id),
            json(json!({})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/judges/{id}/revoke",
            format!("{c}/judges/{}/revoke", w.revocable_judge_id),
            json(json!({})),
            Organizers,
        ),
        row(
            M::PUT,
            "/api/v1/contests/{slug}/modules/{code}/panel",
            format!("{c}/modules/B/panel"),
            json(json!({"judge_ids": [w.panel_b_judge_id]})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/judge/session",
            "/api/v1/judge/session".into(),
            json(json!({"token": "sbj_forged-link"})),
            Public(401),
        ),
        row(
            M::GET,
            "/api/v1/judge/me",
            "/api/v1/judge/me".into(),
            Body::Empty,
            Judges,
        ),
        row(
            M::GET,
            "/api/v1/judge/modules/{code}/teams",
            "/api/v1/judge/modules/A/teams".into(),
            Body::Empty,
            PanelA,
        ),
        row(
            M::GET,
            "/api/v1/judge/sheets/{client_id}",
            format!("/api/v1/judge/sheets/{}", w.sheet_id),
            Body::Empty,
            SheetAuthor,
        ),
        row(
            M::PUT,
            "/api/v1/judge/sheets/{client_id}",
            "/api/v1/judge/sheets/{uuid}".into(),
            json(full_sheet("P3XA", 1, 1)),
            PanelA,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/modules/{code}/review",
            format!("{c}/modules/A/review"),
            Body::Empty,
            Reviewers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/modules/{code}/resolutions",
            format!("{c}/modules/A/resolutions"),
            json(
                json!({"team": "K7QM", "criterion": "A2", "resolution": "accepted", "reason": "matrix"}),
            ),
            Reviewers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/modules/{code}/lock",
            format!("{c}/modules/B/lock"),
            json(json!({})),
            Reviewers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/modules/{code}/unlock",
            format!("{c}/modules/B/unlock"),
            json(json!({"reason": "matrix"})),
            Reviewers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/imported-marks",
            format!("{c}/imported-marks"),
            json(json!({"rows": [{"code": "K7QM", "criterion": "B1", "mark": 30}]})),
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/appeals",
            format!("{c}/appeals"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/appeals",
            format!("{c}/appeals"),
            json(json!({"team": "P3XA", "module": "A", "text": "appeal by {role}"})),
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/appeals/{id}/decision",
            format!("{c}/appeals/{}/decision", w.appeal_id),
            json(json!({"decision": "rejected", "reason": "matrix"})),
            Reviewers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/audit",
            format!("{c}/audit"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/audit/verify",
            format!("{c}/audit/verify"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/board",
            format!("{c}/board"),
            Body::Empty,
            Public(200),
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/board/live",
            format!("{c}/board/live"),
            Body::Empty,
            Organizers,
        ),
        // Results: organizers and the chief judge, without names before the reveal.
        row(
            M::GET,
            "/api/v1/contests/{slug}/results.json",
            format!("{c}/results.json"),
            Body::Empty,
            Reviewers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/results.csv",
            format!("{c}/results.csv"),
            Body::Empty,
            Reviewers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/results.xlsx",
            format!("{c}/results.xlsx"),
            Body::Empty,
            Reviewers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/results/print",
            format!("{c}/results/print"),
            Body::Empty,
            Reviewers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/results/certificates",
            format!("{c}/results/certificates"),
            Body::Empty,
            Reviewers,
        ),
        row(
            M::GET,
            "/api/v1/contests/{slug}/event-feed",
            format!("{c}/event-feed"),
            Body::Empty,
            Organizers,
        ),
        row(
            M::POST,
            "/api/v1/contests/{slug}/reveal",
            format!("{c}/reveal"),
            json(json!({"mode": "none"})),
            Organizers,
        ),
        // Last: it ends the caller's session.
        row(
            M::POST,
            "/api/v1/auth/logout",
            "/api/v1/auth/logout".into(),
            json(json!({})),
            Public(204),
        ),
    ]
}

/// Raw text of a reply, for the leak checks.
struct Raw {
    status: u16,
    content_type: String,
    text: String,
}

async fn call(session: &Session, row: &Row, role: Role) -> Raw {
    let path = row
        .path
        .replace("{role}", &role.tag())
        .replace("{uuid}", &uuid::Uuid::new_v4().to_string());
    let mut builder = session.request(row.method.clone(), &path);
    builder = match &row.body {
        Body::Empty => builder,
        Body::Json(value) => {
            let text = value.to_string().replace("{role}", &role.tag());
            builder
                .header("content-type", "application/json")
                .body(text)
        }
        Body::Raw(content_type, bytes) => builder
            .header("content-type", *content_type)
            .body(bytes.clone()),
    };
    let response = builder.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.bytes().await.unwrap();
    Raw {
        status,
        content_type,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Finds what `role` must not read in `text`.
fn leaks(w: &World, role: Role, text: &str) -> Vec<String> {
    let mut secrets: Vec<String> = w.id_numbers.clone();
    secrets.push(resident_id(801));
    if !role.sees_contestants() {
        secrets.push(PLANTED_NAME.to_owned());
        secrets.extend(TEAM_NAMES.iter().map(|s| s.to_string()));
        secrets.push("浙江商业职业技术学院".to_owned());
    }
    if !role.sees_other_contest() {
        for s in [OTHER_TEAM, OTHER_MEMBER, OTHER_SLUG, "Othercontest Title"] {
            secrets.push(s.to_owned());
        }
    }
    secrets
        .into_iter()
        .filter(|s| text.contains(s.as_str()))
        .collect()
}

async fn every_endpoint_answers_every_role_as_it_should_and_leaks_nothing(backend: TestBackend) {
    let w = world(&backend).await;
    let table = rows(&w);
    let mut failures = Vec::new();
    let mut calls = 0;
    // The planted secrets do show where they may: the leak check looks for real text.
    let mut seen_by_co_host = 0;
    let mut seen_by_outsider = 0;
    for row in &table {
        for (role, session) in &w.sessions {
            let reply = call(session, row, *role).await;
            calls += 1;
            let what = format!("{role:?} {} {}", row.method, row.template);
            match expected(row.access, *role) {
                Expect::Through if !row.through.contains(&reply.status) => failures.push(format!(
                    "{what}: let through expected, got {} {}",
                    reply.status,
                    reply.text.chars().take(200).collect::<String>()
                )),
                Expect::Refused(status) if reply.status != status => failures.push(format!(
                    "{what}: expected {status}, got {} {}",
                    reply.status,
                    reply.text.chars().take(200).collect::<String>()
                )),
                _ => {}
            }
            if reply.status >= 400 && reply.content_type != "application/problem+json" {
                failures.push(format!("{what}: a {} without problem+json", reply.status));
            }
            if *role == Role::CoHost && reply.text.contains(PLANTED_NAME) {
                seen_by_co_host += 1;
            }
            if *role == Role::Outsider && reply.text.contains("Othercontest Title") {
                seen_by_outsider += 1;
            }
            let leaked = leaks(&w, *role, &reply.text);
            if !leaked.is_empty() {
                failures.push(format!("{what}: leaked {leaked:?}"));
            }
        }
    }
    calls += sockets(&w, &mut failures).await;
    println!(
        "authorization matrix: {} endpoints + 2 sockets × {} roles = {calls} calls checked",
        table.len(),
        ROLES.len()
    );
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        seen_by_co_host > 0 && seen_by_outsider > 0,
        "{seen_by_co_host} {seen_by_outsider}"
    );

    // Only the co-hosts' changes stuck: the last one to write the venue was the co-host.
    let contest = w
        .setup
        .hosts
        .school_organizer
        .get(&format!("/api/v1/contests/{SLUG}"))
        .await;
    assert_eq!(contest.body["venue"], "Hall cohost");
}

/// Cookie for a socket handshake (a jar-less sign-in).
async fn session_cookie(app: &TestApp, username: &str, password: &str) -> String {
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// The two sockets as every role: the public board for all; the progress board for the
/// contest's organizers and chief judge only.
async fn sockets(w: &World, failures: &mut Vec<String>) -> usize {
    let mut calls = 0;
    for role in ROLES {
        let credential: Option<(&str, String)> = match role {
            Role::Admin => Some((
                "cookie",
                session_cookie(&w.app, "admin", crate::helpers::ADMIN_PASSWORD).await,
            )),
            Role::CoHost => Some((
                "cookie",
                session_cookie(&w.app, "enterprise.organizer", PASSWORD).await,
            )),
            Role::Outsider => Some(("cookie", session_cookie(&w.app, "outsider", PASSWORD).await)),
            Role::ChiefJudge => Some(("authorization", format!("Bearer {}", w.chief_bearer))),
            Role::PanelJudge => Some(("authorization", format!("Bearer {}", w.panel_bearer))),
            Role::OtherPanelJudge => Some(("authorization", format!("Bearer {}", w.other_bearer))),
            Role::RevokedJudge => Some(("authorization", format!("Bearer {}", w.revoked_bearer))),
            Role::Anonymous | Role::Spectator => None,
        };
        // The progress board: the contest's organizers and its chief judge (DESIGN §4).
        for (channel, access) in [
            ("board", Access::Public(101)),
            ("progress", Access::Reviewers),
        ] {
            calls += 1;
            let mut request = format!("ws://127.0.0.1:{}/ws/contests/{SLUG}/{channel}", w.app.port)
                .into_client_request()
                .unwrap();
            if let Some((name, value)) = &credential {
                request.headers_mut().insert(*name, value.parse().unwrap());
            }
            let what = format!("{role:?} socket {channel}");
            let opened = tokio_tungstenite::connect_async(request).await;
            let status = match &opened {
                Ok(_) => 101,
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                    response.status().as_u16()
                }
                Err(other) => panic!("{what}: {other}"),
            };
            let ok = match expected(access, role) {
                Expect::Through => status == 101,
                Expect::Refused(expected) => status == expected,
            };
            if !ok {
                failures.push(format!(
                    "{what}: got {status}, expected {:?}",
                    expected(access, role)
                ));
            }
            if let Ok((mut socket, _)) = opened {
                let first =
                    tokio::time::timeout(std::time::Duration::from_secs(20), socket.next()).await;
                if let Ok(Some(Ok(Message::Text(text)))) = first {
                    let leaked = leaks(w, role, &text);
                    if !leaked.is_empty() {
                        failures.push(format!("{what}: leaked {leaked:?}"));
                    }
                }
            }
        }
    }
    calls
}

/// Every path and method of `/api/openapi.json` has a row, and every row is documented.
async fn the_matrix_covers_every_documented_endpoint(backend: TestBackend) {
    let w = world(&backend).await;
    let document = w.app.anonymous().get("/api/openapi.json").await.body;
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let covered: BTreeSet<(String, String)> = rows(&w)
        .iter()
        .map(|row| (row.method.to_string(), row.template.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    let undocumented: Vec<_> = covered.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "endpoints without a row in the matrix: {missing:?}"
    );
    assert!(
        undocumented.is_empty(),
        "rows for endpoints not in the document: {undocumented:?}"
    );
}

on_both_backends!(
    every_endpoint_answers_every_role_as_it_should_and_leaks_nothing,
    the_matrix_covers_every_documented_endpoint,
);
