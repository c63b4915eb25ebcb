//! The application handler. [`app`] is the only place routes are assembled: `tepei serve` runs it
//! beside the generated site, and the Lambda `bootstrap` wraps the same Router.

mod aws;
pub mod blobs;
mod clock;
mod headers;
pub mod limiter;
pub mod mail;
mod pages;
mod routes;
mod settings;
pub mod summary;
pub mod views;

/// Helpers the routes use that tests and benchmarks need too.
pub mod routes_support {
    pub use crate::routes::applications::{Prepared, SubmitError, new_reference, prepare, random_id};
}
pub mod store;

pub use clock::Clock;
pub use pages::Pages;
pub use settings::Settings;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use policy::Programme;
use std::path::PathBuf;
use std::sync::Arc;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Largest application with files posted as one multipart form (the no-JS path), within what an
/// API Gateway to Lambda request can carry.
pub const MULTIPART_BODY_LIMIT: usize = 6 * 1000 * 1000;
/// Largest upload body: one file of the largest allowed size plus multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = 10 * 1024 * 1024 + 64 * 1024;

/// Everything a request needs, built once at start.
#[derive(Clone)]
pub struct AppState {
    /// The rules of the round.
    pub programme: Arc<Programme>,
    /// HR reviewers by league and department, and the centre.
    pub reviewers: Arc<policy::Reviewers>,
    /// The shared templates with the programme's view.
    pub pages: Arc<Pages>,
    /// The clock (system time, or a trial clock under `serve --now`).
    pub clock: Clock,
    /// The generated site to serve as static files (`serve` only; on AWS the CDN serves it).
    pub site_dir: Option<PathBuf>,
    /// Applications, events, quotas, outbox.
    pub store: Arc<dyn store::Store>,
    /// Links, keys, lifetimes.
    pub settings: Arc<Settings>,
    /// Wakes the background mail flusher (`serve`).
    pub outbox: mail::Outbox,
    /// Sends queued mail within the request (the Lambda, which has no background task).
    pub inline_mailer: Option<Arc<dyn mail::Mailer>>,
    /// Bounds how often a link can be sent again.
    pub limiter: Arc<limiter::Limiter>,
    /// Uploaded files, where this deployment stores them itself (`serve`).
    pub blobs: Option<Arc<dyn blobs::Blobs>>,
}

/// Why the state could not be built.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl AppState {
    /// State with the programme and site config embedded at compile time.
    pub fn new(clock: Clock, store: Arc<dyn store::Store>, settings: Settings) -> Result<Self, StartError> {
        let programme = Programme::embedded().map_err(|e| StartError(e.to_string()))?;
        let reviewers = policy::Reviewers::embedded(&programme).map_err(|e| StartError(e.to_string()))?;
        let config = theme::Config::embedded().map_err(StartError)?;
        let pages = Pages::new(&programme, config).map_err(|e| StartError(theme::error_chain(&e)))?;
        Ok(Self {
            programme: Arc::new(programme),
            reviewers: Arc::new(reviewers),
            pages: Arc::new(pages),
            clock,
            site_dir: None,
            store,
            settings: Arc::new(settings),
            outbox: mail::Outbox::default(),
            inline_mailer: None,
            limiter: Arc::new(limiter::Limiter::new(std::time::Duration::from_secs(600))),
            blobs: None,
        })
    }

    /// Enforces another programme file's rules (tests and benchmarks with small quotas); pages
    /// keep the embedded one's text.
    pub fn with_programme(mut self, programme: Programme) -> Self {
        self.programme = Arc::new(programme);
        self
    }

    /// Stores uploads itself (`serve`: files under the data folder).
    pub fn with_blobs(mut self, blobs: Arc<dyn blobs::Blobs>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Also serves the generated site from `dir`.
    pub fn with_site(mut self, dir: PathBuf) -> Self {
        self.site_dir = Some(dir);
        self
    }

    /// Sends queued mail within each request that queues it (the Lambda).
    pub fn with_inline_mailer(mut self, mailer: Arc<dyn mail::Mailer>) -> Self {
        self.inline_mailer = Some(mailer);
        self
    }

    /// After a write that queued mail: send it now (Lambda) or wake the flusher (serve).
    pub async fn mail_queued(&self) {
        match &self.inline_mailer {
            Some(mailer) => {
                let now = self.clock.now().unix_timestamp();
                let flush = mail::flush_outbox(self.store.as_ref(), mailer.as_ref(), now);
                match tokio::time::timeout(std::time::Duration::from_secs(5), flush).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "inline mail flush failed; the schedule will retry"),
                    Err(_) => tracing::warn!("inline mail flush timed out; the schedule will retry"),
                }
            }
            None => self.outbox.wake(),
        }
    }
}

/// Every route of tepei.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(routes::health))
        .route("/api/eligibility", post(routes::eligibility::check))
        .route(
            "/api/applications",
            post(routes::applications::submit).layer(DefaultBodyLimit::max(MULTIPART_BODY_LIMIT)),
        )
        .route("/api/tasks/flush-outbox", post(routes::tasks::flush_outbox))
        .route("/status/{token}", get(routes::record::status).post(routes::decide::applicant))
        .route("/review/{token}", get(routes::record::review).post(routes::decide::review))
        .route("/review/{token}/renew", post(routes::links::renew))
        .route("/review/{token}/files/{index}", get(routes::record::review_file))
        .route("/status/{token}/files/{index}", get(routes::record::status_file))
        .route("/status/{token}/print", get(routes::print::status_print))
        .route("/review/{token}/print", get(routes::print::review_print))
        .route("/verify/{code}", get(routes::print::verify_page))
        .route("/api/status-link", post(routes::links::status_link))
        .route("/dashboard", get(routes::dashboard::request_page).post(routes::dashboard::request_link))
        .route("/dashboard/{token}", get(routes::dashboard::show))
        .route("/dashboard/{token}/summary.xlsx", get(routes::dashboard::summary_xlsx))
        .route("/dashboard/{token}/summary.csv", get(routes::dashboard::summary_csv))
        .route("/dashboard/{token}/send", post(routes::dashboard::send_summary))
        .route("/api/uploads", post(routes::uploads::target))
        .route(
            "/api/uploads/local/{token}",
            post(routes::uploads::local).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        );
    let upload_origin = state.blobs.as_ref().and_then(|b| b.upload_origin());
    let csp = headers::csp(upload_origin.as_deref());
    let router = match &state.site_dir {
        Some(dir) => api.fallback_service(routes::statics::service(dir)),
        None => api.fallback(routes::not_found),
    };
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(csp, headers::security_headers))
        .with_state(state)
}

/// The Router as the Lambda serves it: [`app`] behind a layer that removes the API Gateway stage
/// (`/prod/api/health` -> `/api/health`) when the event's path carries it.
pub fn lambda_app(state: AppState) -> Router {
    // A layer on the Router itself runs after routing; wrapping it runs the rewrite first.
    let rewritten = tower::Layer::layer(&axum::middleware::map_request(strip_stage), app(state));
    Router::new().fallback_service(rewritten)
}

async fn strip_stage(mut request: axum::extract::Request) -> axum::extract::Request {
    use lambda_http::request::RequestContext;
    let stage = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| s != "$default" && !s.is_empty()) else { return request };
    let prefix = format!("/{stage}");
    let uri = request.uri();
    if let Some(rest) = uri.path().strip_prefix(&prefix).filter(|r| r.starts_with('/')) {
        let rest = match uri.query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_owned(),
        };
        if let Ok(new) = rest.parse() {
            *request.uri_mut() = new;
        }
    }
    request
}
