//! A week of a round at full size (`cargo bench --bench week`; prints figures, exits non-zero on
//! any mail lost, sent twice or stuck). On loopback, over DynamoDB Local:
//!
//! 1. 100,000 confirmed applications written through the DynamoDB adapter, each with the
//!    transaction a submission commits (record, identity number, submission id, event) and its
//!    applicant's mail queued with it; 10,000 of them in one league (呼和浩特市). 2% of applicants
//!    have an address the relay refuses for good.
//! 2. The outbox drained as the Lambda's schedule drains it: one `flush_outbox` per simulated
//!    minute (`MAIL_CONCURRENCY` 8, 20 s budget each) through lettre to a test relay that refuses
//!    those 2%. Checked: every deliverable mail arrived exactly once, every refused one is given
//!    up after its 12 attempts, nothing is left pending.
//! 3. That league's dashboard page and its 汇总表 of every application (XLSX and CSV) through the
//!    Router: time and size against the Lambda's limits (29 s; 6 MB response, binary bodies
//!    base64-encoded).
//!
//! 4. The centre's dashboard page and its 全部申报 export (XLSX and CSV) of every application
//!    through the Router: time, size and the process's peak memory for each, against the
//!    function's `MemorySize` (infra/template.yaml).
//!
//! `BENCH_WEEK_APPLICATIONS` (default 100000) and `BENCH_CONCURRENCY` (default 32) change the load;
//! `BENCH_WEEK_MAIL=0` leaves out step 2 (the outbox, about 15 minutes); `BENCH_WEEK_BULK=1`
//! writes step 1's items in batches instead of transactions (setup for steps 3 and 4 only).

#[path = "common/bulk.rs"]
mod bulk;
#[path = "week/centre.rs"]
mod centre;

use handler::store::{DynamoStore, Event, Mail, Record, Store, TableSpec};
use handler::{AppState, Clock, Settings, app};
use policy::{Application, ApplicationForm, Programme, Status};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The league that holds a tenth of the round.
const BIG_LEAGUE: &str = "hohhot";
/// The Lambda's response limit, bytes.
const LAMBDA_RESPONSE: usize = 6 * 1024 * 1024;

/// Application `n`: a tenth in [`BIG_LEAGUE`], the rest spread over the other leagues; every
/// 50th applicant's address is refused by the relay.
/// The benchmark's link key (its data key is derived from it, as [`Settings::new`] does).
const KEY: &[u8] = b"week benchmark key, long enough for hmac";

fn record(n: u32, p: &Programme, leagues: &[String]) -> (Record, Event, Mail) {
    let mut form = testkit::sample_application(n);
    if n.is_multiple_of(50) {
        form["email"] = format!("applicant{n}{}@example.com", testkit::REFUSED_MARK).into();
    }
    let form: ApplicationForm = serde_json::from_value(form).expect("form");
    let mut application = Application::parse(&form, p).expect("valid sample");
    application.league =
        Some(if n.is_multiple_of(10) { BIG_LEAGUE.to_owned() } else { leagues[n as usize % leagues.len()].clone() });
    let created = format!("2025-03-{:02}T{:02}:{:02}:{:02}Z", 15 + n / 20_000, n / 3600 % 24, n / 60 % 60, n % 60);
    let reference = format!("TP2025-W{n:06}");
    let record = Record {
        status: Status::UnitReview,
        version: 2,
        submission_id: format!("week-{n:08}"),
        body_hash: format!("body-{n}"),
        id_hash: format!("id-{n}"),
        ..Record::taken(reference.clone(), p.round, application, created.clone())
    };
    // Stored as the handler stores it: 身份证号 and phone sealed (the 汇总表 below opens each phone).
    let record = handler::personal::seal_record(&handler::personal::DataKeys::derived(KEY), &record);
    bulk::taken(record, None)
}

#[tokio::main]
async fn main() {
    let total = env_or("BENCH_WEEK_APPLICATIONS", 100_000) as u32;
    let concurrency = env_or("BENCH_CONCURRENCY", 32);
    let p = Programme::embedded().expect("programme");
    let leagues: Vec<String> = p.leagues.iter().map(|l| l.code.clone()).filter(|c| c != BIG_LEAGUE).collect();
    let dynamo = tokio::task::spawn_blocking(|| testkit::start_dynamodb_local(None)).await.expect("start");
    let endpoint = format!("http://127.0.0.1:{}", dynamo.port);
    let dynamo_store = DynamoStore::new(handler::config::dynamo_client(Some(&endpoint)).await, "tepei-week");
    dynamo_store.create_table(&TableSpec::embedded().expect("template")).await.expect("table");
    let store: Arc<dyn Store> = Arc::new(dynamo_store.clone());
    let batched = env_or("BENCH_WEEK_BULK", 0) != 0;

    // 1. The round's applications, each with its mail.
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(1));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (store, next, p, leagues) = (store.clone(), next.clone(), p.clone(), leagues.clone());
        let dynamo = dynamo_store.clone();
        workers.push(tokio::spawn(async move {
            if batched {
                loop {
                    let first = next.fetch_add(4, Ordering::Relaxed) as u32;
                    if first > total {
                        return;
                    }
                    let apps: Vec<_> = (first..(first + 4).min(total + 1)).map(|n| record(n, &p, &leagues)).collect();
                    bulk::write(&dynamo, "tepei-week", &apps, false).await;
                }
            }
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed) as u32;
                if n > total {
                    break;
                }
                let (record, event, mail) = record(n, &p, &leagues);
                let mut tries = 0;
                while let Err(e) = store.create(&record, &event, std::slice::from_ref(&mail)).await {
                    tries += 1;
                    assert!(tries < 20, "application {n} not written: {e}");
                    tokio::time::sleep(Duration::from_millis(50 * tries)).await;
                }
            }
        }));
    }
    for w in workers {
        w.await.expect("writer");
    }
    let wrote = started.elapsed();
    println!(
        "{total} applications (and their mails) written to DynamoDB Local in {:.0} s: {:.0} / s{}",
        wrote.as_secs_f64(),
        f64::from(total) / wrote.as_secs_f64(),
        if batched { " (BENCH_WEEK_BULK: the same items in batches, not transactions)" } else { "" }
    );

    // 2. The outbox drained by scheduled flushes, one per simulated minute.
    if env_or("BENCH_WEEK_MAIL", 1) != 0 {
        drain(&store, total).await;
    }
    // 3 and 4.
    if let Err(e) = dashboards(store, total).await {
        eprintln!("could not measure: {e}");
        std::process::exit(1);
    }
}

async fn drain(store: &Arc<dyn Store>, total: u32) {
    let relay = testkit::Relay::start();
    let mailer = handler::mail::SmtpMailer::new(
        &format!("smtp://127.0.0.1:{}", relay.port),
        "特培申报 <noreply@example.gov.cn>",
    )
    .expect("mailer");
    let plan = handler::mail::FlushPlan { concurrency: 8, budget: Duration::from_secs(20) };
    let started = Instant::now();
    let (mut now, mut flushes, mut busiest) = (time::macros::datetime!(2025-03-22 09:00 UTC).unix_timestamp(), 0, 0);
    let (mut sent, mut failed, mut dead) = (0, 0, 0);
    // Until every mail is delivered or given up (counting the pending partitions every minute
    // would read them all; they are counted once, at the end).
    while sent + dead < total as usize {
        let one = Instant::now();
        let done = handler::mail::flush_outbox(store.as_ref(), &mailer, now, plan).await.expect("flush");
        busiest = busiest.max(one.elapsed().as_millis());
        (sent, failed, dead) = (sent + done.sent, failed + done.failed, dead + done.dead);
        flushes += 1;
        now += 60;
        assert!(flushes < 5_000, "the outbox did not drain within 5,000 simulated minutes");
    }
    let drained = started.elapsed();
    let refused_addresses = (1..=total).filter(|n| n.is_multiple_of(50)).count();
    let taken = relay.taken();
    let twice = taken.values().filter(|c| **c > 1).count();
    println!(
        "drained in {:.0} s by {flushes} flushes ({} simulated hours; longest flush {busiest} ms): {sent} delivered ({:.0} / s), {failed} refused and retried, {dead} given up; relay took {} messages ({twice} more than once), refused {} times",
        drained.as_secs_f64(),
        flushes / 60,
        sent as f64 / drained.as_secs_f64(),
        taken.len(),
        relay.refusals(),
    );
    let lost = (1..=total)
        .filter(|n| !n.is_multiple_of(50))
        .filter(|n| !taken.contains_key(&format!("<TP2025-W{n:06}-m1@tepei>")))
        .count();
    assert_eq!(lost, 0, "deliverable mails that never arrived");
    assert_eq!(twice, 0, "mails delivered twice");
    assert_eq!((sent, dead), (total as usize - refused_addresses, refused_addresses));
    assert_eq!(store.dead_mail().await.expect("dead"), refused_addresses);
    assert_eq!(store.unsent_mail().await.expect("unsent"), 0, "nothing left pending");
    assert_eq!(
        failed,
        refused_addresses * (handler::mail::MAX_ATTEMPTS as usize - 1),
        "each refused mail tried 12 times"
    );
}

async fn dashboards(store: Arc<dyn Store>, total: u32) -> Result<(), String> {
    // 3. The big league's dashboard and 汇总表 through the Router.
    let mut settings = Settings::new("https://tepei.example.gov.cn", "k1", KEY);
    settings.limit_scale = testkit::load::LIMIT_SCALE;
    let clock = Clock::starting_at(time::macros::datetime!(2025-03-25 09:00 +8));
    let state = AppState::new(clock, store.clone(), settings).expect("state");
    let path = handler::workflow::links::dashboard_path(&state, &format!("l-{BIG_LEAGUE}"));
    let centre = handler::workflow::links::dashboard_path(&state, "centre");
    let router = app(state);
    for (label, url, base64) in [
        ("dashboard page", path.clone(), false),
        ("汇总表 XLSX, every application", format!("{path}/summary.xlsx?all=1"), true),
        ("汇总表 CSV, every application", format!("{path}/summary.csv?all=1"), false),
    ] {
        use tower::ServiceExt;
        let started = Instant::now();
        let request = axum::http::Request::get(&url).body(axum::body::Body::empty()).expect("request");
        let response = router.clone().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), 200, "{label}");
        let bytes = axum::body::to_bytes(response.into_body(), 64 << 20).await.expect("body").len();
        let on_the_wire = if base64 { bytes.div_ceil(3) * 4 } else { bytes };
        println!(
            "{label} of {BIG_LEAGUE} ({} applications): {:.2} s, {:.2} MB ({:.2} MB as the Lambda returns it; limit 6 MB, 29 s)",
            total / 10,
            started.elapsed().as_secs_f64(),
            bytes as f64 / 1e6,
            on_the_wire as f64 / 1e6,
        );
        assert!(on_the_wire < LAMBDA_RESPONSE, "{label} would not fit a Lambda response");
    }
    // 4. The centre's.
    centre::measure(router, &centre, total).await
}
