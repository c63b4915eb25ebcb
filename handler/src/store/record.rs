//! A stored application, its proof documents and its audit events.

use policy::{Actor, Application, EventKind, HrScope, Status};
use serde::{Deserialize, Serialize};

/// A stored application.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Record {
    /// Public reference, e.g. `TP2025-7KQ2M9`.
    pub reference: String,
    /// Round (year).
    pub round: i32,
    /// Current status.
    pub status: Status,
    /// Bumped by every change; links carry it.
    pub version: u64,
    /// Client idempotency key.
    pub submission_id: String,
    /// SHA-256 of the submitted content, to tell a retry from a different body.
    pub body_hash: String,
    /// Keyed hash of the identity number: finds the round's other applications of the number.
    pub id_hash: String,
    /// The application itself.
    pub application: Application,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Proof documents, checked when the application was submitted.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// The content's version hash as printed on the 申报表, computed while the content was open
    /// (the stored record's 身份证号 and phone are sealed); records from before compute it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_hash: Option<String>,
    /// When its personal data was erased (RFC 3339): what remains is a de-identified row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<String>,
    /// When the applicant asked for erasure after the centre's decision (RFC 3339), while the
    /// centre has not answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erasure_requested_at: Option<String>,
    /// A new applicant address given in a resubmission, waiting for its 邮箱验证码: mail keeps
    /// going to the proven `application.email` until it is proven. Personal data (erased).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_address: Option<PendingAddress>,
    /// Versions made by a step no reviewer acts on (a new applicant address proven): a link of the
    /// version before them still acts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub silent_versions: Vec<u64>,
    /// Versions made by a reviewer recording the stamped paper (the status stays): that stage's
    /// link of the version before them still acts, so the link mailed to HR outlives the receipt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paper_versions: Vec<u64>,
    /// The uploads issued for no submission that the application took: the store claims each id
    /// with the record, so no other application can take the same file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upload_claims: Vec<String>,
    /// An erased record whose files or mail copies are not all deleted yet (a file store or the
    /// mailer failed): the upload keys still to delete besides everything under
    /// `records/{reference}/` and its mail. Every purge run tries again and clears it once done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_forget: Option<Vec<String>>,
}

/// An applicant address waiting to be proven.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingAddress {
    /// The address given.
    pub email: String,
    /// The first code generation that proves it (codes of earlier pages prove nothing).
    pub generation: u64,
    /// When it was given (RFC 3339): its codes' tries are counted from then.
    pub at: String,
}

impl Record {
    /// A record as a submission first takes it: `unconfirmed`, version 1, taken and updated at
    /// `at` (RFC 3339), with no files, hashes or submission id yet (the caller sets those it has)
    /// and nothing of its later life (erasure, a pending address). A field added to the record
    /// gets its first value here.
    pub fn taken(reference: impl Into<String>, round: i32, application: Application, at: impl Into<String>) -> Self {
        let at = at.into();
        Self {
            reference: reference.into(),
            round,
            status: Status::Unconfirmed,
            version: 1,
            submission_id: String::new(),
            body_hash: String::new(),
            id_hash: String::new(),
            application,
            created_at: at.clone(),
            updated_at: at,
            attachments: Vec::new(),
            version_hash: None,
            erased_at: None,
            erasure_requested_at: None,
            pending_address: None,
            silent_versions: Vec::new(),
            paper_versions: Vec::new(),
            upload_claims: Vec::new(),
            to_forget: None,
        }
    }

    /// The one version guard: whether a page or link of `version`, acting as `actor`, still acts
    /// on the record. It is the record's version, or every version since was made by a step no
    /// reviewer acts on or by `actor`'s own receipt of the stamped paper. Any real decision
    /// (approve, return, withdraw, resubmit, …) retires every link from before it.
    pub fn acts_at(&self, version: u64, actor: Actor) -> bool {
        version <= self.version && (version + 1..=self.version).all(|v| self.kept_for(v, actor))
    }

    /// Whether this link's own step made the record's version: the version before it was one
    /// the link of `version`, acting as `actor`, still acted on.
    pub fn last_step_from(&self, version: u64, actor: Actor) -> bool {
        version < self.version && (version + 1..self.version).all(|v| self.kept_for(v, actor))
    }

    /// Whether version `v` leaves the links of `actor` from before it acting.
    fn kept_for(&self, v: u64, actor: Actor) -> bool {
        self.silent_versions.contains(&v) || (actor.records_paper() && self.paper_versions.contains(&v))
    }

    /// `programme-track`, from the application as it is now.
    pub fn stream(&self) -> String {
        self.application.stream_key()
    }

    /// When the applicant asked for erasure (RFC 3339), while the request waits for the centre:
    /// asked, not answered, not erased.
    pub fn erasure_pending(&self) -> Option<&str> {
        self.erasure_requested_at.as_deref().filter(|_| self.erased_at.is_none())
    }

    /// Where a listing in creation order stands after this record ([`super::Applications::list_page`]).
    pub fn list_key(&self) -> String {
        format!("{}#{}", self.created_at, self.reference)
    }

    /// Who reviews after the unit, from the application as it is now.
    pub fn scope(&self) -> HrScope {
        self.application.hr_scope()
    }
}

/// A stored proof document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Attachment {
    /// Blob key.
    pub key: String,
    /// Kind code.
    pub kind: String,
    /// File name as uploaded.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// MIME type by content.
    pub content_type: String,
}

/// One audit event; never changed or deleted by a later one.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Event {
    /// Order within the application, from 1.
    pub seq: u32,
    /// What happened.
    pub kind: EventKind,
    /// Who did it.
    pub actor: Actor,
    /// The actor's mail address, where known.
    pub actor_address: Option<String>,
    /// RFC 3339.
    pub at: String,
    /// Reviewer's comment.
    pub comment: Option<String>,
    /// Status after the event.
    pub status: Status,
    /// Keyed hash of the client address.
    pub client_hash: Option<String>,
    /// A resubmission: each field changed, old and new, as the reviewer reads them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// The content's version hash (as printed on the 申报表): after a change of content, the new
    /// content's; on a paper receipt, the one printed on the paper received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_hash: Option<String>,
}

/// One field changed by a resubmission.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Change {
    /// The field's label.
    pub field: String,
    /// As it was.
    pub old: String,
    /// As it is now.
    pub new: String,
}
