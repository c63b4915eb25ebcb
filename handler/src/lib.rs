//! The application handler. [`app`] is the only place routes are assembled: `tepei serve` runs it
//! beside the generated site, and the Lambda `bootstrap` wraps the same Router.
//!
//! Layers, each importing only those after it: `http` (routes, extractors, errors) →
//! `workflow` (what tepei does; no axum, no adapter) → `views`, `policy` and the ports
//! (`store`, `mail`, `blobs`) ← the adapters behind those ports. See ARCHITECTURE.md.

pub mod alarm;
pub mod blobs;
mod chain;
mod clock;
pub mod config;
pub mod http;
pub mod ids;
#[cfg(feature = "aws")]
pub mod lambda;
pub mod mail;
pub mod personal;
mod settings;
mod state;
pub mod store;
pub mod views;
pub mod workflow;

pub use chain::Chain;
pub use clock::Clock;
pub use config::StartError;
pub use settings::Settings;
pub use state::AppState;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use http::routes;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Largest application with files posted as one multipart form (the no-JS path): API Gateway
/// hands the Lambda a body base64-encoded (4/3 larger) inside an event of at most 6 MB, so about
/// 4.3 MB of form is what reaches it. The same limit holds under `serve`; the form says 4 MB.
pub const MULTIPART_BODY_LIMIT: usize = 4_300_000;
/// Largest upload body: one file of the largest allowed size plus multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = 10 * 1024 * 1024 + 64 * 1024;

/// Every route of tepei.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(routes::health))
        .route("/api/eligibility", post(routes::eligibility::check))
        .route(
            "/api/applications",
            post(routes::applications::submit).layer(DefaultBodyLimit::max(MULTIPART_BODY_LIMIT)),
        )
        .route("/apply/check", post(routes::applications::check).layer(DefaultBodyLimit::max(MULTIPART_BODY_LIMIT)))
        .route("/apply/confirm", post(routes::applications::confirm))
        .route("/api/tasks/flush-outbox", post(routes::tasks::flush_outbox))
        .route("/confirm/{token}", get(routes::confirm::show).post(routes::confirm::confirm))
        .route(
            "/status/{token}",
            get(routes::status::show).post(routes::status::act).layer(DefaultBodyLimit::max(MULTIPART_BODY_LIMIT)),
        )
        .route("/review/{token}", get(routes::review::show).post(routes::review::decide))
        .route("/review/{token}/renew", post(routes::review::renew))
        .route("/review/{token}/files/{index}", get(routes::files::review_file))
        .route("/status/{token}/files/{index}", get(routes::files::status_file))
        .route("/status/{token}/print", get(routes::paper::status_print))
        .route("/status/{token}/withdraw", get(routes::status::withdraw))
        .route("/status/{token}/data", get(routes::status::my_data))
        .route(
            "/status/{token}/erase",
            get(routes::status::erase_page).post(routes::status::erase).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/review/{token}/print", get(routes::paper::review_print))
        .route("/verify/{code}", get(routes::paper::verify))
        .route("/api/status-link", post(routes::links::status_link))
        .route("/dashboard", get(routes::dashboard::request_page).post(routes::dashboard::request_link))
        .route("/dashboard/{token}", get(routes::dashboard::show))
        .route("/dashboard/{token}/summary.xlsx", get(routes::dashboard::summary_xlsx))
        .route("/dashboard/{token}/summary.csv", get(routes::dashboard::summary_csv))
        .route("/dashboard/{token}/paper", post(routes::dashboard::receive_paper))
        .route("/dashboard/{token}/void", post(routes::dashboard::void))
        .route("/dashboard/{token}/erase", post(routes::dashboard::answer_erasure))
        .route("/dashboard/{token}/send", get(routes::dashboard::confirm_send).post(routes::dashboard::send_summary))
        .route("/api/uploads", post(routes::uploads::target))
        .route(
            "/api/uploads/local/{token}",
            post(routes::uploads::local).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        );
    let upload_origin = state.blobs.as_ref().and_then(|b| b.upload_origin());
    let policy =
        http::headers::Policy { csp: http::headers::csp(upload_origin.as_deref()), hsts: state.settings.https() };
    let pages = state.pages.clone();
    #[cfg(feature = "site")]
    let router = match state.site.clone() {
        Some(files) => api.fallback(move |request: axum::extract::Request| files.clone().fallback(request)),
        None => api.fallback(routes::not_found),
    };
    #[cfg(not(feature = "site"))]
    let router = api.fallback(routes::not_found);
    let router = router
        .layer(axum::middleware::from_fn_with_state(pages, http::page::render_pages))
        .layer(DefaultBodyLimit::max(BODY_LIMIT));
    http::trace::layer(router)
        .layer(axum::middleware::from_fn_with_state(policy, http::headers::security_headers))
        .with_state(state)
}
