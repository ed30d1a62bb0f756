//! A module's review, read from the store: each team's sheet per panel judge (missing, draft or
//! submitted) and the judgement criteria whose levels disagree beyond the module's threshold,
//! with whether the chief judge has resolved them. The review endpoints and the live progress
//! board both show it.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::find_discrepancies;
use crate::error::ApiError;
use crate::store::contests::Contest;
use crate::store::judging::{self, sheet_status, Judge, ScoreSheet};
use crate::store::schemes::StoredModule;
use crate::store::{teams, DbConnection};

#[derive(Serialize, ToSchema)]
pub struct SheetState {
    pub judge_id: String,
    pub judge_name: String,
    /// `missing`, `draft` or `submitted`.
    pub status: String,
    pub version: Option<i32>,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct JudgeLevel {
    pub judge_id: String,
    pub judge_name: String,
    pub level: u8,
}

#[derive(Serialize, ToSchema)]
pub struct Flag {
    pub criterion: String,
    /// Largest gap in levels between two judges.
    pub spread: u8,
    pub threshold: u8,
    /// Every panel judge's level for this criterion.
    pub levels: Vec<JudgeLevel>,
    pub resolved: bool,
}

#[derive(Serialize, ToSchema)]
pub struct TeamReview {
    pub team: String,
    pub station: Option<i32>,
    pub sheets: Vec<SheetState>,
    pub flags: Vec<Flag>,
}

#[derive(Serialize, ToSchema)]
pub struct ModuleReview {
    pub module: String,
    /// `open` or `locked`.
    pub state: String,
    pub missing: usize,
    pub drafts: usize,
    pub open_flags: usize,
    pub teams: Vec<TeamReview>,
    /// The module's panel, as the review read it (for the progress board; not sent).
    #[serde(skip)]
    pub panel: Vec<Judge>,
}

/// The levels a resolution was recorded on, in a stable form.
pub fn levels_key(levels: &[JudgeLevel]) -> String {
    let mut pairs: Vec<(String, u8)> = levels
        .iter()
        .map(|l| (l.judge_id.clone(), l.level))
        .collect();
    pairs.sort();
    serde_json::to_string(&pairs).unwrap_or_default()
}

pub fn build_review(
    conn: &mut DbConnection,
    contest: &Contest,
    module: &StoredModule,
) -> Result<ModuleReview, ApiError> {
    let panel_ids = judging::panel_of_module(conn, &module.module.id)?;
    let judges: Vec<Judge> = judging::judges_of_contest(conn, &contest.id)?
        .into_iter()
        .filter(|j| panel_ids.contains(&j.id))
        .collect();
    let sheets = judging::sheets_of_module(conn, &module.module.id)?;
    let resolutions = judging::resolutions_of_module(conn, &module.module.id)?;
    let threshold = u8::try_from(module.module.discrepancy_threshold).unwrap_or(1);
    let judgement_codes: Vec<&str> = module
        .criteria
        .iter()
        .filter(|c| c.kind == "judgement")
        .map(|c| c.code.as_str())
        .collect();
    let mut review = ModuleReview {
        module: module.module.code.clone(),
        state: module.module.state.clone(),
        missing: 0,
        drafts: 0,
        open_flags: 0,
        teams: Vec::new(),
        panel: Vec::new(),
    };
    for team in teams::ranked(conn, &contest.id)? {
        let mine: Vec<&ScoreSheet> = sheets.iter().filter(|s| s.team_id == team.id).collect();
        let sheet_states: Vec<SheetState> = judges
            .iter()
            .map(|judge| {
                let sheet = mine.iter().find(|s| s.judge_id == judge.id);
                SheetState {
                    judge_id: judge.id.clone(),
                    judge_name: judge.name.clone(),
                    status: sheet
                        .map(|s| s.status.clone())
                        .unwrap_or_else(|| "missing".into()),
                    version: sheet.map(|s| s.version),
                }
            })
            .collect();
        review.missing += sheet_states
            .iter()
            .filter(|s| s.status == "missing")
            .count();
        review.drafts += sheet_states
            .iter()
            .filter(|s| s.status == sheet_status::DRAFT)
            .count();
        let mut flags = Vec::new();
        for code in &judgement_codes {
            let levels: Vec<JudgeLevel> = mine
                .iter()
                .filter(|s| s.status == sheet_status::SUBMITTED)
                .filter_map(|s| {
                    let marks = s.parsed_marks().ok()?;
                    let level = marks.get(*code)?.level?;
                    let judge = judges.iter().find(|j| j.id == s.judge_id)?;
                    Some(JudgeLevel {
                        judge_id: judge.id.clone(),
                        judge_name: judge.name.clone(),
                        level,
                    })
                })
                .collect();
            let keyed: Vec<(usize, u8)> = levels
                .iter()
                .enumerate()
                .map(|(i, l)| (i, l.level))
                .collect();
            let found = find_discrepancies(&keyed, threshold);
            if found.flagged {
                let key = levels_key(&levels);
                let resolved = resolutions
                    .iter()
                    .any(|r| r.team_id == team.id && r.criterion_code == *code && r.levels == key);
                if !resolved {
                    review.open_flags += 1;
                }
                flags.push(Flag {
                    criterion: (*code).to_owned(),
                    spread: found.spread,
                    threshold,
                    levels,
                    resolved,
                });
            }
        }
        review.teams.push(TeamReview {
            team: team.code.clone().unwrap_or_default(),
            station: team.station,
            sheets: sheet_states,
            flags,
        });
    }
    review.panel = judges;
    Ok(review)
}
