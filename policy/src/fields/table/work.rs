//! The work: the employer and the profession.

use super::{check, column, gone, text, yes_no};
use crate::fields::Section::{Employer, Profession};
use crate::fields::ask::line;
use crate::fields::{Ask, Category, Choices, Control, Erase, FieldSpec, Input, Need};
use crate::types::Sector;

/// From 工作单位 to 从事本专业工作起始年月.
pub(super) const WORK: [FieldSpec; 10] = [
    FieldSpec {
        code: "employer",
        label: "工作单位全称",
        input: Input::Text,
        ask: Some(Ask::new(Employer, line("text", "organization", 100))),
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
        ask: Some(Ask::new(Employer, Control::Radios(Choices::UnitLevel)).hint(
            "满洲里市、二连浩特市的市直单位请选“旗县（区）级单位”（本站口径，通知未作规定，以审核为准）。",
        )),
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
        ask: Some(
            Ask::new(Employer, Control::Select(Choices::League))
                .need(Need::When("区直单位以外必填"))
                .shown_when("unit_level!=region"),
        ),
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
        ask: Some(
            Ask::new(Employer, Control::Line { kind: "text", autocomplete: "", max: 50, suggest: Some(Choices::Department) })
                .hint("由该厅局（高校）审核推荐。可从列表中选择（列表由本站整理，不是通知所列）；不在列表中的，请填写全称：本站暂不发送审核链接，待通知的联系单位（{office}）确认审核单位、本站登记后再审核（本站设置）。")
                .need(Need::When("区直单位必填"))
                .shown_when("unit_level=region"),
        ),
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
        ask: Some(
            Ask::new(Employer, line("text", "", 50)).need(Need::Optional).shown_when("unit_level=county|township"),
        ),
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
        ask: Some(Ask::new(Employer, Control::Radios(Choices::Sector))),
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
        ask: Some(
            Ask::new(Employer, Control::Check { statement: "" })
                .hint("同等条件下，基层和非公领域专业技术人才优先选拔")
                .need(Need::Optional),
        ),
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
        ask: Some(Ask::new(Profession, Control::Select(Choices::Field))),
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
        ask: Some(Ask::new(Profession, line("text", "", 100))),
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
        ask: Some(Ask::new(Profession, line("month", "", 100)).hint("格式：年-月，例如 2019-07")),
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
];
