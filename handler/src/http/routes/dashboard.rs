//! `/dashboard` (a configured address asks for its link; the answer never says whether it is
//! configured), `/dashboard/{token}` (the scope's applications, filters and sorting without JS,
//! places used), the 汇总表 as XLSX and CSV, and the button that mails the XLSX to the centre.

use crate::http::extract::{ClientAddr, LenientForm, Linked, SameSite, SmallForm};
use crate::http::{AppError, Message, Offer, Page};
use crate::views::{self, XLSX_TYPE};
use crate::workflow::dashboard::{self, AreaTable, Audience, Filters, QuotaLine, Row, SORTS, Sent};
use crate::{AppState, blobs};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use policy::{DashboardClaims, Status};
use serde::{Deserialize, Serialize};

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
    dashboard::send_links(&state, &email).await.map_err(|e| AppError::from(e).json_if(json))?;
    Ok(if json {
        (StatusCode::ACCEPTED, Json(serde_json::json!({"status": "accepted", "message": SAME_ANSWER}))).into_response()
    } else {
        Message::ok("已受理", SAME_ANSWER).into_response()
    })
}

/// The audience a verified dashboard link names.
fn audience(state: &AppState, link: &Linked<DashboardClaims>) -> Result<Audience, AppError> {
    Audience::from_id(&link.claims.scope, &state.programme)
        .ok_or_else(|| AppError::new(StatusCode::GONE, "gone", "链接已失效", "这个查看范围已不存在，请重新获取链接。"))
}

/// The page's own query: filters, and `sent=1` after mailing the 汇总表.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(flatten)]
    filters: Filters,
    #[serde(default)]
    sent: String,
    /// After a paper receipt: its reference.
    #[serde(default)]
    paper: String,
    /// After the centre voided an application: its reference.
    #[serde(default)]
    voided: String,
    /// After the centre answered an erasure request: the reference erased, or declined.
    #[serde(default)]
    erased: String,
    #[serde(default)]
    declined: String,
    /// The page of the list, from 1.
    #[serde(default)]
    page: String,
}

/// Rows of the list on one page: a page stays small on a phone and within the Lambda's
/// response limit whatever the number of applications.
pub const PAGE_SIZE: usize = 100;

/// Where the list's page stands, with links to its neighbours (the filters kept).
#[derive(Serialize)]
struct Pager {
    page: usize,
    pages: usize,
    /// Rows matching the filters, over all pages.
    matched: usize,
    /// Positions (from 1) of the first and last row shown.
    first: usize,
    last: usize,
    prev: Option<String>,
    next: Option<String>,
}

impl Pager {
    /// Page `asked` (clamped) of `matched` rows; links to `base` with the filters `f`.
    fn new(asked: &str, matched: usize, base: &str, f: &Filters) -> Self {
        let pages = matched.div_ceil(PAGE_SIZE).max(1);
        let page = asked.parse::<usize>().unwrap_or(1).clamp(1, pages);
        let link = |n: usize| {
            let mut pairs: Vec<(&str, String)> = [
                ("status", &f.status),
                ("stream", &f.stream),
                ("area", &f.area),
                ("sort", &f.sort),
                ("order", &f.order),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, v.clone()))
            .collect();
            pairs.extend(f.grassroots.then(|| ("grassroots", "1".to_owned())));
            pairs.extend(f.private.then(|| ("private", "1".to_owned())));
            pairs.push(("page", n.to_string()));
            format!("{base}?{}#list-title", serde_urlencoded::to_string(&pairs).unwrap_or_default())
        };
        let first = if matched == 0 { 0 } else { (page - 1) * PAGE_SIZE + 1 };
        Self {
            page,
            pages,
            matched,
            first,
            last: (page * PAGE_SIZE).min(matched),
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }

    /// The rows of this page among all those matching.
    fn slice<T>(&self, rows: Vec<T>) -> Vec<T> {
        rows.into_iter().skip((self.page - 1) * PAGE_SIZE).take(PAGE_SIZE).collect()
    }
}

/// A status in the filter list.
#[derive(Serialize)]
struct StatusOption {
    code: &'static str,
    label: &'static str,
}

/// A sort order or an area in a filter list.
#[derive(Serialize)]
struct CodeOption<'a> {
    code: &'a str,
    name: &'a str,
}

/// A stream in the filter list.
#[derive(Serialize)]
struct StreamOption<'a> {
    key: String,
    name: &'a str,
}

/// The dashboard page.
#[derive(Serialize)]
struct DashboardPage<'a> {
    scope_name: String,
    centre: bool,
    base: String,
    /// Waiting for this reviewer, oldest first, whatever the filters.
    waiting: Vec<Row>,
    rows: Vec<Row>,
    pager: Pager,
    total: usize,
    /// Mails given up after their attempts (the centre's page only).
    dead_mail: usize,
    quota: Vec<QuotaLine>,
    centre_email: &'a str,
    sent: bool,
    /// The application whose paper was just recorded: reference and name.
    paper_received: Option<(String, String)>,
    /// The application the centre just voided: reference and name.
    voided: Option<(String, String)>,
    /// Erasure requests the centre has not answered (the centre's page only).
    erasure_requests: Vec<dashboard::ErasureRequest>,
    /// The reference whose erasure request was just answered, and how.
    erased: Option<String>,
    declined: Option<String>,
    filters: &'a Filters,
    statuses: Vec<StatusOption>,
    sorts: Vec<CodeOption<'static>>,
    streams: Vec<StreamOption<'a>>,
    areas: Option<&'a AreaTable>,
    chart_areas: String,
    chart_streams: String,
    area_options: Vec<CodeOption<'a>>,
}

/// `GET /dashboard/{token}`.
pub async fn show(
    State(state): State<AppState>,
    link: Linked<DashboardClaims>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let audience = audience(&state, &link)?;
    let all = dashboard::records(&state, &audience).await?;
    let p = &state.programme;
    let f = &query.filters;
    let centre = audience == Audience::Centre;
    let table = centre.then(|| AreaTable::of(p, &all));
    let (chart_areas, chart_streams) = match &table {
        Some(t) => (
            views::bar_chart("areas", "各盟市及区直单位已推荐人数", &t.area_bars()),
            views::bar_chart("streams", "各项目已推荐人数与名额", &t.stream_bars()),
        ),
        None => Default::default(),
    };
    let base = format!("/dashboard/{}", link.token);
    let selected = dashboard::select(p, &all, f);
    let pager = Pager::new(&query.page, selected.len(), &base, f);
    let rows = pager.slice(selected).into_iter().map(|r| dashboard::row(&state, &audience, r)).collect();
    let dead_mail = if centre { state.store.dead_mail().await.map_err(crate::workflow::Error::from)? } else { 0 };
    let page = DashboardPage {
        scope_name: audience.name(p),
        centre,
        base,
        waiting: dashboard::waiting(&audience, &all)
            .into_iter()
            .map(|r| dashboard::row(&state, &audience, r))
            .collect(),
        rows,
        pager,
        total: all.len(),
        dead_mail,
        quota: dashboard::quota_lines(&state, &audience, &all).await?,
        centre_email: &p.centre.email,
        sent: query.sent == "1",
        paper_received: all
            .iter()
            .find(|r| !query.paper.is_empty() && r.reference == query.paper)
            .map(|r| (r.reference.clone(), r.application.name.clone())),
        voided: all
            .iter()
            .find(|r| !query.voided.is_empty() && r.reference == query.voided && r.status == Status::Voided)
            .map(|r| (r.reference.clone(), r.application.name.clone())),
        erasure_requests: if centre { dashboard::erasure_requests(&state, &all) } else { Vec::new() },
        erased: all.iter().find(|r| r.reference == query.erased && r.erased_at.is_some()).map(|r| r.reference.clone()),
        declined: all
            .iter()
            .find(|r| r.reference == query.declined && r.erasure_requested_at.is_none())
            .map(|r| r.reference.clone()),
        filters: f,
        statuses: Status::ALL.iter().map(|s| StatusOption { code: s.code(), label: s.label() }).collect(),
        sorts: SORTS.iter().map(|&(code, name)| CodeOption { code, name }).collect(),
        streams: p.streams.iter().map(|s| StreamOption { key: s.key(), name: &s.name }).collect(),
        area_options: table
            .as_ref()
            .map(|t| t.areas().into_iter().map(|(code, name)| CodeOption { code, name }).collect())
            .unwrap_or_default(),
        areas: table.as_ref(),
        chart_areas,
        chart_streams,
    };
    Ok(Page::typed("dashboard.html", format!("{}申报汇总", audience.name(p)), &page)?.into_response())
}

/// `?all=1` for every application rather than the recommended ones.
#[derive(Deserialize, Default)]
pub struct DownloadQuery {
    #[serde(default)]
    all: String,
}

fn download(
    state: &AppState,
    audience: &Audience,
    all: bool,
    ext: &str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Response {
    let name = dashboard::summary_file_name(state, audience, all, ext);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&blobs::attachment_disposition(&name))
                .unwrap_or(HeaderValue::from_static("attachment")),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
    ];
    (headers, bytes).into_response()
}

/// The link's audience and its 汇总表 (every application with `?all=1`).
async fn summary(
    state: &AppState,
    link: &Linked<DashboardClaims>,
    q: &DownloadQuery,
) -> Result<(Audience, views::SummaryTable), AppError> {
    let audience = audience(state, link)?;
    let table = dashboard::summary(state, &audience, !q.all.is_empty()).await?;
    Ok((audience, table))
}

/// `GET /dashboard/{token}/summary.xlsx` (`?all=1` for every application).
pub async fn summary_xlsx(
    State(state): State<AppState>,
    link: Linked<DashboardClaims>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let (audience, table) = summary(&state, &link, &q).await?;
    let bytes = table.to_xlsx().map_err(|e| {
        tracing::error!(error = %crate::Chain(&e), "summary XLSX failed");
        AppError::internal()
    })?;
    Ok(download(&state, &audience, !q.all.is_empty(), "xlsx", XLSX_TYPE, bytes))
}

/// `GET /dashboard/{token}/summary.csv` (`?all=1` for every application).
pub async fn summary_csv(
    State(state): State<AppState>,
    link: Linked<DashboardClaims>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, AppError> {
    let (audience, table) = summary(&state, &link, &q).await?;
    Ok(download(&state, &audience, !q.all.is_empty(), "csv", "text/csv; charset=utf-8", table.to_csv()))
}

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

/// The link back to the dashboard at `base` offered under a refusal.
fn back_to(base: &str) -> Offer {
    Offer::Back { url: base.to_owned(), title: "返回审核工作台".into() }
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

/// What the send confirmation shows: the rows that will go, and what is still under review.
#[derive(Serialize)]
struct SendPage<'a> {
    base: String,
    centre_email: &'a str,
    rows: Vec<Row>,
    /// Against the last send, if there was one.
    since: Option<dashboard::SinceLast>,
    /// Nothing changed since the last send.
    unchanged: bool,
    /// Something to send: a change since the last, or a first table with rows.
    can_send: bool,
    at_unit: usize,
    at_hr: usize,
    returned: usize,
}

/// `GET /dashboard/{token}/send`: before anything is mailed, the rows the 汇总表 holds and the
/// applications still at unit or HR review, with the button that sends it. The centre mails
/// nobody: its link goes back to its dashboard.
pub async fn confirm_send(State(state): State<AppState>, link: Linked<DashboardClaims>) -> Result<Response, AppError> {
    let audience = audience(&state, &link)?;
    let base = format!("/dashboard/{}", link.token);
    if audience == Audience::Centre {
        return Ok(Redirect::to(&base).into_response());
    }
    let (all, plan) = dashboard::send_plan(&state, &audience).await?;
    let count = |s: Status| all.iter().filter(|r| r.status == s).count();
    let unchanged = plan.since.as_ref().is_some_and(dashboard::SinceLast::is_empty);
    let page = SendPage {
        centre_email: &state.programme.centre.email,
        rows: all.iter().filter(|r| r.status.holds_place()).map(|r| dashboard::row(&state, &audience, r)).collect(),
        can_send: !unchanged && (plan.since.is_some() || !plan.rows.is_empty()),
        unchanged,
        since: plan.since,
        at_unit: count(Status::UnitReview),
        at_hr: count(Status::HrReview),
        returned: count(Status::Returned),
        base,
    };
    Ok(Page::typed("send.html", "发送汇总表至自治区中心", &page)?.into_response())
}

/// `POST /dashboard/{token}/send`: mails the scope's 汇总表 (recommended applications, XLSX) to
/// the centre's address in programme.toml, once per change, then back to the dashboard. The
/// centre's link sends nothing.
pub async fn send_summary(
    State(state): State<AppState>,
    _: SameSite,
    link: Linked<DashboardClaims>,
) -> Result<Response, AppError> {
    let audience = audience(&state, &link)?;
    let base = format!("/dashboard/{}", link.token);
    if audience == Audience::Centre {
        return Ok(Redirect::to(&base).into_response());
    }
    let refused = |code: &'static str, title: &'static str, message: String| {
        AppError::new(StatusCode::CONFLICT, code, title, message).offer(back_to(&base))
    };
    match dashboard::send_summary(&state, &audience).await? {
        Sent::Sent => Ok(Redirect::to(&format!("{base}?sent=1")).into_response()),
        Sent::Unchanged(at) => Err(refused(
            "unchanged",
            "汇总表没有变化",
            format!("汇总表已于{at}发送，此后没有变化，不再重复发送。有新的推荐或变化后，可以再次发送。"),
        )),
        Sent::Empty => Err(refused("empty", "没有可发送的内容", "目前没有已推荐的申报，无需发送汇总表。".into())),
        Sent::Meanwhile => Err(refused(
            "sent_meanwhile",
            "刚刚已发送",
            "汇总表刚刚已由本单位其他人员发送。请返回审核工作台查看。".into(),
        )),
    }
}
