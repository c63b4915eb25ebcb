//! A record's events: the timeline, and what a link whose version has passed says.

use super::dates::chinese_time;
use crate::store::Event;
use serde::Serialize;

/// An event as the timeline shows it.
#[derive(Serialize)]
pub struct EventView {
    kind: &'static str,
    actor: &'static str,
    at: String,
    at_text: String,
    comment: Option<String>,
    /// What the comment is: a reviewer's 意见, or what a resubmission changed.
    comment_label: &'static str,
}

/// The timeline.
pub fn events(events: &[Event]) -> Vec<EventView> {
    events
        .iter()
        .map(|e| EventView {
            kind: e.kind.label(),
            actor: e.actor.label(),
            at: e.at.clone(),
            at_text: chinese_time(&e.at),
            comment: e.comment.clone(),
            comment_label: match e.kind {
                policy::EventKind::Resubmitted | policy::EventKind::DocumentsAdded => "修改内容",
                policy::EventKind::PaperReceived => "登记",
                _ => "意见",
            },
        })
        .collect()
}

/// "Already decided by X at T (what)" for a link whose version has passed.
pub fn already_decided(events: &[Event]) -> String {
    match events.last() {
        Some(e) => format!(
            "这份申报已由{}于{}处理（{}），此链接不能再操作。",
            e.actor.label(),
            chinese_time(&e.at),
            e.kind.label()
        ),
        None => "这份申报已被处理，此链接不能再操作。".to_owned(),
    }
}

/// The notice on a review page whose link's version has passed.
pub fn version_passed(events: &[Event]) -> String {
    let last = events.last();
    format!(
        "此链接对应的版本已处理：已由{}于{}{}。",
        last.map(|e| e.actor.label()).unwrap_or_default(),
        last.map(|e| chinese_time(&e.at)).unwrap_or_default(),
        last.map(|e| e.kind.label()).unwrap_or_default()
    )
}
