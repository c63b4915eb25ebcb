//! Submissions benchmark (run with `cargo bench --bench submissions`; prints figures, asserts no
//! targets). On loopback, in one run:
//! 1. `POST /api/applications` at concurrency 32 against the real Router with SQLite, then with
//!    DynamoDB Local: submissions/s, p50/p99 latency, stored count against 201 answers.
//! 2. Bare SDK calls on the same DynamoDB Local at the same concurrency: PutItem of one item and
//!    TransactWriteItems of the six items a submission writes; the handler's added latency is
//!    reported as a ratio to them.
//!
//! Each run starts with an untimed warm-up of 4 × concurrency other applicants, so the figures are
//! steady-state (connections open, caches warm); they are subtracted from the stored count.
//!
//! `BENCH_SUBMISSIONS` (default 4000) and `BENCH_CONCURRENCY` (default 32) change the load;
//! `BENCH_STORES=sqlite` skips DynamoDB; `BENCH_NO_FLUSH=1` skips the outbox flush (for profiling).

use aws_sdk_dynamodb::types::AttributeValue;
use handler::mail::FileMailer;
use handler::store::{DynamoStore, SqliteStore, Store, TableSpec};
use handler::{AppState, Clock, Settings, app};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Run {
    label: String,
    ok: usize,
    other: HashMap<u16, usize>,
    wall: Duration,
    latencies: Vec<Duration>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

impl Run {
    /// Counts 200/201 answers (with their latency) and every other status.
    fn tally(label: &str, seen: Vec<(u16, Duration)>, wall: Duration) -> Self {
        let mut run = Run { label: label.to_owned(), ok: 0, other: HashMap::new(), wall, latencies: Vec::new() };
        for (status, latency) in seen {
            if status == 201 || status == 200 {
                run.ok += 1;
                run.latencies.push(latency);
            } else {
                *run.other.entry(status).or_default() += 1;
            }
        }
        run
    }

    fn print(&mut self) {
        self.latencies.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<34} {:>6} ok {:>8.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  other {:?}",
            self.label,
            self.ok,
            self.ok as f64 / self.wall.as_secs_f64(),
            ms(percentile(&self.latencies, 0.5)),
            ms(percentile(&self.latencies, 0.99)),
            self.other
        );
    }

    fn p50(&self) -> Duration {
        percentile(&self.latencies, 0.5)
    }
}

/// Runs `total` jobs from `concurrency` workers; each job returns an HTTP-like status.
async fn drive<F, Fut>(label: &str, total: usize, concurrency: usize, job: F) -> Run
where
    F: Fn(u32) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicU32::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (job, next) = (job.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n as usize >= total {
                    break;
                }
                let t = Instant::now();
                let status = job(n).await;
                seen.push((status, t.elapsed()));
            }
            seen
        }));
    }
    let mut seen = Vec::new();
    for w in workers {
        seen.extend(w.await.unwrap_or_default());
    }
    Run::tally(label, seen, started.elapsed())
}

fn clock() -> Clock {
    Clock::starting_at(time::macros::datetime!(2025-03-15 09:00 +8))
}

/// The Router as `serve` runs it, except that the mail flusher does not run while requests are
/// timed: the outbox is flushed (and timed) after, so the store's mail traffic is not counted as
/// submission latency.
/// Offers `total` jobs at `rate` per second with at most `concurrency` in flight. Latency runs from
/// each job's scheduled start, so waiting for a free slot counts (no coordinated omission).
async fn drive_rate<F, Fut>(label: &str, total: usize, rate: f64, concurrency: usize, job: F) -> Run
where
    F: Fn(u32) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let job = Arc::new(job);
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total as u32 {
        let due = started + Duration::from_secs_f64(f64::from(n) / rate);
        tokio::time::sleep_until(due.into()).await;
        let (job, slots) = (job.clone(), slots.clone());
        tasks.push(tokio::spawn(async move {
            let _slot = slots.acquire_owned().await.expect("semaphore");
            let status = job(n).await;
            (status, due.elapsed())
        }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        seen.extend(t.await.ok());
    }
    Run::tally(label, seen, started.elapsed())
}

async fn serve(store: Arc<dyn Store>) -> String {
    let settings = Settings::new("http://127.0.0.1", "k1", b"benchmark key that is long enough");
    let state = AppState::new(clock(), store.clone(), settings).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app(state)).await.expect("serve") });
    address
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
    {
        let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
        drive("warm-up", warm, concurrency, move |n| {
            let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
            async move {
                match client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(bodies[total + n as usize].clone())
                    .send()
                    .await
                {
                    Ok(r) => r.status().as_u16(),
                    Err(_) => 599,
                }
            }
        })
        .await;
    }
    let post = {
        let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
        move |n: u32| {
            let (client, url, bodies) = (client.clone(), url.clone(), bodies.clone());
            async move {
                match client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(bodies[n as usize].clone())
                    .send()
                    .await
                {
                    Ok(r) => r.status().as_u16(),
                    Err(_) => 599,
                }
            }
        }
    };
    let rate = std::env::var("BENCH_RATE").ok().and_then(|r| r.parse::<f64>().ok()).unwrap_or(2000.0);
    let mut run = match mode {
        Mode::Closed => drive(label, total, concurrency, post).await,
        Mode::Open => drive_rate(label, total, rate, concurrency, post).await,
    };
    let stored =
        store.list(2025, Some(&policy::HrScope::League("hohhot".into()))).await.map(|l| l.len()).unwrap_or(0) - warm;
    run.print();
    println!(
        "{:<34} stored {stored} records for {} answers of 201: {}",
        "",
        run.ok,
        if stored == run.ok { "none lost" } else { "MISMATCH" }
    );
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
        let done =
            handler::mail::flush_outbox(store.as_ref(), &mailer, clock().now().unix_timestamp(), Default::default())
                .await
                .expect("flush");
        sent += done.sent;
        if done.sent == 0 && done.failed == 0 {
            break;
        }
    }
    let files = std::fs::read_dir(dir.path().join("outbox")).map(|d| d.count()).unwrap_or(0);
    println!(
        "{:<34} then flushed {sent} mails ({files} .eml files) in {:.2} s: {:.0} mails/s",
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

    // The bare SDK baseline sends the handler's very writes: for other applicants, the items
    // `DynamoStore::create` would send, built before timing starts.
    let bare_store = DynamoStore::new(client.clone(), "bare");
    bare_store.create_table(&TableSpec::embedded().expect("infra/template.yaml")).await.expect("table");
    let bare_state = AppState::new(
        clock(),
        Arc::new(bare_store.clone()),
        Settings::new("http://127.0.0.1", "k1", b"benchmark key that is long enough"),
    )
    .expect("state");
    let batch = |from: u32, count: usize| -> Arc<Vec<Vec<aws_sdk_dynamodb::types::TransactWriteItem>>> {
        Arc::new(
            (0..count as u32)
                .map(|n| {
                    let form = serde_json::from_value(testkit::sample_application(from + n)).expect("form");
                    let p = handler::workflow::submit::prepare(&bare_state, &form)
                        .map_err(|e| format!("{e:?}"))
                        .expect("prepare");
                    bare_store.create_items(&p.record, &p.event, &p.mails).expect("items")
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
                    Err(_) => 599,
                }
            }
        })
    };
    // DynamoDB Local is a JVM: warm its JIT with writes that are not measured.
    transact("warm-up", batch(70_000, 2_000)).await;

    let first = batch(80_000, dynamo_total);
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
                Err(_) => 599,
            }
        }
    })
    .await;
    put.print();
    let mut before = transact("bare TransactWriteItems, before", first).await;
    before.print();
    let d =
        submissions("handler + DynamoDB Local", Arc::new(store), dynamo_total, concurrency, 50_000, Mode::Closed).await;
    let mut after = transact("bare TransactWriteItems, after", batch(90_000, dynamo_total)).await;
    after.print();
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-9);
    let bare = (before.p50() + after.p50()) / 2;
    println!(
        "handler p50 / bare TransactWriteItems p50 (mean of before and after): {:.2}x  [target: at most 1.2x]; / bare PutItem p50: {:.2}x",
        ratio(d.p50(), bare),
        ratio(d.p50(), put.p50())
    );
}
