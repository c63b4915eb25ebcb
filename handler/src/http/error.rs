//! [`AppError`]: every refusal and failure, answered as a page in the site's layout or as JSON;
//! the seconds to wait, where known, go to the one layer that sets `Retry-After`.

use crate::http::page::{Message, Offer, PageError, RetryAfter};
use crate::workflow;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use policy::Reason;

/// A refusal or failure, answered as a page or as `{"error": code, "message": …}`
/// (`{"errors": [...]}` for field errors).
#[derive(Debug)]
pub struct AppError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    status: StatusCode,
    code: &'static str,
    title: String,
    message: String,
    json: bool,
    errors: Vec<Reason>,
    offer: Option<Offer>,
    /// Seconds to wait, where known better than the default.
    retry: Option<i64>,
}

impl AppError {
    /// An error with its status, code, page title and message.
    pub fn new(status: StatusCode, code: &'static str, title: impl Into<String>, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            status,
            code,
            title: title.into(),
            message: message.into(),
            json: false,
            errors: Vec::new(),
            offer: None,
            retry: None,
        }))
    }

    /// Field errors, each beside its field (a form) or listed (JSON).
    pub fn set_errors(&mut self, errors: Vec<Reason>) {
        self.0.errors = errors;
    }

    /// What the person is told, in words.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// A 429: too many of one kind of request from one address or to one recipient, with the
    /// seconds until it may be asked again.
    pub fn too_many(retry_after: i64) -> Self {
        let minutes = (retry_after + 59) / 60;
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many",
            "操作过于频繁",
            format!(
                "同一网络或同一邮箱在短时间内的操作次数已达上限，为防止滥用，请约{minutes}分钟后再试。本次请求没有被处理，已填写的内容不会丢失。"
            ),
        );
        e.0.retry = Some(retry_after);
        e
    }

    /// Answered as JSON when `json`, else as a page.
    pub fn json_if(mut self, json: bool) -> Self {
        self.0.json = json;
        self
    }

    /// Always answered as JSON (API routes).
    pub fn json(self) -> Self {
        self.json_if(true)
    }

    /// A link offered on the page.
    pub fn offer(mut self, offer: Offer) -> Self {
        self.0.offer = Some(offer);
        self
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.0.code
    }

    /// The field errors, one per field (empty unless a 422 on fields), or the message as one
    /// form-level error.
    /// Seconds to wait before asking again, where this error knows them (a rate limit).
    pub fn retry(&self) -> Option<i64> {
        self.0.retry
    }

    /// Every problem as field reasons (a general one on `form`).
    pub fn reasons(&self) -> Vec<Reason> {
        let e = &self.0;
        if e.errors.is_empty() { vec![Reason::new("form", e.message.clone())] } else { e.errors.clone() }
    }

    /// The service is busy or unreachable: nothing was saved, try again (with `Retry-After`).
    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "系统繁忙", "系统繁忙，本次操作未保存。请稍后再试。")
    }

    /// Anything else: an opaque 500 (the cause is logged where it is known).
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "系统错误", "系统出错，本次操作未保存。请稍后再试。")
    }

    /// A 403 for a form posted from another site.
    pub fn cross_site() -> Self {
        Self::new(StatusCode::FORBIDDEN, "cross_site", "请求被拒绝", "只能在本站页面上提交。")
    }

    /// A 415 for a body neither JSON nor a form.
    pub fn unsupported() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "无法受理",
            "请以 application/json 或 application/x-www-form-urlencoded 格式提交",
        )
        .json()
    }

    /// A 400 for a body that could not be read.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", "无法受理", message)
    }

    /// A 422 naming a missing or wrong input.
    pub fn unprocessable(code: &'static str, title: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, title, message)
    }

    /// The handler's one 404: an address that leads nowhere. Behind the CDN the distribution
    /// answers every 404 with the site's `/404.html` (页面不存在), which says the same; CloudFront's
    /// custom error responses hold for the whole distribution, not per path, so an answer whose
    /// words matter is never a 404 (410 for what a link of ours named and is gone, 403 for a code
    /// that does not verify, 422 for a reference typed wrong).
    pub fn no_such_page() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "页面不存在", "请求的地址不存在")
    }

    /// A 410 for what one of our links or codes named and is no longer there.
    pub fn gone(title: &str, message: &str) -> Self {
        Self::new(StatusCode::GONE, "gone", title, message)
    }
}

impl From<workflow::Error> for AppError {
    fn from(e: workflow::Error) -> Self {
        use workflow::Error as E;
        match e {
            E::Closed(message) => Self::new(StatusCode::FORBIDDEN, "closed", "已过截止时间", message),
            E::Invalid(errors) => {
                let mut e = Self::unprocessable("invalid", "请修改后再提交", "申报表有需要修改的地方");
                e.set_errors(errors);
                e
            }
            E::SubmissionConflict => Self::new(
                StatusCode::CONFLICT,
                "submission_conflict",
                "已经提交过",
                "这份申报表已经提交过，且内容不同。请刷新页面后重新填写提交。",
            ),
            E::Stale(message) => Self::new(StatusCode::CONFLICT, "stale", "已处理", message),
            E::NotAllowed { title, message } => Self::new(StatusCode::CONFLICT, "not_allowed", title, message),
            E::Incomplete { title, message } => Self::unprocessable("incomplete", title, message),
            E::Paper(message) => Self::new(StatusCode::CONFLICT, "paper", "纸质申报表", message),
            E::NumberHasPlace(holder) => Self::new(
                StatusCode::CONFLICT,
                "number_has_place",
                "不能推荐",
                format!(
                    "同一居民身份证号的另一份申报（{holder}）已被推荐并占用名额；一个身份证号只能占用一个推荐名额（本站设置）。本申报未被推荐，状态不变。"
                ),
            ),
            E::QuotaFull(full) => {
                Self::new(StatusCode::CONFLICT, "quota_full", "名额已满", format!("{full}，本申报未被推荐，状态不变。"))
            }
            // Only a signed link or code names a record (a reference typed by hand is checked
            // where it is typed): it existed when the link was signed.
            E::NotFound => Self::gone("申报不存在", "找不到这份申报，这个链接已失效。"),
            E::TooMany { retry_after } => Self::too_many(retry_after),
            E::Unavailable(cause) => {
                tracing::error!(cause = %crate::Chain(&cause), "service unavailable; nothing saved");
                Self::unavailable()
            }
            E::Internal(cause) => {
                tracing::error!(cause = %crate::Chain(&cause), "internal error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let e = *self.0;
        let mut response = if e.json {
            if e.errors.is_empty() {
                (e.status, Json(serde_json::json!({"error": e.code, "message": e.message}))).into_response()
            } else {
                (e.status, Json(serde_json::json!({"errors": e.errors}))).into_response()
            }
        } else {
            Message { status: e.status, title: e.title, message: e.message, offer: e.offer }.into_response()
        };
        if let Some(seconds) = e.retry {
            response.extensions_mut().insert(RetryAfter(seconds));
        }
        response
    }
}

impl From<PageError> for AppError {
    fn from(e: PageError) -> Self {
        tracing::error!(error = %crate::Chain(&e), "page not rendered");
        Self::internal()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        AppError::from(self).into_response()
    }
}
