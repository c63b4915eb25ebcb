//! Load on a running `tepei serve` over loopback: distinct valid applications
//! ([`crate::sample_application`]) posted at a fixed concurrency, every answer kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// One submission's answer.
#[derive(Clone, Debug)]
pub struct Answer {
    /// Which sample application (its number).
    pub n: u32,
    /// HTTP status; 0 when no answer came (connection refused, timeout).
    pub status: u16,
    /// Time to the whole answer.
    pub latency: Duration,
    /// The reference of a 201 (or of the earlier record a retry found).
    pub reference: Option<String>,
    /// `error` of a JSON error answer.
    pub error: Option<String>,
    /// Whether a 503 said when to retry.
    pub retry_after: bool,
    /// When the answer came.
    pub at: Instant,
}

/// How much wider every rate limit is under load (`RATE_LIMIT_SCALE` for `serve`,
/// `Settings::limit_scale` in process): one address sends thousands of applications, and the
/// limits are tested on their own.
pub const LIMIT_SCALE: u32 = 1000;

/// What a load run adds to `serve`'s environment: every rate limit [`LIMIT_SCALE`] times wider.
pub fn load_env() -> Vec<(&'static str, String)> {
    vec![("RATE_LIMIT_SCALE", LIMIT_SCALE.to_string())]
}

/// The environment that points `tepei serve` at DynamoDB Local on `port` (table created on start).
pub fn dynamodb_env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("TEPEI_STORE", "dynamodb".to_owned()),
        ("TEPEI_CREATE_TABLE", "1".to_owned()),
        ("DYNAMODB_ENDPOINT", format!("http://127.0.0.1:{port}")),
        ("AWS_ACCESS_KEY_ID", "local".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "local".to_owned()),
        ("AWS_REGION", "cn-north-1".to_owned()),
    ]
}

/// Counts answers as they come, for whoever watches the run.
#[derive(Clone, Default)]
pub struct Progress(Arc<AtomicUsize>);

impl Progress {
    /// Answers so far.
    pub fn answered(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// A client for load: no redirects, bounded waits, enough idle connections.
pub fn client(concurrency: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_else(|e| panic!("http client: {e}"))
}

/// Posts sample application `n` with the documents it needs (uploaded first if they were not);
/// the latency is the application's own POST. A retry sends the same files again, as the
/// browser keeps them, so a repeat of a submission is the same submission.
pub async fn submit(client: &reqwest::Client, address: &str, n: u32) -> Answer {
    let mut form = crate::sample_application(n);
    match documents(client, address, n).await {
        Ok(files) => form["attachments"] = files,
        Err(e) => {
            let (latency, at) = (Duration::ZERO, Instant::now());
            return Answer { n, status: 0, latency, reference: None, error: Some(e), retry_after: false, at };
        }
    }
    let started = Instant::now();
    let sent = client.post(format!("{address}/api/applications")).json(&form).send().await;
    let Ok(response) = sent else {
        let latency = started.elapsed();
        return Answer { n, status: 0, latency, reference: None, error: None, retry_after: false, at: Instant::now() };
    };
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    Answer {
        n,
        status,
        latency: started.elapsed(),
        reference: body["reference"].as_str().map(str::to_owned),
        error: body["error"].as_str().map(str::to_owned),
        retry_after,
        at: Instant::now(),
    }
}

/// Posts each of `numbers` once, `concurrency` at a time, until all are answered or `limit`
/// has passed (what was not sent by then is left out); answers in completion order. Each
/// applicant's documents are uploaded first, in a pass of their own (as a browser uploads each
/// file when it is chosen), so the timed pass is the applications' own POSTs on the store.
pub async fn submit_all(
    address: &str,
    numbers: Vec<u32>,
    concurrency: usize,
    limit: Duration,
    progress: Progress,
) -> Vec<Answer> {
    let client = client(concurrency);
    upload_all(&client, address, &numbers, concurrency).await;
    let deadline = Instant::now() + limit;
    let numbers = Arc::new(numbers);
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, numbers, next, progress) = (client.clone(), numbers.clone(), next.clone(), progress.clone());
        let address = address.to_owned();
        workers.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&n) = numbers.get(i) else { break };
                if Instant::now() > deadline {
                    break;
                }
                answers.push(submit(&client, &address, n).await);
                progress.0.fetch_add(1, Ordering::Relaxed);
            }
            answers
        }));
    }
    let mut all = Vec::new();
    for worker in workers {
        all.extend(worker.await.unwrap_or_else(|e| panic!("load worker: {e}")));
    }
    all
}

/// Uploads the documents of each of `numbers`, `concurrency` at a time, into [`submit`]'s
/// cache; a failed upload is left for [`submit`] to try again and report.
async fn upload_all(client: &reqwest::Client, address: &str, numbers: &[u32], concurrency: usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let numbers = Arc::new(numbers.to_vec());
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (client, numbers, next, address) = (client.clone(), numbers.clone(), next.clone(), address.to_owned());
        workers.push(tokio::spawn(async move {
            while let Some(&n) = numbers.get(next.fetch_add(1, Ordering::Relaxed)) {
                documents(&client, &address, n).await.ok();
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap_or_else(|e| panic!("upload worker: {e}"));
    }
}

/// The documents sample applicant `n` needs on the serve at `address`: uploaded once, then the
/// same keys for every later try (a retry sends what the browser kept).
async fn documents(client: &reqwest::Client, address: &str, n: u32) -> Result<serde_json::Value, String> {
    type Uploaded = std::sync::Mutex<std::collections::HashMap<(String, u32), serde_json::Value>>;
    static UPLOADED: std::sync::OnceLock<Uploaded> = std::sync::OnceLock::new();
    let uploaded = UPLOADED.get_or_init(Default::default);
    if let Some(files) = uploaded.lock().ok().and_then(|m| m.get(&(address.to_owned(), n)).cloned()) {
        return Ok(files);
    }
    let mut form = crate::sample_application(n);
    crate::try_attach_documents(client, address, &mut form).await?;
    if let Ok(mut m) = uploaded.lock() {
        m.insert((address.to_owned(), n), form["attachments"].clone());
    }
    Ok(form["attachments"].clone())
}

/// The `p`-quantile (0..=1) of `latencies`, which it sorts.
pub fn percentile(latencies: &mut [Duration], p: f64) -> Duration {
    if latencies.is_empty() {
        return Duration::ZERO;
    }
    latencies.sort();
    latencies[((latencies.len() as f64 - 1.0) * p).round() as usize]
}
