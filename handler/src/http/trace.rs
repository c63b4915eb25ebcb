//! Request tracing: a span per request carrying the method, the matched route (never the path,
//! which holds link tokens) and a request id — the Lambda's request id on AWS, a random one
//! elsewhere — returned to the client as `x-request-id`. Log lines carry references and ids,
//! never personal data.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The header carrying the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: the Lambda's own where the request came through the runtime, else random.
#[derive(Clone, Copy, Default)]
pub struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, request: &axum::http::Request<B>) -> Option<RequestId> {
        #[cfg(feature = "aws")]
        if let Some(ctx) = request.extensions().get::<lambda_http::Context>() {
            return ctx.request_id.parse().ok().map(RequestId::new);
        }
        let _ = request;
        crate::ids::random_id().parse().ok().map(RequestId::new)
    }
}

/// The span of one request.
fn span(request: &Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map_or("(unmatched)", MatchedPath::as_str);
    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", method = %request.method(), route, request_id = id)
}

/// Applies tracing and request ids to `router`: the id is set first, so the span carries it.
pub fn layer<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    router
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeId))
}
