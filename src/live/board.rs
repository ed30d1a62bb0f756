//! One contest's board in memory: the domain `Scoreboard` fed incrementally from the store,
//! and the views built from it (public, organizers' live, per module).
//!
//! The public views are built from row types that have no name field when names are hidden
//! (`CodedRow`), so a team's name cannot leak into a `codes` board by mistake.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::api::schemes::{document, domain_module};
use crate::domain::awards::AwardTiers;
use crate::domain::contest::Visibility;
use crate::domain::ranking::{rank, Standing, TeamResult};
use crate::domain::scoring::ModuleScore;
use crate::domain::{BoardModule, Mark, Scoreboard, SubmittedSheet};
use crate::error::ApiError;
use crate::store::boards::{self, reveal_mode};
use crate::store::contests::Contest;
use crate::store::judging::{self, sheet_status, ScoreSheet};
use crate::store::schemes::{self, StoredModule};
use crate::store::teams::{self, Team};
use crate::store::DbConnection;

/// Sheets are re-read from this long before the newest change seen, so a sheet whose
/// transaction committed late (or on a node whose clock is a little behind) is not missed.
const OVERLAP_SECONDS: i64 = 10;

/// What the contest row says about its board.
#[derive(Debug, Clone)]
pub struct Meta {
    pub id: String,
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub state: String,
    pub visibility: Visibility,
    pub freeze_at: Option<NaiveDateTime>,
    pub tie_break: Vec<usize>,
    pub tiers: AwardTiers,
    pub reveal: RevealMode,
    pub revealed_positions: usize,
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevealMode {
    None,
    Steps,
    All,
}

impl RevealMode {
    pub fn parse(text: &str) -> RevealMode {
        match text {
            reveal_mode::STEPS => RevealMode::Steps,
            reveal_mode::ALL => RevealMode::All,
            _ => RevealMode::None,
        }
    }
}

#[derive(Debug, Clone)]
struct ModuleInfo {
    id: String,
    code: String,
    title_zh: String,
    title_en: String,
    locked: bool,
}

#[derive(Debug, Clone)]
struct TeamInfo {
    code: String,
    station: Option<i32>,
    name: String,
    school: String,
}

/// What a sheet looked like when it was last put on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SeenSheet {
    updated_at: NaiveDateTime,
    version: i32,
    status: String,
    submitted_at: Option<NaiveDateTime>,
}

/// A contest's live board, kept current by [`LoadedBoard::refresh`].
pub struct LoadedBoard {
    pub meta: Meta,
    modules: Vec<ModuleInfo>,
    module_slots: HashMap<String, usize>,
    teams: HashMap<Uuid, TeamInfo>,
    /// Modules with panels and the team list: when these change the board is rebuilt.
    shape: (Vec<BoardModule>, Vec<Uuid>),
    live: Scoreboard,
    /// Only what was submitted by the freeze time (DESIGN §4, issue 7): the public board.
    frozen: Scoreboard,
    seen: HashMap<String, SeenSheet>,
    imported: HashMap<(Uuid, usize, usize), (i64, NaiveDateTime)>,
    watermark: Option<NaiveDateTime>,
    /// Sheets applied by the last refresh (0 when nothing changed); for logs and tests.
    pub last_applied: usize,
}

struct Structure {
    meta: Meta,
    modules: Vec<ModuleInfo>,
    teams: HashMap<Uuid, TeamInfo>,
    shape: (Vec<BoardModule>, Vec<Uuid>),
}

fn meta_of(contest: &Contest, stored: &[StoredModule]) -> Result<Meta, ApiError> {
    let visibility = Visibility::parse(&contest.visibility).ok_or_else(|| {
        ApiError::internal(format!("unknown visibility {:?}", contest.visibility))
    })?;
    let codes: Vec<String> =
        serde_json::from_str(&contest.tie_break).map_err(ApiError::internal)?;
    let tie_break = codes
        .iter()
        .filter_map(|code| stored.iter().position(|m| &m.module.code == code))
        .collect();
    let shares: Vec<u32> =
        serde_json::from_str(&contest.award_tiers).map_err(ApiError::internal)?;
    let shares = shares
        .into_iter()
        .map(|s| u16::try_from(s).map_err(ApiError::internal))
        .collect::<Result<Vec<_>, _>>()?;
    let tiers = AwardTiers::new(shares).map_err(ApiError::internal)?;
    Ok(Meta {
        id: contest.id.clone(),
        slug: contest.slug.clone(),
        title_zh: contest.title_zh.clone(),
        title_en: contest.title_en.clone(),
        state: contest.state.clone(),
        visibility,
        freeze_at: contest.freeze_at,
        tie_break,
        tiers,
        reveal: RevealMode::parse(&contest.reveal_mode),
        revealed_positions: usize::try_from(contest.revealed_positions).unwrap_or(0),
        version: contest.board_version,
    })
}

fn load_structure(conn: &mut DbConnection, contest: &Contest) -> Result<Structure, ApiError> {
    let stored = schemes::load(conn, &contest.id)?;
    let meta = meta_of(contest, &stored)?;
    let panels = judging::panels_of_contest(conn, &contest.id)?;
    let modules: Vec<ModuleInfo> = stored
        .iter()
        .map(|m| ModuleInfo {
            id: m.module.id.clone(),
            code: m.module.code.clone(),
            title_zh: m.module.title_zh.clone(),
            title_en: m.module.title_en.clone(),
            locked: m.module.state == "locked",
        })
        .collect();
    let scheme = document(stored)?;
    let board_modules: Vec<BoardModule> = scheme
        .modules
        .iter()
        .zip(&modules)
        .map(|(doc, info)| {
            let mut panel: Vec<Uuid> = panels
                .iter()
                .filter(|(module, _)| *module == info.id)
                .filter_map(|(_, judge)| Uuid::parse_str(judge).ok())
                .collect();
            panel.sort();
            BoardModule {
                module: domain_module(doc),
                panel,
            }
        })
        .collect();
    let ranked: Vec<Team> = teams::ranked(conn, &contest.id)?;
    let mut team_ids = Vec::with_capacity(ranked.len());
    let mut team_infos = HashMap::with_capacity(ranked.len());
    for team in ranked {
        let Ok(id) = Uuid::parse_str(&team.id) else {
            tracing::warn!(team = %team.id, "a team id is not a UUID; left off the board");
            continue;
        };
        team_ids.push(id);
        team_infos.insert(
            id,
            TeamInfo {
                code: team.code.unwrap_or_default(),
                station: team.station,
                name: team.name,
                school: team.school,
            },
        );
    }
    Ok(Structure {
        meta,
        modules,
        teams: team_infos,
        shape: (board_modules, team_ids),
    })
}

impl LoadedBoard {
    /// Builds the board of `contest` from the store: scheme, panels, ranked teams, every sheet
    /// and imported mark.
    pub fn load(conn: &mut DbConnection, contest: &Contest) -> Result<LoadedBoard, ApiError> {
        let structure = load_structure(conn, contest)?;
        let mut board = LoadedBoard::empty(structure)?;
        board.apply_changes(conn, true)?;
        Ok(board)
    }

    fn empty(structure: Structure) -> Result<LoadedBoard, ApiError> {
        let (board_modules, team_ids) = &structure.shape;
        let live = Scoreboard::new(board_modules.clone(), team_ids.iter().copied())
            .map_err(ApiError::internal)?;
        Ok(LoadedBoard {
            module_slots: structure
                .modules
                .iter()
                .enumerate()
                .map(|(i, m)| (m.id.clone(), i))
                .collect(),
            meta: structure.meta,
            modules: structure.modules,
            teams: structure.teams,
            frozen: live.clone(),
            live,
            shape: structure.shape,
            seen: HashMap::new(),
            imported: HashMap::new(),
            watermark: None,
            last_applied: 0,
        })
    }

    /// Brings the board up to date with the store. The scheme, panels and team list are
    /// re-read (a few small queries); if they changed the board is rebuilt, otherwise only the
    /// sheets changed since the last refresh are applied (DESIGN §6: one sheet's update is
    /// incremental).
    pub fn refresh(&mut self, conn: &mut DbConnection, contest: &Contest) -> Result<(), ApiError> {
        let structure = load_structure(conn, contest)?;
        if structure.shape != self.shape || structure.meta.freeze_at != self.meta.freeze_at {
            *self = LoadedBoard::load(conn, contest)?;
            return Ok(());
        }
        self.meta = structure.meta;
        self.modules = structure.modules;
        self.teams = structure.teams;
        self.apply_changes(conn, false)
    }

    fn apply_changes(&mut self, conn: &mut DbConnection, everything: bool) -> Result<(), ApiError> {
        let since = match (everything, self.watermark) {
            (false, Some(mark)) => mark - chrono::Duration::seconds(OVERLAP_SECONDS),
            // Not NaiveDateTime::MIN: PostgreSQL's timestamps start at 4713 BC.
            _ => DateTime::UNIX_EPOCH.naive_utc(),
        };
        let rows = boards::sheets_changed_since(conn, &self.meta.id, since)?;
        self.last_applied = 0;
        let mut changes = Vec::new();
        for row in &rows {
            self.watermark = Some(
                self.watermark
                    .map_or(row.updated_at, |w| w.max(row.updated_at)),
            );
            if let Some(change) = self.sheet_change(row) {
                changes.push((row, change));
            }
        }
        // One batch per board: a board loaded from every sheet scores each team × module once.
        let (mut live, mut frozen) = (self.live.bulk(), self.frozen.bulk());
        for (row, (sheet, on_live, on_frozen)) in &changes {
            for (board, counts) in [(&mut live, *on_live), (&mut frozen, *on_frozen)] {
                let outcome = if counts {
                    board.apply_sheet(sheet)
                } else {
                    board.remove_sheet(sheet.team, sheet.module, sheet.judge)
                };
                if let Err(error) = outcome {
                    tracing::warn!(sheet = %row.id, code = error.code(), %error, "sheet left off the board");
                }
            }
        }
        drop((live, frozen));
        self.apply_imported(boards::imported_marks(conn, &self.meta.id)?);
        Ok(())
    }

    /// What a stored sheet not seen in this state before changes: the sheet, and whether it
    /// counts on the live board and on the frozen one (submitted, and before the freeze); a
    /// sheet that does not count there comes off it. `None` for a sheet already applied, or one
    /// the board cannot place.
    fn sheet_change(&mut self, row: &ScoreSheet) -> Option<(SubmittedSheet, bool, bool)> {
        let seen = SeenSheet {
            updated_at: row.updated_at,
            version: row.version,
            status: row.status.clone(),
            submitted_at: row.submitted_at,
        };
        if self.seen.get(&row.id) == Some(&seen) {
            return None;
        }
        self.last_applied += 1;
        self.seen.insert(row.id.clone(), seen);
        let sheet = self.domain_sheet(row)?;
        let submitted = row.status == sheet_status::SUBMITTED;
        let before_freeze = match (self.meta.freeze_at, row.submitted_at) {
            (Some(freeze), Some(at)) => at <= freeze,
            (None, _) => true,
            (Some(_), None) => false,
        };
        Some((sheet, submitted, submitted && before_freeze))
    }

    /// The domain's view of a stored sheet, or `None` for one the board cannot place (a team
    /// not ranked, a module or criterion no longer in the scheme).
    fn domain_sheet(&self, row: &ScoreSheet) -> Option<SubmittedSheet> {
        let team = Uuid::parse_str(&row.team_id).ok()?;
        let judge = Uuid::parse_str(&row.judge_id).ok()?;
        let module = *self.module_slots.get(&row.module_id)?;
        if !self.teams.contains_key(&team) {
            return None;
        }
        let scheme = &self.shape.0.get(module)?.module;
        let marks = match row.parsed_marks() {
            Ok(marks) => marks,
            Err(error) => {
                tracing::warn!(sheet = %row.id, %error, "unreadable marks; sheet left off the board");
                return None;
            }
        };
        let marks = marks
            .iter()
            .filter_map(|(code, mark)| {
                let index = scheme.criterion_index(code)?;
                scheme.criteria[index]
                    .is_judged()
                    .then(|| (index, Mark::from_hundredths(mark.points)))
            })
            .collect();
        Some(SubmittedSheet {
            team,
            module,
            judge,
            marks,
        })
    }

    fn apply_imported(&mut self, rows: Vec<boards::ImportedRow>) {
        let mut now_present = HashMap::with_capacity(rows.len());
        for (team_id, module_id, criterion_code, points, updated_at) in rows {
            let (Ok(team), Some(&module)) =
                (Uuid::parse_str(&team_id), self.module_slots.get(&module_id))
            else {
                continue;
            };
            let Some(criterion) = self.shape.0[module].module.criterion_index(&criterion_code)
            else {
                continue;
            };
            if self.teams.contains_key(&team) {
                now_present.insert((team, module, criterion), (points, updated_at));
            }
        }
        let gone: Vec<_> = self
            .imported
            .keys()
            .filter(|key| !now_present.contains_key(key))
            .copied()
            .collect();
        for (team, module, criterion) in gone {
            let _ = self.live.clear_imported_mark(team, module, criterion);
            let _ = self.frozen.clear_imported_mark(team, module, criterion);
        }
        for (&(team, module, criterion), &(points, updated_at)) in &now_present {
            if self.imported.get(&(team, module, criterion)) == Some(&(points, updated_at)) {
                continue;
            }
            let mark = Mark::from_hundredths(points);
            if let Err(error) = self.live.set_imported_mark(team, module, criterion, mark) {
                tracing::warn!(code = error.code(), %error, "imported mark left off the board");
            }
            if self
                .meta
                .freeze_at
                .is_none_or(|freeze| updated_at <= freeze)
            {
                let _ = self.frozen.set_imported_mark(team, module, criterion, mark);
            }
        }
        self.imported = now_present;
    }

    /// The marks per criterion of one team × module on the organizers' (live) board, as they
    /// count towards its score; `None` for a team or module not on the board.
    pub fn live_criterion_marks(&self, team: Uuid, module: usize) -> Option<Vec<Option<Mark>>> {
        self.live.criterion_marks(team, module)
    }

    /// Module `module` of the scheme as the board scores it (criteria in order).
    pub fn scheme_module(&self, module: usize) -> Option<&crate::domain::Module> {
        self.shape.0.get(module).map(|m| &m.module)
    }

    pub fn module_index(&self, code: &str) -> Option<usize> {
        self.modules.iter().position(|m| m.code == code)
    }

    /// Whether the public board is frozen at `now`: past the freeze time and not revealed.
    pub fn frozen_at(&self, now: NaiveDateTime) -> bool {
        self.meta.reveal == RevealMode::None && self.meta.freeze_at.is_some_and(|f| now >= f)
    }

    pub fn team_count(&self) -> usize {
        self.shape.1.len()
    }

    fn header(&self, now: NaiveDateTime, module: Option<usize>) -> Header {
        Header {
            contest: ContestHeader {
                slug: self.meta.slug.clone(),
                title_zh: self.meta.title_zh.clone(),
                title_en: self.meta.title_en.clone(),
                state: self.meta.state.clone(),
            },
            visibility: self.meta.visibility,
            frozen: self.frozen_at(now),
            freeze_at: self.meta.freeze_at.map(|at| at.and_utc()),
            reveal: self.reveal_view(),
            modules: self
                .modules
                .iter()
                .map(|m| ModuleHeader {
                    code: m.code.clone(),
                    title_zh: m.title_zh.clone(),
                    title_en: m.title_en.clone(),
                    locked: m.locked,
                })
                .collect(),
            module: module
                .and_then(|m| self.modules.get(m))
                .map(|m| m.code.clone()),
        }
    }

    pub fn reveal_view(&self) -> RevealView {
        let of = self.team_count();
        RevealView {
            mode: self.meta.reveal,
            revealed: match self.meta.reveal {
                RevealMode::None => 0,
                RevealMode::Steps => self.meta.revealed_positions.min(of),
                RevealMode::All => of,
            },
            of,
        }
    }

    /// The public board at `now`, or `None` when the contest's board is private. `module`
    /// ranks teams by one module's score instead of the total.
    pub fn public_board(&self, now: NaiveDateTime, module: Option<usize>) -> Option<PublicBoard> {
        if self.meta.visibility == Visibility::Private {
            return None;
        }
        let source = if self.frozen_at(now) {
            &self.frozen
        } else {
            &self.live
        };
        let standings = self.standings(source, module);
        let n = standings.len();
        let reveal = self.reveal_view();
        let rows = standings
            .into_iter()
            .enumerate()
            .map(|(position, standing)| {
                let shown = match reveal.mode {
                    RevealMode::Steps => position >= n - reveal.revealed,
                    _ => true,
                };
                let named =
                    self.meta.visibility == Visibility::Names || reveal.mode != RevealMode::None;
                if !shown {
                    PublicRow::Hidden(HiddenRow {
                        position: position + 1,
                        hidden: true,
                    })
                } else if named {
                    PublicRow::Named(self.named_row(standing))
                } else {
                    PublicRow::Coded(self.coded_row(standing))
                }
            })
            .collect();
        Some(PublicBoard {
            header: self.header(now, module),
            names_shown: self.meta.visibility == Visibility::Names
                || reveal.mode == RevealMode::All,
            rows,
        })
    }

    /// The organizers' board: always complete and current, names and provisional marks shown.
    pub fn live_board(&self, now: NaiveDateTime, module: Option<usize>) -> LiveBoard {
        let rows = self
            .standings(&self.live, module)
            .into_iter()
            .map(|standing| {
                let info = self.teams.get(&standing.team);
                LiveRow {
                    rank: standing.rank,
                    award: standing.award.map(|a| a.number()),
                    team_id: standing.team,
                    code: info.map(|t| t.code.clone()).unwrap_or_default(),
                    station: info.and_then(|t| t.station),
                    name: info.map(|t| t.name.clone()).unwrap_or_default(),
                    school: info.map(|t| t.school.clone()).unwrap_or_default(),
                    total: standing.total,
                    modules: standing.modules,
                    provisional: standing.provisional,
                }
            })
            .collect();
        LiveBoard {
            version: self.meta.version,
            header: self.header(now, module),
            rows,
        }
    }

    /// Standings of the whole contest, or of one module (teams ranked by that module's score,
    /// no awards).
    fn standings(&self, board: &Scoreboard, module: Option<usize>) -> Vec<Standing> {
        let standings = board.standings(&self.meta.tie_break, &self.meta.tiers);
        let Some(module) = module else {
            return standings;
        };
        let results = standings
            .into_iter()
            .map(|s| {
                let score = s.modules.get(module).copied().unwrap_or_default();
                TeamResult {
                    team: s.team,
                    total: score.score,
                    modules: vec![score],
                    provisional: score.provisional,
                }
            })
            .collect();
        rank(results, &[])
    }

    fn coded_row(&self, standing: Standing) -> CodedRow {
        let info = self.teams.get(&standing.team);
        CodedRow {
            rank: standing.rank,
            award: standing.award.map(|a| a.number()),
            code: info.map(|t| t.code.clone()).unwrap_or_default(),
            station: info.and_then(|t| t.station),
            total: standing.total,
            modules: standing.modules,
            provisional: standing.provisional,
        }
    }

    fn named_row(&self, standing: Standing) -> NamedRow {
        let info = self.teams.get(&standing.team);
        NamedRow {
            rank: standing.rank,
            award: standing.award.map(|a| a.number()),
            code: info.map(|t| t.code.clone()).unwrap_or_default(),
            station: info.and_then(|t| t.station),
            name: info.map(|t| t.name.clone()).unwrap_or_default(),
            school: info.map(|t| t.school.clone()).unwrap_or_default(),
            total: standing.total,
            modules: standing.modules,
            provisional: standing.provisional,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ContestHeader {
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleHeader {
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub locked: bool,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct RevealView {
    pub mode: RevealMode,
    /// Positions shown, counted from the bottom of the board.
    pub revealed: usize,
    /// Ranked teams.
    pub of: usize,
}

/// What every board starts with.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub contest: ContestHeader,
    pub visibility: Visibility,
    /// The public board shows the standings at the freeze time.
    pub frozen: bool,
    pub freeze_at: Option<DateTime<Utc>>,
    pub reveal: RevealView,
    pub modules: Vec<ModuleHeader>,
    /// Set on a per-module board: rows are ranked by this module's score, `total` is that
    /// score.
    pub module: Option<String>,
}

/// The board spectators see.
#[derive(Debug, Clone, Serialize)]
pub struct PublicBoard {
    #[serde(flatten)]
    pub header: Header,
    pub names_shown: bool,
    pub rows: Vec<PublicRow>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum PublicRow {
    Coded(CodedRow),
    Named(NamedRow),
    Hidden(HiddenRow),
}

/// A public row while names are hidden: there is no field a name could go in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodedRow {
    pub rank: usize,
    pub award: Option<u8>,
    pub code: String,
    pub station: Option<i32>,
    pub total: Mark,
    pub modules: Vec<ModuleScore>,
    pub provisional: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedRow {
    pub rank: usize,
    pub award: Option<u8>,
    pub code: String,
    pub station: Option<i32>,
    pub name: String,
    pub school: String,
    pub total: Mark,
    pub modules: Vec<ModuleScore>,
    pub provisional: bool,
}

/// A position not yet revealed during a step-by-step reveal.
#[derive(Debug, Clone, Serialize)]
pub struct HiddenRow {
    /// 1 for the top of the board.
    pub position: usize,
    pub hidden: bool,
}

/// The organizers' board.
#[derive(Debug, Clone, Serialize)]
pub struct LiveBoard {
    pub version: i64,
    #[serde(flatten)]
    pub header: Header,
    pub rows: Vec<LiveRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveRow {
    pub rank: usize,
    pub award: Option<u8>,
    pub team_id: Uuid,
    pub code: String,
    pub station: Option<i32>,
    pub name: String,
    pub school: String,
    pub total: Mark,
    pub modules: Vec<ModuleScore>,
    pub provisional: bool,
}
