//! What a dashboard does to one application: HR records paper, the centre voids and answers
//! erasure requests.

use super::link::{audience, back_to};
use crate::AppState;
use crate::http::AppError;
use crate::http::body::LenientForm;
use crate::http::extract::{ClientAddr, Linked, SameSite};
use crate::workflow::dashboard::Audience;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use policy::DashboardClaims;
use serde::Deserialize;

/// A paper code entered on the dashboard.
#[derive(Deserialize, Default)]
pub struct PaperForm {
    #[serde(default)]
    code: String,
}

/// `POST /dashboard/{token}/paper`: HR records a stamped paper 申报表 by its printed check code
/// from the dashboard (a pile of paper, one code after another), as on the review page; back to
/// the dashboard saying which application it was.
pub async fn receive_paper(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<DashboardClaims>,
    ClientAddr(client): ClientAddr,
    LenientForm(form): LenientForm<PaperForm>,
) -> Result<Response, AppError> {
    let audience = audience(&state, &link)?;
    let base = format!("/dashboard/{}", link.token);
    let back = |e: crate::workflow::Error| AppError::from(e).offer(back_to(&base));
    let code = crate::workflow::paper::normalise_code(&form.code);
    let reference = crate::workflow::paper::read_code(&state, &code).map(|(r, _)| r.to_owned()).ok_or_else(|| {
        AppError::unprocessable("invalid_code", "核验码不正确", crate::workflow::paper::INVALID_CODE)
            .offer(back_to(&base))
    })?;
    let (record, events) = crate::workflow::load(&state, &reference).await.map_err(back)?;
    // Only this dashboard's own applications.
    if audience != Audience::Hr(record.scope()) {
        return Err(back(crate::workflow::Error::Paper(format!("申报{reference}不属于本单位审核范围。"))));
    }
    crate::workflow::decide::receive_paper(&state, &record, &events, record.version, &code, &client)
        .await
        .map_err(back)?;
    Ok(Redirect::to(&format!("{base}?paper={reference}")).into_response())
}

/// For the centre's own actions: the dashboard's address and the application `reference` with
/// its events; any other dashboard is refused with `refused` (title, message).
async fn centre_record(
    state: &AppState,
    link: &Linked<DashboardClaims>,
    reference: &str,
    refused: (&'static str, &'static str),
) -> Result<(String, crate::store::Record, Vec<crate::store::Event>), AppError> {
    let base = format!("/dashboard/{}", link.token);
    let back = |e: AppError| e.offer(back_to(&base));
    if audience(state, link)? != Audience::Centre {
        return Err(back(AppError::new(StatusCode::FORBIDDEN, "not_allowed", refused.0, refused.1)));
    }
    let reference = reference.trim().to_ascii_uppercase();
    let (record, events) = crate::workflow::load(state, &reference).await.map_err(|e| back(e.into()))?;
    Ok((base, record, events))
}

/// The centre's 作废 form.
#[derive(Deserialize, Default)]
pub struct VoidForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    reason: String,
}

/// `POST /dashboard/{token}/void`: the centre voids an application (a 身份证号 used by someone
/// else, for instance) with a reason, audited; the number is freed. Back to the dashboard.
pub async fn void(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<DashboardClaims>,
    ClientAddr(client): ClientAddr,
    LenientForm(form): LenientForm<VoidForm>,
) -> Result<Response, AppError> {
    let refused = ("不能作废", "只有自治区人事人才公共服务中心可以作废申报。");
    let (base, record, events) = centre_record(&state, &link, &form.reference, refused).await?;
    let back = |e: AppError| e.offer(back_to(&base));
    let reference = &record.reference;
    crate::workflow::decide::void(&state, &record, &events, &form.reason, &client).await.map_err(|e| back(e.into()))?;
    Ok(Redirect::to(&format!("{base}?voided={reference}")).into_response())
}

/// The centre's answer to an erasure request.
#[derive(Deserialize, Default)]
pub struct ErasureAnswer {
    #[serde(default)]
    reference: String,
    /// `erase` or `decline`.
    #[serde(default)]
    answer: String,
    /// Why not (to decline).
    #[serde(default)]
    reason: String,
    /// The centre confirms the erasure.
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /dashboard/{token}/erase`: the centre answers an applicant's erasure request made after
/// its decision: erases the personal data and files (confirmed), or declines with a reason
/// mailed to the applicant. Back to the dashboard.
pub async fn answer_erasure(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<DashboardClaims>,
    ClientAddr(client): ClientAddr,
    LenientForm(form): LenientForm<ErasureAnswer>,
) -> Result<Response, AppError> {
    let refused = ("不能处理删除申请", "只有自治区人事人才公共服务中心可以处理删除个人信息的申请。");
    let (base, record, events) = centre_record(&state, &link, &form.reference, refused).await?;
    let back = |e: AppError| e.offer(back_to(&base));
    let reference = &record.reference;
    let workflow_error = |e: crate::workflow::Error| back(e.into());
    match form.answer.as_str() {
        "erase" if form.confirm.is_some() => {
            crate::workflow::mydata::erase_on_request(&state, &record, &events).await.map_err(workflow_error)?;
            Ok(Redirect::to(&format!("{base}?erased={reference}#erasure-title")).into_response())
        }
        "erase" => Err(back(
            crate::workflow::Error::Incomplete {
                title: "请确认删除",
                message: "删除后不能恢复。请勾选“确认删除”后再提交。".into(),
            }
            .into(),
        )),
        "decline" => {
            crate::workflow::decide::decline_erasure(&state, &record, &events, &form.reason, &client)
                .await
                .map_err(workflow_error)?;
            Ok(Redirect::to(&format!("{base}?declined={reference}#erasure-title")).into_response())
        }
        _ => Err(back(
            crate::workflow::Error::Incomplete {
                title: "请选择处理结果",
                message: "请选择“删除”或“不予删除”。".into(),
            }
            .into(),
        )),
    }
}
