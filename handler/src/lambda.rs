//! The Lambda's three kinds of event: an API Gateway request goes to the Router (as
//! `lambda_http::run` would hand it); the schedule's own event (EventBridge, `source`
//! `aws.events`, `detail-type` `Scheduled Event`) drains the mail outbox; the purge schedule's
//! fixed input ([`PURGE_EVENT`]) runs the purge within its time budget. Only principals allowed
//! to invoke the function can send the last two, so they need no secret; API Gateway cannot
//! produce them.
//!
//! When the settings are wrong the function still starts and answers every request 503 with a
//! page that says so (see [`unavailable_app`]), instead of failing every invocation at start.

use crate::{AppState, app};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use serde_json::Value;

/// The runtime's error.
pub type Error = lambda_runtime::Error;

/// Whether `event` is the schedule's (an EventBridge scheduled event).
pub fn is_scheduled(event: &Value) -> bool {
    event["source"] == "aws.events" && event["detail-type"] == "Scheduled Event"
}

/// The input the purge schedule (`PurgeSchedule` in infra/template.yaml) sends.
pub const PURGE_EVENT: &str = r#"{"source":"tepei.schedule","task":"purge"}"#;

/// Whether `event` is the purge schedule's ([`PURGE_EVENT`]).
pub fn is_purge(event: &Value) -> bool {
    event["source"] == "tepei.schedule" && event["task"] == "purge"
}

/// Answers one invocation: the schedule's event flushes the outbox (`state` is `None` when the
/// function could not start: then it fails, so the errors alarm fires), any other event is read
/// as an API Gateway request and answered by `router`.
pub async fn handle(state: Option<&AppState>, router: Router, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let LambdaEvent { payload, context } = event;
    if is_purge(&payload) {
        let state = state.ok_or("the function did not start: see the log line `tepei cannot start`")?;
        let round = state.programme().round;
        let purged = crate::workflow::purge::run(state, round, crate::workflow::purge::Budget::LAMBDA).await?;
        tracing::info!(
            records = purged.records,
            past_retention = purged.past_retention,
            unfinished = purged.unfinished,
            files = purged.files,
            finished_later = purged.finished_later,
            left_marked = purged.left_marked,
            failed = purged.failed,
            done = purged.done,
            "scheduled purge of personal data"
        );
        return Ok(serde_json::json!({
            "erased": purged.past_retention + purged.unfinished,
            "left_marked": purged.left_marked,
            "done": purged.done,
        }));
    }
    if is_scheduled(&payload) {
        let state = state.ok_or("the function did not start: see the log line `tepei cannot start`")?;
        let done = state.flush_mail().await?;
        let done = done.unwrap_or_default();
        tracing::info!(sent = done.sent, failed = done.failed, dead = done.dead, "scheduled outbox flush");
        return Ok(serde_json::json!({"sent": done.sent, "failed": done.failed, "dead": done.dead}));
    }
    let request: lambda_http::request::LambdaRequest = serde_json::from_value(payload)?;
    let mut adapter = lambda_http::Adapter::from(router);
    let response = tower::Service::call(&mut adapter, LambdaEvent::new(request, context)).await?;
    Ok(serde_json::to_value(response)?)
}

/// Runs the function: every event through [`handle`], with `state` when it started.
pub async fn run(state: Option<AppState>) -> Result<(), Error> {
    let router = match &state {
        Some(state) => app(state.clone()),
        None => unavailable_app(),
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let (state, router) = (state.clone(), router.clone());
        async move { handle(state.as_ref(), router, event).await }
    }))
    .await
}

/// What a function that could not start answers to every request: 503, `Retry-After`, a short
/// page in Chinese (or JSON when asked), and nothing about the cause (which is in the log).
pub fn unavailable_app() -> Router {
    Router::new().fallback(|headers: axum::http::HeaderMap| async move {
        let json = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"));
        let mut response = if json {
            axum::Json(serde_json::json!({
                "error": "unavailable",
                "message": "系统暂时无法受理，请稍后再试",
            }))
            .into_response()
        } else {
            axum::response::Html(UNAVAILABLE_PAGE).into_response()
        };
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("300"));
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    })
}

const UNAVAILABLE_PAGE: &str = r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>系统暂时无法受理 - 特培申报</title></head>
<body style="font-family: sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.7">
<h1>系统暂时无法受理</h1>
<p>申报系统暂时不能提交、审核或查询。刚才的操作没有完成，系统没有保存任何内容。请返回上一页（填写的内容通常仍在），约半小时后再试。</p>
<p>系统管理员已收到告警。如急需办理，请联系所在单位人事部门或盟市人力资源和社会保障局。</p>
</body></html>
"#;
