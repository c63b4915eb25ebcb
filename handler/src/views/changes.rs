//! What changed between two versions of an application: only fields whose value changed (the
//! consent given again at a resubmission is no change), and in long text only the sentences
//! added or removed.

use super::files::files;
use super::rows::{Row, rows};
use crate::store::{Attachment, Change};
use policy::{Application, Programme};

/// A row's value as versions are compared: the separate consent counts by whether it is given
/// and under which rules, not by when it was given again.
fn compared(row: &Row) -> &str {
    match row.code() {
        "consent_sensitive" => row.value().split('，').next().unwrap_or_default(),
        _ => row.value(),
    }
}

/// The rows of `after` whose value differs from `before`'s, each with its old row if any.
fn differing(before: &[Row], after: Vec<Row>) -> Vec<(Option<&Row>, Row)> {
    after
        .into_iter()
        .filter_map(|row| {
            let old = before.iter().find(|o| o.code() == row.code());
            (old.map(compared) != Some(compared(&row))).then_some((old, row))
        })
        .collect()
}

/// Labels of the fields whose value differs between two versions of an application.
pub fn changed_fields(p: &Programme, before: &Application, after: &Application) -> Vec<&'static str> {
    differing(&rows(p, before), rows(p, after)).into_iter().map(|(_, row)| row.label()).collect()
}

/// The sentences of a long text (ended by 。！？；, or by a line break).
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c != '\n' {
            current.push(c);
        }
        if matches!(c, '。' | '！' | '？' | '；' | '\n') {
            let s = current.trim().to_owned();
            if !s.is_empty() {
                out.push(s);
            }
            current.clear();
        }
    }
    let s = current.trim().to_owned();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// Long text, old and new, as the sentences removed and the sentences added.
fn sentence_change(old: &str, new: &str) -> (String, String) {
    let (was, is) = (sentences(old), sentences(new));
    let removed: Vec<&str> = was.iter().filter(|s| !is.contains(s)).map(String::as_str).collect();
    let added: Vec<&str> = is.iter().filter(|s| !was.contains(s)).map(String::as_str).collect();
    (removed.join(""), added.join(""))
}

/// Each field a resubmission changed, old and new (long text: the sentences removed and added),
/// files included (listed by kind and name).
pub fn changes(
    p: &Programme,
    before: (&Application, &[Attachment]),
    after: (&Application, &[Attachment]),
) -> Vec<Change> {
    let old = rows(p, before.0);
    let mut out: Vec<Change> = differing(&old, rows(p, after.0))
        .into_iter()
        .map(|(was, row)| {
            let was = was.map(|o| o.value().to_owned()).unwrap_or_default();
            let (old, new) =
                if row.multiline() { sentence_change(&was, row.value()) } else { (was, row.value().to_owned()) };
            Change { field: row.label().to_owned(), old, new }
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

#[cfg(test)]
mod tests {
    use super::sentence_change;

    #[test]
    fn long_text_changes_by_sentence() {
        let old = "学习心血管介入。回院后开展新技术。带教青年医师。";
        let new = "学习心血管介入。回院后建设胸痛中心。带教青年医师。";
        assert_eq!(sentence_change(old, new), ("回院后开展新技术。".into(), "回院后建设胸痛中心。".into()));
        assert_eq!(sentence_change("一。\n二", "一。\n二\n三"), (String::new(), "三".into()));
    }
}
