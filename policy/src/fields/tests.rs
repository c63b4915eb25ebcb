use super::*;
use crate::held::{ERASED, ERASED_ADDRESS};

fn programme() -> Programme {
    Programme::embedded().expect("parses")
}

fn seed() -> Application {
    let form: ApplicationForm =
        crate::json_object(include_bytes!("../../../fuzz/seeds/application_json/valid.json")).expect("seed");
    let mut a = Application::parse(&form, &programme()).expect("valid");
    a.consented = Some(crate::Consented { rules_version: "2025-3".into(), at: "2025-03-14T01:02:03Z".into() });
    a
}

#[test]
fn each_field_is_listed_once_with_one_label() {
    let mut codes = std::collections::BTreeSet::new();
    let mut labels = std::collections::BTreeSet::new();
    for f in FIELDS {
        assert!(codes.insert(f.code), "{} twice", f.code);
        assert!(labels.insert(f.label), "label {} twice", f.label);
        assert!(field(f.answered_at).is_some_and(|at| at.form.is_some()), "{} answered at no form field", f.code);
        assert_eq!(f.form.is_none(), f.input == Input::Derived, "{}", f.code);
    }
    assert_eq!(field_label("title_level"), "专业技术职称级别");
    assert_eq!(field_label("attachments"), ATTACHMENTS_LABEL);
}

/// Every field the privacy rules call personal or sensitive holds nothing after erasure, but
/// for the few the table keeps in the de-identified row: a personal field added to the table is
/// erased (or the table says why it is kept), with no change to erasure.
#[test]
fn erasure_leaves_no_personal_field_but_the_de_identified_row() {
    let p = programme();
    let before = Application { county: "新城区".into(), ..seed() };
    let mut erased = before.clone();
    erased.erase(&p);
    let mut kept = Vec::new();
    for f in FIELDS {
        let (was, is) = (value(f, &p, &before), value(f, &p, &erased));
        match (p.privacy_of(f.code), f.erase) {
            (Category::None, _) => assert_eq!(was, is, "{} is not personal and stays", f.code),
            (_, Erase::Keep) => {
                assert_eq!(was, is, "{} is kept", f.code);
                kept.push(f.code);
            }
            (_, Erase::Clear(_)) => {
                assert!(was.as_deref().is_some_and(|v| !v.is_empty() && v != ERASED), "{} held nothing", f.code);
                assert!(
                    is.as_deref().is_none_or(|v| v.is_empty() || v == ERASED || v == ERASED_ADDRESS),
                    "{} still holds {is:?}",
                    f.code
                );
            }
        }
    }
    // What the de-identified row keeps, for statistics; nothing sensitive.
    assert_eq!(
        kept,
        [
            "gender",
            "education",
            "title_level",
            "unit_level",
            "league",
            "department",
            "sector",
            "grassroots",
            "field",
            "profession_start",
            "track",
            "programme"
        ]
    );
    assert!(erased.id_number.opened().is_none() && erased.birth().is_none());
}

/// A field's value as the form posts it, or (derived) as pages show it.
fn value(f: &FieldSpec, p: &Programme, a: &Application) -> Option<String> {
    match f.form {
        Some(slot) => (slot.of)(a),
        None if f.code == "birth_date" => a.birth().map(|d| d.to_string()),
        None => (f.shown)(p, a),
    }
}

#[test]
fn rules_cannot_make_a_kept_field_sensitive_or_leave_a_field_unnamed() {
    let text = crate::PROGRAMME_TOML.replace(
        "sensitive = [\"ethnicity\", \"id_number\"]",
        "sensitive = [\"ethnicity\", \"id_number\", \"gender\"]",
    );
    let err = Programme::parse(&text).expect_err("gender is kept").to_string();
    assert!(err.contains("`gender` is kept"), "{err}");
    let text =
        crate::PROGRAMME_TOML.replace("fields = [\"phone\", \"email\"]", "fields = [\"phone\", \"email\", \"pledge\"]");
    let err = Programme::parse(&text).expect_err("pledge is no personal data").to_string();
    assert!(err.contains("`pledge` is not a field of the form"), "{err}");
    let p = programme();
    assert_eq!(
        (p.privacy_of("id_number"), p.privacy_of("birth_date"), p.privacy_of("plan"), p.privacy_of("pledge")),
        (Category::Sensitive, Category::Sensitive, Category::Personal, Category::None)
    );
}

/// The check code covers these fields in this order for every form printed so far: a change
/// here changes the code on paper already stamped (a new field joins only with a new code
/// version).
#[test]
fn the_check_code_fields_and_their_values_are_pinned() {
    assert_eq!(
        CHECKED_FIELDS,
        [
            "name",
            "gender",
            "ethnicity",
            "id_number",
            "phone",
            "email",
            "education",
            "school",
            "major",
            "title_level",
            "title_name",
            "employer",
            "unit_level",
            "league",
            "department",
            "county",
            "sector",
            "grassroots",
            "field",
            "profession",
            "profession_start",
            "track",
            "host_institution",
            "plan",
            "health_ok",
            "pledge",
            "unit_reviewer_email",
        ]
    );
    let values = seed().form_values();
    let parts: Vec<String> = CHECKED_FIELDS
        .iter()
        .map(|f| format!("{f}={}", values.get(*f).map(String::as_str).unwrap_or_default()))
        .collect();
    let parts: Vec<&str> = std::iter::once("paper").chain(parts.iter().map(String::as_str)).collect();
    // As computed before the field table (commit d352c16).
    assert_eq!(
        crate::keyed_hash(b"pinned secret", &parts),
        "c438b90b5ce69d8bbbbeca5706df5b188087aa95cb99c7ef4fde7ef5956d63da"
    );
}

#[test]
fn the_summary_headings_are_in_place() {
    assert_eq!(
        EXPORT_HEADINGS,
        [
            "姓名",
            "性别",
            "民族",
            "出生年月",
            "学历",
            "职称",
            "工作单位",
            "单位层级",
            "从事专业",
            "从事本专业起始年月",
            "项目",
            "培养方式",
            "意向培养单位",
            "是否基层",
            "是否非公",
            "联系电话"
        ]
    );
}

/// The form asks exactly the fields it takes (not a derived one, nor 性别, which follows from the
/// 身份证号), each with a control of its kind, section by section in the table's order.
#[test]
fn the_form_asks_each_field_it_takes_in_the_order_of_its_sections() {
    let mut section = Section::ALL[0];
    for f in FIELDS {
        assert_eq!(f.ask.is_some(), f.answered_at == f.code && f.input != Input::Derived, "{}", f.code);
        let Some(ask) = f.ask else { continue };
        assert!(ask.section >= section, "{} comes after the fields of a later section", f.code);
        section = ask.section;
        let fits = matches!(
            (f.input, ask.control),
            (Input::Text, Control::Line { .. })
                | (Input::LongText, Control::Area { .. })
                | (Input::Choice, Control::Select(_) | Control::Radios(_))
                | (Input::Check, Control::Check { .. })
        );
        assert!(fits, "{}: {:?} asked with {:?}", f.code, f.input, ask.control);
    }
    for s in Section::ALL {
        assert!(FIELDS.iter().any(|f| f.ask.is_some_and(|a| a.section == s)), "{s:?} asks nothing");
    }
}

/// The 申报人承诺 on paper says what the applicant declared on the form, in the same words.
#[test]
fn the_paper_pledge_repeats_the_declarations_of_the_form() {
    for code in ["pledge", "health_ok"] {
        let Some(Ask { control: Control::Check { statement }, .. }) = field(code).and_then(|f| f.ask) else {
            panic!("{code} is no declaration");
        };
        let declared = statement.split('；').next().unwrap_or_default();
        assert!(!declared.is_empty() && PLEDGE_ON_PAPER.contains(declared), "{code}: {declared}");
    }
}
