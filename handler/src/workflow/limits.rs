//! A workflow step: rate limits kept in the store (fixed windows, [`crate::store::Counters`]), so that they hold
//! across `serve` processes sharing a data folder and across Lambda instances. What is counted
//! (a client address, a recipient) is hashed with the keyed hash before it reaches the store.

use super::{Context, Error};
use crate::store::Charge;

/// At most `max` events per `window` seconds for one subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Names the counter (and keeps limits apart).
    pub name: &'static str,
    /// Events allowed in a window.
    pub max: u32,
    /// The window, in seconds.
    pub window: i64,
}

/// Submissions (and 核对信息 pages) from one client address: a hospital or a county office
/// behind one address may send many, a script more.
pub const SUBMIT_PER_CLIENT: Limit = Limit { name: "submit-client", max: 120, window: 3600 };
/// Code mails to one applicant address, whether a submission or a new code asked for sends them
/// (counted by [`address_key`]).
pub const SUBMIT_PER_ADDRESS: Limit = Limit { name: "submit-address", max: 10, window: 3600 };

/// The key one mailbox is counted by: [`policy::mailbox_of`], as addresses are compared.
pub fn address_key(email: &str) -> String {
    policy::mailbox_of(email)
}
/// Upload slots for one client address.
pub const UPLOAD_PER_CLIENT: Limit = Limit { name: "upload-client", max: 300, window: 3600 };
/// Links asked to be sent again (status, review, dashboard) from one client address.
pub const RESEND_PER_CLIENT: Limit = Limit { name: "resend-client", max: 30, window: 3600 };
/// Mail a stranger can trigger to one recipient (a link sent again, a dashboard link): one per
/// ten minutes.
pub const MAIL_PER_RECIPIENT: Limit = Limit { name: "mail-recipient", max: 1, window: 600 };
/// Resubmissions of one application, and returns of it: each mails the applicant and a reviewer,
/// so neither can be driven round and round.
pub const RESUBMIT_PER_RECORD: Limit = Limit { name: "resubmit-record", max: 5, window: 86_400 };
/// Proof documents added to one application: each sends its unit a fresh review link.
pub const DOCUMENTS_PER_RECORD: Limit = Limit { name: "documents-record", max: 10, window: 86_400 };
/// Returns of one application by its reviewers.
pub const RETURN_PER_RECORD: Limit = Limit { name: "return-record", max: 5, window: 86_400 };
/// `/verify` look-ups from one client address.
pub const VERIFY_PER_CLIENT: Limit = Limit { name: "verify-client", max: 120, window: 3600 };

/// Counts one event of `subject` under `limit`: `Ok(true)` within it, `Ok(false)` over it.
pub async fn allow(ctx: &Context, limit: Limit, subject: &str) -> Result<bool, Error> {
    match count(ctx, &charge(ctx, limit, subject)).await {
        Ok(()) => Ok(true),
        Err(Error::TooMany { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Counts one event of `subject` under `limit`; over it, [`Error::TooMany`] with the seconds
/// until the window ends.
pub async fn check(ctx: &Context, limit: Limit, subject: &str) -> Result<(), Error> {
    count(ctx, &charge(ctx, limit, subject)).await
}

/// Counts one try of `subject` under `name` in the window of `window` seconds that started at
/// `since` (an application's own window, not the clock's), and returns the tries so far. A store
/// that cannot count refuses (the tries guard a secret).
pub async fn tries_since(ctx: &Context, name: &str, subject: &str, since: i64, window: i64) -> Result<u32, Error> {
    Ok(ctx.store.hit(&counter(ctx, name, subject), since, window).await?)
}

/// The store's key of the counter of `subject` under `name`: a keyed hash, never the subject.
fn counter(ctx: &Context, name: &str, subject: &str) -> String {
    let hashed = policy::keyed_hash(&ctx.settings.secret, &["limit", name, subject]);
    format!("{name}:{}", &hashed[..24])
}

/// `limit`'s hit on `subject` now, to count in the write it limits
/// ([`crate::store::Applications::create_charged`]): that write then stores nothing when the
/// window is full.
pub fn charge(ctx: &Context, limit: Limit, subject: &str) -> Charge {
    let now = ctx.clock.now().unix_timestamp();
    Charge {
        key: counter(ctx, limit.name, subject),
        window_start: now - now.rem_euclid(limit.window),
        window: limit.window,
        max: limit.max.saturating_mul(ctx.settings.limit_scale),
    }
}

/// Whether `charge` is a hit under `limit`.
pub fn counts(charge: &Charge, limit: Limit) -> bool {
    charge.key.split(':').next() == Some(limit.name)
}

/// Counts `charges` now, side by side, each as [`check`] does.
pub async fn charge_now(ctx: &Context, charges: &[Charge]) -> Result<(), Error> {
    let counted = futures_util::future::join_all(charges.iter().map(|c| count(ctx, c))).await;
    counted.into_iter().try_for_each(|c| c.map(|_| ()))
}

/// The refusal of a write whose `charge` was full: [`Error::TooMany`] with the seconds until its
/// window ends.
pub fn refused(ctx: &Context, charge: &Charge) -> Error {
    let now = ctx.clock.now().unix_timestamp();
    tracing::warn!(limit = charge.key.split(':').next().unwrap_or_default(), "rate limit reached");
    Error::TooMany { retry_after: (charge.window_start + charge.window - now).max(1) }
}

/// Counts `charge`: within it, or (also when the store cannot count) over it with
/// [`Error::TooMany`].
async fn count(ctx: &Context, charge: &Charge) -> Result<(), Error> {
    let hits = match ctx.store.hit(&charge.key, charge.window_start, charge.window).await {
        Ok(hits) => hits,
        // The store cannot count now: the request goes on (it needs the store anyway, and says
        // so itself) rather than a person being turned away by the limiter.
        Err(e) => {
            tracing::warn!(limit = charge.key.split(':').next().unwrap_or_default(), error = %crate::Chain(&e), "rate limit not counted");
            return Ok(());
        }
    };
    if hits > charge.max { Err(refused(ctx, charge)) } else { Ok(()) }
}
