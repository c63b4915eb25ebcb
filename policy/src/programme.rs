//! `content/programme.toml`: the parsed, cross-checked rules of one round.

use crate::types::{Track, UnitLevel};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, OffsetDateTime};

/// The whole round: programmes, streams, quotas, fees, window, places and people.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// The year of the round, e.g. 2025.
    pub round: i32,
    /// The notice's title.
    pub notice_title: String,
    /// Who issued the notice.
    pub notice_issuer: String,
    /// The notice's date.
    pub notice_date: toml::value::Datetime,
    /// Title of the summary table (附件2).
    pub summary_title: String,
    /// Length of the training, in months.
    pub training_months: u32,
    /// An HR recommendation needs the stamped paper 申报表 received and matching the record
    /// (the notice's 线上与线下同步). Default: true.
    #[serde(default = "yes")]
    pub paper_required: bool,
    /// Hours an applicant has to confirm their mail address before the application lapses.
    /// Default: 48.
    #[serde(default = "forty_eight")]
    pub confirm_hours: u32,
    /// Every body the notice names; pages name no other.
    pub bodies: Vec<String>,
    /// The deadline and the date at which age and experience are counted.
    pub deadline: Deadline,
    /// When the form takes submissions.
    pub window: Window,
    /// The regional centre that receives the results.
    pub centre: Centre,
    /// The online system the notice names for applications.
    pub official_system: OfficialSystem,
    /// What the footer of every page says.
    pub footer: Footer,
    /// 个人信息处理规则: what the site's /privacy/ page says, and the version each consent records.
    pub privacy: Privacy,
    /// Contacts named in the notice.
    pub contact: Contact,
    /// The two programmes by funding source.
    pub programmes: Vec<ProgrammeInfo>,
    /// (programme, track) pairs with their conditions and quotas.
    pub streams: Vec<Stream>,
    /// Costs borne outside the programme.
    pub costs: Costs,
    /// The per-league quota split (附件1), where published.
    pub attachment1: Attachment1,
    /// Whether the summary table layout (附件2) was published.
    pub attachment2: Attachment2,
    /// Limits on uploaded proof documents.
    pub attachments: AttachmentRules,
    /// Kinds of proof document and when each is required.
    pub attachment_kinds: Vec<AttachmentKind>,
    /// The 12 leagues and cities plus 满洲里市 and 二连浩特市.
    pub leagues: Vec<League>,
    /// 区直 departments.
    pub departments: Departments,
    /// The 56 ethnic groups.
    pub ethnic_groups: Vec<EthnicGroup>,
    /// Education ladder, highest first.
    pub education_levels: Vec<Level>,
    /// Professional title ladder, highest first.
    pub title_levels: Vec<Level>,
}

/// The deadline of the round.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// Leagues and departments finish by this date.
    pub date: toml::value::Datetime,
    /// Age and years in the profession are counted at this date.
    pub count_at: toml::value::Datetime,
}

/// The submission window and the close of each review stage, RFC 3339 with the Beijing offset:
/// the operator's settings within the notice's deadline, so that unit and HR review fit before it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// First instant submissions are taken.
    pub opens: String,
    /// First instant applicants' submissions and resubmissions are refused again.
    pub closes: String,
    /// First instant unit reviewers' decisions are refused.
    pub unit_closes: String,
    /// First instant HR (and 厅局/高校) decisions are refused: the notice's deadline.
    pub hr_closes: String,
}

/// The regional centre.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Centre {
    /// Its name.
    pub name: String,
    /// Where the summary table goes.
    pub email: String,
}

/// The online system the notice names (申报人及单位…通过线上…与线下同步申报材料).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialSystem {
    /// Its name, as the notice gives it.
    pub name: String,
    /// Its address, as the notice gives it.
    pub url: String,
    /// Whether this site is that system for the round (no banner then).
    pub this_site: bool,
}

/// The footer of every page: 主办单位, 承办单位, the issuer's portal and registration numbers
/// (each left out when empty).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Footer {
    /// 主办单位.
    pub host: String,
    /// 承办单位.
    pub organiser: String,
    /// The issuing department's portal.
    #[serde(default)]
    pub portal_url: String,
    /// 网站标识码.
    #[serde(default)]
    pub site_code: String,
    /// ICP备案号.
    #[serde(default)]
    pub icp: String,
    /// 公安机关备案号.
    #[serde(default)]
    pub police: String,
}

/// 个人信息处理规则 (个人信息保护法 第十七条): the operator's statement of how applicants'
/// personal information is processed. The categories must name every field the form collects.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Names this text; each application records the version its applicant consented to.
    pub version: String,
    /// 个人信息处理者.
    pub handler: String,
    /// Where the information is stored.
    pub storage: String,
    /// How long it is kept.
    pub retention: String,
    /// The last day the round's records are kept in full (`YYYY-MM-DD`): after it, `tepei purge`
    /// and the daily schedule erase them, keeping a de-identified row. Unset until the operator
    /// fixes the retention period.
    #[serde(default)]
    pub keep_until: Option<String>,
    /// Days after which an application never confirmed, withdrawn, or lapsed unconfirmed is
    /// erased, whatever `keep_until` says.
    pub erase_unfinished_after_days: u32,
    /// What is collected, by category.
    pub categories: Vec<PrivacyCategory>,
}

/// One category of personal information collected.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyCategory {
    /// Its name, e.g. 身份信息.
    pub name: String,
    /// The form's fields it covers (codes, e.g. `id_number`).
    pub fields: Vec<String>,
    /// What it is processed for.
    pub purpose: String,
    /// The fields among them that are sensitive personal information (第二十八条).
    #[serde(default)]
    pub sensitive: Vec<String>,
}

/// Contacts of the issuing office.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Contact people.
    pub people: Vec<String>,
    /// Telephone numbers as printed.
    pub phones: Vec<String>,
    /// Postal address.
    pub address: String,
    /// The office in charge.
    pub office: String,
}

/// A programme by funding source.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInfo {
    /// `northeast` or `region`.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Short name used in the notice.
    pub short_name: String,
    /// Who pays.
    pub funding: String,
    /// Where its own rules are, if elsewhere.
    #[serde(default)]
    pub rules_source: Option<String>,
}

/// Which leagues a stream takes applicants from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeagueGroup {
    /// The east 5 leagues (and the cities within them).
    East,
    /// Every league but the east 5; 区直 units too.
    Other,
    /// Every league.
    Any,
}

/// One (programme, track) pair.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stream {
    /// Programme code.
    pub programme: String,
    /// Training track.
    pub track: Track,
    /// Display name.
    pub name: String,
    /// Who it is open to, in the notice's words.
    pub scope: String,
    /// Places in the round.
    pub quota: u32,
    /// Employer levels it is open to.
    pub unit_levels: Vec<UnitLevel>,
    /// League group it is open to (ignored for 区直 units).
    pub leagues: LeagueGroup,
    /// Whether applicants must belong to an ethnic minority.
    pub minority_required: bool,
    /// Age limit in years (以下 includes it), shown on pages.
    #[serde(default)]
    pub age_limit: Option<u32>,
    /// The age limit as a date: born on or after this day.
    #[serde(default)]
    pub born_on_or_after: Option<toml::value::Datetime>,
    /// Education-and-experience or title condition.
    #[serde(default)]
    pub qualification: Option<Qualification>,
    /// Fees, where the notice gives them.
    #[serde(default)]
    pub fees: Option<Fees>,
    /// False where the notice leaves conditions to other measures.
    #[serde(default = "yes")]
    pub conditions_in_notice: bool,
}

fn forty_eight() -> u32 {
    48
}

fn yes() -> bool {
    true
}

/// `(education ≥ X and years ≥ N) or title ≥ T`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    /// Lowest education code.
    pub education_at_least: String,
    /// Whole months in the profession with that education (以上 includes it): 5 years = 60.
    pub months_in_profession: u32,
    /// Lowest title code that qualifies on its own.
    pub or_title_at_least: String,
}

impl Qualification {
    /// The experience bound as the notice words it: `5年` (or `30个月` if not whole years).
    pub fn experience_text(&self) -> String {
        let m = self.months_in_profession;
        if m.is_multiple_of(12) { format!("{}年", m / 12) } else { format!("{m}个月") }
    }
}

/// Fees per person, in yuan.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fees {
    /// Tuition and lodging per year.
    pub tuition_lodging_per_year: u64,
    /// Living allowance per month.
    pub living_allowance_per_month: u64,
    /// Management fee per year, if any.
    #[serde(default)]
    pub management_fee_per_year: Option<u64>,
    /// Who receives the management fee.
    #[serde(default)]
    pub management_fee_to: Option<String>,
}

/// Costs outside the programme's money.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Costs {
    /// Travel.
    pub travel: String,
    /// Meals.
    pub meals: String,
    /// Where payments go.
    pub paid_to: String,
}

/// 附件1: per-league caps by stream key (`northeast-out`, `region-out`, `region-in`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment1 {
    /// Whether the split was published.
    pub published: bool,
    /// stream key -> league code or 区直 department name -> cap, e.g.
    /// `[attachment1.caps] region-out = { hohhot = 6, "内蒙古大学" = 2 }`.
    #[serde(default)]
    pub caps: BTreeMap<String, BTreeMap<String, u32>>,
}

/// 附件2.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment2 {
    /// Whether the layout was published.
    pub published: bool,
}

/// Limits on uploads.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRules {
    /// Largest file, in bytes.
    pub max_bytes: u64,
    /// Most files per application.
    pub max_files: usize,
    /// Accepted MIME types (checked by content).
    pub types: Vec<String>,
}

/// When a kind of document is required.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Required {
    /// From everyone.
    Always,
    /// Where the stream requires an ethnic minority.
    Minority,
    /// From applicants who qualify by education and years in the profession.
    ByEducation,
    /// From applicants who qualify by their title.
    ByTitle,
    /// Optional.
    Never,
}

/// A kind of proof document.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentKind {
    /// Code, e.g. `title_certificate`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// When it is required.
    pub required: Required,
}

/// A league (盟/市) or a city within one.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct League {
    /// Code, e.g. `hulunbuir`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// One of the east 5 (or within one).
    #[serde(default)]
    pub east: bool,
    /// The league this city lies in.
    #[serde(default)]
    pub within: Option<String>,
}

/// 区直 departments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Departments {
    /// True while the list is only an example.
    pub sample: bool,
    /// Names.
    pub names: Vec<String>,
}

/// An ethnic group (GB/T 3304).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EthnicGroup {
    /// Two-digit code.
    pub code: String,
    /// Chinese name, e.g. 蒙古族.
    pub name: String,
    /// True for every group but 汉族.
    pub minority: bool,
}

/// A rung of the education or title ladder.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// API code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Higher is better.
    pub rank: u32,
}

/// Why programme.toml was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProgrammeError {
    /// Syntax, a missing key or an unknown key; the message names the key and line.
    #[error("programme.toml: {0}")]
    Toml(#[from] toml::de::Error),
    /// The file parsed but is inconsistent.
    #[error("programme.toml: {0}")]
    Invalid(String),
}

/// The day `years + 1` years before `at` (the same month and day, or 28 Feb for 29 Feb): whoever
/// was born on it is `years + 1` at `at`, so "`years`周岁以下" means born after it.
fn youngest_excluded(at: Date, years: u32) -> Option<Date> {
    let year = at.year() - i32::try_from(years).ok()? - 1;
    Date::from_calendar_date(year, at.month(), at.day())
        .or_else(|_| Date::from_calendar_date(year, at.month(), at.day() - 1))
        .ok()
}

impl Programme {
    /// The last day the round's records are kept in full, if the operator set it.
    pub fn keep_until(&self) -> Option<time::Date> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.privacy.keep_until.as_deref().and_then(|d| time::Date::parse(d, &format).ok())
    }

    fn validate_privacy(&self) -> Result<(), ProgrammeError> {
        if self.privacy.keep_until.is_some() && self.keep_until().is_none() {
            return Err(invalid("privacy.keep_until: expected a date YYYY-MM-DD"));
        }
        if self.privacy.erase_unfinished_after_days == 0 {
            return Err(invalid("privacy.erase_unfinished_after_days: at least 1"));
        }
        crate::fields::check_privacy(&self.privacy).map_err(invalid)?;
        Ok(())
    }
}

fn invalid(msg: impl Into<String>) -> ProgrammeError {
    ProgrammeError::Invalid(msg.into())
}

fn to_date(value: &toml::value::Datetime, key: &str) -> Result<Date, ProgrammeError> {
    match (&value.date, &value.time) {
        (Some(d), None) => {
            let month = time::Month::try_from(d.month).map_err(|_| invalid(format!("{key}: bad month")))?;
            Date::from_calendar_date(i32::from(d.year), month, d.day)
                .map_err(|_| invalid(format!("{key}: not a calendar date")))
        }
        _ => Err(invalid(format!("{key}: expected a plain date such as 2025-03-21"))),
    }
}

impl Programme {
    /// Parses and cross-checks the file's text.
    pub fn parse(text: &str) -> Result<Self, ProgrammeError> {
        let programme: Programme = toml::from_str(text)?;
        programme.validate()?;
        Ok(programme)
    }

    /// The programme shipped with this build.
    pub fn embedded() -> Result<Self, ProgrammeError> {
        Self::parse(crate::PROGRAMME_TOML)
    }

    fn validate(&self) -> Result<(), ProgrammeError> {
        to_date(&self.deadline.date, "deadline.date")?;
        to_date(&self.deadline.count_at, "deadline.count_at")?;
        let (opens, closes) = (self.window_opens()?, self.window_closes()?);
        if opens >= closes {
            return Err(invalid("window.opens must be before window.closes"));
        }
        let unit = Self::window_instant(&self.window.unit_closes, "window.unit_closes")?;
        let hr = Self::window_instant(&self.window.hr_closes, "window.hr_closes")?;
        if !(closes <= unit && unit <= hr) {
            return Err(invalid("window: closes, unit_closes and hr_closes must follow one another in that order"));
        }
        let codes: BTreeSet<&str> = self.programmes.iter().map(|p| p.code.as_str()).collect();
        let mut keys = BTreeSet::new();
        for (i, s) in self.streams.iter().enumerate() {
            if !codes.contains(s.programme.as_str()) {
                return Err(invalid(format!("streams[{i}].programme: unknown programme `{}`", s.programme)));
            }
            if !keys.insert(s.key()) {
                return Err(invalid(format!("streams[{i}]: `{}` appears twice", s.key())));
            }
            if let Some(d) = &s.born_on_or_after {
                let born = to_date(d, &format!("streams[{i}].born_on_or_after"))?;
                // "X周岁以下" at the count date: born after the day X+1 years before it.
                let agreed =
                    s.age_limit.and_then(|limit| youngest_excluded(self.count_at(), limit)).and_then(Date::next_day);
                if agreed != Some(born) {
                    return Err(invalid(format!(
                        "streams[{i}]: age_limit ({}) and born_on_or_after ({born}) disagree at deadline.count_at ({}): \
                         {}周岁以下 means born on or after {}",
                        s.age_limit.map_or("none".to_owned(), |a| a.to_string()),
                        self.count_at(),
                        s.age_limit.unwrap_or_default(),
                        agreed.map_or("?".to_owned(), |d| d.to_string())
                    )));
                }
            } else if s.age_limit.is_some() {
                return Err(invalid(format!("streams[{i}]: age_limit needs born_on_or_after")));
            }
            if let Some(q) = &s.qualification {
                if self.education(&q.education_at_least).is_none() {
                    return Err(invalid(format!(
                        "streams[{i}].qualification.education_at_least: unknown `{}`",
                        q.education_at_least
                    )));
                }
                if self.title(&q.or_title_at_least).is_none() {
                    return Err(invalid(format!(
                        "streams[{i}].qualification.or_title_at_least: unknown `{}`",
                        q.or_title_at_least
                    )));
                }
            }
        }
        self.validate_privacy()?;
        for (stream, caps) in &self.attachment1.caps {
            if !keys.contains(stream) {
                return Err(invalid(format!("attachment1.caps.{stream}: no such stream")));
            }
            for league in caps.keys() {
                if self.league(league).is_none() && !self.departments.names.contains(league) {
                    return Err(invalid(format!(
                        "attachment1.caps.{stream}.{league}: no such league or department (departments.names)"
                    )));
                }
            }
        }
        for l in &self.leagues {
            if let Some(w) = &l.within
                && self.league(w).is_none()
            {
                return Err(invalid(format!("leagues.{}.within: no such league `{w}`", l.code)));
            }
        }
        if self.ethnic_groups.len() != 56 {
            return Err(invalid(format!("ethnic_groups: expected 56, found {}", self.ethnic_groups.len())));
        }
        Ok(())
    }

    /// The published deadline (`deadline.date`).
    pub fn deadline_date(&self) -> Date {
        to_date(&self.deadline.date, "deadline.date").unwrap_or(Date::MIN)
    }

    fn window_instant(text: &str, key: &str) -> Result<OffsetDateTime, ProgrammeError> {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_err(|e| invalid(format!("{key}: `{text}` is not RFC 3339 ({e})")))
    }

    /// When the window opens.
    pub fn window_opens(&self) -> Result<OffsetDateTime, ProgrammeError> {
        Self::window_instant(&self.window.opens, "window.opens")
    }

    /// When the window closes (first refused instant).
    pub fn window_closes(&self) -> Result<OffsetDateTime, ProgrammeError> {
        Self::window_instant(&self.window.closes, "window.closes")
    }

    /// When `actor`'s stage closes (first refused instant): the applicants' window, the unit's,
    /// the HR stage's. The centre has none.
    pub fn stage_closes(&self, actor: crate::Actor) -> Option<OffsetDateTime> {
        let text = match actor {
            crate::Actor::Applicant => &self.window.closes,
            crate::Actor::Unit => &self.window.unit_closes,
            crate::Actor::Hr => &self.window.hr_closes,
            crate::Actor::Centre => return None,
        };
        Self::window_instant(text, "window").ok()
    }

    /// Whether `actor` may still act at `now`: after the window opens and before their stage
    /// closes.
    pub fn stage_open_at(&self, actor: crate::Actor, now: OffsetDateTime) -> bool {
        let opened = self.window_opens().is_ok_and(|o| o <= now);
        opened && self.stage_closes(actor).is_none_or(|close| now < close)
    }

    /// Whether submissions are taken at `now`.
    pub fn window_open_at(&self, now: OffsetDateTime) -> bool {
        match (self.window_opens(), self.window_closes()) {
            (Ok(o), Ok(c)) => o <= now && now < c,
            _ => false,
        }
    }

    /// The date at which age and experience are counted.
    pub fn count_at(&self) -> Date {
        to_date(&self.deadline.count_at, "deadline.count_at").unwrap_or(Date::MIN)
    }

    /// The programme by code.
    pub fn programme(&self, code: &str) -> Option<&ProgrammeInfo> {
        self.programmes.iter().find(|p| p.code == code)
    }

    /// The league or city by code or by Chinese name.
    pub fn league(&self, code_or_name: &str) -> Option<&League> {
        let key = code_or_name.trim();
        self.leagues.iter().find(|l| l.code == key || l.name == key)
    }

    /// The ethnic group by Chinese name (or GB/T 3304 code).
    pub fn ethnic_group(&self, name: &str) -> Option<&EthnicGroup> {
        let key = name.trim();
        self.ethnic_groups.iter().find(|g| g.name == key || g.code == key)
    }

    /// The education level by code.
    pub fn education(&self, code: &str) -> Option<&Level> {
        self.education_levels.iter().find(|l| l.code == code)
    }

    /// The title level by code.
    pub fn title(&self, code: &str) -> Option<&Level> {
        self.title_levels.iter().find(|l| l.code == code)
    }

    /// The stream by programme code and track.
    pub fn stream(&self, programme: &str, track: Track) -> Option<&Stream> {
        self.streams.iter().find(|s| s.programme == programme && s.track == track)
    }

    /// The per-league cap from 附件1, if published for that stream and league.
    pub fn league_cap(&self, stream: &Stream, league: &str) -> Option<u32> {
        self.attachment1.caps.get(&stream.key()).and_then(|c| c.get(league)).copied()
    }

    /// Facts the notice does not give, for `tepei check` and the pages that mention them.
    pub fn gaps(&self) -> Vec<String> {
        let mut gaps = Vec::new();
        if !self.attachment1.published {
            gaps.push("附件1（名额分配表）未随通知公布：只执行各项目总名额".to_owned());
        }
        if !self.attachment2.published {
            gaps.push("附件2（学员汇总表）的版式未随通知公布".to_owned());
        }
        if self.departments.sample {
            gaps.push("区直单位名单为示例：通知未列出具体单位".to_owned());
        }
        for s in self.streams.iter().filter(|s| !s.conditions_in_notice) {
            gaps.push(format!("{}的其他条件见其管理办法，通知未列明", s.name));
        }
        gaps
    }
}

impl Stream {
    /// `programme-track`, e.g. `region-out`.
    pub fn key(&self) -> String {
        format!("{}-{}", self.programme, self.track.code())
    }

    /// The age bound as a date, if any.
    pub fn born_on_or_after_date(&self) -> Option<Date> {
        self.born_on_or_after.as_ref().and_then(|d| to_date(d, "born_on_or_after").ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_programme_parses() {
        let p = Programme::embedded().expect("programme.toml parses");
        assert_eq!(p.round, 2025);
        let quotas: Vec<_> = p.streams.iter().map(|s| (s.key(), s.quota)).collect();
        assert_eq!(quotas, [("northeast-out".into(), 60), ("region-out".into(), 50), ("region-in".into(), 40)]);
        assert_eq!(p.leagues.len(), 14);
        let east: Vec<_> = p.leagues.iter().filter(|l| l.east).map(|l| l.name.as_str()).collect();
        assert_eq!(east, ["呼伦贝尔市", "兴安盟", "通辽市", "赤峰市", "锡林郭勒盟", "满洲里市", "二连浩特市"]);
        assert_eq!(p.ethnic_group("蒙古族").map(|g| g.code.as_str()), Some("02"));
        assert!(!p.ethnic_group("汉族").expect("汉族").minority);
        assert_eq!(p.ethnic_groups.iter().filter(|g| g.minority).count(), 55);
        let out = p.stream("region", Track::Out).expect("region-out");
        assert_eq!(out.born_on_or_after_date(), Some(time::macros::date!(1979 - 03 - 22)));
        let inn = p.stream("region", Track::In).expect("region-in");
        assert_eq!(inn.born_on_or_after_date(), Some(time::macros::date!(1989 - 03 - 22)));
        assert_eq!(p.count_at(), time::macros::date!(2025 - 03 - 21));
        assert_eq!(p.centre.email, "1819448970@qq.com");
        assert_eq!(p.gaps().len(), 4);
    }

    #[test]
    fn age_limit_and_birth_date_must_agree_at_the_count_date() {
        // 46周岁以下 at 2025-03-21 is born on or after 1978-03-22, not 1979-03-22.
        let text = crate::PROGRAMME_TOML.replace("age_limit = 45", "age_limit = 46");
        let err = Programme::parse(&text).expect_err("disagree").to_string();
        assert!(err.contains("age_limit") && err.contains("born_on_or_after") && err.contains("1978-03-22"), "{err}");
        let text = text.replace("born_on_or_after = 1979-03-22", "born_on_or_after = 1978-03-22");
        assert!(Programme::parse(&text).is_ok());
        // Counted at another date, the birth date must follow it.
        let text = crate::PROGRAMME_TOML.replace("count_at = 2025-03-21", "count_at = 2025-03-31");
        let err = Programme::parse(&text).expect_err("disagree").to_string();
        assert!(err.contains("deadline.count_at") || err.contains("2025-03-31"), "{err}");
        assert_eq!(
            youngest_excluded(time::macros::date!(2024 - 02 - 29), 45),
            Some(time::macros::date!(1978 - 02 - 28))
        );
    }

    #[test]
    fn unknown_keys_are_named() {
        let text = crate::PROGRAMME_TOML.replace("training_months = 12", "training_months = 12\ntraning = 1");
        let err = Programme::parse(&text).expect_err("unknown key").to_string();
        assert!(err.contains("traning"), "{err}");
        let text = crate::PROGRAMME_TOML.replace("quota = 50", "quota = \"fifty\"");
        let err = Programme::parse(&text).expect_err("bad type").to_string();
        assert!(err.contains("quota"), "{err}");
    }

    #[test]
    fn inconsistencies_are_refused() {
        let text = crate::PROGRAMME_TOML.replace("education_at_least = \"master\"", "education_at_least = \"phd\"");
        let err = Programme::parse(&text).expect_err("bad code").to_string();
        assert!(err.contains("education_at_least") && err.contains("phd"), "{err}");
        let text = crate::PROGRAMME_TOML.replace(
            "published = false\n\n[attachment2]",
            "published = true\ncaps = { region-out = { atlantis = 3 } }\n\n[attachment2]",
        );
        let err = Programme::parse(&text).expect_err("bad league").to_string();
        assert!(err.contains("atlantis"), "{err}");
        let text = crate::PROGRAMME_TOML
            .replace("closes = \"2025-03-19T00:00:00+08:00\"", "closes = \"2025-03-01T00:00:00+08:00\"");
        assert!(Programme::parse(&text).is_err());
    }

    #[test]
    fn the_privacy_rules_name_every_field_and_mark_the_sensitive_ones() {
        let p = Programme::embedded().expect("shipped");
        assert!(!p.privacy.version.is_empty());
        let text = crate::PROGRAMME_TOML.replace("fields = [\"phone\", \"email\"]", "fields = [\"email\"]");
        let err = Programme::parse(&text).expect_err("phone unnamed").to_string();
        assert!(err.contains("`phone`, which no category names"), "{err}");
        let text = crate::PROGRAMME_TOML.replace("sensitive = [\"health_ok\"]\n", "");
        let err = Programme::parse(&text).expect_err("health not sensitive").to_string();
        assert!(err.contains("`health_ok` must be marked sensitive"), "{err}");
        let text = crate::PROGRAMME_TOML.replace("fields = [\"track\",", "fields = [\"salary\", \"track\",");
        let err = Programme::parse(&text).expect_err("unknown field").to_string();
        assert!(err.contains("`salary` is not a field of the form"), "{err}");
    }

    #[test]
    fn window_bounds_are_half_open() {
        let p = Programme::embedded().expect("parses");
        let opens = p.window_opens().expect("opens");
        let closes = p.window_closes().expect("closes");
        assert!(p.window_open_at(opens));
        assert!(!p.window_open_at(opens - time::Duration::seconds(1)));
        assert!(p.window_open_at(closes - time::Duration::seconds(1)));
        assert!(!p.window_open_at(closes));
    }

    #[test]
    fn attachment1_caps_are_read() {
        let text = crate::PROGRAMME_TOML.replace(
            "published = false\n\n[attachment2]",
            "published = true\ncaps = { region-out = { hohhot = 6 } }\n\n[attachment2]",
        );
        let p = Programme::parse(&text).expect("parses");
        let s = p.stream("region", Track::Out).expect("stream");
        assert_eq!(p.league_cap(s, "hohhot"), Some(6));
        assert_eq!(p.league_cap(s, "baotou"), None);
    }

    #[test]
    fn attachment1_caps_hold_for_departments_too() {
        let text = crate::PROGRAMME_TOML.replace(
            "published = false\n\n[attachment2]",
            "published = true\ncaps = { region-out = { hohhot = 6, \"内蒙古大学\" = 2 } }\n\n[attachment2]",
        );
        let p = Programme::parse(&text).expect("parses");
        let s = p.stream("region", Track::Out).expect("stream");
        let slot = p.quota_slot(s, Some("内蒙古大学"));
        assert_eq!((slot.key.to_string(), slot.cap), ("region-out-内蒙古大学".to_owned(), 2));
        assert_eq!(slot.key.label(), "本盟市（厅局）名额（附件1）");
        // A department without a cap, and every department while 附件1 is not loaded, share the
        // stream's total.
        assert_eq!(p.quota_slot(s, Some("内蒙古农业大学")).key.to_string(), "region-out");
        let bad = text.replace("\"内蒙古大学\" = 2", "\"某某大学\" = 2");
        let err = Programme::parse(&bad).expect_err("unknown department").to_string();
        assert!(err.contains("某某大学") && err.contains("no such league or department"), "{err}");
    }
}
