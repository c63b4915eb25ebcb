//! `POST /api/tasks/flush-outbox`: the scheduled mail retry, guarded by a shared secret.

use crate::AppState;
use crate::mail::flush_outbox as flush;
use crate::routes::json_error;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::Mac;
use serde_json::json;

/// Delivers due mail through the configured mailer; needs `Authorization: Bearer TASK_SECRET`.
pub async fn flush_outbox(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !constant_time_eq(given.as_bytes(), state.settings.task_secret.as_bytes()) {
        return json_error(StatusCode::UNAUTHORIZED, "unauthorized", "需要任务密钥");
    }
    let Some(mailer) = state.inline_mailer.clone() else {
        state.outbox.wake();
        return Json(json!({"status": "woken"})).into_response();
    };
    match flush(state.store.as_ref(), mailer.as_ref(), state.clock.now().unix_timestamp()).await {
        Ok(done) => Json(json!({"sent": done.sent, "failed": done.failed})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "outbox flush failed");
            json_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "系统繁忙，请稍后重试")
        }
    }
}

/// Compares two secrets without leaking where they differ (through an HMAC of each).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    type H = hmac::Hmac<sha2::Sha256>;
    let key = b"tepei-compare";
    let tag = |m: &[u8]| {
        let mut mac = <H as hmac::KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("any key length"));
        mac.update(m);
        mac
    };
    let expected = tag(b).finalize().into_bytes();
    tag(a).verify_slice(&expected).is_ok()
}
