//! The 汇总表 downloads: `/dashboard/{token}/summary.xlsx` and `summary.csv`.

use super::link::audience;
use crate::http::AppError;
use crate::http::extract::Linked;
use crate::http::params::Params;
use crate::views::{self, XLSX_TYPE};
use crate::workflow::dashboard::{self, Audience};
use crate::{AppState, blobs};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use policy::DashboardClaims;
use serde::Deserialize;

/// `?all=1` for every application rather than the recommended ones.
#[derive(Deserialize, Default)]
pub struct DownloadQuery {
    #[serde(default)]
    all: String,
}

/// The 汇总表 as a download. Where the file store signs links (S3, on the Lambda), the file is
/// written under `exports/` and answered 303 to a link that lives five minutes, so no table is
/// over the Lambda's 6 MB response (the centre's 全部申报 at 100,000 applications is about 8 MB
/// base64); what is there is deleted by every erasure and the purge, and by the bucket's
/// lifecycle within a day. Elsewhere (`serve`) the bytes are the answer.
async fn download(
    state: &AppState,
    audience: &Audience,
    all: bool,
    ext: &str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Result<Response, AppError> {
    let name = dashboard::summary_file_name(state, audience, all, ext);
    let no_store = (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Some(blobs) = state.blobs.as_ref() {
        let key = crate::ids::new_export_key();
        let unavailable = |e: &(dyn std::error::Error + 'static)| {
            tracing::error!(error = %crate::Chain(e), scope = %audience.id(), "summary export not stored");
            AppError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "系统繁忙",
                "汇总表暂时无法导出，请稍后再试。",
            )
        };
        let url = blobs.download_url(&key, &name, content_type).await.map_err(|e| unavailable(&e))?;
        if let Some(url) = url {
            blobs.write(&key, &bytes).await.map_err(|e| unavailable(&e))?;
            tracing::info!(scope = %audience.id(), bytes = bytes.len(), "summary exported to the file store");
            let location = HeaderValue::from_str(&url).map_err(|e| unavailable(&e))?;
            return Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location), no_store]).into_response());
        }
    }
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&blobs::attachment_disposition(&name))
                .unwrap_or(HeaderValue::from_static("attachment")),
        ),
        no_store,
    ];
    Ok((headers, bytes).into_response())
}

/// The link's audience and its 汇总表 (every application with `?all=1`).
async fn summary(
    state: &AppState,
    link: &Linked<DashboardClaims>,
    q: &DownloadQuery,
) -> Result<(Audience, views::SummaryTable), AppError> {
    let audience = audience(state, link)?;
    let table = dashboard::summary(state, &audience, !q.all.is_empty()).await?;
    Ok((audience, table))
}

/// `GET /dashboard/{token}/summary.xlsx` (`?all=1` for every application).
pub async fn summary_xlsx(
    State(state): State<AppState>,
    link: Linked<DashboardClaims>,
    Params(q): Params<DownloadQuery>,
) -> Result<Response, AppError> {
    let (audience, table) = summary(&state, &link, &q).await?;
    let bytes = table.to_xlsx().map_err(|e| {
        tracing::error!(error = %crate::Chain(&e), "summary XLSX failed");
        AppError::internal()
    })?;
    download(&state, &audience, !q.all.is_empty(), "xlsx", XLSX_TYPE, bytes).await
}

/// `GET /dashboard/{token}/summary.csv` (`?all=1` for every application).
pub async fn summary_csv(
    State(state): State<AppState>,
    link: Linked<DashboardClaims>,
    Params(q): Params<DownloadQuery>,
) -> Result<Response, AppError> {
    let (audience, table) = summary(&state, &link, &q).await?;
    download(&state, &audience, !q.all.is_empty(), "csv", "text/csv; charset=utf-8", table.to_csv()).await
}
