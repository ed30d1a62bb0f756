//! Results exports (issue 8, docs/exports.md): one [`Export`] read from the store and ranked
//! by the very code of the organizers' live board (`LoadedBoard`), so every file agrees with
//! the board; written out as JSON, CSV with a BOM, XLSX, or print pages; and the contest's
//! event feed. The HTTP handlers (`api::results`) and `skillboard export` share all of it.
//!
//! | file | job |
//! | --- | --- |
//! | `document.rs` | [`ResultsDocument`]: the JSON shape, award labels |
//! | `tables.rs` | the CSV and the XLSX workbook |
//! | `print.rs` | the printable results page and the award certificates (HTML) |
//! | `feed.rs` | the event feed: tokens and events |
//! | `redact.rs` | names out of audit data until they may be shown |

mod document;
pub mod feed;
pub mod print;
mod redact;
mod tables;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;

pub use document::{
    award_label, two_decimals, AwardGroup, ResultModuleScore, ResultRow, ResultsContest,
    ResultsCriterion, ResultsDocument, ResultsModule,
};
pub use redact::{redact_reason, redact_value, REDACTED};
pub use tables::{results_csv, results_xlsx};

use crate::domain::contest::{ContestState, Visibility};
use crate::domain::Mark;
use crate::error::ApiError;
use crate::live::board::{LoadedBoard, RevealMode};
use crate::store::contests::{self, Contest};
use crate::store::judging::{self, sheet_status};
use crate::store::{audit, schemes, teams, DbConnection};

/// The files an export can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Xlsx,
    Json,
    Print,
    Certificates,
}

/// Whether names may appear in exports without an organizer asking for them: once the public
/// sees them, i.e. the contest's board shows names (`visibility = names`), the board has been
/// revealed in full, or the results are published.
pub fn names_public(contest: &Contest) -> bool {
    contest.visibility == Visibility::Names.as_str()
        || RevealMode::parse(&contest.reveal_mode) == RevealMode::All
        || contest.state == ContestState::Published.as_str()
}

/// Everything the exports are written from.
#[derive(Debug, Clone)]
pub struct Export {
    pub document: ResultsDocument,
    /// Per module: every submitted sheet, judge by judge.
    pub judge_marks: Vec<ModuleMarks>,
    pub audit: Vec<AuditLine>,
    /// Co-hosts, lead first: one signature line each on the results page.
    pub hosts: Vec<Host>,
    /// Names of the contest's chief judges (not revoked).
    pub chief_judges: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub is_lead: bool,
}

/// The submitted sheets of one module.
#[derive(Debug, Clone)]
pub struct ModuleMarks {
    pub code: String,
    pub title_zh: String,
    /// Codes of the criteria judges mark (imported ones are not on sheets).
    pub criteria: Vec<String>,
    /// Sorted by team code, then judge number.
    pub sheets: Vec<SheetLine>,
}

/// One judge's submitted sheet for one team (teams by code, as the judge saw them).
#[derive(Debug, Clone)]
pub struct SheetLine {
    /// 1-based, in the order of the contest's judge list (chief judges first, then by name).
    pub judge_number: usize,
    pub judge: String,
    pub team_code: String,
    pub station: Option<i32>,
    pub version: i32,
    pub submitted_at: Option<NaiveDateTime>,
    /// Points per criterion of [`ModuleMarks::criteria`], `None` where not marked.
    pub marks: Vec<Option<Mark>>,
    /// The sheet's own sum: marks added, deductions subtracted (no aggregation, no weight).
    pub sum: Mark,
}

/// One audit event as exported: data as JSON text, hidden fields redacted.
#[derive(Debug, Clone)]
pub struct AuditLine {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub reason: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub hash: String,
}

/// What the audit log records when an organizer asks for names before the reveal.
#[derive(Serialize)]
struct NamesAsked {
    format: Format,
}

/// Builds the export of `contest` at `now`. `asked_by` is the actor of an organizer who asked
/// for names (`?names=true`, `--names`): names are then shown and the request is audited, so
/// call this inside a write transaction in that case. Without it, names appear only when
/// [`names_public`] allows.
pub fn prepare(
    conn: &mut DbConnection,
    contest: &Contest,
    asked_by: Option<&str>,
    format: Format,
    now: DateTime<Utc>,
) -> Result<Export, ApiError> {
    if let Some(actor) = asked_by {
        audit::append(
            conn,
            audit::Entry::new(
                &contest.id,
                actor,
                "results.names_shown",
                &format!("contest:{}", contest.slug),
            )
            .after(&NamesAsked { format }),
        )?;
    }
    load(
        conn,
        contest,
        asked_by.is_some() || names_public(contest),
        now,
    )
}

/// Reads and ranks everything the exports need, with names or without.
pub fn load(
    conn: &mut DbConnection,
    contest: &Contest,
    names_shown: bool,
    now: DateTime<Utc>,
) -> Result<Export, ApiError> {
    let board = LoadedBoard::load(conn, contest)?;
    let live = board.live_board(now.naive_utc(), None);
    let stored = schemes::load(conn, &contest.id)?;

    let modules: Vec<ResultsModule> = live
        .header
        .modules
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let scheme = board.scheme_module(index);
            let texts = stored.iter().find(|m| m.module.code == header.code);
            let criteria = scheme
                .map(|m| m.criteria.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|criterion| {
                    let row =
                        texts.and_then(|m| m.criteria.iter().find(|c| c.code == criterion.code));
                    ResultsCriterion {
                        code: criterion.code.clone(),
                        text_zh: row.map(|c| c.text_zh.clone()).unwrap_or_default(),
                        text_en: row.map(|c| c.text_en.clone()).unwrap_or_default(),
                        kind: row.map(|c| c.kind.clone()).unwrap_or_default(),
                        max: criterion.max,
                    }
                })
                .collect();
            ResultsModule {
                code: header.code.clone(),
                title_zh: header.title_zh.clone(),
                title_en: header.title_en.clone(),
                locked: header.locked,
                max: scheme
                    .map(|m| m.weight.unwrap_or_else(|| m.max_points()))
                    .unwrap_or(Mark::ZERO),
                criteria,
            }
        })
        .collect();

    let rows: Vec<ResultRow> = live
        .rows
        .iter()
        .map(|row| ResultRow {
            rank: row.rank,
            award: row.award,
            code: row.code.clone(),
            station: row.station,
            name: names_shown.then(|| row.name.clone()),
            school: names_shown.then(|| row.school.clone()),
            total: row.total,
            provisional: row.provisional,
            modules: modules
                .iter()
                .enumerate()
                .map(|(index, module)| {
                    let score = row.modules.get(index).copied().unwrap_or_default();
                    ResultModuleScore {
                        code: module.code.clone(),
                        score: score.score,
                        provisional: score.provisional,
                        criteria: board
                            .live_criterion_marks(row.team_id, index)
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();

    let chain = audit::chain(conn, &contest.id)?;
    let document = ResultsDocument {
        contest: ResultsContest {
            slug: contest.slug.clone(),
            title_zh: contest.title_zh.clone(),
            title_en: contest.title_en.clone(),
            venue: contest.venue.clone(),
            state: contest.state.clone(),
            visibility: contest.visibility.clone(),
            starts_at: contest.starts_at.and_utc(),
            ends_at: contest.ends_at.and_utc(),
        },
        generated_at: now,
        board_version: live.version,
        names_shown,
        provisional: rows.iter().any(|r| r.provisional),
        awards: award_groups(&rows),
        modules,
        rows,
        audit_head: chain.last().map(|e| e.hash.clone()),
    };

    let judges = judging::judges_of_contest(conn, &contest.id)?;
    let chief_judges = judges
        .iter()
        .filter(|j| j.is_chief && j.revoked_at.is_none())
        .map(|j| j.name.clone())
        .collect();
    let judge_marks = module_marks(conn, contest, &stored, &judges)?;
    let audit = chain
        .iter()
        .map(|event| audit_line(event, names_shown))
        .collect::<Result<_, ApiError>>()?;
    let hosts = contests::hosts(conn, &contest.id)?
        .into_iter()
        .map(|h| Host {
            name: h.name,
            is_lead: h.is_lead,
        })
        .collect();
    Ok(Export {
        document,
        judge_marks,
        audit,
        hosts,
        chief_judges,
    })
}

fn award_groups(rows: &[ResultRow]) -> Vec<AwardGroup> {
    let mut groups: Vec<AwardGroup> = Vec::new();
    for row in rows {
        let Some(tier) = row.award else { continue };
        match groups.iter_mut().find(|g| g.tier == tier) {
            Some(group) => group.teams.push(row.code.clone()),
            None => {
                let (label_zh, label_en) = award_label(tier);
                groups.push(AwardGroup {
                    tier,
                    label_zh,
                    label_en,
                    teams: vec![row.code.clone()],
                });
            }
        }
    }
    groups.sort_by_key(|g| g.tier);
    groups
}

fn module_marks(
    conn: &mut DbConnection,
    contest: &Contest,
    stored: &[schemes::StoredModule],
    judges: &[judging::Judge],
) -> Result<Vec<ModuleMarks>, ApiError> {
    let judge_of: HashMap<&str, (usize, &str)> = judges
        .iter()
        .enumerate()
        .map(|(i, j)| (j.id.as_str(), (i + 1, j.name.as_str())))
        .collect();
    let team_of: HashMap<String, (String, Option<i32>)> = teams::list(conn, &contest.id)?
        .into_iter()
        .map(|t| (t.id, (t.code.unwrap_or_default(), t.station)))
        .collect();
    let mut sheets_of: HashMap<String, Vec<judging::ScoreSheet>> = HashMap::new();
    for sheet in judging::submitted_sheets(conn, &contest.id)? {
        debug_assert_eq!(sheet.status, sheet_status::SUBMITTED);
        sheets_of
            .entry(sheet.module_id.clone())
            .or_default()
            .push(sheet);
    }
    let mut out = Vec::with_capacity(stored.len());
    for module in stored {
        let judged: Vec<&schemes::CriterionRow> = module
            .criteria
            .iter()
            .filter(|c| c.kind != "imported")
            .collect();
        let mut lines = Vec::new();
        for sheet in sheets_of.remove(&module.module.id).unwrap_or_default() {
            let marks = sheet.parsed_marks().map_err(ApiError::internal)?;
            let (judge_number, judge) = judge_of
                .get(sheet.judge_id.as_str())
                .copied()
                .unwrap_or((0, ""));
            let (team_code, station) = team_of.get(&sheet.team_id).cloned().unwrap_or_default();
            let points: Vec<Option<Mark>> = judged
                .iter()
                .map(|c| marks.get(&c.code).map(|m| Mark::from_hundredths(m.points)))
                .collect();
            let sum = judged
                .iter()
                .zip(&points)
                .map(|(c, p)| {
                    let hundredths = p.map_or(0, Mark::hundredths);
                    if c.kind == "deduction" {
                        -hundredths
                    } else {
                        hundredths
                    }
                })
                .fold(0i64, i64::saturating_add);
            lines.push(SheetLine {
                judge_number,
                judge: judge.to_owned(),
                team_code,
                station,
                version: sheet.version,
                submitted_at: sheet.submitted_at,
                marks: points,
                sum: Mark::from_hundredths(sum),
            });
        }
        lines.sort_by(|a, b| {
            (a.team_code.as_str(), a.judge_number).cmp(&(b.team_code.as_str(), b.judge_number))
        });
        out.push(ModuleMarks {
            code: module.module.code.clone(),
            title_zh: module.module.title_zh.clone(),
            criteria: judged.iter().map(|c| c.code.clone()).collect(),
            sheets: lines,
        });
    }
    Ok(out)
}

fn audit_line(event: &audit::AuditEvent, names_shown: bool) -> Result<AuditLine, ApiError> {
    let record = event.record()?;
    let text = |value: Option<serde_json::Value>| {
        value.map(|mut value| {
            redact_value(&record.action, &mut value, names_shown);
            value.to_string()
        })
    };
    Ok(AuditLine {
        seq: record.seq,
        at: record.at,
        before: text(record.before.clone()),
        after: text(record.after.clone()),
        reason: redact_reason(&record.action, record.reason.clone(), names_shown),
        actor: record.actor,
        action: record.action,
        subject: record.subject,
        hash: event.hash.clone(),
    })
}
