//! `GET /status/{token}`: the applicant's status page (the edit form of a returned application
//! in it), or the record and its events as JSON.

use crate::AppState;
use crate::http::body::accepts_json;
use crate::http::params::Params;
use crate::http::status_link::StatusLink;
use crate::http::{AppError, Page};
use crate::store::{Event, Record};
use crate::views::{self, FormState, NextStep, RecordJson, RecordPage};
use crate::workflow::{self};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use policy::{Action, Actor, Reason};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `?confirmed=1` after the applicant confirmed their address; `?done=` after a change made
/// from this page (`resubmitted`, `documents`, `withdrawn`).
#[derive(Deserialize, Default)]
pub struct StatusQuery {
    confirmed: Option<String>,
    done: Option<String>,
}

/// What the page says was just done, at its top.
#[derive(Default, Clone, Copy)]
pub(super) struct Done {
    /// The applicant's address was just confirmed.
    pub(super) confirmed: bool,
    /// A change just made from this page, in words.
    pub(super) banner: Option<&'static str>,
}

/// What a change just made from the status page says at its top.
fn done_banner(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "resubmitted" => {
            "已重新提交：修改后的申报已送交所在单位审核人重新审核，审核邮件已发出。每一步结果都会邮件通知您。"
        }
        "documents" => "补充的证明材料已收到：所在单位审核人已收到新的审核邮件。",
        "withdrawn" => "申报已撤回，办理已结束。下面说明您还可以做什么。",
        _ => return None,
    })
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
    /// A change just made from this page, in words.
    done: Option<&'static str>,
    /// Waiting for the applicant's confirmation: where the page's 确认提交 posts.
    email: &'a str,
    /// A new address a resubmission gave, waiting for its 邮箱验证码 (待验证). The page that takes
    /// its code is not linked: it is the submitting browser's alone, and whoever holds this link
    /// (the mailbox being left, perhaps) must not reach it (found by the red team).
    pending: Option<&'a str>,
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

pub(super) fn status_page(
    state: &AppState,
    token: &str,
    record: &Record,
    events: &[Event],
    values: BTreeMap<String, String>,
    errors: &[Reason],
    done: Done,
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
        next: views::next_step(
            &state.programme,
            record,
            workflow::paper::state(state, record, events),
            workflow::hr_listed(state, record),
        ),
        confirmed: done.confirmed,
        done: done.banner,
        email: record.application.email.as_str(),
        pending: record
            .pending_address
            .as_ref()
            .filter(|_| workflow::proof::proves_a_change(state, record))
            .map(|p| p.email.as_str()),
        submission_id: &record.submission_id,
        files_base: format!("/status/{token}/files"),
        // Printing is offered from the unit's approval on (the notice's step), never for an
        // erased record, which has nothing left to print.
        print_url: if record.status.printable() && record.erased_at.is_none() {
            format!("/status/{token}/print")
        } else {
            String::new()
        },
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
    link: StatusLink,
    Params(query): Params<StatusQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let json = accepts_json(&headers);
    let (record, events) = (&link.record, &link.events);
    if json {
        return Ok(Json(RecordJson::of(record, events)).into_response());
    }
    let values = prefill(&state, record);
    let done = Done { confirmed: query.confirmed.is_some(), banner: done_banner(query.done.as_deref()) };
    Ok(status_page(&state, &link.token, record, events, values, &[], done)?.into_response())
}

/// The edit form's values: the application as it stands, without the 身份证号 (no page carries it
/// in full; the resubmission keeps the stored one). The phone is opened (and logged) only when
/// the applicant may edit.
pub(super) fn prefill(state: &AppState, record: &Record) -> BTreeMap<String, String> {
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
