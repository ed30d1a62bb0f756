//! The results document: what `results.json` returns and what the CSV, XLSX and print pages
//! are written from. Marks are JSON numbers with at most two decimals (hundredths, DESIGN §2).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::Mark;

/// A contest's results, taken from the organizers' live board at `generated_at`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultsDocument {
    pub contest: ResultsContest,
    pub generated_at: DateTime<Utc>,
    /// The live board's version these results were taken at.
    pub board_version: i64,
    /// Whether rows carry `name` and `school` (docs/exports.md, "Names").
    pub names_shown: bool,
    /// Some score may still change: a panel judge has not submitted, or an imported mark is
    /// missing. Final results have `false` here.
    pub provisional: bool,
    /// In scheme order; each row's `modules` follow this order.
    pub modules: Vec<ResultsModule>,
    /// One group per award tier that has teams, best first.
    pub awards: Vec<AwardGroup>,
    /// In ranking order.
    pub rows: Vec<ResultRow>,
    /// Hash of the newest event of the contest's audit chain when these results were taken:
    /// keep it to detect later changes to the log.
    pub audit_head: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultsContest {
    pub slug: String,
    pub title_zh: String,
    pub title_en: String,
    pub venue: String,
    /// `draft`, `registration`, `running`, `locked` or `published`.
    pub state: String,
    /// `private`, `codes` or `names`.
    pub visibility: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultsModule {
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    /// Signed off by the chief judge.
    pub locked: bool,
    /// What the module score is out of: its weight if it has one, else the sum of its
    /// criteria's maxima (deductions aside).
    #[schema(value_type = f64)]
    pub max: Mark,
    pub criteria: Vec<ResultsCriterion>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultsCriterion {
    pub code: String,
    pub text_zh: String,
    pub text_en: String,
    /// `measurement`, `judgement`, `imported` or `deduction` (subtracted).
    pub kind: String,
    #[schema(value_type = f64)]
    pub max: Mark,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AwardGroup {
    /// 1 for first prize.
    pub tier: u8,
    pub label_zh: String,
    pub label_en: String,
    /// Team codes, in ranking order.
    pub teams: Vec<String>,
}

/// One team's line of the ranking.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultRow {
    /// Standard competition rank (1, 2, 2, 4).
    pub rank: usize,
    /// Award tier, 1 for first prize; absent without an award.
    pub award: Option<u8>,
    /// The anonymous code judges marked.
    pub code: String,
    pub station: Option<i32>,
    /// Only when `names_shown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only when `names_shown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
    #[schema(value_type = f64)]
    pub total: Mark,
    pub provisional: bool,
    /// In the order of the document's `modules`.
    pub modules: Vec<ResultModuleScore>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultModuleScore {
    pub code: String,
    /// Weighted module score, as on the board.
    #[schema(value_type = f64)]
    pub score: Mark,
    pub provisional: bool,
    /// Per criterion, in the module's order: the mark that counts (aggregated over the panel,
    /// or imported); `null` where nothing is there yet. Deductions are shown as positive
    /// numbers that were subtracted.
    #[schema(value_type = Vec<Option<f64>>)]
    pub criteria: Vec<Option<Mark>>,
}

/// The Chinese and English names of award tier `tier` (1 = first prize).
pub fn award_label(tier: u8) -> (String, String) {
    const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    const ORDINALS: [&str; 5] = ["First", "Second", "Third", "Fourth", "Fifth"];
    let zh = match NUMERALS.get(usize::from(tier).wrapping_sub(1)) {
        Some(numeral) => format!("{numeral}等奖"),
        None => format!("{tier}等奖"),
    };
    let en = match ORDINALS.get(usize::from(tier).wrapping_sub(1)) {
        Some(ordinal) => format!("{ordinal} prize"),
        None => format!("Prize {tier}"),
    };
    (zh, en)
}

/// A mark with exactly two decimals (`85.50`), as printed results show it.
pub fn two_decimals(mark: Mark) -> String {
    let hundredths = mark.hundredths();
    let sign = if hundredths < 0 { "-" } else { "" };
    let magnitude = hundredths.unsigned_abs();
    format!("{sign}{}.{:02}", magnitude / 100, magnitude % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn award_tiers_have_chinese_and_english_names() {
        assert_eq!(award_label(1), ("一等奖".into(), "First prize".into()));
        assert_eq!(award_label(3), ("三等奖".into(), "Third prize".into()));
        assert_eq!(award_label(7), ("七等奖".into(), "Prize 7".into()));
        assert_eq!(award_label(12), ("12等奖".into(), "Prize 12".into()));
    }

    #[test]
    fn marks_print_with_two_decimals() {
        assert_eq!(two_decimals(Mark::from_hundredths(8550)), "85.50");
        assert_eq!(two_decimals(Mark::from_hundredths(7)), "0.07");
        assert_eq!(two_decimals(Mark::from_hundredths(-250)), "-2.50");
        assert_eq!(two_decimals(Mark::ZERO), "0.00");
    }
}
