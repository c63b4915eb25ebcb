//! A new application: checked against the window and the rules, its proof documents read back
//! and checked, stored with its first event and its two mails in one write.

use super::documents::{Files, check_attachments, discard, parse_with_documents};
use super::notify;
use crate::store::{Attachment, Charge, Created, Event, Mail, Record};
use crate::workflow::{Context, Error};
use crate::{ids, views};
use policy::{Actor, Application, ApplicationForm, EventKind, Status};
use sha2::{Digest, Sha256};

/// What a taken submission answers.
#[derive(Debug)]
pub struct Accepted {
    /// The stored reference (the earlier one for a repeated submission).
    pub reference: String,
    /// Its status now.
    pub status: Status,
}

/// Everything one submission writes, built but not stored: the record, its first event and
/// its mails.
pub struct Prepared {
    /// The application record.
    pub record: Record,
    /// The `submitted` event.
    pub event: Event,
    /// The mail asking the applicant to confirm their address (nobody else is mailed yet).
    pub mails: Vec<Mail>,
}

/// Refuses a submission outside the window.
pub fn check_window(ctx: &Context) -> Result<(), Error> {
    super::stage_open(ctx, Actor::Applicant, "申报表")
}

/// What the 核对信息 page shows before anything is stored: the application as it would be
/// stored and its files read back and checked, or every problem at once.
pub async fn check(ctx: &Context, form: &ApplicationForm) -> Result<(Application, Vec<Attachment>), Error> {
    check_window(ctx)?;
    let owner = form.submission_id.as_deref().unwrap_or_default();
    let attachments = check_attachments(ctx, &form.attachments, owner, Files::Uploads).await?;
    let application = parse_with_documents(ctx, form, &attachments)?;
    Ok((application, attachments))
}

/// Checks the window and the form and builds what the submission writes.
pub fn prepare(ctx: &Context, form: &ApplicationForm) -> Result<Prepared, Error> {
    prepare_with(ctx, form, &ids::new_reference(ctx.programme.round), Vec::new())
}

/// Like [`prepare`], under `reference`, with proof documents already copied and checked by
/// [`check_attachments`].
pub fn prepare_with(
    ctx: &Context,
    form: &ApplicationForm,
    reference: &str,
    attachments: Vec<Attachment>,
) -> Result<Prepared, Error> {
    check_window(ctx)?;
    let programme = &ctx.programme;
    let application = parse_with_documents(ctx, form, &attachments)?;
    let content = serde_json::to_vec(&form.content()).map_err(Error::internal)?;
    let submission_id = form.submission_id.clone().filter(|s| !s.is_empty()).unwrap_or_else(ids::random_id);
    let at = views::rfc3339(ctx.clock.now());
    let id_number =
        application.id_number.opened().cloned().ok_or_else(|| Error::internal("parsed 身份证号 not open"))?;
    let mut record = Record {
        submission_id,
        body_hash: hex::encode(Sha256::digest(&content)),
        id_hash: super::numbers::number_hash(ctx, &id_number),
        upload_claims: super::documents::claims(
            ctx,
            &form.attachments,
            form.submission_id.as_deref().unwrap_or_default(),
        ),
        attachments,
        ..Record::taken(reference, programme.round, application, at.clone())
    };
    // Hashed while open, then sealed: the store never sees the 身份证号 or the phone in full.
    record.version_hash = Some(super::paper::content_hash(ctx, &record));
    let record = crate::personal::seal_record(&ctx.settings.data_keys, &record);
    let event = Event {
        seq: 1,
        kind: EventKind::Submitted,
        actor: Actor::Applicant,
        actor_address: Some(record.application.email.to_string()),
        at,
        comment: None,
        status: Status::Unconfirmed,
        client_hash: None,
        changes: Vec::new(),
        version_hash: record.version_hash.clone(),
    };
    let mails = vec![notify::to_confirm(ctx, &record, 0)?];
    Ok(Prepared { record, event, mails })
}

/// Takes a submission: the window, the files, the rules, then one write, which also counts
/// `charges` (a full one refuses it with [`Error::TooMany`], nothing stored). A repeat of the same
/// submission id answers as the first did. Every other application is stored on its own, whether
/// or not its 身份证号 applied before: nothing the submitter sees tells.
pub async fn accept(ctx: &Context, form: &ApplicationForm, charges: &[Charge]) -> Result<Accepted, Error> {
    check_window(ctx)?;
    let owner = form.submission_id.as_deref().unwrap_or_default();
    // References are random (31^6 of them): two can meet, and then the whole submission is
    // prepared again under a fresh one; its links, mails and file keys carry the reference.
    for _ in 0..6 {
        let reference = ids::new_reference(ctx.programme.round);
        // Each named upload is copied under the record first: what is checked, hashed and kept
        // is the copy, which nothing but this handler writes.
        let files = check_attachments(ctx, &form.attachments, owner, Files::CopiedTo(&reference)).await?;
        let Prepared { record, event, mails } = match prepare_with(ctx, form, &reference, files.clone()) {
            Ok(prepared) => prepared,
            Err(e) => {
                discard(ctx, &files).await;
                return Err(e);
            }
        };
        let created = ctx.store.create_charged(&record, &event, &mails, charges).await;
        // Copies go when the record is surely not stored (a store error may hide a commit).
        if matches!(&created, Ok(c) if !matches!(c, Created::New)) {
            discard(ctx, &files).await;
        }
        let created = created?;
        // Answered without storing anything, so counted now: a repeat of a stored submission (a
        // double tap, a retry) against its client's limit only, since it mails nobody, and over
        // that limit it is refused; an upload taken before against both, as refused.
        if matches!(created, Created::SameSubmission { .. }) {
            let client: Vec<Charge> = charges
                .iter()
                .filter(|c| super::limits::counts(c, super::limits::SUBMIT_PER_CLIENT))
                .cloned()
                .collect();
            super::limits::charge_now(ctx, &client).await?;
        }
        if matches!(created, Created::UploadTaken) && super::limits::charge_now(ctx, charges).await.is_err() {
            tracing::info!("a submission naming a taken upload reached its limit");
        }
        match created {
            Created::UploadTaken => {
                tracing::info!(reference = %record.reference, "an upload issued for no submission was taken before");
                let message = "所选的文件已用于另一份申报，不能再次提交。请在本页重新上传后再提交。";
                return Err(Error::Invalid(vec![policy::Reason::new("attachments", message)]));
            }
            Created::Limited(charge) => return Err(super::limits::refused(ctx, &charge)),
            Created::ReferenceTaken => {
                tracing::info!(reference = %record.reference, "reference already in use; drawing another");
            }
            Created::New => {
                tracing::info!(reference = %record.reference, stream = %record.stream(), "application stored");
                ctx.mail_queued(&mails).await;
                return Ok(Accepted { reference: record.reference, status: record.status });
            }
            Created::SameSubmission { existing, same_body: true } => {
                tracing::info!(reference = %existing.reference, "repeated submission answered again");
                return Ok(Accepted { reference: existing.reference, status: existing.status });
            }
            Created::SameSubmission { existing, same_body: false } => {
                tracing::info!(reference = %existing.reference, "submission id reused with another body");
                return Err(Error::SubmissionConflict);
            }
        }
    }
    Err(Error::internal("no free reference after 6 draws"))
}
