//! `/confirm/{token}`: the page, held only by the browser that submitted, where the applicant
//! types the 邮箱验证码 mailed to the address they gave (`POST` with `code`), or asks for a new one
//! (`POST` with `new_code`). A right code sends the application to its unit.

use crate::AppState;
use crate::http::body::Posted;
use crate::http::extract::{ClientAddr, Linked, SameSite};
use crate::http::params::Params;
use crate::http::{AppError, Page};
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
}

fn page(
    state: &AppState,
    link: &Linked<ConfirmClaims>,
    code: &str,
    errors: Vec<Reason>,
    sent: bool,
) -> CodePage<'static> {
    CodePage {
        reference: "",
        email: None,
        hours: state.programme.confirm_hours,
        action: format!("/confirm/{}", link.token),
        code: code.to_owned(),
        errors,
        submitted: false,
        sent,
        changed: false,
    }
}

/// Whether the page proves a new address given in a resubmission (not a new application's).
async fn proves_a_change(state: &AppState, reference: &str) -> bool {
    state.store.get(reference).await.ok().flatten().is_some_and(|r| proof::proves_a_change(&r))
}

/// `GET /confirm/{token}`: the 邮箱验证码 page; changes nothing.
pub async fn show(
    State(state): State<AppState>,
    link: Linked<ConfirmClaims>,
    Params(query): Params<CodeQuery>,
) -> Result<Response, AppError> {
    let sent = query.sent.is_some();
    let changed = query.changed.is_some() || proves_a_change(&state, &link.claims.reference).await;
    let page = CodePage { reference: &link.claims.reference, changed, ..page(&state, &link, "", Vec::new(), sent) };
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
    match proof::confirm(&state, reference, *generation, &form.code, &client).await {
        Ok(done) => {
            let status = links::status_path(&state, reference);
            if json {
                let now = state.store.get(reference).await.map_err(|e| AppError::from(Error::from(e)).json())?;
                let body = serde_json::json!({
                    "reference": reference,
                    "status": now.map_or(policy::Status::UnitReview, |r| r.status).code(),
                    "status_url": links::absolute(&state, &status),
                });
                return Ok(Json(body).into_response());
            }
            let to = if done == Confirmation::Confirmed { format!("{status}?confirmed=1") } else { status };
            Ok(Redirect::to(&to).into_response())
        }
        Err(Error::Invalid(errors)) if !json => {
            let changed = proves_a_change(&state, reference).await;
            let again = CodePage { reference, changed, ..page(&state, &link, &form.code, errors, false) };
            Ok(Page::typed("confirm.html", "输入邮箱验证码", &again)?
                .status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
        Err(e) => Err(AppError::from(e).json_if(json)),
    }
}
