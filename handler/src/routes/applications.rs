//! `POST /api/applications`: JSON for scripts, form-urlencoded from the no-JS form.

use crate::routes::eligibility::{Encoding, encoding, json_object, wants_json};
use crate::routes::{html_page, json_error};
use crate::store::{Attachment, Created, Event, Mail, Record, StoreError};
use crate::{AppState, views};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use policy::{Application, ApplicationForm, Claims, Purpose, Reason, Status};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Why a submission was not taken. Each maps to one status code.
#[derive(Debug)]
pub enum SubmitError {
    /// 415: neither JSON nor a form.
    Unsupported,
    /// 400: the body could not be read.
    Malformed(String),
    /// 403: outside the window.
    Closed,
    /// 422: field errors.
    Invalid(Vec<Reason>),
    /// 409: the identity number already applied this round.
    DuplicateIdNumber,
    /// 409: the submission id was used with another body.
    SubmissionConflict,
    /// 503: the store is unreachable; nothing was written.
    Unavailable(String),
    /// 500: anything else (logged, never shown).
    Internal(String),
}

impl SubmitError {
    fn status(&self) -> StatusCode {
        match self {
            SubmitError::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            SubmitError::Malformed(_) => StatusCode::BAD_REQUEST,
            SubmitError::Closed => StatusCode::FORBIDDEN,
            SubmitError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            SubmitError::DuplicateIdNumber | SubmitError::SubmissionConflict => StatusCode::CONFLICT,
            SubmitError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            SubmitError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message(&self) -> String {
        match self {
            SubmitError::Unsupported => "请以 application/json 或 application/x-www-form-urlencoded 格式提交".into(),
            SubmitError::Malformed(m) => m.clone(),
            SubmitError::Closed => "现在不在申报时间内，申报表未被受理。".into(),
            SubmitError::Invalid(_) => "申报表有需要修改的地方".into(),
            SubmitError::DuplicateIdNumber => "该居民身份证号码本轮已经申报过。请使用第一次提交后确认邮件中的进度查询链接查看或修改申报；找不到邮件时，可在“进度查询”页凭申报编号和邮箱重新获取链接。".into(),
            SubmitError::SubmissionConflict => "这份申报表已经提交过，且内容不同。请刷新页面后重新填写提交。".into(),
            SubmitError::Unavailable(_) => "系统繁忙，申报表暂未保存。请稍候再提交，您填写的内容仍在页面上。".into(),
            SubmitError::Internal(_) => "系统出错，申报表暂未保存。请稍后再试。".into(),
        }
    }

    fn json(&self) -> Response {
        let status = self.status();
        let mut response = match self {
            SubmitError::Invalid(errors) => (status, Json(json!({ "errors": errors }))).into_response(),
            SubmitError::Closed => {
                (status, Json(json!({"error": "closed", "message": self.message()}))).into_response()
            }
            SubmitError::DuplicateIdNumber => json_error(status, "duplicate", self.message()),
            SubmitError::SubmissionConflict => json_error(status, "submission_conflict", self.message()),
            SubmitError::Unavailable(_) => json_error(status, "unavailable", self.message()),
            SubmitError::Internal(_) => json_error(status, "internal", self.message()),
            SubmitError::Unsupported => json_error(status, "unsupported_media_type", self.message()),
            SubmitError::Malformed(_) => json_error(status, "bad_request", self.message()),
        };
        if matches!(self, SubmitError::Unavailable(_)) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

impl From<StoreError> for SubmitError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(m) => SubmitError::Unavailable(m),
            StoreError::Internal(m) => SubmitError::Internal(m),
        }
    }
}

/// What a successful submission answers.
struct Accepted {
    reference: String,
    status: Status,
    status_url: String,
    status_path: String,
}

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A fresh reference such as `TP2025-7KQ2M9` (no 0/O, 1/I/L).
pub fn new_reference(round: i32) -> String {
    let mut rng = rand::rng();
    let code: String = (0..6).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
    format!("TP{round}-{code}")
}

/// A random hex id.
pub fn random_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs the applicant's status link (valid across versions: it only shows).
pub fn status_path(state: &AppState, reference: &str) -> String {
    let expires = (state.clock.now() + state.settings.status_ttl).unix_timestamp();
    let claims = Claims {
        purpose: Purpose::Status,
        reference: reference.to_owned(),
        stage: "applicant".into(),
        version: 0,
        expires,
    };
    format!("/status/{}", state.settings.signer.sign(&claims))
}

/// Signs a review link for `stage` at `version`.
pub fn review_path(state: &AppState, reference: &str, stage: &str, version: u64) -> String {
    let expires = (state.clock.now() + state.settings.review_ttl).unix_timestamp();
    let claims =
        Claims { purpose: Purpose::Review, reference: reference.to_owned(), stage: stage.to_owned(), version, expires };
    format!("/review/{}", state.settings.signer.sign(&claims))
}

/// Renders a mail from `mail/{name}.txt` and `.html`.
pub fn compose(
    state: &AppState,
    name: &str,
    to: &str,
    subject: String,
    reference: &str,
    context: &tera::Context,
) -> Result<Mail, SubmitError> {
    let render = |ext: &str| {
        state
            .pages
            .render_bare(&format!("mail/{name}.{ext}"), context)
            .map_err(|e| SubmitError::Internal(theme::error_chain(&e)))
    };
    Ok(Mail {
        id: random_id(),
        reference: reference.to_owned(),
        to: to.to_owned(),
        subject,
        text: render("txt")?,
        html: render("html")?,
        created_at: views::rfc3339(state.clock.now()),
        attempts: 0,
        files: Vec::new(),
    })
}

/// The text fields of a multipart application as a urlencoded body, and its files: each `file_*`
/// part is checked (type by content, size) and stored under a new key; each `attachment` field
/// (`key|kind|name`, a file uploaded beforehand) is passed on.
async fn read_multipart(
    state: &AppState,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(Bytes, Vec<policy::AttachmentInput>, Vec<Reason>), SubmitError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary =
        multer::parse_boundary(content_type).map_err(|e| SubmitError::Malformed(format!("表单内容无法读取：{e}")))?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut text: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    let mut problems = Vec::new();
    while let Some(field) =
        parts.next_field().await.map_err(|e| SubmitError::Malformed(format!("表单内容无法读取：{e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(kind) = name.strip_prefix("file_") {
            let kind = kind.to_owned();
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let declared = field.content_type().map(ToString::to_string);
            let bytes = field.bytes().await.map_err(|e| SubmitError::Malformed(format!("文件无法读取：{e}")))?;
            if bytes.is_empty() && file_name.is_empty() {
                continue; // a file input left empty
            }
            let checked = state.programme.attachment_kind(&kind).map_err(|e| e.to_string()).and_then(|_| {
                state
                    .programme
                    .check_upload(bytes.len() as u64, &bytes[..bytes.len().min(16)], declared.as_deref())
                    .map_err(|e| format!("“{file_name}”：{e}"))
            });
            if let Err(message) = checked {
                problems.push(Reason::new("attachments", message));
                continue;
            }
            let Some(blobs) = state.blobs.clone() else {
                problems.push(Reason::new("attachments", "此部署暂不接受附件"));
                continue;
            };
            let key = crate::blobs::new_key();
            blobs.write(&key, &bytes).await.map_err(|e| SubmitError::Unavailable(e.to_string()))?;
            files.push(policy::AttachmentInput { key, kind, name: file_name });
        } else {
            let value = field.text().await.map_err(|e| SubmitError::Malformed(format!("表单内容无法读取：{e}")))?;
            if name == "attachment" {
                let mut it = value.splitn(3, '|');
                let (key, kind, file) = (it.next().unwrap_or(""), it.next().unwrap_or(""), it.next().unwrap_or(""));
                files.push(policy::AttachmentInput {
                    key: key.to_owned(),
                    kind: kind.to_owned(),
                    name: file.to_owned(),
                });
            } else {
                text.push((name, value));
            }
        }
    }
    let encoded = serde_urlencoded::to_string(&text).map_err(|e| SubmitError::Internal(e.to_string()))?;
    Ok((Bytes::from(encoded), files, problems))
}

/// Reads each named upload back and checks it as the upload did (type by content, size), with a
/// SHA-256 of what is stored. Any problem is a field error on `attachments`.
pub async fn check_attachments(
    state: &AppState,
    inputs: &[policy::AttachmentInput],
) -> Result<Vec<Attachment>, SubmitError> {
    if inputs.is_empty() {
        return Ok(Vec::new());
    }
    let p = &state.programme;
    let invalid = |message: String| SubmitError::Invalid(vec![Reason::new("attachments", message)]);
    if inputs.len() > p.attachments.max_files {
        return Err(invalid(policy::UploadError::TooMany(p.attachments.max_files).to_string()));
    }
    let Some(blobs) = state.blobs.clone() else {
        return Err(invalid("此部署暂不接受附件".to_owned()));
    };
    let mut out = Vec::with_capacity(inputs.len());
    for input in inputs {
        let kind = p.attachment_kind(&input.kind).map_err(|e| invalid(e.to_string()))?;
        let name: String = input.name.trim().chars().filter(|c| !c.is_control()).take(100).collect();
        let object = match blobs.inspect(&input.key, p.attachments.max_bytes).await {
            Ok(o) => o,
            Err(crate::blobs::BlobError::Missing) => return Err(invalid(format!("“{name}”没有上传成功，请重新上传"))),
            Err(e) => return Err(SubmitError::Unavailable(e.to_string())),
        };
        let kind_of = match p.check_upload(object.size, &object.head, None) {
            Ok(k) => k,
            Err(e) => {
                // Uploaded straight to the bucket but not a document we accept: remove it.
                if let Err(d) = blobs.delete(&input.key).await {
                    tracing::warn!(error = %d, "refused upload not deleted");
                }
                return Err(invalid(format!("“{name}”：{e}")));
            }
        };
        out.push(Attachment {
            key: input.key.clone(),
            kind: kind.code.clone(),
            name: if name.is_empty() { kind.name.clone() } else { name },
            size: object.size,
            sha256: object.sha256,
            content_type: kind_of.mime().to_owned(),
        });
    }
    Ok(out)
}

/// Everything one submission writes, built but not stored: the record, its first event, its
/// mails, and the applicant's status link.
pub struct Prepared {
    /// The application record.
    pub record: Record,
    /// The `submitted` event.
    pub event: Event,
    /// Mail to the applicant and to the unit reviewer.
    pub mails: Vec<Mail>,
    /// `/status/{token}`.
    pub status_path: String,
}

/// Checks the window and the form and builds what the submission writes.
pub fn prepare(state: &AppState, form: &ApplicationForm) -> Result<Prepared, SubmitError> {
    prepare_with(state, form, Vec::new())
}

/// Like [`prepare`], with proof documents already checked by [`check_attachments`].
pub fn prepare_with(
    state: &AppState,
    form: &ApplicationForm,
    attachments: Vec<Attachment>,
) -> Result<Prepared, SubmitError> {
    let programme = &state.programme;
    let now = state.clock.now();
    if !programme.window_open_at(now) {
        return Err(SubmitError::Closed);
    }
    let application = Application::parse(form, programme).map_err(SubmitError::Invalid)?;
    let content = serde_json::to_vec(&form.content()).map_err(|e| SubmitError::Internal(e.to_string()))?;
    let body_hash = hex(&Sha256::digest(&content));
    let submission_id = form.submission_id.clone().filter(|s| !s.is_empty()).unwrap_or_else(random_id);
    let reference = new_reference(programme.round);
    let at = views::rfc3339(now);
    let record = Record {
        reference: reference.clone(),
        round: programme.round,
        status: Status::UnitReview,
        version: 1,
        stream: application.stream_key(),
        scope: application.hr_scope(),
        submission_id,
        body_hash,
        id_hash: policy::keyed_hash(
            &state.settings.secret,
            &["id", &programme.round.to_string(), application.id_number.expose()],
        ),
        application,
        created_at: at.clone(),
        updated_at: at.clone(),
        attachments,
    };
    let event = Event {
        seq: 1,
        kind: "submitted".into(),
        actor: "applicant".into(),
        actor_address: Some(record.application.email.to_string()),
        at: at.clone(),
        comment: None,
        status: Status::UnitReview,
        client_hash: None,
    };
    let status_path = status_path(state, &reference);
    let review = review_path(state, &reference, "unit", 1);
    let a = &record.application;
    let mut context = tera::Context::new();
    context.insert("a", a);
    context.insert("reference", &reference);
    context.insert("masked_id", &a.id_number.masked());
    context.insert("stream_name", &views::stream_name(programme, a));
    context.insert("hr_name", &views::hr_name(programme, a));
    context.insert("submitted_at", &views::chinese_time(&at));
    let deadline = programme.count_at();
    context.insert("deadline", &format!("{}年{}月{}日", deadline.year(), deadline.month() as u8, deadline.day()));
    context.insert("issuer", &programme.notice_issuer);
    context.insert("status_url", &state.settings.link(&status_path));
    context.insert("review_url", &state.settings.link(&review));
    context.insert("review_days", &state.settings.review_ttl.whole_days());
    context.insert("files", &views::attachments(programme, &record)["files"]);
    let mails = vec![
        compose(
            state,
            "submitted_applicant",
            a.email.as_str(),
            format!("【特培申报】已收到您的申报 {reference}"),
            &reference,
            &context,
        )?,
        compose(
            state,
            "submitted_unit",
            a.unit_reviewer_email.as_str(),
            format!("【特培申报】请审核{}的申报 {reference}", a.name),
            &reference,
            &context,
        )?,
    ];
    Ok(Prepared { record, event, mails, status_path })
}

async fn accept(state: &AppState, form: &ApplicationForm) -> Result<Accepted, SubmitError> {
    if !state.programme.window_open_at(state.clock.now()) {
        return Err(SubmitError::Closed);
    }
    let attachments = check_attachments(state, &form.attachments).await?;
    // References are random (31^6 of them): two can meet, and then the whole submission is
    // prepared again under a fresh one; its links and mails carry the reference.
    let mut attempts = 0;
    let (record, status_path, created) = loop {
        let Prepared { record, event, mails, status_path } = prepare_with(state, form, attachments.clone())?;
        match state.store.create(&record, &event, &mails).await? {
            Created::ReferenceTaken if attempts < 5 => {
                attempts += 1;
                tracing::info!(reference = %record.reference, "reference already in use; drawing another");
            }
            Created::ReferenceTaken => return Err(SubmitError::Internal("no free reference after 6 draws".into())),
            created => break (record, status_path, created),
        }
    };
    let reference = record.reference.clone();
    match created {
        Created::ReferenceTaken => Err(SubmitError::Internal("reference taken".into())),
        Created::New => {
            tracing::info!(%reference, stream = %record.stream, "application stored");
            state.mail_queued().await;
            Ok(Accepted {
                status_url: state.settings.link(&status_path),
                status_path,
                reference,
                status: Status::UnitReview,
            })
        }
        Created::SameSubmission { existing, same_body: true } => {
            tracing::info!(reference = %existing.reference, "repeated submission answered again");
            let status_path = crate::routes::applications::status_path(state, &existing.reference);
            Ok(Accepted {
                status_url: state.settings.link(&status_path),
                status_path,
                reference: existing.reference,
                status: existing.status,
            })
        }
        Created::SameSubmission { existing, same_body: false } => {
            tracing::info!(reference = %existing.reference, "submission id reused with another body");
            Err(SubmitError::SubmissionConflict)
        }
        Created::DuplicateIdNumber => {
            tracing::info!("identity number already applied this round");
            Err(SubmitError::DuplicateIdNumber)
        }
    }
}

/// Takes an application.
pub async fn submit(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(enc) = encoding(&headers) else { return SubmitError::Unsupported.json() };
    let json_out = wants_json(&headers, enc);
    if enc != Encoding::Multipart && body.len() > crate::BODY_LIMIT {
        return (StatusCode::PAYLOAD_TOO_LARGE, Json(json!({"error": "too_large", "message": "提交内容过大"})))
            .into_response();
    }
    // A multipart form becomes its text fields (as a urlencoded body, so everything after this
    // is the same as for the plain form) plus the files it carried.
    let (body, files, file_problems) = match enc {
        Encoding::Multipart => match read_multipart(&state, &headers, body).await {
            Ok(x) => x,
            Err(err) => {
                return if json_out {
                    err.json()
                } else {
                    html_page(&state, err.status(), "申报未成功", &err.message())
                };
            }
        },
        _ => (body, Vec::new(), Vec::new()),
    };
    let parsed = match enc {
        Encoding::Json => json_object::<ApplicationForm>(&body),
        Encoding::Form | Encoding::Multipart => policy::form_object(&body),
    };
    let form = match parsed {
        Ok(mut form) if !file_problems.is_empty() => {
            // Refused files: the form again with every value, and the files to choose again.
            form.attachments.clear();
            let err = SubmitError::Invalid(file_problems);
            return if json_out { err.json() } else { form_error(&state, &err, &body, &form) };
        }
        Ok(mut form) => {
            form.attachments.extend(files);
            form
        }
        Err(message) => {
            let err = SubmitError::Malformed(message);
            return if json_out { err.json() } else { form_error(&state, &err, &body, &ApplicationForm::default()) };
        }
    };
    if form.is_bot() {
        tracing::warn!("honeypot field filled: answered as success, nothing stored");
        let reference = new_reference(state.programme.round);
        return if json_out {
            (StatusCode::CREATED, Json(json!({"reference": reference, "status": "unit_review", "status_url": state.settings.link("/status/")}))).into_response()
        } else {
            html_page(&state, StatusCode::OK, "申报已提交", "您的申报已提交。")
        };
    }
    match accept(&state, &form).await {
        Ok(done) if json_out => (
            StatusCode::CREATED,
            [(header::LOCATION, done.status_path.clone())],
            Json(json!({"reference": done.reference, "status": done.status.code(), "status_url": done.status_url})),
        )
            .into_response(),
        Ok(done) => Redirect::to(&format!("{}?submitted=1", done.status_path)).into_response(),
        Err(err) => {
            if let SubmitError::Internal(cause) | SubmitError::Unavailable(cause) = &err {
                tracing::error!(%cause, "submission failed");
            }
            if json_out { err.json() } else { form_error(&state, &err, &body, &form) }
        }
    }
}

/// The no-JS answer to a refused submission: the form again, with every value kept, an error
/// summary at the top and each message beside its field.
fn form_error(state: &AppState, err: &SubmitError, body: &[u8], form: &ApplicationForm) -> Response {
    let mut values: BTreeMap<String, String> =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default().into_iter().collect();
    values.remove("website");
    if values.get("submission_id").is_none_or(|s| s.is_empty()) {
        values.insert(
            "submission_id".into(),
            form.submission_id.clone().filter(|s| !s.is_empty()).unwrap_or_else(random_id),
        );
    }
    let reasons = match err {
        SubmitError::Invalid(reasons) => reasons.clone(),
        other => vec![Reason::new("form", other.message())],
    };
    let errors: BTreeMap<&str, &str> = reasons.iter().map(|r| (r.field.as_str(), r.message.as_str())).collect();
    let mut context = tera::Context::new();
    context.insert("values", &values);
    context.insert("errors", &errors);
    context.insert("error_list", &reasons);
    context.insert("window_open", &state.programme.window_open_at(state.clock.now()));
    // Files already stored stay with the form, unless they were what was wrong.
    let keep = !reasons.iter().any(|r| r.field == "attachments");
    context.insert("uploaded", &if keep { form.attachments.clone() } else { Vec::new() });
    let title = "在线申报";
    let page = state.pages.render("apply.html", title, "/apply/", None, context);
    let mut response = match page {
        Ok(html) => (err.status(), axum::response::Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %theme::error_chain(&e), "form page failed to render");
            html_page(state, err.status(), "申报未成功", &err.message())
        }
    };
    if matches!(err, SubmitError::Unavailable(_)) {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}
