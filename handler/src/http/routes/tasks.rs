//! `POST /api/tasks/flush-outbox`: the scheduled mail retry, guarded by a shared secret.

use crate::http::AppError;
use crate::{AppState, workflow};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use subtle::ConstantTimeEq;

/// Delivers due mail through the configured mailer; needs `Authorization: Bearer TASK_SECRET`.
pub async fn flush_outbox(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, AppError> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(given.as_bytes().ct_eq(state.settings.task_secret.as_bytes())) {
        return Err(AppError::new(StatusCode::UNAUTHORIZED, "unauthorized", "需要任务密钥", "需要任务密钥").json());
    }
    match state.flush_mail().await {
        Ok(Some(done)) => Ok(Json(serde_json::json!({"sent": done.sent, "failed": done.failed, "dead": done.dead}))),
        Ok(None) => Ok(Json(serde_json::json!({"status": "woken"}))),
        Err(e) => Err(AppError::from(workflow::Error::from(e)).json()),
    }
}
