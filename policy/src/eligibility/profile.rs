//! The answers as sent (`ProfileForm`) read into typed ones (`Profile`), each unreadable or
//! missing answer a `Reason` with its field.

use crate::id_number::IdNumber;
use crate::programme::Programme;
use crate::types::{Track, UnitLevel, YearMonth};
use serde::{Deserialize, Deserializer, Serialize};
use time::Date;

/// The raw answers of the self-check (and the matching part of the application form), as text.
/// Unknown fields are ignored so the full application can be read through it.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProfileForm {
    /// Chinese name of the ethnic group, e.g. 蒙古族.
    pub ethnicity: Option<String>,
    /// 18-character identity number (gives the birth date).
    pub id_number: Option<String>,
    /// `YYYY-MM-DD`; stands in for `id_number` in the self-check.
    pub birth_date: Option<String>,
    /// Education code.
    pub education: Option<String>,
    /// Title code.
    pub title_level: Option<String>,
    /// Unit level code.
    pub unit_level: Option<String>,
    /// League code or name.
    pub league: Option<String>,
    /// Track code.
    pub track: Option<String>,
    /// `YYYY-MM`.
    pub profession_start: Option<String>,
    /// 身心健康.
    #[serde(deserialize_with = "bool_or_text")]
    pub health_ok: bool,
    /// The political declaration.
    #[serde(deserialize_with = "bool_or_text")]
    pub pledge: bool,
}

/// Reads a checkbox: JSON `true`, or the text `on`, `true`, `1`, `yes`.
pub(crate) fn bool_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
        Number(i64),
        Null(()),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::Bool(b) => b,
        Raw::Text(t) => truthy(&t),
        Raw::Number(n) => n == 1,
        Raw::Null(()) => false,
    })
}

/// Whether a form value means "checked".
pub fn truthy(text: &str) -> bool {
    matches!(text.trim().to_ascii_lowercase().as_str(), "on" | "true" | "1" | "yes")
}

/// One failed condition or unreadable answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The form field it concerns.
    pub field: String,
    /// What to tell the applicant, in Chinese.
    pub message: String,
}

impl ProfileForm {
    /// The self-check page's questions left unanswered, each as a `Reason` saying what to answer
    /// (the track and the league may stay open; a 身份证号 stands in for the birth date).
    pub fn unanswered(&self) -> Vec<Reason> {
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
        let label = crate::fields::field_label;
        let mut out = Vec::new();
        let mut ask = |missing: bool, field: &str, message: String| {
            if missing {
                out.push(Reason::new(field, message));
            }
        };
        ask(blank(&self.unit_level), "unit_level", format!("请选择{}", label("unit_level")));
        ask(blank(&self.ethnicity), "ethnicity", format!("请选择{}", label("ethnicity")));
        ask(blank(&self.birth_date) && blank(&self.id_number), "birth_date", "请填写出生日期".to_owned());
        ask(blank(&self.education), "education", format!("请选择{}", label("education")));
        ask(blank(&self.title_level), "title_level", format!("请选择{}", label("title_level")));
        ask(blank(&self.profession_start), "profession_start", format!("请填写{}", label("profession_start")));
        ask(!self.health_ok, "health_ok", "请确认本人身心健康（勾选）".to_owned());
        ask(!self.pledge, "pledge", "请确认政治立场、遵纪守法的声明（勾选）".to_owned());
        out
    }
}

impl Reason {
    /// A reason for `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into() }
    }
}

/// The typed answers, with the problems met while reading them.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// Ethnic group name and whether it is a minority.
    pub ethnicity: Option<(String, bool)>,
    /// Birth date and the field it came from.
    pub birth_date: Option<(Date, &'static str)>,
    /// Education rank.
    pub education_rank: Option<u32>,
    /// Title rank.
    pub title_rank: Option<u32>,
    /// Unit level.
    pub unit_level: Option<UnitLevel>,
    /// League code and whether it is in the east group.
    pub league: Option<(String, bool)>,
    /// Track.
    pub track: Option<Track>,
    /// Start of work in the profession.
    pub profession_start: Option<YearMonth>,
    /// 身心健康 confirmed.
    pub health_ok: bool,
    /// Declaration confirmed.
    pub pledge: bool,
    /// Unreadable or missing answers.
    pub problems: Vec<Reason>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl Profile {
    /// Reads the raw answers against the programme's lists.
    pub fn parse(form: &ProfileForm, p: &Programme) -> Self {
        let mut out = Profile { health_ok: form.health_ok, pledge: form.pledge, ..Self::default() };
        let mut problem = |field: &str, message: String| out_problem(&mut out.problems, field, message);

        match given(&form.track) {
            None => problem("track", "请选择培养方式（区外培养或区内培养）".into()),
            Some(t) => match Track::from_code(t) {
                Some(t) => out.track = Some(t),
                None => problem("track", "培养方式只能是区外培养或区内培养".into()),
            },
        }
        match given(&form.unit_level) {
            None => problem("unit_level", "请选择工作单位层级".into()),
            Some(u) => match UnitLevel::from_code(u) {
                Some(u) => out.unit_level = Some(u),
                None => problem("unit_level", "工作单位层级不在可选范围内".into()),
            },
        }
        match given(&form.league) {
            None if out.unit_level != Some(UnitLevel::Region) => problem("league", "请选择工作单位所在盟市".into()),
            None => {}
            Some(l) => match p.league(l) {
                Some(l) => out.league = Some((l.code.clone(), l.east)),
                None => problem("league", "所选盟市不在可选范围内".into()),
            },
        }
        match given(&form.ethnicity) {
            None => problem("ethnicity", "请选择民族".into()),
            Some(e) => match p.ethnic_group(e) {
                Some(g) => out.ethnicity = Some((g.name.clone(), g.minority)),
                None => problem("ethnicity", "请从列表中选择56个民族之一".into()),
            },
        }
        match (given(&form.id_number), given(&form.birth_date)) {
            (Some(id), _) => match IdNumber::parse(id) {
                Ok(id) => out.birth_date = Some((id.birth_date(), "id_number")),
                Err(e) => problem("id_number", e.to_string()),
            },
            (None, Some(d)) => {
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                match Date::parse(d, &fmt) {
                    Ok(d) => out.birth_date = Some((d, "birth_date")),
                    Err(_) => problem("birth_date", "请按“年-月-日”格式填写出生日期，例如 1988-05-20".into()),
                }
            }
            (None, None) => problem("birth_date", "请填写出生日期或居民身份证号码".into()),
        }
        match given(&form.education) {
            None => problem("education", "请选择最高学历".into()),
            Some(e) => match p.education(e) {
                Some(l) => out.education_rank = Some(l.rank),
                None => problem("education", "学历不在可选范围内".into()),
            },
        }
        match given(&form.title_level) {
            None => problem("title_level", "请选择职称级别".into()),
            Some(t) => match p.title(t) {
                Some(l) => out.title_rank = Some(l.rank),
                None => problem("title_level", "职称级别不在可选范围内".into()),
            },
        }
        match given(&form.profession_start) {
            None => problem("profession_start", "请填写从事本专业工作的起始年月".into()),
            Some(s) => match YearMonth::parse(s) {
                Ok(ym) if ym > YearMonth::of(p.count_at()) => {
                    problem("profession_start", format!("从事本专业起始年月不能晚于{}", YearMonth::of(p.count_at())))
                }
                Ok(ym) => out.profession_start = Some(ym),
                Err(e) => problem("profession_start", e.to_string()),
            },
        }
        out
    }
}

fn out_problem(problems: &mut Vec<Reason>, field: &str, message: String) {
    problems.push(Reason::new(field, message));
}
