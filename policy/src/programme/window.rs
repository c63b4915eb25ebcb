//! `[deadline]` and `[window]`: when the round closes, when each stage may act.

use super::{Programme, ProgrammeError, invalid};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

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

/// The day `years + 1` years before `at` (the same month and day, or 28 Feb for 29 Feb): whoever
/// was born on it is `years + 1` at `at`, so "`years`周岁以下" means born after it.
pub(super) fn youngest_excluded(at: Date, years: u32) -> Option<Date> {
    let year = at.year() - i32::try_from(years).ok()? - 1;
    Date::from_calendar_date(year, at.month(), at.day())
        .or_else(|_| Date::from_calendar_date(year, at.month(), at.day() - 1))
        .ok()
}

impl Programme {
    pub(super) fn window_instant(text: &str, key: &str) -> Result<OffsetDateTime, ProgrammeError> {
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
}
