//! A new application: checked against the window and the rules, its proof documents read back
//! and checked, stored with its first event and its two mails in one write.

use crate::blobs::BlobError;
use crate::store::{Attachment, Created, Event, Mail, Record};
use crate::workflow::Context;
use crate::workflow::{Error, notify};
use crate::{ids, views};
use policy::{Actor, Application, ApplicationForm, AttachmentInput, EventKind, Reason, Status};
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

fn refuse_file(message: impl Into<String>) -> Error {
    Error::Invalid(vec![Reason::new("attachments", message)])
}

/// Refuses a submission outside the window.
pub fn check_window(ctx: &Context) -> Result<(), Error> {
    super::stage_open(ctx, Actor::Applicant, "申报表")
}

/// A file carried in the application form itself (the no-JS path): checked by content and
/// size, then stored under a fresh key. A refusal is a field error on `attachments`.
pub async fn store_form_file(
    ctx: &Context,
    owner: &str,
    kind: &str,
    file_name: &str,
    declared: Option<&str>,
    bytes: &[u8],
) -> Result<Result<AttachmentInput, Reason>, Error> {
    let p = &ctx.programme;
    let checked = p.attachment_kind(kind).map_err(|e| e.to_string()).and_then(|_| {
        p.check_upload(bytes.len() as u64, &bytes[..bytes.len().min(16)], declared)
            .map_err(|e| format!("“{file_name}”：{e}"))
    });
    if let Err(message) = checked {
        return Ok(Err(Reason::new("attachments", message)));
    }
    let Some(blobs) = ctx.blobs.clone() else {
        return Ok(Err(Reason::new("attachments", "此部署暂不接受附件")));
    };
    let key = ids::new_upload_key(&ctx.settings.secret, owner);
    blobs.write(&key, bytes).await.map_err(Error::unavailable)?;
    Ok(Ok(AttachmentInput { key, kind: kind.to_owned(), name: file_name.to_owned() }))
}

/// Where [`check_attachments`] reads the named files.
#[derive(Clone, Copy, Debug)]
pub enum Files<'a> {
    /// The uploads themselves (the 核对信息 page: nothing is taken yet).
    Uploads,
    /// Copies made under the record with this reference (taking the application): each upload is
    /// copied once to `records/{reference}/…`, and the copy is what is checked and hashed.
    CopiedTo(&'a str),
}

/// Reads each named upload back and checks it as the upload did (type by content, size), with a
/// SHA-256 of what is stored. Every key must have been issued for `owner` (the submission), or
/// for no submission. Any problem is a field error on `attachments`, and copies made are removed.
pub async fn check_attachments(
    ctx: &Context,
    inputs: &[AttachmentInput],
    owner: &str,
    files: Files<'_>,
) -> Result<Vec<Attachment>, Error> {
    let mut out = Vec::with_capacity(inputs.len());
    let checked = check_each(ctx, inputs, owner, files, &mut out).await;
    if checked.is_err() {
        discard(ctx, &out).await;
    }
    checked.map(|()| out)
}

async fn check_each(
    ctx: &Context,
    inputs: &[AttachmentInput],
    owner: &str,
    files: Files<'_>,
    out: &mut Vec<Attachment>,
) -> Result<(), Error> {
    if inputs.is_empty() {
        return Ok(());
    }
    let p = &ctx.programme;
    if inputs.len() > p.attachments.max_files {
        return Err(refuse_file(policy::UploadError::TooMany(p.attachments.max_files).to_string()));
    }
    let Some(blobs) = ctx.blobs.clone() else {
        return Err(refuse_file("此部署暂不接受附件"));
    };
    for input in inputs {
        let kind = p.attachment_kind(&input.kind).map_err(|e| refuse_file(e.to_string()))?;
        let name: String = input.name.trim().chars().filter(|c| !c.is_control()).take(100).collect();
        if ids::upload_binding(&ctx.settings.secret, &input.key, owner) == ids::Binding::Other {
            tracing::warn!("a file key not issued for this submission was named");
            return Err(refuse_file(format!("“{name}”不是为本次申报上传的文件，请在本页重新上传")));
        }
        let not_uploaded = || refuse_file(format!("“{name}”没有上传成功，请重新上传"));
        let key = match files {
            Files::Uploads => input.key.clone(),
            Files::CopiedTo(reference) => {
                let to = ids::record_file_key(reference, &input.key);
                match blobs.copy(&input.key, &to).await {
                    Ok(()) => to,
                    Err(BlobError::Missing) => return Err(not_uploaded()),
                    Err(BlobError::Exists) => {
                        return Err(refuse_file(format!("“{name}”已经提交过，不能再次提交；如需更换，请重新上传")));
                    }
                    Err(e) => return Err(Error::unavailable(e)),
                }
            }
        };
        // Held from here, so that a refusal below removes the copy with the others.
        let at = out.len();
        out.push(Attachment {
            key: key.clone(),
            kind: kind.code.clone(),
            name: if name.is_empty() { kind.name.clone() } else { name.clone() },
            size: 0,
            sha256: String::new(),
            content_type: String::new(),
        });
        let object = match blobs.inspect(&key, p.attachments.max_bytes).await {
            Ok(o) => o,
            Err(BlobError::Missing) => return Err(not_uploaded()),
            Err(e) => return Err(Error::unavailable(e)),
        };
        let kind_of = match p.check_upload(object.size, &object.head, None) {
            Ok(k) => k,
            Err(e) => {
                // Uploaded straight to the bucket but not a document we accept: remove it.
                if let Err(d) = blobs.delete(&input.key).await {
                    tracing::warn!(error = %d, "refused upload not deleted");
                }
                return Err(refuse_file(format!("“{name}”：{e}")));
            }
        };
        out[at].size = object.size;
        out[at].sha256 = object.sha256;
        out[at].content_type = kind_of.mime().to_owned();
    }
    Ok(())
}

/// Removes the copies under `records/` among `files` (a submission that was not taken).
pub async fn discard(ctx: &Context, files: &[Attachment]) {
    let Some(blobs) = ctx.blobs.as_ref() else { return };
    for file in files.iter().filter(|f| f.key.starts_with("records/")) {
        if let Err(e) = blobs.delete(&file.key).await {
            tracing::warn!(error = %crate::Chain(&e), "copy of a file not taken was not removed");
        }
    }
}

/// The application, checked with every rule, and the required proof documents among
/// `attachments`: every problem at once. A deployment that takes no files (no file store) asks
/// for none: they go with the paper 申报表.
pub fn parse_with_documents(
    ctx: &Context,
    form: &ApplicationForm,
    attachments: &[Attachment],
) -> Result<Application, Error> {
    let programme = &ctx.programme;
    let missing = match ctx.blobs {
        Some(_) => programme.missing_documents(form, attachments.iter().map(|a| a.kind.as_str())),
        None => Vec::new(),
    };
    match Application::parse(form, programme) {
        Ok(mut application) if missing.is_empty() => {
            application.consented = Some(policy::Consented {
                rules_version: programme.privacy.version.clone(),
                at: views::rfc3339(ctx.clock.now()),
            });
            Ok(application)
        }
        Ok(_) => Err(Error::Invalid(missing)),
        Err(mut reasons) => {
            reasons.extend(missing);
            Err(Error::Invalid(reasons))
        }
    }
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
        reference: reference.to_owned(),
        round: programme.round,
        status: Status::Unconfirmed,
        version: 1,
        submission_id,
        body_hash: hex::encode(Sha256::digest(&content)),
        id_hash: policy::keyed_hash(&ctx.settings.secret, &["id", &programme.round.to_string(), id_number.expose()]),
        application,
        created_at: at.clone(),
        updated_at: at.clone(),
        attachments,
        version_hash: None,
        erased_at: None,
        erasure_requested_at: None,
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
    let mails = vec![notify::to_confirm(ctx, &record)?];
    Ok(Prepared { record, event, mails })
}

/// Mails the address of the application holding a 身份证号 that someone used again (at most
/// once per ten minutes per application).
async fn told_of_another_try(ctx: &Context, holder: &Record) -> Result<(), Error> {
    let key = format!("tried-again:{}", holder.reference);
    if !crate::workflow::limits::allow(ctx, crate::workflow::limits::MAIL_PER_RECIPIENT, &key).await? {
        return Ok(());
    }
    let mails = [notify::tried_again(ctx, holder)?];
    ctx.store.enqueue(&mails).await?;
    ctx.mail_queued(&mails).await;
    Ok(())
}

/// Takes a submission: the window, the files, the rules, then one write. A repeat of the same
/// submission id answers as the first did; another application with a 身份证号 already held
/// answers like a success (and the holder's address is told).
pub async fn accept(ctx: &Context, form: &ApplicationForm) -> Result<Accepted, Error> {
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
        let created = ctx.store.create(&record, &event, &mails).await;
        // Copies go when the record is surely not stored (a store error may hide a commit).
        if matches!(&created, Ok(c) if !matches!(c, Created::New)) {
            discard(ctx, &files).await;
        }
        match created? {
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
            Created::DuplicateIdNumber => {
                if let Some(holder) = ctx.store.identity_holder(record.round, &record.id_hash).await? {
                    let (held, events) = super::load(ctx, &holder).await?;
                    if super::decide::lapsed(ctx, &held) {
                        // Never confirmed in time: it lapses now and frees the number.
                        super::decide::expire(ctx, &held, &events).await?;
                        continue;
                    }
                    told_of_another_try(ctx, &held).await?;
                }
                // Answered exactly as a success, under a reference never stored: the answer
                // tells nobody whether this person applied.
                tracing::info!(reference = %record.reference, "identity number already held: answered as taken, nothing stored");
                return Ok(Accepted { reference: record.reference, status: Status::Unconfirmed });
            }
        }
    }
    Err(Error::internal("no free reference after 6 draws"))
}
