//! The store ports — [`Applications`] (records, their audit events, quota counters) and
//! [`MailQueue`] (the outbox) — with two real adapters, SQLite for `serve` and DynamoDB on AWS,
//! each implementing both.

#[cfg(feature = "aws")]
mod dynamo;
mod error;
mod record;
#[cfg(feature = "sqlite")]
mod sqlite;
#[cfg(feature = "table-spec")]
mod table;

#[cfg(feature = "aws")]
pub use dynamo::DynamoStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
#[cfg(feature = "table-spec")]
pub use table::{IndexSpec, TEMPLATE, TableSpec};

pub use error::{Cause, StoreError};
pub use record::{Attachment, Change, Event, PendingAddress, Record};

use policy::{HrScope, Status};
use serde::{Deserialize, Serialize};

/// A mail to send, written in the same store write as the change it reports.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mail {
    /// Unique id (also the Message-ID's left part).
    pub id: String,
    /// Application it concerns.
    pub reference: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain text body.
    pub text: String,
    /// HTML alternative.
    pub html: String,
    /// RFC 3339.
    pub created_at: String,
    /// Sending attempts so far.
    pub attempts: u32,
    /// Files attached (the 汇总表 sent to the centre).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<MailFile>,
    /// Where a reply goes (the centre), if not to the sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Other applications the mail names besides `reference` (a 汇总表's rows): erasing any of
    /// them deletes the mail too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub about: Vec<String>,
}

impl Mail {
    /// Every application the mail names: its own reference and those it is `about`.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.reference.as_str()).chain(self.about.iter().map(String::as_str))
    }
}

/// A stored mail that names an application ([`MailQueue::mail_of`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailHeld {
    /// The mail's id.
    pub id: String,
    /// Not yet delivered and not given up.
    pub pending: bool,
}

/// A file attached to a mail.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct MailFile {
    /// File name as the recipient sees it.
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes, base64.
    pub base64: String,
}

/// What `create` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created {
    /// Stored.
    New,
    /// That submission id was used before: the earlier record, and whether the body is the same.
    SameSubmission {
        /// The earlier record.
        existing: Box<Record>,
        /// Same content hash.
        same_body: bool,
    },
    /// Another application already has this reference (two random references met): nothing was
    /// written; prepare it again under a fresh reference.
    ReferenceTaken,
    /// Another application already took an upload this one claims (`Record::upload_claims`):
    /// nothing was written.
    UploadTaken,
    /// This rate-limit counter was full: nothing was written or counted.
    Limited(Charge),
}

/// One hit on a rate-limit counter ([`Counters::hit`]'s key and window), counted in the write it
/// limits only while the window holds fewer than `max` hits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The counter's key (a keyed hash: no personal data).
    pub key: String,
    /// The window's start, unix seconds.
    pub window_start: i64,
    /// The window's length, seconds.
    pub window: i64,
    /// Hits the window allows.
    pub max: u32,
}

/// One application of a 身份证号 that another application of the round carries too
/// ([`Applications::shared_numbers`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberUse {
    /// The number's keyed hash.
    pub id_hash: String,
    /// The application.
    pub reference: String,
    /// Its status.
    pub status: Status,
    /// Its stream key ([`Record::stream`]).
    pub stream: String,
}

/// A quota place taken or given back with a transition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuotaChange {
    /// Take one place under `key` unless `cap` are taken.
    Take {
        /// Quota key, e.g. `region-out` or `region-out-hohhot` ([`policy::QuotaKey`]).
        key: String,
        /// Places available.
        cap: u32,
    },
    /// Give one place back under `key`.
    Release {
        /// Quota key.
        key: String,
    },
}

/// A change of an application's state, applied only if its version is still `expected_version`.
#[derive(Clone, Debug)]
pub struct Transition {
    /// The version the decision was made on.
    pub expected_version: u64,
    /// The record after the change (its version is `expected_version + 1`).
    pub record: Record,
    /// The audit event.
    pub event: Event,
    /// Mail the change sends.
    pub mails: Vec<Mail>,
    /// A quota place taken or released in the same transaction.
    pub quota: Option<QuotaChange>,
}

/// What `transition` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transitioned {
    /// Applied.
    Done,
    /// Someone changed it first: the current record.
    Stale(Box<Record>),
    /// Another application of the same 身份证号 in the round holds a quota place: nothing
    /// changed.
    NumberHasPlace {
        /// The application holding the place.
        reference: String,
    },
    /// Every place under the key is taken: nothing changed.
    QuotaFull {
        /// Places taken.
        used: u32,
        /// Places available.
        cap: u32,
    },
    /// No such application.
    NotFound,
}

/// A page of a round's applications ([`Applications::list_page`]).
#[derive(Clone, Copy, Debug)]
pub struct PageOf<'a> {
    /// The round.
    pub round: i32,
    /// One HR scope's applications, or (`None`) all.
    pub scope: Option<&'a HrScope>,
    /// The page starts after this [`Record::list_key`]; `None`: at the first.
    pub after: Option<&'a str>,
    /// Records at most.
    pub limit: usize,
}

/// Applications: records, their events and quota counters.
#[async_trait::async_trait]
pub trait Applications: Send + Sync {
    /// Stores a new application with its first event and its mails, atomically. Any number of
    /// applications may carry one 身份证号: none is refused for it.
    async fn create(&self, record: &Record, event: &Event, mails: &[Mail]) -> Result<Created, StoreError> {
        self.create_charged(record, event, mails, &[]).await
    }
    /// [`Applications::create`], counting one hit on each of `charges` in the same write, only
    /// when the application is stored ([`Created::New`]). A repeated submission is answered as
    /// before ([`Created::SameSubmission`]); otherwise, when one of them is already full, nothing
    /// is written or counted ([`Created::Limited`]).
    async fn create_charged(
        &self,
        record: &Record,
        event: &Event,
        mails: &[Mail],
        charges: &[Charge],
    ) -> Result<Created, StoreError>;
    /// Applies a change if the version still matches, with its event, mails and quota change,
    /// atomically: a place is never over-allocated, and one 身份证号 never holds two places in a
    /// round, even under concurrent decisions.
    async fn transition(&self, change: &Transition) -> Result<Transitioned, StoreError>;
    /// Writes `record` over the stored one of the same reference while that one is still at
    /// `record.version`, with no event and no new version: only how its personal numbers are
    /// sealed changes (`tepei rekey`). `false` when it changed meanwhile or is gone.
    async fn reseal(&self, record: &Record) -> Result<bool, StoreError>;
    /// Replaces an application and its events by their erased forms while the record is still
    /// at `record.version`, and lets its 身份证号 be found no more; `false` when it changed meanwhile or is
    /// gone. Its mail goes by [`MailQueue::mail_of`] and [`MailQueue::delete_mail`]
    /// (`workflow::erasure::erase` does both).
    async fn erase(&self, record: &Record, events: &[Event]) -> Result<bool, StoreError>;
    /// One application.
    async fn get(&self, reference: &str) -> Result<Option<Record>, StoreError>;
    /// The references of every application of `round` carrying the 身份证号 of keyed hash
    /// `id_hash`, erased ones excepted, by reference.
    async fn by_number(&self, round: i32, id_hash: &str) -> Result<Vec<String>, StoreError>;
    /// The applications of `round` whose 身份证号 (keyed hash) is among `id_hashes` and is carried
    /// by more than one application of the round, erased ones excepted.
    async fn shared_numbers(&self, round: i32, id_hashes: &[String]) -> Result<Vec<NumberUse>, StoreError>;
    /// The applications of `round`, of one HR scope or (`None`) all, oldest first.
    async fn list(&self, round: i32, scope: Option<&HrScope>) -> Result<Vec<Record>, StoreError>;
    /// One [`PageOf`] the round's applications, oldest first: a listing that never holds the
    /// whole round. Fewer than its limit does not mean the end; an empty page does.
    async fn list_page(&self, page: PageOf<'_>) -> Result<Vec<Record>, StoreError>;
    /// A bookmark's value (where a long task such as the purge stands), if set.
    async fn bookmark(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// Sets a bookmark's value.
    async fn set_bookmark(&self, name: &str, value: &str) -> Result<(), StoreError>;
    /// An application's events in order.
    async fn events(&self, reference: &str) -> Result<Vec<Event>, StoreError>;
    /// Places taken under a quota key.
    async fn quota_used(&self, key: &str) -> Result<u32, StoreError>;
    /// Checks the store answers (for readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}

/// One application as a 汇总表 sent to the centre held it: enough to tell later what changed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SentRow {
    /// The application.
    pub reference: String,
    /// Its version then.
    pub version: u64,
    /// Its status then.
    pub status: Status,
}

/// A 汇总表 sent to the centre: which send of its scope, when, and what it held. No personal
/// data: references, versions and statuses only.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SummarySent {
    /// The round.
    pub round: i32,
    /// The dashboard audience's id (`l-hohhot`, `d-…`).
    pub scope: String,
    /// The scope's sends so far, this one included: the first is 1.
    pub seq: u32,
    /// RFC 3339.
    pub at: String,
    /// The applications the table held.
    pub rows: Vec<SentRow>,
}

/// The outbox: mail written with the change it reports, delivered once.
#[async_trait::async_trait]
pub trait MailQueue: Send + Sync {
    /// Queues mail that accompanies no change (a link sent again).
    async fn enqueue(&self, mails: &[Mail]) -> Result<(), StoreError>;
    /// Leases up to `limit` unsent mails due at `now` (unix seconds) for `lease` seconds, so two
    /// flushers never send the same mail at once.
    async fn claim_mail(&self, now: i64, lease: i64, limit: usize) -> Result<Vec<Mail>, StoreError>;
    /// Leases the one mail `id` for `lease` seconds if it is unsent and due at `now`; `None` when
    /// it is not (sent, given up, or leased by a flusher).
    async fn claim_mail_id(&self, id: &str, now: i64, lease: i64) -> Result<Option<Mail>, StoreError>;
    /// Marks a mail delivered: it is never sent again.
    async fn mail_sent(&self, id: &str, at: &str) -> Result<(), StoreError>;
    /// Records a failed attempt; the mail is due again at `retry_at` (unix seconds).
    async fn mail_failed(&self, id: &str, retry_at: i64, error: &str) -> Result<(), StoreError>;
    /// Gives a mail up after its last failed attempt (at `at`, RFC 3339): it is never sent,
    /// and counts among [`MailQueue::dead_mail`].
    async fn mail_dead(&self, id: &str, at: &str, error: &str) -> Result<(), StoreError>;
    /// Mails not yet delivered and not given up.
    async fn unsent_mail(&self) -> Result<usize, StoreError>;
    /// Mails given up after their attempts.
    async fn dead_mail(&self) -> Result<usize, StoreError>;
    /// The 汇总表 last sent for `scope` (a dashboard audience's id) in `round`.
    async fn last_summary(&self, round: i32, scope: &str) -> Result<Option<SummarySent>, StoreError>;
    /// Every stored mail (queued, sent or given up) that names application `reference`, as its
    /// own or among those it is `about`.
    async fn mail_of(&self, reference: &str) -> Result<Vec<MailHeld>, StoreError>;
    /// Deletes the mails `ids` found by [`MailQueue::mail_of`] for `reference`, with whatever
    /// finds them by that reference; ids no longer stored are skipped.
    async fn delete_mail(&self, reference: &str, ids: &[String]) -> Result<(), StoreError>;
    /// Queues the 汇总表 `mail` and records `sent` with it, atomically, when `sent.seq` follows
    /// the scope's last send; `false` when another send came first (nothing written).
    async fn summary_sent(&self, sent: &SummarySent, mail: &Mail) -> Result<bool, StoreError>;
}

/// Counters of fixed windows, kept in the store so that a rate limit holds across processes and
/// Lambda instances. Keys carry no personal data (the limiter hashes what it counts).
#[async_trait::async_trait]
pub trait Counters: Send + Sync {
    /// Counts one hit on `key` in the window that starts at `window_start` (unix seconds) and
    /// lasts `window` seconds; the hits in that window so far, this one included. Old windows
    /// expire by themselves.
    async fn hit(&self, key: &str, window_start: i64, window: i64) -> Result<u32, StoreError>;
}

/// A store that holds applications, the outbox and the rate-limit counters (both adapters do),
/// so a change and its mail are written together.
pub trait Store: Applications + MailQueue + Counters {}

impl<T: Applications + MailQueue + Counters> Store for T {}
