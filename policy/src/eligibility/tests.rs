use super::*;
use crate::programme::Programme;
use crate::types::Track;
use proptest::prelude::*;
use time::Date;

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
    let f: ProfileForm = serde_json::from_str(r#"{"health_ok":"on","pledge":true,"extra":"ignored"}"#).expect("parses");
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
