//! The applicant's actions behind the status link: withdraw, resubmit a returned application,
//! add documents.

use super::show::status_page;
use crate::AppState;
use crate::http::body::Posted;
use crate::http::extract::{ClientAddr, SameSite};
use crate::http::status_link::StatusLink;
use crate::http::{AppError, Page};
use crate::views::{self};
use crate::workflow::decide::{self, Decision, Documents};
use crate::workflow::{self, Error};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use policy::{Action, Actor, ApplicationForm};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the withdrawal confirmation shows.
#[derive(Serialize)]
struct WithdrawPage<'a> {
    record: views::RecordView,
    holds_place: bool,
    hr_name: String,
    reviewer: Option<&'static str>,
    reapply_until: Option<String>,
    action: String,
    back: &'a str,
}

/// `GET /status/{token}/withdraw`: what a withdrawal does, and the button that does it.
pub async fn withdraw(State(state): State<AppState>, link: StatusLink) -> Result<Response, AppError> {
    let record = &link.record;
    let back = format!("/status/{}", link.token);
    if policy::step(record.status, Actor::Applicant, Action::Withdraw).is_none() {
        return Ok(Redirect::to(&back).into_response());
    }
    let p = &state.programme;
    let now = state.clock.now();
    let reviewer = workflow::told_of_withdrawal(record.status);
    let page = WithdrawPage {
        record: views::record(p, record),
        holds_place: record.status.holds_place(),
        hr_name: crate::workflow::hr_name(&state, record),
        reviewer: reviewer.map(Actor::label),
        reapply_until: p
            .stage_closes(Actor::Applicant)
            .filter(|close| p.stage_open_at(Actor::Applicant, now) && now < *close)
            .map(theme::before_text),
        action: back.clone(),
        back: &back,
    };
    Ok(Page::typed("withdraw.html", "撤回申报", &page)?.into_response())
}

/// The applicant's decision form.
#[derive(Deserialize, Default)]
pub struct ApplicantForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    /// The version the page showed (status links carry none).
    #[serde(default)]
    version: Option<u64>,
    /// The applicant confirms a withdrawal.
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /status/{token}`: the applicant withdraws, resubmits a returned application (keeping,
/// dropping or adding proof documents), or adds documents while the unit has not yet decided.
/// Urlencoded, or multipart when the form carries files.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    State(state): State<AppState>,
    _: SameSite,
    link: StatusLink,
    ClientAddr(client): ClientAddr,
    mut posted: Posted<ApplicantForm>,
) -> Result<Response, AppError> {
    let negotiated = posted.negotiated;
    let json = |e: Error| AppError::from(e).json_if(negotiated.json);
    let (record, events) = (&link.record, &link.events);
    // Read leniently: an unreadable body is no decision, answered by the page that asks for one.
    let form: ApplicantForm = posted.fields_as();
    // Files the form carried are checked and stored by the step that takes them, only once its
    // rate limit, the number of files and the whole change pass.
    let documents = Documents {
        remove: posted.fields.iter().filter(|(k, _)| k == "remove").filter_map(|(_, v)| v.parse().ok()).collect(),
        add: posted.named.clone(),
        carried: std::mem::take(&mut posted.carried),
    };
    let expected = form.version.unwrap_or(0);
    let back = format!("/status/{}", link.token);
    let edits = matches!(form.decision.as_str(), "resubmit" | "add_documents");
    if edits {
        let done = if form.decision == "resubmit" {
            let edited: ApplicationForm = posted.fields_as();
            decide::resubmit(&state, record, events, expected, &edited, &documents, &client).await
        } else {
            decide::add_documents(&state, record, events, expected, &documents, &client).await.map(|()| None)
        };
        return match done {
            // A new address to prove: the page that takes its code, on this browser.
            Ok(Some(generation)) => {
                let page = workflow::links::confirm_path(&state, &record.reference, generation);
                Ok(Redirect::to(&format!("{page}?changed=1")).into_response())
            }
            Ok(None) => {
                let done = if form.decision == "resubmit" { "resubmitted" } else { "documents" };
                Ok(Redirect::to(&format!("{back}?done={done}")).into_response())
            }
            Err(Error::Invalid(reasons)) if !negotiated.json => {
                // The form again, with the values as sent and each message beside its field.
                let mut values: BTreeMap<String, String> = posted.fields.into_iter().collect();
                values.remove("id_number");
                let page = status_page(&state, &link.token, record, events, values, &reasons, Default::default())?;
                Ok(page.status(StatusCode::UNPROCESSABLE_ENTITY).into_response())
            }
            Err(e) => Err(json(e)),
        };
    }
    let decision = Decision::posted(&form.decision, &form.comment, form.confirm.is_some());
    decide::decide(&state, record, events, expected, Actor::Applicant, &decision, &client).await.map_err(json)?;
    let done = if decision.action == Some(Action::Withdraw) { "?done=withdrawn" } else { "" };
    Ok(Redirect::to(&format!("{back}{done}")).into_response())
}
