//! The deployment's link and key settings, as plain data: built by the assembly (`config`) from
//! the environment, or directly by tests and tools, and read by the workflow.

use crate::mail::FlushPlan;
use crate::personal::DataKeys;
use policy::Signer;

/// Settings shared by every request.
#[derive(Clone)]
pub struct Settings {
    /// Scheme, host and optional path prefix of the public site, e.g. `https://tepei.example.gov.cn`.
    /// Links in mail are built from this, never from the request's Host header.
    pub public_base_url: String,
    /// Signs and verifies links.
    pub signer: Signer,
    /// Key for the keyed hashes: the identity number (its applications found together), client addresses and
    /// the codes printed on paper. It must not change within a round, so it stays when the link
    /// key rotates (`TEPEI_HASH_SECRET`; by default the link key).
    pub secret: Vec<u8>,
    /// How long a review link works.
    pub review_ttl: time::Duration,
    /// How long a status link works.
    pub status_ttl: time::Duration,
    /// Guards `POST /api/tasks/flush-outbox` (`serve`; the Lambda's schedule sends its own event).
    pub task_secret: String,
    /// Multiplies every rate limit (`RATE_LIMIT_SCALE`, default 1): only for load tests, which
    /// send thousands of applications from one address.
    pub limit_scale: u32,
    /// Proxies in front of the Lambda that append the client's address to `X-Forwarded-For`
    /// (`FORWARDED_HOPS`; 1 behind one CDN; default 0: API Gateway's source address).
    pub forwarded_hops: usize,
    /// How the scheduled flush sends the backlog (`MAIL_CONCURRENCY`, default 4;
    /// `FLUSH_SECONDS`, default 20).
    pub flush: FlushPlan,
    /// Seal the 身份证号 and phone of every record (`TEPEI_DATA_KEY`: `id:base64` pairs, the
    /// current key first; under `serve`, `data.key` in the data folder; [`Settings::new`]
    /// derives one from the link key, for tests and tools).
    pub data_keys: DataKeys,
    /// Where a reply to the site's mail goes (`reply_to` of config.toml, the operator's setting;
    /// [`crate::AppState`] sets it from the config it renders with): unset by default, and never
    /// the mailbox the notice reserves for the 汇总表's electronic copy.
    pub reply_to: Option<String>,
}

impl Settings {
    /// Settings with the default lifetimes (review links 14 days, status links 400 days).
    pub fn new(public_base_url: &str, key_id: &str, secret: &[u8]) -> Self {
        Self {
            public_base_url: public_base_url.trim_end_matches('/').to_owned(),
            signer: Signer::new(key_id, secret),
            secret: secret.to_vec(),
            review_ttl: time::Duration::days(14),
            status_ttl: time::Duration::days(400),
            task_secret: policy::keyed_hash(secret, &["task-secret"]),
            limit_scale: 1,
            flush: FlushPlan::default(),
            forwarded_hops: 0,
            data_keys: DataKeys::derived(secret),
            reply_to: None,
        }
    }

    /// An absolute link to `path`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_base_url)
    }

    /// Whether the public site is served over https: browsers are told to keep to it (HSTS) and
    /// cookies are sent only over it (`Secure`).
    pub fn https(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }

    /// The site's origin (scheme and host), which same-site form posts carry.
    pub fn origin(&self) -> String {
        self.public_base_url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/")
    }
}
