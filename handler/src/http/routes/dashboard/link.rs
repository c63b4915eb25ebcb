//! `/dashboard`: a configured address asks for its dashboard links; what every dashboard route
//! shares (the audience a link names, the way back under a refusal).

use crate::AppState;
use crate::http::body::SmallForm;
use crate::http::extract::{ClientAddr, Linked, SameSite};
use crate::http::{AppError, Message, Offer, Page};
use crate::workflow::dashboard::Audience;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use policy::DashboardClaims;
use serde::Deserialize;

/// `GET /dashboard`: the form that asks for a dashboard link.
pub async fn request_page() -> Page {
    Page::new("dashboard_request.html", "申报汇总查看链接", tera::Context::new())
}

const SAME_ANSWER: &str = "如果该邮箱是已登记的盟市人社部门、厅局（高校）或自治区人事人才公共服务中心邮箱，查看链接已发送到该邮箱，请查收（包括垃圾邮件文件夹）。同一邮箱每10分钟最多发送一次。";

/// The address asking for its links.
#[derive(Deserialize, Default)]
pub struct LinkRequest {
    #[serde(default)]
    email: String,
}

/// `POST /dashboard`: mails the dashboard link(s) of a configured address to that address; the
/// same answer whatever the address.
pub async fn request_link(
    State(state): State<AppState>,
    _: SameSite,
    ClientAddr(client): ClientAddr,
    form: SmallForm<LinkRequest>,
) -> Result<Response, AppError> {
    let json = form.json;
    crate::workflow::limits::check(&state, crate::workflow::limits::RESEND_PER_CLIENT, &client)
        .await
        .map_err(|e| AppError::from(e).json_if(json))?;
    let email = form.value.email.trim().to_ascii_lowercase();
    if email.is_empty() {
        return Err(AppError::unprocessable("missing", "请填写电子邮箱", "请填写电子邮箱").json_if(json));
    }
    crate::workflow::resend::dashboard_links(&state, &email).await.map_err(|e| AppError::from(e).json_if(json))?;
    Ok(if json {
        (StatusCode::ACCEPTED, Json(serde_json::json!({"status": "accepted", "message": SAME_ANSWER}))).into_response()
    } else {
        Message::ok("已受理", SAME_ANSWER).into_response()
    })
}

/// The audience a verified dashboard link names.
pub(super) fn audience(state: &AppState, link: &Linked<DashboardClaims>) -> Result<Audience, AppError> {
    Audience::from_id(&link.claims.scope, &state.programme, &state.reviewers)
        .ok_or_else(|| AppError::new(StatusCode::GONE, "gone", "链接已失效", "这个查看范围已不存在，请重新获取链接。"))
}

/// The link back to the dashboard at `base` offered under a refusal.
pub(super) fn back_to(base: &str) -> Offer {
    Offer::Back { url: base.to_owned(), title: "返回审核工作台".into() }
}
