//! The organizers' and chief judge's progress board: per module, what each panel judge has
//! submitted and which teams they still owe, the discrepancy flags still open, and which modules
//! are locked. Read from the store whenever the contest changes and someone watches it.

use serde::Serialize;

use crate::error::ApiError;
use crate::store::judging::sheet_status;
use crate::store::review::{build_review, ModuleReview};
use crate::store::{contests, schemes, teams, DbConnection};

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
    let teams = teams::ranked(conn, contest_id)?.len();
    let mut modules = Vec::new();
    for stored in schemes::load(conn, contest_id)? {
        let review = build_review(conn, &contest, &stored)?;
        modules.push(module_progress(
            stored.module.code.clone(),
            stored.module.title_zh.clone(),
            stored.module.title_en.clone(),
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
    review: &ModuleReview,
) -> ModuleProgress {
    let judges: Vec<JudgeProgress> = review
        .panel
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
