//! The proof documents of an application: files carried in the no-JS form stored, named
//! uploads read back (or copied under the record) and checked, copies of a refused change
//! removed, and the application parsed with the documents its rules require.

use crate::blobs::BlobError;
use crate::ids;
use crate::store::Attachment;
use crate::views;
use crate::workflow::{Context, Error};
use policy::{Application, ApplicationForm, AttachmentInput, Reason};

fn refuse_file(message: impl Into<String>) -> Error {
    Error::Invalid(vec![Reason::new("attachments", message)])
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
