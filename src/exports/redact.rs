//! Keeping people's names out of exported audit data until the names may be shown.
//!
//! Audit events store views of what changed, and a team's view holds its name, school,
//! members, and masked phone and ID numbers. Exports (the XLSX audit sheet, the event feed)
//! pass each event's data through [`redact_value`] and [`redact_reason`]:
//! - phone and ID numbers are always replaced (they have an audited reveal of their own,
//!   `GET …/teams?reveal=id_numbers`);
//! - while names are hidden, every `name`, `school`, `region`, `coach` field is replaced, and
//!   so is free text people write about teams (an appeal's `text` and `decision`, the reason
//!   given for a change to a team, an appeal or the registration), which may name someone.
//!   Events about judges and about the contest itself keep `name`: there it is a judge's or
//!   a co-hosting organization's name, which judges and the public see anyway.

use serde_json::Value;

/// What replaces a hidden value.
pub const REDACTED: &str = "[hidden]";

const ALWAYS_HIDDEN: [&str; 2] = ["phone", "id_number"];
const PERSONAL: [&str; 6] = ["name", "school", "region", "coach", "text", "decision"];
/// Actions whose `name` fields name a judge or an organization, not a contestant.
const NAMES_NOT_PERSONAL: [&str; 2] = ["judge.", "contest."];
/// Actions whose reasons are about teams and the people in them.
const PERSONAL_REASONS: [&str; 3] = ["team.", "registration.", "appeal."];

/// Replaces the hidden fields of an event's `before`/`after` data, at any depth.
pub fn redact_value(action: &str, value: &mut Value, names_shown: bool) {
    let names_personal = !NAMES_NOT_PERSONAL.iter().any(|p| action.starts_with(p));
    redact(value, names_shown, names_personal);
}

fn redact(value: &mut Value, names_shown: bool, names_personal: bool) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                let personal = PERSONAL.contains(&key.as_str())
                    && (key != "name" || names_personal)
                    && !names_shown;
                if (ALWAYS_HIDDEN.contains(&key.as_str()) || personal) && !field.is_null() {
                    *field = Value::String(REDACTED.to_owned());
                } else {
                    redact(field, names_shown, names_personal);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                redact(item, names_shown, names_personal);
            }
        }
        _ => {}
    }
}

/// The reason to show for an event: hidden while names are, for actions about teams.
pub fn redact_reason(action: &str, reason: Option<String>, names_shown: bool) -> Option<String> {
    let personal = PERSONAL_REASONS.iter().any(|p| action.starts_with(p));
    reason.map(|text| {
        if personal && !names_shown {
            REDACTED.to_owned()
        } else {
            text
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn team_view() -> Value {
        json!({"id": "t1", "name": "星火队", "school": "浙江商职", "code": "K7QM", "station": 3,
               "members": [{"name": "张伟", "phone": "138****8001",
                            "id_number": "440***********0114", "role": null}]})
    }

    #[test]
    fn names_schools_phones_and_id_numbers_are_hidden_while_names_are() {
        let mut value = team_view();
        redact_value("team.update", &mut value, false);
        let text = value.to_string();
        for secret in ["星火队", "浙江商职", "张伟", "138", "0114"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(value["code"], "K7QM");
        assert_eq!(value["station"], 3);
        assert_eq!(value["members"][0]["role"], Value::Null, "nulls stay null");
    }

    #[test]
    fn once_names_are_shown_only_phones_and_id_numbers_stay_hidden() {
        let mut value = team_view();
        redact_value("team.update", &mut value, true);
        assert_eq!(value["name"], "星火队");
        assert_eq!(value["members"][0]["name"], "张伟");
        assert_eq!(value["members"][0]["phone"], REDACTED);
        assert_eq!(value["members"][0]["id_number"], REDACTED);
    }

    #[test]
    fn judges_keep_their_names_but_appeal_texts_are_hidden() {
        let mut judge = json!({"name": "Judge Li", "organization": "Enterprise"});
        redact_value("judge.create", &mut judge, false);
        assert_eq!(judge["name"], "Judge Li");
        let mut appeal = json!({"team": "K7QM", "text": "张伟's mark is wrong"});
        redact_value("appeal.file", &mut appeal, false);
        assert_eq!(appeal["text"], REDACTED);
        assert_eq!(appeal["team"], "K7QM");
    }

    #[test]
    fn reasons_about_teams_are_hidden_while_names_are() {
        let reason = || Some("张伟 is ill".to_owned());
        assert_eq!(
            redact_reason("team.withdraw", reason(), false).as_deref(),
            Some(REDACTED)
        );
        assert_eq!(redact_reason("team.withdraw", reason(), true), reason());
        assert_eq!(redact_reason("sheet.reopen", reason(), false), reason());
        assert_eq!(redact_reason("team.withdraw", None, false), None);
    }
}
