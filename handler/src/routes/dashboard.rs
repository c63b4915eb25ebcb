//! Dashboards for league/city HR, 厅局/高校 and the regional centre: `/dashboard` (a configured
//! address asks for its link; the answer never says whether it is configured),
//! `/dashboard/{token}` (that scope's applications, filters and sorting without JS, places used),
//! the 汇总表 as XLSX and CSV, and a button that mails the XLSX to the centre.

use crate::routes::applications::{compose, review_path};
use crate::routes::decide::same_site;
use crate::routes::eligibility::small_form;
use crate::routes::{html_page, json_error};
use crate::store::{MailFile, Record};
use crate::{AppState, summary, views};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use policy::{Claims, Programme, Purpose, Status};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How long a dashboard link works. Rotating the signing key (without keeping the old one in
/// `TEPEI_PREVIOUS_KEYS`) revokes every link at once.
pub const DASHBOARD_TTL: time::Duration = time::Duration::days(180);

/// Whose applications a dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One league/city (code) or one 厅局/高校 (name): the HR reviewer's applications.
    Hr(String),
    /// The regional centre: every application.
    Centre,
}

/// The URL-safe id of a department name (names are Chinese; tokens are ASCII).
fn department_id(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    format!("d-{}", digest.iter().take(6).map(|b| format!("{b:02x}")).collect::<String>())
}

impl Scope {
    /// The id carried in the link.
    pub fn id(&self, p: &Programme) -> String {
        match self {
            Scope::Centre => "centre".to_owned(),
            Scope::Hr(scope) if p.league(scope).is_some() => format!("l-{scope}"),
            Scope::Hr(scope) => department_id(scope),
        }
    }

    /// The scope a link's id names, if it still exists.
    pub fn from_id(id: &str, p: &Programme) -> Option<Scope> {
        if id == "centre" {
            return Some(Scope::Centre);
        }
        if let Some(code) = id.strip_prefix("l-") {
            return p.leagues.iter().find(|l| l.code == code).map(|l| Scope::Hr(l.code.clone()));
        }
        p.departments.names.iter().find(|d| department_id(d) == id).map(|d| Scope::Hr(d.clone()))
    }

    /// Its name in Chinese: the league, the department, or 全区.
    pub fn name(&self, p: &Programme) -> String {
        match self {
            Scope::Centre => "全区".to_owned(),
            Scope::Hr(scope) => p.league(scope).map(|l| l.name.clone()).unwrap_or_else(|| scope.clone()),
        }
    }

    fn stage(&self) -> &'static str {
        match self {
            Scope::Centre => "centre",
            Scope::Hr(_) => "hr",
        }
    }
}

/// Signs a dashboard link for `scope`.
pub fn dashboard_path(state: &AppState, scope: &Scope) -> String {
    let claims = Claims {
        purpose: Purpose::Dashboard,
        reference: scope.id(&state.programme),
        stage: scope.stage().to_owned(),
        version: 0,
        expires: (state.clock.now() + DASHBOARD_TTL).unix_timestamp(),
    };
    format!("/dashboard/{}", state.settings.signer.sign(&claims))
}

fn render(state: &AppState, template: &str, title: &str, context: tera::Context) -> Response {
    match state.pages.render(template, title, "", None, context) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %theme::error_chain(&e), template, "dashboard page failed to render");
            html_page(state, StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "页面暂时无法显示，请稍后重试。")
        }
    }
}

/// `GET /dashboard`: the form that asks for a dashboard link.
pub async fn request_page(State(state): State<AppState>) -> Response {
    render(&state, "dashboard_request.html", "申报汇总查看链接", tera::Context::new())
}

const SAME_ANSWER: &str = "如果该邮箱是已登记的盟市人社部门、厅局（高校）或自治区留学人员和专家服务中心邮箱，查看链接已发送到该邮箱，请查收（包括垃圾邮件文件夹）。同一邮箱每10分钟最多发送一次。";

#[derive(Deserialize, Default)]
struct LinkRequest {
    #[serde(default)]
    email: String,
}

/// `POST /dashboard`: mails the dashboard link(s) of a configured address to that address; the
/// same answer whatever the address.
pub async fn request_link(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (request, json): (LinkRequest, bool) = match small_form(&headers, &body) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let email = request.email.trim().to_ascii_lowercase();
    if email.is_empty() {
        let message = "请填写电子邮箱";
        return if json {
            json_error(StatusCode::UNPROCESSABLE_ENTITY, "missing", message)
        } else {
            html_page(&state, StatusCode::UNPROCESSABLE_ENTITY, "请填写电子邮箱", message)
        };
    }
    let mut scopes: Vec<Scope> = state
        .reviewers
        .scopes()
        .filter(|(_, address)| address.as_str().eq_ignore_ascii_case(&email))
        .map(|(scope, _)| Scope::Hr(scope.to_owned()))
        .collect();
    if state.reviewers.centre().as_str().eq_ignore_ascii_case(&email) {
        scopes.insert(0, Scope::Centre);
    }
    if !scopes.is_empty() && state.limiter.allow(&format!("dashboard:{email}")) {
        let p = &state.programme;
        let links: Vec<Value> = scopes
            .iter()
            .map(|s| json!({"name": s.name(p), "link": state.settings.link(&dashboard_path(&state, s))}))
            .collect();
        let mut context = tera::Context::new();
        context.insert("links", &links);
        context.insert("days", &DASHBOARD_TTL.whole_days());
        context.insert("issuer", &p.notice_issuer);
        let subject = format!("【特培申报】{}申报汇总查看链接", scopes[0].name(p));
        let queued = match compose(&state, "dashboard_link", &email, subject, "dashboard", &context) {
            Ok(mail) => state.store.enqueue(&[mail]).await.map_err(|e| e.to_string()),
            Err(e) => Err(format!("{e:?}")),
        };
        if let Err(e) = queued {
            tracing::error!(error = %e, "dashboard link not queued");
            return html_page(&state, StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "系统繁忙，请稍后再试。");
        }
        state.mail_queued().await;
        tracing::info!(scopes = scopes.len(), "dashboard link sent");
    }
    if json {
        (StatusCode::ACCEPTED, Json(json!({"status": "accepted", "message": SAME_ANSWER}))).into_response()
    } else {
        html_page(&state, StatusCode::OK, "已受理", SAME_ANSWER)
    }
}

/// Verifies a dashboard link and names its scope.
fn open(state: &AppState, token: &str) -> Result<Scope, Box<Response>> {
    let claims = crate::routes::record::verify(state, token, Purpose::Dashboard, false)?;
    Scope::from_id(&claims.reference, &state.programme).filter(|s| s.stage() == claims.stage).ok_or_else(|| {
        Box::new(html_page(state, StatusCode::GONE, "链接已失效", "这个查看范围已不存在，请重新获取链接。"))
    })
}

/// The scope's applications, oldest first.
async fn records(state: &AppState, scope: &Scope) -> Result<Vec<Record>, Box<Response>> {
    let scope_filter = match scope {
        Scope::Hr(s) => Some(s.as_str()),
        Scope::Centre => None,
    };
    let mut records = state.store.list(scope_filter, None).await.map_err(|e| {
        tracing::error!(error = %e, "dashboard list failed");
        let mut r = html_page(state, StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "系统繁忙，请稍后刷新本页。");
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        Box::new(r)
    })?;
    records.sort_by(|a, b| (&a.created_at, &a.reference).cmp(&(&b.created_at, &b.reference)));
    Ok(records)
}

/// Holds a quota place: recommended, or decided by the centre.
fn placed(status: Status) -> bool {
    matches!(status, Status::Recommended | Status::Selected | Status::NotSelected)
}

/// Filters and sorting, from the no-JS form.
#[derive(Deserialize, Default, Debug)]
pub struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    stream: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    grassroots: String,
    #[serde(default)]
    private: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    sent: String,
    #[serde(default)]
    all: String,
}

/// Where an application comes from: the league, or 区直 for a department.
fn area_of(p: &Programme, r: &Record) -> (String, String) {
    match (&r.application.department, &r.application.league) {
        (Some(d), _) => ("region".to_owned(), format!("区直（{d}）")),
        (None, Some(l)) => (l.clone(), p.league(l).map(|x| x.name.clone()).unwrap_or_else(|| l.clone())),
        (None, None) => (String::new(), String::new()),
    }
}

fn level_rank(list: &[policy::Level], code: &str) -> usize {
    list.iter().position(|l| l.code == code).unwrap_or(0)
}

fn level_name(list: &[policy::Level], code: &str) -> String {
    list.iter().find(|l| l.code == code).map(|l| l.name.clone()).unwrap_or_else(|| code.to_owned())
}

/// The sort orders offered, by code.
const SORTS: [(&str, &str); 8] = [
    ("", "提交时间"),
    ("name", "姓名"),
    ("status", "状态"),
    ("area", "盟市"),
    ("birth", "出生年月"),
    ("education", "学历"),
    ("title", "职称"),
    ("profession_start", "从事本专业起始年月"),
];

/// Applies the filters and the sort.
fn select<'a>(p: &Programme, records: &'a [Record], f: &Filters) -> Vec<&'a Record> {
    let mut shown: Vec<&Record> = records
        .iter()
        .filter(|r| f.status.is_empty() || r.status.code() == f.status)
        .filter(|r| f.stream.is_empty() || r.stream == f.stream)
        .filter(|r| f.area.is_empty() || area_of(p, r).0 == f.area)
        .filter(|r| f.grassroots.is_empty() || r.application.grassroots)
        .filter(|r| f.private.is_empty() || r.application.sector == policy::Sector::Private)
        .collect();
    match f.sort.as_str() {
        "name" => shown.sort_by(|a, b| a.application.name.cmp(&b.application.name)),
        "status" => shown.sort_by_key(|r| Status::ALL.iter().position(|s| *s == r.status)),
        "education" => shown.sort_by_key(|r| level_rank(&p.education_levels, &r.application.education)),
        "title" => shown.sort_by_key(|r| level_rank(&p.title_levels, &r.application.title_level)),
        "profession_start" => shown.sort_by_key(|r| r.application.profession_start),
        "birth" => shown.sort_by_key(|r| r.application.id_number.birth_date()),
        "area" => shown.sort_by_key(|r| area_of(p, r).1),
        _ => {} // submission time, as listed
    }
    if f.order == "desc" {
        shown.reverse();
    }
    shown
}

/// One row of the dashboard table.
fn row_view(state: &AppState, scope: &Scope, r: &Record) -> Value {
    let p = &state.programme;
    let a = &r.application;
    let birth = a.id_number.birth_date();
    let stream = p.stream(&a.programme, a.track);
    let review = match (scope, r.status) {
        (Scope::Hr(_), Status::HrReview) => Some(review_path(state, &r.reference, "hr", r.version)),
        (Scope::Centre, Status::Recommended) => Some(review_path(state, &r.reference, "centre", r.version)),
        _ => None,
    };
    json!({
        "reference": r.reference,
        "name": a.name,
        "status": r.status.code(),
        "status_label": r.status.label(),
        "programme": p.programme(&a.programme).map(|x| x.short_name.clone()).unwrap_or_else(|| a.programme.clone()),
        "track": a.track.label(),
        "stream_name": stream.map(|s| s.name.clone()).unwrap_or_default(),
        "area": area_of(p, r).1,
        "unit_level": a.unit_level.label(),
        "birth": format!("{}.{:02}", birth.year(), birth.month() as u8),
        "ethnicity": a.ethnicity,
        "education": level_name(&p.education_levels, &a.education),
        "title": level_name(&p.title_levels, &a.title_level),
        "profession_start": a.profession_start.to_string(),
        "grassroots": a.grassroots,
        "private": a.sector == policy::Sector::Private,
        "submitted": views::chinese_time(&r.created_at),
        "review": review,
    })
}

/// Places used and available per stream, for this scope.
async fn quota_view(state: &AppState, scope: &Scope, records: &[Record]) -> Vec<Value> {
    let p = &state.programme;
    let mut out = Vec::new();
    for stream in &p.streams {
        let league = match scope {
            Scope::Hr(s) => p.league(s).map(|l| l.code.clone()),
            Scope::Centre => None,
        };
        let (key, cap, of_league) = match league.as_deref().and_then(|l| p.league_cap(stream, l).map(|c| (l, c))) {
            Some((l, cap)) => (format!("{}-{l}", stream.key()), cap, true),
            None => (stream.key(), stream.quota, false),
        };
        let used = state.store.quota_used(&key).await.unwrap_or_default();
        let mine = records.iter().filter(|r| r.stream == stream.key() && placed(r.status)).count();
        out.push(json!({
            "name": stream.name, "key": stream.key(), "cap": cap, "used": used, "mine": mine,
            "of_league": of_league,
        }));
    }
    out
}

/// The centre's table: places used per league (and 区直) and stream, with totals.
fn by_area(p: &Programme, records: &[Record]) -> Value {
    let mut areas: Vec<(String, String)> = p.leagues.iter().map(|l| (l.code.clone(), l.name.clone())).collect();
    areas.push(("region".to_owned(), "区直单位".to_owned()));
    let rows: Vec<Value> = areas
        .iter()
        .map(|(code, name)| {
            let counts: Vec<Value> = p
                .streams
                .iter()
                .map(|s| {
                    let n = records
                        .iter()
                        .filter(|r| r.stream == s.key() && placed(r.status) && area_of(p, r).0 == *code)
                        .count();
                    json!({"count": n, "cap": p.league_cap(s, code)})
                })
                .collect();
            let total: usize = counts.iter().filter_map(|c| c["count"].as_u64()).sum::<u64>() as usize;
            let submitted = records.iter().filter(|r| area_of(p, r).0 == *code).count();
            json!({"code": code, "name": name, "counts": counts, "total": total, "submitted": submitted})
        })
        .collect();
    let totals: Vec<Value> = p
        .streams
        .iter()
        .map(|s| {
            let n = records.iter().filter(|r| r.stream == s.key() && placed(r.status)).count();
            json!({"name": s.name, "count": n, "cap": s.quota})
        })
        .collect();
    json!({"rows": rows, "totals": totals})
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal bar chart as inline SVG (no script): one bar per item, the value against `cap`
/// where a cap is known (a pale bar behind), labelled with both.
pub fn bar_chart(id: &str, title: &str, items: &[(String, usize, Option<u32>)]) -> String {
    // Labels are Chinese: about one 13px em per character.
    let label_w = items.iter().map(|(l, _, _)| l.chars().count()).max().unwrap_or(4) as f64 * 13.5 + 12.0;
    let width = label_w + 420.0;
    let bar_h = 18.0;
    let gap = 8.0;
    let top = 8.0;
    let scale_max = items.iter().map(|(_, v, c)| (*v).max(c.unwrap_or(0) as usize)).max().unwrap_or(0).max(1) as f64;
    let plot_w = width - label_w - 90.0;
    let height = top * 2.0 + items.len() as f64 * (bar_h + gap);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"chart-{id}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-{id}\">{t}</title>",
        id = escape(id),
        t = escape(title)
    );
    for (i, (label, value, cap)) in items.iter().enumerate() {
        let y = top + i as f64 * (bar_h + gap);
        let text_y = y + bar_h * 0.75;
        svg.push_str(&format!(
            "<text x=\"{x}\" y=\"{text_y}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>",
            escape(label),
            x = label_w - 8.0
        ));
        if let Some(cap) = cap {
            let w = plot_w * f64::from(*cap) / scale_max;
            svg.push_str(&format!(
                "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#dfe7f2\" stroke=\"#5b6b82\"/>"
            ));
        }
        let w = plot_w * *value as f64 / scale_max;
        svg.push_str(&format!(
            "<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"{bar_h}\" fill=\"#1d4f91\"/>"
        ));
        let text = match cap {
            Some(cap) => format!("{value} / {cap}"),
            None => value.to_string(),
        };
        let x = label_w + plot_w * (*value as f64).max(f64::from(cap.unwrap_or(0))) / scale_max + 6.0;
        svg.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{text_y}\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>",
            escape(&text)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// `GET /dashboard/{token}`.
pub async fn show(State(state): State<AppState>, Path(token): Path<String>, Query(f): Query<Filters>) -> Response {
    let scope = match open(&state, &token) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let all = match records(&state, &scope).await {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let p = &state.programme;
    let shown: Vec<Value> = select(p, &all, &f).into_iter().map(|r| row_view(&state, &scope, r)).collect();
    let mut context = tera::Context::new();
    let name = scope.name(p);
    context.insert("scope_name", &name);
    context.insert("centre", &(scope == Scope::Centre));
    context.insert("base", &format!("/dashboard/{token}"));
    context.insert("rows", &shown);
    context.insert("total", &all.len());
    context.insert("quota", &quota_view(&state, &scope, &all).await);
    context.insert("centre_email", &p.centre.email);
    context.insert("sent", &(f.sent == "1"));
    context.insert(
        "filters",
        &json!({"status": f.status, "stream": f.stream, "area": f.area, "grassroots": !f.grassroots.is_empty(),
                "private": !f.private.is_empty(), "sort": f.sort, "order": f.order}),
    );
    let statuses: Vec<Value> = Status::ALL.iter().map(|s| json!({"code": s.code(), "label": s.label()})).collect();
    context.insert("statuses", &statuses);
    let sorts: Vec<Value> = SORTS.iter().map(|(code, name)| json!({"code": code, "name": name})).collect();
    context.insert("sorts", &sorts);
    let streams: Vec<Value> = p.streams.iter().map(|s| json!({"key": s.key(), "name": s.name})).collect();
    context.insert("streams", &streams);
    if scope == Scope::Centre {
        let table = by_area(p, &all);
        let league_items: Vec<(String, usize, Option<u32>)> = table["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        (
                            r["name"].as_str().unwrap_or_default().to_owned(),
                            r["total"].as_u64().unwrap_or(0) as usize,
                            None,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let stream_items: Vec<(String, usize, Option<u32>)> = p
            .streams
            .iter()
            .map(|s| {
                let n = all.iter().filter(|r| r.stream == s.key() && placed(r.status)).count();
                (s.name.clone(), n, Some(s.quota))
            })
            .collect();
        context.insert("areas", &table);
        context.insert("chart_areas", &bar_chart("areas", "各盟市及区直单位已推荐人数", &league_items));
        context.insert("chart_streams", &bar_chart("streams", "各项目已推荐人数与名额", &stream_items));
        let areas: Vec<Value> = table["rows"]
            .as_array()
            .map(|rows| rows.iter().map(|r| json!({"code": r["code"], "name": r["name"]})).collect())
            .unwrap_or_default();
        context.insert("area_options", &areas);
    }
    let mut response = render(&state, "dashboard.html", &format!("{name}申报汇总"), context);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// The 汇总表 of a scope, recommended applications only unless `all`.
async fn table(state: &AppState, scope: &Scope, all: bool) -> Result<summary::SummaryTable, Box<Response>> {
    let records = records(state, scope).await?;
    let today = state.clock.now().to_offset(time::macros::offset!(+8)).date();
    Ok(summary::build(&state.programme, &records, &scope.name(&state.programme), today, all))
}

fn file_name(state: &AppState, scope: &Scope, ext: &str) -> String {
    let today = state.clock.now().to_offset(time::macros::offset!(+8)).date();
    format!("{}年度特培学员汇总表-{}-{today}.{ext}", state.programme.round, scope.name(&state.programme))
}

fn download(state: &AppState, scope: &Scope, ext: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&crate::blobs::attachment_disposition(&file_name(state, scope, ext)))
                .unwrap_or(HeaderValue::from_static("attachment")),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
    ];
    (headers, bytes).into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Verifies the link and builds its scope's table.
async fn scoped_table(
    state: &AppState,
    token: &str,
    all: bool,
) -> Result<(Scope, summary::SummaryTable), Box<Response>> {
    let scope = open(state, token)?;
    let table = table(state, &scope, all).await?;
    Ok((scope, table))
}

fn xlsx(state: &AppState, table: &summary::SummaryTable) -> Result<Vec<u8>, Box<Response>> {
    table.to_xlsx().map_err(|e| {
        tracing::error!(error = %e, "summary XLSX failed");
        Box::new(html_page(state, StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "汇总表暂时无法生成，请稍后再试。"))
    })
}

/// `GET /dashboard/{token}/summary.xlsx` (`?all=1` for every application).
pub async fn summary_xlsx(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(f): Query<Filters>,
) -> Response {
    let built = scoped_table(&state, &token, !f.all.is_empty()).await;
    match built.and_then(|(scope, table)| Ok((scope, xlsx(&state, &table)?))) {
        Ok((scope, bytes)) => download(&state, &scope, "xlsx", XLSX, bytes),
        Err(r) => *r,
    }
}

/// `GET /dashboard/{token}/summary.csv` (`?all=1` for every application).
pub async fn summary_csv(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(f): Query<Filters>,
) -> Response {
    match scoped_table(&state, &token, !f.all.is_empty()).await {
        Ok((scope, table)) => download(&state, &scope, "csv", "text/csv; charset=utf-8", table.to_csv()),
        Err(r) => *r,
    }
}

/// `POST /dashboard/{token}/send`: mails the scope's 汇总表 (recommended applications, XLSX) to
/// the centre's address in programme.toml, then back to the dashboard.
pub async fn send_summary(State(state): State<AppState>, Path(token): Path<String>, headers: HeaderMap) -> Response {
    if !same_site(&state, &headers) {
        return html_page(&state, StatusCode::FORBIDDEN, "请求被拒绝", "只能在本站页面上提交。");
    }
    let (scope, table, bytes) =
        match scoped_table(&state, &token, false).await.and_then(|(s, t)| Ok((s, xlsx(&state, &t)?, t))) {
            Ok((s, bytes, t)) => (s, t, bytes),
            Err(r) => return *r,
        };
    let p = &state.programme;
    let id = scope.id(p);
    if !state.limiter.allow(&format!("summary:{id}")) {
        return html_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            "刚刚已发送",
            "汇总表刚刚已发送，10分钟内不再重复发送。",
        );
    }
    let mut context = tera::Context::new();
    context.insert("scope_name", &scope.name(p));
    context.insert("title", &table.title);
    context.insert("count", &table.rows.len());
    context.insert("issuer", &p.notice_issuer);
    let subject = format!("【特培申报】{}{}（{}人）", scope.name(p), table.title, table.rows.len());
    let mut mail = match compose(&state, "summary", &p.centre.email, subject, &format!("summary-{id}"), &context) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = ?e, "summary mail failed to render");
            return html_page(&state, StatusCode::INTERNAL_SERVER_ERROR, "系统错误", "邮件暂时无法生成，请稍后再试。");
        }
    };
    use base64::Engine;
    mail.files.push(MailFile {
        name: file_name(&state, &scope, "xlsx"),
        content_type: XLSX.to_owned(),
        base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
    });
    if let Err(e) = state.store.enqueue(&[mail]).await {
        tracing::error!(error = %e, "summary mail not queued");
        return html_page(&state, StatusCode::SERVICE_UNAVAILABLE, "系统繁忙", "系统繁忙，汇总表未发送，请稍后再试。");
    }
    state.mail_queued().await;
    tracing::info!(scope = %id, rows = table.rows.len(), "summary mailed to the centre");
    Redirect::to(&format!("/dashboard/{token}?sent=1")).into_response()
}
