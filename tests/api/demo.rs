use crate::helpers::{spawn_app, TestBackend};
use crate::on_both_backends;

async fn the_demo_is_a_living_co_hosted_contest(backend: TestBackend) {
    let app = spawn_app(&backend).await;
    let db = app.db.clone();

    let logins = actix_web::web::block(move || skillboard::demo::seed(&db))
        .await
        .unwrap()
        .unwrap()
        .expect("seeded");

    assert_eq!(logins.organizers, ["demo.school", "demo.enterprise"]);
    assert_eq!(logins.judges.len(), 12);
    let organizer = app.sign_in("demo.enterprise", &logins.password).await;
    let contest = organizer.get("/api/v1/contests/ecommerce-demo").await;
    assert_eq!(contest.status, 200, "{}", contest.body);
    assert_eq!(contest.body["state"], "running");
    assert_eq!(contest.body["hosts"].as_array().unwrap().len(), 2);
    let teams = organizer.get("/api/v1/contests/ecommerce-demo/teams").await;
    assert_eq!(teams.body.as_array().unwrap().len(), 30);
    let schools: std::collections::HashSet<&str> = teams
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["school"].as_str().unwrap())
        .collect();
    assert_eq!(schools.len(), 8);
    assert!(teams
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["members"].as_array().unwrap().len() == 3));
    assert_eq!(
        organizer
            .get("/api/v1/contests/ecommerce-demo/judges")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        12
    );
    let review = organizer
        .get("/api/v1/contests/ecommerce-demo/modules/A/review")
        .await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(
        review.body["missing"].as_u64().unwrap() > 0,
        "some marks still to come"
    );
    assert!(
        review.body["missing"].as_u64().unwrap() < 120,
        "some marks entered"
    );
    let audit = organizer
        .get("/api/v1/contests/ecommerce-demo/audit/verify")
        .await;
    assert_eq!(audit.body["intact"], true, "{}", audit.body);

    // A judge link from the printout signs in.
    let token = logins.judges[0].2.split("#t=").nth(1).unwrap();
    crate::judging::judge_session(&app, token, None).await;

    let db = app.db.clone();
    let again = actix_web::web::block(move || skillboard::demo::seed(&db))
        .await
        .unwrap()
        .unwrap();
    assert!(again.is_none(), "seeding twice adds nothing");
}

on_both_backends!(the_demo_is_a_living_co_hosted_contest);
