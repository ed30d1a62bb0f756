//! The results as tables: one CSV (the ranking with module scores) and the XLSX workbook
//! (ranking, modules, criteria, every judge's sheets per module, the audit log). Headers are
//! Chinese and English; every text cell goes through the formula-injection guard in
//! `sheets` (`csv_with_bom`, `XlsxBook`).

use std::collections::HashSet;

use super::{award_label, two_decimals, Export, ResultRow};
use crate::sheets::{csv_with_bom, Cell, ExportError, XlsxBook};

const RANK: &str = "名次 Rank";
const AWARD: &str = "奖项 Award";
const CODE: &str = "编码 Code";
const STATION: &str = "工位 Station";
const TEAM: &str = "队名 Team";
const SCHOOL: &str = "学校 School";
const TOTAL: &str = "总分 Total";
const STATUS: &str = "状态 Status";

/// Sheet names, at most 31 characters as Excel requires.
pub const SHEET_RANKING: &str = "总成绩 Ranking";
pub const SHEET_MODULES: &str = "模块成绩 Modules";
pub const SHEET_CRITERIA: &str = "评分细则 Criteria";
pub const SHEET_AUDIT: &str = "审计日志 Audit";
/// Followed by the module code: one sheet of judges' marks per module.
pub const SHEET_MARKS_PREFIX: &str = "评委评分 ";

fn award_text(award: Option<u8>) -> String {
    award
        .map(|tier| {
            let (zh, en) = award_label(tier);
            format!("{zh} {en}")
        })
        .unwrap_or_default()
}

fn status_text(provisional: bool) -> &'static str {
    if provisional {
        "暂定 provisional"
    } else {
        "最终 final"
    }
}

fn module_header(code: &str, title_zh: &str) -> String {
    if title_zh.is_empty() {
        code.to_owned()
    } else {
        format!("{code} {title_zh}")
    }
}

/// The ranking as CSV in UTF-8 with a BOM: rank, award, code, station, (name, school), total,
/// one column per module, status. Marks with two decimals.
pub fn results_csv(export: &Export) -> Vec<u8> {
    let document = &export.document;
    let named = document.names_shown;
    let module_headers: Vec<String> = document
        .modules
        .iter()
        .map(|m| module_header(&m.code, &m.title_zh))
        .collect();
    let mut headers: Vec<&str> = vec![RANK, AWARD, CODE, STATION];
    if named {
        headers.extend([TEAM, SCHOOL]);
    }
    headers.push(TOTAL);
    headers.extend(module_headers.iter().map(String::as_str));
    headers.push(STATUS);
    let rows = document.rows.iter().map(|row| {
        let mut cells = vec![
            row.rank.to_string(),
            award_text(row.award),
            row.code.clone(),
            row.station.map(|s| s.to_string()).unwrap_or_default(),
        ];
        if named {
            cells.push(row.name.clone().unwrap_or_default());
            cells.push(row.school.clone().unwrap_or_default());
        }
        cells.push(two_decimals(row.total));
        cells.extend(row.modules.iter().map(|m| two_decimals(m.score)));
        cells.push(status_text(row.provisional).to_owned());
        cells
    });
    csv_with_bom(&headers, rows)
}

/// The identifying cells of a row: code, station and, when shown, name (and school).
fn identity(row: &ResultRow, named: bool, with_school: bool) -> Vec<Cell> {
    let mut cells = vec![
        Cell::from(row.code.as_str()),
        Cell::from(row.station.map(i64::from)),
    ];
    if named {
        cells.push(Cell::from(row.name.clone().unwrap_or_default()));
        if with_school {
            cells.push(Cell::from(row.school.clone().unwrap_or_default()));
        }
    }
    cells
}

fn rank_cell(row: &ResultRow) -> Cell {
    Cell::Integer(i64::try_from(row.rank).unwrap_or(i64::MAX))
}

/// The workbook: ranking with awards, module breakdown, criterion breakdown, one sheet of
/// judges' marks per module, and the audit log; each sheet printable on A4 landscape.
pub fn results_xlsx(export: &Export) -> Result<Vec<u8>, ExportError> {
    let document = &export.document;
    let named = document.names_shown;
    let mut book = XlsxBook::new();

    // Ranking with awards.
    let mut headers = vec![RANK, AWARD, CODE, STATION];
    if named {
        headers.extend([TEAM, SCHOOL]);
    }
    headers.extend([TOTAL, STATUS]);
    let rows = document.rows.iter().map(|row| {
        let mut cells = vec![rank_cell(row), Cell::Text(award_text(row.award))];
        cells.extend(identity(row, named, true));
        cells.push(Cell::Hundredths(row.total.hundredths()));
        cells.push(Cell::from(status_text(row.provisional)));
        cells
    });
    book.add_printable_sheet(SHEET_RANKING, &headers, rows)?;

    // Module breakdown.
    let module_headers: Vec<String> = document
        .modules
        .iter()
        .map(|m| module_header(&m.code, &m.title_zh))
        .collect();
    let mut headers = vec![RANK, CODE, STATION];
    if named {
        headers.push(TEAM);
    }
    headers.extend(module_headers.iter().map(String::as_str));
    headers.extend([TOTAL, "暂定模块 Provisional modules"]);
    let rows = document.rows.iter().map(|row| {
        let mut cells = vec![rank_cell(row)];
        cells.extend(identity(row, named, false));
        cells.extend(
            row.modules
                .iter()
                .map(|m| Cell::Hundredths(m.score.hundredths())),
        );
        cells.push(Cell::Hundredths(row.total.hundredths()));
        let open: Vec<&str> = row
            .modules
            .iter()
            .filter(|m| m.provisional)
            .map(|m| m.code.as_str())
            .collect();
        cells.push(Cell::Text(open.join(", ")));
        cells
    });
    book.add_printable_sheet(SHEET_MODULES, &headers, rows)?;

    // Criterion breakdown: one column per criterion, module by module.
    let criterion_headers: Vec<String> = document
        .modules
        .iter()
        .flat_map(|m| {
            m.criteria
                .iter()
                .map(move |c| format!("{}/{}", m.code, c.code))
        })
        .collect();
    let mut headers = vec![RANK, CODE, STATION];
    if named {
        headers.push(TEAM);
    }
    headers.extend(criterion_headers.iter().map(String::as_str));
    let rows = document.rows.iter().map(|row| {
        let mut cells = vec![rank_cell(row)];
        cells.extend(identity(row, named, false));
        for (module, score) in document.modules.iter().zip(&row.modules) {
            for index in 0..module.criteria.len() {
                let mark = score.criteria.get(index).copied().flatten();
                cells.push(mark.map_or(Cell::Empty, |m| Cell::Hundredths(m.hundredths())));
            }
        }
        cells
    });
    book.add_printable_sheet(SHEET_CRITERIA, &headers, rows)?;

    // Every judge's submitted sheets, one sheet per module.
    let mut taken: HashSet<String> = [SHEET_RANKING, SHEET_MODULES, SHEET_CRITERIA, SHEET_AUDIT]
        .into_iter()
        .map(str::to_owned)
        .collect();
    for module in &export.judge_marks {
        let name = marks_sheet_name(&module.code, &mut taken);
        let mut headers: Vec<&str> = vec!["评委号 No.", "评委 Judge", CODE, STATION];
        headers.extend(module.criteria.iter().map(String::as_str));
        headers.extend(["小计 Sheet sum", "版本 Version", "提交时间 Submitted (UTC)"]);
        let rows = module.sheets.iter().map(|sheet| {
            let mut cells = vec![
                Cell::Integer(i64::try_from(sheet.judge_number).unwrap_or(0)),
                Cell::from(sheet.judge.as_str()),
                Cell::from(sheet.team_code.as_str()),
                Cell::from(sheet.station.map(i64::from)),
            ];
            cells.extend(
                sheet
                    .marks
                    .iter()
                    .map(|m| m.map_or(Cell::Empty, |m| Cell::Hundredths(m.hundredths()))),
            );
            cells.push(Cell::Hundredths(sheet.sum.hundredths()));
            cells.push(Cell::Integer(i64::from(sheet.version)));
            cells.push(Cell::from(
                sheet
                    .submitted_at
                    .map(|at| at.format("%Y-%m-%d %H:%M:%S").to_string()),
            ));
            cells
        });
        book.add_printable_sheet(&name, &headers, rows)?;
    }

    // The audit log, as exported by the feed: hidden fields redacted.
    let headers = [
        "序号 Seq",
        "时间 Time (UTC)",
        "操作人 Actor",
        "操作 Action",
        "对象 Subject",
        "原因 Reason",
        "之前 Before",
        "之后 After",
        "哈希 Hash",
    ];
    let rows = export.audit.iter().map(|line| {
        vec![
            Cell::Integer(line.seq),
            Cell::Text(line.at.format("%Y-%m-%d %H:%M:%S").to_string()),
            Cell::from(line.actor.as_str()),
            Cell::from(line.action.as_str()),
            Cell::from(line.subject.as_str()),
            Cell::from(line.reason.clone()),
            Cell::from(line.before.clone()),
            Cell::from(line.after.clone()),
            Cell::from(line.hash.as_str()),
        ]
    });
    book.add_printable_sheet(SHEET_AUDIT, &headers, rows)?;
    book.into_bytes()
}

/// `评委评分 A`: the module's code made safe for a sheet name (no `[]:*?/\'`, 31 characters at
/// most) and different from every name already `taken`.
pub fn marks_sheet_name(code: &str, taken: &mut HashSet<String>) -> String {
    let safe: String = code
        .chars()
        .map(|c| if "[]:*?/\\'".contains(c) { '_' } else { c })
        .collect();
    let base: String = format!("{SHEET_MARKS_PREFIX}{safe}")
        .chars()
        .take(28)
        .collect();
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}~{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_codes_become_safe_distinct_sheet_names() {
        let mut taken = HashSet::new();
        assert_eq!(marks_sheet_name("A", &mut taken), "评委评分 A");
        assert_eq!(marks_sheet_name("A/B", &mut taken), "评委评分 A_B");
        assert_eq!(marks_sheet_name("A?B", &mut taken), "评委评分 A_B~2");
        let long = marks_sheet_name(&"X".repeat(40), &mut taken);
        assert!(long.chars().count() <= 31, "{long}");
    }
}
