//! `[attachment1]`, `[attachment2]`, `[attachments]` and `[[attachment_kinds]]`: the quota split,
//! the summary table and the proof documents.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 附件1: per-league caps by stream key (`northeast-out`, `region-out`, `region-in`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment1 {
    /// Whether the split was published.
    pub published: bool,
    /// stream key -> league code or 区直 department name -> cap, e.g.
    /// `[attachment1.caps] region-out = { hohhot = 6, "内蒙古大学" = 2 }`.
    #[serde(default)]
    pub caps: BTreeMap<String, BTreeMap<String, u32>>,
}

/// 附件2.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment2 {
    /// Whether the layout was published.
    pub published: bool,
}

/// Limits on uploads, and the notice's own words on them.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRules {
    /// What the notice says of proof documents, word for word (六(一)1: 上传相关附件证明材料): it
    /// lists none, so each kind below and when it is required are this site's settings, and the
    /// form and the refusals say so beside these words.
    pub notice_words: String,
    /// Largest file, in bytes.
    pub max_bytes: u64,
    /// Most files per application.
    pub max_files: usize,
    /// Accepted MIME types (checked by content).
    pub types: Vec<String>,
}

/// When a kind of document is required.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Required {
    /// From everyone.
    Always,
    /// Where the stream requires an ethnic minority.
    Minority,
    /// From applicants who qualify by education and years in the profession.
    ByEducation,
    /// From applicants who qualify by their title.
    ByTitle,
    /// Optional.
    Never,
}

/// A kind of proof document.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentKind {
    /// Code, e.g. `title_certificate`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// When it is required.
    pub required: Required,
}
