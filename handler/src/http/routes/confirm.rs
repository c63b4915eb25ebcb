//! `GET /confirm/{token}` (the new application, and the button that confirms) and
//! `POST /confirm/{token}` (confirms the applicant's address: the application goes to the unit).

use crate::AppState;
use crate::http::extract::{ClientAddr, Linked, SameSite};
use crate::http::{AppError, Page};
use crate::views::RecordPage;
use crate::workflow::decide::{self, Confirmation};
use crate::workflow::{self, links};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use policy::{ConfirmClaims, Status};
use serde::Serialize;

/// The confirmation page.
#[derive(Serialize)]
struct ConfirmPage {
    #[serde(flatten)]
    record: RecordPage,
    /// Still to be confirmed (otherwise the page says what became of it).
    pending: bool,
    lapsed: bool,
    email: String,
    reviewer: String,
    hours: u32,
    status_url: String,
    files_base: String,
}

/// `GET /confirm/{token}`: shows the application and the button; changes nothing.
pub async fn show(State(state): State<AppState>, link: Linked<ConfirmClaims>) -> Result<Response, AppError> {
    let (record, events) = workflow::load(&state, &link.claims.reference).await?;
    let status_url = links::status_path(&state, &record.reference);
    let lapsed = decide::lapsed(&state, &record) || events.iter().any(|e| e.kind == policy::EventKind::Expired);
    let page = ConfirmPage {
        record: RecordPage::of(&state.programme, &record, &events),
        pending: record.status == Status::Unconfirmed && !lapsed,
        lapsed,
        email: record.application.email.to_string(),
        reviewer: record.application.unit_reviewer_email.to_string(),
        hours: state.programme.confirm_hours,
        files_base: format!("{status_url}/files"),
        status_url,
    };
    Ok(Page::typed("confirm.html", "确认邮箱，提交申报", &page)?.into_response())
}

/// `POST /confirm/{token}`: confirms (the unit is mailed) and answers 303 to the status page;
/// a repeat changes nothing and answers the same.
pub async fn confirm(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<ConfirmClaims>,
    ClientAddr(client): ClientAddr,
) -> Result<Response, AppError> {
    let (record, events) = workflow::load(&state, &link.claims.reference).await?;
    let status = links::status_path(&state, &record.reference);
    let answer = match decide::confirm(&state, &record, &events, &client).await? {
        Confirmation::Confirmed => format!("{status}?confirmed=1"),
        Confirmation::Already => status,
    };
    Ok(Redirect::to(&answer).into_response())
}
