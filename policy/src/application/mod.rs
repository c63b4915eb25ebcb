//! The 申报表: raw form text in ([`ApplicationForm`]), a typed [`Application`] (or every field
//! error at once, `parse.rs`) out. Which fields there are, and how each is shown, exported and
//! erased, is `crate::fields`'s table.

mod parse;

pub use parse::{PLAN_MAX_CHARS, PLAN_MAX_LINES};

use crate::contact::{Email, Phone};
use crate::eligibility::{ProfileForm, bool_or_text};
use crate::held::Held;
use crate::id_number::IdNumber;
use crate::types::{Field, Gender, Sector, Track, UnitLevel, YearMonth};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The form as submitted: every field as text (checkboxes as booleans). Unknown fields are ignored.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
#[allow(missing_docs)]
pub struct ApplicationForm {
    pub name: Option<String>,
    pub gender: Option<String>,
    pub ethnicity: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub education: Option<String>,
    pub school: Option<String>,
    pub major: Option<String>,
    pub title_level: Option<String>,
    pub title_name: Option<String>,
    pub employer: Option<String>,
    pub unit_level: Option<String>,
    pub league: Option<String>,
    pub department: Option<String>,
    pub county: Option<String>,
    pub sector: Option<String>,
    #[serde(deserialize_with = "bool_or_text")]
    pub grassroots: bool,
    pub field: Option<String>,
    pub profession: Option<String>,
    pub profession_start: Option<String>,
    pub track: Option<String>,
    pub host_institution: Option<String>,
    pub plan: Option<String>,
    #[serde(deserialize_with = "bool_or_text")]
    pub health_ok: bool,
    #[serde(deserialize_with = "bool_or_text")]
    pub pledge: bool,
    /// Separate consent to processing the sensitive items (身份证号, 民族, the health declaration).
    #[serde(deserialize_with = "bool_or_text")]
    pub consent_sensitive: bool,
    pub unit_reviewer_email: Option<String>,
    /// Client-generated id that makes a retried submission idempotent.
    pub submission_id: Option<String>,
    /// Honeypot: people leave it empty.
    pub website: Option<String>,
    /// Files uploaded beforehand (`POST /api/uploads`), by key.
    #[serde(default)]
    pub attachments: Vec<AttachmentInput>,
}

/// One uploaded file named in an application.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct AttachmentInput {
    /// The key `POST /api/uploads` gave.
    pub key: String,
    /// Kind code, e.g. `title_certificate`.
    pub kind: String,
    /// The file's name as the applicant had it.
    pub name: String,
}

/// A checked application.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Application {
    pub name: String,
    pub gender: Gender,
    pub ethnicity: String,
    /// Sealed at rest by the handler; open only as just parsed or opened for a purpose.
    pub id_number: Held<IdNumber>,
    /// Sealed at rest like the 身份证号.
    pub phone: Held<Phone>,
    /// The date of birth the 身份证号 gives (`YYYY-MM-DD`), kept beside the sealed number for the
    /// age rules and 出生年月 (records from before read it from the number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_email")]
    pub email: Email,
    pub education: String,
    pub school: String,
    pub major: String,
    pub title_level: String,
    pub title_name: String,
    pub employer: String,
    pub unit_level: UnitLevel,
    pub league: Option<String>,
    pub department: Option<String>,
    pub county: String,
    pub sector: Sector,
    pub grassroots: bool,
    pub field: Field,
    pub profession: String,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_month")]
    pub profession_start: YearMonth,
    pub track: Track,
    /// The programme routing gave (`northeast` or `region`).
    pub programme: String,
    pub host_institution: String,
    pub plan: String,
    pub health_ok: bool,
    pub pledge: bool,
    /// The separate consent to processing sensitive personal information, given at submission
    /// (records from before it was asked read `false`).
    #[serde(default)]
    pub consent_sensitive: bool,
    #[serde(serialize_with = "ser_display", deserialize_with = "de_email")]
    pub unit_reviewer_email: Email,
    /// Which 个人信息处理规则 the consents were given under, and when: recorded by the handler
    /// when it takes the application (`None` until then, and in records from before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consented: Option<Consented>,
}

/// The 个人信息处理规则 an applicant consented under.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Consented {
    /// `privacy.version` of programme.toml at the time.
    pub rules_version: String,
    /// When (RFC 3339).
    pub at: String,
}

fn ser_display<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}
fn de_email<'de, D: Deserializer<'de>>(d: D) -> Result<Email, D::Error> {
    Email::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}
fn de_month<'de, D: Deserializer<'de>>(d: D) -> Result<YearMonth, D::Error> {
    YearMonth::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

impl ApplicationForm {
    /// The part the eligibility rules read.
    pub fn profile(&self) -> ProfileForm {
        ProfileForm {
            ethnicity: self.ethnicity.clone(),
            id_number: self.id_number.clone(),
            birth_date: None,
            education: self.education.clone(),
            title_level: self.title_level.clone(),
            unit_level: self.unit_level.clone(),
            league: self.league.clone(),
            track: self.track.clone(),
            profession_start: self.profession_start.clone(),
            health_ok: self.health_ok,
            pledge: self.pledge,
        }
    }

    /// Whether the honeypot was filled (a bot).
    pub fn is_bot(&self) -> bool {
        self.website.as_deref().is_some_and(|w| !w.trim().is_empty())
    }

    /// A copy without the request metadata (submission id, honeypot): what idempotency compares.
    pub fn content(&self) -> ApplicationForm {
        ApplicationForm { submission_id: None, website: None, ..self.clone() }
    }
}

impl Application {
    /// The date of birth: as stored beside the sealed 身份证号, else from the open number.
    pub fn birth(&self) -> Option<time::Date> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.birth_date
            .as_deref()
            .and_then(|d| time::Date::parse(d, &format).ok())
            .or_else(|| self.id_number.opened().map(IdNumber::birth_date))
    }

    /// `programme-track`, e.g. `region-out`.
    pub fn stream_key(&self) -> String {
        format!("{}-{}", self.programme, self.track.code())
    }

    /// Who reviews after the unit: the department for 区直 units, else the league.
    pub fn hr_scope(&self) -> crate::HrScope {
        match (&self.department, &self.league) {
            (Some(d), _) => crate::HrScope::Department(d.clone()),
            (None, Some(l)) => crate::HrScope::League(l.clone()),
            (None, None) => crate::HrScope::League(String::new()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
