//! Upload targets: where the browser sends one proof document, with the same limits wherever
//! it lands (a presigned POST to the bucket, or the local endpoint under `serve`).

use crate::blobs::{UploadRules, UploadTarget};
use crate::ids;
use crate::workflow::Context;
use crate::workflow::{Error, links};
use policy::UploadClaims;
use serde::Deserialize;

/// What the browser says about the file before sending it.
#[derive(Deserialize, Debug)]
pub struct UploadRequest {
    /// The document kind.
    pub kind: String,
    /// The file name (only counted, for the log).
    #[serde(default)]
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Declared MIME type.
    #[serde(default)]
    pub content_type: String,
    /// The application's `submission_id`: the key is issued for it, and any other submission
    /// naming the key is refused. Without it the key is taken by the first application naming it
    /// (claimed in the same store write that stores the application).
    #[serde(default)]
    pub submission_id: String,
}

/// Where to upload one file, and for which submission.
#[derive(Debug)]
pub struct Issued {
    /// Where the browser sends the file, and its key.
    pub target: UploadTarget,
    /// Unix seconds after which the target no longer works.
    pub expires: i64,
    /// The submission the key is issued for, if the request named one.
    pub submission_id: Option<String>,
}

/// Why no target was issued.
#[derive(Debug)]
pub enum Refused {
    /// The request breaks a rule: the message says which.
    Rule(String),
    /// This deployment takes no attachments.
    Disabled,
    /// The target could not be signed.
    Failed(Error),
}

/// Checks kind, size and declared type, and issues where to upload, with its expiry, for the
/// submission asked for (or for the first application that names it).
pub async fn target(ctx: &Context, request: &UploadRequest) -> Result<Issued, Refused> {
    let p = &ctx.programme;
    p.attachment_kind(&request.kind).map_err(|e| Refused::Rule(e.to_string()))?;
    if request.size == 0 || request.size > p.attachments.max_bytes {
        // The same check the upload repeats on the bytes themselves.
        let e = p.check_upload(request.size, b"", None).err().map(|e| e.to_string()).unwrap_or_default();
        return Err(Refused::Rule(e));
    }
    if !p.attachments.types.contains(&request.content_type) {
        return Err(Refused::Rule(policy::UploadError::Type.to_string()));
    }
    let owner = request.submission_id.trim();
    if owner.len() > 64 || !owner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Refused::Rule("提交编号格式不正确，请刷新页面后重新上传".to_owned()));
    }
    let blobs = ctx.blobs.clone().ok_or(Refused::Disabled)?;
    let claimable = owner.is_empty();
    let key = ids::new_upload_key(&ctx.settings.secret, owner);
    let rules = UploadRules {
        content_type: request.content_type.clone(),
        max_bytes: p.attachments.max_bytes,
        ttl: links::UPLOAD_TTL,
    };
    let expires = (ctx.clock.now() + links::UPLOAD_TTL).unix_timestamp();
    let direct = blobs.upload_target(&key, &rules).await.map_err(|e| Refused::Failed(Error::unavailable(e)))?;
    let target = direct.unwrap_or_else(|| {
        let claims = UploadClaims {
            id: key.trim_start_matches("uploads/").to_owned(),
            kind: request.kind.clone(),
            max_bytes: p.attachments.max_bytes,
        };
        UploadTarget { url: links::upload_path(ctx, &claims), fields: Default::default(), key }
    });
    tracing::info!(kind = %request.kind, size = request.size, name_chars = request.name.chars().count(), claimable, "upload target issued");
    Ok(Issued { target, expires, submission_id: (!claimable).then(|| owner.to_owned()) })
}
