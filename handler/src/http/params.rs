//! The query string, parsed once into the route's type: an address no link of ours makes (a
//! parameter twice, a value of the wrong shape) is a 400 page in Chinese, not axum's plain text.

use crate::http::AppError;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The query string as `T`.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(Self(value)),
            Err(e) => {
                tracing::info!(error = %e.body_text(), "query string refused");
                Err(AppError::bad_request("网址中的参数无法识别。请从邮件或页面上的链接重新打开。"))
            }
        }
    }
}
