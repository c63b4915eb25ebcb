use super::window::youngest_excluded;
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
    assert_eq!(youngest_excluded(time::macros::date!(2024 - 02 - 29), 45), Some(time::macros::date!(1978 - 02 - 28)));
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
