//! How the application form asks a field ([`FieldSpec::ask`](super::FieldSpec::ask)): its
//! section, its control, whether it must be answered, the hint under its label and when it is
//! shown. The form partial draws every input from these, in the table's order.

/// A section (fieldset) of the application form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// 一、基本信息.
    Person,
    /// 二、学历和职称.
    Qualification,
    /// 三、工作单位.
    Employer,
    /// 四、专业工作.
    Profession,
    /// 五、培养意向.
    Training,
    /// 六、单位审核人.
    Reviewer,
    /// 七、承诺.
    Declarations,
}

impl Section {
    /// Every section, in the form's order.
    pub const ALL: [Self; 7] = [
        Self::Person,
        Self::Qualification,
        Self::Employer,
        Self::Profession,
        Self::Training,
        Self::Reviewer,
        Self::Declarations,
    ];

    /// Its legend on the form.
    pub fn legend(self) -> &'static str {
        match self {
            Self::Person => "一、基本信息",
            Self::Qualification => "二、学历和职称",
            Self::Employer => "三、工作单位",
            Self::Profession => "四、专业工作",
            Self::Training => "五、培养意向",
            Self::Reviewer => "六、单位审核人",
            Self::Declarations => "七、承诺",
        }
    }
}

/// A list of choices the rules give (programme.toml, or the codes of a type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choices {
    /// The ethnic groups.
    Ethnicity,
    /// The education levels.
    Education,
    /// The title levels.
    TitleLevel,
    /// [`crate::UnitLevel`].
    UnitLevel,
    /// The leagues and cities.
    League,
    /// The departments (厅局、高校) the site lists.
    Department,
    /// [`crate::Sector`].
    Sector,
    /// [`crate::Field`].
    Field,
    /// [`crate::Track`].
    Track,
}

/// The control a field is answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// One line (`<input>`).
    Line {
        /// Its HTML type (`text`, `tel`, `email`, `month`).
        kind: &'static str,
        /// Its autocomplete token; empty for none.
        autocomplete: &'static str,
        /// Its longest answer, in characters.
        max: usize,
        /// The list it suggests answers from, if any.
        suggest: Option<Choices>,
    },
    /// Several paragraphs (`<textarea>`).
    Area {
        /// The longest answer, in characters.
        max: usize,
    },
    /// One of a list, in a drop-down.
    Select(Choices),
    /// One of a short list, as radio buttons.
    Radios(Choices),
    /// A checkbox.
    Check {
        /// What ticking it declares, its label on the form (empty: the field's label);
        /// `{centre}` stands for the centre's name.
        statement: &'static str,
    },
}

/// Whether the form asks for an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Always.
    Always,
    /// Never: marked 选填.
    Optional,
    /// In the case the words say (shown in place of 选填); the rules check it.
    When(&'static str),
}

/// How the form asks a field.
#[derive(Clone, Copy, Debug)]
pub struct Ask {
    /// The section it is in.
    pub section: Section,
    /// Its control.
    pub control: Control,
    /// Whether an answer is needed.
    pub need: Need,
    /// The hint under its label, empty for none; `{centre}` stands for the centre's name,
    /// `{office}` for the notice's 联系单位.
    pub hint: &'static str,
    /// When the form shows it (`field=code|code` or `field!=code`, for the form's script);
    /// empty: always.
    pub shown_when: &'static str,
}

impl Ask {
    /// Asked in `section` with `control`, always needed, with no hint.
    pub const fn new(section: Section, control: Control) -> Self {
        Self { section, control, need: Need::Always, hint: "", shown_when: "" }
    }

    /// With `hint` under its label.
    pub const fn hint(self, hint: &'static str) -> Self {
        Self { hint, ..self }
    }

    /// Needed as `need` says.
    pub const fn need(self, need: Need) -> Self {
        Self { need, ..self }
    }

    /// Shown only when `rule` holds.
    pub const fn shown_when(self, rule: &'static str) -> Self {
        Self { shown_when: rule, ..self }
    }
}

/// A line of text of HTML type `kind`, with its autocomplete token and its longest answer.
pub const fn line(kind: &'static str, autocomplete: &'static str, max: usize) -> Control {
    Control::Line { kind, autocomplete, max, suggest: None }
}
