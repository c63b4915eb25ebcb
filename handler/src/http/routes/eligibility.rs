//! `POST /api/eligibility`: the self-check, as JSON for scripts and as a page for plain forms.
//! It tries every track and lists each stream the answers fit. With `next=apply` it opens the
//! application form with the answers already filled in (never a 身份证号 or birth date).

use crate::AppState;
use crate::http::body::{Encoding, Posted, same_rules};
use crate::http::{AppError, Page};
use crate::views::FormState;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use policy::{Profile, ProfileForm, Reason, Verdict, self_check};
use serde::Serialize;
use std::collections::BTreeMap;

/// The answers the application form takes over from the self-check.
const CARRIED: [&str; 9] = [
    "track",
    "unit_level",
    "league",
    "ethnicity",
    "education",
    "title_level",
    "profession_start",
    "health_ok",
    "pledge",
];

/// One track as the verdict page shows it.
#[derive(Serialize)]
struct TrackView<'a> {
    track: &'static str,
    stream_name: String,
    eligible: bool,
    reasons: &'a [Reason],
    /// A stream whose conditions the notice leaves to measures it does not publish: what the
    /// self-check checked of it, marked as the site's reading.
    note: Option<String>,
}

/// The verdict page: the answers again, the verdict, each track, and what to carry to the form;
/// or, while questions are unanswered, only what to answer.
#[derive(Serialize)]
struct VerdictPage<'a> {
    values: BTreeMap<String, String>,
    /// The questions to answer before any verdict, and each one's error beside its field.
    unanswered: Vec<Reason>,
    errors: BTreeMap<String, String>,
    verdict: &'a Verdict,
    tracks: Vec<TrackView<'a>>,
    fits: usize,
    carried: Vec<(&'static str, String)>,
}

/// Answers the self-check.
pub async fn check(State(state): State<AppState>, posted: Posted<ProfileForm>) -> Result<Response, AppError> {
    let json = posted.negotiated.json;
    if !matches!(posted.negotiated.encoding, Some(Encoding::Json | Encoding::Form)) {
        return Err(AppError::unsupported());
    }
    let value = posted.value.map_err(|m| AppError::bad_request(m).json())?;
    same_rules(&state, posted.rules.as_deref()).map_err(|e| e.json_if(json))?;
    let programme = &state.programme;
    let verdict = self_check(&Profile::parse(&value, programme), programme);
    let fits = verdict.options.iter().filter(|o| o.eligible).count();
    tracing::info!(eligible = verdict.eligible, fits, reasons = verdict.reasons.len(), "eligibility checked");
    if json {
        return Ok(Json(verdict).into_response());
    }
    let values: BTreeMap<String, String> = posted.fields.into_iter().collect();
    let carried: Vec<(&'static str, String)> =
        CARRIED.iter().filter_map(|k| values.get(*k).filter(|v| !v.is_empty()).map(|v| (*k, v.clone()))).collect();
    if values.get("next").is_some_and(|n| n == "apply") {
        // The application form, with the answers the person already gave.
        let prefilled = carried.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        let page = FormState::new(prefilled, &[], programme.window_open_at(state.clock.now()), state.blobs.is_some());
        return Ok(Page::typed("apply.html", "在线申报", &page)?.at("/apply/").into_response());
    }
    let tracks = verdict
        .options
        .iter()
        .map(|o| {
            let stream = o.programme.as_deref().and_then(|p| programme.stream(p, o.track));
            let source = stream
                .filter(|s| !s.conditions_in_notice)
                .and_then(|s| programme.programme(&s.programme))
                .and_then(|x| x.rules_source.clone());
            TrackView {
                track: o.track.code(),
                stream_name: stream.map_or_else(|| o.track.label().to_owned(), |s| s.name.clone()),
                eligible: o.eligible,
                reasons: &o.reasons,
                note: source.map(|source| {
                    format!(
                        "通知规定该项目依据{source}有关要求推荐选拔，该办法未随通知公布、通知未列明具体条件；本自测只核对少数民族、身心健康和政治素质承诺{}",
                        policy::READING
                    )
                }),
            }
        })
        .collect();
    let unanswered = value.unanswered();
    let errors = unanswered.iter().map(|r| (r.field.clone(), r.message.clone())).collect();
    let page = VerdictPage { values, unanswered, errors, verdict: &verdict, tracks, fits, carried };
    Ok(Page::typed("check.html", "资格自测结果", &page)?.at("/check/").into_response())
}
