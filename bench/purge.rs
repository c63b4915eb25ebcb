//! The purge at full size (`cargo bench --bench purge`; prints figures, exits non-zero when a
//! record is left with personal data, files or mail, or when the pass does not end). On loopback,
//! over DynamoDB Local:
//!
//! 1. 100,000 confirmed applications: the items a submission's transaction writes (record,
//!    identity number, submission id, event, the applicant's mail as sending leaves it, its
//!    marker), written in batches, each with one proof file under `records/{reference}/` in a
//!    file store (the Lambda's is S3).
//! 2. The retention date passed: the purge schedule's runs, one after the other as its every-15-
//!    minute event would make them, each with the Lambda's budget (20 s, pages of 100, 8 at once),
//!    until the day's pass is done. Printed: how many runs, the longest, erasures per second, the
//!    process's peak memory.
//! 3. Checked: every record erased with no mark left, no file left, no mail left (sampled), and a
//!    run after the pass reads only its bookmark.
//!
//! `BENCH_PURGE_RECORDS` (default 100000) and `BENCH_CONCURRENCY` (default 32 writers) change it.

use handler::blobs::{Blobs, FsBlobs};
use handler::store::{DynamoStore, Event, Mail, PageOf, Record, Store, TableSpec};
use handler::workflow::purge::{Budget, run};
use handler::{AppState, Clock, Settings};
use policy::{Application, ApplicationForm, Programme, Status};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "common/bulk.rs"]
mod bulk;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A valid reference for `n`: its six characters are `n` in the references' alphabet.
fn reference(n: u32) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut code = [b'2'; 6];
    let mut left = n as usize;
    for c in code.iter_mut().rev() {
        *c = ALPHABET[left % ALPHABET.len()];
        left /= ALPHABET.len();
    }
    format!("TP2025-{}", String::from_utf8_lossy(&code))
}

fn record(n: u32, p: &Programme) -> (Record, Event, Mail) {
    let form: ApplicationForm = serde_json::from_value(testkit::sample_application(n)).expect("form");
    let application = Application::parse(&form, p).expect("valid sample");
    let created = format!("2025-03-{:02}T{:02}:{:02}:{:02}Z", 15 + n / 20_000, n / 3600 % 24, n / 60 % 60, n % 60);
    let reference = reference(n);
    let record = Record {
        status: Status::UnitReview,
        version: 2,
        submission_id: format!("purge-{n:08}"),
        body_hash: format!("body-{n}"),
        id_hash: format!("id-{n}"),
        ..Record::taken(reference.clone(), p.round, application, created.clone())
    };
    let to = Some(record.application.email.to_string());
    bulk::taken(record, to)
}

/// The process's peak resident memory (VmHWM), MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[tokio::main]
async fn main() -> ExitCode {
    let total = env_or("BENCH_PURGE_RECORDS", 100_000) as u32;
    let concurrency = env_or("BENCH_CONCURRENCY", 32);
    let mut p = Programme::embedded().expect("programme");
    p.privacy.keep_until = Some("2025-12-31".into());
    let dynamo = tokio::task::spawn_blocking(|| testkit::start_dynamodb_local(None)).await.expect("start");
    let endpoint = format!("http://127.0.0.1:{}", dynamo.port);
    let dynamo_store = DynamoStore::new(handler::config::dynamo_client(Some(&endpoint)).await, "tepei-purge");
    dynamo_store.create_table(&TableSpec::embedded().expect("template")).await.expect("table");
    let store: Arc<dyn Store> = Arc::new(dynamo_store.clone());
    let files = tempfile::tempdir().expect("tempdir");
    let blobs: Arc<dyn Blobs> = Arc::new(FsBlobs::new(files.path().to_owned()).expect("blobs"));

    // 1. The round, each application with its sent mail and its file, in batches.
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(1));
    let mut workers = Vec::new();
    const APPS_A_BATCH: u32 = 4;
    for _ in 0..concurrency {
        let (dynamo, blobs, next, p) = (dynamo_store.clone(), blobs.clone(), next.clone(), p.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let first = next.fetch_add(APPS_A_BATCH as usize, Ordering::Relaxed) as u32;
                if first > total {
                    break;
                }
                let mut apps = Vec::new();
                for n in first..(first + APPS_A_BATCH).min(total + 1) {
                    let app = record(n, &p);
                    let key = format!("records/{}/{:032x}", app.0.reference, n);
                    blobs.write(&key, b"%PDF-1.4 proof of the purge benchmark").await.expect("file");
                    apps.push(app);
                }
                bulk::write(&dynamo, "tepei-purge", &apps, true).await;
            }
        }));
    }
    for w in workers {
        w.await.expect("writer");
    }
    let wrote = started.elapsed();
    println!(
        "{total} applications (each with its sent mail and a file) written in {:.0} s: {:.0} / s",
        wrote.as_secs_f64(),
        f64::from(total) / wrote.as_secs_f64()
    );

    // 2. The purge schedule's runs until the day's pass is done.
    let settings = Settings::new("https://tepei.example.gov.cn", "k1", b"purge benchmark key, long enough for hmac");
    let clock = Clock::starting_at(time::macros::datetime!(2026-01-06 03:00 +8));
    let state = AppState::new(clock, store.clone(), settings).expect("state").with_programme(p).with_blobs(blobs);
    let started = Instant::now();
    let (mut runs, mut longest, mut erased, mut left_marked, mut failed) = (0, Duration::ZERO, 0, 0, 0);
    loop {
        let one = Instant::now();
        let done = match run(&state, 2025, Budget::LAMBDA).await {
            Ok(done) => done,
            Err(e) => {
                eprintln!("run {} failed: {}", runs + 1, handler::Chain(&e));
                return ExitCode::FAILURE;
            }
        };
        longest = longest.max(one.elapsed());
        runs += 1;
        (erased, left_marked, failed) =
            (erased + done.past_retention, left_marked + done.left_marked, failed + done.failed);
        if runs % 10 == 0 || done.done {
            println!("  run {runs}: {erased} erased so far, {:.0} s", started.elapsed().as_secs_f64());
        }
        if done.done {
            break;
        }
        if runs >= 5_000 {
            eprintln!("the pass did not end within 5,000 runs");
            return ExitCode::FAILURE;
        }
    }
    let took = started.elapsed();
    println!(
        "purge of {total} records past keep_until: {runs} runs (Lambda budget: 20 s, pages of 100, 8 at once), {:.0} s in all, longest run {:.1} s (limit 29 s), {:.0} erasures / s; {erased} erased, {left_marked} left marked, {failed} failed; peak memory {:.1} MiB",
        took.as_secs_f64(),
        longest.as_secs_f64(),
        erased as f64 / took.as_secs_f64(),
        peak_mib().unwrap_or(f64::NAN),
    );
    let idle = Instant::now();
    let after = run(&state, 2025, Budget::LAMBDA).await.expect("run");
    println!(
        "a run after the day's pass: {} records looked at, {:.0} ms",
        after.records,
        idle.elapsed().as_secs_f64() * 1e3
    );

    // 3. Nothing personal left.
    let (mut whole, mut marked, mut page_after) = (0, 0, None::<String>);
    loop {
        let page = PageOf { round: 2025, scope: None, after: page_after.as_deref(), limit: 1000 };
        let records = store.list_page(page).await.expect("page");
        let Some(last) = records.last() else { break };
        page_after = Some(last.list_key());
        whole += records.iter().filter(|r| r.erased_at.is_some() && r.application.name == policy::ERASED).count();
        marked += records.iter().filter(|r| r.to_forget.is_some()).count();
    }
    let files_left = walk(files.path());
    let mut mail_left = 0;
    for n in (1..=total).step_by(997) {
        mail_left += store.mail_of(&reference(n)).await.expect("mail").len();
    }
    println!(
        "checked: {whole} of {total} erased, {marked} marked, {files_left} files left, {mail_left} mails left (every 997th record)"
    );
    if whole != total as usize || marked > 0 || files_left > 0 || mail_left > 0 || erased != total as usize {
        eprintln!("the purge left personal data behind");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Files under `dir`.
fn walk(dir: &std::path::Path) -> usize {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        count += if path.is_dir() { walk(&path) } else { 1 };
    }
    count
}
