//! The application handler. [`app`] is the only place routes are assembled: `tepei serve` runs it
//! beside the generated site, and the Lambda `bootstrap` wraps the same Router.

mod clock;
mod headers;
mod pages;
mod routes;

pub use clock::Clock;
pub use pages::Pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use policy::Programme;
use std::path::PathBuf;
use std::sync::Arc;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Everything a request needs, built once at start.
#[derive(Clone)]
pub struct AppState {
    /// The rules of the round.
    pub programme: Arc<Programme>,
    /// The shared templates with the programme's view.
    pub pages: Arc<Pages>,
    /// The clock (system time, or a trial clock under `serve --now`).
    pub clock: Clock,
    /// The generated site to serve as static files (`serve` only; on AWS the CDN serves it).
    pub site_dir: Option<PathBuf>,
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
    /// State from the programme and config embedded at compile time.
    pub fn embedded(clock: Clock, site_dir: Option<PathBuf>) -> Result<Self, StartError> {
        let programme = Programme::embedded().map_err(|e| StartError(e.to_string()))?;
        let config = theme::Config::embedded().map_err(StartError)?;
        let pages =
            Pages::new(&programme, config).map_err(|e| StartError(theme::error_chain(&e)))?;
        Ok(Self {
            programme: Arc::new(programme),
            pages: Arc::new(pages),
            clock,
            site_dir,
        })
    }
}

/// Every route of tepei.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/health", get(routes::health))
        .route("/api/eligibility", post(routes::eligibility::check));
    let router = match &state.site_dir {
        Some(dir) => api.fallback_service(routes::statics::service(dir)),
        None => api.fallback(routes::not_found),
    };
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}
