//! Request bodies, each read once: how a body is encoded and how to answer ([`Negotiated`]), a
//! form or script body as the typed value with its fields, files and rules fingerprint
//! ([`Posted`]), and small forms read leniently ([`SmallForm`], [`LenientForm`]).

use crate::AppState;
use crate::http::{AppError, Offer};
use crate::workflow::documents::Carried;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use policy::AttachmentInput;
use serde::de::DeserializeOwned;
use std::convert::Infallible;

/// How a request body is encoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Encoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data` (the application form with files).
    Multipart,
}

/// Whether the client asked for JSON (`Accept: application/json`).
pub fn accepts_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// The body's encoding and how to answer: JSON for a JSON body or an `Accept` asking for it.
#[derive(Clone, Copy, Debug)]
pub struct Negotiated {
    /// The body's encoding, if one tepei reads.
    pub encoding: Option<Encoding>,
    /// Answer in JSON.
    pub json: bool,
}

impl Negotiated {
    /// From the request's headers.
    pub fn of(headers: &HeaderMap) -> Self {
        let encoding = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .and_then(|m| match m.as_str() {
                "application/json" => Some(Encoding::Json),
                "application/x-www-form-urlencoded" => Some(Encoding::Form),
                "multipart/form-data" => Some(Encoding::Multipart),
                _ => None,
            });
        Self { encoding, json: encoding == Some(Encoding::Json) || accepts_json(headers) }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.headers))
    }
}

/// A form or script body, read once: JSON, urlencoded, or multipart with files (a body of another
/// type is read as urlencoded; [`Negotiated::encoding`] says so). A body over its limit is
/// refused with 413 (saying the limit and what to do), an unreadable multipart body with 400.
pub struct Posted<T> {
    /// The typed value, or why it could not be read (the form is then shown again).
    pub value: Result<T, String>,
    /// The text fields as sent, in order (urlencoded or multipart; none for JSON).
    pub fields: Vec<(String, String)>,
    /// Files the form carried (`file_{kind}` parts), not stored yet.
    pub carried: Vec<Carried>,
    /// Files uploaded beforehand that the form names (its `attachment` fields: `key|kind|name`).
    pub named: Vec<AttachmentInput>,
    /// The rules fingerprint the page was built from (`rules`), if sent.
    pub rules: Option<String>,
    /// How it came, and how to answer.
    pub negotiated: Negotiated,
}

impl<T> Posted<T> {
    /// The text field `name` as sent, if it was.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The same fields read as another form (a status page's form carries the decision and the
    /// edited application): built from the fields already read, never from the body again.
    pub fn fields_as<U: DeserializeOwned + Default>(&self) -> U {
        policy::from_fields(&self.fields).unwrap_or_default()
    }
}

/// A JSON body's value and the fingerprint beside its fields.
#[derive(serde::Deserialize)]
struct WithRules<T> {
    #[serde(flatten)]
    value: T,
    #[serde(default)]
    rules: Option<String>,
}

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequest<S> for Posted<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let negotiated = Negotiated::of(request.headers());
        // A body of another type is read as a form; routes that take only the three refuse it.
        let encoding = negotiated.encoding.unwrap_or(Encoding::Form);
        let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let boundary = match encoding {
            Encoding::Multipart => Some(multer::parse_boundary(content_type.unwrap_or_default()).map_err(unreadable)?),
            _ => None,
        };
        let raw = Bytes::from_request(request, state).await.map_err(|_| files_too_large().json_if(negotiated.json))?;
        if encoding != Encoding::Multipart && raw.len() > crate::BODY_LIMIT {
            return Err(too_large());
        }
        let mut posted = Posted {
            value: Err(String::new()),
            fields: Vec::new(),
            carried: Vec::new(),
            named: Vec::new(),
            rules: None,
            negotiated,
        };
        match boundary {
            None if encoding == Encoding::Json => match policy::json_object::<WithRules<T>>(&raw) {
                Ok(WithRules { value, rules }) => (posted.value, posted.rules) = (Ok(value), rules),
                Err(message) => posted.value = Err(message),
            },
            None => posted.fields = policy::form_fields(&raw),
            Some(boundary) => {
                read_multipart(raw, boundary, &mut posted).await.map_err(|e| e.json_if(negotiated.json))?
            }
        }
        if encoding != Encoding::Json {
            let named = posted.fields.iter().filter(|(k, _)| k == "attachment").map(|(_, v)| attachment_field(v));
            posted.named = named.collect();
            posted.rules = posted.field("rules").map(str::to_owned);
            posted.value = policy::from_fields(&posted.fields);
        }
        Ok(posted)
    }
}

/// The parts of a multipart body: text into `fields`, `file_*` parts into `carried` (a file
/// input left empty is no file).
async fn read_multipart<T: Send>(body: Bytes, boundary: String, posted: &mut Posted<T>) -> Result<(), AppError> {
    let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    while let Some(field) = parts.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(kind) = name.strip_prefix("file_") {
            let kind = kind.to_owned();
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let declared = field.content_type().map(ToString::to_string);
            let bytes = field.bytes().await.map_err(|e| AppError::bad_request(format!("文件无法读取：{e}")))?;
            if !(bytes.is_empty() && file_name.is_empty()) {
                posted.carried.push(Carried { kind, name: file_name, declared, bytes: bytes.to_vec() });
            }
        } else {
            let value = field.text().await.map_err(unreadable)?;
            posted.fields.push((name, value));
        }
    }
    Ok(())
}

fn unreadable(e: multer::Error) -> AppError {
    AppError::bad_request(format!("表单内容无法读取：{e}"))
}

/// A file uploaded beforehand, as the form names it: `key|kind|name`.
fn attachment_field(value: &str) -> AttachmentInput {
    let mut it = value.splitn(3, '|');
    let mut next = || it.next().unwrap_or_default().to_owned();
    AttachmentInput { key: next(), kind: next(), name: next() }
}

/// Whether the rules-mismatch alarm may fire now: once per ten minutes per process.
fn alarm_due() -> bool {
    use std::sync::atomic::{AtomicU64, Ordering};
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let last = LAST.load(Ordering::Relaxed);
    (last == 0 || now >= last + 600) && LAST.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
}

/// Refuses a body sent from a page built from other rules than the handler enforces (a site and
/// a function deployed from different commits): 409 `rules_changed`, and an error in the log an
/// alarm can match. A body without a fingerprint (a script) is taken.
pub fn same_rules(state: &AppState, sent: Option<&str>) -> Result<(), AppError> {
    match sent.filter(|r| !r.is_empty()) {
        Some(sent) if sent != state.rules() => {
            // The value came from the request: logged only as a fingerprint can look.
            let shown =
                if sent.len() <= 32 && sent.bytes().all(|b| b.is_ascii_hexdigit()) { sent } else { "malformed" };
            // Anyone can send any value: the alarm fires for a fingerprint's shape only, and at
            // most once per ten minutes per process, so a flood raises it no more than a real
            // mismatch does; every other refusal is a warning.
            if shown != "malformed" && alarm_due() {
                tracing::error!(alarm = crate::alarm::RULES_MISMATCH, sent = shown, enforced = %state.rules(), "rules fingerprint mismatch: the page was built from other rules");
            } else {
                tracing::warn!(sent = shown, enforced = %state.rules(), "rules fingerprint mismatch");
            }
            Err(AppError::new(
                StatusCode::CONFLICT,
                "rules_changed",
                "本站规则已更新",
                "本站规则已更新，请刷新页面后重新提交。",
            )
            .offer(Offer::Back { url: "/apply/".into(), title: "刷新申报页面".into() }))
        }
        _ => Ok(()),
    }
}

/// A small lookup form (`/api/status-link`, `/dashboard`) as JSON or urlencoded, read leniently:
/// missing or unreadable fields are empty. Other types are refused with 415.
pub struct SmallForm<T> {
    /// The value.
    pub value: T,
    /// Answer in JSON.
    pub json: bool,
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for SmallForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let negotiated = Negotiated::of(request.headers());
        let json = match negotiated.encoding {
            Some(Encoding::Json) => true,
            Some(Encoding::Form) => false,
            _ => {
                return Err(AppError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "无法受理",
                    "请以表单或JSON提交",
                )
                .json());
            }
        };
        let raw = Bytes::from_request(request, state).await.map_err(|_| too_large())?;
        let value = if json { policy::json_object(&raw) } else { policy::form_object(&raw) };
        Ok(Self { value: value.unwrap_or_default(), json: negotiated.json })
    }
}

/// A decision form, urlencoded, read leniently whatever the declared type: an unreadable body is
/// no decision, answered by the page that asks for one.
pub struct LenientForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for LenientForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let raw = Bytes::from_request(request, state).await.map_err(|_| too_large())?;
        Ok(Self(policy::form_object(&raw).unwrap_or_default()))
    }
}

fn too_large() -> AppError {
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "提交内容过大", "提交内容过大").json()
}

/// The 413 of a form that may carry files, over [`crate::MULTIPART_BODY_LIMIT`]: the limit and what
/// to do, never the framework's English text.
fn files_too_large() -> AppError {
    AppError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        "提交的文件过大",
        "不启用浏览器脚本时，一次提交的文件合计不能超过4MB，本次提交超过了这个上限。请返回上一页，\
         减少或压缩文件后再提交；也可以启用浏览器脚本，逐个上传文件。本次填写的内容没有提交，系统也没有保存。",
    )
}
