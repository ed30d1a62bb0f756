//! A contest's marking scheme: modules and their criteria, marks in hundredths.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{criteria, modules};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = modules)]
#[diesel(treat_none_as_null = true)]
pub struct ModuleRow {
    pub id: String,
    pub contest_id: String,
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub position: i32,
    pub weight: Option<i64>,
    pub aggregation: String,
    pub discrepancy_threshold: i32,
    pub state: String,
    pub ends_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = criteria)]
#[diesel(treat_none_as_null = true)]
pub struct CriterionRow {
    pub id: String,
    pub module_id: String,
    pub code: String,
    pub text_zh: String,
    pub text_en: String,
    pub kind: String,
    pub max_mark: i64,
    pub step: Option<i64>,
    pub descriptors: Option<String>,
    pub position: i32,
}

/// A module with its criteria in order.
#[derive(Debug, Clone)]
pub struct StoredModule {
    pub module: ModuleRow,
    pub criteria: Vec<CriterionRow>,
}

pub fn module_codes(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<String>> {
    modules::table
        .filter(modules::contest_id.eq(contest_id))
        .order(modules::position)
        .select(modules::code)
        .load(conn)
}

/// The whole scheme of a contest, modules and criteria in order.
pub fn load(conn: &mut DbConnection, contest_id: &str) -> QueryResult<Vec<StoredModule>> {
    let module_rows: Vec<ModuleRow> = modules::table
        .filter(modules::contest_id.eq(contest_id))
        .order(modules::position)
        .select(ModuleRow::as_select())
        .load(conn)?;
    let ids: Vec<&str> = module_rows.iter().map(|m| m.id.as_str()).collect();
    let mut criterion_rows: Vec<CriterionRow> = criteria::table
        .filter(criteria::module_id.eq_any(ids))
        .order((criteria::module_id, criteria::position))
        .select(CriterionRow::as_select())
        .load(conn)?;
    Ok(module_rows
        .into_iter()
        .map(|module| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut criterion_rows)
                .into_iter()
                .partition(|c| c.module_id == module.id);
            criterion_rows = rest;
            StoredModule {
                module,
                criteria: mine,
            }
        })
        .collect())
}

/// Replaces the scheme, keeping the ids of modules and criteria whose codes stay, so marks
/// already given to a kept criterion still point at it. A removed criterion that has marks is
/// refused by the foreign key.
pub fn replace(
    conn: &mut DbConnection,
    contest_id: &str,
    scheme: &[StoredModule],
) -> QueryResult<()> {
    let existing = load(conn, contest_id)?;
    for old in &existing {
        match scheme.iter().find(|m| m.module.code == old.module.code) {
            None => {
                diesel::delete(modules::table.find(&old.module.id)).execute(conn)?;
            }
            Some(new) => {
                for old_criterion in &old.criteria {
                    if !new.criteria.iter().any(|c| c.code == old_criterion.code) {
                        diesel::delete(criteria::table.find(&old_criterion.id)).execute(conn)?;
                    }
                }
            }
        }
    }
    for new in scheme {
        let old = existing.iter().find(|m| m.module.code == new.module.code);
        let module_id = match old {
            Some(old) => {
                let row = ModuleRow {
                    id: old.module.id.clone(),
                    state: old.module.state.clone(),
                    ends_at: old.module.ends_at,
                    ..new.module.clone()
                };
                diesel::update(modules::table.find(&row.id))
                    .set(&row)
                    .execute(conn)?;
                row.id
            }
            None => {
                diesel::insert_into(modules::table)
                    .values(&new.module)
                    .execute(conn)?;
                new.module.id.clone()
            }
        };
        for criterion in &new.criteria {
            let kept = old.and_then(|old| old.criteria.iter().find(|c| c.code == criterion.code));
            let row = CriterionRow {
                id: kept
                    .map(|c| c.id.clone())
                    .unwrap_or_else(|| criterion.id.clone()),
                module_id: module_id.clone(),
                ..criterion.clone()
            };
            if kept.is_some() {
                diesel::update(criteria::table.find(&row.id))
                    .set(&row)
                    .execute(conn)?;
            } else {
                diesel::insert_into(criteria::table)
                    .values(&row)
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}
