//! `POST /api/uploads` (ask where to upload one file) and the local upload endpoint `serve` uses
//! in place of an S3 presigned POST, with the same limits: size, type by content, expiry.

use crate::AppState;
use crate::blobs::BlobError;
use crate::http::AppError;
use crate::http::extract::ClientAddr;
use crate::workflow::links;
use crate::workflow::uploads::{self, Refused, UploadRequest};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use policy::{TokenError, UploadClaims};
use sha2::{Digest, Sha256};

/// An upload named in logs: the first 8 digits of its random id, enough to follow it through
/// the log, never the key that names the file in a submission.
fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

fn refused(status: StatusCode, message: impl Into<String>) -> AppError {
    AppError::new(status, "upload_refused", "上传未成功", message).json()
}

/// `POST /api/uploads`: checks kind, size and declared type, and answers where to upload and the
/// submission the key is issued for.
pub async fn target(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::workflow::limits::check(&state, crate::workflow::limits::UPLOAD_PER_CLIENT, &client)
        .await
        .map_err(|e| AppError::from(e).json())?;
    let request: UploadRequest = policy::json_object(&body).map_err(|m| AppError::bad_request(m).json())?;
    let issued = uploads::target(&state, &request).await.map_err(|e| match e {
        Refused::Rule(message) => refused(StatusCode::UNPROCESSABLE_ENTITY, message),
        // 403, not 404: behind the CDN a 404's body is the site's page, and the form reads JSON.
        Refused::Disabled => refused(StatusCode::FORBIDDEN, "此部署暂不接受附件"),
        Refused::Failed(e) => AppError::from(e).json(),
    })?;
    let uploads::Issued { target, expires, submission_id } = issued;
    let mut body =
        serde_json::json!({"url": target.url, "fields": target.fields, "key": target.key, "expires": expires});
    if let Some(id) = submission_id {
        body["submission_id"] = id.into();
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `POST /api/uploads/local/{token}`: multipart with the file as `file`; stores it if the link is
/// valid and unused, the size within the limit and the content a PDF, JPEG or PNG. A link stores
/// one file: a second POST is refused (409 `upload_used`).
pub async fn local(
    State(state): State<AppState>,
    Path(token): Path<String>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let claims = match links::verify::<UploadClaims>(&state, &token) {
        Ok(c) => c,
        Err(TokenError::Expired(_)) => {
            return Err(refused(StatusCode::FORBIDDEN, "上传链接已过期，请重新选择文件上传"));
        }
        Err(_) => return Err(refused(StatusCode::FORBIDDEN, "上传链接无效")),
    };
    let blobs = state.blobs.clone().ok_or_else(|| refused(StatusCode::FORBIDDEN, "此部署不接受本地上传"))?;
    let p = &state.programme;
    let too_large = || {
        let e = p.check_upload(claims.max_bytes + 1, b"", None).err().map(|e| e.to_string()).unwrap_or_default();
        refused(StatusCode::PAYLOAD_TOO_LARGE, e)
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        refused(StatusCode::BAD_REQUEST, format!("上传内容无法读取：{e}"))
    };
    let mut bytes = Vec::new();
    let mut declared = None;
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        if field.name() != Some("file") {
            continue;
        }
        declared = field.content_type().map(str::to_owned);
        while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
            if bytes.len() as u64 + chunk.len() as u64 > claims.max_bytes {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    let kind = p
        .check_upload(bytes.len() as u64, &bytes[..bytes.len().min(16)], declared.as_deref())
        .map_err(|e| refused(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let key = format!("uploads/{}", claims.id);
    match blobs.write(&key, &bytes).await {
        Ok(()) => {}
        Err(BlobError::Exists) => {
            tracing::info!(upload = %short_id(&claims.id), "upload link used again: refused");
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "upload_used",
                "上传链接已用过",
                "每个上传链接只能上传一个文件，这个链接已经用过。如要换一个文件，请重新选择文件上传。",
            )
            .json());
        }
        Err(e) => {
            tracing::error!(error = %crate::Chain(&e), "upload not stored");
            return Err(AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "系统繁忙",
                "系统繁忙，文件未保存，请稍后重试",
            )
            .json());
        }
    }
    tracing::info!(upload = %short_id(&claims.id), size = bytes.len(), "upload stored");
    let body = serde_json::json!({"key": key, "size": bytes.len(), "content_type": kind.mime(), "sha256": hex::encode(Sha256::digest(&bytes))});
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
