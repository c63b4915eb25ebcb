//! The table itself: one entry per field, in the form's order (the person and their
//! qualifications in `person.rs`, their work in `work.rs`, the training wished for and the
//! declarations in `plan.rs`), and what the entries share.

mod person;
mod plan;
mod work;

pub use plan::PLEDGE_ON_PAPER;

use super::{Cells, Column, FieldSpec};
use crate::application::Application;
use crate::contact::Email;
use crate::held::{ERASED, ERASED_ADDRESS};
use crate::text::chinese_instant;

/// A text answer held as `Option<String>` on the form; `$of` gives it from an application.
macro_rules! text_slot {
    ($name:ident, $of:expr) => {
        Some($crate::fields::Slot {
            get: |form| form.$name.clone().unwrap_or_default(),
            set: |form, value| form.$name = value,
            of: $of,
        })
    };
}

pub(super) use text_slot as text;

/// A checkbox, `on` when ticked.
macro_rules! check_slot {
    ($name:ident) => {
        Some($crate::fields::Slot {
            get: |form| if form.$name { "on".to_owned() } else { String::new() },
            set: |form, value| form.$name = value.is_some_and(|v| v == "on"),
            of: |a| a.$name.then(|| "on".to_owned()),
        })
    };
}

/// A 汇总表 column.
pub(super) const fn column(at: usize, heading: &'static str, cell: fn(&Cells<'_>) -> String) -> Option<Column> {
    Some(Column { at, heading, cell })
}

pub(super) fn gone() -> String {
    ERASED.to_owned()
}

pub(super) fn nobody() -> Email {
    Email::parse(ERASED_ADDRESS).unwrap_or_else(|_| unreachable!("the erased address is valid"))
}

/// An address as pages show it: an erased record's placeholder reads 已删除.
pub(super) fn address(email: &Email) -> Option<String> {
    Some(if email.as_str() == ERASED_ADDRESS { ERASED } else { email.as_str() }.to_owned())
}

pub(super) fn yes_no(v: bool) -> &'static str {
    if v { "是" } else { "否" }
}

pub(super) fn confirmed(v: bool) -> Option<String> {
    Some(if v { "本人确认" } else { "未确认" }.to_owned())
}

/// `1985年6月`.
pub fn birth_month(a: &Application) -> String {
    a.birth().map(|birth| format!("{}年{}月", birth.year(), birth.month() as u8)).unwrap_or_default()
}

/// The separate consent, given or not, and under which version of the 个人信息处理规则, when.
pub(super) fn consent_text(a: &Application) -> String {
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
pub(super) use check_slot as check;

/// Every field, in the form's order.
pub const FIELDS: &[FieldSpec] =
    &concat::<{ person::PERSON.len() }, { LATER.len() }, { person::PERSON.len() + LATER.len() }>(person::PERSON, LATER);

/// The fields after the person's.
const LATER: [FieldSpec; work::WORK.len() + plan::PLAN.len()] = concat(work::WORK, plan::PLAN);

const fn concat<const A: usize, const B: usize, const N: usize>(
    a: [FieldSpec; A],
    b: [FieldSpec; B],
) -> [FieldSpec; N] {
    assert!(A + B == N);
    let mut out = [a[0]; N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}
