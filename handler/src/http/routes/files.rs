//! `GET /review/{token}/files/{n}` and `GET /status/{token}/files/{n}`: one proof document, to
//! the holder of a valid link only, never cached.

use crate::http::AppError;
use crate::http::extract::CurrentReview;
use crate::http::status_link::StatusLink;
use crate::store::Record;
use crate::{AppState, blobs};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

fn unreadable() -> AppError {
    AppError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "系统繁忙", "文件暂时无法读取，请稍后再试。")
}

async fn send(state: &AppState, record: &Record, index: &str) -> Result<Response, AppError> {
    let attachment = index.parse::<usize>().ok().and_then(|i| record.attachments.get(i));
    // The page's own links name the files there are: any other was there once (a resubmission
    // replaced it, an erasure removed it), so 410, never a 404 the CDN would answer for.
    let Some(attachment) = attachment else {
        return Err(AppError::gone("文件不存在", "这个文件已不在这份申报中，请回到申报页面查看现有文件。"));
    };
    let Some(blobs) = state.blobs.clone() else { return Err(unreadable()) };
    let no_store = (header::CACHE_CONTROL, "private, no-store".to_owned());
    match blobs.download_url(&attachment.key, &attachment.name, &attachment.content_type).await {
        // A presigned link to the bucket that lives a few minutes.
        Ok(Some(url)) => return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, url), no_store]).into_response()),
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %crate::Chain(&e), reference = %record.reference, "attachment link not signed");
            return Err(unreadable());
        }
    }
    match blobs.read(&attachment.key).await {
        Ok(bytes) => {
            let headers = [
                (header::CONTENT_TYPE, attachment.content_type.clone()),
                (header::CONTENT_DISPOSITION, blobs::attachment_disposition(&attachment.name)),
                no_store,
            ];
            Ok((headers, bytes).into_response())
        }
        Err(e) => {
            tracing::error!(error = %crate::Chain(&e), reference = %record.reference, "attachment unreadable");
            Err(unreadable())
        }
    }
}

/// A reviewer's download: on a current link only.
pub async fn review_file(
    State(state): State<AppState>,
    CurrentReview(link): CurrentReview,
    Path((_, index)): Path<(String, String)>,
) -> Result<Response, AppError> {
    send(&state, &link.record, &index).await
}

/// The applicant's download.
pub async fn status_file(
    State(state): State<AppState>,
    link: StatusLink,
    Path((_, index)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let record = &link.record;
    send(&state, record, &index).await
}
