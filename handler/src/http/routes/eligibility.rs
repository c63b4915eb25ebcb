//! `POST /api/eligibility`: the self-check, as JSON for scripts and as a page for plain forms.

use crate::AppState;
use crate::http::extract::JsonOrForm;
use crate::http::{AppError, Page};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use policy::{Profile, ProfileForm, Verdict, eligibility};
use serde::Serialize;
use std::collections::BTreeMap;

/// What the verdict page shows: the answers again, the verdict and the stream it names.
#[derive(Serialize)]
struct VerdictPage<'a> {
    values: BTreeMap<String, String>,
    verdict: &'a Verdict,
    verdict_stream: Option<String>,
}

/// Answers the self-check.
pub async fn check(State(state): State<AppState>, form: JsonOrForm<ProfileForm>) -> Result<Response, AppError> {
    let programme = &state.programme;
    let verdict = eligibility(&Profile::parse(&form.value, programme), programme);
    tracing::info!(eligible = verdict.eligible, programme = ?verdict.programme, reasons = verdict.reasons.len(), "eligibility checked");
    if form.json {
        return Ok(Json(verdict).into_response());
    }
    let values =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&form.raw).unwrap_or_default().into_iter().collect();
    let verdict_stream = verdict
        .programme
        .as_deref()
        .zip(verdict.track)
        .and_then(|(p, t)| programme.stream(p, t))
        .map(|s| s.name.clone());
    let page = VerdictPage { values, verdict: &verdict, verdict_stream };
    Ok(Page::typed("check.html", "资格自测结果", &page)?.at("/check/").into_response())
}
