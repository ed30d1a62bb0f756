//! The marking scheme sheet organizers already keep: one row per criterion (DESIGN §2).
//! Read with [`parse_scheme_table`], written back in the same layout with [`write_scheme_xlsx`].

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::columns::{ColumnField, Columns};
use super::export::{Cell, ExportError, XlsxBook};
use super::marks::{format_hundredths, parse_hundredths};
use super::table::{Table, TableRow};
use super::text::{clean, to_half_width};
use crate::error::FieldError;

const MAX_CODE_CHARS: usize = 20;
const MAX_TITLE_CHARS: usize = 100;
const SHEET_NAME: &str = "评分标准";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemeRow {
    pub module_code: String,
    pub module_title_zh: String,
    pub module_title_en: String,
    pub criterion_code: String,
    pub text_zh: String,
    pub text_en: String,
    /// `measurement`, `judgement`, `imported` or `deduction`.
    pub kind: String,
    pub max_hundredths: i64,
    /// Only for `measurement`; `None` leaves the step to the contest's default.
    pub step_hundredths: Option<i64>,
    /// What levels 0 to 3 of a `judgement` mean; empty for other kinds.
    pub descriptors: [String; 4],
    pub line: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Field {
    Module,
    ModuleTitleZh,
    ModuleTitleEn,
    Criterion,
    TextZh,
    TextEn,
    Kind,
    MaxMark,
    Step,
    Level(usize),
}

/// The columns in the order [`write_scheme_xlsx`] writes them.
const LAYOUT: [Field; 13] = [
    Field::Module,
    Field::ModuleTitleZh,
    Field::ModuleTitleEn,
    Field::Criterion,
    Field::TextZh,
    Field::TextEn,
    Field::Kind,
    Field::MaxMark,
    Field::Step,
    Field::Level(0),
    Field::Level(1),
    Field::Level(2),
    Field::Level(3),
];

impl ColumnField for Field {
    fn name(self) -> &'static str {
        match self {
            Field::Module => "module",
            Field::ModuleTitleZh => "module_title_zh",
            Field::ModuleTitleEn => "module_title_en",
            Field::Criterion => "criterion",
            Field::TextZh => "text_zh",
            Field::TextEn => "text_en",
            Field::Kind => "kind",
            Field::MaxMark => "max_mark",
            Field::Step => "step",
            Field::Level(0) => "level0",
            Field::Level(1) => "level1",
            Field::Level(2) => "level2",
            Field::Level(_) => "level3",
        }
    }
}

#[rustfmt::skip]
const ALIASES: &[(Field, &[&str])] = &[
    (Field::Module, &["模块", "模块编号", "模块代码", "module", "module code"]),
    (Field::ModuleTitleZh, &["模块名称", "模块中文名称", "module_title_zh", "module title"]),
    (Field::ModuleTitleEn, &["模块英文名称", "module_title_en"]),
    (Field::Criterion, &["评分项", "评分项编号", "评分点", "criterion", "criterion code"]),
    (Field::TextZh, &["评分标准", "评分内容", "text_zh", "text"]),
    (Field::TextEn, &["评分标准英文", "英文评分标准", "text_en"]),
    (Field::Kind, &["类型", "评分类型", "kind", "type"]),
    (Field::MaxMark, &["分值", "满分", "配分", "max_mark", "max", "max mark"]),
    (Field::Step, &["步长", "step"]),
    (Field::Level(0), &["0分描述", "level0", "level 0"]),
    (Field::Level(1), &["1分描述", "level1", "level 1"]),
    (Field::Level(2), &["2分描述", "level2", "level 2"]),
    (Field::Level(3), &["3分描述", "level3", "level 3"]),
];

#[rustfmt::skip]
const KINDS: &[(&str, &[&str])] = &[
    ("measurement", &["measurement", "m", "测量", "客观"]),
    ("judgement", &["judgement", "judgment", "j", "评价", "主观"]),
    ("imported", &["imported", "导入", "平台"]),
    ("deduction", &["deduction", "扣分"]),
];

/// Every criterion row, or every row's errors. An empty module cell repeats the module above,
/// as merged cells read; a module's titles may be given on any one of its rows.
pub fn parse_scheme_table(table: &Table) -> Result<Vec<SchemeRow>, Vec<FieldError>> {
    let required = [Field::Module, Field::Criterion, Field::Kind, Field::MaxMark];
    let columns = Columns::find(table, ALIASES, &required)?;
    if table.rows.is_empty() {
        let message = "The file has a header but no criteria.";
        return Err(vec![
            FieldError::new("file", "no_rows", message).at_line(table.header_line)
        ]);
    }

    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    let mut previous_module = String::new();
    for row in &table.rows {
        let mut reader = RowReader {
            columns: &columns,
            row,
            errors: &mut errors,
        };
        let scheme_row = reader.scheme_row(&previous_module);
        previous_module.clone_from(&scheme_row.module_code);
        rows.push(scheme_row);
    }
    errors.extend(duplicate_criteria(&rows));
    errors.extend(fill_module_titles(&mut rows));

    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|error| error.line);
        Err(errors)
    }
}

/// The scheme as an XLSX sheet in the layout [`parse_scheme_table`] reads, with marks as numbers.
pub fn write_scheme_xlsx(rows: &[SchemeRow]) -> Result<Vec<u8>, ExportError> {
    let headers = LAYOUT.map(Field::name);
    let cells = rows.iter().map(|row| {
        let [level0, level1, level2, level3] = row.descriptors.clone();
        vec![
            Cell::Text(row.module_code.clone()),
            Cell::Text(row.module_title_zh.clone()),
            Cell::Text(row.module_title_en.clone()),
            Cell::Text(row.criterion_code.clone()),
            Cell::Text(row.text_zh.clone()),
            Cell::Text(row.text_en.clone()),
            Cell::Text(row.kind.clone()),
            Cell::Hundredths(row.max_hundredths),
            row.step_hundredths.map_or(Cell::Empty, Cell::Hundredths),
            Cell::Text(level0),
            Cell::Text(level1),
            Cell::Text(level2),
            Cell::Text(level3),
        ]
    });
    let mut book = XlsxBook::new();
    book.add_sheet(SHEET_NAME, &headers, cells)?;
    book.into_bytes()
}

/// Reads and checks one row's fields, collecting its errors.
struct RowReader<'a> {
    columns: &'a Columns<Field>,
    row: &'a TableRow,
    errors: &'a mut Vec<FieldError>,
}

impl RowReader<'_> {
    fn scheme_row(&mut self, previous_module: &str) -> SchemeRow {
        let mut module_code = self.short(Field::Module, MAX_CODE_CHARS);
        if module_code.is_empty() {
            module_code = previous_module.to_owned();
            if module_code.is_empty() {
                self.error(
                    Field::Module,
                    "missing_value",
                    "The module code is empty.".into(),
                );
            }
        }
        let criterion_code = self.short(Field::Criterion, MAX_CODE_CHARS);
        if criterion_code.is_empty() {
            self.error(
                Field::Criterion,
                "missing_value",
                "The criterion code is empty.".into(),
            );
        }
        let text_zh = self.long(Field::TextZh);
        let text_en = self.long(Field::TextEn);
        if text_zh.is_empty() && text_en.is_empty() {
            let message = "The criterion has no text in either language.".into();
            self.error(Field::TextZh, "missing_value", message);
        }
        let kind = self.kind();
        let max_hundredths = self.max_mark();
        let step_hundredths = self.step(kind, max_hundredths);
        let descriptors = [0, 1, 2, 3].map(|level| self.descriptor(kind, level));
        SchemeRow {
            module_code,
            module_title_zh: self.short(Field::ModuleTitleZh, MAX_TITLE_CHARS),
            module_title_en: self.short(Field::ModuleTitleEn, MAX_TITLE_CHARS),
            criterion_code,
            text_zh,
            text_en,
            kind: kind.unwrap_or_default().to_owned(),
            max_hundredths: max_hundredths.unwrap_or_default(),
            step_hundredths,
            descriptors,
            line: self.row.line,
        }
    }

    /// A code or title: whitespace collapsed, at most `max_chars` long.
    fn short(&mut self, field: Field, max_chars: usize) -> String {
        let value = clean(self.columns.value(self.row, field));
        if value.chars().count() > max_chars {
            let message = format!("{} is longer than {max_chars} characters.", field.name());
            self.error(field, "too_long", message);
        }
        value
    }

    /// A text that keeps its line breaks (the table's cell limit bounds its length).
    fn long(&self, field: Field) -> String {
        self.columns.value(self.row, field).to_owned()
    }

    fn kind(&mut self) -> Option<&'static str> {
        let raw = clean(self.columns.value(self.row, Field::Kind));
        let wanted = raw.to_lowercase();
        let kind = KINDS
            .iter()
            .find(|(_, names)| names.contains(&wanted.as_str()))
            .map(|(kind, _)| *kind);
        if kind.is_none() {
            let message = format!(
                "\"{raw}\" is not a criterion kind: use measurement, judgement, imported or \
                 deduction (测量/评价/导入/扣分)."
            );
            self.error(Field::Kind, "invalid_kind", message);
        }
        kind
    }

    fn max_mark(&mut self) -> Option<i64> {
        let max = self.mark(Field::MaxMark)?;
        if max == 0 {
            self.error(
                Field::MaxMark,
                "invalid_mark",
                "The maximum mark must be above 0.".into(),
            );
            return None;
        }
        Some(max)
    }

    fn step(&mut self, kind: Option<&str>, max: Option<i64>) -> Option<i64> {
        if self.columns.value(self.row, Field::Step).is_empty() {
            return None;
        }
        if kind.is_some_and(|kind| kind != "measurement") {
            let message = "Only measurement criteria have a step.".into();
            self.error(Field::Step, "unexpected_value", message);
            return None;
        }
        let step = self.mark(Field::Step)?;
        if step == 0 || max.is_some_and(|max| step > max) {
            let message = format!(
                "The step {} must be above 0 and at most the maximum mark.",
                format_hundredths(step)
            );
            self.error(Field::Step, "invalid_mark", message);
        }
        Some(step)
    }

    fn descriptor(&mut self, kind: Option<&str>, level: usize) -> String {
        let field = Field::Level(level);
        let text = self.long(field);
        if !text.is_empty() && kind.is_some_and(|kind| kind != "judgement") {
            let message = "Only judgement criteria have level descriptors.".into();
            self.error(field, "unexpected_value", message);
        }
        text
    }

    /// A mark cell in hundredths; reports `invalid_mark` for anything but a decimal with at
    /// most two places.
    fn mark(&mut self, field: Field) -> Option<i64> {
        let raw = self.columns.value(self.row, field);
        let mark = parse_hundredths(&to_half_width(raw));
        if mark.is_none() {
            let message = format!(
                "\"{raw}\" is not a mark: write a number such as 10 or 2.5, at most two decimals."
            );
            self.error(field, "invalid_mark", message);
        }
        mark
    }

    fn error(&mut self, field: Field, code: &str, message: String) {
        self.errors
            .push(FieldError::new(field.name(), code, message).at_line(self.row.line));
    }
}

fn duplicate_criteria(rows: &[SchemeRow]) -> Vec<FieldError> {
    let mut seen = HashSet::new();
    rows.iter()
        .filter(|row| !row.criterion_code.is_empty())
        .filter(|row| !seen.insert((row.module_code.as_str(), row.criterion_code.as_str())))
        .map(|row| {
            let message = format!(
                "Module {} already has a criterion {}.",
                row.module_code, row.criterion_code
            );
            let field = Field::Criterion.name();
            FieldError::new(field, "duplicate_criterion", message).at_line(row.line)
        })
        .collect()
}

/// Gives every row its module's titles, taken from the first row that has them; a different
/// title on a later row of the same module is an error.
fn fill_module_titles(rows: &mut [SchemeRow]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut titles: HashMap<String, [String; 2]> = HashMap::new();
    for row in rows.iter() {
        let known = titles.entry(row.module_code.clone()).or_default();
        let given = [&row.module_title_zh, &row.module_title_en];
        for ((known, given), field) in known
            .iter_mut()
            .zip(given)
            .zip([Field::ModuleTitleZh, Field::ModuleTitleEn])
        {
            if known.is_empty() {
                known.clone_from(given);
            } else if !given.is_empty() && known != given {
                let message = format!(
                    "Module {} is titled \"{known}\" on an earlier line.",
                    row.module_code
                );
                errors.push(
                    FieldError::new(field.name(), "inconsistent_value", message).at_line(row.line),
                );
            }
        }
    }
    for row in rows.iter_mut() {
        if let Some([zh, en]) = titles.get(&row.module_code) {
            row.module_title_zh.clone_from(zh);
            row.module_title_en.clone_from(en);
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheets::read_table;

    fn parse(csv: &str) -> Result<Vec<SchemeRow>, Vec<FieldError>> {
        parse_scheme_table(&read_table(csv.as_bytes()).unwrap())
    }

    fn errors_of(csv: &str) -> Vec<(Option<usize>, String, String)> {
        parse(csv)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.line, e.field, e.code))
            .collect()
    }

    fn row(module: &str, criterion: &str, kind: &str, max: i64, line: usize) -> SchemeRow {
        SchemeRow {
            module_code: module.into(),
            module_title_zh: format!("{module}模块"),
            module_title_en: format!("Module {module}"),
            criterion_code: criterion.into(),
            text_zh: format!("{criterion}的评分标准"),
            text_en: String::new(),
            kind: kind.into(),
            max_hundredths: max,
            step_hundredths: None,
            descriptors: Default::default(),
            line,
        }
    }

    const CHINESE_SHEET: &str = "\
模块,模块名称,模块英文名称,评分项,评分标准,类型,分值,步长,0分描述,1分描述,2分描述,3分描述
A,A模块,Module A,A1,A1的评分标准,测量,2.5,0.5,,,,
,,,A2,A2的评分标准,评价,3,,未完成,基本完成,完成,优秀
B,B模块,Module B,B1,B1的评分标准,导入,10,,,,,
,,,B2,B2的评分标准,扣分,１,,,,,
";

    #[test]
    fn a_chinese_sheet_with_merged_module_cells_is_read() {
        let mut a1 = row("A", "A1", "measurement", 250, 2);
        a1.step_hundredths = Some(50);
        let mut a2 = row("A", "A2", "judgement", 300, 3);
        a2.descriptors = ["未完成", "基本完成", "完成", "优秀"].map(String::from);
        let b1 = row("B", "B1", "imported", 1000, 4);
        let b2 = row("B", "B2", "deduction", 100, 5);
        assert_eq!(parse(CHINESE_SHEET), Ok(vec![a1, a2, b1, b2]));
    }

    #[test]
    fn kinds_are_read_in_english_chinese_or_as_worldskills_letters() {
        let csv = "module,criterion,text,kind,max\n\
                   A,1,x,Measurement,1\nA,2,x,J,1\nA,3,x,主观,1\nA,4,x,imported,1\n";
        let kinds: Vec<_> = parse(csv).unwrap().into_iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["measurement", "judgement", "judgement", "imported"]);
    }

    #[test]
    fn the_exported_sheet_imports_back_unchanged() {
        let mut a1 = row("A", "A1", "measurement", 250, 2);
        a1.step_hundredths = Some(25);
        a1.text_en = "=SUM(A1:A3) is not a formula here".into();
        let mut a2 = row("A", "A2", "judgement", 1050, 3);
        a2.descriptors = ["- nothing -", "部分", "完成\n且规范", "+ extra"].map(String::from);
        let mut b1 = row("B", "B1", "deduction", 5, 4);
        b1.text_zh = "违反安全规范，每次扣分".into();
        let rows = vec![a1, a2, b1];

        let bytes = write_scheme_xlsx(&rows).unwrap();
        let table = read_table(&bytes).unwrap();
        assert_eq!(
            table.headers[..4],
            ["module", "module_title_zh", "module_title_en", "criterion"]
        );
        assert_eq!(parse_scheme_table(&table), Ok(rows));
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_field_and_code() {
        let csv = "\
module,module_title_zh,criterion,text_zh,kind,max_mark,step,level1
A,甲,A1,x,measurement,1.234,,
A,甲,A2,x,judgement,3,0.5,
A,甲,A3,x,measurement,2,,described
A,乙,A3,x,measurement,2,3,
A,甲,,x,quiz,0,,
A,甲,A5,,deduction,2,,
";
        let found = errors_of(csv);
        let expected = [
            (2, "max_mark", "invalid_mark"),
            (3, "step", "unexpected_value"),
            (4, "level1", "unexpected_value"),
            (5, "step", "invalid_mark"),
            (5, "criterion", "duplicate_criterion"),
            (5, "module_title_zh", "inconsistent_value"),
            (6, "criterion", "missing_value"),
            (6, "kind", "invalid_kind"),
            (6, "max_mark", "invalid_mark"),
            (7, "text_zh", "missing_value"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(line, field, code)| (Some(*line), field.to_string(), code.to_string()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_first_row_without_a_module_has_none_to_repeat() {
        let found = errors_of("module,criterion,text,kind,max\n,A1,x,judgement,3\n");
        assert_eq!(found, [(Some(2), "module".into(), "missing_value".into())]);
    }

    #[test]
    fn required_columns_must_be_present() {
        let found = errors_of("模块,评分标准\nA,x\n");
        let fields: Vec<_> = found
            .iter()
            .map(|(_, field, code)| (field.as_str(), code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("criterion", "missing_column"),
                ("kind", "missing_column"),
                ("max_mark", "missing_column")
            ]
        );
    }
}
