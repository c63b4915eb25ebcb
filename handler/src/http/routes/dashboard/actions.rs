//! What a dashboard does to one application: HR records paper, the centre voids and answers
//! erasure requests.

use super::link::{audience, back_to};
use super::show::{Refused, ShowQuery, render};
use crate::AppState;
use crate::http::AppError;
use crate::http::body::LenientForm;
use crate::http::extract::{ClientAddr, Linked, SameSite};
use crate::workflow::dashboard::Audience;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use policy::{DashboardClaims, Reason};
use serde::Deserialize;

/// A stamped paper entered on the dashboard: its 申报编号 and its 核验码 as printed, or the
/// address under its QR code alone.
#[derive(Deserialize, Default)]
pub struct PaperForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    code: String,
}

/// `POST /dashboard/{token}/paper`: HR records a stamped paper 申报表 from the dashboard (a pile
/// of paper, one after another) by its 申报编号 and 核验码 as printed, or by the address under
/// its QR code, as on the review page; back to the dashboard saying which application it was. A
/// refusal shows the dashboard again with the form as typed and why.
pub async fn receive_paper(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<DashboardClaims>,
    ClientAddr(client): ClientAddr,
    LenientForm(form): LenientForm<PaperForm>,
) -> Result<Response, AppError> {
    let audience = audience(&state, &link)?;
    let base = format!("/dashboard/{}", link.token);
    let refused = |status: StatusCode, errors: Vec<Reason>| {
        let entry = Refused {
            form: "paper",
            reference: form.reference.clone(),
            code: form.code.clone(),
            errors,
            ..Refused::default()
        };
        let (state, link) = (state.clone(), &link);
        async move {
            let query = ShowQuery::default();
            Ok::<Response, AppError>(render(&state, link, &query, &entry).await?.status(status).into_response())
        }
    };
    // The address under the QR code names its application; a code as printed needs the 申报编号.
    let typed = form.reference.trim().to_ascii_uppercase();
    let reference = match crate::workflow::paper::reference_of(&state, &form.code) {
        // A 申报编号 typed that the QR address contradicts: two papers mixed up, most likely.
        Some(named) if !typed.is_empty() && typed != named => {
            let why = Reason::new(
                "reference",
                format!("填写的申报编号{typed}与二维码地址中的申报编号{named}不一致，请核对是否是同一份纸质申报表。"),
            );
            return refused(StatusCode::UNPROCESSABLE_ENTITY, vec![why]).await;
        }
        Some(named) => named,
        None if typed.is_empty() => {
            let why = Reason::new("reference", "请填写纸质申报表上的申报编号（如 TP2025-ABC234）。");
            return refused(StatusCode::UNPROCESSABLE_ENTITY, vec![why]).await;
        }
        None => typed,
    };
    let loaded = crate::workflow::load(&state, &reference).await;
    // Only this dashboard's own applications; another's is answered as one never made, so the
    // form tells no one which numbers exist elsewhere (found by the red team).
    let (record, events) = match loaded {
        Ok((record, events)) if audience == Audience::Hr(record.scope()) => (record, events),
        Ok(_) | Err(crate::workflow::Error::NotFound) => {
            let why = Reason::new(
                "reference",
                format!("本单位审核范围内找不到申报编号为{reference}的申报，请核对纸质申报表上的申报编号。"),
            );
            return refused(StatusCode::UNPROCESSABLE_ENTITY, vec![why]).await;
        }
        Err(e) => return Err(AppError::from(e).offer(back_to(&base))),
    };
    let done = crate::workflow::decide::receive_paper(&state, &record, &events, record.version, &form.code, &client);
    match done.await {
        Ok(_) => Ok(Redirect::to(&format!("{base}?paper={reference}")).into_response()),
        Err(crate::workflow::Error::Invalid(errors)) => refused(StatusCode::UNPROCESSABLE_ENTITY, errors).await,
        Err(crate::workflow::Error::Paper(message)) => {
            refused(StatusCode::CONFLICT, vec![Reason::new("code", message)]).await
        }
        Err(e) => Err(AppError::from(e).offer(back_to(&base))),
    }
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
    let (record, events) = match crate::workflow::load(state, &reference).await {
        // A reference typed by hand: the form's mistake (as on the paper form), not a 404.
        Err(crate::workflow::Error::NotFound) => {
            let message = format!("找不到申报编号为{reference}的申报，请核对申报编号。");
            return Err(back(AppError::unprocessable("unknown_reference", "申报不存在", message)));
        }
        loaded => loaded.map_err(|e| back(e.into()))?,
    };
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
    let refused = ("不能作废", "本站设置：只有自治区人事人才公共服务中心的账号可以作废申报。");
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
    let refused = ("不能处理删除申请", "本站设置：只有自治区人事人才公共服务中心的账号可以处理删除个人信息的申请。");
    let (base, record, events) = centre_record(&state, &link, &form.reference, refused).await?;
    let back = |e: AppError| e.offer(back_to(&base));
    let reference = &record.reference;
    let workflow_error = |e: crate::workflow::Error| back(e.into());
    // A refusal: the dashboard again, this request's form as sent, the reason beside its field.
    let refused = |field: &str, message: String| {
        let entry = Refused {
            form: "erase",
            reference: reference.clone(),
            answer: form.answer.clone(),
            reason: form.reason.clone(),
            errors: vec![Reason::new(&format!("erase-{field}-{reference}"), message)],
            ..Refused::default()
        };
        let (state, link) = (state.clone(), &link);
        async move {
            let page = render(&state, link, &ShowQuery::default(), &entry).await?;
            Ok::<Response, AppError>(page.status(StatusCode::UNPROCESSABLE_ENTITY).into_response())
        }
    };
    match form.answer.as_str() {
        "erase" if form.confirm.is_some() => {
            crate::workflow::mydata::erase_on_request(&state, &record, &events).await.map_err(workflow_error)?;
            Ok(Redirect::to(&format!("{base}?erased={reference}#erasure-title")).into_response())
        }
        "erase" => refused("confirm", "删除后不能恢复。请勾选“确认删除”后再提交。".into()).await,
        "decline" => {
            match crate::workflow::decide::decline_erasure(&state, &record, &events, &form.reason, &client).await {
                Ok(()) => Ok(Redirect::to(&format!("{base}?declined={reference}#erasure-title")).into_response()),
                Err(crate::workflow::Error::Invalid(reasons)) => {
                    let message = reasons.into_iter().next().map(|r| r.message).unwrap_or_default();
                    refused("reason", message).await
                }
                Err(e) => Err(workflow_error(e)),
            }
        }
        _ => refused("answer", "请选择处理结果：“删除”或“不予删除”。".into()).await,
    }
}
