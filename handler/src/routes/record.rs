//! `GET /status/{token}` and `GET /review/{token}`: an application behind a signed link, as a
//! page or (with `Accept: application/json`) as `{"reference","status","version","events"}`.

use crate::routes::{html_page, json_error};
use crate::store::{Event, Record};
use crate::{AppState, views};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use policy::{Claims, Purpose, TokenError};
use serde::Deserialize;
use serde_json::json;

/// `?submitted=1` after the no-JS form's redirect.
#[derive(Deserialize, Default)]
pub struct StatusQuery {
    submitted: Option<String>,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// Verifies a link, answering refusals as pages (or JSON) with 403 / 410 / 404.
pub fn verify(state: &AppState, token: &str, purpose: Purpose, json: bool) -> Result<Claims, Box<Response>> {
    let now = state.clock.now().unix_timestamp();
    state.settings.signer.verify(token, purpose, now).map_err(|e| {
        let (status, code, title, message) = match &e {
            TokenError::Expired(_) => {
                (StatusCode::GONE, "expired", "链接已过期", "这个链接已过期。请使用最新邮件中的链接。")
            }
            TokenError::WrongPurpose => {
                (StatusCode::FORBIDDEN, "wrong_purpose", "链接无效", "这个链接不能用于此页面。")
            }
            TokenError::UnknownKey => {
                (StatusCode::GONE, "key_rotated", "链接已失效", "这个链接已失效。请使用最新邮件中的链接。")
            }
            TokenError::Malformed | TokenError::BadSignature => {
                (StatusCode::FORBIDDEN, "invalid", "链接无效", "这个链接无效，可能复制不完整。请直接点击邮件中的链接。")
            }
        };
        tracing::info!(refusal = code, "link refused");
        if json {
            return Box::new(json_error(status, code, message));
        }
        // An expired link offers a fresh one, sent only to the address already on file.
        let mut extra = tera::Context::new();
        match (&e, purpose) {
            (TokenError::Expired(_), Purpose::Review) => extra.insert("renew", &format!("/review/{token}/renew")),
            (TokenError::Expired(_), Purpose::Status) => extra.insert(
                "back",
                &serde_json::json!({"url": "/status/#lookup-title", "title": "凭申报编号和邮箱重新获取查询链接"}),
            ),
            _ => {}
        }
        Box::new((status, Html(state.pages.message_with(title, message, extra))).into_response())
    })
}

pub(crate) async fn load(state: &AppState, reference: &str, json: bool) -> Result<(Record, Vec<Event>), Box<Response>> {
    let fail = |status: StatusCode, code: &str, title: &str, message: &str| {
        if json { json_error(status, code, message) } else { html_page(state, status, title, message) }
    };
    let record = match state.store.get(reference).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(Box::new(fail(StatusCode::NOT_FOUND, "not_found", "申报不存在", "找不到这份申报。"))),
        Err(e) => {
            tracing::error!(error = %e, %reference, "reading application failed");
            let mut r = fail(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "系统繁忙", "系统繁忙，请稍后刷新本页。");
            r.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
            return Err(Box::new(r));
        }
    };
    let events = state.store.events(reference).await.map_err(|e| {
        tracing::error!(error = %e, %reference, "reading events failed");
        Box::new(fail(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "系统繁忙", "系统繁忙，请稍后刷新本页。"))
    })?;
    Ok((record, events))
}

fn json_view(record: &Record, events: &[Event]) -> Response {
    let events: Vec<_> =
        events.iter().map(|e| json!({"kind": e.kind, "actor": e.actor, "at": e.at, "comment": e.comment})).collect();
    Json(json!({"reference": record.reference, "status": record.status.code(), "version": record.version, "events": events}))
        .into_response()
}

/// Renders a record page with its rows and timeline.
pub(crate) fn page(
    state: &AppState,
    template: &str,
    title: &str,
    record: &Record,
    events: &[Event],
    extra: tera::Context,
) -> Response {
    let mut context = tera::Context::new();
    context.insert("record", &views::record(&state.programme, record));
    context.insert("rows", &views::rows(&state.programme, &record.application));
    context.insert("attachments", &views::attachments(&state.programme, record));
    context.insert("events", &views::events(events));
    context.extend(extra);
    match state.pages.render(template, title, "", None, context) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %theme::error_chain(&e), "record page failed to render");
            html_page(state, StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "页面暂时无法显示，请稍后重试。")
        }
    }
}

/// Verifies the link and loads the record; a JSON request is answered here, as the contract's
/// `{"reference","status","version","events"}`.
async fn open(
    state: &AppState,
    token: &str,
    purpose: Purpose,
    headers: &HeaderMap,
) -> Result<(Claims, Record, Vec<Event>), Box<Response>> {
    let json = wants_json(headers);
    let claims = verify(state, token, purpose, json)?;
    let (record, events) = load(state, &claims.reference, json).await?;
    if json {
        return Err(Box::new(json_view(&record, &events)));
    }
    Ok((claims, record, events))
}

/// The applicant's status page.
pub async fn status(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<StatusQuery>,
    headers: HeaderMap,
) -> Response {
    let (_, record, events) = match open(&state, &token, Purpose::Status, &headers).await {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let mut extra = resubmit_form(&state, &token, &record, record.application.form_values(), &[]);
    extra.insert(
        "can_withdraw",
        &policy::step(record.status, policy::Actor::Applicant, policy::Action::Withdraw).is_some(),
    );
    extra.insert("submitted", &query.submitted.is_some());
    extra.insert("email", record.application.email.as_str());
    extra.insert("files_base", &format!("/status/{token}/files"));
    extra.insert("print_url", &format!("/status/{token}/print"));
    page(&state, "status.html", "申报进度", &record, &events, extra)
}

/// A reviewer's page: the application, its history and, on a current link, the decision form.
pub async fn review(State(state): State<AppState>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    let (claims, record, events) = match open(&state, &token, Purpose::Review, &headers).await {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let mut extra = tera::Context::new();
    let notice = (claims.version != record.version).then(|| {
        let last = events.last();
        format!(
            "此链接对应的版本已处理：已由{}于{}{}。",
            last.map(|e| views::actor_role(&e.actor)).unwrap_or_default(),
            last.map(|e| views::chinese_time(&e.at)).unwrap_or_default(),
            last.map(|e| views::event_kind(&e.kind)).unwrap_or_default()
        )
    });
    extra.insert("notice", &notice);
    // The decision form, only on a current link, for the reviewer whose turn it is.
    let actor = policy::Actor::from_code(&claims.stage);
    let decide = actor.filter(|a| claims.version == record.version && policy::reviewer_for(record.status) == Some(*a)).map(|a| {
        let quota = (a == policy::Actor::Hr).then(|| crate::routes::decide::quota_for(&state, &record));
        serde_json::json!({
            "legend": match a { policy::Actor::Unit => "所在单位审核", policy::Actor::Hr => "审核推荐（占用推荐名额）", _ => "确定结果" },
            "choices": match a {
                policy::Actor::Unit => serde_json::json!([["approve", "审核通过"], ["return", "退回申报人修改"]]),
                policy::Actor::Hr => serde_json::json!([["approve", "审核通过并推荐"], ["return", "退回申报人修改"]]),
                _ => serde_json::json!([["select", "入选"], ["reject", "未入选"]]),
            },
            "quota": quota.map(|(key, cap)| serde_json::json!({"key": key, "cap": cap, "used": 0, "key_label": if key.matches('-').count() > 1 { "本盟市名额（附件1）" } else { "本项目总名额；附件1未公布" }})),
        })
    });
    let decide = match decide {
        Some(mut d) if d["quota"].is_object() => {
            let key = d["quota"]["key"].as_str().unwrap_or_default().to_owned();
            d["quota"]["used"] = state.store.quota_used(&key).await.unwrap_or_default().into();
            Some(d)
        }
        other => other,
    };
    extra.insert("decide", &decide);
    extra.insert("files_base", &format!("/review/{token}/files"));
    extra.insert("print_url", &format!("/review/{token}/print"));
    page(&state, "review.html", "审核申报", &record, &events, extra)
}

/// The edit form of a returned application: prefilled `values`, field `errors`, posting back to
/// the status link with the version it was shown for.
pub(crate) fn resubmit_form(
    state: &AppState,
    token: &str,
    record: &Record,
    values: std::collections::BTreeMap<String, String>,
    errors: &[policy::Reason],
) -> tera::Context {
    let mut extra = tera::Context::new();
    let can = policy::step(record.status, policy::Actor::Applicant, policy::Action::Resubmit).is_some();
    extra.insert("can_resubmit", &can);
    if can {
        let map: std::collections::BTreeMap<&str, &str> =
            errors.iter().map(|r| (r.field.as_str(), r.message.as_str())).collect();
        extra.insert("values", &values);
        extra.insert("errors", &map);
        extra.insert("error_list", errors);
        extra.insert("form_action", &format!("/status/{token}"));
        extra.insert("form_version", &record.version);
        extra.insert("form_id", "resubmit-form");
        extra.insert("form_submit", "重新提交");
        extra.insert("window_open", &state.programme.window_open_at(state.clock.now()));
    }
    extra
}

/// The record behind a valid link of `purpose`, or the page that refuses it.
pub(crate) async fn linked_record(state: &AppState, token: &str, purpose: Purpose) -> Result<Record, Box<Response>> {
    let claims = verify(state, token, purpose, false)?;
    Ok(load(state, &claims.reference, false).await?.0)
}

/// `GET /review/{token}/files/{n}` and `GET /status/{token}/files/{n}`: one proof document, to
/// the holder of a valid link only, never cached.
pub async fn file(state: &AppState, token: &str, purpose: Purpose, index: &str) -> Response {
    let record = match linked_record(state, token, purpose).await {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let attachment = index.parse::<usize>().ok().and_then(|i| record.attachments.get(i));
    let (Some(attachment), Some(blobs)) = (attachment, state.blobs.clone()) else {
        return html_page(state, StatusCode::NOT_FOUND, "文件不存在", "找不到这个文件。");
    };
    match blobs.download_url(&attachment.key, &attachment.name, &attachment.content_type).await {
        Ok(Some(url)) => {
            // A presigned link to the bucket that lives a few minutes.
            let headers = [(header::LOCATION, url), (header::CACHE_CONTROL, "private, no-store".to_owned())];
            return (StatusCode::SEE_OTHER, headers).into_response();
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, reference = %record.reference, "attachment link not signed");
            return html_page(state, StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "文件暂时无法读取，请稍后再试。");
        }
    }
    match blobs.read(&attachment.key).await {
        Ok(bytes) => {
            let disposition = crate::blobs::attachment_disposition(&attachment.name);
            let headers = [
                (header::CONTENT_TYPE, attachment.content_type.clone()),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ];
            (headers, bytes).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, reference = %record.reference, "attachment unreadable");
            html_page(state, StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "文件暂时无法读取，请稍后再试。")
        }
    }
}

/// A reviewer's download.
pub async fn review_file(State(state): State<AppState>, Path((token, index)): Path<(String, String)>) -> Response {
    file(&state, &token, Purpose::Review, &index).await
}

/// The applicant's download.
pub async fn status_file(State(state): State<AppState>, Path((token, index)): Path<(String, String)>) -> Response {
    file(&state, &token, Purpose::Status, &index).await
}
