//! A registration table (one row per contestant) to teams, all or nothing (DESIGN §4).

use std::collections::HashMap;

use serde::Serialize;

use super::columns::{ColumnField, Columns};
use super::resident_id::is_valid_resident_id;
use super::table::{Table, TableRow};
use super::text::{clean, to_half_width};
use crate::error::FieldError;

const MAX_NAME_CHARS: usize = 50;
const MAX_SCHOOL_CHARS: usize = 100;

#[derive(Debug, Clone)]
pub struct RegistrationRules {
    pub min_team_size: usize,
    pub max_team_size: usize,
    /// ID numbers already registered in the contest, each with its team's [`team_key`]. An ID
    /// number already in the *same* team is no duplicate, so re-importing a file succeeds.
    pub existing_id_numbers: HashMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamDraft {
    pub name: String,
    pub school: String,
    /// The first member's region.
    pub region: String,
    pub coach: Option<String>,
    /// In file order; never empty.
    pub members: Vec<ContestantDraft>,
}

impl TeamDraft {
    /// What identifies a team within a contest: its school and name.
    pub fn key(&self) -> String {
        team_key(&self.school, &self.name)
    }
}

/// `school` and `name` joined by U+001F (the ASCII unit separator, which no cell holds).
pub fn team_key(school: &str, name: &str) -> String {
    format!("{school}\u{1f}{name}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContestantDraft {
    pub name: String,
    pub school: String,
    pub region: String,
    /// 11 digits, without `+86`.
    pub phone: Option<String>,
    /// 18 characters, a final `X` in upper case.
    pub id_number: Option<String>,
    pub role: Option<String>,
    pub line: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Field {
    Team,
    School,
    Region,
    Name,
    Phone,
    IdNumber,
    Coach,
    Role,
}

impl ColumnField for Field {
    fn name(self) -> &'static str {
        match self {
            Field::Team => "team",
            Field::School => "school",
            Field::Region => "region",
            Field::Name => "name",
            Field::Phone => "phone",
            Field::IdNumber => "id_number",
            Field::Coach => "coach",
            Field::Role => "role",
        }
    }
}

#[rustfmt::skip]
const ALIASES: &[(Field, &[&str])] = &[
    (Field::Team, &["队名", "团队名称", "队伍名称", "参赛队名称", "参赛队伍", "团队", "team", "team name"]),
    (Field::School, &["学校", "院校", "学校名称", "参赛院校", "school"]),
    (Field::Region, &["地区", "省份", "省市", "所在地区", "region", "province"]),
    (Field::Name, &["姓名", "选手姓名", "参赛选手", "name", "contestant"]),
    (Field::Phone, &["手机", "电话", "手机号", "手机号码", "联系电话", "phone", "mobile"]),
    (Field::IdNumber, &["身份证号", "身份证号码", "证件号", "证件号码", "id number", "id"]),
    (Field::Coach, &["指导教师", "指导老师", "coach"]),
    (Field::Role, &["角色", "role"]),
];

/// Every row's errors (line, field, stable code, English message) or every team; never a
/// part. Rows with the same team name and school form one team, in file order.
pub fn parse_registration(
    table: &Table,
    rules: &RegistrationRules,
) -> Result<Vec<TeamDraft>, Vec<FieldError>> {
    let columns = Columns::find(table, ALIASES, &[Field::Team, Field::Name])?;
    if table.rows.is_empty() {
        let message = "The file has a header but no contestants.";
        return Err(vec![
            FieldError::new("file", "no_rows", message).at_line(table.header_line)
        ]);
    }

    let mut errors = Vec::new();
    let mut teams = TeamsInFileOrder::default();
    for row in &table.rows {
        let read = RowReader {
            columns: &columns,
            row,
            errors: &mut errors,
        };
        if let Some(entry) = read.entry() {
            teams.add(entry, &mut errors);
        }
    }
    let teams = teams.into_teams();
    errors.extend(duplicate_id_numbers(&teams, &rules.existing_id_numbers));
    errors.extend(team_size_errors(&teams, rules));

    if errors.is_empty() {
        Ok(teams)
    } else {
        errors.sort_by_key(|error| error.line);
        Err(errors)
    }
}

/// What one row says: a contestant, and the team and coach it belongs to.
struct RowEntry {
    team: String,
    coach: Option<String>,
    contestant: ContestantDraft,
}

/// Reads and checks one row's fields, collecting its errors.
struct RowReader<'a> {
    columns: &'a Columns<Field>,
    row: &'a TableRow,
    errors: &'a mut Vec<FieldError>,
}

impl RowReader<'_> {
    /// The row's contestant and team; `None` when the team name is missing, as such a row
    /// belongs to no team.
    fn entry(mut self) -> Option<RowEntry> {
        let team = self.required(Field::Team, MAX_NAME_CHARS);
        let name = self.required(Field::Name, MAX_NAME_CHARS);
        let school = self.text(Field::School, MAX_SCHOOL_CHARS);
        let region = self.text(Field::Region, MAX_NAME_CHARS);
        let coach = self.optional(Field::Coach, MAX_NAME_CHARS);
        let role = self.optional(Field::Role, MAX_NAME_CHARS);
        let phone = self.phone();
        let id_number = self.id_number();
        let line = self.row.line;
        (!team.is_empty()).then_some(RowEntry {
            team,
            coach,
            contestant: ContestantDraft {
                name,
                school,
                region,
                phone,
                id_number,
                role,
                line,
            },
        })
    }

    fn text(&mut self, field: Field, max_chars: usize) -> String {
        let value = clean(self.columns.value(self.row, field));
        if value.chars().count() > max_chars {
            let message = format!("{} is longer than {max_chars} characters.", field.name());
            self.error(field, "too_long", message);
        }
        value
    }

    fn required(&mut self, field: Field, max_chars: usize) -> String {
        let value = self.text(field, max_chars);
        if value.is_empty() {
            self.error(
                field,
                "missing_value",
                format!("The {} is empty.", field.name()),
            );
        }
        value
    }

    fn optional(&mut self, field: Field, max_chars: usize) -> Option<String> {
        Some(self.text(field, max_chars)).filter(|value| !value.is_empty())
    }

    fn phone(&mut self) -> Option<String> {
        let raw = self.columns.value(self.row, Field::Phone);
        let phone = normalise_phone(raw);
        if phone.is_empty() {
            return None;
        }
        if !is_mobile_number(&phone) {
            let message = format!("\"{raw}\" is not an 11-digit mobile number starting with 1.");
            self.error(Field::Phone, "invalid_phone", message);
        }
        Some(phone)
    }

    fn id_number(&mut self) -> Option<String> {
        let raw = self.columns.value(self.row, Field::IdNumber);
        let id_number = normalise_id_number(raw);
        if id_number.is_empty() {
            return None;
        }
        if !is_valid_resident_id(&id_number) {
            let message = format!(
                "\"{raw}\" is not an 18-character resident ID number with a valid check digit."
            );
            self.error(Field::IdNumber, "invalid_id_number", message);
        }
        Some(id_number)
    }

    fn error(&mut self, field: Field, code: &str, message: String) {
        self.errors
            .push(FieldError::new(field.name(), code, message).at_line(self.row.line));
    }
}

/// Groups contestants by team key, keeping the order in which teams first appear.
#[derive(Default)]
struct TeamsInFileOrder {
    teams: Vec<TeamDraft>,
    position: HashMap<String, usize>,
}

impl TeamsInFileOrder {
    fn add(&mut self, entry: RowEntry, errors: &mut Vec<FieldError>) {
        let RowEntry {
            team: name,
            coach,
            contestant,
        } = entry;
        let key = team_key(&contestant.school, &name);
        let Some(&index) = self.position.get(&key) else {
            self.position.insert(key, self.teams.len());
            self.teams.push(TeamDraft {
                name,
                school: contestant.school.clone(),
                region: contestant.region.clone(),
                coach,
                members: vec![contestant],
            });
            return;
        };
        let team = &mut self.teams[index];
        match (&team.coach, coach) {
            (None, coach) => team.coach = coach,
            (Some(known), Some(other)) if *known != other => {
                let message =
                    format!("The team's coach was given as \"{known}\" on an earlier line.");
                errors.push(
                    FieldError::new("coach", "inconsistent_value", message)
                        .at_line(contestant.line),
                );
            }
            _ => {}
        }
        team.members.push(contestant);
    }

    fn into_teams(self) -> Vec<TeamDraft> {
        self.teams
    }
}

/// An ID number on a second line is a duplicate of the first; an ID number that the contest
/// has in another team is a duplicate where it first appears.
fn duplicate_id_numbers(
    teams: &[TeamDraft],
    existing: &HashMap<String, String>,
) -> Vec<FieldError> {
    let mut members: Vec<(&TeamDraft, &ContestantDraft)> = teams
        .iter()
        .flat_map(|team| team.members.iter().map(move |member| (team, member)))
        .collect();
    members.sort_by_key(|(_, member)| member.line);

    let mut errors = Vec::new();
    let mut first_line: HashMap<&str, usize> = HashMap::new();
    for (team, member) in members {
        let Some(id_number) = member.id_number.as_deref() else {
            continue;
        };
        let message = if let Some(line) = first_line.get(id_number) {
            format!("The ID number is also on line {line}.")
        } else {
            first_line.insert(id_number, member.line);
            match existing.get(id_number) {
                Some(key) if *key != team.key() => {
                    "The ID number is already registered in another team of this contest."
                        .to_owned()
                }
                _ => continue,
            }
        };
        errors.push(
            FieldError::new(Field::IdNumber.name(), "duplicate_id_number", message)
                .at_line(member.line),
        );
    }
    errors
}

fn team_size_errors(teams: &[TeamDraft], rules: &RegistrationRules) -> Vec<FieldError> {
    teams
        .iter()
        .filter_map(|team| {
            let size = team.members.len();
            let line = team.members.first().map_or(0, |member| member.line);
            let (code, message) = if size < rules.min_team_size {
                (
                    "team_too_small",
                    format!(
                        "The team \"{}\" has {size} contestants; at least {} are needed.",
                        team.name, rules.min_team_size
                    ),
                )
            } else if size > rules.max_team_size {
                (
                    "team_too_large",
                    format!(
                        "The team \"{}\" has {size} contestants; at most {} are allowed.",
                        team.name, rules.max_team_size
                    ),
                )
            } else {
                return None;
            };
            Some(FieldError::new(Field::Team.name(), code, message).at_line(line))
        })
        .collect()
}

/// Half-width, without spaces and dashes, and without a leading `+86`.
pub fn normalise_phone(raw: &str) -> String {
    let compact: String = to_half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    match compact.strip_prefix("+86") {
        Some(national) => national.to_owned(),
        None => compact,
    }
}

pub fn is_mobile_number(phone: &str) -> bool {
    phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit())
}

/// Half-width, without spaces, with an upper-case `X`.
pub fn normalise_id_number(raw: &str) -> String {
    to_half_width(raw)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sheets::read_table;

    const UTF8: &[u8] = include_bytes!("../../tests/fixtures/registration_utf8.csv");
    const UTF8_BOM: &[u8] = include_bytes!("../../tests/fixtures/registration_utf8_bom.csv");
    const GBK: &[u8] = include_bytes!("../../tests/fixtures/registration_gbk.csv");
    const XLSX: &[u8] = include_bytes!("../../tests/fixtures/registration.xlsx");
    const BAD_ROWS: &[u8] = include_bytes!("../../tests/fixtures/registration_bad_rows.csv");
    const UNKNOWN_COLUMN: &[u8] =
        include_bytes!("../../tests/fixtures/registration_unknown_column.csv");

    const SZ: &str = "深圳职业技术大学";
    const ZJ: &str = "浙江商业职业技术学院";

    fn rules(min_team_size: usize, max_team_size: usize) -> RegistrationRules {
        RegistrationRules {
            min_team_size,
            max_team_size,
            existing_id_numbers: HashMap::new(),
        }
    }

    fn parse(bytes: &[u8], rules: &RegistrationRules) -> Result<Vec<TeamDraft>, Vec<FieldError>> {
        parse_registration(&read_table(bytes).unwrap(), rules)
    }

    fn member(line: usize, name: &str, school: &str, phone: &str, id: &str) -> ContestantDraft {
        ContestantDraft {
            name: name.into(),
            school: school.into(),
            region: if school == SZ { "广东" } else { "浙江" }.into(),
            phone: Some(phone.into()),
            id_number: Some(id.into()),
            role: (line % 3 == 2).then(|| "队长".into()),
            line,
        }
    }

    fn team(name: &str, coach: &str, members: Vec<ContestantDraft>) -> TeamDraft {
        TeamDraft {
            name: name.into(),
            school: members[0].school.clone(),
            region: members[0].region.clone(),
            coach: Some(coach.into()),
            members,
        }
    }

    /// The three teams every registration fixture holds, captains first.
    fn expected_teams() -> Vec<TeamDraft> {
        vec![
            team(
                "星火队",
                "陈明",
                vec![
                    member(2, "张伟", SZ, "13800138001", "440305200301150114"),
                    member(3, "李娜", SZ, "13800138002", "44030520040312008X"),
                    member(4, "王芳", SZ, "13800138003", "440306200309070246"),
                ],
            ),
            team(
                "破浪队",
                "黄丽",
                vec![
                    member(5, "刘洋", SZ, "13800138004", "440304200211200310"),
                    member(6, "赵敏", SZ, "13800138005", "440303200402280425"),
                    member(7, "孙磊", SZ, "13800138006", "440305200306180531"),
                ],
            ),
            team(
                "启航队",
                "林涛",
                vec![
                    member(8, "周杰", ZJ, "13900139001", "330106200304040615"),
                    member(9, "吴静", ZJ, "13900139002", "330102200410010721"),
                    member(10, "郑浩", ZJ, "13900139003", "330105200308300836"),
                ],
            ),
        ]
    }

    #[test]
    fn every_fixture_format_gives_the_same_three_teams() {
        for (fixture, bytes) in [
            ("utf8", UTF8),
            ("utf8 bom", UTF8_BOM),
            ("gbk", GBK),
            ("xlsx", XLSX),
        ] {
            assert_eq!(
                parse(bytes, &rules(1, 3)),
                Ok(expected_teams()),
                "{fixture}"
            );
        }
    }

    #[test]
    fn the_gbk_fixture_really_holds_gbk_bytes() {
        // "队名" in GBK, which is not valid UTF-8.
        assert_eq!(&GBK[..4], b"\xB6\xD3\xC3\xFB");
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_field_and_code() {
        let errors = parse(BAD_ROWS, &rules(2, 3)).unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (Some(3), "name", "missing_value"),
                (Some(4), "id_number", "duplicate_id_number"),
                (Some(5), "id_number", "invalid_id_number"),
                (Some(6), "phone", "invalid_phone"),
                (Some(7), "team", "missing_value"),
                (Some(9), "name", "too_long"),
                (Some(10), "team", "team_too_small"),
            ]
        );
        assert!(
            errors[1].message.contains("line 2"),
            "{}",
            errors[1].message
        );
    }

    #[test]
    fn an_unknown_column_is_reported_on_the_header_line() {
        let errors = parse(UNKNOWN_COLUMN, &rules(1, 3)).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (
                errors[0].line,
                errors[0].field.as_str(),
                errors[0].code.as_str()
            ),
            (Some(1), "出生日期", "unknown_column")
        );
    }

    #[test]
    fn a_file_without_team_or_name_columns_is_missing_them() {
        let errors = parse(
            "学校,手机\n深圳职业技术大学,13800138001\n".as_bytes(),
            &rules(1, 3),
        )
        .unwrap_err();
        let fields: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            fields,
            [("team", "missing_column"), ("name", "missing_column")]
        );
    }

    #[test]
    fn teams_outside_the_size_limits_are_reported_on_their_first_line() {
        let errors = parse(UTF8, &rules(4, 5)).unwrap_err();
        let found: Vec<_> = errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(
            found,
            [
                (Some(2), "team_too_small"),
                (Some(5), "team_too_small"),
                (Some(8), "team_too_small")
            ]
        );
        let errors = parse(UTF8, &rules(1, 2)).unwrap_err();
        let found: Vec<_> = errors.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(
            found,
            [
                (Some(2), "team_too_large"),
                (Some(5), "team_too_large"),
                (Some(8), "team_too_large")
            ]
        );
    }

    #[test]
    fn reimporting_the_same_file_is_not_a_duplicate() {
        let teams = expected_teams();
        let existing = teams
            .iter()
            .flat_map(|team| {
                team.members
                    .iter()
                    .filter_map(|m| Some((m.id_number.clone()?, team.key())))
            })
            .collect();
        let rules = RegistrationRules {
            existing_id_numbers: existing,
            ..rules(1, 3)
        };
        assert_eq!(parse(UTF8, &rules), Ok(teams));
    }

    #[test]
    fn an_id_number_registered_in_another_team_is_a_duplicate() {
        let mut rules = rules(1, 3);
        rules
            .existing_id_numbers
            .insert("330102200410010721".into(), team_key(ZJ, "另一队"));
        let errors = parse(UTF8, &rules).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (
                errors[0].line,
                errors[0].field.as_str(),
                errors[0].code.as_str()
            ),
            (Some(9), "id_number", "duplicate_id_number")
        );
    }

    #[test]
    fn the_same_team_name_at_two_schools_is_two_teams() {
        let csv = "队名,学校,姓名\n星火队,甲校,张伟\n星火队,乙校,李娜\n星火队,甲校,王芳\n";
        let teams = parse(csv.as_bytes(), &rules(1, 3)).unwrap();
        let shape: Vec<_> = teams
            .iter()
            .map(|t| {
                (
                    t.key(),
                    t.members.iter().map(|m| m.line).collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                ("甲校\u{1f}星火队".to_owned(), vec![2, 4]),
                ("乙校\u{1f}星火队".to_owned(), vec![3])
            ]
        );
    }

    #[test]
    fn optional_columns_may_be_absent_and_names_are_cleaned() {
        let csv = "Team Name,NAME\n  星火\u{3000}\u{3000}队 , 张  伟 \n";
        let teams = parse(csv.as_bytes(), &rules(1, 3)).unwrap();
        assert_eq!(
            (teams[0].name.as_str(), teams[0].coach.as_deref()),
            ("星火 队", None)
        );
        let member = &teams[0].members[0];
        assert_eq!(
            (
                member.name.as_str(),
                member.school.as_str(),
                &member.phone,
                &member.id_number
            ),
            ("张 伟", "", &None, &None)
        );
    }

    #[test]
    fn two_different_coaches_for_one_team_are_inconsistent() {
        let csv = "队名,姓名,指导教师\n星火队,张伟,陈明\n星火队,李娜,\n星火队,王芳,黄丽\n";
        let errors = parse(csv.as_bytes(), &rules(1, 3)).unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(found, [(Some(4), "coach", "inconsistent_value")]);
    }

    #[test]
    fn a_header_without_rows_is_refused() {
        let errors = parse("队名,姓名\n".as_bytes(), &rules(1, 3)).unwrap_err();
        assert_eq!(errors[0].code, "no_rows");
    }

    #[test]
    fn phones_and_id_numbers_are_normalised() {
        assert_eq!(normalise_phone("+86 １３８-0013-8000"), "13800138000");
        assert!(is_mobile_number("13800138000"));
        assert!(!is_mobile_number("23800138000"));
        assert!(!is_mobile_number("1380013800"));
        assert_eq!(
            normalise_id_number(" １１０１０５ 19491231002ｘ"),
            "11010519491231002X"
        );
    }
}
