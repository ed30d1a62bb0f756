//! The marking scheme in the XLSX layout organizers already use: one row per criterion
//! (module, titles, criterion code, texts, kind, max mark, step, level descriptors).
//! Module-level settings (weight, aggregation, discrepancy threshold) are not in that layout;
//! an import keeps those of the module with the same code, or the defaults.

use crate::domain::marks::Mark;
use crate::error::{ApiError, FieldError};
use crate::sheets::{self, SchemeRow};

use super::schemes::{CriterionDocument, KindName, ModuleDocument, SchemeDocument};

pub fn to_xlsx(document: &SchemeDocument) -> Result<Vec<u8>, ApiError> {
    let rows: Vec<SchemeRow> = document
        .modules
        .iter()
        .flat_map(|module| {
            module.criteria.iter().map(move |criterion| SchemeRow {
                module_code: module.code.clone(),
                module_title_zh: module.title_zh.clone(),
                module_title_en: module.title_en.clone(),
                criterion_code: criterion.code.clone(),
                text_zh: criterion.text_zh.clone(),
                text_en: criterion.text_en.clone(),
                kind: criterion.kind.as_str().to_owned(),
                max_hundredths: criterion.max_mark.hundredths(),
                step_hundredths: criterion.step.map(Mark::hundredths),
                descriptors: criterion
                    .descriptors
                    .clone()
                    .and_then(|levels| <[String; 4]>::try_from(levels).ok())
                    .unwrap_or_default(),
                line: 0,
            })
        })
        .collect();
    sheets::write_scheme_xlsx(&rows).map_err(ApiError::internal)
}

/// Reads an uploaded sheet; every bad row is reported with its line, nothing is half-read.
pub fn from_xlsx(bytes: &[u8]) -> Result<SchemeDocument, ApiError> {
    let table = sheets::read_table(bytes).map_err(|error| {
        ApiError::unprocessable("import.unreadable_file", error.to_string()).with_errors(vec![
            FieldError::new("file", error.code(), error.to_string()),
        ])
    })?;
    let rows = sheets::parse_scheme_table(&table).map_err(ApiError::validation)?;
    let mut modules: Vec<ModuleDocument> = Vec::new();
    for row in rows {
        let kind = KindName::parse(&row.kind).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "kind",
                "unknown_kind",
                format!("unknown kind {:?}", row.kind),
            )
            .at_line(row.line)])
        })?;
        let criterion = CriterionDocument {
            code: row.criterion_code,
            text_zh: row.text_zh,
            text_en: row.text_en,
            kind,
            max_mark: Mark::from_hundredths(row.max_hundredths),
            step: row.step_hundredths.map(Mark::from_hundredths),
            descriptors: (kind == KindName::Judgement
                && row.descriptors.iter().any(|d| !d.is_empty()))
            .then(|| row.descriptors.to_vec()),
        };
        match modules.iter_mut().find(|m| m.code == row.module_code) {
            Some(module) => module.criteria.push(criterion),
            None => modules.push(ModuleDocument {
                code: row.module_code,
                title_zh: row.module_title_zh,
                title_en: row.module_title_en,
                weight: None,
                aggregation: Default::default(),
                discrepancy_threshold: crate::domain::scheme::DEFAULT_DISCREPANCY_THRESHOLD,
                criteria: vec![criterion],
            }),
        }
    }
    Ok(SchemeDocument { modules })
}

/// Gives imported modules the settings the sheet cannot carry, from the stored module of the
/// same code.
pub fn inherit_module_settings(imported: &mut SchemeDocument, current: &SchemeDocument) {
    for module in &mut imported.modules {
        if let Some(existing) = current.modules.iter().find(|m| m.code == module.code) {
            module.weight = existing.weight;
            module.aggregation = existing.aggregation;
            module.discrepancy_threshold = existing.discrepancy_threshold;
        }
    }
}
