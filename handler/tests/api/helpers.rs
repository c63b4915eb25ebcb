//! `spawn_app()`: the real Router on a free loopback port, on a real SQLite file, writing real
//! `.eml` files that tests read links back out of.

use base64::Engine;
use handler::mail::FileMailer;
use handler::store::{DynamoStore, SqliteStore, Store};
use handler::{AppState, Clock, Settings, app};
use std::path::PathBuf;
use std::sync::Arc;

/// The public address links are built from (never the request's Host).
pub const BASE: &str = "https://tepei.example.gov.cn";

/// Inside the 2025 window.
pub fn in_window() -> time::OffsetDateTime {
    time::macros::datetime!(2025-03-15 09:00 +8)
}

/// A running app and what it wrote.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// A client that does not follow redirects.
    pub client: reqwest::Client,
    /// The store behind the app.
    pub store: Arc<dyn Store>,
    /// The task secret.
    pub task_secret: String,
    /// Signs links as the app does (the confirmation page's address goes only to the submitter).
    pub signer: policy::Signer,
    /// Where the mailer writes `.eml` copies.
    pub outbox: PathBuf,
    /// Where uploads land.
    pub uploads: PathBuf,
    /// The app's state, for links made as it makes them.
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// A mail read back from the outbox folder.
#[derive(Debug, Clone)]
pub struct Sent {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Attached files: content type and bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// Every header, by lower-case name, as written.
    pub headers: std::collections::HashMap<String, String>,
}

impl TestApp {
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.address)).json(body).send().await.expect("request")
    }

    /// A form posted by a script that asks for JSON back (`Accept: application/json`).
    pub async fn post_form_for_json(&self, path: &str, body: &str) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .expect("request")
    }

    pub async fn post_form(&self, path: &str, body: &str) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .expect("request")
    }

    /// [`Self::post_form`] from a browser that keeps `cookie` (`name=value`).
    pub async fn post_form_in(&self, cookie: &str, path: &str, body: &str) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(body.to_owned())
            .send()
            .await
            .expect("request")
    }

    /// `form` with one uploaded document of each kind the shipped rules require for it (unless
    /// it names its files already).
    pub async fn with_documents(&self, form: &serde_json::Value) -> serde_json::Value {
        let mut form = form.clone();
        testkit::attach_documents(&self.client, &self.address, &mut form).await;
        form
    }

    /// Posts an application as JSON, with the documents it needs uploaded first.
    pub async fn apply(&self, form: &serde_json::Value) -> reqwest::Response {
        let form = self.with_documents(form).await;
        self.post_json("/api/applications", &form).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.expect("request")
    }

    pub async fn get_json(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .header("accept", "application/json")
            .send()
            .await
            .expect("request")
    }

    /// The path part of an absolute link built on [`BASE`].
    pub fn path_of(link: &str) -> String {
        link.strip_prefix(BASE).unwrap_or_else(|| panic!("{link} is not under {BASE}")).to_owned()
    }

    /// Every mail written so far, oldest first.
    pub fn mails(&self) -> Vec<Sent> {
        let mut files: Vec<_> = std::fs::read_dir(&self.outbox)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort_by_key(|p| (std::fs::metadata(p).and_then(|m| m.modified()).ok(), p.clone()));
        files.iter().map(|f| parse_eml(&std::fs::read_to_string(f).expect("eml"))).collect()
    }
}

fn decode_words(header: &str) -> String {
    header
        .split_whitespace()
        .map(|w| {
            w.strip_prefix("=?utf-8?b?")
                .and_then(|w| w.strip_suffix("?="))
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_else(|| format!(" {w}"))
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Decodes quoted-printable text (soft line breaks and `=XX` bytes).
/// A quoted-printable body decoded (soft line breaks joined, `=XX` read as bytes).
pub fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (other, _) => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the headers and the text and HTML parts lettre writes.
fn parse_eml(text: &str) -> Sent {
    let text = text.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").expect("headers");
    let mut headers = std::collections::HashMap::new();
    let mut last = String::new();
    for line in head.lines() {
        if line.starts_with(' ') || line.starts_with('\t') {
            headers.entry(last.clone()).and_modify(|v: &mut String| v.push_str(line));
        } else if let Some((k, v)) = line.split_once(": ") {
            last = k.to_ascii_lowercase();
            headers.insert(last.clone(), v.to_owned());
        }
    }
    let part = |kind: &str| {
        let at = body.find(&format!("Content-Type: {kind}")).expect("part");
        let rest = &body[at..];
        let start = rest.find("\n\n").expect("part body") + 2;
        let end = rest[start..].find("\n--").map_or(rest.len(), |e| start + e);
        let head = &rest[..start];
        let raw = &rest[start..end];
        if head.contains("Content-Transfer-Encoding: base64") {
            let b64: String = raw.split_whitespace().collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).expect("base64")).expect("utf-8")
        } else if head.contains("Content-Transfer-Encoding: quoted-printable") {
            quoted_printable(raw)
        } else {
            raw.to_owned()
        }
    };
    // Attachments: MIME parts between boundary lines with `Content-Disposition: attachment`.
    let files = body
        .split("\n--")
        .filter_map(|chunk| {
            let (head, raw) = chunk.split_once("\n\n")?;
            if !head.contains("Content-Disposition: attachment") {
                return None;
            }
            let kind = head.lines().find_map(|l| l.strip_prefix("Content-Type: "))?.to_owned();
            let b64: String = raw.split_whitespace().collect();
            Some((kind, base64::engine::general_purpose::STANDARD.decode(b64).expect("base64 attachment")))
        })
        .collect();
    Sent {
        to: headers.get("to").cloned().unwrap_or_default(),
        subject: decode_words(headers.get("subject").map(String::as_str).unwrap_or_default()),
        text: part("text/plain"),
        html: part("text/html"),
        files,
        headers,
    }
}

/// How to build the app.
pub struct Options {
    pub clock: Clock,
    pub store: Option<Arc<dyn Store>>,
    pub site: bool,
    /// Where uploads go (default: files in the app's temporary folder).
    pub blobs: Option<Arc<dyn handler::blobs::Blobs>>,
    /// Rules other than the embedded programme's (smaller quotas).
    pub programme: Option<policy::Programme>,
    /// The public base URL links are built on.
    pub base: &'static str,
    /// Multiplies every rate limit (for tests that send hundreds of requests on purpose).
    pub limit_scale: u32,
    /// `TEPEI_DATA_KEY` (default: the key [`Settings::new`] derives).
    pub data_keys: Option<String>,
    /// Reviewers other than the embedded config/reviewers.toml's.
    pub reviewers: Option<policy::Reviewers>,
    /// A site config other than the embedded config.toml (its `reply_to`).
    pub config: Option<theme::Config>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            clock: Clock::starting_at(in_window()),
            store: None,
            site: false,
            blobs: None,
            programme: None,
            base: BASE,
            limit_scale: 1,
            data_keys: None,
            reviewers: None,
            config: None,
        }
    }
}

pub async fn spawn_with(options: Options) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = match options.store {
        Some(s) => s,
        None => Arc::new(SqliteStore::open(&dir.path().join("tepei.sqlite3")).expect("sqlite")),
    };
    let outbox = dir.path().join("outbox");
    let mailer = FileMailer::new(&outbox, "特培申报 <noreply@example.gov.cn>").expect("mailer");
    let mut settings = Settings::new(options.base, "k1", b"test key that is long enough for hmac");
    settings.limit_scale = options.limit_scale;
    if let Some(keys) = &options.data_keys {
        settings.data_keys = handler::personal::DataKeys::parse(keys).expect("data keys");
    }
    let task_secret = settings.task_secret.clone();
    let signer = settings.signer.clone();
    let mut state = AppState::new(options.clock, store.clone(), settings)
        .expect("state")
        .with_inline_mailer(Arc::new(mailer))
        .with_blobs(match options.blobs {
            Some(b) => b,
            None => Arc::new(handler::blobs::FsBlobs::new(dir.path().to_owned()).expect("blobs")),
        });
    if options.reviewers.is_some() || options.config.is_some() {
        // As `serve --root` runs: the folder's reviewers and config.toml, the embedded rules.
        let programme = options.programme.clone().unwrap_or_else(|| state.programme().clone());
        let reviewers =
            options.reviewers.unwrap_or_else(|| policy::Reviewers::embedded(&programme).expect("reviewers"));
        let config = options.config.unwrap_or_else(|| theme::Config::embedded().expect("config"));
        let fingerprint = state.rules().to_owned();
        state = state.with_rules(programme, reviewers, config, &fingerprint);
    }
    if let Some(programme) = options.programme {
        state = state.with_programme(programme);
    }
    if options.site {
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("assets")).expect("mkdir");
        std::fs::write(site.join("index.html"), "<!DOCTYPE html><title>首页</title>").expect("write");
        std::fs::write(site.join("404.html"), "<!DOCTYPE html><title>页面不存在</title>").expect("write");
        std::fs::create_dir_all(site.join("notice")).expect("mkdir");
        std::fs::write(site.join("notice/index.html"), "<!DOCTYPE html><title>通知全文</title>").expect("write");
        std::fs::write(site.join("assets/style.12345678.css"), "body{}").expect("write");
        // The theme's real stylesheet and script, where the handler's pages link them.
        for asset in theme::Theme::new().expect("theme").assets() {
            std::fs::write(site.join(asset.path.trim_start_matches('/')), asset.bytes).expect("write asset");
        }
        state = state.with_site(handler::http::statics::SiteFiles::read_dir(&site).expect("site files"));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    let kept = state.clone();
    tokio::spawn(async move { axum::serve(listener, app(state)).await.expect("serve") });
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let uploads = dir.path().join("uploads");
    TestApp { address, client, store, task_secret, signer, outbox, uploads, state: kept, _dir: dir }
}

/// The app as the Lambda runs it (no static site), inside the window.
pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

/// The app as `serve` runs it, with a small site folder.
pub async fn spawn_app_with_site() -> TestApp {
    spawn_with(Options { site: true, ..Options::default() }).await
}

/// A store that cannot be reached: the real DynamoDB adapter pointed at a closed port.
pub async fn unreachable_store() -> Arc<dyn Store> {
    let port = testkit::free_port();
    let client = handler::config::dynamo_client(Some(&format!("http://127.0.0.1:{port}"))).await;
    Arc::new(DynamoStore::new(client, "tepei"))
}

/// Submits sample application `n`; returns its status link's path.
pub async fn submit(app: &TestApp, n: u32) -> String {
    submit_form(app, &testkit::sample_application(n)).await
}

/// Submits an application (JSON) and confirms it as its applicant would, from the mail; returns
/// its status link's path.
pub async fn submit_form(app: &TestApp, form: &serde_json::Value) -> String {
    let response = app.apply(form).await;
    assert_eq!(response.status(), 201, "submission refused");
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unconfirmed", "{body}");
    confirm(app, body["reference"].as_str().expect("reference")).await
}

/// The page where the submitter types the 邮箱验证码 of `reference` (its first code), as the
/// submission's answer gives it.
pub fn confirm_link(app: &TestApp, reference: &str) -> String {
    let claims = policy::ConfirmClaims { reference: reference.to_owned(), generation: 0 };
    format!("/confirm/{}", app.signer.sign(&claims, i64::MAX / 2))
}

/// The 邮箱验证码 in the latest mail about `reference`.
pub fn mailed_code(app: &TestApp, reference: &str) -> String {
    app.mails()
        .iter()
        .rev()
        .filter(|m| m.subject.contains(reference))
        .find_map(|m| testkit::mailed_code(&m.text))
        .unwrap_or_else(|| panic!("no 邮箱验证码 mailed for {reference}"))
}

/// The 邮箱验证码 mailed about `reference` other than `earlier` (a new code asked for): mails
/// written within the file system's clock tick cannot be ordered by time, so the new one is told
/// by its value.
pub fn new_mailed_code(app: &TestApp, reference: &str, earlier: &str) -> String {
    app.mails()
        .iter()
        .filter(|m| m.subject.contains(reference))
        .filter_map(|m| testkit::mailed_code(&m.text))
        .find(|c| c != earlier)
        .unwrap_or_else(|| panic!("no new 邮箱验证码 mailed for {reference}"))
}

/// The applicant types the code mailed for `reference` on the page the submission answered
/// with; returns the status link's path the answer leads to.
pub async fn confirm(app: &TestApp, reference: &str) -> String {
    let body = format!("code={}", mailed_code(app, reference));
    let response = app.post_form(&confirm_link(app, reference), &body).await;
    assert_eq!(response.status(), 303, "confirmation refused");
    let location = response.headers()["location"].to_str().expect("ascii");
    location.split('?').next().expect("path").to_owned()
}

/// The paper of the application behind a status or review link: the applicant's print (a
/// reviewer's print past the unit carries no 核验码; the paper HR records is the applicant's).
async fn the_paper(app: &TestApp, link: &str) -> String {
    let status = match link.strip_prefix("/review/") {
        Some(token) => {
            let reference = token.split('.').nth(1).expect("the reference in a review link");
            let record = app.store.get(reference).await.expect("get").expect("record");
            handler::workflow::links::status_path(&app.state, &record)
        }
        None => link.to_owned(),
    };
    let status = status.trim_end_matches("/print");
    app.get(&format!("{status}/print")).await.text().await.expect("print")
}

/// The check code printed on the 申报表 of the application behind a status or review link.
pub async fn printed_code(app: &TestApp, link: &str) -> String {
    testkit::check_code(&the_paper(app, link).await)
}

/// The 核验码 printed on the 申报表 of the application behind a status or review link, as a
/// person reads it off the paper (`1A2B-3C4D-5E6F-7A8B`, beside the 申报编号).
pub async fn printed_hash(app: &TestApp, link: &str) -> String {
    let html = the_paper(app, link).await;
    let marker = "版 <span class=\"mono\">";
    let start = html.find(marker).expect("the 核验码 beside the 申报编号") + marker.len();
    html[start..start + 19].to_owned()
}

/// HR records the stamped paper by the 核验码 printed on it, as the notice requires before a
/// recommendation; returns the fresh HR link the receipt answers with (a receipt is a version).
pub async fn receive_paper(app: &TestApp, hr: &str) -> String {
    let code = printed_hash(app, hr).await;
    let response = app.post_form(hr, &format!("decision=paper_received&code={code}")).await;
    assert_eq!(response.status(), 303, "the paper was not received");
    let location = response.headers()["location"].to_str().expect("ascii");
    location.split('?').next().expect("path").to_owned()
}

/// The newest mail to `to` whose text holds a link with `prefix`; returns the link's path.
pub fn link_in_mail(mails: &[Sent], to: &str, prefix: &str) -> String {
    let link = mails
        .iter()
        .filter(|m| m.to == to)
        .filter_map(|m| testkit::link_with(&m.text, prefix))
        .next_back()
        .unwrap_or_else(|| panic!("no {prefix} link in mail to {to}: {mails:?}"));
    TestApp::path_of(&link)
}

pub use testkit::form_body;

/// The cookie (`name=value`) an answer's headers ask the browser to keep, and its attributes.
pub fn set_cookie(headers: &reqwest::header::HeaderMap) -> (String, String) {
    let set = headers.get("set-cookie").expect("set-cookie").to_str().expect("ascii").to_owned();
    let (pair, attributes) = set.split_once(';').unwrap_or((&set, ""));
    (pair.trim().to_owned(), attributes.to_owned())
}
