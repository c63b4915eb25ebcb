//! Decisions behind signed links: `POST /review/{token}` (unit, HR, centre) and
//! `POST /status/{token}` (the applicant withdraws). Every decision goes through
//! `policy::step`, the one state machine, and is stored with `Store::transition`: conditional
//! on the version the link was issued for, with its event, its mails and any quota place.

use crate::routes::applications::{SubmitError, compose, review_path, status_path};
use crate::routes::html_page;
use crate::routes::record::verify;
use crate::store::{Event, QuotaChange, Record, Transition, Transitioned};
use crate::{AppState, views};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use policy::{Action, Actor, Purpose, QuotaEffect, Status};
use serde::Deserialize;
use std::net::SocketAddr;

/// The client's address, for the audit hash: the socket peer under `serve`, API Gateway's
/// source IP on Lambda.
pub struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(axum::extract::ConnectInfo(addr)) = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>()
        {
            return Ok(Client(addr.ip().to_string()));
        }
        if let Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) =
            parts.extensions.get::<lambda_http::request::RequestContext>()
        {
            return Ok(Client(ctx.http.source_ip.clone().unwrap_or_default()));
        }
        Ok(Client(String::new()))
    }
}

/// The decision form.
#[derive(Deserialize, Default)]
pub struct DecisionForm {
    /// `approve`, `return` (reviewers), `select`, `reject` (centre), `withdraw` (applicant).
    #[serde(default)]
    decision: String,
    /// Required to return: why.
    #[serde(default)]
    comment: String,
    /// The version the applicant's page showed (status links carry none).
    #[serde(default)]
    version: Option<u64>,
    /// The applicant confirms a withdrawal.
    #[serde(default)]
    confirm: Option<String>,
}

/// Longest return comment.
pub const COMMENT_MAX: usize = 1000;

/// Refuses a cross-site POST: a foreign `Origin`, or `Sec-Fetch-Site: cross-site`. (`Origin: null`
/// is what browsers send under `Referrer-Policy: no-referrer`; the link token, a secret in the
/// path, is the main guard.)
pub fn same_site(state: &AppState, headers: &HeaderMap) -> bool {
    let own = state.settings.public_base_url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/");
    let origin_ok = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None | Some("null") => true,
        Some(origin) => origin == own,
    };
    let fetch_ok = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) != Some("cross-site");
    origin_ok && fetch_ok
}

fn action_of(decision: &str) -> Option<Action> {
    match decision {
        "approve" => Some(Action::Approve),
        "return" => Some(Action::Return),
        "select" => Some(Action::Select),
        "reject" => Some(Action::Reject),
        "withdraw" => Some(Action::Withdraw),
        _ => None,
    }
}

/// The quota a recommendation counts against: the league's cap from 附件1 where published, else
/// the programme total.
pub fn quota_for(state: &AppState, record: &Record) -> (String, u32) {
    let p = &state.programme;
    let a = &record.application;
    match p.stream(&a.programme, a.track) {
        Some(stream) => match a.league.as_deref().and_then(|l| p.league_cap(stream, l).map(|cap| (l, cap))) {
            Some((league, cap)) => (format!("{}-{league}", stream.key()), cap),
            None => (stream.key(), stream.quota),
        },
        None => (record.stream.clone(), 0),
    }
}

/// The "already decided" message for a link whose version has passed.
pub fn already_decided(events: &[Event]) -> String {
    match events.last() {
        Some(e) => format!(
            "这份申报已由{}于{}处理（{}），此链接不能再操作。",
            views::actor_role(&e.actor),
            views::chinese_time(&e.at),
            views::event_kind(&e.kind)
        ),
        None => "这份申报已被处理，此链接不能再操作。".to_owned(),
    }
}

fn reviewer_address(state: &AppState, actor: Actor, record: &Record) -> Option<String> {
    match actor {
        Actor::Applicant => Some(record.application.email.to_string()),
        Actor::Unit => Some(record.application.unit_reviewer_email.to_string()),
        Actor::Hr => state.reviewers.hr(&record.scope).map(ToString::to_string),
        Actor::Centre => Some(state.reviewers.centre().to_string()),
    }
}

/// The mails a step sends.
fn mails_for(
    state: &AppState,
    record: &Record,
    actor: Actor,
    action: Action,
    comment: &str,
) -> Result<Vec<crate::store::Mail>, SubmitError> {
    let p = &state.programme;
    let a = &record.application;
    let reference = &record.reference;
    let mut context = tera::Context::new();
    context.insert("a", a);
    context.insert("reference", reference);
    context.insert("stream_name", &views::stream_name(p, a));
    context.insert("hr_name", &views::hr_name(p, a));
    context.insert("issuer", &p.notice_issuer);
    context.insert("status_label", record.status.label());
    context.insert("comment", comment);
    context.insert("actor", &views::actor_role(actor.code()));
    context.insert("status_url", &state.settings.link(&status_path(state, reference)));
    context.insert("review_days", &state.settings.review_ttl.whole_days());
    let mut mails = vec![compose(
        state,
        "decision_applicant",
        a.email.as_str(),
        format!(
            "【特培申报】{}：{} {reference}",
            views::actor_role(actor.code()),
            views::event_kind(match action {
                Action::Approve => "approved",
                Action::Return => "returned",
                Action::Select => "selected",
                Action::Reject => "not_selected",
                Action::Withdraw => "withdrawn",
                Action::Resubmit => "resubmitted",
            })
        ),
        reference,
        &context,
    )?];
    // The next reviewer, when the application moves to their stage.
    let next = match record.status {
        Status::HrReview => state.reviewers.hr(&record.scope).map(|e| (e.to_string(), "hr")),
        Status::UnitReview => Some((a.unit_reviewer_email.to_string(), "unit")),
        _ => None,
    };
    if let Some((to, stage)) = next {
        context.insert("review_url", &state.settings.link(&review_path(state, reference, stage, record.version)));
        context.insert("stage_label", if stage == "hr" { "推荐" } else { "审核" });
        mails.push(compose(
            state,
            "review_request",
            &to,
            format!("【特培申报】请{}{}的申报 {reference}", if stage == "hr" { "审核推荐" } else { "审核" }, a.name),
            reference,
            &context,
        )?);
    }
    Ok(mails)
}

/// Applies one decision; answers 303 back to the page, or a page saying why not.
#[allow(clippy::too_many_arguments)]
async fn decide(
    state: &AppState,
    back: String,
    record: Record,
    events: Vec<Event>,
    expected: u64,
    actor: Actor,
    form: &DecisionForm,
    client: Client,
) -> Response {
    let refuse = |status: StatusCode, title: &str, message: &str| html_page(state, status, title, message);
    if record.version != expected {
        return refuse(StatusCode::CONFLICT, "已处理", &already_decided(&events));
    }
    let Some(action) = action_of(form.decision.trim()) else {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "请选择操作", "请选择“审核通过”或“退回”后再提交。");
    };
    let Some(step) = policy::step(record.status, actor, action) else {
        return refuse(
            StatusCode::CONFLICT,
            "不能进行此操作",
            &format!("这份申报当前为“{}”，不能进行此操作。", record.status.label()),
        );
    };
    let comment = form.comment.trim();
    if action == Action::Return && comment.is_empty() {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请填写退回意见",
            "退回时必须填写退回意见，申报人将按意见修改。请返回上一页填写。",
        );
    }
    if comment.chars().count() > COMMENT_MAX {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "意见过长", &format!("意见不能超过{COMMENT_MAX}个字。"));
    }
    if action == Action::Withdraw && form.confirm.is_none() {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, "请确认撤回", "撤回后不能恢复。请勾选“确认撤回”后再提交。");
    }
    let now = views::rfc3339(state.clock.now());
    let mut next = record.clone();
    next.status = step.to;
    next.version = record.version + 1;
    next.updated_at = now.clone();
    let event = Event {
        seq: events.len() as u32 + 1,
        kind: step.event.to_owned(),
        actor: actor.code().to_owned(),
        actor_address: reviewer_address(state, actor, &record),
        at: now,
        comment: (!comment.is_empty()).then(|| comment.to_owned()),
        status: step.to,
        client_hash: Some(policy::keyed_hash(&state.settings.secret, &["client", &client.0])),
    };
    let quota = match step.quota {
        QuotaEffect::None => None,
        QuotaEffect::Take => {
            let (key, cap) = quota_for(state, &record);
            Some(QuotaChange::Take { key, cap })
        }
        QuotaEffect::Release => Some(QuotaChange::Release { key: quota_for(state, &record).0 }),
    };
    let mails = match mails_for(state, &next, actor, action, comment) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = ?e, "decision mail failed to render");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "系统出错，操作未保存。请稍后再试。");
        }
    };
    let change = Transition { expected_version: expected, record: next, event, mails, quota };
    match state.store.transition(&change).await {
        Ok(Transitioned::Done) => {
            tracing::info!(reference = %record.reference, actor = actor.code(), event = step.event, "decision stored");
            state.mail_queued().await;
            Redirect::to(&back).into_response()
        }
        Ok(Transitioned::Stale(_)) => {
            let events = state.store.events(&record.reference).await.unwrap_or_default();
            refuse(StatusCode::CONFLICT, "已处理", &already_decided(&events))
        }
        Ok(Transitioned::QuotaFull { used, cap }) => refuse(
            StatusCode::CONFLICT,
            "名额已满",
            &format!("{}，本申报未被推荐，状态不变。", policy::QuotaFull { used, cap }),
        ),
        Ok(Transitioned::NotFound) => refuse(StatusCode::NOT_FOUND, "申报不存在", "找不到这份申报。"),
        Err(e) => {
            tracing::error!(error = %e, reference = %record.reference, "decision not stored");
            let mut r = refuse(StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "系统繁忙，操作未保存。请稍后再提交。");
            r.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
            r
        }
    }
}

/// The checks both decision routes make first: same site, a valid link of `purpose`, the record.
async fn open(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    purpose: Purpose,
) -> Result<(policy::Claims, Record, Vec<Event>), Response> {
    if !same_site(state, headers) {
        return Err(html_page(state, StatusCode::FORBIDDEN, "请求被拒绝", "只能在本站页面上提交。"));
    }
    let claims = verify(state, token, purpose, false).map_err(|r| *r)?;
    match (state.store.get(&claims.reference).await, state.store.events(&claims.reference).await) {
        (Ok(Some(r)), Ok(e)) => Ok((claims, r, e)),
        (Ok(None), _) => Err(html_page(state, StatusCode::NOT_FOUND, "申报不存在", "找不到这份申报。")),
        _ => Err(html_page(state, StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "系统繁忙，请稍后再试。")),
    }
}

/// `POST /review/{token}`: a reviewer decides.
pub async fn review(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: Client,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // Read leniently: an unreadable body is no decision, answered with the page that asks for one.
    let form: DecisionForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let (claims, record, events) = match open(&state, &headers, &token, Purpose::Review).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(actor) = Actor::from_code(&claims.stage).filter(|a| *a != Actor::Applicant) else {
        return html_page(&state, StatusCode::FORBIDDEN, "链接无效", "这个链接不能用于审核。");
    };
    decide(&state, format!("/review/{token}"), record, events, claims.version, actor, &form, client).await
}

/// `POST /status/{token}`: the applicant withdraws, or resubmits a returned application (a
/// status link can never approve).
pub async fn applicant(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: Client,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form: DecisionForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let (_, record, events) = match open(&state, &headers, &token, Purpose::Status).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let expected = form.version.unwrap_or(0);
    if form.decision == "resubmit" {
        return resubmit(&state, &token, record, events, expected, &body, client).await;
    }
    decide(&state, format!("/status/{token}"), record, events, expected, Actor::Applicant, &form, client).await
}

/// A returned application, edited and sent again: checked like a new one (the 身份证号 may not
/// change), stored as a new version with the changed fields named in the event, and sent to the
/// unit reviewer again.
async fn resubmit(
    state: &AppState,
    token: &str,
    record: Record,
    events: Vec<Event>,
    expected: u64,
    body: &[u8],
    client: Client,
) -> Response {
    let refuse = |status: StatusCode, title: &str, message: &str| html_page(state, status, title, message);
    if record.version != expected {
        return refuse(StatusCode::CONFLICT, "已处理", &already_decided(&events));
    }
    let Some(step) = policy::step(record.status, Actor::Applicant, Action::Resubmit) else {
        return refuse(
            StatusCode::CONFLICT,
            "不能重新提交",
            &format!("这份申报当前为“{}”，不能重新提交。", record.status.label()),
        );
    };
    if !state.programme.window_open_at(state.clock.now()) {
        return refuse(StatusCode::FORBIDDEN, "不在申报时间内", "现在不在申报时间内，修改未被受理。");
    }
    let values: std::collections::BTreeMap<String, String> =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default().into_iter().collect();
    let form: policy::ApplicationForm = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let parsed = policy::Application::parse(&form, &state.programme).and_then(|a| {
        if a.id_number == record.application.id_number {
            Ok(a)
        } else {
            Err(vec![policy::Reason::new("id_number", "居民身份证号码不能修改；如填错，请撤回后重新申报")])
        }
    });
    let application = match parsed {
        Ok(a) => a,
        Err(reasons) => {
            let mut extra = crate::routes::record::resubmit_form(state, token, &record, values, &reasons);
            extra.insert("can_withdraw", &true);
            let mut response = crate::routes::record::page(state, "status.html", "申报进度", &record, &events, extra);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return response;
        }
    };
    let before = views::rows(&state.programme, &record.application);
    let after = views::rows(&state.programme, &application);
    let changed: Vec<&str> = after.iter().filter(|row| !before.contains(row)).map(|row| row.label()).collect();
    let now = views::rfc3339(state.clock.now());
    let mut next = record.clone();
    next.status = step.to;
    next.version = record.version + 1;
    next.updated_at = now.clone();
    next.stream = application.stream_key();
    next.scope = application.hr_scope();
    next.application = application;
    let comment =
        if changed.is_empty() { "未修改内容".to_owned() } else { format!("修改了：{}", changed.join("、")) };
    let event = Event {
        seq: events.len() as u32 + 1,
        kind: step.event.to_owned(),
        actor: Actor::Applicant.code().to_owned(),
        actor_address: Some(next.application.email.to_string()),
        at: now,
        comment: Some(comment),
        status: step.to,
        client_hash: Some(policy::keyed_hash(&state.settings.secret, &["client", &client.0])),
    };
    let mails = match mails_for(state, &next, Actor::Applicant, Action::Resubmit, "") {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = ?e, "resubmission mail failed to render");
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "系统出错，修改未保存。请稍后再试。");
        }
    };
    let change = Transition { expected_version: expected, record: next, event, mails, quota: None };
    match state.store.transition(&change).await {
        Ok(Transitioned::Done) => {
            tracing::info!(reference = %record.reference, fields = changed.len(), "application resubmitted");
            state.mail_queued().await;
            Redirect::to(&format!("/status/{token}")).into_response()
        }
        Ok(Transitioned::Stale(_)) => refuse(StatusCode::CONFLICT, "已处理", &already_decided(&events)),
        Ok(_) => refuse(StatusCode::CONFLICT, "不能重新提交", "这份申报不能重新提交。"),
        Err(e) => {
            tracing::error!(error = %e, reference = %record.reference, "resubmission not stored");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "系统繁忙，修改未保存。请稍后再提交。")
        }
    }
}
