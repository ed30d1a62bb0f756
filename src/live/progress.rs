//! The organizers' and chief judge's progress board: per module, what each panel judge has
//! submitted and which teams they still owe, the discrepancy flags still open, and which modules
//! are locked. Read from the store whenever the contest changes and someone watches it.

use serde::Serialize;

use crate::error::ApiError;
use crate::store::contests;
use crate::store::judging::{self, sheet_status, Judge};
use crate::store::review::{build_review, ModuleReview};
use crate::store::schemes;
use crate::store::DbConnection;

#[derive(Debug, Clone, Serialize)]
pub struct ProgressBoard {
    pub version: i64,
    /// Ranked teams: what each panel judge must mark in each module.
    pub teams: usize,
    pub modules: Vec<ModuleProgress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleProgress {
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub locked: bool,
    /// Sheets submitted by the whole panel, out of `expected`.
    pub submitted: usize,
    pub expected: usize,
    /// Discrepancy flags the chief judge has not resolved yet.
    pub open_flags: usize,
    /// The open flags, team by team (codes only: the progress board never names a team).
    pub flags: Vec<OpenFlag>,
    pub judges: Vec<JudgeProgress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenFlag {
    pub team: String,
    pub criterion: String,
    pub spread: u8,
    pub threshold: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct JudgeProgress {
    pub judge_id: String,
    pub name: String,
    pub chief: bool,
    pub submitted: usize,
    pub drafts: usize,
    /// Codes of the teams this judge has not submitted a sheet for yet (drafts included).
    pub outstanding: Vec<String>,
}

pub fn load(
    conn: &mut DbConnection,
    contest_id: &str,
    version: i64,
) -> Result<ProgressBoard, ApiError> {
    let contest = contests::find_by_id(conn, contest_id)?
        .ok_or_else(|| ApiError::internal("progress of a contest that is gone"))?;
    let judges = judging::judges_of_contest(conn, contest_id)?;
    let mut modules = Vec::new();
    let mut teams = 0;
    for stored in schemes::load(conn, contest_id)? {
        let review = build_review(conn, &contest, &stored)?;
        teams = review.teams.len();
        let panel_ids = judging::panel_of_module(conn, &stored.module.id)?;
        let panel: Vec<&Judge> = judges
            .iter()
            .filter(|j| panel_ids.contains(&j.id))
            .collect();
        modules.push(module_progress(
            stored.module.code.clone(),
            stored.module.title_zh.clone(),
            stored.module.title_en.clone(),
            &panel,
            &review,
        ));
    }
    Ok(ProgressBoard {
        version,
        teams,
        modules,
    })
}

fn module_progress(
    code: String,
    title_zh: String,
    title_en: String,
    panel: &[&Judge],
    review: &ModuleReview,
) -> ModuleProgress {
    let judges: Vec<JudgeProgress> = panel
        .iter()
        .map(|judge| {
            let mut progress = JudgeProgress {
                judge_id: judge.id.clone(),
                name: judge.name.clone(),
                chief: judge.is_chief,
                submitted: 0,
                drafts: 0,
                outstanding: Vec::new(),
            };
            for team in &review.teams {
                let Some(sheet) = team.sheets.iter().find(|s| s.judge_id == judge.id) else {
                    continue;
                };
                match sheet.status.as_str() {
                    sheet_status::SUBMITTED => progress.submitted += 1,
                    status => {
                        if status == sheet_status::DRAFT {
                            progress.drafts += 1;
                        }
                        progress.outstanding.push(team.team.clone());
                    }
                }
            }
            progress
        })
        .collect();
    let flags: Vec<OpenFlag> = review
        .teams
        .iter()
        .flat_map(|team| {
            team.flags
                .iter()
                .filter(|flag| !flag.resolved)
                .map(|flag| OpenFlag {
                    team: team.team.clone(),
                    criterion: flag.criterion.clone(),
                    spread: flag.spread,
                    threshold: flag.threshold,
                })
        })
        .collect();
    ModuleProgress {
        code,
        title_zh,
        title_en,
        locked: review.state == "locked",
        submitted: judges.iter().map(|j| j.submitted).sum(),
        expected: judges.len() * review.teams.len(),
        open_flags: flags.len(),
        flags,
        judges,
    }
}
