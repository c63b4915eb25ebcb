//! A record as its pages show it, and as JSON clients of a link see it.

use super::files::{AttachmentsView, attachments};
use super::header::RecordView;
use super::rows::{Row, rows};
use super::timeline::EventView;
use crate::store::{Event, Record};
use policy::Programme;
use serde::Serialize;

/// What every record page (status, review) shows: the header, the fields, the files and the
/// timeline.
#[derive(Serialize)]
pub struct RecordPage {
    record: RecordView,
    rows: Vec<Row>,
    attachments: AttachmentsView,
    events: Vec<EventView>,
}

impl RecordPage {
    /// The page parts of `record`.
    pub fn of(p: &Programme, record: &Record, events: &[Event]) -> Self {
        Self {
            record: super::header::record(p, record),
            rows: rows(p, &record.application),
            attachments: attachments(p, record),
            events: super::timeline::events(events),
        }
    }
}

/// An application as JSON clients of a link see it (the API contract).
#[derive(Serialize)]
pub struct RecordJson<'a> {
    reference: &'a str,
    status: policy::Status,
    version: u64,
    events: Vec<EventJson<'a>>,
}

/// One event as JSON clients see it.
#[derive(Serialize)]
struct EventJson<'a> {
    kind: policy::EventKind,
    actor: policy::Actor,
    at: &'a str,
    comment: Option<&'a str>,
}

impl<'a> RecordJson<'a> {
    /// The JSON view of `record`.
    pub fn of(record: &'a Record, events: &'a [Event]) -> Self {
        Self {
            reference: &record.reference,
            status: record.status,
            version: record.version,
            events: events
                .iter()
                .map(|e| EventJson { kind: e.kind, actor: e.actor, at: &e.at, comment: e.comment.as_deref() })
                .collect(),
        }
    }

    /// The JSON view a passed review link of `version` gives, as its page does: the history up
    /// to that version and the step that passed it (without its comment), the status and version
    /// that step left; nothing later (found by
    /// the red team: the JSON showed every later event and comment the page hides).
    pub fn passed(record: &'a Record, events: &'a [Event], version: u64) -> Self {
        let mut json = Self::of(record, events);
        let at = usize::try_from(version).unwrap_or(usize::MAX);
        json.events.truncate(at.saturating_add(1));
        if let Some(step) = json.events.get_mut(at) {
            step.comment = None;
        }
        // The status and version as that step left them.
        if let Some(step) = events.get(at).or(events.last()) {
            (json.status, json.version) = (step.status, u64::from(step.seq));
        }
        json
    }
}
