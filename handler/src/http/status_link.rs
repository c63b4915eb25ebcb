//! The applicant's status link, checked against the record: it stands while the applicant's
//! proven address is the one it was mailed to.

use crate::AppState;
use crate::http::AppError;
use crate::http::body::accepts_json;
use crate::http::extract::verified;
use crate::store::{Event, Record};
use crate::workflow::{self, links};
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use policy::StatusClaims;

/// A status link, verified and checked against its application, read once for the route: the
/// claims, the token, the record as it is now and its events. A route takes a status link only as
/// this, so none can forget the check.
pub struct StatusLink {
    /// The verified claims.
    pub claims: StatusClaims,
    /// The token as it came.
    pub token: String,
    /// The application as it is now.
    pub record: Record,
    /// Its events.
    pub events: Vec<Event>,
}

/// A status link stands while the applicant's proven address is the one it was mailed to: once
/// a new address is proven, links held by the old mailbox open nothing (found by the red team:
/// they kept 下载我的数据, 撤回 and 删除). 410, saying where the current link went. An application no
/// longer stored: 404, as the routes said it before.
impl FromRequestParts<AppState> for StatusLink {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (claims, token) = verified::<StatusClaims>(parts, state).await?;
        let json = accepts_json(&parts.headers);
        let (record, events) =
            workflow::load(state, &claims.reference).await.map_err(|e| AppError::from(e).json_if(json))?;
        if !links::status_stands(state, &claims, &record) {
            return Err(AppError::new(
                StatusCode::GONE,
                "address_changed",
                "此链接已失效",
                "这份申报的申报人邮箱已更换并验证，发到原邮箱的进度查询链接已失效。请使用发到新邮箱的链接；找不到时，可在“进度查询”页面用申报编号和新邮箱重新获取。",
            )
            .json_if(json));
        }
        Ok(Self { claims, token, record, events })
    }
}
