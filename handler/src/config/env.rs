//! The environment, read in one place: each setting from the secrets read at start, else from
//! the process environment; empty counts as unset.

use super::StartError;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Settings read from Secrets Manager at start, kept for the life of the process (one Lambda
/// instance): a changed secret is read by the next instance.
static SECRETS: OnceLock<HashMap<&'static str, String>> = OnceLock::new();

/// A setting: from the secrets read at start, else from the environment; empty counts as unset.
pub(super) fn var(name: &str) -> Option<String> {
    SECRETS
        .get()
        .and_then(|secrets| secrets.get(name).cloned())
        .or_else(|| std::env::var(name).ok())
        .filter(|v| !v.trim().is_empty())
}

/// A setting that must be there.
pub(super) fn required(name: &str) -> Result<String, StartError> {
    var(name).ok_or_else(|| StartError::setting(format!("{name} is not set")))
}

/// Keeps the secrets read at start; once per process.
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
pub(super) fn keep_secrets(values: HashMap<&'static str, String>) -> Result<(), StartError> {
    SECRETS.set(values).map_err(|_| StartError::setting("the secrets were already read"))
}

/// Whether the environment names AWS credentials itself (`AWS_ACCESS_KEY_ID`); without them a
/// local endpoint (DynamoDB Local) gets dummy ones.
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
pub(super) fn aws_credentials_set() -> bool {
    std::env::var_os("AWS_ACCESS_KEY_ID").is_some()
}

/// Whether the environment names a region (`AWS_REGION` or `AWS_DEFAULT_REGION`).
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
pub(super) fn aws_region_set() -> bool {
    std::env::var_os("AWS_REGION").is_some() || std::env::var_os("AWS_DEFAULT_REGION").is_some()
}
