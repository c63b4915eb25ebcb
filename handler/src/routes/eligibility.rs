//! `POST /api/eligibility`: the self-check, as JSON for scripts and as a page for plain forms.

use crate::AppState;
use crate::routes::json_error;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use policy::{Profile, ProfileForm, eligibility};
use std::collections::BTreeMap;

/// How the request body is encoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data` (the application form with files).
    Multipart,
}

/// The body's encoding from `Content-Type`, or `None` for any other type.
pub fn encoding(headers: &HeaderMap) -> Option<Encoding> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = value.split(';').next()?.trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => Some(Encoding::Json),
        "application/x-www-form-urlencoded" => Some(Encoding::Form),
        "multipart/form-data" => Some(Encoding::Multipart),
        _ => None,
    }
}

/// Whether the client asked for JSON.
pub fn wants_json(headers: &HeaderMap, encoding: Encoding) -> bool {
    encoding == Encoding::Json
        || headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// A small lookup form (`/api/status-link`, `/dashboard`) as JSON or urlencoded, read leniently
/// (missing fields are empty); with whether to answer in JSON. Multipart and other types get 415.
pub fn small_form<T: serde::de::DeserializeOwned + Default>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(T, bool), Box<axum::response::Response>> {
    let Some(enc) = encoding(headers).filter(|e| *e != Encoding::Multipart) else {
        return Err(Box::new(crate::routes::json_error(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请以表单或JSON提交",
        )));
    };
    let value = match enc {
        Encoding::Json => json_object(body).unwrap_or_default(),
        Encoding::Form | Encoding::Multipart => serde_urlencoded::from_bytes(body).unwrap_or_default(),
    };
    Ok((value, wants_json(headers, enc)))
}

pub use policy::json_object;

/// Answers the self-check.
pub async fn check(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(encoding) = encoding(&headers).filter(|e| *e != Encoding::Multipart) else {
        return json_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "请以 application/json 或 application/x-www-form-urlencoded 格式提交",
        );
    };
    let parsed: Result<ProfileForm, String> = match encoding {
        Encoding::Json => json_object(&body),
        Encoding::Form | Encoding::Multipart => policy::form_object(&body),
    };
    let form = match parsed {
        Ok(form) => form,
        Err(message) => return json_error(StatusCode::BAD_REQUEST, "bad_request", message),
    };
    let programme = &state.programme;
    let verdict = eligibility(&Profile::parse(&form, programme), programme);
    tracing::info!(eligible = verdict.eligible, programme = ?verdict.programme, reasons = verdict.reasons.len(), "eligibility checked");
    if wants_json(&headers, encoding) {
        return Json(verdict).into_response();
    }
    let values: BTreeMap<String, String> =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default().into_iter().collect();
    let stream = verdict
        .programme
        .as_deref()
        .zip(verdict.track)
        .and_then(|(p, t)| programme.stream(p, t))
        .map(|s| s.name.clone());
    let mut context = tera::Context::new();
    context.insert("values", &values);
    context.insert("verdict", &verdict);
    context.insert("verdict_stream", &stream);
    match state.pages.render("check.html", "资格自测结果", "/check/", None, context) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %theme::error_chain(&e), "verdict page failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, Html(state.pages.message("系统错误", "页面暂时无法显示，请稍后重试。")))
                .into_response()
        }
    }
}
