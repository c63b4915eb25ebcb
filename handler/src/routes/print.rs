//! The printable 申报表 (`/status/{token}/print`, `/review/{token}/print`) and `/verify/{code}`,
//! which matches paper to the online record: the form carries a hash of the submitted version
//! and a QR code for a verification page that shows the masked name, the status and the hash of
//! the version online now.

use crate::routes::html_page;
use crate::routes::record::{linked_record, load};
use crate::store::Record;
use crate::{AppState, views};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use policy::Purpose;
use sha2::{Digest, Sha256};

/// The hash of the submitted content (the application and its files), shown on paper as
/// `1A2B-3C4D-5E6F-7A8B`. Status changes leave it alone; a resubmission changes it.
pub fn version_hash(record: &Record) -> String {
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(&record.application).unwrap_or_default());
    for file in &record.attachments {
        hasher.update(b"|");
        hasher.update(file.sha256.as_bytes());
    }
    let hex: String = hasher.finalize().iter().take(8).map(|b| format!("{b:02X}")).collect();
    grouped(&hex)
}

/// `1A2B3C4D…` as `1A2B-3C4D-…`, as the code is printed.
fn grouped(hex: &str) -> String {
    hex.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// The code printed on the form: reference, version hash and a keyed check, so codes cannot be
/// made up for other references.
pub fn verify_code(state: &AppState, record: &Record) -> String {
    let hash = version_hash(record).replace('-', "");
    let check = &policy::keyed_hash(&state.settings.secret, &["verify", &record.reference, &hash])[..12];
    format!("{}.{hash}.{check}", record.reference)
}

/// The name with all but its first character hidden: `乌**`.
pub fn masked_name(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    first + &"*".repeat(chars.count())
}

/// An inline SVG QR code for `text`.
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(120, 120).quiet_zone(true).build();
    // Inline in HTML: drop the XML declaration, and name the picture for screen readers.
    let start = svg.find("<svg")?;
    Some(svg[start..].replacen("<svg", "<svg role=\"img\" aria-label=\"核验二维码\" class=\"qr\"", 1))
}

/// Values longer than this get a table line of their own on paper.
const PAIRED_MAX_CHARS: usize = 16;

/// Lays the fields out two to a line, a long value on a line of its own, in field order.
fn table_lines(rows: &[views::Row]) -> Vec<Vec<&views::Row>> {
    let mut lines: Vec<Vec<&views::Row>> = Vec::new();
    let mut waiting: Option<&views::Row> = None;
    for row in rows {
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

async fn print(state: &AppState, token: &str, purpose: Purpose) -> Response {
    let record = match linked_record(state, token, purpose).await {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let p = &state.programme;
    let verify_url = state.settings.link(&format!("/verify/{}", verify_code(state, &record)));
    let mut context = tera::Context::new();
    context.insert("form_title", &format!("{}年度内蒙古自治区专业技术人才特殊培养项目申报表", p.round));
    context.insert("record", &views::record(p, &record));
    let (long, short): (Vec<views::Row>, Vec<views::Row>) =
        views::rows(p, &record.application).into_iter().partition(views::Row::multiline);
    context.insert("pairs", &table_lines(&short));
    context.insert("long", &long);
    context.insert("attachments", &views::attachments(p, &record));
    context.insert("hash", &version_hash(&record));
    context.insert("verify_url", &verify_url);
    context.insert("qr", &qr_svg(&verify_url).unwrap_or_default());
    context.insert("hr_name", &views::hr_name(p, &record.application));
    context.insert("back", &format!("/{}/{token}", if purpose == Purpose::Review { "review" } else { "status" }));
    match state.pages.render("print.html", "申报表（打印）", "", None, context) {
        Ok(html) => {
            let mut response = Html(html).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            response
        }
        Err(e) => {
            tracing::error!(error = %theme::error_chain(&e), "print page failed to render");
            html_page(state, StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "页面暂时无法显示，请稍后重试。")
        }
    }
}

/// `GET /status/{token}/print`.
pub async fn status_print(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    print(&state, &token, Purpose::Status).await
}

/// `GET /review/{token}/print`.
pub async fn review_print(State(state): State<AppState>, Path(token): Path<String>) -> Response {
    print(&state, &token, Purpose::Review).await
}

/// `GET /verify/{code}`: masked name, status and version hash of the record the code names, and
/// whether the printed version is still the one online.
pub async fn verify_page(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let unknown = || {
        html_page(
            &state,
            StatusCode::NOT_FOUND,
            "无法核验",
            "没有找到与此核验码对应的申报记录。请核对纸质申报表上的核验码。",
        )
    };
    let mut parts = code.splitn(3, '.');
    let (Some(reference), Some(printed), Some(check)) = (parts.next(), parts.next(), parts.next()) else {
        return unknown();
    };
    let well_formed = reference.len() <= 20
        && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && printed.len() == 16
        && printed.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed || !policy::keyed_hash_starts_with(&state.settings.secret, &["verify", reference, printed], check) {
        return unknown();
    }
    let record = match load(&state, reference, false).await {
        Ok((r, _)) => r,
        Err(r) => return *r,
    };
    let current = version_hash(&record);
    let printed_text = grouped(printed);
    let mut context = tera::Context::new();
    context.insert("reference", &record.reference);
    context.insert("name", &masked_name(&record.application.name));
    context.insert("status_label", record.status.label());
    context.insert("current", &current);
    context.insert("printed", &printed_text);
    context.insert("same", &(current == printed_text));
    context.insert("updated", &views::chinese_time(&record.updated_at));
    tracing::info!(reference = %record.reference, same = current == printed_text, "paper verified");
    match state.pages.render("verify.html", "申报表核验", "", None, context) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %theme::error_chain(&e), "verify page failed to render");
            html_page(&state, StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "页面暂时无法显示，请稍后重试。")
        }
    }
}
