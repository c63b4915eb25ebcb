//! [`Message`] for a plain message page and [`Page`] for a full template. Each is a response;
//! one layer ([`render_pages`]) renders them with the site's layout, so no route renders or
//! handles a template failure itself, and sets `Retry-After` on every 429 and 503.
use crate::views::Pages;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use std::sync::Arc;

/// A link offered under a message: back somewhere, or a form to ask for a fresh link.
#[derive(Clone, Debug, Serialize)]
pub enum Offer {
    /// `back`: a link and its words.
    Back {
        /// Where.
        url: String,
        /// Its words.
        title: String,
    },
    /// `renew`: the form that asks for a fresh review link.
    Renew(String),
}

/// Seconds a client should wait after a 503 or 429 that says nothing better.
const RETRY_AFTER_SECONDS: i64 = 5;

/// How long to wait before asking again, where the answer knows (a rate limit's window): a
/// response extension the layer turns into `Retry-After`.
#[derive(Clone, Copy, Debug)]
pub struct RetryAfter(pub i64);

/// A page whose context could not be serialised (a bug: logged, answered with a 500).
#[derive(Debug, thiserror::Error)]
#[error("the context of {template} is not serialisable")]
pub struct PageError {
    template: &'static str,
    #[source]
    source: tera::Error,
}

/// The `back` link of the message template.
#[derive(Serialize)]
struct Back<'a> {
    url: &'a str,
    title: &'a str,
}

/// A message page waiting for the layout.
#[derive(Clone)]
struct PendingMessage {
    title: String,
    message: String,
    offer: Option<Offer>,
}

/// A template page waiting for the layout.
#[derive(Clone)]
struct PendingPage {
    template: &'static str,
    title: String,
    url: &'static str,
    context: tera::Context,
}

/// A plain message page (an acknowledgement, a refusal) in the site's layout.
pub struct Message {
    /// Status code.
    pub status: StatusCode,
    /// Page title.
    pub title: String,
    /// The message.
    pub message: String,
    /// A link offered under it.
    pub offer: Option<Offer>,
}

impl Message {
    /// A 200 message page.
    pub fn ok(title: &str, message: &str) -> Self {
        Self { status: StatusCode::OK, title: title.to_owned(), message: message.to_owned(), offer: None }
    }

    /// The message with a link offered under it.
    pub fn offer(mut self, offer: Offer) -> Self {
        self.offer = Some(offer);
        self
    }

    /// A message page with another status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl IntoResponse for Message {
    fn into_response(self) -> Response {
        let mut response = (self.status, Html(String::new())).into_response();
        response.extensions_mut().insert(PendingMessage {
            title: self.title,
            message: self.message,
            offer: self.offer,
        });
        response
    }
}

/// A full page from `template` with `context`, in the site's layout.
pub struct Page {
    status: StatusCode,
    template: &'static str,
    title: String,
    url: &'static str,
    context: tera::Context,
}

impl Page {
    /// `template` titled `title`, with `context` (any serialisable value whose fields become
    /// the template's variables).
    pub fn new(template: &'static str, title: impl Into<String>, context: tera::Context) -> Self {
        Self { status: StatusCode::OK, template, title: title.into(), url: "", context }
    }

    /// The page from a typed context.
    pub fn typed<C: Serialize>(
        template: &'static str,
        title: impl Into<String>,
        context: &C,
    ) -> Result<Self, PageError> {
        let context = tera::Context::from_serialize(context).map_err(|source| PageError { template, source })?;
        Ok(Self::new(template, title, context))
    }

    /// With another status code.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The page's own address (for the navigation's current item).
    pub fn at(mut self, url: &'static str) -> Self {
        self.url = url;
        self
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.status, Html(String::new())).into_response();
        let Self { template, title, url, context, .. } = self;
        response.extensions_mut().insert(PendingPage { template, title, url, context });
        response
    }
}

/// Renders pending pages and messages with the layout, and sets `Retry-After` on a 429 or 503.
/// A template that fails to render is logged and answered with an opaque 500 message page.
pub async fn render_pages(State(pages): State<Arc<Pages>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    render(&pages, &mut response);
    retry_after(&mut response);
    response
}

/// Sets `Retry-After` on a 503 or 429: the seconds the answer knows, else a short default.
fn retry_after(response: &mut Response) {
    let known = response.extensions_mut().remove::<RetryAfter>();
    let status = response.status();
    if status != StatusCode::SERVICE_UNAVAILABLE && status != StatusCode::TOO_MANY_REQUESTS {
        return;
    }
    let seconds = known.map_or(RETRY_AFTER_SECONDS, |RetryAfter(s)| s.max(1));
    response.headers_mut().entry(header::RETRY_AFTER).or_insert(HeaderValue::from(seconds));
}

/// The pending page or message of `response` rendered into its body.
fn render(pages: &Pages, response: &mut Response) {
    let html = if let Some(page) = response.extensions_mut().remove::<PendingPage>() {
        match pages.render(page.template, &page.title, page.url, None, page.context) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(error = %theme::error_chain(&e), template = page.template, "page failed to render");
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                pages.message("系统错误", "页面暂时无法显示，请稍后重试。")
            }
        }
    } else if let Some(m) = response.extensions_mut().remove::<PendingMessage>() {
        let mut extra = tera::Context::new();
        match &m.offer {
            Some(Offer::Back { url, title }) => extra.insert("back", &Back { url, title }),
            Some(Offer::Renew(url)) => extra.insert("renew", url),
            None => {}
        }
        pages.message_with(&m.title, &m.message, extra)
    } else {
        return;
    };
    *response.body_mut() = axum::body::Body::from(html);
    response.headers_mut().remove(header::CONTENT_LENGTH);
}
