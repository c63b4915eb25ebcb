//! The 汇总表 downloads: `/dashboard/{token}/summary.xlsx` and `summary.csv`.

use super::link::audience;
use crate::http::AppError;
use crate::http::extract::Linked;
use crate::views::{self, XLSX_TYPE};
use crate::workflow::dashboard::{self, Audience};
use crate::{AppState, blobs};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use policy::DashboardClaims;
use serde::Deserialize;

/// `?all=1` for every application rather than the recommended ones.
#[derive(Deserialize, Default)]
pub struct DownloadQuery {
    #[serde(default)]
    all: String,
}

fn download(
    state: &AppState,
    audience: &Audience,
    all: bool,
    ext: &str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Response {
    let name = dashboard::summary_file_name(state, audience, all, ext);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&blobs::attachment_disposition(&name))
                .unwrap_or(HeaderValue::from_static("attachment")),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
    ];
    (headers, bytes).into_response()
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
    Query(q): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let (audience, table) = summary(&state, &link, &q).await?;
    let bytes = table.to_xlsx().map_err(|e| {
        tracing::error!(error = %crate::Chain(&e), "summary XLSX failed");
        AppError::internal()
    })?;
    Ok(download(&state, &audience, !q.all.is_empty(), "xlsx", XLSX_TYPE, bytes))
}

/// `GET /dashboard/{token}/summary.csv` (`?all=1` for every application).
pub async fn summary_csv(
    State(state): State<AppState>,
    link: Linked<DashboardClaims>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let (audience, table) = summary(&state, &link, &q).await?;
    Ok(download(&state, &audience, !q.all.is_empty(), "csv", "text/csv; charset=utf-8", table.to_csv()))
}
