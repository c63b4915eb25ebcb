//! HTTP: extractors, the error type, tracing and security headers, and one route module per
//! resource. Routes call `workflow` and `views`; they never import each other.

pub mod body;
pub mod error;
pub mod extract;
pub mod headers;
pub mod page;
pub mod params;
pub mod routes;
#[cfg(feature = "site")]
pub mod statics;
pub mod status_link;
pub mod trace;

pub use error::AppError;
pub use page::{Message, Offer, Page, RetryAfter};
