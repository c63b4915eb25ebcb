//! Deployment settings: where links point, the signing key, link lifetimes.

use crate::StartError;
use policy::Signer;

/// Settings shared by every request.
pub struct Settings {
    /// Scheme, host and optional path prefix of the public site, e.g. `https://tepei.example.gov.cn`.
    /// Links in mail are built from this, never from the request's Host header.
    pub public_base_url: String,
    /// Signs and verifies links.
    pub signer: Signer,
    /// Key for the keyed hashes: the identity number (unique per round), client addresses and
    /// the codes printed on paper. It must not change within a round, so it stays when the link
    /// key rotates (`TEPEI_HASH_SECRET`; by default the link key).
    pub secret: Vec<u8>,
    /// How long a review link works.
    pub review_ttl: time::Duration,
    /// How long a status link works.
    pub status_ttl: time::Duration,
    /// Guards `POST /api/tasks/flush-outbox`.
    pub task_secret: String,
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
        }
    }

    /// From the environment, as the Lambda runs: `TEPEI_SECRET` (the link key, at least 32
    /// characters), `PUBLIC_BASE_URL`, optional `TEPEI_KEY_ID` (default `k1`), `TEPEI_PREVIOUS_KEYS`
    /// (`id:secret,id:secret`, still accepted after rotation), `TEPEI_HASH_SECRET` (the key of the
    /// keyed hashes, kept across rotations; default the link key), `REVIEW_LINK_DAYS` (default 14)
    /// and `TASK_SECRET` (default derived from the key).
    pub fn from_env() -> Result<Self, StartError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let secret = var("TEPEI_SECRET").ok_or_else(|| StartError("TEPEI_SECRET is not set".into()))?;
        if secret.len() < 32 {
            return Err(StartError("TEPEI_SECRET must be at least 32 characters".into()));
        }
        let base = var("PUBLIC_BASE_URL").ok_or_else(|| StartError("PUBLIC_BASE_URL is not set".into()))?;
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(StartError("PUBLIC_BASE_URL must start with https://".into()));
        }
        let key_id = var("TEPEI_KEY_ID").unwrap_or_else(|| "k1".into());
        let mut settings = Self::new(&base, &key_id, secret.as_bytes());
        if let Some(previous) = var("TEPEI_PREVIOUS_KEYS") {
            for pair in previous.split(',') {
                let (id, key) = pair
                    .split_once(':')
                    .ok_or_else(|| StartError("TEPEI_PREVIOUS_KEYS: expected id:secret pairs".into()))?;
                settings.signer = settings.signer.with_previous(id.trim(), key.trim().as_bytes());
            }
        }
        if let Some(hash) = var("TEPEI_HASH_SECRET") {
            if hash.len() < 32 {
                return Err(StartError("TEPEI_HASH_SECRET must be at least 32 characters".into()));
            }
            settings.secret = hash.into_bytes();
        }
        if let Some(days) = var("REVIEW_LINK_DAYS") {
            let days: i64 = days.parse().map_err(|_| StartError("REVIEW_LINK_DAYS must be a number".into()))?;
            settings.review_ttl = time::Duration::days(days);
        }
        if let Some(task) = var("TASK_SECRET") {
            settings.task_secret = task;
        }
        Ok(settings)
    }

    /// An absolute link to `path`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_base_url)
    }
}
