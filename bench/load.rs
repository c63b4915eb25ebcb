//! Load without loss (`cargo bench --bench load`): 20,000 submissions at concurrency 64 to a real
//! `tepei serve` process on loopback, once with its embedded SQLite store and once with DynamoDB
//! Local. For each: answers by status, 5xx count, p50/p99 latency, throughput, and the stored
//! count checked against the 201 answers (the same references, none lost, none extra). Exits
//! non-zero, naming what it got, on any answer other than 201 (a 429 from a limit not scaled for
//! load as much as a 5xx), any loss, or a run that did not finish within its time limit.
//!
//! `BENCH_LOAD_SUBMISSIONS` (default 20000), `BENCH_LOAD_CONCURRENCY` (default 64),
//! `BENCH_LOAD_SECONDS` (time limit per store, default 900) and `BENCH_STORES`
//! (`sqlite,dynamodb`) change the run. `./scripts/test` runs it on the debug build
//! (`cargo bench --profile dev --bench load`); figures for docs/performance.md come from the
//! default release profile.

use handler::store::{DynamoStore, SqliteStore, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use testkit::load::{Progress, percentile, submit_all};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One store's run; `Err` names what was lost or failed.
async fn run(store: &str, total: usize, concurrency: usize, limit: Duration) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let _dynamo;
    let mut env = vec![("RUST_LOG", "warn".to_owned())];
    env.extend(testkit::load::load_env());
    if store == "dynamodb" {
        let service =
            tokio::task::spawn_blocking(|| testkit::start_dynamodb_local(None)).await.map_err(|e| e.to_string())?;
        env.extend(testkit::load::dynamodb_env(service.port));
        _dynamo = Some(service);
    }
    let data = dir.path().to_owned();
    let serve = testkit::start_serve(Path::new(env!("CARGO_BIN_EXE_tepei")), &data, &env);
    let address = format!("http://127.0.0.1:{}", serve.port);

    let numbers: Vec<u32> = (0..total as u32).collect();
    let started = Instant::now();
    let answers = submit_all(&address, numbers, concurrency, limit, Progress::default()).await;
    let wall = started.elapsed();

    let mut by_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut latencies = Vec::with_capacity(answers.len());
    let mut references = BTreeSet::new();
    for a in &answers {
        *by_status.entry(a.status).or_default() += 1;
        if a.status == 201 {
            latencies.push(a.latency);
            references.extend(a.reference.clone());
        }
    }
    let created = by_status.get(&201).copied().unwrap_or(0);
    let server_errors: usize = by_status.iter().filter(|(s, _)| **s >= 500 || **s == 0).map(|(_, n)| n).sum();

    let stored: Arc<dyn Store> = match store {
        "dynamodb" => {
            let endpoint = env.iter().find(|(k, _)| *k == "DYNAMODB_ENDPOINT").map(|(_, v)| v.clone());
            Arc::new(DynamoStore::new(handler::config::dynamo_client(endpoint.as_deref()).await, "tepei"))
        }
        _ => Arc::new(SqliteStore::open(&data.join("tepei.sqlite3")).map_err(|e| e.to_string())?),
    };
    let records = stored.list(2025, None).await.map_err(|e| e.to_string())?;
    let stored_refs: BTreeSet<String> = records.iter().map(|r| r.reference.clone()).collect();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{store:>8}: {} sent, answers {by_status:?}, 5xx or no answer {server_errors}, {:.1} s, {:.0} submissions/s, \
         p50 {:.1} ms, p99 {:.1} ms; stored {} (201 answers {created}, same references: {})",
        answers.len(),
        wall.as_secs_f64(),
        created as f64 / wall.as_secs_f64(),
        ms(percentile(&mut latencies, 0.50)),
        ms(percentile(&mut latencies, 0.99)),
        records.len(),
        if stored_refs == references { "yes" } else { "NO" },
    );
    match serve.peak_memory_mib() {
        Some(mib) => println!("{store:>8}: tepei serve peak memory (VmHWM) {mib:.1} MiB"),
        None => println!("{store:>8}: tepei serve peak memory could not be read"),
    }
    drop(serve);
    let mut problems = Vec::new();
    if answers.len() < total {
        problems.push(format!("only {} of {total} sent within {} s", answers.len(), limit.as_secs()));
    }
    if server_errors > 0 {
        problems.push(format!("{server_errors} answers were 5xx or none"));
    }
    if created < answers.len() {
        problems.push(format!("{} of {} answers were not 201: {by_status:?}", answers.len() - created, answers.len()));
    }
    if stored_refs != references || records.len() != created {
        problems.push(format!("{} stored against {created} answered 201", records.len()));
    }
    if problems.is_empty() { Ok(()) } else { Err(format!("{store}: {}", problems.join("; "))) }
}

#[tokio::main]
async fn main() {
    let total = env_or("BENCH_LOAD_SUBMISSIONS", 20_000);
    let concurrency = env_or("BENCH_LOAD_CONCURRENCY", 64);
    let limit = Duration::from_secs(env_or("BENCH_LOAD_SECONDS", 900) as u64);
    let stores = std::env::var("BENCH_STORES").unwrap_or_else(|_| "sqlite,dynamodb".into());
    println!("load: {total} distinct applications at concurrency {concurrency} to tepei serve on loopback");
    let mut failed = Vec::new();
    for store in stores.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if let Err(e) = run(store, total, concurrency, limit).await {
            failed.push(e);
        }
    }
    if !failed.is_empty() {
        eprintln!("load: FAILED: {}", failed.join(" | "));
        std::process::exit(1);
    }
    println!("load: no loss, no 5xx");
}
