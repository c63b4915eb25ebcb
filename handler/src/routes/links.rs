//! Links sent again: the applicant who lost the mail (`POST /api/status-link`), and a reviewer
//! whose link expired (`POST /review/{token}/renew`). Both answer the same whatever the input
//! matched, send only to the address already on the application, and are rate-limited.

use crate::AppState;
use crate::routes::applications::{compose, review_path, status_path};
use crate::routes::eligibility::small_form;
use crate::routes::{html_page, json_error};
use crate::store::Record;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use policy::{Actor, Purpose, TokenError};
use serde::Deserialize;

/// Reference and address, as typed.
#[derive(Deserialize, Default)]
struct Lookup {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    email: String,
}

const SAME_ANSWER: &str = "如果申报编号和邮箱与申报记录相符，进度查询链接已发送到该邮箱，请查收（包括垃圾邮件文件夹）。同一申报每10分钟最多发送一次。";

/// Queues the "link again" mail to `to`.
async fn send_again(state: &AppState, record: &Record, to: &str, purpose: &str, path: &str) -> Result<(), Response> {
    let mut context = tera::Context::new();
    context.insert("reference", &record.reference);
    context.insert("purpose", purpose);
    context.insert("link", &state.settings.link(path));
    context.insert("issuer", &state.programme.notice_issuer);
    let mail = compose(
        state,
        "link_again",
        to,
        format!("【特培申报】{purpose} {}", record.reference),
        &record.reference,
        &context,
    )
    .map_err(|e| {
        tracing::error!(error = ?e, "link mail failed to render");
        html_page(state, StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "系统出错，请稍后再试。")
    })?;
    state.store.enqueue(&[mail]).await.map_err(|e| {
        tracing::error!(error = %e, "link mail not queued");
        html_page(state, StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "系统繁忙，请稍后再试。")
    })?;
    state.mail_queued().await;
    Ok(())
}

/// `POST /api/status-link`: mails the status link again to the address on the application.
pub async fn status_link(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (lookup, json): (Lookup, bool) = match small_form(&headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let reference = lookup.reference.trim().to_ascii_uppercase();
    let email = lookup.email.trim();
    if reference.is_empty() || email.is_empty() {
        let message = "请填写申报编号和申报时填写的电子邮箱";
        return if json {
            json_error(StatusCode::UNPROCESSABLE_ENTITY, "missing", message)
        } else {
            html_page(&state, StatusCode::UNPROCESSABLE_ENTITY, "请填写完整", message)
        };
    }
    let plausible = reference.len() <= 20 && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let record = if plausible {
        match state.store.get(&reference).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "status link lookup failed");
                return html_page(&state, StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "系统繁忙，请稍后再试。");
            }
        }
    } else {
        None
    };
    if let Some(record) = record.filter(|r| r.application.email.as_str().eq_ignore_ascii_case(email))
        && state.limiter.allow(&format!("status:{}", record.reference))
    {
        let path = status_path(&state, &record.reference);
        let to = record.application.email.to_string();
        if let Err(r) = send_again(&state, &record, &to, "查看申报进度", &path).await {
            return r;
        }
        tracing::info!(reference = %record.reference, "status link sent again");
    }
    if json {
        (StatusCode::ACCEPTED, Json(serde_json::json!({"status": "accepted", "message": SAME_ANSWER}))).into_response()
    } else {
        html_page(&state, StatusCode::OK, "已受理", SAME_ANSWER)
    }
}

/// `POST /review/{token}/renew`: an expired review link asks for a fresh one, sent only to the
/// address that stage already has.
pub async fn renew(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    let now = state.clock.now().unix_timestamp();
    let claims = match state.settings.signer.verify(&token, Purpose::Review, now) {
        Ok(_) => return Redirect::to(&format!("/review/{token}")).into_response(),
        Err(TokenError::Expired(claims)) => *claims,
        Err(_) => return html_page(&state, StatusCode::FORBIDDEN, "链接无效", "这个链接无效，不能据此发送新链接。"),
    };
    let answer = "新的审核链接已发送到原审核人邮箱（每10分钟最多发送一次）。";
    let Ok(Some(record)) = state.store.get(&claims.reference).await else {
        return html_page(&state, StatusCode::OK, "已受理", answer);
    };
    let to = match Actor::from_code(&claims.stage) {
        Some(Actor::Unit) => Some(record.application.unit_reviewer_email.to_string()),
        Some(Actor::Hr) => state.reviewers.hr(&record.scope).map(ToString::to_string),
        Some(Actor::Centre) => Some(state.reviewers.centre().to_string()),
        _ => None,
    };
    if let Some(to) = to
        && state.limiter.allow(&format!("renew:{}:{}", record.reference, claims.stage))
    {
        let path = review_path(&state, &record.reference, &claims.stage, record.version);
        if let Err(r) = send_again(&state, &record, &to, "查看申报表并审核", &path).await {
            return r;
        }
        tracing::info!(reference = %record.reference, stage = %claims.stage, "review link renewed");
    }
    html_page(&state, StatusCode::OK, "已受理", answer)
}
