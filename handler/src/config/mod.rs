//! The assembly's reading of the deployment, and the only place that reads the environment:
//! links and keys ([`Settings`], from `env`), the AWS clients and secrets (`aws`), and which
//! store, mailer and blob store a process uses (`adapters`).

mod adapters;
#[cfg(feature = "aws")]
mod aws;
mod env;

#[cfg(feature = "aws")]
pub use adapters::lambda_store;
pub use adapters::{blobs, mailer, serve_store};
#[cfg(feature = "aws")]
pub use aws::{DEFAULT_REGION, SECRET_SETTINGS, dynamo_client, fetch_secrets, load_secrets, s3_blobs};

use crate::Settings;
use crate::personal::DataKeys;
use env::{required, var};

/// Why the handler could not start: a setting missing or wrong, or a service not reachable.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting missing or wrong: which, and why, in words.
    #[error("{0}")]
    Setting(String),
    /// Something needed at start failed: what was being done, and the cause.
    #[error("{context}")]
    Failed {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl StartError {
    /// A setting missing or wrong.
    pub fn setting(message: impl Into<String>) -> Self {
        Self::Setting(message.into())
    }

    /// `context` failed because of `source`.
    pub fn failed(context: impl Into<String>, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Failed { context: context.into(), source: source.into() }
    }
}

impl From<crate::personal::KeyError> for StartError {
    fn from(e: crate::personal::KeyError) -> Self {
        Self::failed("TEPEI_DATA_KEY", e)
    }
}

/// `TEPEI_PREVIOUS_KEYS` read: `id:secret` pairs, each secret at least 32 characters, each id
/// once and none the current key's (`current_id`); anything else stops the start, naming the
/// variable.
pub fn previous_keys(text: &str, current_id: &str) -> Result<Vec<(String, String)>, StartError> {
    let refuse = |why: String| StartError::setting(format!("TEPEI_PREVIOUS_KEYS: {why}"));
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, key) = pair.split_once(':').ok_or_else(|| refuse("expected id:secret pairs".into()))?;
        let (id, key) = (id.trim(), key.trim());
        if id.is_empty() {
            return Err(refuse("a key without its id".into()));
        }
        if key.len() < 32 {
            return Err(refuse(format!("the key of id {id} is shorter than 32 characters")));
        }
        if id == current_id || out.iter().any(|(seen, _)| seen == id) {
            return Err(refuse(format!("key id {id} appears twice (each id names one key)")));
        }
        out.push((id.to_owned(), key.to_owned()));
    }
    Ok(out)
}

impl Settings {
    /// From the environment, as the Lambda runs: `TEPEI_SECRET` (the link key, at least 32
    /// characters), `TEPEI_DATA_KEY` (the data keys, see [`crate::personal::DataKeys::parse`]),
    /// `PUBLIC_BASE_URL`, optional `TEPEI_KEY_ID` (default `k1`), `TEPEI_PREVIOUS_KEYS`
    /// (`id:secret,id:secret`, still accepted after rotation), `TEPEI_HASH_SECRET` (the key of the
    /// keyed hashes, kept across rotations; default the link key), `REVIEW_LINK_DAYS` (default 14)
    /// `TASK_SECRET` (default derived from the key) and `RATE_LIMIT_SCALE` (load tests only).
    pub fn from_env() -> Result<Self, StartError> {
        let secret = required("TEPEI_SECRET")?;
        if secret.len() < 32 {
            return Err(StartError::setting("TEPEI_SECRET must be at least 32 characters"));
        }
        let base = required("PUBLIC_BASE_URL")?;
        // Records are sealed under a key of their own, never one derived from the link key.
        required("TEPEI_DATA_KEY")?;
        Self::from_env_with(&base, secret.as_bytes())
    }

    /// From the environment as `serve` runs: the link key and the data keys from the data
    /// folder (`TEPEI_DATA_KEY`, if set, wins), the base URL from `PUBLIC_BASE_URL` or else
    /// `default_base` (the address it listens on).
    pub fn for_serve(default_base: &str, key: &[u8], data_keys: &str) -> Result<Self, StartError> {
        let base = var("PUBLIC_BASE_URL").unwrap_or_else(|| default_base.to_owned());
        let mut settings = Self::from_env_with(&base, key)?;
        if var("TEPEI_DATA_KEY").is_none() {
            settings.data_keys = DataKeys::parse(data_keys)?;
        }
        Ok(settings)
    }

    fn from_env_with(base: &str, secret: &[u8]) -> Result<Self, StartError> {
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(StartError::setting("PUBLIC_BASE_URL must start with https://"));
        }
        let key_id = var("TEPEI_KEY_ID").unwrap_or_else(|| "k1".into());
        let mut settings = Self::new(base, &key_id, secret);
        if let Some(previous) = var("TEPEI_PREVIOUS_KEYS") {
            for (id, key) in previous_keys(&previous, &key_id)? {
                settings.signer = settings.signer.with_previous(&id, key.as_bytes());
            }
        }
        if let Some(hash) = var("TEPEI_HASH_SECRET") {
            if hash.len() < 32 {
                return Err(StartError::setting("TEPEI_HASH_SECRET must be at least 32 characters"));
            }
            settings.secret = hash.into_bytes();
        }
        if let Some(days) = var("REVIEW_LINK_DAYS") {
            let days: i64 = days.parse().map_err(|_| StartError::setting("REVIEW_LINK_DAYS must be a number"))?;
            settings.review_ttl = time::Duration::days(days);
        }
        if let Some(keys) = var("TEPEI_DATA_KEY") {
            settings.data_keys = DataKeys::parse(&keys)?;
        }
        if let Some(task) = var("TASK_SECRET") {
            settings.task_secret = task;
        }
        if let Some(hops) = var("FORWARDED_HOPS") {
            settings.forwarded_hops = hops
                .parse()
                .ok()
                .filter(|h| *h <= 5)
                .ok_or_else(|| StartError::setting("FORWARDED_HOPS must be a whole number from 0 to 5"))?;
        }
        if let Some(n) = var("MAIL_CONCURRENCY") {
            settings.flush.concurrency = n
                .parse()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| StartError::setting("MAIL_CONCURRENCY must be a whole number from 1 to 64"))?;
        }
        if let Some(seconds) = var("FLUSH_SECONDS") {
            let seconds: u64 = seconds
                .parse()
                .ok()
                .filter(|s| (1..=900).contains(s))
                .ok_or_else(|| StartError::setting("FLUSH_SECONDS must be a whole number from 1 to 900"))?;
            settings.flush.budget = std::time::Duration::from_secs(seconds);
        }
        if let Some(scale) = var("RATE_LIMIT_SCALE") {
            settings.limit_scale = scale
                .parse()
                .ok()
                .filter(|s| *s >= 1)
                .ok_or_else(|| StartError::setting("RATE_LIMIT_SCALE must be a whole number of at least 1"))?;
        }
        Ok(settings)
    }
}

/// Whether the Lambda should log JSON lines (`LOG_FORMAT=json`, the default on Lambda).
pub fn json_logs() -> bool {
    var("LOG_FORMAT").is_none_or(|v| v == "json")
}

#[cfg(test)]
mod tests {
    use super::previous_keys;

    #[test]
    fn previous_keys_are_long_and_named_once() {
        let long = "x".repeat(32);
        let keys = previous_keys(&format!(" k0:{long} , k00:{long}"), "k1").expect("good");
        assert_eq!(keys.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["k0", "k00"]);
        for bad in [
            format!("k0:{}", "x".repeat(31)),
            format!("k0:{long},k0:{long}"),
            format!("k1:{long}"),
            format!(":{long}"),
            "k0".to_owned(),
        ] {
            let err = previous_keys(&bad, "k1").expect_err(&bad).to_string();
            assert!(err.contains("TEPEI_PREVIOUS_KEYS"), "{err}");
        }
    }
}
