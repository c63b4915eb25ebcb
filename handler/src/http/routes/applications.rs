//! `POST /api/applications`: JSON for scripts, form-urlencoded from the no-JS form, multipart
//! when the form carries its files.

use crate::http::body::{Encoding, LenientForm, Posted, same_rules};
use crate::http::extract::{Browser, ClientAddr, SameSite};
use crate::http::{AppError, Offer, Page, RetryAfter};
use crate::store::Charge;
use crate::views;
use crate::views::FormState;
use crate::workflow::documents::{self, Carried};
use crate::workflow::{self, Error, draft, limits, submit};
use crate::{AppState, ids};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use policy::{ApplicationForm, AttachmentInput, Status};
use serde::Serialize;
use std::collections::BTreeMap;

/// An application as sent: its fields as sent (what the form shows again when refused), the form,
/// and the files the no-JS form carried, not stored yet.
struct Sent {
    fields: Vec<(String, String)>,
    form: ApplicationForm,
    carried: Vec<Carried>,
}

/// The application a form or a script sent, or the answer that refuses it. Nothing is stored.
async fn read_application(state: &AppState, mut posted: Posted<ApplicationForm>) -> Result<Sent, Response> {
    let json = posted.negotiated.json;
    if posted.negotiated.encoding.is_none() {
        return Err(AppError::unsupported().into_response());
    }
    if posted.negotiated.encoding == Some(Encoding::Multipart) {
        own_submission_id(&mut posted);
    }
    if let Err(refusal) = same_rules(state, posted.rules.as_deref()) {
        return Err(refusal.json_if(json).into_response());
    }
    match posted.value {
        Ok(mut form) => {
            form.attachments.extend(posted.named);
            Ok(Sent { fields: posted.fields, form, carried: posted.carried })
        }
        Err(message) => {
            let refusal = AppError::bad_request(message);
            Err(refused(state, json, refusal, posted.fields, &ApplicationForm::default()))
        }
    }
}

/// Stores the files the form carried, bound to its submission — only once it is screened, within
/// the window, within the number of files, each file passes its check, and its answers pass every
/// rule (a refused form stores nothing, and says the files are to be chosen again).
async fn store_carried(state: &AppState, json: bool, sent: &mut Sent) -> Result<(), Response> {
    if sent.carried.is_empty() {
        return Ok(());
    }
    if let Err(e) = submit::check_window(state) {
        return Err(refused(state, json, AppError::from(e), sent.fields.clone(), &sent.form));
    }
    let carried = std::mem::take(&mut sent.carried);
    let checked = documents::check_carried(state, carried, sent.form.attachments.len());
    let parsed = policy::Application::parse(&sent.form, &state.programme);
    let (files, application) = match (checked, parsed) {
        (Ok(files), Ok(application)) => (files, application),
        (checked, parsed) => {
            let mut reasons = parsed.err().unwrap_or_default();
            let not_stored = !reasons.is_empty();
            reasons.extend(checked.err().unwrap_or_default());
            if not_stored {
                reasons.push(policy::Reason::new("attachments", documents::NOT_STORED));
            }
            let mut form = sent.form.clone();
            form.attachments.clear();
            let refusal = AppError::from(Error::Invalid(reasons));
            return Err(refused(state, json, refusal, sent.fields.clone(), &form));
        }
    };
    let owner = sent.form.submission_id.clone().unwrap_or_default();
    let stored = files.store(state, &owner, &application).await;
    let stored = stored.map_err(|e| AppError::from(e).json_if(json).into_response())?;
    sent.form.attachments.extend(stored);
    Ok(())
}

/// The form's `submission_id`, drawn and put in the form when it has none (the files it carries
/// are bound to it).
fn own_submission_id(posted: &mut Posted<ApplicationForm>) {
    if posted.field("submission_id").is_some_and(|id| !id.is_empty()) {
        return;
    }
    let id = ids::random_id();
    posted.fields.retain(|(k, _)| k != "submission_id");
    posted.fields.push(("submission_id".to_owned(), id.clone()));
    if let Ok(form) = &mut posted.value {
        form.submission_id = Some(id);
    }
}

/// Takes an application: read, screened (rate limits, honeypot), its carried files stored once
/// its answers pass, then taken.
pub async fn submit(
    State(state): State<AppState>,
    _: SameSite,
    ClientAddr(client): ClientAddr,
    posted: Posted<ApplicationForm>,
) -> Response {
    let json = posted.negotiated.json;
    let mut sent = match read_application(&state, posted).await {
        Ok(sent) => sent,
        Err(answer) => return answer,
    };
    let carries_files = !sent.carried.is_empty();
    let screen = screened(&state, &client, json, (&sent.fields, &sent.form), PerAddress::Too, carries_files);
    let charges = match screen.await {
        Ok(charges) => charges,
        Err(answer) => return answer,
    };
    if let Err(answer) = store_carried(&state, json, &mut sent).await {
        return answer;
    }
    match submit::accept(&state, &sent.form, &charges).await {
        Ok(done) => accepted(&state, json, &done.reference, done.status, &sent.form),
        Err(e) => refused(&state, json, AppError::from(e), sent.fields, &sent.form),
    }
}

/// Whether a submission also counts against the limit of the applicant's address.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PerAddress {
    /// Taking an application: per client and per applicant address.
    Too,
    /// Checking one (核对信息): per client only.
    No,
}

/// The screen before anything is checked or taken: the rate limits (the client's, and the
/// applicant address's where asked), then the honeypot (a bot is answered as a success and nothing
/// is stored). `Ok` with the hits left to count in the application's own write, or the answer.
///
/// Where nothing but parsing comes before that write, the hits are counted in it
/// ([`crate::store::Applications::create_charged`]): a refused submission then counts and stores
/// nothing, in one round trip. A form that names or carries files is counted here, before any file
/// is read or copied, so that a flood over the limit costs no file work; so is a 核对信息 page,
/// which writes nothing.
async fn screened(
    state: &AppState,
    client: &str,
    json: bool,
    (fields, form): (&[(String, String)], &ApplicationForm),
    per_address: PerAddress,
    carries_files: bool,
) -> Result<Vec<Charge>, Response> {
    if form.is_bot() {
        tracing::warn!("honeypot field filled: answered as success, nothing stored");
        let reference = ids::new_reference(state.programme.round);
        return Err(accepted(state, json, &reference, Status::Unconfirmed, form));
    }
    let email = limits::address_key(form.email.as_deref().unwrap_or_default());
    let mut charges = vec![limits::charge(state, limits::SUBMIT_PER_CLIENT, client)];
    if per_address == PerAddress::Too && !email.is_empty() {
        charges.push(limits::charge(state, limits::SUBMIT_PER_ADDRESS, &email));
    }
    if per_address == PerAddress::Too && !carries_files && form.attachments.is_empty() {
        return Ok(charges);
    }
    match limits::charge_now(state, &charges).await {
        Ok(()) => Ok(Vec::new()),
        Err(e) => Err(refused(state, json, AppError::from(e), fields.to_vec(), form)),
    }
}

/// The answer to a taken submission — and, the same, to a bot: 201 `{reference, status,
/// confirm_url}` for scripts, the page that asks for the 邮箱验证码 for the form. `confirm_url`
/// goes only to the submitter, here; the mail carries the code and nothing that opens the
/// application.
fn accepted(state: &AppState, json: bool, reference: &str, status: Status, form: &ApplicationForm) -> Response {
    let action = workflow::links::confirm_path(state, reference, 0);
    if json {
        let confirm_url = workflow::links::absolute(state, &action);
        let body = serde_json::json!({"reference": reference, "status": status.code(), "confirm_url": confirm_url});
        return (StatusCode::CREATED, Json(body)).into_response();
    }
    let email = form.email.as_deref().unwrap_or_default().trim();
    let page = views::CodePage {
        reference,
        email: Some(email.to_owned()),
        correction: String::new(),
        hours: state.programme.confirm_hours,
        action,
        code: String::new(),
        errors: Vec::new(),
        submitted: true,
        sent: false,
        changed: false,
        done: false,
    };
    match Page::typed("confirm.html", "申报已提交，请输入邮箱验证码", &page) {
        Ok(page) => page.at("/apply/").into_response(),
        Err(e) => e.into_response(),
    }
}

/// The 核对信息 page: every answer with a 修改 button back to its field, the files by kind, the
/// pledge, and the button that submits exactly what is shown (sealed in `draft`).
#[derive(Serialize)]
struct CheckAnswers {
    rows: Vec<views::Row>,
    files: Vec<views::FileView>,
    draft: String,
    reviewer: String,
    email: String,
}

/// `POST /apply/check`: the application form (urlencoded or multipart, like
/// `POST /api/applications`) checked with every rule and its files stored, nothing else stored;
/// then the 核对信息 page, or the form again with every problem.
pub async fn check(
    State(state): State<AppState>,
    _: SameSite,
    ClientAddr(client): ClientAddr,
    browser: Browser,
    mut posted: Posted<ApplicationForm>,
) -> Response {
    posted.negotiated.json = false;
    let mut sent = match read_application(&state, posted).await {
        Ok(sent) => sent,
        Err(answer) => return answer,
    };
    if let Err(answer) = screened(&state, &client, false, (&sent.fields, &sent.form), PerAddress::No, true).await {
        return answer;
    }
    if let Err(answer) = store_carried(&state, false, &mut sent).await {
        return answer;
    }
    let Sent { fields, mut form, .. } = sent;
    if form.submission_id.as_deref().is_none_or(str::is_empty) {
        form.submission_id = Some(ids::random_id());
    }
    match submit::check(&state, &form).await {
        Ok((application, attachments)) => {
            // The draft opens only in this browser: the value its cookie keeps is sealed in.
            let browser = browser.or_new();
            let page = CheckAnswers {
                rows: views::rows(&state.programme, &application),
                files: views::files(&state.programme, &attachments),
                draft: draft::seal(&state, &form, &browser),
                reviewer: application.unit_reviewer_email.to_string(),
                email: application.email.to_string(),
            };
            match Page::typed("answers.html", "核对信息", &page) {
                Ok(page) => {
                    let cookie = Browser::cookie(&browser, state.settings());
                    ([(header::SET_COOKIE, cookie)], page.at("/apply/")).into_response()
                }
                Err(e) => e.into_response(),
            }
        }
        Err(e) => refused(&state, false, AppError::from(e), fields, &form),
    }
}

/// The confirmation of a checked application.
#[derive(serde::Deserialize, Default)]
pub struct Confirm {
    #[serde(default)]
    draft: String,
    /// A 修改 button: the field to change (the form comes back with every answer and file).
    #[serde(default)]
    edit: Option<String>,
}

/// `POST /apply/confirm`: submits the checked application sealed in `draft` (303 to its status
/// page), or, for a 修改 button, shows the form again with every answer and file kept.
pub async fn confirm(
    State(state): State<AppState>,
    _: SameSite,
    ClientAddr(client): ClientAddr,
    browser: Browser,
    LenientForm(confirm): LenientForm<Confirm>,
) -> Response {
    let form = match draft::open(&state, &confirm.draft, browser.value()) {
        Ok(form) => form,
        Err(e) => {
            let (status, code, message) = match e {
                draft::DraftError::Expired => (
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    "核对页面已超过2小时，请重新填写申报表（浏览器可能已暂存您填写的内容）。",
                ),
                draft::DraftError::Invalid => {
                    (StatusCode::BAD_REQUEST, "bad_request", "核对信息无法读取，请重新填写申报表。")
                }
                draft::DraftError::OtherBrowser => {
                    tracing::info!("draft opened without the browser that made it: refused");
                    (StatusCode::FORBIDDEN, "other_browser", "这份草稿只能在填写它的浏览器中打开，请重新填写申报表。")
                }
            };
            return AppError::new(status, code, "请重新填写", message)
                .offer(Offer::Back { url: "/apply/".into(), title: "返回在线申报".into() })
                .into_response();
        }
    };
    let fields = fields_of(&form);
    if confirm.edit.is_some() {
        let page = FormAgain {
            form: FormState::new(
                fields.into_iter().collect(),
                &[],
                state.programme.window_open_at(state.clock.now()),
                state.blobs.is_some(),
            ),
            uploaded: form.attachments.clone(),
        };
        return match Page::typed("apply.html", "在线申报", &page) {
            Ok(page) => page.at("/apply/").into_response(),
            Err(e) => e.into_response(),
        };
    }
    let charges = match screened(&state, &client, false, (&fields, &form), PerAddress::Too, false).await {
        Ok(charges) => charges,
        Err(answer) => return answer,
    };
    match submit::accept(&state, &form, &charges).await {
        Ok(done) => accepted(&state, false, &done.reference, done.status, &form),
        Err(e) => refused(&state, false, AppError::from(e), fields, &form),
    }
}

/// The form's fields as the form posts them, files left out.
fn fields_of(form: &ApplicationForm) -> Vec<(String, String)> {
    let pairs = form.pairs().into_iter().map(|(k, v)| (k.to_owned(), v));
    pairs.chain(form.submission_id.clone().map(|id| ("submission_id".to_owned(), id))).collect()
}

/// What the form shows when it comes back refused.
#[derive(Serialize)]
struct FormAgain<'a> {
    #[serde(flatten)]
    form: FormState<'a>,
    uploaded: Vec<AttachmentInput>,
}

/// A refused submission: JSON, or (no-JS) the form again with every value kept, an error
/// summary at the top and each message beside its field.
fn refused(
    state: &AppState,
    json: bool,
    err: AppError,
    fields: Vec<(String, String)>,
    form: &ApplicationForm,
) -> Response {
    if json {
        return err.json().into_response();
    }
    let mut values: BTreeMap<String, String> = fields.into_iter().collect();
    values.remove("website");
    if values.get("submission_id").is_none_or(|s| s.is_empty()) {
        let id = form.submission_id.clone().filter(|s| !s.is_empty()).unwrap_or_else(ids::random_id);
        values.insert("submission_id".into(), id);
    }
    let reasons = err.reasons();
    // Files already stored stay with the form, unless they were what was wrong.
    let keep = policy::only_missing_documents(&reasons);
    let page = FormAgain {
        form: FormState::new(
            values,
            &reasons,
            state.programme.window_open_at(state.clock.now()),
            state.blobs.is_some(),
        ),
        uploaded: if keep { form.attachments.clone() } else { Vec::new() },
    };
    let mut response = match Page::typed("apply.html", "在线申报", &page) {
        Ok(page) => page.at("/apply/").status(err.status()).into_response(),
        Err(e) => e.into_response(),
    };
    if let Some(seconds) = err.retry() {
        response.extensions_mut().insert(RetryAfter(seconds));
    }
    response
}
