//! A record's header facts.

use super::dates::chinese_time;
use super::rows::stream_name;
use crate::store::Record;
use policy::Programme;
use serde::Serialize;

/// The record's header facts.
#[derive(Serialize)]
pub struct RecordView {
    reference: String,
    status: &'static str,
    status_label: &'static str,
    version: u64,
    stream_name: String,
    created_at_text: String,
}

/// The header view of a record.
pub fn record(p: &Programme, r: &Record) -> RecordView {
    RecordView {
        reference: r.reference.clone(),
        status: r.status.code(),
        status_label: r.status.label(),
        version: r.version,
        stream_name: stream_name(p, &r.application),
        created_at_text: chinese_time(&r.created_at),
    }
}
