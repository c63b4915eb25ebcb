//! The training wished for, the unit's reviewer and the declarations.

use super::{address, check, column, confirmed, consent_text, gone, nobody, text};
use crate::application::PLAN_MAX_CHARS;
use crate::fields::Section::{Declarations, Reviewer, Training};
use crate::fields::ask::line;
use crate::fields::{Ask, Category, Choices, Control, Erase, FieldSpec, Input};

/// The political pledge the notice asks for, as the form and the printed 申报表 word it.
macro_rules! pledge {
    () => {
        "本人政治立场坚定，拥护中国共产党的领导，以铸牢中华民族共同体意识为工作主线，自觉维护祖国统一、民族团结和社会稳定，热爱祖国，遵纪守法，践行社会主义核心价值观"
    };
}

/// The declaration of health the notice asks for.
macro_rules! health {
    () => {
        "本人身心健康"
    };
}

/// The 申报人承诺 the applicant signs on the printed 申报表: the pledge, the health declaration
/// and that what the form and its documents say is true.
pub const PLEDGE_ON_PAPER: &str = concat!(pledge!(), "；", health!(), "；以上所填信息和所附材料真实准确。");

/// The separate consent to the processing of sensitive personal information (个人信息保护法
/// 第二十九条); `{centre}` stands for the centre's name.
const CONSENT: &str = "本人单独同意：本站为特培申报的资格审核、推荐和选拔，处理本人的敏感个人信息（居民身份证号码、民族、身心健康声明），并提供给所在单位、盟市人力资源社会保障部门或主管厅局（高校）及{centre}。不同意的，无法在线申报。";

/// From 培养方式 to the consents.
pub(super) const PLAN: [FieldSpec; 8] = [
    FieldSpec {
        code: "track",
        label: "培养方式",
        input: Input::Choice,
        ask: Some(Ask::new(Training, Control::Radios(Choices::Track))),
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
        ask: None,
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
        ask: Some(
            Ask::new(Training, line("text", "", 100)).hint("一般为区内外一流高校、医院、科研院所及相关企事业单位"),
        ),
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
        ask: Some(
            Ask::new(Training, Control::Area { max: PLAN_MAX_CHARS })
                .hint("希望学习的内容和预期成果：至少10个字，最多2000字、20段（打印时不超过两页A4）"),
        ),
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
        ask: Some(Ask::new(Reviewer, line("email", "", 254)).hint("审核链接将发送到此邮箱，不能与本人邮箱相同")),
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
        ask: Some(Ask::new(Declarations, Control::Check { statement: health!() })),
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
        ask: Some(Ask::new(Declarations, Control::Check { statement: concat!(pledge!(), "；所填信息真实准确") })),
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
        ask: Some(Ask::new(Declarations, Control::Check { statement: CONSENT })),
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
