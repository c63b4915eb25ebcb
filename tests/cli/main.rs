//! The `tepei` binary: build, check and serve as a user runs them. One binary for the suite:
//! `faults` runs `serve` under faults (DynamoDB Local killed mid-load, the SMTP relay down);
//! `layout` checks the house rules of the source tree (file length, no import cycles).

mod faults;
mod layout;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn tepei() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tepei"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).env("RUST_BACKTRACE", "0");
    cmd
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("config.toml"), dir.path().join("config.toml")).expect("config");
    std::fs::create_dir_all(dir.path().join("content")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("config")).expect("mkdir");
    std::fs::copy(root.join("config/reviewers.toml"), dir.path().join("config/reviewers.toml")).expect("reviewers");
    for entry in std::fs::read_dir(root.join("content")).expect("content") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join("content").join(entry.file_name())).expect("copy");
    }
    dir
}

#[test]
fn help_lists_the_commands() {
    let out = tepei().arg("--help").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for command in ["build", "check", "serve"] {
        assert!(text.contains(command), "{text}");
    }
    let out = tepei().args(["serve", "--help"]).output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--addr", "--data", "--now"] {
        assert!(text.contains(flag), "{text}");
    }
}

#[test]
fn build_reports_pages_and_time() {
    let dir = fixture();
    let out = tepei().args(["--root"]).arg(dir.path()).arg("build").output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("wrote 16 pages") && text.contains(" ms"), "{text}");
    assert!(dir.path().join("public/notice/index.html").is_file());
}

#[test]
fn check_passes_on_the_real_site_and_warns_about_gaps() {
    let out = tepei().arg("check").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("checked 16 pages"), "{text}");
    assert!(text.contains("warning: 附件1"), "{text}");
    assert!(text.contains("[privacy] keep_until is unset"), "{text}");
    assert!(text.contains("warning: config.toml base_url is http://127.0.0.1:3000 (a loopback address)"), "{text}");
}

#[test]
fn check_is_quiet_about_retention_once_keep_until_is_set() {
    let dir = fixture();
    let path = dir.path().join("content/programme.toml");
    let text = std::fs::read_to_string(&path)
        .expect("read")
        .replace("# keep_until = \"YYYY-MM-DD\"", "keep_until = \"2030-12-31\"");
    std::fs::write(&path, text).expect("write");
    let out = tepei().args(["--root"]).arg(dir.path()).arg("check").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(!text.contains("keep_until is unset"), "{text}");
}

#[test]
fn check_names_a_league_without_a_reviewer() {
    let dir = fixture();
    let path = dir.path().join("config/reviewers.toml");
    let text = std::fs::read_to_string(&path).expect("read").replace("wuhai = ", "# wuhai = ");
    std::fs::write(&path, text).expect("write");
    let out = tepei().args(["--root"]).arg(dir.path()).arg("check").output().expect("run");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no reviewer for league wuhai (乌海市)"), "{text}");
}

#[test]
fn check_fails_on_a_broken_link() {
    let dir = fixture();
    std::fs::write(dir.path().join("content/extra.md"), "+++\ntitle = \"x\"\n+++\n[断链](/nowhere/)\n").expect("write");
    let out = tepei().args(["--root"]).arg(dir.path()).arg("check").output().expect("run");
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error: extra/index.html: /nowhere/"), "{text}");
}

#[test]
fn serve_builds_and_answers_then_says_the_window_state() {
    let dir = fixture();
    // Uploads from an earlier run: one never named for two days, one an hour old, and a file
    // of a taken application (under records/) as old as the first.
    let data = dir.path().join("data");
    let stale = data.join("uploads").join("0123456789abcdef0123456789abcdef");
    let fresh = data.join("uploads").join("fedcba9876543210fedcba9876543210");
    let kept = data.join("records").join("TP2025-ABCDEF").join("0123456789abcdef0123456789abcdef");
    for (path, hours) in [(&stale, 48), (&fresh, 1), (&kept, 48)] {
        std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
        std::fs::write(path, b"%PDF-1.4\n").expect("write");
        let at = std::time::SystemTime::now() - Duration::from_secs(hours * 3600);
        std::fs::File::options().write(true).open(path).expect("open").set_modified(at).expect("mtime");
    }
    let mut child = tepei()
        .args(["--root"])
        .arg(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0", "--now", "2025-03-15T09:00:00+08:00", "--data"])
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut address = None;
    while started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("serving http://") {
            address = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
        seen.push(line);
    }
    let address = address.unwrap_or_else(|| {
        child.kill().ok();
        panic!("serve did not start: {seen:?}")
    });
    assert!(seen.iter().any(|l| l.contains("申报窗口已开放")), "{seen:?}");
    let swept = Instant::now();
    while stale.exists() && swept.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stream = std::net::TcpStream::connect(&address).expect("connect");
    use std::io::{Read, Write};
    write!(stream, "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    child.kill().ok();
    child.wait().ok();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("{\"status\":\"ok\"}"), "{response}");
    // The sweep runs at start: the upload never named for a day is gone, the rest stay.
    assert!(seen.iter().any(|l| l.contains("removed after a day")), "{seen:?}");
    assert!(!stale.exists(), "an upload two days old and never named is still there");
    assert!(fresh.exists() && kept.exists(), "the sweep removed a recent upload or a stored file");
    // After the first start the data is its owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |name: &str| {
            std::fs::metadata(dir.path().join("data").join(name)).expect(name).permissions().mode() & 0o777
        };
        assert_eq!(mode(""), 0o700, "the data folder");
        assert_eq!(mode("secret.key"), 0o600, "the key file");
        assert_eq!(mode("data.key"), 0o600, "the data key file");
        for file in ["tepei.sqlite3", "tepei.sqlite3-wal", "tepei.sqlite3-shm"] {
            assert_eq!(mode(file), 0o600, "{file}");
        }
    }
}

/// Previous link keys that are short or name one id twice stop the start, naming the variable.
#[test]
fn serve_refuses_bad_previous_keys_at_start() {
    let dir = fixture();
    let long = "x".repeat(40);
    for keys in [format!("k0:{}", "x".repeat(20)), format!("k0:{long},k0:{long}")] {
        let out = tepei()
            .args(["--root"])
            .arg(dir.path())
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(dir.path().join("data"))
            .env("TEPEI_PREVIOUS_KEYS", &keys)
            .output()
            .expect("run");
        assert!(!out.status.success(), "{keys}: started");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("TEPEI_PREVIOUS_KEYS"), "{keys}: {err}");
    }
}

/// Output folders named by mistake are refused before anything is deleted (red team): the data
/// folder or a folder holding it as serve's output, the site's own folder or a folder of other
/// files as build's; a folder of other files inside the data folder too.
#[test]
fn an_output_named_by_mistake_is_refused_and_nothing_is_deleted() {
    let dir = fixture();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("records/TP2025-X")).expect("data");
    std::fs::write(data.join("keep.txt"), "kept").expect("a file in the data folder");
    std::fs::write(data.join("records/TP2025-X/a.pdf"), "a file").expect("a stored file");
    let serve = |output: &Path| {
        let mut cmd = tepei();
        cmd.args(["--root"]).arg(dir.path()).args(["serve", "--addr", "127.0.0.1:0", "--data"]).arg(&data);
        cmd.arg("--output").arg(output).output().expect("run")
    };
    for output in [data.as_path(), dir.path()] {
        let out = serve(output);
        assert!(!out.status.success(), "{output:?}: started");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is the data folder"), "{out:?}");
    }
    assert!(!serve(&data.join("records")).status.success(), "served over the stored files");
    // Nor into an empty folder in the data folder (the next start would prune it), nor into the
    // data folder by another name: a link to it, or `..` after a link (red team).
    std::fs::create_dir_all(data.join("outbox")).expect("an empty folder of the data folder");
    let link = dir.path().join("link-to-data");
    std::os::unix::fs::symlink(&data, &link).expect("a link to the data folder");
    std::os::unix::fs::symlink(data.join("records/TP2025-X"), dir.path().join("hop")).expect("a link");
    // hop/.. is data/records to the system, so hop/../../new is data/new (by name, beside dir).
    for output in [data.join("outbox"), link.clone(), link.join("new"), dir.path().join("hop/../../new")] {
        let out = serve(&output);
        assert!(!out.status.success(), "{output:?}: started");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is the data folder"), "{output:?}: {out:?}");
    }
    assert_eq!(std::fs::read_dir(data.join("outbox")).expect("outbox").count(), 0, "nothing written");
    // A data folder named by a link to the output folder-to-be, followed as the system will
    // follow it once the folder is made (red team: keys and database landed in the site).
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("site-out"), &dangling).expect("a link to nothing yet");
    for data in [dangling.clone(), dangling.join("inner")] {
        let mut cmd = tepei();
        cmd.args(["--root"]).arg(dir.path()).args(["serve", "--addr", "127.0.0.1:0", "--data"]).arg(&data);
        let out = cmd.arg("--output").arg(dir.path().join("site-out")).output().expect("run");
        assert!(!out.status.success(), "{data:?}: started");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is the data folder"), "{data:?}: {out:?}");
    }
    assert!(!dir.path().join("site-out").exists(), "nothing made");
    let mine = dir.path().join("mydocs");
    std::fs::create_dir_all(&mine).expect("mine");
    std::fs::write(mine.join("thesis.docx"), "important").expect("a file of someone's");
    for output in [mine.as_path(), Path::new(".")] {
        let out =
            tepei().args(["--root"]).arg(dir.path()).args(["build", "--output"]).arg(output).output().expect("run");
        assert!(!out.status.success(), "{output:?}: built");
    }
    assert!(data.join("keep.txt").exists() && data.join("records/TP2025-X/a.pdf").exists());
    assert!(mine.join("thesis.docx").exists());
    assert!(dir.path().join("content/notice.md").exists() && dir.path().join("config.toml").exists());
}

/// A data key that does not parse stops the start, naming the variable; `tepei rekey` on the
/// data folder reports the round's records.
#[test]
fn serve_refuses_a_bad_data_key_and_rekey_reports_the_round() {
    let dir = fixture();
    let out = tepei()
        .args(["--root"])
        .arg(dir.path())
        .args(["rekey", "--data"])
        .arg(dir.path().join("data"))
        .output()
        .expect("run");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("round 2025: 0 records, 0 sealed again under data key k1"), "{text}");
    assert!(dir.path().join("data/data.key").is_file(), "the data key is made on first use");
    let out = tepei()
        .args(["--root"])
        .arg(dir.path())
        .args(["purge", "--dry-run", "--data"])
        .arg(dir.path().join("data"))
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text.contains("round 2025: 0 records, 0 already erased; would erase 0") && text.contains("dry run"),
        "{text}"
    );
    let out = tepei()
        .args(["--root"])
        .arg(dir.path())
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .env("TEPEI_DATA_KEY", "k1:too short")
        .output()
        .expect("run");
    assert!(!out.status.success(), "started with a short data key");
    assert!(String::from_utf8_lossy(&out.stderr).contains("TEPEI_DATA_KEY"), "{out:?}");
}

/// `rekey` and `purge` against a DynamoDB table that is not there (a mistyped `TABLE_NAME`) stop
/// with the name and what to check, and create nothing: only `serve` with TEPEI_CREATE_TABLE=1
/// creates a missing table.
#[test]
fn data_commands_never_create_a_missing_dynamodb_table() {
    let dir = fixture();
    let mut dynamodb = testkit::start_dynamodb_local(None);
    let port = dynamodb.port;
    let env = [
        ("TEPEI_STORE", "dynamodb".to_owned()),
        ("TABLE_NAME", "tepei-mistyped".to_owned()),
        ("DYNAMODB_ENDPOINT", format!("http://127.0.0.1:{port}")),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("AWS_REGION", "cn-north-1".to_owned()),
    ];
    for command in [&["rekey"][..], &["purge", "--dry-run"][..]] {
        let out = tepei()
            .args(["--root"])
            .arg(dir.path())
            .args(command)
            .envs(env.iter().map(|(k, v)| (*k, v)))
            .output()
            .expect("run");
        assert!(!out.status.success(), "{command:?} ran on a table that is not there: {out:?}");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("tepei-mistyped") && text.contains("TEPEI_CREATE_TABLE"), "{text}");
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let tables = runtime.block_on(async {
        let client = handler::config::dynamo_client(Some(&format!("http://127.0.0.1:{port}"))).await;
        client.list_tables().send().await.expect("list tables").table_names().to_vec()
    });
    assert!(tables.is_empty(), "a table was created: {tables:?}");
    dynamodb.stop();
}

/// `GET path` on `port` (HTTP/1.1, the connection closed after): the status line's code.
fn get_status(port: u16, path: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response.split_whitespace().nth(1).and_then(|c| c.parse().ok()).expect("status code")
}

/// `GET path` on `port`: the whole response, status line and headers included.
fn get_text(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

/// Two `serve` processes on one data folder share its SQLite file, and so share the limits: the
/// 121st look-up of the hour from one address is refused by whichever process gets it.
#[test]
fn two_serve_processes_on_one_data_folder_share_the_rate_limits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let bin = Path::new(env!("CARGO_BIN_EXE_tepei"));
    let first = testkit::start_serve(bin, &data, &[]);
    let second = testkit::start_serve(bin, &data, &[]);
    for i in 0..120 {
        let port = if i % 2 == 0 { first.port } else { second.port };
        assert_eq!(get_status(port, "/verify/TP2025-AAAAAA.0123456789ABCDEF.0123456789ab"), 403, "look-up {}", i + 1);
    }
    assert_eq!(get_status(first.port, "/verify/anything"), 429);
    assert_eq!(get_status(second.port, "/verify/anything"), 429);
}

/// A POST of `body` (JSON) to `path`; the status code and the body.
fn post_json(port: u16, path: &str, body: &serde_json::Value) -> (u16, String) {
    use std::io::{Read, Write};
    let body = body.to_string();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let code = response.split_whitespace().nth(1).and_then(|c| c.parse().ok()).expect("status code");
    (code, response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned())
}

/// The rules under `--root` are the rules served: a copied site whose 区外 age bound is 40 says
/// so on its criteria page, and `serve` from it answers the self-check and refuses an application
/// by that bound on both sides of it (the embedded bound is 45). `tepei check` names the key.
#[test]
fn serve_enforces_the_rules_of_the_folder_it_builds_the_site_from() {
    let dir = fixture();
    let programme = dir.path().join("content/programme.toml");
    let text = std::fs::read_to_string(&programme)
        .expect("read")
        .replace("age_limit = 45\nborn_on_or_after = 1979-03-22", "age_limit = 40\nborn_on_or_after = 1984-03-22");
    std::fs::write(&programme, text).expect("write");
    let data = dir.path().join("data");
    let bin = Path::new(env!("CARGO_BIN_EXE_tepei"));
    let serve = testkit::start_serve_from(bin, dir.path(), &data, &[]);
    let criteria = get_text(serve.port, "/criteria/");
    assert!(criteria.contains("年龄在40周岁以下，即1984年3月22日及以后出生"));
    // Born 1981-06-15: 43 at the count date, within 45 but not within 40.
    let mut older = testkit::sample_application(901);
    older["id_number"] = serde_json::json!(testkit::id_number_born("19810615", 901));
    let mut younger = testkit::sample_application(902);
    younger["id_number"] = serde_json::json!(testkit::id_number_born("19850101", 902));
    let (code, body) = post_json(serve.port, "/api/eligibility", &older);
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"eligible\":false") && body.contains("40周岁"), "{body}");
    let (code, body) = post_json(serve.port, "/api/eligibility", &younger);
    assert!(code == 200 && body.contains("\"eligible\":true"), "{body}");
    let (code, body) = post_json(serve.port, "/api/applications", &older);
    assert_eq!(code, 422, "{body}");
    assert!(body.contains("40周岁"), "{body}");
    // The site and the handler carry the folder's fingerprint, not the compiled-in one, and a
    // page built from the compiled-in rules is refused.
    let published = get_text(serve.port, "/rules.json");
    let health = {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", serve.port)).expect("connect");
        write!(stream, "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    };
    let enforced =
        health.lines().find_map(|l| l.strip_prefix("x-tepei-rules: ")).expect("x-tepei-rules header").trim().to_owned();
    assert!(published.contains(&enforced), "{published} vs {enforced}");
    assert_ne!(enforced, policy::embedded_fingerprint());
    let mut stale = younger.clone();
    stale["rules"] = serde_json::json!(policy::embedded_fingerprint());
    assert_eq!(post_json(serve.port, "/api/eligibility", &stale).0, 409);
    drop(serve);
    let out = tepei().args(["--root"]).arg(dir.path()).arg("check").output().expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning: content/programme.toml differs") && text.contains("streams[1].age_limit"),
        "{text}"
    );
    assert!(text.contains("streams[1].born_on_or_after"), "{text}");
    let out = tepei().arg("check").output().expect("run");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("differs"), "the shipped site is what is compiled in");
}
