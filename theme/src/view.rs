//! The programme as templates see it: every number and list already formatted in Chinese.

use policy::{Field, Gender, Programme, Sector, StreamCost, Track, UnitLevel};
use serde_json::{Value, json};

pub use policy::{chinese_date, chinese_instant};

/// A close as people say it, Beijing time: the first refused instant `2025-03-22 00:00` is
/// `2025年3月21日24:00前`; any other is `2025年3月21日 17:30前`.
pub fn before_text(close: time::OffsetDateTime) -> String {
    let t = close.to_offset(time::macros::offset!(+8));
    match (t.hour(), t.minute(), t.date().previous_day()) {
        (0, 0, Some(day)) => format!("{}24:00前", chinese_date(day)),
        _ => format!("{}前", chinese_instant(t)),
    }
}

/// Each stage's close in words, in order: who, and until when (this site's settings).
pub fn stage_closes(p: &Programme) -> Vec<(&'static str, String)> {
    policy::Actor::ALL
        .into_iter()
        .filter_map(|actor| p.stage_closes(actor).map(|close| (actor.stage_name(), before_text(close))))
        .collect()
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Value {
    all.iter().map(|v| json!({"code": code(*v), "name": label(*v)})).collect()
}

/// What the layout itself shows on every page (header and footer), kept small so plain pages do
/// not carry the whole programme.
pub fn chrome_view(p: &Programme) -> Value {
    json!({
        "round": p.round,
        "notice_issuer": p.notice_issuer,
        "office": p.contact.office,
        "phones": p.contact.phones,
        "official": p.official_system,
        // What applying here counts for: the one sentence of the round's mode.
        "standing": p.official_system.standing(),
        "footer": p.footer,
        "address": p.contact.address,
        "people": p.contact.people,
    })
}

/// Whether a template shows programme data (everything but the plain page layouts).
pub fn needs_programme(template: &str) -> bool {
    template != "page.html"
}

/// Builds the template view of the programme.
pub fn programme_view(p: &Programme) -> Value {
    let league_name = |code: &str| p.league(code).map(|l| l.name.clone()).unwrap_or_default();
    let streams: Vec<Value> = p
        .streams
        .iter()
        .map(|s| {
            let qualification = s.qualification.as_ref().map(|q| {
                json!({
                    "education": p.education(&q.education_at_least).map(|l| l.name.clone()),
                    "experience": q.experience_text(),
                    "months": q.months_in_profession,
                    "title": p.title(&q.or_title_at_least).map(|l| l.name.clone()),
                })
            });
            let caps: Vec<Value> = p
                .attachment1
                .caps
                .get(&s.key())
                .map(|c| c.iter().map(|(l, n)| json!({"league": league_name(l), "cap": n})).collect())
                .unwrap_or_default();
            let levels: Vec<&str> = s.unit_levels.iter().map(|l| l.label()).collect();
            json!({
                "key": s.key(),
                "programme": s.programme,
                "programme_name": p.programme(&s.programme).map(|x| x.short_name.clone()),
                "track": s.track.code(),
                "track_name": s.track.label(),
                "name": s.name,
                "scope": s.scope,
                "quota": s.quota,
                "unit_levels": levels.join("、"),
                "minority_required": s.minority_required,
                "age_limit": s.age_limit,
                "born_on_or_after": s.born_on_or_after_date().map(chinese_date),
                "qualification": qualification,
                "fees": s.fees,
                "cost": StreamCost::of(p, s),
                "conditions_in_notice": s.conditions_in_notice,
                "league_caps": caps,
            })
        })
        .collect();
    let programmes: Vec<Value> = p
        .programmes
        .iter()
        .map(|x| {
            json!({
                "code": x.code, "name": x.name, "short_name": x.short_name,
                "funding": x.funding, "rules_source": x.rules_source,
                "quota": p.streams.iter().filter(|s| s.programme == x.code).map(|s| s.quota).sum::<u32>(),
            })
        })
        .collect();
    let east: Vec<&str> = p.leagues.iter().filter(|l| l.east && l.within.is_none()).map(|l| l.name.as_str()).collect();
    let leagues: Vec<Value> = p
        .leagues
        .iter()
        .map(
            |l| json!({"code": l.code, "name": l.name, "east": l.east, "within": l.within.as_deref().map(league_name)}),
        )
        .collect();
    let window = match (p.window_opens(), p.window_closes()) {
        (Ok(o), Ok(c)) => json!({
            "opens": chinese_instant(o),
            "closes": chinese_instant(c),
            "closes_before": before_text(c),
            "stages": stage_closes(p).into_iter().map(|(who, until)| json!({"who": who, "until": until})).collect::<Vec<_>>(),
        }),
        _ => Value::Null,
    };
    let count_at = p.count_at();
    let privacy_categories: Vec<Value> = p
        .privacy
        .categories
        .iter()
        .map(|c| {
            let labels = |fields: &[String]| fields.iter().map(|f| policy::field_label(f)).collect::<Vec<_>>().join("、");
            json!({"name": c.name, "fields": labels(&c.fields), "purpose": c.purpose, "sensitive": labels(&c.sensitive)})
        })
        .collect();
    let mut view = json!({
        // Each field's one label, by code (the form, the print page and the privacy rules).
        "labels": policy::FIELDS.iter().map(|f| (f.code.to_owned(), Value::from(f.label))).collect::<serde_json::Map<_, _>>(),
        "privacy": {
            "version": p.privacy.version, "handler": p.privacy.handler, "storage": p.privacy.storage,
            "retention": p.privacy.retention, "categories": privacy_categories,
            "keep_until": p.keep_until().map(|d| format!("{}年{}月{}日", d.year(), d.month() as u8, d.day())),
            "erase_unfinished_after_days": p.privacy.erase_unfinished_after_days,
        },
        "round": p.round,
        "notice_title": p.notice_title,
        "notice_issuer": p.notice_issuer,
        "notice_date": p.notice_date.to_string(),
        "summary_title": p.summary_title,
        "attachment1_loaded": p.attachment1.published && !p.attachment1.caps.is_empty(),
        "training_months": p.training_months,
        "deadline": chinese_date(p.deadline_date()),
        "count_at": chinese_date(count_at),
        "count_at_month": format!("{}年{}月", count_at.year(), count_at.month() as u8),
        "window": window,
        "centre": p.centre,
        "contact": p.contact,
        "programmes": programmes,
        "streams": streams,
        "stream_names": p.streams.iter().map(|s| (s.key(), Value::String(s.name.clone()))).collect::<serde_json::Map<_, _>>(),
        "quota_total": p.streams.iter().map(|s| s.quota).sum::<u32>(),
        "costs": p.costs,
        "attachment1_published": p.attachment1.published,
        "attachment2_published": p.attachment2.published,
        "leagues": leagues,
        "east_leagues": east.join("、"),
        "departments": p.departments,
        "ethnic_groups": p.ethnic_groups,
        "ethnic_options": p.ethnic_groups.iter().map(|g| json!({"code": g.name, "name": g.name})).collect::<Vec<_>>(),
        "department_options": p.departments.names.iter().map(|d| json!({"code": d, "name": d})).collect::<Vec<_>>(),
        "education_levels": p.education_levels,
        "title_levels": p.title_levels,
        "unit_levels": codes(UnitLevel::ALL, UnitLevel::code, UnitLevel::label),
        "tracks": codes(Track::ALL, Track::code, Track::label),
        "genders": codes(Gender::ALL, Gender::code, Gender::label),
        "sectors": codes(Sector::ALL, Sector::code, Sector::label),
        "fields": codes(Field::ALL, Field::code, Field::label),
        "gaps": p.gaps(),
        "attachment_kinds": p.attachment_kinds.iter().map(|k| json!({
            "code": k.code,
            "name": k.name,
            "required": match k.required {
                policy::Required::Always => "必须上传（本站设置）",
                policy::Required::Minority => "申报须为少数民族的项目时必须上传（本站设置）",
                policy::Required::ByEducation => "以学历和工作年限符合条件的，须上传（本站设置）",
                policy::Required::ByTitle => "以职称符合条件的，须上传（本站设置）",
                policy::Required::Never => "选填",
            },
        })).collect::<Vec<_>>(),
        "attachment_max_mb": p.attachments.max_bytes.div_ceil(1024 * 1024),
        "attachment_max_files": p.attachments.max_files,
    });
    // The application form's sections and inputs, from the same table.
    view["form"] = crate::form::form_view(p);
    // The notice's paper step, and what the site's own sending of the 汇总表 is.
    view["paper_step"] = Value::String(p.paper_step());
    view["send_is_convenience"] = Value::from(policy::SEND_IS_CONVENIENCE);
    view["attachment_notice_words"] = Value::from(p.attachments.notice_words.as_str());
    view["quota_reading"] = Value::from(policy::QUOTA_READING);
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_carries_formatted_rules() {
        let p = Programme::embedded().expect("parses");
        let v = programme_view(&p);
        assert_eq!(v["quota_total"], 150);
        assert_eq!(v["deadline"], "2025年3月21日");
        assert_eq!(v["streams"][1]["born_on_or_after"], "1979年3月22日");
        assert_eq!(v["streams"][1]["cost"]["per_person"], 49_000);
        assert_eq!(v["east_leagues"], "呼伦贝尔市、兴安盟、通辽市、赤峰市、锡林郭勒盟");
        assert_eq!(v["window"]["opens"], "2025年3月13日 00:00");
        assert_eq!(v["programmes"][1]["quota"], 90);
    }
}
