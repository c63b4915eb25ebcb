//! The rules of the 特培 round, with no I/O and no clock of its own.
//!
//! Everything the site publishes and the handler enforces comes through here from
//! `content/programme.toml`: [`Programme::parse`] reads it, [`eligibility`] applies it, and the
//! newtypes ([`IdNumber`], [`Phone`], [`Email`], [`YearMonth`]) turn raw text into checked values.

mod application;
mod attachment;
mod contact;
mod eligibility;
mod fields;
mod held;
mod id_number;
mod money;
mod programme;
mod quota;
mod reviewers;
mod scope;
mod status;
mod text;
mod token;
mod types;
mod wire;

pub use application::{Application, ApplicationForm, AttachmentInput, Consented, PLAN_MAX_CHARS, PLAN_MAX_LINES};
pub use attachment::{FileType, UploadError, only_missing_documents, sniff};
pub use contact::{Email, EmailError, Phone, PhoneError, mailbox_of};
pub use eligibility::{
    Profile, ProfileForm, Reason, RuleCheck, TrackVerdict, Verdict, eligibility, route, rule_checks, self_check, truthy,
};
pub use fields::{
    ATTACHMENTS_LABEL, Ask, CHECKED_FIELDS, Category, Cells, Choices, Column, Control, EXPORT_HEADINGS, Erase, FIELDS,
    FieldSpec, Input, Need, PLEDGE_ON_PAPER, Section, Slot, field, field_label, rank,
};
pub use held::{ERASED, ERASED_ADDRESS, Held, Personal, Sealed};
pub use id_number::{IdNumber, IdNumberError, check_character};
pub use money::{StreamCost, yuan};
pub use programme::{
    Attachment1, Attachment2, AttachmentKind, AttachmentRules, Centre, Contact, Costs, Deadline, Departments,
    EthnicGroup, Fees, League, LeagueGroup, Level, Programme, ProgrammeError, ProgrammeInfo, Qualification, Required,
    SEND_IS_CONVENIENCE, Stream, Window,
};
pub use quota::{QUOTA_READING, Quota, QuotaFull};
pub use reviewers::{REVIEWERS_TOML, Reviewers, ReviewersError};
pub use scope::{HrScope, PAPER_TO_LEAGUE, QuotaKey, QuotaSlot};
pub use status::{Action, Actor, DecisionForm, EventKind, QuotaEffect, Status, Step, reviewer_for, step};
pub use text::{READING, chinese_date, chinese_instant};
pub use token::{
    ConfirmClaims, DashboardClaims, IssuedTo, LinkClaims, Purpose, ReviewClaims, Signer, StatusClaims, TokenError,
    UploadClaims, Wire, keyed_hash, keyed_hash_starts_with,
};
pub use types::{Field, Gender, Sector, Track, UnitLevel, YearMonth, YearMonthError};
pub use wire::{form_fields, form_object, from_fields, json_object};

/// The fingerprint of a set of rules: 16 hex digits of the SHA-256 of programme.toml and
/// reviewers.toml as written. The site carries the one it was built from, the handler answers the
/// one it enforces; they differ when a site and a function were deployed from different rules.
pub fn rules_fingerprint(programme_toml: &str, reviewers_toml: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(programme_toml.as_bytes())
        .chain_update(b"\0")
        .chain_update(reviewers_toml.as_bytes())
        .finalize();
    hex::encode(&digest[..8])
}

/// The fingerprint of the rules compiled into this build.
pub fn embedded_fingerprint() -> String {
    rules_fingerprint(PROGRAMME_TOML, REVIEWERS_TOML)
}

/// The programme of the current round, as shipped in `content/programme.toml`.
pub const PROGRAMME_TOML: &str = include_str!("../../content/programme.toml");
