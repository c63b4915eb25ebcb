//! The table itself: one entry per field, in the form's order.

use super::{Category, Cells, Column, Erase, FieldSpec, Input, Slot};
use crate::application::Application;
use crate::contact::Email;
use crate::held::{ERASED, ERASED_ADDRESS, Held};
use crate::programme::Programme;
use crate::text::chinese_instant;
use crate::types::Sector;

/// A text answer held as `Option<String>` on the form; `$of` gives it from an application.
macro_rules! text {
    ($name:ident, $of:expr) => {
        Some(Slot {
            get: |form| form.$name.clone().unwrap_or_default(),
            set: |form, value| form.$name = value,
            of: $of,
        })
    };
}

/// A checkbox, `on` when ticked.
macro_rules! check {
    ($name:ident) => {
        Some(Slot {
            get: |form| if form.$name { "on".to_owned() } else { String::new() },
            set: |form, value| form.$name = value.is_some_and(|v| v == "on"),
            of: |a| a.$name.then(|| "on".to_owned()),
        })
    };
}

/// A 汇总表 column.
const fn column(at: usize, heading: &'static str, cell: fn(&Cells<'_>) -> String) -> Option<Column> {
    Some(Column { at, heading, cell })
}

fn gone() -> String {
    ERASED.to_owned()
}

fn nobody() -> Email {
    Email::parse(ERASED_ADDRESS).unwrap_or_else(|_| unreachable!("the erased address is valid"))
}

/// An address as pages show it: an erased record's placeholder reads 已删除.
fn address(email: &Email) -> Option<String> {
    Some(if email.as_str() == ERASED_ADDRESS { ERASED } else { email.as_str() }.to_owned())
}

fn yes_no(v: bool) -> &'static str {
    if v { "是" } else { "否" }
}

fn confirmed(v: bool) -> Option<String> {
    Some(if v { "本人确认" } else { "未确认" }.to_owned())
}

/// `1985年6月`.
pub fn birth_month(a: &Application) -> String {
    a.birth().map(|birth| format!("{}年{}月", birth.year(), birth.month() as u8)).unwrap_or_default()
}

/// The separate consent, given or not, and under which version of the 个人信息处理规则, when.
fn consent_text(a: &Application) -> String {
    match (&a.consented, a.consent_sensitive) {
        (Some(c), true) => format!(
            "本人单独同意（个人信息处理规则{}版，{}）",
            c.rules_version,
            time::OffsetDateTime::parse(&c.at, &time::format_description::well_known::Rfc3339)
                .map(chinese_instant)
                .unwrap_or_else(|_| c.at.clone())
        ),
        (None, true) => "本人单独同意".to_owned(),
        (_, false) => "未单独同意".to_owned(),
    }
}

/// Every field, in the form's order.
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        code: "name",
        label: "姓名",
        input: Input::Text,
        answered_at: "name",
        privacy: Category::Personal,
        printed: true,
        export: column(0, "姓名", |c| c.application.name.clone()),
        checked: Some(0),
        erase: Erase::Clear(|a| a.name = gone()),
        form: text!(name, |a| Some(a.name.clone())),
        shown: |_, a| Some(a.name.clone()),
    },
    FieldSpec {
        code: "gender",
        label: "性别",
        input: Input::Choice,
        // The form derives it from the 身份证号 and asks no more.
        answered_at: "id_number",
        privacy: Category::Personal,
        printed: true,
        export: column(1, "性别", |c| c.application.gender.label().to_owned()),
        checked: Some(1),
        erase: Erase::Keep,
        form: text!(gender, |a| Some(a.gender.code().to_owned())),
        shown: |_, a| Some(a.gender.label().to_owned()),
    },
    FieldSpec {
        code: "ethnicity",
        label: "民族",
        input: Input::Choice,
        answered_at: "ethnicity",
        privacy: Category::Sensitive,
        printed: true,
        export: column(2, "民族", |c| c.application.ethnicity.clone()),
        checked: Some(2),
        erase: Erase::Clear(|a| a.ethnicity = gone()),
        form: text!(ethnicity, |a| Some(a.ethnicity.clone())),
        shown: |_, a| Some(a.ethnicity.clone()),
    },
    FieldSpec {
        code: "id_number",
        label: "居民身份证号码",
        input: Input::Text,
        answered_at: "id_number",
        privacy: Category::Sensitive,
        printed: true,
        export: None,
        checked: Some(3),
        erase: Erase::Clear(|a| a.id_number = Held::erased()),
        form: text!(id_number, |a| a.id_number.opened().map(|id| id.expose().to_owned())),
        shown: |_, a| Some(a.id_number.masked().to_owned()),
    },
    FieldSpec {
        code: "birth_date",
        label: "出生年月",
        input: Input::Derived,
        answered_at: "id_number",
        privacy: Category::Sensitive,
        printed: true,
        export: column(3, "出生年月", |c| {
            c.application.birth().map(|b| format!("{}.{:02}", b.year(), b.month() as u8)).unwrap_or_default()
        }),
        checked: None,
        erase: Erase::Clear(|a| a.birth_date = None),
        form: None,
        shown: |_, a| Some(birth_month(a)),
    },
    FieldSpec {
        code: "phone",
        label: "手机号码",
        input: Input::Text,
        answered_at: "phone",
        privacy: Category::Personal,
        printed: true,
        export: column(15, "联系电话", |c| c.phone.to_owned()),
        checked: Some(4),
        erase: Erase::Clear(|a| a.phone = Held::erased()),
        form: text!(phone, |a| a.phone.opened().map(ToString::to_string)),
        shown: |_, a| Some(a.phone.masked().to_owned()),
    },
    FieldSpec {
        code: "email",
        label: "电子邮箱",
        input: Input::Text,
        answered_at: "email",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(5),
        erase: Erase::Clear(|a| a.email = nobody()),
        form: text!(email, |a| Some(a.email.to_string())),
        shown: |_, a| address(&a.email),
    },
    FieldSpec {
        code: "education",
        label: "最高学历",
        input: Input::Choice,
        answered_at: "education",
        privacy: Category::Personal,
        printed: true,
        export: column(4, "学历", |c| Programme::level_name(&c.programme.education_levels, &c.application.education)),
        checked: Some(6),
        erase: Erase::Keep,
        form: text!(education, |a| Some(a.education.clone())),
        shown: |p, a| Some(Programme::level_name(&p.education_levels, &a.education)),
    },
    FieldSpec {
        code: "school",
        label: "毕业院校",
        input: Input::Text,
        answered_at: "school",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(7),
        erase: Erase::Clear(|a| a.school = gone()),
        form: text!(school, |a| Some(a.school.clone())),
        shown: |_, a| Some(a.school.clone()),
    },
    FieldSpec {
        code: "major",
        label: "所学专业",
        input: Input::Text,
        answered_at: "major",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(8),
        erase: Erase::Clear(|a| a.major = gone()),
        form: text!(major, |a| Some(a.major.clone())),
        shown: |_, a| Some(a.major.clone()),
    },
    FieldSpec {
        code: "title_level",
        label: "专业技术职称级别",
        input: Input::Choice,
        answered_at: "title_level",
        privacy: Category::Personal,
        printed: true,
        // 职称: the title's name with its level.
        export: column(5, "职称", |c| {
            let (p, a) = (c.programme, c.application);
            let level = Programme::level_name(&p.title_levels, &a.title_level);
            if a.title_name.is_empty() { level } else { format!("{}（{level}）", a.title_name) }
        }),
        checked: Some(9),
        erase: Erase::Keep,
        form: text!(title_level, |a| Some(a.title_level.clone())),
        shown: |p, a| Some(Programme::level_name(&p.title_levels, &a.title_level)),
    },
    FieldSpec {
        code: "title_name",
        label: "职称名称",
        input: Input::Text,
        answered_at: "title_name",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(10),
        erase: Erase::Clear(|a| a.title_name = gone()),
        form: text!(title_name, |a| Some(a.title_name.clone())),
        shown: |_, a| Some(a.title_name.clone()),
    },
    FieldSpec {
        code: "employer",
        label: "工作单位全称",
        input: Input::Text,
        answered_at: "employer",
        privacy: Category::Personal,
        printed: true,
        // 工作单位: with its department, or its county.
        export: column(6, "工作单位", |c| {
            let a = c.application;
            match (&a.department, a.county.is_empty()) {
                (Some(d), _) => format!("{}（{d}）", a.employer),
                (None, false) => format!("{}（{}）", a.employer, a.county),
                (None, true) => a.employer.clone(),
            }
        }),
        checked: Some(11),
        erase: Erase::Clear(|a| a.employer = gone()),
        form: text!(employer, |a| Some(a.employer.clone())),
        shown: |_, a| Some(a.employer.clone()),
    },
    FieldSpec {
        code: "unit_level",
        label: "工作单位层级",
        input: Input::Choice,
        answered_at: "unit_level",
        privacy: Category::Personal,
        printed: true,
        export: column(7, "单位层级", |c| c.application.unit_level.label().to_owned()),
        checked: Some(12),
        erase: Erase::Keep,
        form: text!(unit_level, |a| Some(a.unit_level.code().to_owned())),
        shown: |_, a| Some(a.unit_level.label().to_owned()),
    },
    FieldSpec {
        code: "league",
        label: "工作单位所在盟市",
        input: Input::Choice,
        answered_at: "league",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(13),
        erase: Erase::Keep,
        form: text!(league, |a| a.league.clone()),
        shown: |p, a| a.league.as_deref().map(|l| p.league(l).map(|l| l.name.clone()).unwrap_or_else(|| l.to_owned())),
    },
    FieldSpec {
        code: "department",
        label: "主管厅局（高校）",
        input: Input::Text,
        answered_at: "department",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(14),
        erase: Erase::Keep,
        form: text!(department, |a| a.department.clone()),
        shown: |_, a| a.department.clone(),
    },
    FieldSpec {
        code: "county",
        label: "所在旗县（区）",
        input: Input::Text,
        answered_at: "county",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(15),
        erase: Erase::Clear(|a| a.county = gone()),
        form: text!(county, |a| Some(a.county.clone())),
        shown: |_, a| Some(a.county.clone()).filter(|c| !c.is_empty()),
    },
    FieldSpec {
        code: "sector",
        label: "单位性质",
        input: Input::Choice,
        answered_at: "sector",
        privacy: Category::Personal,
        printed: true,
        export: column(14, "是否非公", |c| yes_no(c.application.sector == Sector::Private).to_owned()),
        checked: Some(16),
        erase: Erase::Keep,
        form: text!(sector, |a| Some(a.sector.code().to_owned())),
        shown: |_, a| Some(a.sector.label().to_owned()),
    },
    FieldSpec {
        code: "grassroots",
        label: "长期在基层一线工作",
        input: Input::Check,
        answered_at: "grassroots",
        privacy: Category::Personal,
        printed: true,
        export: column(13, "是否基层", |c| yes_no(c.application.grassroots).to_owned()),
        checked: Some(17),
        erase: Erase::Keep,
        form: check!(grassroots),
        shown: |_, a| Some(yes_no(a.grassroots).to_owned()),
    },
    FieldSpec {
        code: "field",
        label: "所属领域",
        input: Input::Choice,
        answered_at: "field",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(18),
        erase: Erase::Keep,
        form: text!(field, |a| Some(a.field.code().to_owned())),
        shown: |_, a| Some(a.field.label().to_owned()),
    },
    FieldSpec {
        code: "profession",
        label: "从事专业",
        input: Input::Text,
        answered_at: "profession",
        privacy: Category::Personal,
        printed: true,
        export: column(8, "从事专业", |c| c.application.profession.clone()),
        checked: Some(19),
        erase: Erase::Clear(|a| a.profession = gone()),
        form: text!(profession, |a| Some(a.profession.clone())),
        shown: |_, a| Some(a.profession.clone()),
    },
    FieldSpec {
        code: "profession_start",
        label: "从事本专业工作起始年月",
        input: Input::Text,
        answered_at: "profession_start",
        privacy: Category::Personal,
        printed: true,
        export: column(9, "从事本专业起始年月", |c| {
            let start = c.application.profession_start;
            format!("{}.{:02}", start.year(), start.month())
        }),
        checked: Some(20),
        erase: Erase::Keep,
        form: text!(profession_start, |a| Some(a.profession_start.to_string())),
        shown: |_, a| Some(a.profession_start.to_string()),
    },
    FieldSpec {
        code: "track",
        label: "培养方式",
        input: Input::Choice,
        answered_at: "track",
        privacy: Category::Personal,
        printed: true,
        export: column(11, "培养方式", |c| c.application.track.label().to_owned()),
        checked: Some(21),
        erase: Erase::Keep,
        form: text!(track, |a| Some(a.track.code().to_owned())),
        shown: |_, a| Some(a.track.label().to_owned()),
    },
    FieldSpec {
        code: "programme",
        label: "申报项目",
        input: Input::Derived,
        answered_at: "track",
        privacy: Category::Personal,
        printed: true,
        export: column(10, "项目", |c| {
            let a = &c.application.programme;
            c.programme.programme(a).map(|x| x.short_name.clone()).unwrap_or_else(|| a.clone())
        }),
        checked: None,
        erase: Erase::Keep,
        form: None,
        shown: |p, a| Some(p.stream(&a.programme, a.track).map(|s| s.name.clone()).unwrap_or_else(|| a.stream_key())),
    },
    FieldSpec {
        code: "host_institution",
        label: "意向培养单位",
        input: Input::Text,
        answered_at: "host_institution",
        privacy: Category::Personal,
        printed: true,
        export: column(12, "意向培养单位", |c| c.application.host_institution.clone()),
        checked: Some(22),
        erase: Erase::Clear(|a| a.host_institution = gone()),
        form: text!(host_institution, |a| Some(a.host_institution.clone())),
        shown: |_, a| Some(a.host_institution.clone()),
    },
    FieldSpec {
        code: "plan",
        label: "培养计划",
        input: Input::LongText,
        answered_at: "plan",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(23),
        erase: Erase::Clear(|a| a.plan = gone()),
        form: text!(plan, |a| Some(a.plan.clone())),
        shown: |_, a| Some(a.plan.clone()),
    },
    FieldSpec {
        code: "unit_reviewer_email",
        label: "所在单位审核人电子邮箱",
        input: Input::Text,
        answered_at: "unit_reviewer_email",
        privacy: Category::Personal,
        printed: true,
        export: None,
        checked: Some(26),
        erase: Erase::Clear(|a| a.unit_reviewer_email = nobody()),
        form: text!(unit_reviewer_email, |a| Some(a.unit_reviewer_email.to_string())),
        shown: |_, a| address(&a.unit_reviewer_email),
    },
    FieldSpec {
        code: "health_ok",
        label: "身心健康声明",
        input: Input::Check,
        answered_at: "health_ok",
        privacy: Category::Sensitive,
        printed: true,
        export: None,
        checked: Some(24),
        erase: Erase::Clear(|a| a.health_ok = false),
        form: check!(health_ok),
        shown: |_, a| confirmed(a.health_ok),
    },
    FieldSpec {
        code: "pledge",
        label: "政治素质承诺",
        input: Input::Check,
        answered_at: "pledge",
        privacy: Category::None,
        printed: true,
        export: None,
        checked: Some(25),
        erase: Erase::Keep,
        form: check!(pledge),
        shown: |_, a| confirmed(a.pledge),
    },
    FieldSpec {
        code: "consent_sensitive",
        label: "敏感个人信息处理",
        input: Input::Check,
        answered_at: "consent_sensitive",
        privacy: Category::None,
        printed: true,
        export: None,
        checked: None,
        erase: Erase::Keep,
        form: check!(consent_sensitive),
        shown: |_, a| Some(consent_text(a)),
    },
];
