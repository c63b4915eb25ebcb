//! `/confirm/{token}`: the page, held only by the browser that submitted, where the applicant
//! types the 邮箱验证码 mailed to the address they gave (`POST` with `code`), or asks for a new one
//! (`POST` with `new_code`). A right code sends the application to its unit.

use crate::AppState;
use crate::http::body::Posted;
use crate::http::extract::{ClientAddr, Linked, SameSite};
use crate::http::params::Params;
use crate::http::{AppError, Message, Page};
use crate::views::CodePage;
use crate::workflow::decide::Confirmation;
use crate::workflow::{Error, links, proof};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use policy::{ConfirmClaims, Reason};
use serde::Deserialize;

/// `?sent=1` after a new code was mailed.
#[derive(Deserialize, Default)]
pub struct CodeQuery {
    #[serde(default)]
    sent: Option<String>,
    /// After a resubmission that gave a new address.
    #[serde(default)]
    changed: Option<String>,
}

/// The code typed, or the ask for a new one.
#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    /// Any non-empty value asks for a new code.
    #[serde(default)]
    new_code: String,
    /// A new address waiting for its code, corrected (mistyped in the resubmission).
    #[serde(default)]
    email: String,
}

/// The page of `link`, with what it waits for read from the record: whether it proves a new
/// address given in a resubmission, and the address the code went to.
async fn page(
    state: &AppState,
    link: &Linked<ConfirmClaims>,
    (code, correction): (&str, &str),
    errors: Vec<Reason>,
    sent: bool,
) -> CodePage<'static> {
    let ConfirmClaims { reference, generation } = &link.claims;
    let record = state.store.get(reference).await.ok().flatten();
    let email = record.as_ref().and_then(|r| proof::awaiting(state, r, *generation));
    CodePage {
        reference: "",
        done: record.is_some() && email.is_none(),
        changed: email.is_some() && record.as_ref().is_some_and(|r| proof::proves_a_change(state, r)),
        email,
        correction: correction.to_owned(),
        hours: state.programme.confirm_hours,
        action: format!("/confirm/{}", link.token),
        code: code.to_owned(),
        errors,
        submitted: false,
        sent,
    }
}

/// `GET /confirm/{token}`: the 邮箱验证码 page; changes nothing.
pub async fn show(
    State(state): State<AppState>,
    link: Linked<ConfirmClaims>,
    Params(query): Params<CodeQuery>,
) -> Result<Response, AppError> {
    let page = page(&state, &link, ("", ""), Vec::new(), query.sent.is_some()).await;
    let changed = !page.done && (query.changed.is_some() || page.changed);
    let page = CodePage { reference: &link.claims.reference, changed, ..page };
    Ok(Page::typed("confirm.html", "输入邮箱验证码", &page)?.into_response())
}

/// `POST /confirm/{token}`: a right code confirms the address (the unit is mailed, and the
/// applicant the status link) and answers 303 to the status page (200 JSON for
/// `Accept: application/json`); a wrong one 422 on `code`; `new_code` mails a new code and
/// answers 303 to the page that takes it (200 JSON with its `confirm_url`).
pub async fn confirm(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<ConfirmClaims>,
    ClientAddr(client): ClientAddr,
    posted: Posted<CodeForm>,
) -> Result<Response, AppError> {
    let json = posted.negotiated.json;
    let form = posted.value.unwrap_or_default();
    let ConfirmClaims { reference, generation } = &link.claims;
    if !form.new_code.trim().is_empty() {
        let next =
            proof::new_code(&state, reference, *generation).await.map_err(|e| AppError::from(e).json_if(json))?;
        let path = links::confirm_path(&state, reference, next);
        if json {
            let body = serde_json::json!({"status": "code_sent", "confirm_url": links::absolute(&state, &path)});
            return Ok(Json(body).into_response());
        }
        return Ok(Redirect::to(&format!("{path}?sent=1")).into_response());
    }
    if !form.email.trim().is_empty() {
        return correct(&state, &link, &form.email, &client, json).await;
    }
    let mut done = proof::confirm(&state, reference, *generation, &form.code, &client).await;
    if let Err(Error::Stale(_)) = done {
        // Lost a race, most likely with the same code sent twice (a double tap): asked again, the
        // code is answered as the record now stands (confirmed: on to the status page).
        done = proof::confirm(&state, reference, *generation, &form.code, &client).await;
    }
    match done {
        Ok(done) => {
            // The link for the address as it is now proven.
            let now = state.store.get(reference).await.map_err(|e| AppError::from(Error::from(e)).json_if(json))?;
            let now = now.ok_or_else(|| AppError::from(Error::NotFound).json_if(json))?;
            let status = links::status_path(&state, &now);
            if json {
                let body = serde_json::json!({
                    "reference": reference,
                    "status": now.status.code(),
                    "status_url": links::absolute(&state, &status),
                });
                return Ok(Json(body).into_response());
            }
            let to = if done == Confirmation::Confirmed { format!("{status}?confirmed=1") } else { status };
            Ok(Redirect::to(&to).into_response())
        }
        Err(Error::Invalid(errors)) if !json => {
            let again = CodePage { reference, ..page(&state, &link, (&form.code, ""), errors, false).await };
            Ok(Page::typed("confirm.html", "输入邮箱验证码", &again)?
                .status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
        Err(e) => Err(AppError::from(e).json_if(json)),
    }
}

/// A new address waiting for its code corrected: 303 to the page that takes the corrected
/// one's code (200 JSON with its `confirm_url`); typed as the proven address, a page saying
/// nothing waits any more; no address, 422 on `email` with the page again.
async fn correct(
    state: &AppState,
    link: &Linked<ConfirmClaims>,
    typed: &str,
    client: &str,
    json: bool,
) -> Result<Response, AppError> {
    let ConfirmClaims { reference, generation } = &link.claims;
    match proof::correct(state, reference, *generation, typed, client).await {
        Ok(Some(next)) => {
            let path = links::confirm_path(state, reference, next);
            if json {
                let body = serde_json::json!({"status": "code_sent", "confirm_url": links::absolute(state, &path)});
                return Ok(Json(body).into_response());
            }
            Ok(Redirect::to(&format!("{path}?sent=1")).into_response())
        }
        Ok(None) => {
            Ok(Message::ok("已改回原邮箱", "没有等待验证的新邮箱了：这份申报的通知继续发送到原来的申报人邮箱。")
                .into_response())
        }
        Err(Error::Invalid(errors)) if !json => {
            let again = CodePage { reference, ..page(state, link, ("", typed), errors, false).await };
            Ok(Page::typed("confirm.html", "输入邮箱验证码", &again)?
                .status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
        Err(e) => Err(AppError::from(e).json_if(json)),
    }
}
