//! The organizers' progress board: sheets submitted per judge and module, and which modules
//! are locked. Read from the store whenever the contest changes and someone watches it.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::ApiError;
use crate::store::boards;
use crate::store::judging::{self, sheet_status};
use crate::store::schemes;
use crate::store::teams;
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
    pub judges: Vec<JudgeProgress>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JudgeProgress {
    pub judge_id: String,
    pub name: String,
    pub chief: bool,
    pub submitted: usize,
    pub drafts: usize,
}

pub fn load(
    conn: &mut DbConnection,
    contest_id: &str,
    version: i64,
) -> Result<ProgressBoard, ApiError> {
    let modules = schemes::load(conn, contest_id)?;
    let panels = judging::panels_of_contest(conn, contest_id)?;
    let judges = boards::judges_of_contest(conn, contest_id)?;
    let team_count = teams::ranked(conn, contest_id)?.len();
    let mut counts: HashMap<(String, String), (usize, usize)> = HashMap::new();
    for (judge, module, status) in boards::sheet_statuses(conn, contest_id)? {
        let entry = counts.entry((judge, module)).or_default();
        if status == sheet_status::SUBMITTED {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    let modules = modules
        .into_iter()
        .map(|stored| {
            let module = stored.module;
            let judges: Vec<JudgeProgress> = judges
                .iter()
                .filter(|j| panels.iter().any(|(m, p)| *m == module.id && *p == j.id))
                .map(|j| {
                    let (submitted, drafts) = counts
                        .get(&(j.id.clone(), module.id.clone()))
                        .copied()
                        .unwrap_or_default();
                    JudgeProgress {
                        judge_id: j.id.clone(),
                        name: j.name.clone(),
                        chief: j.is_chief,
                        submitted,
                        drafts,
                    }
                })
                .collect();
            ModuleProgress {
                submitted: judges.iter().map(|j| j.submitted).sum(),
                expected: judges.len() * team_count,
                code: module.code,
                title_zh: module.title_zh,
                title_en: module.title_en,
                locked: module.state == "locked",
                judges,
            }
        })
        .collect();
    Ok(ProgressBoard {
        version,
        teams: team_count,
        modules,
    })
}
