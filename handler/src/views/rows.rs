//! An application as rows of labelled values, and the names its codes stand for.

use policy::{Application, Programme};
use serde::Serialize;

/// One row of the application table: a field of [`policy::FIELDS`] with its value as shown.
#[derive(Serialize, PartialEq, Eq, Debug)]
pub struct Row {
    pub(super) label: &'static str,
    pub(super) value: String,
    multiline: bool,
    /// The form field where it is answered (the 核对信息 page's 修改 goes there).
    field: &'static str,
    /// The field's code.
    #[serde(skip)]
    code: &'static str,
    /// Whether the printed 申报表 shows it.
    #[serde(skip)]
    printed: bool,
}

impl Row {
    /// The field's label.
    pub fn label(&self) -> &'static str {
        self.label
    }

    /// The field's code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The value as shown.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The row with its value in full (the applicant's own copy of their data).
    pub fn in_full(self, value: String) -> Self {
        Self { value, ..self }
    }

    /// Whether the value is long text (the training plan).
    pub fn multiline(&self) -> bool {
        self.multiline
    }

    /// Whether the printed 申报表 shows it.
    pub fn printed(&self) -> bool {
        self.printed
    }
}

/// The stream's display name.
pub fn stream_name(p: &Programme, a: &Application) -> String {
    p.stream(&a.programme, a.track).map(|s| s.name.clone()).unwrap_or_else(|| a.stream_key())
}

/// The league's name, or its code if unknown.
pub fn league_name(p: &Programme, code: &str) -> String {
    p.league(code).map(|l| l.name.clone()).unwrap_or_else(|| code.to_owned())
}

/// Every field of [`policy::FIELDS`] that has a value to show, labelled, with the identity
/// number and the phone masked.
pub fn rows(p: &Programme, a: &Application) -> Vec<Row> {
    policy::FIELDS.iter().filter_map(|f| row(p, a, f)).collect()
}

/// The fields the applicant's receipt mail lists (已收到的申报信息), in its order.
pub const RECEIPT_FIELDS: [&str; 6] =
    ["name", "id_number", "programme", "employer", "host_institution", "unit_reviewer_email"];

/// The fields a reviewer's mail names beside its link.
pub const REVIEW_FIELDS: [&str; 3] = ["programme", "profession", "host_institution"];

/// The fields `codes`, in that order, as [`rows`] shows them (a mail's short list).
pub fn rows_of(p: &Programme, a: &Application, codes: &[&str]) -> Vec<Row> {
    codes.iter().filter_map(|code| policy::field(code).and_then(|f| row(p, a, f))).collect()
}

/// One field as [`rows`] shows it; `None` when it has no value to show.
fn row(p: &Programme, a: &Application, f: &policy::FieldSpec) -> Option<Row> {
    (f.shown)(p, a).map(|value| Row {
        label: f.label,
        value,
        multiline: f.input == policy::Input::LongText,
        field: f.answered_at,
        code: f.code,
        printed: f.printed,
    })
}

/// The name with all but its first character hidden: `乌**`.
pub fn masked_name(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    first + &"*".repeat(chars.count())
}
