//! `GET /review/{token}` (a reviewer's page, or JSON), `POST /review/{token}` (unit, HR or
//! centre decides) and `POST /review/{token}/renew` (an expired link asks for a fresh one).

use crate::AppState;
use crate::http::body::{LenientForm, Negotiated, accepts_json};
use crate::http::extract::{ClientAddr, ReviewLink, SameSite, review_refusal};
use crate::http::params::Params;
use crate::http::{AppError, Message, Page};
use crate::views::{self, RecordJson, RecordPage};
use crate::workflow;
use crate::workflow::decide::{self, Decision};
use crate::workflow::links::{self, Refused, Standing};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use policy::{LinkClaims, ReviewClaims, TokenError};
use serde::{Deserialize, Serialize};

/// Places used under the counter a recommendation would take.
#[derive(Serialize)]
struct QuotaNote {
    key: String,
    cap: u32,
    used: u32,
    key_label: &'static str,
}

/// The decision form for the reviewer whose turn it is.
#[derive(Serialize)]
struct DecideForm {
    legend: &'static str,
    /// This stage's close and the time left.
    deadline: Option<String>,
    choices: &'static [(&'static str, &'static str)],
    quota: Option<QuotaNote>,
    /// The choice and comment sent, when the form comes back refused.
    chosen: String,
    comment: String,
    comment_label: &'static str,
}

/// The stamped paper as HR sees it on a current link.
#[derive(Serialize)]
struct PaperView {
    required: bool,
    matching: bool,
    message: String,
    /// The unit whose stamp the paper must carry.
    unit: String,
    /// A refused code, as typed.
    code: String,
}

/// `?paper=1` after a receipt.
#[derive(Deserialize, Default)]
pub struct ReviewQuery {
    paper: Option<String>,
    /// After this page's own decision: say what happens next, not that the link is spent.
    done: Option<String>,
}

/// What follows a decision just made from this link, in words, if the record's last event is
/// this reviewer's.
fn what_follows(
    state: &AppState,
    record: &crate::store::Record,
    events: &[crate::store::Event],
    stage: policy::Actor,
) -> Option<String> {
    use policy::EventKind as K;
    let last = events.last().filter(|e| e.actor == stage)?;
    let hr = workflow::hr_name(state, record);
    let issuer = &state.programme.notice_issuer;
    Some(match (stage, last.kind) {
        (policy::Actor::Unit, K::Approved) => {
            format!("已审核通过。申报已送{hr}审核推荐，并已邮件通知申报人；申报人打印的纸质申报表需由单位盖章。")
        }
        (policy::Actor::Hr, K::Approved) => {
            format!("已推荐，已邮件通知申报人。入选名单以{issuer}公布为准。")
        }
        (_, K::Returned) => "已退回，已邮件通知申报人；申报人修改后，您会再收到审核邮件。".to_owned(),
        (_, K::Selected) => format!("已登记为入选（本站设置），已邮件通知申报人。入选名单以{issuer}公布为准。"),
        (_, K::NotSelected) => format!("已登记为未入选（本站设置），已邮件通知申报人。入选名单以{issuer}公布为准。"),
        _ => return None,
    })
}

/// The review page.
#[derive(Serialize)]
struct ReviewPage {
    #[serde(flatten)]
    record: RecordPage,
    /// HR and the centre: back to their own dashboard (the link's audience's).
    dashboard_url: Option<String>,
    /// HR and the centre: who approved at the unit, and whether it looks like the applicant.
    unit_reviewer: Option<views::UnitReviewerView>,
    /// HR and the centre: the other applications of the same 身份证号 in the round.
    same_number: Vec<views::SameNumber>,
    /// What this stage checks.
    checklist: Option<&'static str>,
    /// The system's check of each condition of the applicant's stream.
    rules: Vec<policy::RuleCheck>,
    /// What the last resubmission changed, field by field.
    changes: Vec<crate::store::Change>,
    paper: Option<PaperView>,
    paper_done: bool,
    decide: Option<DecideForm>,
    error_list: Vec<policy::Reason>,
    files_base: String,
    print_url: String,
}

/// The stream's conditions checked against the application as it stands.
fn rule_checks(state: &AppState, record: &crate::store::Record) -> Vec<policy::RuleCheck> {
    let profile = policy::Profile::parse(&record.application.profile(), &state.programme);
    policy::rule_checks(&profile, &state.programme)
}

/// A reviewer's page: on a current link the application, its history and the decision form; on
/// a passed one only who decided and when.
pub async fn show(
    State(state): State<AppState>,
    link: ReviewLink,
    Params(query): Params<ReviewQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if accepts_json(&headers) {
        let json = match link.standing {
            Standing::Current => RecordJson::of(&link.record, &link.events),
            Standing::Passed => RecordJson::passed(&link.record, &link.events, link.claims.version),
        };
        return Ok(Json(json).into_response());
    }
    let asked = Asked { done: query.done.is_some(), paper: query.paper.is_some(), ..Asked::default() };
    Ok(review_page(&state, &link, asked).await?.into_response())
}

/// A passed link's page: who decided and when, or, right after this link's own decision, what
/// follows and the way back to the link's own dashboard. Nothing of the application's content.
#[derive(Serialize)]
struct PassedPage {
    notice: Option<String>,
    done: Option<String>,
    dashboard_url: Option<String>,
}

/// What the page was asked to show besides the record: a decision just made, a paper just
/// received, or a decision refused with what was sent.
#[derive(Default)]
struct Asked {
    done: bool,
    paper: bool,
    errors: Vec<policy::Reason>,
    decision: String,
    comment: String,
    /// A paper code refused, as typed.
    code: String,
}

async fn review_page(state: &AppState, link: &ReviewLink, asked: Asked) -> Result<Page, AppError> {
    let (claims, record, events) = (&link.claims, &link.record, &link.events);
    if link.standing == Standing::Passed {
        // Its own decision just made: the step after the link's version (or after the paper it
        // recorded since), the last event its stage's.
        let own = asked.done && record.last_step_from(claims.version, claims.stage);
        let done = own.then(|| what_follows(state, record, events, claims.stage)).flatten();
        // Whom it decided on, right after its own decision; else nothing of the application, its
        // title included.
        let title = match done {
            Some(_) => format!("审核：{}（{}）", record.application.name, record.application.employer),
            None => format!("审核：申报 {}", record.reference),
        };
        let page = PassedPage {
            notice: done.is_none().then(|| views::version_passed(events)),
            dashboard_url: done.as_ref().and_then(|_| links::review_dashboard_path(state, claims)),
            done,
        };
        return Ok(Page::typed("review_passed.html", title, &page)?);
    }
    // Whom and which unit, at a glance: "审核：巴特尔（包头市供电设计院）".
    let title = format!("审核：{}（{}）", record.application.name, record.application.employer);
    let decide = match policy::reviewer_for(record.status) == Some(claims.stage) {
        false => None,
        true => {
            // Places used, where approving at this stage takes one.
            let takes_place = policy::step(record.status, claims.stage, policy::Action::Approve)
                .is_some_and(|s| s.quota == policy::QuotaEffect::Take);
            let quota = match takes_place {
                true => {
                    let slot = decide::quota_slot(state, record)?;
                    let key = slot.key.to_string();
                    let used = state.store.quota_used(&key).await.unwrap_or_default();
                    Some(QuotaNote { key, cap: slot.cap, used, key_label: slot.key.label() })
                }
                false => None,
            };
            let policy::DecisionForm { legend, choices, comment_label, .. } = claims.stage.decision_form();
            let deadline = views::time_left(&state.programme, claims.stage, state.clock.now());
            Some(DecideForm {
                legend,
                deadline,
                choices,
                quota,
                // A refused decision comes back with what was chosen and written.
                chosen: asked.decision.clone(),
                comment: asked.comment.clone(),
                comment_label,
            })
        }
    };
    let paper = (decide.is_some() && claims.stage.records_paper()).then(|| {
        let matching = workflow::paper::matching(state, record, events);
        PaperView {
            required: state.programme.paper_required,
            matching: matching.is_ok(),
            message: matching.err().unwrap_or_default(),
            unit: record.application.employer.clone(),
            code: asked.code.clone(),
        }
    });
    let same_number = workflow::numbers::seen_by(state, claims.stage, record).await?;
    let page = ReviewPage {
        record: RecordPage::of(&state.programme, record, events),
        same_number,
        dashboard_url: links::review_dashboard_path(state, claims),
        // Who approved at the unit is no news to a reviewer the applicant chose (the unit).
        unit_reviewer: (!claims.stage.address_chosen_by_applicant()).then(|| views::unit_reviewer(&record.application)),
        checklist: decide.as_ref().map(|_| claims.stage.decision_form().checklist),
        rules: rule_checks(state, record),
        changes: events
            .iter()
            .rev()
            .find(|e| e.kind == policy::EventKind::Resubmitted)
            .map(|e| e.changes.clone())
            .unwrap_or_default(),
        paper,
        paper_done: asked.paper,
        decide,
        error_list: asked.errors,
        files_base: format!("/review/{}/files", link.token),
        print_url: format!("/review/{}/print", link.token),
    };
    Ok(Page::typed("review.html", title, &page)?)
}

/// The decision form.
#[derive(Deserialize, Default)]
pub struct DecisionForm {
    /// `approve`, `return` (reviewers), `select`, `reject` (centre).
    #[serde(default)]
    decision: String,
    /// Required to return: why.
    #[serde(default)]
    comment: String,
    /// `paper_received` (HR): the check code printed on the stamped paper.
    #[serde(default)]
    code: String,
}

/// `POST /review/{token}`: a reviewer decides, on the version the link was issued for.
pub async fn decide(
    State(state): State<AppState>,
    _: SameSite,
    link: ReviewLink,
    ClientAddr(client): ClientAddr,
    negotiated: Negotiated,
    LenientForm(form): LenientForm<DecisionForm>,
) -> Result<Response, AppError> {
    let (claims, record, events) = (&link.claims, &link.record, &link.events);
    let json = |e: workflow::Error| AppError::from(e).json_if(negotiated.json);
    if form.decision == "paper_received" {
        if !claims.stage.records_paper() {
            return Err(json(workflow::Error::NotAllowed {
                title: "不能进行此操作",
                message: "纸质申报表由盟市人社部门或厅局（高校）登记。".into(),
            }));
        }
        let recorded = match decide::receive_paper(&state, record, events, claims.version, &form.code, &client).await {
            Ok(recorded) => recorded,
            // A wrong code: the page again, the code as typed and why beside it.
            Err(e @ (workflow::Error::Invalid(_) | workflow::Error::Paper(_))) if !negotiated.json => {
                let status = if matches!(e, workflow::Error::Paper(_)) {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                let errors = match e {
                    workflow::Error::Invalid(reasons) => reasons,
                    workflow::Error::Paper(message) => vec![policy::Reason::new("code", message)],
                    _ => Vec::new(),
                };
                let asked = Asked { errors, code: form.code.clone(), ..Asked::default() };
                let page = review_page(&state, &link, asked).await?;
                return Ok(page.status(status).into_response());
            }
            Err(e) => return Err(json(e)),
        };
        // The receipt is a new version: the page goes on under a link for it (a paper recorded
        // already: the link of the version as it is, `paper=again`).
        if negotiated.json {
            let (record, events) = workflow::load(&state, &claims.reference).await.map_err(json)?;
            return Ok(Json(RecordJson::of(&record, &events)).into_response());
        }
        let (version, said) = if recorded { (record.version + 1, "1") } else { (record.version, "again") };
        let next = links::review_path(&state, record, claims.stage, version);
        return Ok(Redirect::to(&format!("{next}?paper={said}")).into_response());
    }
    let decision = Decision::posted(&form.decision, &form.comment, false);
    match decide::decide(&state, record, events, claims.version, claims.stage, &decision, &client).await {
        Ok(()) => Ok(Redirect::to(&format!("/review/{}?done=1", link.token)).into_response()),
        // Something missing (a choice, the comment to return): the page again with the form as
        // sent and an error summary, not a dead end.
        Err(workflow::Error::Incomplete { message, .. }) if !negotiated.json => {
            let field = if form.decision.trim().is_empty() { "decision" } else { "comment" };
            let asked = Asked {
                errors: vec![policy::Reason::new(field, message)],
                decision: form.decision,
                comment: form.comment,
                ..Asked::default()
            };
            let page = review_page(&state, &link, asked).await?;
            Ok(page.status(StatusCode::UNPROCESSABLE_ENTITY).into_response())
        }
        // HR recommending without matching paper: the page again, pointing at the paper form.
        Err(workflow::Error::Paper(message)) if !negotiated.json => {
            let asked = Asked {
                errors: vec![policy::Reason::new("code", message)],
                decision: form.decision,
                comment: form.comment,
                ..Asked::default()
            };
            let page = review_page(&state, &link, asked).await?;
            Ok(page.status(StatusCode::CONFLICT).into_response())
        }
        // The number holds a place through another application: the page again, the choice
        // kept, the reason at the decision.
        Err(e @ workflow::Error::NumberHasPlace(_)) if !negotiated.json => {
            let message = AppError::from(e).message().to_owned();
            let asked = Asked {
                errors: vec![policy::Reason::new("decision", message)],
                decision: form.decision,
                comment: form.comment,
                ..Asked::default()
            };
            let page = review_page(&state, &link, asked).await?;
            Ok(page.status(StatusCode::CONFLICT).into_response())
        }
        Err(e) => Err(json(e)),
    }
}

/// `POST /review/{token}/renew`: an expired review link asks for a fresh one, sent only to the
/// address that stage already has (at most once per ten minutes).
pub async fn renew(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    crate::workflow::limits::check(&state, crate::workflow::limits::RESEND_PER_CLIENT, &client).await?;
    let claims = match links::verify::<ReviewClaims>(&state, &token) {
        // Signed before links named whom they were for (`issued_to` none): renewed like an
        // expired one; a working link goes back to its page.
        Ok(claims) => claims,
        Err(TokenError::Expired(wire)) => ReviewClaims::from_wire(&wire).ok_or_else(invalid)?,
        Err(_) => return Err(invalid()),
    };
    // A link no longer its reviewer's (another audience, another address) gets nothing.
    if let Some(record) = state.store.get(&claims.reference).await.map_err(workflow::Error::from)?
        && let Err(refused @ (Refused::Reassigned | Refused::ReviewerChanged)) =
            links::review_standing(&state, &claims, &record)
    {
        return Err(review_refusal(refused, &token));
    }
    if claims.issued_to.is_some() && links::verify::<ReviewClaims>(&state, &token).is_ok() {
        return Ok(Redirect::to(&format!("/review/{token}")).into_response());
    }
    workflow::resend::review_link(&state, &claims).await?;
    Ok(Message::ok("已受理", "新的审核链接已发送到原审核人邮箱（每10分钟最多发送一次）。").into_response())
}

fn invalid() -> AppError {
    AppError::new(StatusCode::FORBIDDEN, "invalid", "链接无效", "这个链接无效，不能据此发送新链接。")
}
