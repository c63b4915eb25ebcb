//! The application's fields, each declared once in [`FIELDS`]: its code, its one Chinese label,
//! how the form takes it, where it is shown, printed and exported, whether the check code covers
//! it, and what erasure does with it. The form's answers ([`ApplicationForm::pairs`]), the
//! application's form ([`Application::form`]), the rows of every record page, the 汇总表's
//! columns, the check code's field list, erasure and the form's inputs ([`FieldSpec::ask`]) all
//! iterate the table; nothing else names a field to list them.
//!
//! Privacy: whether a field is personal information, and sensitive, is programme.toml's
//! `[privacy]` ([`Programme::privacy_of`]); the table says the least the law asks
//! ([`FieldSpec::privacy`]) and the build refuses rules that say less.

mod ask;
mod form;
mod table;

pub use ask::{Ask, Choices, Control, Need, Section};
pub use table::{FIELDS, PLEDGE_ON_PAPER};

use crate::application::{Application, ApplicationForm};
use crate::programme::{Privacy, Programme};

/// How the form takes a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// One line of text (or an address, a number, a month).
    Text,
    /// Several paragraphs (the training plan): pages show it on lines of its own.
    LongText,
    /// One of a list of codes (a select or radio buttons).
    Choice,
    /// A checkbox, posted `on`.
    Check,
    /// Not asked: the application derives it from the field it is answered at.
    Derived,
}

/// The least privacy category the law gives a field; programme.toml may say more, never less.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    /// Not personal information of the applicant (a consent, a declaration).
    None,
    /// Personal information (个人信息保护法 第四条).
    Personal,
    /// Sensitive personal information (第二十八条): the form's separate consent names it.
    Sensitive,
}

/// What erasure does with a field the privacy rules call personal or sensitive.
#[derive(Clone, Copy)]
pub enum Erase {
    /// Overwritten: text with [`crate::ERASED`], numbers with nothing to open, addresses with
    /// [`crate::ERASED_ADDRESS`], a declaration with no.
    Clear(fn(&mut Application)),
    /// Kept in the de-identified row erasure leaves for statistics (stream, area, levels,
    /// sector). The build refuses rules that make such a field sensitive.
    Keep,
}

/// A column of the 汇总表 a field fills.
#[derive(Clone, Copy)]
pub struct Column {
    /// Its place among the fields' columns (after 序号, before 状态 and 备注).
    pub at: usize,
    /// Its heading.
    pub heading: &'static str,
    /// Its cell.
    pub cell: fn(&Cells<'_>) -> String,
}

/// What a 汇总表 cell is made from.
pub struct Cells<'a> {
    /// The rules (level and programme names).
    pub programme: &'a Programme,
    /// The application.
    pub application: &'a Application,
    /// The phone as the table shows it: opened for a download, masked in mail.
    pub phone: &'a str,
}

/// How the form holds a field.
#[derive(Clone, Copy)]
pub struct Slot {
    /// The answer as the form posts it: text as typed (absent: empty), a checkbox `on` or empty.
    pub get: fn(&ApplicationForm) -> String,
    /// Puts an answer (as [`Slot::of`] gives it) into a form.
    pub set: fn(&mut ApplicationForm, Option<String>),
    /// The answer that produces an application's value: `None` for a number no longer open, an
    /// absent choice or an unticked box.
    pub of: fn(&Application) -> Option<String>,
}

/// One field of the application.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    /// Its code: the form's name, the JSON key, the privacy rules' name.
    pub code: &'static str,
    /// Its label, the same on the form, every record page, the print page and the privacy rules.
    pub label: &'static str,
    /// How the form takes it.
    pub input: Input,
    /// How the application form asks it (`None`: the form does not, it is derived or only the
    /// API takes it).
    pub ask: Option<Ask>,
    /// The form field where it is answered (itself, or the one it is derived from).
    pub answered_at: &'static str,
    /// The least privacy category (programme.toml's `[privacy]` gives the category).
    pub privacy: Category,
    /// Whether the printed 申报表 shows it.
    pub printed: bool,
    /// The 汇总表 column it fills, if any.
    pub export: Option<Column>,
    /// Its place in the check code's field list (version 1), if the code covers it. The list is
    /// fixed for paper already printed: a field added later gets `None`, and joins only with a
    /// new code version.
    pub checked: Option<usize>,
    /// What erasure does with it.
    pub erase: Erase,
    /// How the form holds it (`None` for a derived field).
    pub form: Option<Slot>,
    /// Its value as pages show it (the 身份证号 and phone masked); `None` hides the row.
    pub shown: fn(&Programme, &Application) -> Option<String>,
}

/// The field with this code.
pub fn field(code: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.code == code)
}

/// The label of a field; the code itself for one the table does not hold (`attachments` is the
/// files', named in the privacy rules).
pub fn field_label(code: &str) -> &str {
    match field(code) {
        Some(f) => f.label,
        None if code == "attachments" => ATTACHMENTS_LABEL,
        None => code,
    }
}

/// The label of the uploaded files, as the privacy rules list them.
pub const ATTACHMENTS_LABEL: &str = "证明材料（上传的文件）";

/// A field's place in form order (for ordering error messages); after every field if unknown.
pub fn rank(code: &str) -> usize {
    FIELDS.iter().position(|f| f.code == code).unwrap_or(usize::MAX)
}

const fn count_checked() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < FIELDS.len() {
        if FIELDS[i].checked.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn count_exported() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < FIELDS.len() {
        if FIELDS[i].export.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn checked_fields<const N: usize>() -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < FIELDS.len() {
        if let Some(at) = FIELDS[i].checked {
            assert!(out[at].is_empty(), "two fields at one place of the check code");
            out[at] = FIELDS[i].code;
        }
        i += 1;
    }
    out
}

const fn export_headings<const N: usize>() -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < FIELDS.len() {
        if let Some(c) = &FIELDS[i].export {
            assert!(out[c.at].is_empty(), "two fields in one column of the 汇总表");
            out[c.at] = c.heading;
        }
        i += 1;
    }
    out
}

/// The fields the check code covers, in the code's order (version 1), as
/// [`Application::form_values`] writes them.
pub const CHECKED_FIELDS: [&str; count_checked()] = checked_fields();

/// The 汇总表's headings of the fields' columns, in order.
pub const EXPORT_HEADINGS: [&str; count_exported()] = export_headings();

impl FieldSpec {
    /// Its 汇总表 cell, if it fills one.
    pub fn cell(&self, cells: &Cells<'_>) -> Option<(usize, String)> {
        self.export.map(|c| (c.at, (c.cell)(cells)))
    }
}

impl Programme {
    /// A field's privacy category as programme.toml's `[privacy]` names it; a derived field has
    /// the category of the field it is answered at.
    pub fn privacy_of(&self, code: &str) -> Category {
        let code = match field(code) {
            Some(f) if f.input == Input::Derived => f.answered_at,
            _ => code,
        };
        let named = |c: &&crate::programme::PrivacyCategory| c.fields.iter().any(|f| f == code);
        match self.privacy.categories.iter().find(named) {
            Some(c) if c.sensitive.iter().any(|s| s == code) => Category::Sensitive,
            Some(_) => Category::Personal,
            None => Category::None,
        }
    }
}

/// Every personal field of the form named by exactly one privacy category, no other name, the
/// sensitive ones marked as such, and no field erasure keeps marked sensitive.
pub(crate) fn check_privacy(privacy: &Privacy) -> Result<(), String> {
    let mut named = std::collections::BTreeSet::new();
    for (i, c) in privacy.categories.iter().enumerate() {
        for code in &c.fields {
            let asked = field(code).is_some_and(|f| f.input != Input::Derived && f.privacy != Category::None);
            if !asked && code != "attachments" {
                return Err(format!("privacy.categories[{i}].fields: `{code}` is not a field of the form"));
            }
            if !named.insert(code.as_str()) {
                return Err(format!("privacy.categories[{i}].fields: `{code}` is named twice"));
            }
        }
        for code in &c.sensitive {
            if !c.fields.contains(code) {
                return Err(format!("privacy.categories[{i}].sensitive: `{code}` is not among its fields"));
            }
            if field(code).is_some_and(|f| matches!(f.erase, Erase::Keep)) {
                return Err(format!(
                    "privacy.categories[{i}].sensitive: `{code}` is kept in the de-identified row erasure leaves, so it cannot be sensitive"
                ));
            }
        }
    }
    let asked = || FIELDS.iter().filter(|f| f.input != Input::Derived && f.privacy != Category::None);
    for f in asked().map(|f| f.code).chain(["attachments"]) {
        if !named.contains(f) {
            return Err(format!("privacy.categories: the form collects `{f}`, which no category names"));
        }
    }
    for f in asked().filter(|f| f.privacy == Category::Sensitive) {
        if !privacy.categories.iter().any(|c| c.sensitive.iter().any(|s| s == f.code)) {
            return Err(format!("privacy.categories: `{}` must be marked sensitive", f.code));
        }
    }
    Ok(())
}

impl Application {
    /// Erases every field programme.toml's `[privacy]` calls personal or sensitive, except those
    /// the table keeps in the de-identified row: a field added to the table is erased without
    /// a change here.
    pub fn erase(&mut self, p: &Programme) {
        for f in FIELDS {
            if let (Category::Personal | Category::Sensitive, Erase::Clear(clear)) = (p.privacy_of(f.code), f.erase) {
                clear(self);
            }
        }
    }
}

#[cfg(test)]
mod tests;
