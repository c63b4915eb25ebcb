//! The one guard ([`allow`]) and the one write ([`apply`]) every change of an application goes
//! through, and what they share: the typed decision, the documents changed, the refusals.

use crate::store::{Attachment, Change, Event, Mail, PendingAddress, QuotaChange, Record, Transition, Transitioned};
use crate::views;
use crate::workflow::documents::{Carried, CheckedFiles, Files, check_attachments, check_carried, discard};
use crate::workflow::{Context, Error, actor_address, client_hash, notify, paper, stage_open};
use policy::{Action, Actor, Application, AttachmentInput, QuotaEffect, QuotaSlot, Step};

/// Longest comment.
pub const COMMENT_MAX: usize = 1000;

/// What a reviewer or the applicant asks for.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// The action chosen (`None`: nothing, or nothing tepei knows, was chosen).
    pub action: Option<Action>,
    /// The comment (required to return).
    pub comment: String,
    /// The applicant confirmed a withdrawal.
    pub confirmed: bool,
    /// The withdrawal is the first half of 删除我的申报: the applicant is told of the erasure
    /// instead.
    pub erasing: bool,
}

impl Decision {
    /// The decision a form posted: its `decision` code (`approve`, `return`, `withdraw`, …).
    pub fn posted(code: &str, comment: &str, confirmed: bool) -> Self {
        Self { action: Action::from_code(code.trim()), comment: comment.to_owned(), confirmed, erasing: false }
    }
}

/// What the applicant changes in the proof documents: files to drop (by their index on the
/// record) and files to add (uploaded beforehand, or carried by the form and stored only once the
/// change passes its checks). Replacing a file is dropping it and adding the new one.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    /// Indexes into the record's attachments.
    pub remove: Vec<usize>,
    /// New files uploaded beforehand.
    pub add: Vec<AttachmentInput>,
    /// New files the form carried, not stored yet.
    pub carried: Vec<Carried>,
}

impl Documents {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.add.is_empty() && self.carried.is_empty()
    }

    /// The record's files this change keeps.
    pub(super) fn kept<'a>(&'a self, record: &'a Record) -> impl Iterator<Item = &'a Attachment> {
        record.attachments.iter().enumerate().filter(|(i, _)| !self.remove.contains(i)).map(|(_, a)| a)
    }

    /// The kinds of the files the record holds after this change.
    pub(super) fn kinds<'a>(&'a self, record: &'a Record) -> impl Iterator<Item = &'a str> {
        let added = self.add.iter().map(|a| a.kind.as_str()).chain(self.carried.iter().map(|c| c.kind.as_str()));
        self.kept(record).map(|a| a.kind.as_str()).chain(added)
    }

    /// Checks the files the form carried, beside the files kept and those uploaded beforehand,
    /// storing none ([`check_carried`]).
    pub(super) fn check_carried(&self, ctx: &Context, record: &Record) -> Result<CheckedFiles, Error> {
        let held = self.kept(record).count() + self.add.len();
        check_carried(ctx, self.carried.clone(), held).map_err(Error::Invalid)
    }
}

/// What a change writes besides the status: a new application, a new set of files.
#[derive(Default)]
pub(super) struct Edit {
    pub(super) application: Option<Application>,
    pub(super) attachments: Option<Vec<Attachment>>,
    pub(super) changes: Vec<Change>,
    /// The hash printed on the paper received.
    pub(super) version_hash: Option<String>,
    /// An address to prove (set) or proven (cleared), when it changes.
    pub(super) pending_address: Option<Option<PendingAddress>>,
    /// Mail besides what the step itself sends (the code to a new address).
    pub(super) mails: Vec<Mail>,
    /// The applicant is told otherwise (a withdrawal within an erasure): no mail to them.
    pub(super) applicant_told_otherwise: bool,
}

/// Whether the actor's stage must still be open for the step.
#[derive(Clone, Copy, Debug)]
pub(super) enum Stage {
    /// Within the stage only; the words name the step in the refusal (审核, 修改, …).
    Open(&'static str),
    /// At any time (a withdrawal, the address confirmed, the centre's own steps).
    Any,
}

/// A step the guard let through. Only [`allow`] makes one, and [`apply`] takes nothing else, so
/// no change can be written without the guard.
pub(super) struct Allowed {
    actor: Actor,
    action: Action,
    step: Step,
    expected: u64,
}

/// The record is still at the version the page of `actor` showed (`expected`, as
/// [`Record::acts_at`] reads it), or who decided first.
pub fn current(record: &Record, events: &[Event], expected: u64, actor: Actor) -> Result<(), Error> {
    if record.acts_at(expected, actor) { Ok(()) } else { Err(Error::Stale(views::already_decided(events))) }
}

/// The one guard: the version the page showed, a step the state machine allows, and, where
/// `stage` asks, the actor's stage still open.
pub(super) fn allow(
    ctx: &Context,
    (record, events): (&Record, &[Event]),
    expected: u64,
    actor: Actor,
    action: Action,
    stage: Stage,
) -> Result<Allowed, Error> {
    current(record, events, expected, actor)?;
    let step = policy::step(record.status, actor, action).ok_or_else(|| not_allowed(record, action))?;
    if let Stage::Open(what) = stage {
        stage_open(ctx, actor, what)?;
    }
    // Written against the version read (a link may be of one before a silent step).
    Ok(Allowed { actor, action, step, expected: record.version })
}

/// The refusal of a step the state machine does not allow now.
pub(super) fn not_allowed(record: &Record, action: Action) -> Error {
    let (title, verb) = if action == Action::Resubmit {
        ("不能重新提交", "重新提交")
    } else {
        ("不能进行此操作", "进行此操作")
    };
    Error::NotAllowed {
        title, message: format!("这份申报当前为“{}”，不能{verb}。", record.status.label())
    }
}

/// The refusal of a request that lacks something the step needs.
pub(super) fn incomplete(title: &'static str, message: impl Into<String>) -> Error {
    Error::Incomplete { title, message: message.into() }
}

/// The quota counter a recommendation of `record` counts against.
pub fn quota_slot(ctx: &Context, record: &Record) -> Result<QuotaSlot, Error> {
    ctx.programme.quota_for(&record.application).ok_or_else(|| {
        Error::internal(format!("{}: stream {} is not in the programme", record.reference, record.stream()))
    })
}

/// The record's files after `documents`, once the change passed its checks: the files the form
/// carried stored (`passed` is the application they go with, [`CheckedFiles::store`]), then every
/// new file copied under the record, read back and checked; with the names of the kinds added,
/// and the copies made (to remove if the change is not stored).
pub(super) async fn documents_after(
    ctx: &Context,
    record: &Record,
    documents: &Documents,
    (carried, passed): (CheckedFiles, &Application),
) -> Result<(Vec<Attachment>, Vec<String>, Vec<Attachment>), Error> {
    let mut add = documents.add.clone();
    add.extend(carried.store(ctx, &record.submission_id, passed).await?);
    let files = Files::AddedTo(&record.reference);
    let added = check_attachments(ctx, &add, &record.submission_id, files).await?;
    let all: Vec<Attachment> = documents.kept(record).cloned().chain(added.iter().cloned()).collect();
    let mut names: Vec<String> = Vec::new();
    for a in &added {
        let name = ctx.programme.attachment_kind(&a.kind).map(|k| k.name.clone()).unwrap_or_else(|_| a.kind.clone());
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok((all, names, added))
}

/// `done` as it is; the files copied for it removed first when it surely stored nothing.
pub(super) async fn or_discard(ctx: &Context, added: &[Attachment], done: Result<(), Error>) -> Result<(), Error> {
    if done.as_ref().is_err_and(|e| !e.may_have_written()) {
        discard(ctx, added).await;
    }
    done
}

/// The step the guard allowed, written: the new application (a resubmission) or the same, the
/// event with its comment, the mails and any quota place, in one conditional write.
pub(super) async fn apply(
    ctx: &Context,
    (record, events): (&Record, &[Event]),
    allowed: Allowed,
    edit: Edit,
    comment: &str,
    client: &str,
) -> Result<(), Error> {
    let Allowed { actor, action, step, expected } = allowed;
    let now = views::rfc3339(ctx.clock.now());
    let mut next = record.clone();
    next.status = step.to;
    next.version = record.version + 1;
    next.updated_at = now.clone();
    if let Some(application) = edit.application {
        next.application = application;
    }
    if let Some(attachments) = edit.attachments {
        next.attachments = attachments;
    }
    if let Some(pending) = edit.pending_address {
        next.pending_address = pending;
    }
    match action {
        Action::ProveAddress | Action::CorrectAddress => next.silent_versions.push(next.version),
        Action::PaperReceived => next.paper_versions.push(next.version),
        Action::RequestErasure => next.erasure_requested_at = Some(now.clone()),
        Action::DeclineErasure => next.erasure_requested_at = None,
        _ => {}
    }
    if step.event.changes_content() {
        // Hashed while a resubmission's content is open, then sealed for the store.
        next.version_hash = Some(paper::content_hash(ctx, &next));
        next = crate::personal::seal_record(&ctx.settings.data_keys, &next);
    }
    let event = Event {
        seq: events.len() as u32 + 1,
        kind: step.event,
        actor,
        actor_address: actor_address(ctx, actor, record),
        at: now,
        comment: (!comment.is_empty()).then(|| comment.to_owned()),
        status: step.to,
        client_hash: Some(client_hash(ctx, client)),
        changes: edit.changes,
        version_hash: if step.event.changes_content() { next.version_hash.clone() } else { edit.version_hash },
    };
    let quota = match step.quota {
        QuotaEffect::None => None,
        QuotaEffect::Take => {
            let slot = quota_slot(ctx, record)?;
            Some(QuotaChange::Take { key: slot.key.to_string(), cap: slot.cap })
        }
        QuotaEffect::Release => Some(QuotaChange::Release { key: quota_slot(ctx, record)?.key.to_string() }),
    };
    // The resubmission's comment lists the changed fields for the record; its mail says none.
    let mail_comment = if matches!(action, Action::Resubmit | Action::AddDocuments) { "" } else { comment };
    let after: Vec<Event> = events.iter().cloned().chain(std::iter::once(event.clone())).collect();
    let paper = paper::state(ctx, &next, &after);
    let mails = match action {
        // Nothing is mailed for an erased record.
        _ if record.erased_at.is_some() => Vec::new(),
        // Confirmed: now the applicant's receipt and the unit's review link.
        Action::Confirm => notify::submitted(ctx, &next)?,
        // Lapsed: the address was never shown to be the applicant's; nobody is mailed.
        Action::Expire => Vec::new(),
        // An erasure request is answered on the page; the centre is told it waits.
        Action::RequestErasure => vec![notify::erasure_requested(ctx, &next)?],
        // A new address proven: its status link goes there now, and the replaced one is told.
        Action::ProveAddress => vec![notify::address_proven(ctx, &next)?, notify::address_changed(ctx, record, &next)?],
        // A corrected address gets its code, the proven one the word (`edit.mails`).
        Action::CorrectAddress => Vec::new(),
        _ => {
            let mut mails = notify::decided(ctx, &next, record.status, actor, action, mail_comment, paper)?;
            if edit.applicant_told_otherwise {
                // The applicant's own mail comes first.
                mails.remove(0);
            }
            mails
        }
    };
    let mails: Vec<Mail> = mails.into_iter().chain(edit.mails).collect();
    let change = Transition { expected_version: expected, record: next, event, mails, quota };
    match ctx.store.transition(&change).await? {
        Transitioned::Done => {
            tracing::info!(reference = %record.reference, actor = actor.code(), event = step.event.code(), "change stored");
            ctx.mail_queued(&change.mails).await;
            Ok(())
        }
        Transitioned::Stale(_) => {
            let events = ctx.store.events(&record.reference).await.unwrap_or_default();
            Err(Error::Stale(views::already_decided(&events)))
        }
        Transitioned::NumberHasPlace { reference } => Err(Error::NumberHasPlace(reference)),
        Transitioned::QuotaFull { used, cap } => Err(Error::QuotaFull(policy::QuotaFull { used, cap })),
        Transitioned::NotFound => Err(Error::NotFound),
    }
}
