//! `POST /api/uploads` (ask where to upload one file) and the local upload endpoint `serve` uses
//! in place of an S3 presigned POST, with the same limits: size, type by content, expiry.

use crate::AppState;
use crate::blobs::{UploadRules, UploadTarget, new_key};
use crate::routes::eligibility::json_object;
use crate::routes::json_error;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use policy::{Claims, Purpose};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// How long an upload target is valid.
const UPLOAD_TTL: time::Duration = time::Duration::minutes(30);

/// What the browser says about the file before sending it.
#[derive(Deserialize)]
struct UploadRequest {
    kind: String,
    #[serde(default)]
    name: String,
    size: u64,
    #[serde(default)]
    content_type: String,
}

fn refused(status: StatusCode, message: impl Into<String>) -> Response {
    json_error(status, "upload_refused", message)
}

/// `POST /api/uploads`: checks kind, size and declared type, and answers where to upload.
pub async fn target(State(state): State<AppState>, body: Bytes) -> Response {
    let request: UploadRequest = match json_object(&body) {
        Ok(r) => r,
        Err(message) => return json_error(StatusCode::BAD_REQUEST, "bad_request", message),
    };
    let p = &state.programme;
    if let Err(e) = p.attachment_kind(&request.kind) {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string());
    }
    if request.size == 0 || request.size > p.attachments.max_bytes {
        // The same check the upload repeats on the bytes themselves.
        let e = p.check_upload(request.size, b"", None).err().map(|e| e.to_string()).unwrap_or_default();
        return refused(StatusCode::UNPROCESSABLE_ENTITY, e);
    }
    if !p.attachments.types.contains(&request.content_type) {
        return refused(StatusCode::UNPROCESSABLE_ENTITY, policy::UploadError::Type.to_string());
    }
    let Some(blobs) = state.blobs.clone() else {
        return refused(StatusCode::NOT_FOUND, "此部署暂不接受附件");
    };
    let key = new_key();
    let rules =
        UploadRules { content_type: request.content_type.clone(), max_bytes: p.attachments.max_bytes, ttl: UPLOAD_TTL };
    let expires = (state.clock.now() + UPLOAD_TTL).unix_timestamp();
    let direct = match blobs.upload_target(&key, &rules).await {
        Ok(direct) => direct,
        Err(e) => {
            tracing::error!(error = %e, "upload target not signed");
            return json_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "系统繁忙，请稍后重试");
        }
    };
    let id = key.trim_start_matches("uploads/").to_owned();
    let claims = Claims {
        purpose: Purpose::Upload,
        reference: id,
        stage: request.kind.clone(),
        version: p.attachments.max_bytes,
        expires,
    };
    let target = direct.unwrap_or_else(|| {
        let token = state.settings.signer.sign(&claims);
        UploadTarget { url: format!("/api/uploads/local/{token}"), fields: Default::default(), key }
    });
    tracing::info!(kind = %request.kind, size = request.size, name_chars = request.name.chars().count(), "upload target issued");
    (
        StatusCode::CREATED,
        Json(json!({"url": target.url, "fields": target.fields, "key": target.key, "expires": expires})),
    )
        .into_response()
}

/// `POST /api/uploads/local/{token}`: multipart with the file as `file`; stores it if the link is
/// valid, the size within the limit and the content a PDF, JPEG or PNG.
pub async fn local(State(state): State<AppState>, Path(token): Path<String>, mut form: Multipart) -> Response {
    let now = state.clock.now().unix_timestamp();
    let claims = match state.settings.signer.verify(&token, Purpose::Upload, now) {
        Ok(c) => c,
        Err(policy::TokenError::Expired(_)) => {
            return refused(StatusCode::FORBIDDEN, "上传链接已过期，请重新选择文件上传");
        }
        Err(_) => return refused(StatusCode::FORBIDDEN, "上传链接无效"),
    };
    let Some(blobs) = state.blobs.clone() else {
        return refused(StatusCode::NOT_FOUND, "此部署不接受本地上传");
    };
    let limit = claims.version;
    let mut bytes = Vec::new();
    let mut declared = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return refused(StatusCode::BAD_REQUEST, format!("上传内容无法读取：{e}")),
        };
        if field.name() != Some("file") {
            continue;
        }
        declared = field.content_type().map(str::to_owned);
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() as u64 + chunk.len() as u64 > limit {
                        let e = state
                            .programme
                            .check_upload(limit + 1, b"", None)
                            .err()
                            .map(|e| e.to_string())
                            .unwrap_or_default();
                        return refused(StatusCode::PAYLOAD_TOO_LARGE, e);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return refused(StatusCode::BAD_REQUEST, format!("上传内容无法读取：{e}")),
            }
        }
    }
    let kind =
        match state.programme.check_upload(bytes.len() as u64, &bytes[..bytes.len().min(16)], declared.as_deref()) {
            Ok(kind) => kind,
            Err(e) => return refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        };
    let key = format!("uploads/{}", claims.reference);
    if let Err(e) = blobs.write(&key, &bytes).await {
        tracing::error!(error = %e, "upload not stored");
        return json_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "系统繁忙，文件未保存，请稍后重试");
    }
    let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    tracing::info!(%key, size = bytes.len(), "upload stored");
    (StatusCode::CREATED, Json(json!({"key": key, "size": bytes.len(), "content_type": kind.mime(), "sha256": sha256})))
        .into_response()
}
