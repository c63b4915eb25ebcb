//! Route handlers, one module per feature.

pub mod applications;
pub mod dashboard;
pub mod decide;
pub mod eligibility;
pub mod links;
pub mod print;
pub mod record;
pub mod statics;
pub mod tasks;
pub mod uploads;

use axum::Json;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::json;

/// `GET /api/health`.
pub async fn health() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Unknown paths when no site is served (the Lambda).
pub async fn not_found() -> impl IntoResponse {
    (StatusCode::NOT_FOUND, Json(json!({"error": "not_found", "message": "请求的地址不存在"})))
}

/// A JSON error body: `{"error": code, "message": Chinese text}`.
pub fn json_error(status: StatusCode, code: &str, message: impl Into<String>) -> axum::response::Response {
    (status, Json(json!({"error": code, "message": message.into()}))).into_response()
}

/// A message page with the site's layout.
pub fn html_page(state: &crate::AppState, status: StatusCode, title: &str, message: &str) -> axum::response::Response {
    (status, axum::response::Html(state.pages.message(title, message))).into_response()
}
