//! What changed between two versions of an application.

use super::files::files;
use super::rows::rows;
use crate::store::{Attachment, Change};
use policy::{Application, Programme};

/// Labels of the fields whose shown value differs between two versions of an application.
pub fn changed_fields(p: &Programme, before: &Application, after: &Application) -> Vec<&'static str> {
    let before = rows(p, before);
    rows(p, after).into_iter().filter(|row| !before.contains(row)).map(|row| row.label).collect()
}

/// Each field a resubmission changed, old and new, files included (listed by kind and name).
pub fn changes(
    p: &Programme,
    before: (&Application, &[Attachment]),
    after: (&Application, &[Attachment]),
) -> Vec<Change> {
    let old = rows(p, before.0);
    let mut out: Vec<Change> = rows(p, after.0)
        .into_iter()
        .filter(|row| !old.contains(row))
        .map(|row| Change {
            field: row.label.to_owned(),
            old: old.iter().find(|o| o.label == row.label).map(|o| o.value.clone()).unwrap_or_default(),
            new: row.value,
        })
        .collect();
    let listed = |held: &[Attachment]| {
        files(p, held).iter().map(|f| format!("{}：{}", f.kind, f.name)).collect::<Vec<_>>().join("；")
    };
    let (was, is) = (listed(before.1), listed(after.1));
    if before.1.iter().map(|a| &a.sha256).ne(after.1.iter().map(|a| &a.sha256)) {
        out.push(Change { field: "证明材料".into(), old: was, new: is });
    }
    out
}
