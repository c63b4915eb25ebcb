//! `content/programme.toml`: the parsed, cross-checked rules of one round, one module per
//! section (as Zola splits its config); `load.rs` reads and cross-checks the whole.

mod attachments;
mod load;
mod places;
mod privacy;
mod site;
mod streams;
mod window;

pub use attachments::{Attachment1, Attachment2, AttachmentKind, AttachmentRules, Required};
pub use places::{Departments, EthnicGroup, League, Level};
pub use privacy::{Privacy, PrivacyCategory};
pub use site::{Centre, Contact, Footer, OfficialSystem, SEND_IS_CONVENIENCE};
pub use streams::{Costs, Fees, LeagueGroup, ProgrammeInfo, Qualification, Stream};
pub use window::{Deadline, Window};

use crate::types::Track;
use serde::{Deserialize, Serialize};
use time::Date;

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

pub(super) fn forty_eight() -> u32 {
    48
}

pub(super) fn yes() -> bool {
    true
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
    /// The published deadline (`deadline.date`).
    pub fn deadline_date(&self) -> Date {
        to_date(&self.deadline.date, "deadline.date").unwrap_or(Date::MIN)
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

#[cfg(test)]
mod tests;
