//! The printable 申报表 (`/status/{token}/print`, `/review/{token}/print`) and `/verify/{code}`,
//! which matches paper to the online record by the check code printed on it.

use crate::AppState;
use crate::http::extract::{ClientAddr, CurrentReview};
use crate::http::status_link::StatusLink;
use crate::http::{AppError, Offer, Page};
use crate::store::{Event, Record};
use crate::views::{self, RecordView, Row};
use crate::workflow::{self, paper};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Values longer than this get a table line of their own on paper.
const PAIRED_MAX_CHARS: usize = 16;

/// Lays the fields out two to a line, a long value on a line of its own, in field order.
fn table_lines<'a>(rows: &[&'a Row]) -> Vec<Vec<&'a Row>> {
    let mut lines: Vec<Vec<&Row>> = Vec::new();
    let mut waiting: Option<&Row> = None;
    for &row in rows {
        if row.value().chars().count() > PAIRED_MAX_CHARS {
            lines.push(vec![row]);
        } else if let Some(first) = waiting.take() {
            lines.push(vec![first, row]);
        } else {
            waiting = Some(row);
        }
    }
    lines.extend(waiting.map(|row| vec![row]));
    lines
}

/// An inline SVG QR code for `text`.
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(120, 120).quiet_zone(true).build();
    // Inline in HTML: drop the XML declaration, and name the picture for screen readers.
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen("<svg", "<svg role=\"img\" aria-label=\"核验二维码\" class=\"qr\"", 1))
}

/// The printed form.
#[derive(Serialize)]
struct PrintPage<'a> {
    form_title: String,
    record: RecordView,
    pairs: Vec<Vec<&'a Row>>,
    long: Vec<&'a Row>,
    kinds: Vec<views::KindOnPaper>,
    hash: String,
    /// The content version: 1 as submitted, one more per change.
    version: u32,
    /// When this version was submitted (Beijing time).
    submitted_at: String,
    verify_url: String,
    qr: String,
    hr_name: String,
    back: String,
    /// The 申报人承诺 signed on paper, in the words of the form's declarations.
    pledge: &'static str,
    /// Which system produced the form and what it stands for.
    printed_by: String,
}

/// Whether a print carries the 核验码 and its QR code: the applicant's and the unit's (the paper
/// the unit stamps), never a reviewer's who records the paper by that code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Code {
    Printed,
    Withheld,
}

async fn print(
    state: &AppState,
    (record, events): (&Record, &[Event]),
    back: String,
    code: Code,
) -> Result<Response, AppError> {
    let p = &state.programme;
    let verify_url = match code {
        Code::Printed => state.settings.link(&format!("/verify/{}", paper::verify_code(state, record))),
        Code::Withheld => String::new(),
    };
    let rows = views::rows(p, &record.application);
    let (long, short): (Vec<&Row>, Vec<&Row>) = rows.iter().filter(|r| r.printed()).partition(|r| r.multiline());
    let page = PrintPage {
        form_title: format!("{}年度内蒙古自治区专业技术人才特殊培养项目申报表", p.round),
        record: views::record(p, record),
        pairs: table_lines(&short),
        long,
        kinds: views::kinds_on_paper(p, record),
        hash: if code == Code::Printed { paper::version_hash(state, record) } else { String::new() },
        version: paper::content_version(events),
        submitted_at: views::chinese_time(paper::content_submitted_at(events).unwrap_or(&record.created_at)),
        qr: if code == Code::Printed { qr_svg(&verify_url).unwrap_or_default() } else { String::new() },
        verify_url,
        hr_name: crate::workflow::hr_name(state, record),
        back,
        pledge: policy::PLEDGE_ON_PAPER,
        printed_by: p.official_system.printed_by(),
    };
    Ok(Page::typed("print.html", "申报表（打印）", &page)?.into_response())
}

/// `GET /status/{token}/print`.
pub async fn status_print(State(state): State<AppState>, link: StatusLink) -> Result<Response, AppError> {
    // An erased application has nothing to print (found by the red team: a sheet of 已删除 with a
    // 核验码 and a print button).
    if link.record.erased_at.is_some() {
        let message = "这份申报的个人信息已删除，申报表不能再打印。";
        return Err(AppError::new(StatusCode::GONE, "erased", "申报已删除", message)
            .offer(Offer::Back { url: format!("/status/{}", link.token), title: "返回进度页".into() }));
    }
    let (record, events) = (&link.record, &link.events);
    print(&state, (record, events), format!("/status/{}", link.token), Code::Printed).await
}

/// `GET /review/{token}/print`: on a current link only. The unit's carries the 核验码 (it may
/// print the paper it stamps); HR, who records the paper by that code, and the centre get a
/// preview without it, so the code is learned only from the paper (found by the red team: HR read it
/// here and recorded paper it never received).
pub async fn review_print(
    State(state): State<AppState>,
    CurrentReview(link): CurrentReview,
) -> Result<Response, AppError> {
    let code = if link.claims.stage == policy::Actor::Unit { Code::Printed } else { Code::Withheld };
    print(&state, (&link.record, &link.events), format!("/review/{}", link.token), code).await
}

/// The verification page.
#[derive(Serialize)]
struct VerifyPage {
    reference: String,
    name: String,
    status_label: &'static str,
    /// The current version's code, only when it is the printed one.
    current: String,
    printed: String,
    /// The content versions, when known: the record's, and the paper's.
    current_version: u32,
    printed_version: Option<u32>,
    same: bool,
    /// Why the application is not a live one (withdrawn, voided, never confirmed, erased), if it
    /// is not: the page leads with it.
    not_live: Option<String>,
    updated: String,
}

/// Why a paper of `record` stands for no live application, if it does not.
fn not_live(record: &crate::store::Record) -> Option<String> {
    use policy::Status;
    let why = match record.status {
        _ if record.erased_at.is_some() => "这份申报已删除",
        Status::Withdrawn => "这份申报已由申报人撤回",
        Status::Voided => "这份申报已作废",
        Status::Unconfirmed => "这份申报的申报人尚未确认邮箱，申报尚未送交审核",
        _ => return None,
    };
    Some(format!("{why}，不是有效的申报：这份纸质申报表不能作为申报材料使用。"))
}

/// `GET /verify/{code}`: masked name, status and version hash of the record the code names, and
/// whether the printed version is still the one online.
pub async fn verify(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    crate::workflow::limits::check(&state, crate::workflow::limits::VERIFY_PER_CLIENT, &client).await?;
    // Refused as a link that does not verify is (403), not 404: behind the CDN a 404's words are
    // the site's 页面不存在, and HR must read that the code is wrong, not that the page is missing.
    let unknown = || {
        let message = "没有找到与此核验码对应的申报记录。请核对纸质申报表上的核验码。";
        AppError::new(StatusCode::FORBIDDEN, "invalid", "无法核验", message)
    };
    let (reference, printed) = paper::read_code(&state, &code).ok_or_else(unknown)?;
    let (record, events) = workflow::load(&state, reference).await?;
    let current = paper::version_hash(&state, &record);
    let printed = paper::grouped(printed);
    let same = current == printed;
    tracing::info!(reference = %record.reference, same, "paper verified");
    let page = VerifyPage {
        reference: record.reference.clone(),
        name: views::masked_name(&record.application.name),
        status_label: record.status.label(),
        current_version: paper::content_version(&events),
        printed_version: paper::content_version_of(&events, &printed),
        // The current code only beside a paper that carries it: printed beside a stale one, it
        // would let whoever holds the old paper record one they do not have.
        current: if same { current } else { String::new() },
        printed,
        same,
        not_live: not_live(&record),
        updated: views::chinese_time(&record.updated_at),
    };
    Ok(Page::typed("verify.html", "申报表核验", &page)?.status(StatusCode::OK).into_response())
}
