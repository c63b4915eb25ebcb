//! The generated site as static files, for `tepei serve`.

use axum::http::{HeaderValue, header};
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Serves `dir`, with its `404.html` (status 404) for anything missing. Hashed assets are cached
/// for a year; pages are revalidated.
pub fn service(
    dir: &Path,
) -> impl tower::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send + 'static,
> + Clone
+ Send
+ Sync
+ 'static {
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .not_found_service(ServeFile::new(dir.join("404.html")));
    let assets_prefix = "/assets/";
    tower::service_fn(move |request: axum::extract::Request| {
        let files = files.clone();
        let immutable = request.uri().path().starts_with(assets_prefix);
        async move {
            let mut response = files.oneshot(request).await.map(|r| r.map(axum::body::Body::new))?;
            let value = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
            Ok(response)
        }
    })
}
