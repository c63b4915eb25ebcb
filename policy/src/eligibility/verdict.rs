//! The verdict: routing to a stream, then each of its conditions; and the self-check, which
//! tries every track.

use super::profile::{Profile, Reason};
use crate::programme::{LeagueGroup, Programme, Stream};
use crate::types::{Track, UnitLevel, YearMonth};
use serde::Serialize;

/// The outcome of the self-check or of the application's eligibility step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// No reason stands against the applicant.
    pub eligible: bool,
    /// The programme the applicant is routed to, if routing succeeded.
    pub programme: Option<String>,
    /// The track, if routing succeeded.
    pub track: Option<Track>,
    /// Every problem and failed condition.
    pub reasons: Vec<Reason>,
    /// The self-check only: the outcome for each track, so a person learns every stream they
    /// fit whatever track they came for. Shown on the page; the API's answer keeps its contract
    /// shape.
    #[serde(skip)]
    pub options: Vec<TrackVerdict>,
}

/// One track's outcome in the self-check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrackVerdict {
    /// The track tried.
    pub track: Track,
    /// The programme it routes to, if any.
    pub programme: Option<String>,
    /// Whether the person fits it.
    pub eligible: bool,
    /// Why not.
    pub reasons: Vec<Reason>,
}

/// The self-check: the answers tried against every track. The answer's own fields are those of
/// the track asked for; with none asked, of the first track that fits (or the closest).
pub fn self_check(profile: &Profile, p: &Programme) -> Verdict {
    let options: Vec<TrackVerdict> = Track::ALL
        .iter()
        .map(|track| {
            let mut tried = profile.clone();
            tried.track = Some(*track);
            tried.problems.retain(|r| r.field != "track");
            let v = eligibility(&tried, p);
            TrackVerdict { track: *track, programme: v.programme, eligible: v.eligible, reasons: v.reasons }
        })
        .collect();
    let mut verdict = match profile.track {
        Some(_) => eligibility(profile, p),
        None => {
            let best =
                options.iter().find(|o| o.eligible).or_else(|| options.iter().min_by_key(|o| o.reasons.len())).cloned();
            match best {
                Some(o) => Verdict {
                    eligible: o.eligible,
                    programme: o.programme,
                    track: Some(o.track),
                    reasons: o.reasons,
                    options: Vec::new(),
                },
                None => eligibility(profile, p),
            }
        }
    };
    verdict.options = options;
    verdict
}

/// The stream an applicant belongs to, by track, unit level and league group.
pub fn route(p: &Programme, track: Track, level: UnitLevel, east: Option<bool>) -> Option<&Stream> {
    p.streams.iter().find(|s| {
        s.track == track
            && s.unit_levels.contains(&level)
            && (level == UnitLevel::Region
                || match (s.leagues, east) {
                    (LeagueGroup::Any, _) => true,
                    (LeagueGroup::East, Some(e)) => e,
                    (LeagueGroup::Other, Some(e)) => !e,
                    (_, None) => false,
                })
    })
}

/// Applies the programme's rules to a profile: routing, then each condition of the stream.
pub fn eligibility(profile: &Profile, p: &Programme) -> Verdict {
    let mut reasons = profile.problems.clone();
    let east = profile.league.as_ref().map(|(_, e)| *e);
    let stream = match (profile.track, profile.unit_level) {
        (Some(track), Some(level)) if level == UnitLevel::Region || east.is_some() => {
            let found = route(p, track, level, east);
            if found.is_none() {
                let open: Vec<&str> = UnitLevel::ALL
                    .iter()
                    .filter(|l| p.streams.iter().any(|s| s.track == track && s.unit_levels.contains(l)))
                    .map(|l| l.label())
                    .collect();
                reasons.push(Reason::new(
                    "unit_level",
                    format!("{}只面向以下单位的专业技术人才：{}", track.label(), open.join("、")),
                ));
            }
            found
        }
        _ => None,
    };
    if let Some(s) = stream {
        check_stream(profile, p, s, &mut reasons);
    }
    if !profile.health_ok {
        reasons.push(Reason::new("health_ok", "申报人须身心健康，请确认"));
    }
    if !profile.pledge {
        reasons.push(Reason::new("pledge", "请阅读并确认政治素质承诺"));
    }
    Verdict {
        eligible: reasons.is_empty(),
        programme: stream.map(|s| s.programme.clone()),
        track: stream.map(|s| s.track),
        reasons,
        options: Vec::new(),
    }
}

fn check_stream(profile: &Profile, p: &Programme, s: &Stream, reasons: &mut Vec<Reason>) {
    if s.minority_required
        && let Some((name, false)) = &profile.ethnicity
    {
        // For a stream whose conditions the notice leaves to its unpublished measures, this is the
        // site's reading, marked as the criteria page marks it.
        let reading = if s.conditions_in_notice { "" } else { crate::READING };
        reasons
            .push(Reason::new("ethnicity", format!("{}面向少数民族专业技术人才，所选民族为{name}{reading}", s.name)));
    }
    if let (Some(bound), Some((born, field))) = (s.born_on_or_after_date(), profile.birth_date)
        && born < bound
    {
        let limit = s.age_limit.map(|a| format!("{a}周岁以下")).unwrap_or_default();
        reasons.push(Reason::new(
            field,
            format!(
                "{}要求年龄在{limit}（{}年{}月{}日及以后出生）",
                s.name,
                bound.year(),
                bound.month() as u8,
                bound.day()
            ),
        ));
    }
    if let Some(q) = &s.qualification {
        let education = p.education(&q.education_at_least);
        let title = p.title(&q.or_title_at_least);
        let (Some(education), Some(title)) = (education, title) else {
            return;
        };
        let months = profile.profession_start.map(|s| s.months_until(YearMonth::of(p.count_at())));
        let by_education = profile.education_rank.is_some_and(|r| r >= education.rank)
            && months.is_some_and(|m| i64::from(m) >= i64::from(q.months_in_profession));
        let by_title = profile.title_rank.is_some_and(|r| r >= title.rank);
        let known = profile.education_rank.is_some() && profile.title_rank.is_some() && months.is_some();
        if known && !by_education && !by_title {
            let have =
                months.map(|m| format!("（至{}共{}个月）", YearMonth::of(p.count_at()), m.max(0))).unwrap_or_default();
            reasons.push(Reason::new(
                "education",
                format!(
                    "{}要求{}及以上学历且从事本专业工作{}以上{have}，或具备{}及以上职称",
                    s.name,
                    education.name,
                    q.experience_text(),
                    title.name
                ),
            ));
        }
    }
}
