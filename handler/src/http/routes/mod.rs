//! One module per resource; none imports another.

pub mod applications;
pub mod confirm;
pub mod dashboard;
pub mod eligibility;
pub mod files;
pub mod links;
pub mod paper;
pub mod review;
pub mod status;
pub mod tasks;
pub mod uploads;

use axum::Json;
use axum::response::IntoResponse;

/// `GET /api/health`.
pub async fn health(axum::extract::State(state): axum::extract::State<crate::AppState>) -> impl IntoResponse {
    // The rules enforced, to compare with the site's `/rules.json` before and after a deploy.
    ([("x-tepei-rules", state.rules().to_owned())], Json(serde_json::json!({"status": "ok"})))
}

/// Unknown paths when no site is served (the Lambda): the one 404 (behind the CDN, the site's
/// `/404.html` in its place).
pub async fn not_found() -> impl IntoResponse {
    super::AppError::no_such_page().json()
}
