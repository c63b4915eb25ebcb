//! `GET /review/{token}` (a reviewer's page, or JSON), `POST /review/{token}` (unit, HR or
//! centre decides) and `POST /review/{token}/renew` (an expired link asks for a fresh one).

use crate::AppState;
use crate::http::extract::{ClientAddr, LenientForm, Linked, Negotiated, SameSite, accepts_json};
use crate::http::{AppError, Message, Page};
use crate::views::{self, RecordJson, RecordPage};
use crate::workflow::decide::{self, Decision};
use crate::workflow::{self, links, notify};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use policy::{LinkClaims, ReviewClaims, TokenError};
use serde::{Deserialize, Serialize};

/// Places used under the counter a recommendation would take.
#[derive(Serialize)]
struct QuotaNote {
    key: String,
    cap: u32,
    used: u32,
    key_label: &'static str,
}

/// The decision form for the reviewer whose turn it is.
#[derive(Serialize)]
struct DecideForm {
    legend: &'static str,
    /// This stage's close and the time left.
    deadline: Option<String>,
    choices: &'static [(&'static str, &'static str)],
    quota: Option<QuotaNote>,
}

/// The review page.
#[derive(Serialize)]
struct ReviewPage {
    #[serde(flatten)]
    record: RecordPage,
    notice: Option<String>,
    decide: Option<DecideForm>,
    files_base: String,
    print_url: String,
}

/// A reviewer's page: the application, its history and, on a current link, the decision form.
pub async fn show(
    State(state): State<AppState>,
    link: Linked<ReviewClaims>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let json = accepts_json(&headers);
    let claims = &link.claims;
    let (record, events) =
        workflow::load(&state, &claims.reference).await.map_err(|e| AppError::from(e).json_if(json))?;
    if json {
        return Ok(Json(RecordJson::of(&record, &events)).into_response());
    }
    let current = claims.version == record.version;
    let decide = match current && policy::reviewer_for(record.status) == Some(claims.stage) {
        false => None,
        true => {
            // Places used, where approving at this stage takes one.
            let takes_place = policy::step(record.status, claims.stage, policy::Action::Approve)
                .is_some_and(|s| s.quota == policy::QuotaEffect::Take);
            let quota = match takes_place {
                true => {
                    let slot = decide::quota_slot(&state, &record)?;
                    let key = slot.key.to_string();
                    let used = state.store.quota_used(&key).await.unwrap_or_default();
                    Some(QuotaNote { key, cap: slot.cap, used, key_label: slot.key.label() })
                }
                false => None,
            };
            let (legend, choices) = claims.stage.decision_form();
            let deadline = views::time_left(&state.programme, claims.stage, state.clock.now());
            Some(DecideForm { legend, deadline, choices, quota })
        }
    };
    let page = ReviewPage {
        record: RecordPage::of(&state.programme, &record, &events),
        notice: (!current).then(|| views::version_passed(&events)),
        decide,
        files_base: format!("/review/{}/files", link.token),
        print_url: format!("/review/{}/print", link.token),
    };
    Ok(Page::typed("review.html", "审核申报", &page)?.into_response())
}

/// The decision form.
#[derive(Deserialize, Default)]
pub struct DecisionForm {
    /// `approve`, `return` (reviewers), `select`, `reject` (centre).
    #[serde(default)]
    decision: String,
    /// Required to return: why.
    #[serde(default)]
    comment: String,
}

/// `POST /review/{token}`: a reviewer decides, on the version the link was issued for.
pub async fn decide(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<ReviewClaims>,
    ClientAddr(client): ClientAddr,
    negotiated: Negotiated,
    LenientForm(form): LenientForm<DecisionForm>,
) -> Result<Response, AppError> {
    let claims = &link.claims;
    let decided = async {
        let (record, events) = workflow::load(&state, &claims.reference).await?;
        let decision = Decision { decision: form.decision, comment: form.comment, confirmed: false };
        decide::decide(&state, &record, &events, claims.version, claims.stage, &decision, &client).await
    };
    decided.await.map_err(|e| AppError::from(e).json_if(negotiated.json))?;
    Ok(Redirect::to(&format!("/review/{}", link.token)).into_response())
}

/// `POST /review/{token}/renew`: an expired review link asks for a fresh one, sent only to the
/// address that stage already has (at most once per ten minutes).
pub async fn renew(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, AppError> {
    let claims = match links::verify::<ReviewClaims>(&state, &token) {
        Ok(_) => return Ok(Redirect::to(&format!("/review/{token}")).into_response()),
        Err(TokenError::Expired(wire)) => ReviewClaims::from_wire(&wire).ok_or_else(invalid)?,
        Err(_) => return Err(invalid()),
    };
    let answer = Message::ok("已受理", "新的审核链接已发送到原审核人邮箱（每10分钟最多发送一次）。");
    let Ok(Some(record)) = state.store.get(&claims.reference).await else {
        return Ok(answer.into_response());
    };
    let to = workflow::actor_address(&state, claims.stage, &record);
    if let Some(to) = to
        && state.limiter.allow(&format!("renew:{}:{}", record.reference, claims.stage.code()))
    {
        let path = links::review_path(&state, &record.reference, claims.stage, record.version);
        let mail = notify::link_again(&state, &record, &to, "查看申报表并审核", &path)?;
        state.store.enqueue(&[mail]).await.map_err(workflow::Error::from)?;
        state.mail_queued().await;
        tracing::info!(reference = %record.reference, stage = claims.stage.code(), "review link renewed");
    }
    Ok(answer.into_response())
}

fn invalid() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, "invalid", "链接无效", "这个链接无效，不能据此发送新链接。")
}
