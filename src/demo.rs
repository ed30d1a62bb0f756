//! `skillboard demo` / `serve --demo`: a realistic co-hosted e-commerce contest, so a newcomer
//! sees a living system at once: two co-hosts, four modules, 30 teams of 3 from 8 schools, 12
//! judges and some marks already entered.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::api::schemes::{
    rows, validate, CriterionDocument, KindName, ModuleDocument, SchemeDocument,
};
use crate::domain::contest::{ContestState, Visibility};
use crate::domain::marks::Mark;
use crate::domain::scheme::MarkInput;
use crate::error::ApiError;
use crate::security::{hash_password, new_secret, secret_hash};
use crate::store::accounts::{self, Organization, User};
use crate::store::contests::{self, Contest};
use crate::store::judging::{
    self, sheet_status, ImportedMarkRow, Judge, ScoreSheet, StoredMark, StoredMarks,
};
use crate::store::teams::{self, Contestant, Team};
use crate::store::{audit, schemes, Db, DbConnection};

pub const DEMO_SLUG: &str = "ecommerce-demo";
pub const DEMO_PASSWORD: &str = "skillboard-demo";

/// What the demo made, to print for the newcomer.
pub struct DemoLogins {
    pub organizers: Vec<String>,
    pub password: String,
    /// (judge name, module codes, link path with token)
    pub judges: Vec<(String, String, String)>,
}

const SCHOOLS: [(&str, &str); 8] = [
    ("浙江商业职业技术学院", "浙江"),
    ("杭州职业技术学院", "浙江"),
    ("宁波职业技术学院", "浙江"),
    ("江苏经贸职业技术学院", "江苏"),
    ("苏州工业职业技术学院", "江苏"),
    ("安徽商贸职业技术学院", "安徽"),
    ("福建信息职业技术学院", "福建"),
    ("上海城建职业学院", "上海"),
];
const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
];
const GIVEN: [&str; 20] = [
    "子涵", "欣怡", "浩然", "梓轩", "雨桐", "宇航", "思远", "佳怡", "俊杰", "诗琪", "晨曦", "博文",
    "嘉怡", "一鸣", "雅婷", "天宇", "若曦", "志强", "可欣", "明轩",
];
const TEAM_WORDS: [&str; 10] = [
    "星火", "凌云", "破晓", "远航", "青蓝", "启明", "飞扬", "锐意", "聚力", "追光",
];

fn mark(text: &str) -> Mark {
    Mark::parse_decimal(text).unwrap_or(Mark::ZERO)
}

fn criterion(code: &str, zh: &str, en: &str, kind: KindName, max: &str) -> CriterionDocument {
    CriterionDocument {
        code: code.into(),
        text_zh: zh.into(),
        text_en: en.into(),
        kind,
        max_mark: mark(max),
        step: (kind == KindName::Measurement).then(|| mark("0.5")),
        descriptors: (kind == KindName::Judgement).then(|| {
            ["未完成", "基本达到要求", "较好达到要求", "出色达到要求"]
                .map(String::from)
                .to_vec()
        }),
    }
}

fn module(
    code: &str,
    zh: &str,
    en: &str,
    weight: &str,
    criteria: Vec<CriterionDocument>,
) -> ModuleDocument {
    ModuleDocument {
        code: code.into(),
        title_zh: zh.into(),
        title_en: en.into(),
        weight: Some(mark(weight)),
        aggregation: Default::default(),
        discrepancy_threshold: 1,
        criteria,
    }
}

pub fn scheme() -> SchemeDocument {
    use KindName::*;
    SchemeDocument {
        modules: vec![
            module(
                "A",
                "网店开设与装修",
                "Store setup and decoration",
                "25",
                vec![
                    criterion(
                        "A1",
                        "店铺基本信息完整准确",
                        "Store information complete and accurate",
                        Measurement,
                        "5",
                    ),
                    criterion(
                        "A2",
                        "首页视觉设计与品牌一致",
                        "Home page design fits the brand",
                        Judgement,
                        "9",
                    ),
                    criterion(
                        "A3",
                        "商品详情页卖点清晰",
                        "Product pages show clear selling points",
                        Judgement,
                        "6",
                    ),
                    criterion("A4", "违规操作扣分", "Rule violations", Deduction, "2"),
                ],
            ),
            module(
                "B",
                "网店运营推广",
                "Online marketing",
                "25",
                vec![
                    criterion(
                        "B1",
                        "平台推广得分（系统导入）",
                        "Platform promotion score (imported)",
                        Imported,
                        "60",
                    ),
                    criterion(
                        "B2",
                        "推广数据分析（系统导入）",
                        "Promotion analytics (imported)",
                        Imported,
                        "40",
                    ),
                ],
            ),
            module(
                "C",
                "网络客户服务",
                "Customer service",
                "20",
                vec![
                    criterion("C1", "响应及时", "Timely responses", Measurement, "4"),
                    criterion(
                        "C2",
                        "问题解决与沟通礼仪",
                        "Problem solving and courtesy",
                        Judgement,
                        "6",
                    ),
                ],
            ),
            module(
                "E",
                "直播销售",
                "Live-stream sales",
                "30",
                vec![
                    criterion(
                        "E1",
                        "直播脚本与选品",
                        "Script and product selection",
                        Judgement,
                        "6",
                    ),
                    criterion(
                        "E2",
                        "主播表现与互动",
                        "Host performance and interaction",
                        Judgement,
                        "9",
                    ),
                    criterion("E3", "直播间合规", "Compliance", Measurement, "5"),
                ],
            ),
        ],
    }
}

/// Seeds the demo contest unless it exists; returns the logins it made (or `None` if the demo
/// was there already).
pub fn seed(db: &Db) -> Result<Option<DemoLogins>, ApiError> {
    let password_hash = hash_password(DEMO_PASSWORD).map_err(ApiError::internal)?;
    db.write_blocking(|conn| {
        if contests::find_by_slug(conn, DEMO_SLUG)?.is_some() {
            return Ok(None);
        }
        seed_in(conn, &password_hash).map(Some)
    })
}

fn organization(conn: &mut DbConnection, name: &str, kind: &str) -> Result<String, ApiError> {
    if let Some(org) = accounts::find_organization_by_name(conn, name)? {
        return Ok(org.id);
    }
    let org = Organization {
        id: uuid::Uuid::new_v4().to_string(),
        name: name.into(),
        kind: kind.into(),
        created_at: crate::store::now(),
    };
    accounts::insert_organization(conn, &org)?;
    Ok(org.id)
}

fn seed_in(conn: &mut DbConnection, password_hash: &str) -> Result<DemoLogins, ApiError> {
    let mut rng = StdRng::seed_from_u64(2026);
    let now = crate::store::now();
    let school_group = organization(
        conn,
        "浙江省职业教育集团 Zhejiang Vocational Education Group",
        "school",
    )?;
    let enterprise = organization(
        conn,
        "杭州云商科技有限公司 Hangzhou Cloud Commerce Co.",
        "enterprise",
    )?;
    let mut organizers = Vec::new();
    for (username, name, org) in [
        ("demo.school", "陈老师 (school group)", &school_group),
        ("demo.enterprise", "Ms. Zhou (enterprise)", &enterprise),
    ] {
        if accounts::find_user_by_username(conn, username)?.is_none() {
            accounts::insert_user(
                conn,
                &User {
                    id: uuid::Uuid::new_v4().to_string(),
                    organization_id: Some(org.clone()),
                    username: username.into(),
                    display_name: name.into(),
                    password_hash: password_hash.into(),
                    is_admin: false,
                    disabled: false,
                    created_at: now,
                },
            )?;
        }
        organizers.push(username.to_owned());
    }

    let start = now - chrono::Duration::hours(2);
    let contest = Contest {
        id: uuid::Uuid::new_v4().to_string(),
        slug: DEMO_SLUG.into(),
        title_zh: "全国职业院校技能大赛 电子商务赛项（演示）".into(),
        title_en: "National Vocational Skills Contest: E-commerce (demo)".into(),
        venue: "杭州国际博览中心 Hangzhou International Expo Center".into(),
        starts_at: start,
        ends_at: start + chrono::Duration::hours(8),
        state: ContestState::Draft.as_str().into(),
        visibility: Visibility::Codes.as_str().into(),
        freeze_at: None,
        tie_break: serde_json::to_string(&["E", "A"]).map_err(ApiError::internal)?,
        award_tiers: "[1000,2000,3000]".into(),
        team_size_min: 3,
        team_size_max: 3,
        scheme_reopened: false,
        created_at: now,
        updated_at: now,
        appeal_window_minutes: 120,
        self_registration: false,
        board_version: 0,
        reveal_mode: "none".into(),
        revealed_positions: 0,
    };
    contests::insert(conn, &contest)?;
    contests::set_hosts(
        conn,
        &contest.id,
        &school_group,
        std::slice::from_ref(&enterprise),
    )?;
    let document = scheme();
    validate(&document)?;
    schemes::replace(conn, &contest.id, &rows(&contest.id, &document)?)?;
    let modules = schemes::load(conn, &contest.id)?;
    let actor = "system:demo";
    audit::append(
        conn,
        audit::Entry::new(
            &contest.id,
            actor,
            "demo.seed",
            &format!("contest:{DEMO_SLUG}"),
        ),
    )?;

    // 30 teams of 3 from 8 schools, checked in and drawn.
    let slots = crate::domain::draw(&mut rand::rngs::OsRng, 30, &HashSet::new())
        .map_err(ApiError::internal)?;
    let mut team_ids = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        let (school, region) = SCHOOLS[i % SCHOOLS.len()];
        let team = Team {
            id: uuid::Uuid::new_v4().to_string(),
            contest_id: contest.id.clone(),
            name: format!(
                "{}{}队",
                TEAM_WORDS[i % TEAM_WORDS.len()],
                i / TEAM_WORDS.len() + 1
            ),
            school: school.into(),
            region: region.into(),
            coach: Some(format!("{}老师", SURNAMES[(i * 7) % SURNAMES.len()])),
            status: teams::status::REGISTERED.into(),
            checked_in_at: Some(now),
            station: i32::try_from(slot.station).ok(),
            code: Some(slot.code.as_str().to_owned()),
            created_at: now,
            updated_at: now,
        };
        teams::insert(conn, &team)?;
        for position in 0..3 {
            teams::insert_contestant(
                conn,
                &Contestant {
                    id: uuid::Uuid::new_v4().to_string(),
                    team_id: team.id.clone(),
                    contest_id: contest.id.clone(),
                    name: format!(
                        "{}{}",
                        SURNAMES[rng.gen_range(0..SURNAMES.len())],
                        GIVEN[rng.gen_range(0..GIVEN.len())]
                    ),
                    school: school.into(),
                    region: region.into(),
                    phone: None,
                    id_number: None,
                    role: (position == 0).then(|| "队长".to_owned()),
                    position,
                },
            )?;
        }
        team_ids.push(team.id);
    }

    // 12 judges: four on A, four on C, three on E, and the chief judge.
    let panels: [(&str, usize); 3] = [("A", 4), ("C", 4), ("E", 3)];
    let mut judges = Vec::new();
    let mut demo_judges = Vec::new();
    let mut number = 0;
    for (code, count) in panels {
        let module = modules
            .iter()
            .find(|m| m.module.code == code)
            .ok_or_else(|| ApiError::internal("demo module"))?;
        let mut panel = Vec::new();
        for _ in 0..count {
            number += 1;
            let token = new_secret("sbj_");
            let judge = Judge {
                id: uuid::Uuid::new_v4().to_string(),
                contest_id: contest.id.clone(),
                name: format!("评委{number:02} Judge {number}"),
                organization: if number % 2 == 0 {
                    "Hangzhou Cloud Commerce"
                } else {
                    "Zhejiang Vocational Education Group"
                }
                .into(),
                is_chief: false,
                token_hash: Some(secret_hash(&token)),
                pin_hash: None,
                revoked_at: None,
                created_at: now,
            };
            judging::insert_judge(conn, &judge)?;
            panel.push(judge.id.clone());
            demo_judges.push((
                judge.name.clone(),
                code.to_owned(),
                format!("/judge#t={token}"),
            ));
            judges.push((judge, module.clone()));
        }
        judging::set_panel(conn, &module.module.id, &panel)?;
    }
    let chief_token = new_secret("sbj_");
    judging::insert_judge(
        conn,
        &Judge {
            id: uuid::Uuid::new_v4().to_string(),
            contest_id: contest.id.clone(),
            name: "裁判长 Chief judge".into(),
            organization: "Zhejiang Vocational Education Group".into(),
            is_chief: true,
            token_hash: Some(secret_hash(&chief_token)),
            pin_hash: None,
            revoked_at: None,
            created_at: now,
        },
    )?;
    demo_judges.push((
        "裁判长 Chief judge".into(),
        "review".into(),
        format!("/judge#t={chief_token}"),
    ));

    contest_running(conn, &contest)?;

    // Marks so far: most of module A and C, a third of E, and every imported mark of B.
    for (judge, module) in &judges {
        let share = match module.module.code.as_str() {
            "E" => 10,
            _ => 24,
        };
        for team_id in team_ids.iter().take(share) {
            let skill: i64 = rng.gen_range(0..=3);
            let mut marks = StoredMarks::new();
            for c in &module.criteria {
                let max = Mark::from_hundredths(c.max_mark);
                let (input, level, value) = match c.kind.as_str() {
                    "judgement" => {
                        let level =
                            u8::try_from((skill + rng.gen_range(0..=1)).min(3)).unwrap_or(2);
                        (MarkInput::Level(level), Some(level), None)
                    }
                    "measurement" => {
                        let halves = c.max_mark / 50;
                        let value =
                            Mark::from_hundredths((halves - rng.gen_range(0..=3)).max(0) * 50);
                        (MarkInput::Value(value), None, Some(value.hundredths()))
                    }
                    _ => continue,
                };
                let rule = crate::domain::Criterion {
                    code: c.code.clone(),
                    max,
                    kind: crate::api::schemes::kind_of(c)?,
                };
                let points = rule.points(input).map_err(ApiError::internal)?;
                marks.insert(
                    c.code.clone(),
                    StoredMark {
                        level,
                        value,
                        points: points.hundredths(),
                    },
                );
            }
            let sheet = ScoreSheet {
                id: uuid::Uuid::new_v4().to_string(),
                client_id: uuid::Uuid::new_v4().to_string(),
                contest_id: contest.id.clone(),
                module_id: module.module.id.clone(),
                team_id: team_id.clone(),
                judge_id: judge.id.clone(),
                status: sheet_status::SUBMITTED.into(),
                version: 1,
                marks: serde_json::to_string(&marks).map_err(ApiError::internal)?,
                comment: None,
                created_at: now,
                updated_at: now,
                submitted_at: Some(now),
            };
            judging::insert_sheet(conn, &sheet)?;
        }
    }
    let marketing = modules
        .iter()
        .find(|m| m.module.code == "B")
        .ok_or_else(|| ApiError::internal("demo module B"))?;
    for team_id in &team_ids {
        for c in &marketing.criteria {
            judging::put_imported_mark(
                conn,
                &ImportedMarkRow {
                    team_id: team_id.clone(),
                    criterion_id: c.id.clone(),
                    points: rng.gen_range(c.max_mark / 2..=c.max_mark) / 50 * 50,
                    source: "demo".into(),
                    updated_at: now,
                },
            )?;
        }
    }
    audit::append(
        conn,
        audit::Entry::new(
            &contest.id,
            actor,
            "demo.marks",
            &format!("contest:{DEMO_SLUG}"),
        ),
    )?;
    Ok(DemoLogins {
        organizers,
        password: DEMO_PASSWORD.into(),
        judges: demo_judges,
    })
}

fn contest_running(conn: &mut DbConnection, contest: &Contest) -> Result<(), ApiError> {
    let mut running = contest.clone();
    running.state = ContestState::Running.as_str().into();
    contests::update(conn, &running)?;
    Ok(())
}

/// Prints what a newcomer needs to try the demo.
pub fn print_logins(base_url: &str, logins: &DemoLogins) {
    println!("Demo contest {DEMO_SLUG} is ready.");
    println!(
        "  Organizers (password {}): {}",
        logins.password,
        logins.organizers.join(", ")
    );
    println!("  Board:     {base_url}board/{DEMO_SLUG}");
    println!("  Judge links (each opens one judge's tablet app):");
    for (name, module, link) in &logins.judges {
        println!(
            "    {name:<24} {module:<7} {}{}",
            base_url.trim_end_matches('/'),
            link
        );
    }
}
