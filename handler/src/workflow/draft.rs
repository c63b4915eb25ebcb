//! The checked application between the 核对信息 page and its confirmation: the whole form, its
//! files named by key, sealed with AES-256-GCM under a key derived from the deployment's secret,
//! so the page carries it without carrying the 身份证号 readably, and nothing can be changed
//! between what the applicant checked and what is submitted. It lasts [`DRAFT_TTL`], and opens
//! only in the browser that made it (a keyed hash of the value that browser keeps is sealed in).

use crate::workflow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use policy::ApplicationForm;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How long a checked application may wait for its confirmation.
pub const DRAFT_TTL: time::Duration = time::Duration::hours(2);

/// Why a sealed draft was not opened.
#[derive(Debug, PartialEq, Eq)]
pub enum DraftError {
    /// Not a draft this deployment sealed (changed, truncated, another key).
    Invalid,
    /// Sealed more than [`DRAFT_TTL`] ago.
    Expired,
    /// Opened in another browser than the one it was made in.
    OtherBrowser,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    form: ApplicationForm,
    /// Unix seconds after which the draft is refused.
    exp: i64,
    /// A keyed hash of the value the browser that made the draft keeps (a draft sealed before
    /// drafts were bound has none, and opens nowhere).
    #[serde(default)]
    browser: String,
}

fn browser_hash(ctx: &Context, browser: &str) -> String {
    policy::keyed_hash(&ctx.settings.secret, &["draft-browser", browser])
}

fn key(ctx: &Context) -> [u8; 32] {
    // A key of its own for this purpose, derived from the signing secret.
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&ctx.settings.secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(b"-").expect("any key length"));
    mac.update(b"tepei draft key v1");
    mac.finalize().into_bytes().into()
}

/// Seals `form` for the 核对信息 page, for the browser that keeps the value `browser`.
pub fn seal(ctx: &Context, form: &ApplicationForm, browser: &str) -> String {
    let exp = (ctx.clock.now() + DRAFT_TTL).unix_timestamp();
    let sealed = Sealed { form: form.clone(), exp, browser: browser_hash(ctx, browser) };
    let plain = serde_json::to_vec(&sealed).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(crate::personal::seal_bytes(&key(ctx), b"", &plain))
}

/// Opens a draft sealed by [`seal`] on this deployment, in the browser it was sealed for (which
/// keeps the value `browser`), if still within its time.
pub fn open(ctx: &Context, draft: &str, browser: Option<&str>) -> Result<ApplicationForm, DraftError> {
    let bytes = URL_SAFE_NO_PAD.decode(draft.trim()).map_err(|_| DraftError::Invalid)?;
    let plain = crate::personal::open_bytes(&key(ctx), b"", &bytes).ok_or(DraftError::Invalid)?;
    let opened: Sealed = serde_json::from_slice(&plain).map_err(|_| DraftError::Invalid)?;
    let same = browser
        .is_some_and(|b| policy::keyed_hash_starts_with(&ctx.settings.secret, &["draft-browser", b], &opened.browser));
    if !same {
        return Err(DraftError::OtherBrowser);
    }
    if ctx.clock.now().unix_timestamp() > opened.exp {
        return Err(DraftError::Expired);
    }
    Ok(opened.form)
}
