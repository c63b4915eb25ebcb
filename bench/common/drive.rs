//! The submissions benchmark's runner: drives jobs from a number of workers (closed loop) or at
//! an offered rate (open loop), tallies their answers and latencies, and stops the benchmark with
//! a non-zero exit when a figure would come from failed requests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
/// Stops the benchmark with a non-zero exit, naming what it got.
pub fn fail(what: impl std::fmt::Display) -> ! {
    eprintln!("submissions: FAILED: {what}");
    std::process::exit(1);
}

/// The first error a request met (no HTTP answer, or an SDK error), to name when the run stops.
static FIRST_ERROR: OnceLock<String> = OnceLock::new();

pub fn note_error(error: impl std::fmt::Display) {
    FIRST_ERROR.get_or_init(|| error.to_string());
}

pub struct Run {
    label: String,
    /// Jobs answered 200 or 201.
    pub ok: usize,
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

    pub fn print(&mut self) {
        self.latencies.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<42} {:>6} ok {:>8.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  other {:?}",
            self.label,
            self.ok,
            self.ok as f64 / self.wall.as_secs_f64(),
            ms(percentile(&self.latencies, 0.5)),
            ms(percentile(&self.latencies, 0.99)),
            self.other
        );
    }

    pub fn p50(&self) -> Duration {
        percentile(&self.latencies, 0.5)
    }

    /// Stops the benchmark unless every one of `sent` jobs was answered 200 or 201.
    pub fn all_ok(&self, sent: usize) {
        if self.ok == sent && self.other.is_empty() {
            return;
        }
        let error = FIRST_ERROR.get().map(|e| format!("; first error: {e}")).unwrap_or_default();
        fail(format!(
            "{}: {} of {sent} answered 200/201; the others by status (599: no answer or an SDK error): {:?}{error}",
            self.label, self.ok, self.other
        ));
    }
}

/// Runs `total` jobs from `concurrency` workers; each job returns an HTTP-like status.
pub async fn drive<F, Fut>(label: &str, total: usize, concurrency: usize, job: F) -> Run
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

/// Offers `total` jobs at `rate` per second with at most `concurrency` in flight. Latency runs from
/// each job's scheduled start, so waiting for a free slot counts (no coordinated omission).
pub async fn drive_rate<F, Fut>(label: &str, total: usize, rate: f64, concurrency: usize, job: F) -> Run
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
