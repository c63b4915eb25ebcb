use super::*;
use crate::eligibility::Reason;
use crate::programme::Programme;

/// A complete, eligible 区外 application from 呼和浩特市.
pub fn valid_form() -> ApplicationForm {
    ApplicationForm {
        name: Some("乌力吉".into()),
        gender: Some("female".into()),
        ethnicity: Some("蒙古族".into()),
        id_number: Some("150102198506010028".into()),
        phone: Some("13812345678".into()),
        email: Some("wuliji@example.com".into()),
        education: Some("master".into()),
        school: Some("内蒙古大学".into()),
        major: Some("临床医学".into()),
        title_level: Some("intermediate".into()),
        title_name: Some("主治医师".into()),
        employer: Some("呼和浩特市第一医院".into()),
        unit_level: Some("league".into()),
        league: Some("hohhot".into()),
        county: Some(String::new()),
        sector: Some("public".into()),
        grassroots: false,
        field: Some("health".into()),
        profession: Some("内科".into()),
        profession_start: Some("2015-07".into()),
        track: Some("out".into()),
        host_institution: Some("北京协和医院".into()),
        plan: Some("学习心血管内科诊疗新技术，回院后开展新项目。".into()),
        health_ok: true,
        pledge: true,
        consent_sensitive: true,
        unit_reviewer_email: Some("renshi@example.gov.cn".into()),
        ..ApplicationForm::default()
    }
}

fn fields(r: &[Reason]) -> Vec<&str> {
    r.iter().map(|r| r.field.as_str()).collect()
}

fn programme() -> Programme {
    Programme::embedded().expect("parses")
}

#[test]
fn an_application_gives_back_the_form_that_produces_it() {
    let p = programme();
    let parsed = Application::parse(&valid_form(), &p).expect("valid");
    let again = parsed.form();
    assert_eq!(Application::parse(&again, &p).expect("still valid"), parsed);
    let values = parsed.form_values();
    assert_eq!(values.len(), again.pairs().len());
    assert_eq!((values["track"].as_str(), values["pledge"].as_str()), ("out", "on"));
    assert_eq!((values["grassroots"].as_str(), values["department"].as_str()), ("", ""));
}

#[test]
fn id_number_check_character_is_right_in_fixture() {
    assert_eq!(crate::check_character("15010219850601002"), Some('8'));
}

#[test]
fn a_valid_form_parses_and_round_trips() {
    let app = Application::parse(&valid_form(), &programme()).expect("valid");
    assert_eq!(app.stream_key(), "region-out");
    assert_eq!(app.hr_scope().key(), "hohhot");
    assert_eq!(app.id_number.masked(), "1501**********0028");
    let json = serde_json::to_string(&app).expect("json");
    let back: Application = serde_json::from_str(&json).expect("back");
    assert_eq!(back, app);
}

#[test]
fn every_problem_is_reported_at_once_in_form_order() {
    let form = ApplicationForm {
        name: Some("王".into()),
        gender: Some("male".into()),
        phone: Some("12345".into()),
        unit_reviewer_email: Some("WULIJI@example.com".into()),
        plan: Some("太短".into()),
        pledge: false,
        consent_sensitive: false,
        ..valid_form()
    };
    let errors = Application::parse(&form, &programme()).expect_err("invalid");
    assert_eq!(
        fields(&errors),
        ["name", "gender", "phone", "plan", "unit_reviewer_email", "pledge", "consent_sensitive"]
    );
    assert!(errors[1].message.contains("身份证号码显示为女"));
}

#[test]
fn a_plan_is_at_most_2000_characters_in_20_lines() {
    let p = programme();
    let lines =
        |n: usize| ApplicationForm { plan: Some(vec!["学习新技术并回院推广"; n].join("\n")), ..valid_form() };
    assert!(Application::parse(&lines(20), &p).is_ok());
    let errors = Application::parse(&lines(21), &p).expect_err("too many lines");
    assert_eq!((fields(&errors), errors[0].message.as_str()), (vec!["plan"], "培养计划最多分20段，请合并部分段落"));
    let long = ApplicationForm { plan: Some("研".repeat(PLAN_MAX_CHARS)), ..valid_form() };
    assert!(Application::parse(&long, &p).is_ok());
    let longer = ApplicationForm { plan: Some("研".repeat(PLAN_MAX_CHARS + 1)), ..valid_form() };
    assert_eq!(fields(&Application::parse(&longer, &p).expect_err("too long")), ["plan"]);
}

#[test]
fn empty_form_names_every_required_field() {
    let errors = Application::parse(&ApplicationForm::default(), &programme()).expect_err("invalid");
    let f = fields(&errors);
    for required in [
        "name",
        "ethnicity",
        "id_number",
        "phone",
        "email",
        "education",
        "school",
        "major",
        "title_level",
        "employer",
        "unit_level",
        "league",
        "sector",
        "field",
        "profession",
        "profession_start",
        "track",
        "host_institution",
        "plan",
        "unit_reviewer_email",
        "health_ok",
        "pledge",
        "consent_sensitive",
    ] {
        assert!(f.contains(&required), "{required} missing from {f:?}");
    }
    assert!(!f.contains(&"title_name") && !f.contains(&"county"));
    // 性别 follows from the 身份证号: a missing number is the one error to fix.
    assert!(!f.contains(&"gender"));
}

#[test]
fn gender_follows_from_the_identity_number_and_must_agree_when_given() {
    let p = programme();
    let derived = Application::parse(&ApplicationForm { gender: None, ..valid_form() }, &p).expect("valid");
    assert_eq!(Some(derived.gender), derived.id_number.opened().map(IdNumber::gender));
    let other = if derived.gender == Gender::Male { "female" } else { "male" };
    let wrong = ApplicationForm { gender: Some(other.into()), ..valid_form() };
    assert_eq!(fields(&Application::parse(&wrong, &p).expect_err("disagrees")), ["gender"]);
}

#[test]
fn region_units_need_a_department_listed_or_named_in_full() {
    let form = ApplicationForm { unit_level: Some("region".into()), league: None, ..valid_form() };
    assert_eq!(fields(&Application::parse(&form, &programme()).expect_err("no dept")), ["department"]);
    let listed = ApplicationForm { department: Some("内蒙古大学".into()), ..form.clone() };
    let app = Application::parse(&listed, &programme()).expect("valid");
    assert_eq!((app.hr_scope().key(), app.stream_key().as_str()), ("内蒙古大学", "region-out"));
    // The list is the site's sample: another 厅局（高校） is taken by its full name.
    let other = ApplicationForm { department: Some("内蒙古自治区林业和草原局".into()), ..form.clone() };
    assert_eq!(Application::parse(&other, &programme()).expect("valid").hr_scope().key(), "内蒙古自治区林业和草原局");
    let short = ApplicationForm { department: Some("林".into()), ..form };
    let errors = Application::parse(&short, &programme()).expect_err("too short");
    assert_eq!(fields(&errors), ["department"]);
    assert!(errors[0].message.contains("全称"));
}

#[test]
fn lengths_and_control_characters_are_bounded() {
    let form = ApplicationForm {
        employer: Some("单".repeat(101)),
        name: Some("a\u{0}b".into()),
        plan: Some("第一行\n第二行：学习内容很多。".into()),
        ..valid_form()
    };
    let errors = Application::parse(&form, &programme()).expect_err("invalid");
    assert_eq!(fields(&errors), ["name", "employer"]);
    assert!(errors[1].message.contains("101"));
}

#[test]
fn form_values_parse_back_to_the_same_application() {
    let p = programme();
    let app = Application::parse(&valid_form(), &p).expect("valid");
    let pairs: Vec<(String, String)> = app.form_values().into_iter().collect();
    let encoded = serde_json::to_value(pairs.into_iter().collect::<std::collections::BTreeMap<_, _>>()).expect("json");
    let form: ApplicationForm = serde_json::from_value(encoded).expect("form");
    assert_eq!(Application::parse(&form, &p).expect("valid again"), app);
}

#[test]
fn content_ignores_request_metadata() {
    let a = ApplicationForm { submission_id: Some("x".into()), ..valid_form() };
    let b = ApplicationForm { submission_id: Some("y".into()), website: Some(String::new()), ..valid_form() };
    assert_eq!(a.content(), b.content());
    assert!(!a.is_bot());
    assert!(ApplicationForm { website: Some("http://spam".into()), ..valid_form() }.is_bot());
}
