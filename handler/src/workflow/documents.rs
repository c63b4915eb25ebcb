//! The proof documents of an application: files carried in the no-JS form checked, then stored
//! once the form passes; named uploads read back (or copied under the record) and checked,
//! copies of a refused change removed, and the application parsed with the documents its rules
//! require.

use crate::blobs::BlobError;
use crate::ids;
use crate::store::Attachment;
use crate::views;
use crate::workflow::{Context, Error};
use policy::{Application, ApplicationForm, AttachmentInput, Reason};

fn refuse_file(message: impl Into<String>) -> Error {
    Error::Invalid(vec![Reason::new("attachments", message)])
}

/// What a form that carried files says when it is refused for its answers: nothing was stored.
pub const NOT_STORED: &str = "所选文件尚未保存：请按提示修改后，重新选择文件再提交";

/// A file the form itself carried (the no-JS path: a `file_{kind}` part), as sent: not stored.
#[derive(Clone)]
pub struct Carried {
    /// The proof document kind the part's name gives.
    pub kind: String,
    /// The file's name as the applicant had it.
    pub name: String,
    /// The type the browser declared.
    pub declared: Option<String>,
    /// The content.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Carried {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Carried").field("kind", &self.kind).field("size", &self.bytes.len()).finish_non_exhaustive()
    }
}

/// Files a form carried, checked in memory by [`check_carried`] and not stored yet: only
/// [`CheckedFiles::store`] writes them, given the application they go with as it passed.
#[derive(Debug)]
pub struct CheckedFiles(Vec<Carried>);

/// Checks the files a form carried, beside `held` others (kept, or uploaded beforehand), and
/// stores none: no more than the programme's `max_files` in all (refused whole, before any file is
/// looked at), then each of a kind the programme has, a type it takes by content, within size.
/// Every problem at once, as reasons on `attachments`.
pub fn check_carried(ctx: &Context, carried: Vec<Carried>, held: usize) -> Result<CheckedFiles, Vec<Reason>> {
    let p = &ctx.programme;
    if carried.len() + held > p.attachments.max_files {
        return Err(vec![Reason::new(
            "attachments",
            policy::UploadError::TooMany(p.attachments.max_files).to_string(),
        )]);
    }
    if !carried.is_empty() && ctx.blobs.is_none() {
        return Err(vec![Reason::new("attachments", "此部署暂不接受附件")]);
    }
    let problems: Vec<Reason> = carried
        .iter()
        .filter_map(|file| {
            let bytes = &file.bytes;
            p.attachment_kind(&file.kind)
                .map_err(|e| e.to_string())
                .and_then(|_| {
                    p.check_upload(bytes.len() as u64, &bytes[..bytes.len().min(16)], file.declared.as_deref())
                        .map_err(|e| format!("“{}”：{e}", file.name))
                })
                .err()
                .map(|message| Reason::new("attachments", message))
        })
        .collect();
    if problems.is_empty() { Ok(CheckedFiles(carried)) } else { Err(problems) }
}

impl CheckedFiles {
    /// Stores each file under a fresh key bound to `owner` (the submission). `passed` is the
    /// application the files go with, as its parse gave it: files are written only for a form
    /// that passed every rule, after the rate limit and the count (a refused form writes nothing).
    pub async fn store(self, ctx: &Context, owner: &str, _passed: &Application) -> Result<Vec<AttachmentInput>, Error> {
        let Some(blobs) = ctx.blobs.clone().filter(|_| !self.0.is_empty()) else {
            return Ok(Vec::new());
        };
        let mut stored = Vec::with_capacity(self.0.len());
        for file in self.0 {
            let key = ids::new_upload_key(&ctx.settings.secret, owner);
            blobs.write(&key, &file.bytes).await.map_err(Error::unavailable)?;
            stored.push(AttachmentInput { key, kind: file.kind, name: file.name });
        }
        Ok(stored)
    }
}

/// Where [`check_attachments`] reads the named files.
#[derive(Clone, Copy, Debug)]
pub enum Files<'a> {
    /// The uploads themselves (the 核对信息 page: nothing is taken yet).
    Uploads,
    /// Copies made under the record with this reference (taking the application): each upload is
    /// copied once to `records/{reference}/…`, and the copy is what is checked and hashed. An
    /// upload issued for no submission is claimed by the application's store write.
    CopiedTo(&'a str),
    /// Like `CopiedTo`, for files added to a record already stored (a resubmission, 补充材料):
    /// only uploads issued for its submission, since nothing would claim another.
    AddedTo(&'a str),
}

/// The uploads issued for no submission that `inputs` name: the ids the application claims.
pub fn claims(ctx: &Context, inputs: &[AttachmentInput], owner: &str) -> Vec<String> {
    let mut ids: Vec<String> = inputs
        .iter()
        .filter_map(|i| match ids::upload_binding(&ctx.settings.secret, &i.key, owner) {
            ids::Binding::Claimable(id) => Some(id),
            _ => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Reads each named upload back and checks it as the upload did (type by content, size), with a
/// SHA-256 of what is stored. Every key must have been issued for `owner` (the submission: every
/// key is, so no two submissions can take one file). Any problem is a field error on `attachments`, and copies made are removed.
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
        let ours = match ids::upload_binding(&ctx.settings.secret, &input.key, owner) {
            ids::Binding::Ours => true,
            ids::Binding::Claimable(_) => !matches!(files, Files::AddedTo(_)),
            ids::Binding::Other => false,
        };
        if !ours {
            tracing::warn!("a file key not issued for this submission was named");
            return Err(refuse_file(format!("“{name}”不是为本次申报上传的文件，请在本页重新上传")));
        }
        let not_uploaded = || refuse_file(format!("“{name}”没有上传成功，请重新上传"));
        let key = match files {
            Files::Uploads => input.key.clone(),
            Files::CopiedTo(reference) | Files::AddedTo(reference) => {
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
    parse_with_kinds(ctx, form, attachments.iter().map(|a| a.kind.as_str()))
}

/// [`parse_with_documents`], with the documents counted by their kinds (files not stored yet).
pub fn parse_with_kinds<'a>(
    ctx: &Context,
    form: &ApplicationForm,
    kinds: impl IntoIterator<Item = &'a str>,
) -> Result<Application, Error> {
    let programme = &ctx.programme;
    let missing = match ctx.blobs {
        Some(_) => programme.missing_documents(form, kinds),
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
