//! Submissions benchmark (run with `cargo bench --bench submissions`; prints figures, asserts no
//! targets). On loopback, in one run:
//! 1. `POST /api/applications` at concurrency 32 against the real Router with SQLite, then with
//!    DynamoDB Local: submissions/s, p50/p99 latency, stored count against 201 answers.
//! 2. Bare SDK calls on the same DynamoDB Local at the same concurrency: PutItem of one item,
//!    TransactWriteItems of the six items of a submission's data, and of the very transaction a
//!    submission sends (those six and its two rate-limit counters), before and after the handler's
//!    run; the handler's latency is reported as a ratio to them.
//!
//! Each run starts with an untimed warm-up of 4 × concurrency other applicants, so the figures are
//! steady-state (connections open, caches warm); the store must then hold exactly the warm-up's
//! and the run's applications.
//!
//! The handler runs as `bench/load.rs` runs `serve`: every rate limit
//! [`testkit::load::LIMIT_SCALE`] times wider (`RATE_LIMIT_SCALE` overrides it), since each client
//! sends dozens of applications; the client address is read from `X-Forwarded-For` as behind the
//! CDN, one address for each request in flight; and without an upload store, so no proof documents are asked
//! for or copied (bench/load.rs measures submissions with their documents through `serve`).
//!
//! A figure from failed requests is no figure: any answer other than 201 (or, for the bare SDK
//! calls, any error), any record lost or extra, and any mail not sent stops the benchmark with a
//! non-zero exit naming what it got.
//!
//! `BENCH_SUBMISSIONS` (default 4000) and `BENCH_CONCURRENCY` (default 32) change the load;
//! `BENCH_STORES=sqlite` skips DynamoDB; `BENCH_NO_FLUSH=1` skips the outbox flush (for profiling).

use aws_sdk_dynamodb::types::AttributeValue;
use handler::mail::FileMailer;
use handler::store::{DynamoStore, SqliteStore, Store, TableSpec};
use handler::workflow::limits;
use handler::{AppState, Clock, Settings, app};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/drive.rs"]
mod drive;
use drive::{Run, drive, drive_rate, fail, note_error};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The handler's settings, with the rate limits scaled as for load, and the client address read
/// from `X-Forwarded-For` as the deployed function reads it behind the CDN (`CdnForwardedHops=1`).
fn settings() -> Settings {
    let mut settings = Settings::new("http://127.0.0.1", "k1", b"benchmark key that is long enough");
    settings.forwarded_hops = 1;
    settings.limit_scale = match std::env::var("RATE_LIMIT_SCALE") {
        Ok(v) => v.parse().ok().filter(|s| *s >= 1).unwrap_or_else(|| fail(format!("RATE_LIMIT_SCALE={v}"))),
        Err(_) => testkit::load::LIMIT_SCALE,
    };
    settings
}

fn clock() -> Clock {
    Clock::starting_at(time::macros::datetime!(2025-03-15 09:00 +8))
}

/// The Router as `serve` runs it, except that the mail flusher does not run while requests are
/// timed: the outbox is flushed (and timed) after, so the store's mail traffic is not counted as
/// submission latency.
async fn serve(store: Arc<dyn Store>) -> String {
    let state = AppState::new(clock(), store.clone(), settings()).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app(state)).await.expect("serve") });
    address
}

/// The client address the CDN names for job `n`: as many applicants' addresses as there are
/// requests in flight, each sending its share (one address for all would make every submission
/// count on one rate-limit counter, which no deployment sees: one address's submissions are
/// capped at 120 an hour).
fn applicant_address(n: u32, concurrency: usize) -> String {
    let k = n as usize % concurrency;
    format!("10.0.{}.{}", k / 250, k % 250 + 1)
}

/// Closed loop: `concurrency` clients send back to back (maximum throughput). Open loop: a fixed
/// offered rate (`BENCH_RATE`, default 2,000/s) with at most `concurrency` in flight.
#[derive(Clone, Copy)]
enum Mode {
    Closed,
    Open,
}

async fn submissions(
    label: &str,
    store: Arc<dyn Store>,
    total: usize,
    concurrency: usize,
    offset: u32,
    mode: Mode,
) -> Run {
    let address = serve(store.clone()).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build().expect("client");
    let url = format!("{address}/api/applications");
    // Warm-up, not timed: opens the client's connections and warms caches with other applicants.
    let warm = concurrency * 4;
    let bodies: Arc<Vec<String>> =
        Arc::new((0..(total + warm) as u32).map(|n| testkit::sample_application(offset + n).to_string()).collect());
    let warmed = {
        let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
        drive(&format!("{label}, warm-up"), warm, concurrency, move |n| {
            let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
            async move {
                match client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-forwarded-for", applicant_address(n, concurrency))
                    .body(bodies[total + n as usize].clone())
                    .send()
                    .await
                {
                    Ok(r) => r.status().as_u16(),
                    Err(e) => {
                        note_error(e);
                        599
                    }
                }
            }
        })
        .await
    };
    warmed.all_ok(warm);
    let post = {
        let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
        move |n: u32| {
            let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
            async move {
                match client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-forwarded-for", applicant_address(n, concurrency))
                    .body(bodies[n as usize].clone())
                    .send()
                    .await
                {
                    Ok(r) => r.status().as_u16(),
                    Err(e) => {
                        note_error(e);
                        599
                    }
                }
            }
        }
    };
    let rate = std::env::var("BENCH_RATE").ok().and_then(|r| r.parse::<f64>().ok()).unwrap_or(2000.0);
    let mut run = match mode {
        Mode::Closed => drive(label, total, concurrency, post).await,
        Mode::Open => drive_rate(label, total, rate, concurrency, post).await,
    };
    run.print();
    run.all_ok(total);
    let stored = match store.list(2025, None).await {
        Ok(records) => records.len(),
        Err(e) => fail(format!("{label}: reading the stored records back: {e}")),
    };
    let answered = warmed.ok + run.ok;
    if stored != answered {
        fail(format!(
            "{label}: the store holds {stored} records for {answered} answers of 201 ({} warm-up, {} timed)",
            warmed.ok, run.ok
        ));
    }
    println!("{:<42} stored {stored} records for {answered} answers of 201 (warm-up included): none lost", "");
    // Let this store's quiet-time WAL checkpoint finish before anything else is measured.
    tokio::time::sleep(Duration::from_secs(2)).await;
    if std::env::var_os("BENCH_NO_FLUSH").is_some() {
        return run;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mailer = FileMailer::new(&dir.path().join("outbox"), "noreply@example.gov.cn").expect("mailer");
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let now = clock().now().unix_timestamp();
        let done = match handler::mail::flush_outbox(store.as_ref(), &mailer, now, Default::default()).await {
            Ok(done) => done,
            Err(e) => fail(format!("{label}: flushing the outbox: {e}")),
        };
        if done.failed > 0 || done.dead > 0 {
            fail(format!("{label}: the outbox flush failed {} mails and gave up {}", done.failed, done.dead));
        }
        sent += done.sent;
        if done.sent == 0 {
            break;
        }
    }
    let files = std::fs::read_dir(dir.path().join("outbox")).map(|d| d.count()).unwrap_or(0);
    let unsent = store.unsent_mail().await.unwrap_or_else(|e| fail(format!("{label}: counting unsent mail: {e}")));
    if sent == 0 || files != sent || unsent != 0 {
        fail(format!("{label}: the outbox flush sent {sent} mails, wrote {files} .eml files and left {unsent} unsent"));
    }
    println!(
        "{:<42} then flushed {sent} mails ({files} .eml files) in {:.2} s: {:.0} mails/s",
        "",
        started.elapsed().as_secs_f64(),
        sent as f64 / started.elapsed().as_secs_f64()
    );
    run
}

#[tokio::main]
async fn main() {
    let total = env_or("BENCH_SUBMISSIONS", 4000);
    let concurrency = env_or("BENCH_CONCURRENCY", 32);
    if total < 2 || concurrency == 0 {
        fail(format!("BENCH_SUBMISSIONS={total} and BENCH_CONCURRENCY={concurrency} measure nothing"));
    }
    println!(
        "submissions benchmark: {total} per run, concurrency {concurrency}, loopback, {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("bench.sqlite3")).expect("sqlite"));
    submissions("handler + SQLite, closed loop", sqlite.clone(), total, concurrency, 0, Mode::Closed).await;
    let sqlite2: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("bench2.sqlite3")).expect("sqlite"));
    submissions("handler + SQLite, 2,000/s offered", sqlite2, total, concurrency, 0, Mode::Open).await;
    println!("  [targets: at least 2,000 submissions/s, p99 under 10 ms]");

    if std::env::var("BENCH_STORES").is_ok_and(|s| s == "sqlite") {
        return;
    }
    let dynamo_local = tokio::task::spawn_blocking(|| testkit::start_dynamodb_local(None)).await.expect("start");
    let endpoint = format!("http://127.0.0.1:{}", dynamo_local.port);
    let client = handler::config::dynamo_client(Some(&endpoint)).await;
    let store = DynamoStore::new(client.clone(), "bench");
    store.create_table(&TableSpec::embedded().expect("infra/template.yaml")).await.expect("table");
    let dynamo_total = total / 2;

    // The bare SDK baselines send the handler's very writes for other applicants, built before
    // timing starts: the six items of the application's data, and the same with the two
    // rate-limit counters the handler counts in that transaction (its client's, its address's).
    let bare_store = DynamoStore::new(client.clone(), "bare");
    bare_store.create_table(&TableSpec::embedded().expect("infra/template.yaml")).await.expect("table");
    let bare_state = AppState::new(clock(), Arc::new(bare_store.clone()), settings()).expect("state");
    let batch = |from: u32, count: usize, charged: bool| -> Arc<Vec<Vec<aws_sdk_dynamodb::types::TransactWriteItem>>> {
        Arc::new(
            (0..count as u32)
                .map(|n| {
                    let form: policy::ApplicationForm =
                        serde_json::from_value(testkit::sample_application(from + n)).expect("form");
                    let p = handler::workflow::submit::prepare(&bare_state, &form)
                        .map_err(|e| format!("{e:?}"))
                        .expect("prepare");
                    let charges = if charged {
                        let address = limits::address_key(form.email.as_deref().unwrap_or_default());
                        vec![
                            limits::charge(&bare_state, limits::SUBMIT_PER_CLIENT, &applicant_address(n, concurrency)),
                            limits::charge(&bare_state, limits::SUBMIT_PER_ADDRESS, &address),
                        ]
                    } else {
                        Vec::new()
                    };
                    bare_store.create_items(&p.record, &p.event, &p.mails, &charges).expect("items")
                })
                .collect(),
        )
    };
    let transact = |label: &'static str, items: Arc<Vec<Vec<aws_sdk_dynamodb::types::TransactWriteItem>>>| {
        let c = client.clone();
        let count = items.len();
        drive(label, count, concurrency, move |n| {
            let (c, t) = (c.clone(), items.clone());
            async move {
                match c.transact_write_items().set_transact_items(Some(t[n as usize].clone())).send().await {
                    Ok(_) => 200,
                    Err(e) => {
                        note_error(aws_sdk_dynamodb::error::DisplayErrorContext(e));
                        599
                    }
                }
            }
        })
    };
    // DynamoDB Local is a JVM: warm its JIT with writes that are not measured.
    transact("bare TransactWriteItems, warm-up", batch(70_000, 2_000, true)).await.all_ok(2_000);

    let first = batch(80_000, dynamo_total, false);
    let records: Arc<Vec<HashMap<String, AttributeValue>>> =
        Arc::new(first.iter().map(|items| items[2].put().map(|p| p.item().clone()).unwrap_or_default()).collect());
    let (c, r) = (client.clone(), records.clone());
    let mut put = drive("bare PutItem (the record item)", dynamo_total, concurrency, move |n| {
        let (c, r) = (c.clone(), r.clone());
        async move {
            let mut item = r[n as usize].clone();
            item.insert("pk".into(), AttributeValue::S(format!("PUT#{n}")));
            match c.put_item().table_name("bare").set_item(Some(item)).send().await {
                Ok(_) => 200,
                Err(e) => {
                    note_error(aws_sdk_dynamodb::error::DisplayErrorContext(e));
                    599
                }
            }
        }
    })
    .await;
    put.print();
    put.all_ok(dynamo_total);
    // Symmetric around the handler's run, so that a store slowing as it fills weighs on both.
    let mut runs = Vec::new();
    for (label, items) in [
        ("bare TransactWriteItems, data", first),
        ("bare TransactWriteItems, data + counters", batch(85_000, dynamo_total, true)),
    ] {
        let mut run = transact(label, items).await;
        run.print();
        run.all_ok(dynamo_total);
        runs.push(run.p50());
    }
    let d =
        submissions("handler + DynamoDB Local", Arc::new(store), dynamo_total, concurrency, 50_000, Mode::Closed).await;
    for (label, items, i) in [
        ("bare TransactWriteItems, data + counters", batch(90_000, dynamo_total, true), 1),
        ("bare TransactWriteItems, data", batch(95_000, dynamo_total, false), 0),
    ] {
        let mut run = transact(label, items).await;
        run.print();
        run.all_ok(dynamo_total);
        runs[i] = (runs[i] + run.p50()) / 2;
    }
    let ratio = |a: Duration, b: Duration| {
        let r = a.as_secs_f64() / b.as_secs_f64();
        if !(r.is_finite() && r > 0.0) {
            fail(format!("a ratio of {a:?} to {b:?} is no figure"));
        }
        r
    };
    // Each bare p50 is the mean of its runs before and after the handler's.
    println!(
        "handler p50 / bare TransactWriteItems p50, the application's data (six items): {:.2}x  [issue 29: at most 1.2x]",
        ratio(d.p50(), runs[0])
    );
    println!(
        "handler p50 / bare TransactWriteItems p50, the transaction it sends (data + 2 counters): {:.2}x",
        ratio(d.p50(), runs[1])
    );
    println!("handler p50 / bare PutItem p50: {:.2}x", ratio(d.p50(), put.p50()));
}
