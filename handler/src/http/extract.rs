//! Extractors that read a request once: how its body is encoded and how to answer, small forms
//! read leniently, the client's address, the same-site guard, and a verified signed link.

use crate::AppState;
use crate::http::{AppError, Offer};
use crate::workflow::links;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use policy::{AttachmentInput, LinkClaims, Purpose, Reason, TokenError};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
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

    /// Reads a JSON or urlencoded body as `T` (a message naming the problem if it cannot).
    pub fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, String> {
        match self.encoding {
            Some(Encoding::Json) => policy::json_object(body),
            _ => policy::form_object(body),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.headers))
    }
}

/// A JSON or urlencoded body as `T`, with the raw body kept (to show a no-JS form again) and
/// how to answer. Other types are refused with 415, unreadable bodies with 400 (JSON).
pub struct JsonOrForm<T> {
    /// The value.
    pub value: T,
    /// The body as sent.
    pub raw: Bytes,
    /// Answer in JSON.
    pub json: bool,
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonOrForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let negotiated = Negotiated::of(request.headers());
        if !matches!(negotiated.encoding, Some(Encoding::Json | Encoding::Form)) {
            return Err(AppError::unsupported());
        }
        let raw = Bytes::from_request(request, state).await.map_err(|_| too_large())?;
        let value = negotiated.decode(&raw).map_err(|m| AppError::bad_request(m).json())?;
        Ok(Self { value, raw, json: negotiated.json })
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
        if !matches!(negotiated.encoding, Some(Encoding::Json | Encoding::Form)) {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "无法受理",
                "请以表单或JSON提交",
            )
            .json());
        }
        let raw = Bytes::from_request(request, state).await.map_err(|_| too_large())?;
        Ok(Self { value: negotiated.decode(&raw).unwrap_or_default(), json: negotiated.json })
    }
}

/// A decision form, urlencoded, read leniently whatever the declared type: an unreadable body is
/// no decision, answered by the page that asks for one.
pub struct LenientForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for LenientForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let raw = Bytes::from_request(request, state).await.map_err(|_| too_large())?;
        Ok(Self(serde_urlencoded::from_bytes(&raw).unwrap_or_default()))
    }
}

fn too_large() -> AppError {
    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "提交内容过大", "提交内容过大").json()
}

/// The body of a form that may carry files (the plain form, the status page), within
/// [`crate::MULTIPART_BODY_LIMIT`]; over it, a 413 that says the limit and what to do, as a page
/// (or JSON when asked), never the framework's English text.
pub struct FormBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for FormBody {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = Negotiated::of(request.headers()).json;
        let raw = Bytes::from_request(request, state).await.map_err(|_| {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "提交的文件过大",
                "不启用浏览器脚本时，一次提交的文件合计不能超过4MB，本次提交超过了这个上限。请返回上一页，\
                 减少或压缩文件后再提交；也可以启用浏览器脚本，逐个上传文件。本次填写的内容没有提交，系统也没有保存。",
            )
            .json_if(json)
        })?;
        Ok(Self(raw))
    }
}

/// The client's address, for keyed audit hashes and rate limits: the socket peer under `serve`,
/// API Gateway's source IP on the Lambda, or, behind a CDN (`FORWARDED_HOPS` = n ≥ 1), the n-th
/// address from the right of `X-Forwarded-For`: the one the CDN itself appended, which a client
/// cannot choose.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        use axum::extract::ConnectInfo;
        if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<std::net::SocketAddr>>() {
            return Ok(Self(addr.ip().to_string()));
        }
        let hops = state.settings.forwarded_hops;
        if hops > 0 {
            let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok());
            let addresses: Vec<&str> =
                forwarded.flat_map(|v| v.split(',')).map(str::trim).filter(|a| !a.is_empty()).collect();
            if let Some(address) = addresses.len().checked_sub(hops).and_then(|i| addresses.get(i)) {
                return Ok(Self((*address).to_owned()));
            }
        }
        #[cfg(feature = "aws")]
        if let Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) =
            parts.extensions.get::<lambda_http::request::RequestContext>()
        {
            return Ok(Self(ctx.http.source_ip.clone().unwrap_or_default()));
        }
        Ok(Self(String::new()))
    }
}

/// Passes only a form posted from this site: no foreign `Origin`, no `Sec-Fetch-Site:
/// cross-site`. (`Origin: null` is what browsers send under `Referrer-Policy: no-referrer`; the
/// link token, a secret in the path, is the main guard.)
pub struct SameSite;

impl FromRequestParts<AppState> for SameSite {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let origin_ok = match parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            None | Some("null") => true,
            Some(origin) => origin == state.settings.origin(),
        };
        let fetch_ok = parts.headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) != Some("cross-site");
        if origin_ok && fetch_ok { Ok(Self) } else { Err(AppError::cross_site()) }
    }
}

/// A signed link of `C`'s purpose from the path's `{token}`, verified: its claims and the token.
/// Refusals are pages (JSON for `Accept: application/json`): 403 invalid or for another page,
/// 410 expired or signed with a retired key, offering a fresh link where one can be had.
pub struct Linked<C> {
    /// The verified claims.
    pub claims: C,
    /// The token as it came.
    pub token: String,
}

impl<C: LinkClaims + Send> FromRequestParts<AppState> for Linked<C> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let json = accepts_json(&parts.headers);
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::not_found("页面不存在", "请求的地址不存在").json_if(json))?;
        let token = params.get("token").cloned().unwrap_or_default();
        match links::verify::<C>(state, &token) {
            Ok(claims) => Ok(Self { claims, token }),
            Err(e) => Err(refusal(&e, C::PURPOSE, &token).json_if(json)),
        }
    }
}

/// The answer to a link that does not verify.
pub fn refusal(e: &TokenError, purpose: Purpose, token: &str) -> AppError {
    let error = match e {
        TokenError::Expired(_) => {
            AppError::new(StatusCode::GONE, "expired", "链接已过期", "这个链接已过期。请使用最新邮件中的链接。")
        }
        TokenError::WrongPurpose => {
            AppError::new(StatusCode::FORBIDDEN, "wrong_purpose", "链接无效", "这个链接不能用于此页面。")
        }
        TokenError::UnknownKey => {
            AppError::new(StatusCode::GONE, "key_rotated", "链接已失效", "这个链接已失效。请使用最新邮件中的链接。")
        }
        TokenError::Malformed | TokenError::BadSignature => AppError::new(
            StatusCode::FORBIDDEN,
            "invalid",
            "链接无效",
            "这个链接无效，可能复制不完整。请直接点击邮件中的链接。",
        ),
    };
    tracing::info!(refusal = error.code(), "link refused");
    // An expired link offers a fresh one, sent only to the address already on file.
    match (e, purpose) {
        (TokenError::Expired(_), Purpose::Review) => error.offer(Offer::Renew(format!("/review/{token}/renew"))),
        (TokenError::Expired(_), Purpose::Confirm) => AppError::new(
            StatusCode::GONE,
            "expired",
            "确认链接已过期",
            "确认链接已过期：申报未在规定时间内确认，已失效。如仍需申报，请在申报截止前重新填写提交。",
        )
        .offer(Offer::Back { url: "/apply/".into(), title: "重新填写申报".into() }),
        (TokenError::Expired(_), Purpose::Status) => error.offer(Offer::Back {
            url: "/status/#lookup-title".into(),
            title: "凭申报编号和邮箱重新获取查询链接".into(),
        }),
        _ => error,
    }
}

/// A multipart form read: its text fields re-encoded, the files it carried, and the files refused.
pub struct WithFiles {
    /// The text fields as a urlencoded body.
    pub body: Bytes,
    /// Files stored or uploaded beforehand.
    pub files: Vec<AttachmentInput>,
    /// Files refused (type, size), one reason each.
    pub problems: Vec<Reason>,
}

/// The text fields of a multipart form (the application, a resubmission, added documents) as a
/// urlencoded body, and its files: each `file_*` part is checked (type by content, size) and
/// stored under a new key bound to `owner` (the record's submission) or else to the form's own
/// `submission_id` (one is drawn, and put in the form, when it has none); each `attachment`
/// field (`key|kind|name`, a file uploaded beforehand) is passed on.
pub async fn read_multipart(
    state: &AppState,
    headers: &HeaderMap,
    body: Bytes,
    owner: Option<&str>,
) -> Result<WithFiles, AppError> {
    let unreadable = |e: multer::Error| AppError::bad_request(format!("表单内容无法读取：{e}"));
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = multer::parse_boundary(content_type).map_err(unreadable)?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut text: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    let mut carried = Vec::new();
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
            carried.push((kind, file_name, declared, bytes));
        } else {
            let value = field.text().await.map_err(unreadable)?;
            if name == "attachment" {
                files.push(attachment_field(&value));
            } else {
                text.push((name, value));
            }
        }
    }
    let owner = match owner {
        Some(owner) => owner.to_owned(),
        None => own_submission_id(&mut text),
    };
    let mut problems = Vec::new();
    for (kind, file_name, declared, bytes) in carried {
        match crate::workflow::documents::store_form_file(state, &owner, &kind, &file_name, declared.as_deref(), &bytes)
            .await?
        {
            Ok(file) => files.push(file),
            Err(problem) => problems.push(problem),
        }
    }
    let encoded = serde_urlencoded::to_string(&text).map_err(|e| {
        tracing::error!(error = %crate::Chain(&e), "multipart fields not re-encoded");
        AppError::internal()
    })?;
    Ok(WithFiles { body: Bytes::from(encoded), files, problems })
}

/// The form's `submission_id`, drawn and put in the form when it has none.
fn own_submission_id(text: &mut Vec<(String, String)>) -> String {
    if let Some((_, id)) = text.iter().find(|(k, v)| k == "submission_id" && !v.is_empty()) {
        return id.clone();
    }
    let id = crate::ids::random_id();
    text.retain(|(k, _)| k != "submission_id");
    text.push(("submission_id".to_owned(), id.clone()));
    id
}

/// A file uploaded beforehand, as the form names it: `key|kind|name`.
fn attachment_field(value: &str) -> AttachmentInput {
    let mut it = value.splitn(3, '|');
    let mut next = || it.next().unwrap_or_default().to_owned();
    AttachmentInput { key: next(), kind: next(), name: next() }
}

/// The files a urlencoded form names (its `attachment` fields: uploaded beforehand).
pub fn attachment_fields(body: &[u8]) -> Vec<AttachmentInput> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| k == "attachment")
        .map(|(_, v)| attachment_field(&v))
        .collect()
}

/// The rules fingerprint a form or script sent with its body (`rules`, JSON or urlencoded), if any.
pub fn sent_rules(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    if text.trim_start().starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        return value.get("rules").and_then(|v| v.as_str()).map(str::to_owned);
    }
    serde_urlencoded::from_str::<Vec<(String, String)>>(text)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "rules")
        .map(|(_, v)| v)
}

/// Refuses a body sent from a page built from other rules than the handler enforces (a site and
/// a function deployed from different commits): 409 `rules_changed`, and an error in the log an
/// alarm can match. A body without a fingerprint (a script) is taken.
pub fn same_rules(state: &AppState, body: &[u8]) -> Result<(), AppError> {
    match sent_rules(body).filter(|r| !r.is_empty()) {
        Some(sent) if sent != state.rules() => {
            tracing::error!(sent = %sent, enforced = %state.rules(), "rules fingerprint mismatch: the page was built from other rules");
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
