//! The person's rights behind the status link: 下载我的数据 and 删除我的申报.

use crate::AppState;
use crate::http::body::LenientForm;
use crate::http::extract::{ClientAddr, SameSite};
use crate::http::status_link::StatusLink;
use crate::http::{AppError, Page};
use crate::views::{self};
use crate::workflow::{self, Error};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use policy::{Action, Actor};
use serde::{Deserialize, Serialize};

/// What 下载我的数据 shows.
#[derive(Serialize)]
struct DataPage<'a> {
    data: workflow::mydata::MyData,
    json_url: String,
    back: &'a str,
}

/// `GET /status/{token}/data`: everything held about the applicant, as a page, or as a JSON file
/// with `?format=json`.
pub async fn my_data(
    State(state): State<AppState>,
    link: StatusLink,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    // Read leniently: `format=json` anywhere asks for the file; anything else is the page.
    let as_file = query.as_deref().is_some_and(|q| q.split('&').any(|pair| pair == "format=json"));
    let (record, events) = (&link.record, &link.events);
    let back = format!("/status/{}", link.token);
    let data = workflow::mydata::my_data(&state, record, events, &format!("{back}/files"))?;
    if as_file {
        let disposition = format!("attachment; filename=\"my-data-{}.json\"", record.reference);
        let headers = [
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (axum::http::header::CACHE_CONTROL, "private, no-store".to_owned()),
        ];
        return Ok((headers, Json(data)).into_response());
    }
    let page = DataPage { data, json_url: format!("{back}/data?format=json"), back: &back };
    Ok(Page::typed("mydata.html", "我的数据", &page)?.into_response())
}

/// What 删除我的申报 shows before it is done.
#[derive(Serialize)]
struct ErasePage<'a> {
    record: views::RecordView,
    /// Erased at once (before the centre's decision).
    allowed: bool,
    /// After the decision: asked of the centre.
    may_request: bool,
    /// Asked before, not yet answered: when (Beijing time).
    requested_at: Option<String>,
    withdraws: bool,
    holds_place: bool,
    reason: String,
    data_url: String,
    action: &'a str,
    back: &'a str,
}

/// `GET /status/{token}/erase`: what erasing does, and the button that does it (after the
/// centre's decision, the request to the centre).
pub async fn erase_page(State(state): State<AppState>, link: StatusLink) -> Result<Response, AppError> {
    let record = &link.record;
    let back = format!("/status/{}", link.token);
    let action = format!("{back}/erase");
    let page = ErasePage {
        record: views::record(&state.programme, record),
        allowed: workflow::mydata::may_erase(record),
        may_request: workflow::mydata::may_request_erasure(record),
        requested_at: record.erasure_pending().map(views::chinese_time),
        withdraws: policy::step(record.status, Actor::Applicant, Action::Withdraw).is_some(),
        holds_place: record.status.holds_place(),
        reason: format!(
            "这份申报的个人信息已删除。如有疑问，请联系{}。",
            state.programme.contact.line(&state.programme.notice_issuer)
        ),
        data_url: format!("{back}/data"),
        action: &action,
        back: &back,
    };
    Ok(Page::typed("erase.html", "删除我的申报", &page)?.into_response())
}

/// The erase confirmation form.
#[derive(Deserialize, Default)]
pub struct EraseForm {
    #[serde(default)]
    version: Option<u64>,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /status/{token}/erase`: before the centre's decision, withdraws (if it can) and erases
/// the application at once; after it, asks the centre to erase it.
pub async fn erase(
    State(state): State<AppState>,
    _: SameSite,
    link: StatusLink,
    ClientAddr(client): ClientAddr,
    LenientForm(form): LenientForm<EraseForm>,
) -> Result<Response, AppError> {
    let (record, events) = (&link.record, &link.events);
    if form.confirm.is_none() {
        return Err(Error::Incomplete {
            title: "请确认删除", message: "请勾选确认后再提交；删除后不能恢复。".into()
        }
        .into());
    }
    let expected = form.version.unwrap_or(0);
    let back = crate::http::Offer::Back { url: format!("/status/{}", link.token), title: "返回进度页".into() };
    let home = crate::http::Offer::Back { url: "/".into(), title: "返回首页".into() };
    let done = match workflow::mydata::erase_or_request(&state, record, events, expected, &client).await? {
        workflow::mydata::Erasure::Erased => crate::http::Message::ok(
            "申报已删除",
            &format!(
                "申报 {} 已撤回，您的个人信息和证明材料已从本站删除。本站只保留不能识别您的统计信息。",
                record.reference
            ),
        )
        .offer(home),
        workflow::mydata::Erasure::Requested => crate::http::Message::ok(
            "删除申请已提交",
            &format!(
                "已收到您删除申报 {} 个人信息的申请。由{}的账号代为核实处理（本站设置）：删除，或在进度页说明不予删除的理由，并邮件告知您。如有疑问，请联系{}。",
                record.reference,
                state.programme.centre.name,
                state.programme.contact.line(&state.programme.notice_issuer)
            ),
        )
        .offer(back),
    };
    Ok(done.into_response())
}
