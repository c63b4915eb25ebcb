//! `[[programmes]]`, `[[streams]]` and `[costs]`: the programmes, their conditions, quotas and fees.

use super::{to_date, yes};
use crate::types::{Track, UnitLevel};
use serde::{Deserialize, Serialize};
use time::Date;

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
