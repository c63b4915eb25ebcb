//! `POST /api/applications`: JSON for scripts, form-urlencoded from the no-JS form, multipart
//! when the form carries its files.

use crate::http::extract::{
    ClientAddr, Encoding, FormBody, LenientForm, Negotiated, attachment_fields, read_multipart,
};
use crate::http::{AppError, Offer, Page};
use crate::views;
use crate::views::FormState;
use crate::workflow::{draft, submit};
use crate::{AppState, BODY_LIMIT, ids};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use policy::{ApplicationForm, AttachmentInput, Status};
use serde::Serialize;
use std::collections::BTreeMap;

/// The application a form or a script sent: the body as urlencoded text (what the form shows
/// again when refused) and the form with its files; or the answer that refuses it.
async fn read_application(
    state: &AppState,
    negotiated: Negotiated,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Bytes, ApplicationForm), Response> {
    let Some(encoding) = negotiated.encoding else { return Err(AppError::unsupported().into_response()) };
    let json = negotiated.json;
    if encoding != Encoding::Multipart && body.len() > BODY_LIMIT {
        return Err(AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "提交内容过大", "提交内容过大")
            .json()
            .into_response());
    }
    // A multipart form becomes its text fields (as a urlencoded body, so everything after this
    // is the same as for the plain form) plus the files it carried.
    let (body, files, file_problems) = match encoding {
        Encoding::Multipart => match read_multipart(state, headers, body, None).await {
            Ok(read) => (read.body, read.files, read.problems),
            Err(err) => return Err(err.json_if(json).into_response()),
        },
        Encoding::Form => {
            let files = attachment_fields(&body);
            (body, files, Vec::new())
        }
        Encoding::Json => (body, Vec::new(), Vec::new()),
    };
    if let Err(refusal) = crate::http::extract::same_rules(state, &body) {
        return Err(refusal.json_if(json).into_response());
    }
    match negotiated.decode::<ApplicationForm>(&body) {
        Ok(mut form) if !file_problems.is_empty() => {
            // Refused files: the form again with every value, and the files to choose again.
            form.attachments.clear();
            let refusal = AppError::from(crate::workflow::Error::Invalid(file_problems));
            Err(refused(state, json, refusal, &body, &form))
        }
        Ok(mut form) => {
            form.attachments.extend(files);
            Ok((body, form))
        }
        Err(message) => Err(refused(state, json, AppError::bad_request(message), &body, &ApplicationForm::default())),
    }
}

/// Takes an application.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    negotiated: Negotiated,
    headers: HeaderMap,
    FormBody(body): FormBody,
) -> Response {
    let json = negotiated.json;
    let (body, form) = match read_application(&state, negotiated, &headers, body).await {
        Ok(read) => read,
        Err(answer) => return answer,
    };
    if let Err(e) = within_limits(&state, &client, &form).await {
        return refused(&state, json, AppError::from(e), &body, &form);
    }
    if form.is_bot() {
        tracing::warn!("honeypot field filled: answered as success, nothing stored");
        let reference = ids::new_reference(state.programme.round);
        return accepted(&state, json, &reference, Status::Unconfirmed, &form);
    }
    match submit::accept(&state, &form).await {
        Ok(done) => accepted(&state, json, &done.reference, done.status, &form),
        Err(e) => refused(&state, json, AppError::from(e), &body, &form),
    }
}

/// Submissions from one client address, and naming one applicant address, within their limits.
async fn within_limits(state: &AppState, client: &str, form: &ApplicationForm) -> Result<(), crate::workflow::Error> {
    crate::workflow::limits::check(state, crate::workflow::limits::SUBMIT_PER_CLIENT, client).await?;
    let email = form.email.as_deref().unwrap_or_default().trim().to_ascii_lowercase();
    if !email.is_empty() {
        crate::workflow::limits::check(state, crate::workflow::limits::SUBMIT_PER_ADDRESS, &email).await?;
    }
    Ok(())
}

/// What the 已提交 page shows: the reference and where the confirmation mail went.
#[derive(Serialize)]
struct SubmittedPage<'a> {
    reference: &'a str,
    email: &'a str,
    hours: u32,
}

/// The answer to a taken submission — and, the same, to one with a 身份证号 already held or to a
/// bot: 201 `{reference, status}` for scripts, the page that asks to confirm by mail for the
/// form. The status link reaches the applicant by mail only.
fn accepted(state: &AppState, json: bool, reference: &str, status: Status, form: &ApplicationForm) -> Response {
    if json {
        let body = serde_json::json!({"reference": reference, "status": status.code()});
        return (StatusCode::CREATED, Json(body)).into_response();
    }
    let email = form.email.as_deref().unwrap_or_default().trim();
    let page = SubmittedPage { reference, email, hours: state.programme.confirm_hours };
    match Page::typed("submitted.html", "申报已提交，请到邮箱确认", &page) {
        Ok(page) => page.at("/apply/").into_response(),
        Err(e) => e.into_response(),
    }
}

/// The 核对信息 page: every answer with a 修改 button back to its field, the files by kind, the
/// pledge, and the button that submits exactly what is shown (sealed in `draft`).
#[derive(Serialize)]
struct CheckAnswers {
    rows: Vec<views::Row>,
    files: Vec<views::FileView>,
    draft: String,
    reviewer: String,
    email: String,
}

/// `POST /apply/check`: the application form (urlencoded or multipart, like
/// `POST /api/applications`) checked with every rule and its files stored, nothing else stored;
/// then the 核对信息 page, or the form again with every problem.
pub async fn check(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    negotiated: Negotiated,
    headers: HeaderMap,
    FormBody(body): FormBody,
) -> Response {
    let negotiated = Negotiated { json: false, ..negotiated };
    let (body, mut form) = match read_application(&state, negotiated, &headers, body).await {
        Ok(read) => read,
        Err(answer) => return answer,
    };
    if let Err(e) = crate::workflow::limits::check(&state, crate::workflow::limits::SUBMIT_PER_CLIENT, &client).await {
        return refused(&state, false, AppError::from(e), &body, &form);
    }
    if form.is_bot() {
        tracing::warn!("honeypot field filled: answered as success, nothing stored");
        let reference = ids::new_reference(state.programme.round);
        return accepted(&state, false, &reference, Status::Unconfirmed, &form);
    }
    if form.submission_id.as_deref().is_none_or(str::is_empty) {
        form.submission_id = Some(ids::random_id());
    }
    match submit::check(&state, &form).await {
        Ok((application, attachments)) => {
            let page = CheckAnswers {
                rows: views::rows(&state.programme, &application),
                files: views::files(&state.programme, &attachments),
                draft: draft::seal(&state, &form),
                reviewer: application.unit_reviewer_email.to_string(),
                email: application.email.to_string(),
            };
            match Page::typed("answers.html", "核对信息", &page) {
                Ok(page) => page.at("/apply/").into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => refused(&state, false, AppError::from(e), &body, &form),
    }
}

/// The confirmation of a checked application.
#[derive(serde::Deserialize, Default)]
pub struct Confirm {
    #[serde(default)]
    draft: String,
    /// A 修改 button: the field to change (the form comes back with every answer and file).
    #[serde(default)]
    edit: Option<String>,
}

/// `POST /apply/confirm`: submits the checked application sealed in `draft` (303 to its status
/// page), or, for a 修改 button, shows the form again with every answer and file kept.
pub async fn confirm(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    LenientForm(confirm): LenientForm<Confirm>,
) -> Response {
    let form = match draft::open(&state, &confirm.draft) {
        Ok(form) => form,
        Err(e) => {
            let message = match e {
                draft::DraftError::Expired => "核对页面已超过2小时，请重新填写申报表（浏览器可能已暂存您填写的内容）。",
                draft::DraftError::Invalid => "核对信息无法读取，请重新填写申报表。",
            };
            return AppError::new(StatusCode::BAD_REQUEST, "bad_request", "请重新填写", message)
                .offer(Offer::Back { url: "/apply/".into(), title: "返回在线申报".into() })
                .into_response();
        }
    };
    let body = form_body(&form);
    if confirm.edit.is_some() {
        let page = FormAgain {
            form: FormState::new(
                form_values(&body),
                &[],
                state.programme.window_open_at(state.clock.now()),
                state.blobs.is_some(),
            ),
            uploaded: form.attachments.clone(),
        };
        return match Page::typed("apply.html", "在线申报", &page) {
            Ok(page) => page.at("/apply/").into_response(),
            Err(e) => e.into_response(),
        };
    }
    if let Err(e) = within_limits(&state, &client, &form).await {
        return refused(&state, false, AppError::from(e), &body, &form);
    }
    match submit::accept(&state, &form).await {
        Ok(done) => accepted(&state, false, &done.reference, done.status, &form),
        Err(e) => refused(&state, false, AppError::from(e), &body, &form),
    }
}

/// The form's fields as the form posts them (urlencoded), files left out.
fn form_body(form: &ApplicationForm) -> Vec<u8> {
    let mut pairs = form.pairs();
    pairs.extend(form.submission_id.clone().map(|id| ("submission_id", id)));
    serde_urlencoded::to_string(pairs).unwrap_or_default().into_bytes()
}

fn form_values(body: &[u8]) -> BTreeMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default().into_iter().collect()
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
    let mut values = form_values(body);
    values.remove("website");
    if values.get("submission_id").is_none_or(|s| s.is_empty()) {
        let id = form.submission_id.clone().filter(|s| !s.is_empty()).unwrap_or_else(ids::random_id);
        values.insert("submission_id".into(), id);
    }
    let reasons = err.reasons();
    // Files already stored stay with the form, unless they were what was wrong.
    let keep = policy::only_missing_documents(&reasons);
    let page = FormAgain {
        form: FormState::new(
            values,
            &reasons,
            state.programme.window_open_at(state.clock.now()),
            state.blobs.is_some(),
        ),
        uploaded: if keep { form.attachments.clone() } else { Vec::new() },
    };
    let mut response = match Page::typed("apply.html", "在线申报", &page) {
        Ok(page) => page.at("/apply/").status(err.status()).into_response(),
        Err(e) => e.into_response(),
    };
    if let Some(value) = err.retry().and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, value);
    }
    response
}
