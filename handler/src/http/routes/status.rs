//! `GET /status/{token}` (the applicant's page, or JSON) and `POST /status/{token}` (withdraw,
//! or resubmit a returned application). A status link can never approve.

use crate::AppState;
use crate::http::extract::{
    ClientAddr, Encoding, FormBody, Linked, Negotiated, SameSite, accepts_json, attachment_fields, read_multipart,
};
use crate::http::{AppError, Page};
use crate::store::{Event, Record};
use crate::views::{self, FormState, NextStep, RecordJson, RecordPage};
use crate::workflow::decide::{self, Decision, Documents};
use crate::workflow::{self, Error};
use axum::Json;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use policy::{Action, Actor, ApplicationForm, Reason, StatusClaims};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `?confirmed=1` after the applicant confirmed their address.
#[derive(Deserialize, Default)]
pub struct StatusQuery {
    confirmed: Option<String>,
}

/// The edit form of a returned application, posting back to the status link with the version
/// it was shown for.
#[derive(Serialize)]
struct ResubmitForm<'a> {
    #[serde(flatten)]
    form: FormState<'a>,
    /// The 身份证号 as shown: masked, and not editable.
    masked_id: String,
    form_action: String,
    form_version: u64,
    form_id: &'static str,
    form_submit: &'static str,
    /// The files held, each of which may be dropped (or replaced) in the resubmission.
    held_files: Vec<views::FileView>,
}

/// The status page.
#[derive(Serialize)]
struct StatusPage<'a> {
    #[serde(flatten)]
    record: RecordPage,
    #[serde(flatten)]
    resubmit: Option<ResubmitForm<'a>>,
    can_resubmit: bool,
    can_withdraw: bool,
    /// Documents may be added now (at unit review, where the deployment takes files).
    can_add_documents: bool,
    /// Why added documents were refused (the resubmission form carries its own list).
    #[serde(skip_serializing_if = "Option::is_none")]
    error_list: Option<&'a [Reason]>,
    /// Where the page's own forms post, with the version they were shown for.
    action: String,
    version: u64,
    withdraw_url: String,
    next: NextStep,
    /// Just confirmed: the unit has been mailed.
    confirmed: bool,
    /// Waiting for the applicant's confirmation: where the page's 确认提交 posts.
    confirm_url: Option<String>,
    email: &'a str,
    /// The submission files uploaded from this page are issued for.
    submission_id: &'a str,
    files_base: String,
    print_url: String,
    /// 下载我的数据.
    data_url: String,
    /// 删除我的申报.
    erase_url: String,
    can_erase: bool,
    /// After the centre's decision: the request to the centre.
    can_request_erasure: bool,
    /// A pending erasure request, when (Beijing time).
    erasure_requested_at: Option<String>,
    /// When the personal data was erased (Beijing time).
    erased_at: Option<String>,
}

fn status_page(
    state: &AppState,
    token: &str,
    record: &Record,
    events: &[Event],
    values: BTreeMap<String, String>,
    errors: &[Reason],
    confirmed: bool,
) -> Result<Page, AppError> {
    let can = |action| policy::step(record.status, Actor::Applicant, action).is_some();
    let can_resubmit = can(Action::Resubmit);
    let resubmit = can_resubmit.then(|| ResubmitForm {
        form: FormState::new(values, errors, state.programme.window_open_at(state.clock.now()), state.blobs.is_some()),
        masked_id: record.application.id_number.masked().to_owned(),
        form_action: format!("/status/{token}"),
        form_version: record.version,
        form_id: "resubmit-form",
        form_submit: "重新提交",
        held_files: views::attachments(&state.programme, record).files,
    });
    let uploads = state.blobs.is_some();
    let page = StatusPage {
        record: RecordPage::of(&state.programme, record, events),
        resubmit,
        can_resubmit,
        can_withdraw: can(Action::Withdraw),
        can_add_documents: uploads && record.status == policy::Status::UnitReview && can(Action::AddDocuments),
        error_list: (!can_resubmit).then_some(errors),
        action: format!("/status/{token}"),
        version: record.version,
        withdraw_url: format!("/status/{token}/withdraw"),
        next: views::next_step(&state.programme, record, workflow::paper::state(state, record, events)),
        confirmed,
        confirm_url: (record.status == policy::Status::Unconfirmed && !decide::lapsed(state, record))
            .then(|| workflow::links::confirm_path(state, &record.reference)),
        email: record.application.email.as_str(),
        submission_id: &record.submission_id,
        files_base: format!("/status/{token}/files"),
        // An erased record has nothing left to print.
        print_url: if record.erased_at.is_some() { String::new() } else { format!("/status/{token}/print") },
        data_url: format!("/status/{token}/data"),
        erase_url: format!("/status/{token}/erase"),
        can_erase: workflow::mydata::may_erase(record),
        can_request_erasure: workflow::mydata::may_request_erasure(record),
        erasure_requested_at: record.erasure_pending().map(views::chinese_time),
        erased_at: record.erased_at.as_deref().map(views::chinese_time),
    };
    Ok(Page::typed("status.html", "申报进度", &page)?)
}

/// The applicant's status page (or, for JSON clients, the record and its events).
pub async fn show(
    State(state): State<AppState>,
    link: Linked<StatusClaims>,
    Query(query): Query<StatusQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let json = accepts_json(&headers);
    let (record, events) =
        workflow::load(&state, &link.claims.reference).await.map_err(|e| AppError::from(e).json_if(json))?;
    if json {
        return Ok(Json(RecordJson::of(&record, &events)).into_response());
    }
    let values = prefill(&state, &record);
    Ok(status_page(&state, &link.token, &record, &events, values, &[], query.confirmed.is_some())?.into_response())
}

/// The edit form's values: the application as it stands, without the 身份证号 (no page carries it
/// in full; the resubmission keeps the stored one). The phone is opened (and logged) only when
/// the applicant may edit.
fn prefill(state: &AppState, record: &Record) -> BTreeMap<String, String> {
    let mut values = record.application.form_values();
    values.remove("id_number");
    if policy::step(record.status, Actor::Applicant, Action::Resubmit).is_some() {
        let keys = &state.settings.data_keys;
        match crate::personal::open_phone(keys, record, crate::personal::Purpose::ApplicantEdit, Actor::Applicant) {
            Ok(phone) => {
                values.insert("phone".to_owned(), phone.to_string());
            }
            Err(e) => {
                tracing::error!(reference = %record.reference, error = %crate::Chain(&e), "phone not opened for the edit form")
            }
        }
    }
    // Files uploaded from this page are issued for this application's submission.
    values.insert("submission_id".to_owned(), record.submission_id.clone());
    values
}

/// What the withdrawal confirmation shows.
#[derive(Serialize)]
struct WithdrawPage<'a> {
    record: views::RecordView,
    holds_place: bool,
    hr_name: String,
    reviewer: Option<&'static str>,
    reapply_until: Option<String>,
    action: String,
    back: &'a str,
}

/// `GET /status/{token}/withdraw`: what a withdrawal does, and the button that does it.
pub async fn withdraw(State(state): State<AppState>, link: Linked<StatusClaims>) -> Result<Response, AppError> {
    let (record, _) = workflow::load(&state, &link.claims.reference).await?;
    let back = format!("/status/{}", link.token);
    if policy::step(record.status, Actor::Applicant, Action::Withdraw).is_none() {
        return Ok(Redirect::to(&back).into_response());
    }
    let p = &state.programme;
    let now = state.clock.now();
    let reviewer = workflow::told_of_withdrawal(record.status);
    let page = WithdrawPage {
        record: views::record(p, &record),
        holds_place: record.status.holds_place(),
        hr_name: record.application.hr_scope().reviewer_name(p),
        reviewer: reviewer.map(Actor::label),
        reapply_until: p
            .stage_closes(Actor::Applicant)
            .filter(|close| p.stage_open_at(Actor::Applicant, now) && now < *close)
            .map(theme::before_text),
        action: back.clone(),
        back: &back,
    };
    Ok(Page::typed("withdraw.html", "撤回申报", &page)?.into_response())
}

/// The applicant's decision form.
#[derive(Deserialize, Default)]
pub struct ApplicantForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    /// The version the page showed (status links carry none).
    #[serde(default)]
    version: Option<u64>,
    /// The applicant confirms a withdrawal.
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /status/{token}`: the applicant withdraws, resubmits a returned application (keeping,
/// dropping or adding proof documents), or adds documents while the unit has not yet decided.
/// Urlencoded, or multipart when the form carries files.
#[allow(clippy::too_many_arguments)]
pub async fn act(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<StatusClaims>,
    ClientAddr(client): ClientAddr,
    negotiated: Negotiated,
    headers: HeaderMap,
    FormBody(body): FormBody,
) -> Result<Response, AppError> {
    let json = |e: Error| AppError::from(e).json_if(negotiated.json);
    let (record, events) = workflow::load(&state, &link.claims.reference).await.map_err(json)?;
    let (body, files, problems) = if negotiated.encoding == Some(Encoding::Multipart) {
        let read = read_multipart(&state, &headers, body, Some(&record.submission_id))
            .await
            .map_err(|e| e.json_if(negotiated.json))?;
        (read.body, read.files, read.problems)
    } else {
        let files = attachment_fields(&body);
        (body, files, Vec::new())
    };
    // Read leniently: an unreadable body is no decision, answered by the page that asks for one.
    let form: ApplicantForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let documents = Documents {
        remove: pairs.iter().filter(|(k, _)| k == "remove").filter_map(|(_, v)| v.parse().ok()).collect(),
        add: files,
    };
    let expected = form.version.unwrap_or(0);
    let back = format!("/status/{}", link.token);
    let edits = matches!(form.decision.as_str(), "resubmit" | "add_documents");
    if edits {
        let done = if !problems.is_empty() {
            Err(Error::Invalid(problems))
        } else if form.decision == "resubmit" {
            let edited: ApplicationForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
            decide::resubmit(&state, &record, &events, expected, &edited, &documents, &client).await
        } else {
            decide::add_documents(&state, &record, &events, expected, &documents, &client).await
        };
        return match done {
            Ok(()) => Ok(Redirect::to(&back).into_response()),
            Err(Error::Invalid(reasons)) if !negotiated.json => {
                // The form again, with the values as sent and each message beside its field.
                let mut values: BTreeMap<String, String> = pairs.into_iter().collect();
                values.remove("id_number");
                let page = status_page(&state, &link.token, &record, &events, values, &reasons, false)?;
                Ok(page.status(StatusCode::UNPROCESSABLE_ENTITY).into_response())
            }
            Err(e) => Err(json(e)),
        };
    }
    let decision = Decision::posted(&form.decision, &form.comment, form.confirm.is_some());
    decide::decide(&state, &record, &events, expected, Actor::Applicant, &decision, &client).await.map_err(json)?;
    Ok(Redirect::to(&back).into_response())
}

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
    link: Linked<StatusClaims>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    // Read leniently: `format=json` anywhere asks for the file; anything else is the page.
    let as_file = query.as_deref().is_some_and(|q| q.split('&').any(|pair| pair == "format=json"));
    let (record, events) = workflow::load(&state, &link.claims.reference).await?;
    let back = format!("/status/{}", link.token);
    let data = workflow::mydata::my_data(&state, &record, &events, &format!("{back}/files"))?;
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
    reason: &'static str,
    data_url: String,
    action: &'a str,
    back: &'a str,
}

/// `GET /status/{token}/erase`: what erasing does, and the button that does it (after the
/// centre's decision, the request to the centre).
pub async fn erase_page(State(state): State<AppState>, link: Linked<StatusClaims>) -> Result<Response, AppError> {
    let (record, _) = workflow::load(&state, &link.claims.reference).await?;
    let back = format!("/status/{}", link.token);
    let action = format!("{back}/erase");
    let page = ErasePage {
        record: views::record(&state.programme, &record),
        allowed: workflow::mydata::may_erase(&record),
        may_request: workflow::mydata::may_request_erasure(&record),
        requested_at: record.erasure_pending().map(views::chinese_time),
        withdraws: policy::step(record.status, Actor::Applicant, Action::Withdraw).is_some(),
        holds_place: record.status.holds_place(),
        reason: "这份申报的个人信息已删除。如有疑问，请按个人信息处理规则中的联系方式联系中心。",
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
    link: Linked<StatusClaims>,
    ClientAddr(client): ClientAddr,
    FormBody(body): FormBody,
) -> Result<Response, AppError> {
    let form: EraseForm = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let (record, events) = workflow::load(&state, &link.claims.reference).await?;
    if form.confirm.is_none() {
        return Err(Error::Incomplete {
            title: "请确认删除", message: "请勾选确认后再提交；删除后不能恢复。".into()
        }
        .into());
    }
    let expected = form.version.unwrap_or(0);
    let back = crate::http::Offer::Back { url: format!("/status/{}", link.token), title: "返回进度页".into() };
    let home = crate::http::Offer::Back { url: "/".into(), title: "返回首页".into() };
    let done = match workflow::mydata::erase_or_request(&state, &record, &events, expected, &client).await? {
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
                "已收到您删除申报 {} 个人信息的申请。自治区人事人才公共服务中心核实后删除，或在进度页说明不予删除的理由（例如培养期间经费管理仍需要），并邮件告知您。",
                record.reference
            ),
        )
        .offer(back),
    };
    Ok(done.into_response())
}
