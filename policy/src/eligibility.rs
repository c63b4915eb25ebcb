//! Who may apply to which stream: routing and conditions, each failure a reason with its field.

use crate::id_number::IdNumber;
use crate::programme::{LeagueGroup, Programme, Stream};
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
        checks.push(RuleCheck { rule: "少数民族专业技术人才".into(), met: minority, shown: name });
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

fn check_stream(profile: &Profile, p: &Programme, s: &Stream, reasons: &mut Vec<Reason>) {
    if s.minority_required
        && let Some((name, false)) = &profile.ethnicity
    {
        reasons.push(Reason::new("ethnicity", format!("{}面向少数民族专业技术人才，所选民族为{name}", s.name)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn programme() -> Programme {
        Programme::embedded().expect("programme parses")
    }

    fn form(track: &str, unit: &str, league: &str) -> ProfileForm {
        ProfileForm {
            ethnicity: Some("蒙古族".into()),
            birth_date: Some("1990-05-01".into()),
            education: Some("master".into()),
            title_level: Some("intermediate".into()),
            unit_level: Some(unit.into()),
            league: Some(league.into()),
            track: Some(track.into()),
            profession_start: Some("2015-07".into()),
            health_ok: true,
            pledge: true,
            ..ProfileForm::default()
        }
    }

    #[test]
    fn the_self_check_lists_every_track_that_fits() {
        let p = programme();
        // A county unit in 包头市: both 区外 (自治区特培) and 区内 fit, whatever track was asked.
        let asked = self_check(&Profile::parse(&form("out", "county", "baotou"), &p), &p);
        assert!(asked.eligible && asked.track == Some(Track::Out));
        let fits: Vec<Track> = asked.options.iter().filter(|o| o.eligible).map(|o| o.track).collect();
        assert_eq!(fits, [Track::Out, Track::In]);
        // No track asked: the answer names the first that fits, and no reason asks for a track.
        let mut none = form("out", "county", "baotou");
        none.track = None;
        let open = self_check(&Profile::parse(&none, &p), &p);
        assert!(open.eligible && open.track == Some(Track::Out), "{open:?}");
        assert!(open.reasons.iter().all(|r| r.field != "track"));
        // A league unit: 区内 does not fit, with its reason; 区外 does.
        let league = self_check(&Profile::parse(&form("in", "league", "baotou"), &p), &p);
        assert!(!league.eligible);
        let out = league.options.iter().find(|o| o.track == Track::Out).expect("out");
        let inside = league.options.iter().find(|o| o.track == Track::In).expect("in");
        assert!(out.eligible && !inside.eligible && inside.reasons.iter().any(|r| r.field == "unit_level"));
    }

    fn verdict(f: &ProfileForm) -> Verdict {
        let p = programme();
        eligibility(&Profile::parse(f, &p), &p)
    }

    fn fields(v: &Verdict) -> Vec<&str> {
        v.reasons.iter().map(|r| r.field.as_str()).collect()
    }

    #[test]
    fn routing_follows_the_notice() {
        let cases = [
            ("out", "league", "hulunbuir", Some(("northeast", Track::Out))),
            ("out", "county", "manzhouli", Some(("northeast", Track::Out))),
            ("out", "township", "二连浩特市", Some(("northeast", Track::Out))),
            ("out", "league", "hohhot", Some(("region", Track::Out))),
            ("out", "region", "", Some(("region", Track::Out))),
            ("in", "county", "chifeng", Some(("region", Track::In))),
            ("in", "township", "hohhot", Some(("region", Track::In))),
            ("in", "league", "hohhot", None),
            ("in", "region", "", None),
        ];
        for (track, unit, league, want) in cases {
            let v = verdict(&form(track, unit, league));
            let got = v.programme.as_deref().zip(v.track);
            assert_eq!(got, want, "{track} {unit} {league}: {:?}", v.reasons);
        }
        let v = verdict(&form("in", "league", "hohhot"));
        assert_eq!(fields(&v), ["unit_level"]);
        assert!(v.reasons[0].message.contains("旗县（区）级单位"), "{:?}", v.reasons);
    }

    #[test]
    fn region_out_needs_minority_age_and_qualification() {
        let ok = form("out", "league", "hohhot");
        assert!(verdict(&ok).eligible, "{:?}", verdict(&ok).reasons);

        let han = ProfileForm { ethnicity: Some("汉族".into()), ..ok.clone() };
        assert_eq!(fields(&verdict(&han)), ["ethnicity"]);

        // Master's degree but only 59 months: needs the title instead.
        let short = ProfileForm { profession_start: Some("2020-04".into()), ..ok.clone() };
        let v = verdict(&short);
        assert_eq!(fields(&v), ["education"]);
        assert!(v.reasons[0].message.contains("59个月"), "{:?}", v.reasons);
        let exactly = ProfileForm { profession_start: Some("2020-03".into()), ..ok.clone() };
        assert!(verdict(&exactly).eligible);
        let titled = ProfileForm { title_level: Some("deputy_senior".into()), ..short.clone() };
        assert!(verdict(&titled).eligible);
        let bachelor = ProfileForm { education: Some("bachelor".into()), ..ok.clone() };
        assert_eq!(fields(&verdict(&bachelor)), ["education"]);
    }

    #[test]
    fn region_in_needs_county_level_age_35_and_no_minority() {
        let ok = ProfileForm {
            ethnicity: Some("汉族".into()),
            education: Some("bachelor".into()),
            title_level: Some("none".into()),
            profession_start: Some("2021-03".into()),
            birth_date: Some("1989-03-22".into()),
            ..form("in", "county", "ordos")
        };
        assert!(verdict(&ok).eligible, "{:?}", verdict(&ok).reasons);
        let short = ProfileForm { profession_start: Some("2021-04".into()), ..ok.clone() };
        assert_eq!(fields(&verdict(&short)), ["education"]);
        let intermediate =
            ProfileForm { title_level: Some("intermediate".into()), education: Some("associate".into()), ..short };
        assert!(verdict(&intermediate).eligible);
        let old = ProfileForm { birth_date: Some("1989-03-21".into()), ..ok };
        let v = verdict(&old);
        assert_eq!(fields(&v), ["birth_date"]);
        assert!(v.reasons[0].message.contains("35周岁以下") && v.reasons[0].message.contains("1989年3月22日"));
    }

    #[test]
    fn northeast_needs_minority_only() {
        let ok = ProfileForm {
            education: Some("other".into()),
            title_level: Some("none".into()),
            birth_date: Some("1960-01-01".into()),
            ..form("out", "county", "tongliao")
        };
        assert!(verdict(&ok).eligible, "{:?}", verdict(&ok).reasons);
        let han = ProfileForm { ethnicity: Some("汉族".into()), ..ok };
        assert_eq!(fields(&verdict(&han)), ["ethnicity"]);
    }

    #[test]
    fn missing_answers_and_checkboxes_each_get_a_reason() {
        let v = verdict(&ProfileForm::default());
        assert!(!v.eligible);
        assert_eq!(v.programme, None);
        assert_eq!(
            fields(&v),
            [
                "track",
                "unit_level",
                "league",
                "ethnicity",
                "birth_date",
                "education",
                "title_level",
                "profession_start",
                "health_ok",
                "pledge"
            ]
        );
    }

    #[test]
    fn id_number_stands_in_for_birth_date() {
        // Born 1979-03-21: one day too old for 区外.
        let first17 = "15010219790321001";
        let id = format!("{first17}{}", crate::check_character(first17).expect("digits"));
        let f = ProfileForm { id_number: Some(id), birth_date: None, ..form("out", "league", "hohhot") };
        assert_eq!(fields(&verdict(&f)), ["id_number"]);
        let bad = ProfileForm { id_number: Some("123".into()), ..f };
        assert_eq!(fields(&verdict(&bad)), ["id_number"]);
    }

    #[test]
    fn form_checkbox_text_is_read() {
        let f: ProfileForm =
            serde_json::from_str(r#"{"health_ok":"on","pledge":true,"extra":"ignored"}"#).expect("parses");
        assert!(f.health_ok && f.pledge);
        let f: ProfileForm = serde_json::from_str(r#"{"health_ok":null,"pledge":"no"}"#).expect("parses");
        assert!(!f.health_ok && !f.pledge);
    }

    proptest! {
        /// The age rule holds exactly at the bound, is broken a day before and holds a day after,
        /// for any bound date.
        #[test]
        fn age_bound_is_inclusive(days in 0i64..20_000) {
            let mut p = programme();
            let bound = time::macros::date!(1960 - 01 - 01) + time::Duration::days(days);
            let text = format!("{:04}-{:02}-{:02}", bound.year(), bound.month() as u8, bound.day());
            let s = p.streams.iter_mut().find(|s| s.key() == "region-out").expect("stream");
            s.born_on_or_after = Some(text.parse().expect("date"));
            let at = |d: Date| {
                let f = ProfileForm {
                    birth_date: Some(format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())),
                    title_level: Some("senior".into()),
                    ..form("out", "league", "hohhot")
                };
                eligibility(&Profile::parse(&f, &p), &p).eligible
            };
            prop_assert!(at(bound));
            prop_assert!(!at(bound - time::Duration::days(1)));
            prop_assert!(at(bound + time::Duration::days(1)));
        }
    }
}
