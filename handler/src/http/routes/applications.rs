//! `POST /api/applications`: JSON for scripts, form-urlencoded from the no-JS form, multipart
//! when the form carries its files.

use crate::http::extract::{Encoding, Negotiated};
use crate::http::{AppError, Page};
use crate::views::FormState;
use crate::workflow::{links, submit};
use crate::{AppState, BODY_LIMIT, ids};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use policy::{ApplicationForm, AttachmentInput, Reason};
use serde::Serialize;
use std::collections::BTreeMap;

/// Takes an application.
pub async fn submit(
    State(state): State<AppState>,
    negotiated: Negotiated,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(encoding) = negotiated.encoding else { return AppError::unsupported().into_response() };
    let json = negotiated.json;
    if encoding != Encoding::Multipart && body.len() > BODY_LIMIT {
        return AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "提交内容过大", "提交内容过大")
            .json()
            .into_response();
    }
    // A multipart form becomes its text fields (as a urlencoded body, so everything after this
    // is the same as for the plain form) plus the files it carried.
    let (body, files, file_problems) = if encoding == Encoding::Multipart {
        match read_multipart(&state, &headers, body).await {
            Ok(read) => read,
            Err(err) => return err.json_if(json).into_response(),
        }
    } else {
        (body, Vec::new(), Vec::new())
    };
    let form = match negotiated.decode::<ApplicationForm>(&body) {
        Ok(mut form) if !file_problems.is_empty() => {
            // Refused files: the form again with every value, and the files to choose again.
            form.attachments.clear();
            return refused(&state, json, AppError::from(crate::workflow::Error::Invalid(file_problems)), &body, &form);
        }
        Ok(mut form) => {
            form.attachments.extend(files);
            form
        }
        Err(message) => {
            return refused(&state, json, AppError::bad_request(message), &body, &ApplicationForm::default());
        }
    };
    if form.is_bot() {
        tracing::warn!("honeypot field filled: answered as success, nothing stored");
        return if json {
            let reference = ids::new_reference(state.programme.round);
            let status_url = links::absolute(&state, "/status/");
            (
                StatusCode::CREATED,
                Json(serde_json::json!({"reference": reference, "status": "unit_review", "status_url": status_url})),
            )
                .into_response()
        } else {
            crate::http::Message::ok("申报已提交", "您的申报已提交。").into_response()
        };
    }
    match submit::accept(&state, &form).await {
        Ok(done) => {
            let status_path = links::status_path(&state, &done.reference);
            if json {
                let body = serde_json::json!({
                    "reference": done.reference,
                    "status": done.status.code(),
                    "status_url": links::absolute(&state, &status_path),
                });
                (StatusCode::CREATED, [(header::LOCATION, status_path)], Json(body)).into_response()
            } else {
                Redirect::to(&format!("{status_path}?submitted=1")).into_response()
            }
        }
        Err(e) => refused(&state, json, AppError::from(e), &body, &form),
    }
}

/// The text fields of a multipart application as a urlencoded body, and its files: each `file_*`
/// part is checked (type by content, size) and stored under a new key; each `attachment` field
/// (`key|kind|name`, a file uploaded beforehand) is passed on.
async fn read_multipart(
    state: &AppState,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Bytes, Vec<AttachmentInput>, Vec<Reason>), AppError> {
    let unreadable = |e: multer::Error| AppError::bad_request(format!("表单内容无法读取：{e}"));
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(unreadable)?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut text: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    while let Some(field) = parts.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(kind) = name.strip_prefix("file_") {
            let kind = kind.to_owned();
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let declared = field.content_type().map(ToString::to_string);
            let bytes = field.bytes().await.map_err(|e| AppError::bad_request(format!("文件无法读取：{e}")))?;
            if bytes.is_empty() && file_name.is_empty() {
                continue; // a file input left empty
            }
            match submit::store_form_file(state, &kind, &file_name, declared.as_deref(), &bytes).await? {
                Ok(file) => files.push(file),
                Err(problem) => problems.push(problem),
            }
        } else {
            let value = field.text().await.map_err(unreadable)?;
            if name == "attachment" {
                let mut it = value.splitn(3, '|');
                let mut next = || it.next().unwrap_or_default().to_owned();
                files.push(AttachmentInput { key: next(), kind: next(), name: next() });
            } else {
                text.push((name, value));
            }
        }
    }
    let encoded = serde_urlencoded::to_string(&text).map_err(|e| {
        tracing::error!(error = %e, "multipart fields not re-encoded");
        AppError::internal()
    })?;
    Ok((Bytes::from(encoded), files, problems))
}

/// What the form shows when it comes back refused.
#[derive(Serialize)]
struct FormAgain<'a> {
    #[serde(flatten)]
    form: FormState<'a>,
    uploaded: Vec<AttachmentInput>,
}

/// A refused submission: JSON, or (no-JS) the form again with every value kept, an error
/// summary at the top and each message beside its field.
fn refused(state: &AppState, json: bool, err: AppError, body: &[u8], form: &ApplicationForm) -> Response {
    if json {
        return err.json().into_response();
    }
    let mut values: BTreeMap<String, String> =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default().into_iter().collect();
    values.remove("website");
    if values.get("submission_id").is_none_or(|s| s.is_empty()) {
        let id = form.submission_id.clone().filter(|s| !s.is_empty()).unwrap_or_else(ids::random_id);
        values.insert("submission_id".into(), id);
    }
    let reasons = err.reasons();
    // Files already stored stay with the form, unless they were what was wrong.
    let keep = !reasons.iter().any(|r| r.field == "attachments");
    let page = FormAgain {
        form: FormState::new(values, &reasons, state.programme.window_open_at(state.clock.now())),
        uploaded: if keep { form.attachments.clone() } else { Vec::new() },
    };
    match Page::typed("apply.html", "在线申报", &page) {
        Ok(page) => page.at("/apply/").status(err.status()).into_response(),
        Err(e) => e.into_response(),
    }
}
