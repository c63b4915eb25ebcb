//! The conditions of a stream as a reviewer confirms them.

use super::profile::Profile;
use super::verdict::route;
use crate::programme::Programme;
use crate::types::{UnitLevel, YearMonth};
use serde::Serialize;

/// One condition of a stream as a reviewer confirms it: the rule in words, whether the
/// application meets it, and what the application shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleCheck {
    /// The rule, in the words the criteria page uses.
    pub rule: String,
    /// Met by the application as it stands.
    pub met: bool,
    /// What the application shows (age at the counting date, months, levels).
    pub shown: String,
}

/// Each condition of the stream `profile` routes to, checked: so a reviewer confirms rather
/// than recomputes. Empty when the answers route to no stream.
pub fn rule_checks(profile: &Profile, p: &Programme) -> Vec<RuleCheck> {
    let east = profile.league.as_ref().map(|(_, e)| *e);
    let stream = match (profile.track, profile.unit_level) {
        (Some(track), Some(level)) if level == UnitLevel::Region || east.is_some() => route(p, track, level, east),
        _ => None,
    };
    let Some(s) = stream else { return Vec::new() };
    let count_at = p.count_at();
    let mut checks = Vec::new();
    if s.minority_required {
        let (name, minority) = profile.ethnicity.clone().unwrap_or_default();
        let reading = if s.conditions_in_notice { "" } else { crate::READING };
        checks.push(RuleCheck { rule: format!("少数民族专业技术人才{reading}"), met: minority, shown: name });
    }
    if let (Some(bound), Some((born, _))) = (s.born_on_or_after_date(), profile.birth_date) {
        let limit = s.age_limit.map(|a| format!("{a}周岁以下，")).unwrap_or_default();
        let mut age = count_at.year() - born.year();
        if (count_at.month() as u8, count_at.day()) < (born.month() as u8, born.day()) {
            age -= 1;
        }
        checks.push(RuleCheck {
            rule: format!("年龄{limit}即{}年{}月{}日及以后出生", bound.year(), bound.month() as u8, bound.day()),
            met: born >= bound,
            shown: format!(
                "{}年{}月{}日出生，至{}年{}月{}日{age}周岁",
                born.year(),
                born.month() as u8,
                born.day(),
                count_at.year(),
                count_at.month() as u8,
                count_at.day()
            ),
        });
    }
    if let Some(q) = &s.qualification
        && let (Some(education), Some(title)) = (p.education(&q.education_at_least), p.title(&q.or_title_at_least))
    {
        let months = profile.profession_start.map(|start| start.months_until(YearMonth::of(count_at)).max(0));
        let by_education = profile.education_rank.is_some_and(|r| r >= education.rank)
            && months.is_some_and(|m| i64::from(m) >= i64::from(q.months_in_profession));
        let by_title = profile.title_rank.is_some_and(|r| r >= title.rank);
        let years = months.map(|m| format!("从事本专业{}年{}个月（共{m}个月）", m / 12, m % 12)).unwrap_or_default();
        let have_title =
            profile.title_rank.and_then(|r| p.title_levels.iter().find(|l| l.rank == r)).map(|l| l.name.clone());
        let shown = [Some(years), have_title.map(|t| format!("职称{t}"))].into_iter().flatten().collect::<Vec<_>>();
        // One condition with two ways to meet it, as the criteria page words it.
        checks.push(RuleCheck {
            rule: format!(
                "{}及以上学历且从事本专业工作{}以上，或具备{}及以上职称",
                education.name,
                q.experience_text(),
                title.name
            ),
            met: by_education || by_title,
            shown: shown.join("；"),
        });
    }
    checks
}
