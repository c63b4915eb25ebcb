//! `POST /api/status-link`: the applicant who lost the mail asks for the status link again. The
//! answer is the same whatever matched; the link goes only to the address on the application.

use crate::AppState;
use crate::http::body::SmallForm;
use crate::http::extract::{ClientAddr, SameSite};
use crate::http::{AppError, Message};
use crate::workflow::resend;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Reference (or, when the mail with it was lost too, the 身份证号) and address, as typed.
#[derive(Deserialize, Default)]
pub struct Lookup {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    email: String,
}

const SAME_ANSWER: &str = "如果所填信息与申报记录相符，进度查询链接已发送到申报时填写的邮箱，请查收（包括垃圾邮件文件夹）。同一申报每10分钟最多发送一次。";

/// Mails the status link again to the address on the application.
pub async fn status_link(
    State(state): State<AppState>,
    _: SameSite,
    ClientAddr(client): ClientAddr,
    form: SmallForm<Lookup>,
) -> Result<Response, AppError> {
    let json = form.json;
    crate::workflow::limits::check(&state, crate::workflow::limits::RESEND_PER_CLIENT, &client)
        .await
        .map_err(|e| AppError::from(e).json_if(json))?;
    let reference = form.value.reference.trim().to_ascii_uppercase();
    let id_number = form.value.id_number.trim();
    let email = form.value.email.trim();
    let missing = |message: &str| AppError::unprocessable("missing", "请填写完整", message).json_if(json);
    if email.is_empty() || (reference.is_empty() && id_number.is_empty()) {
        return Err(missing("请填写申报编号（或居民身份证号码）和申报时填写的电子邮箱"));
    }
    let parsed;
    let asked = if reference.is_empty() {
        parsed = policy::IdNumber::parse(id_number).map_err(|e| {
            let mut refused = AppError::unprocessable("invalid", "请修改后再提交", "居民身份证号码有误");
            refused.set_errors(vec![policy::Reason::new("id_number", e.to_string())]);
            refused.json_if(json)
        })?;
        resend::Asked::IdNumber(&parsed)
    } else {
        resend::Asked::Reference(&reference)
    };
    resend::status_link(&state, asked, email).await.map_err(|e| AppError::from(e).json_if(json))?;
    Ok(if json {
        (StatusCode::ACCEPTED, Json(serde_json::json!({"status": "accepted", "message": SAME_ANSWER}))).into_response()
    } else {
        Message::ok("已受理", SAME_ANSWER).into_response()
    })
}
