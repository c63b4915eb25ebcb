//! A record's proof documents as pages, mail and the printed 申报表 list them.

use crate::store::{Attachment, Record};
use policy::Programme;
use serde::Serialize;

/// A stored proof document as pages and mail list it.
#[derive(Serialize, Clone, Debug)]
pub struct FileView {
    index: usize,
    pub(super) kind: String,
    pub(super) name: String,
    size_kb: u64,
    sha256: String,
}

/// The record's files, with the required kinds still missing.
#[derive(Serialize, Clone, Debug)]
pub struct AttachmentsView {
    /// Files held.
    pub files: Vec<FileView>,
    /// Names of required kinds not held (none once erased).
    pub missing: Vec<String>,
    /// The files were deleted with the record's personal data.
    pub erased: bool,
}

/// The record's files as pages and mail list them, with the required kinds still missing.
pub fn attachments(p: &Programme, r: &Record) -> AttachmentsView {
    let files = files(p, &r.attachments);
    let stream = r.stream();
    let by_title = p.qualifies_by_title(&stream, &r.application.title_level);
    let erased = r.erased_at.is_some();
    let missing = p
        .required_kinds(&stream, by_title)
        .into_iter()
        .filter(|k| !erased && !r.attachments.iter().any(|a| a.kind == k.code))
        .map(|k| k.name.clone())
        .collect();
    AttachmentsView { files, missing, erased }
}

/// Files as pages list them: kind, name, size.
pub fn files(p: &Programme, attachments: &[Attachment]) -> Vec<FileView> {
    attachments
        .iter()
        .enumerate()
        .map(|(index, a)| FileView {
            index,
            kind: p.attachment_kind(&a.kind).map(|k| k.name.clone()).unwrap_or_else(|_| a.kind.clone()),
            name: a.name.clone(),
            size_kb: a.size.div_ceil(1024),
            sha256: a.sha256.clone(),
        })
        .collect()
}

/// One kind of proof document on paper: its name and whether it was uploaded (never file names).
#[derive(Serialize, Clone, Debug)]
pub struct KindOnPaper {
    kind: String,
    count: usize,
    required: bool,
}

/// Every kind this application uploaded or must upload, in the programme's order.
pub fn kinds_on_paper(p: &Programme, r: &Record) -> Vec<KindOnPaper> {
    let stream = r.stream();
    let by_title = p.qualifies_by_title(&stream, &r.application.title_level);
    let required: Vec<&str> = p.required_kinds(&stream, by_title).into_iter().map(|k| k.code.as_str()).collect();
    p.attachment_kinds
        .iter()
        .map(|k| KindOnPaper {
            kind: k.name.clone(),
            count: r.attachments.iter().filter(|a| a.kind == k.code).count(),
            required: required.contains(&k.code.as_str()),
        })
        .filter(|k| k.count > 0 || k.required)
        .collect()
}
