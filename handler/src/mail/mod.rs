//! Mail: the `Mailer` port (SMTP via lettre, or `.eml` files for `serve`), and the outbox flush
//! that delivers each stored mail once, retrying with backoff while the relay is down.

mod file;
mod smtp;

/// How long one SMTP exchange may take before it counts as failed: a flush that claimed a mail
/// just before its budget ends can still be waiting this long.
pub const SMTP_TIMEOUT_SECONDS: u64 = 10;

pub use file::FileMailer;
pub use smtp::SmtpMailer;

use crate::store::{Mail, MailQueue, StoreError};
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};
use std::sync::Arc;

/// Why a mail was not sent, or a mailer not made.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The settings are wrong (`SMTP_URL`, `MAIL_FROM`, the outbox folder).
    #[error("the mail settings")]
    Settings(#[source] crate::store::Cause),
    /// The mail could not be built (a bad recipient or attachment).
    #[error("building the message")]
    Message(#[source] crate::store::Cause),
    /// The relay or the folder did not take it; try again later.
    #[error("not accepted")]
    Transport(#[source] crate::store::Cause),
}

impl MailError {
    /// Not accepted by the relay or the folder, because of `cause` (an error, or words).
    pub fn transport(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Transport(crate::store::Cause::new(cause))
    }

    /// The setting `what` is wrong, because of `cause`.
    pub fn settings(what: impl Into<String>, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Settings(crate::store::Cause::because(what, cause))
    }

    /// The message could not be built: `what` of it was wrong, because of `cause`.
    pub fn message(what: impl Into<String>, cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Message(crate::store::Cause::because(what, cause))
    }
}

/// Sends one mail.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers `mail`; an error means it was not accepted.
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
    /// Where mail goes, for logs.
    fn describe(&self) -> String;
    /// Deletes any copy this mailer kept of the mails `ids` (the `.eml` files of `serve`), at
    /// the erasure of an application they name. A relay keeps none.
    async fn forget(&self, _ids: &[String]) -> Result<(), MailError> {
        Ok(())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no out-of-office or other robot answers it.
#[derive(Clone, Debug)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// The message for `mail`, sent as `from`: marked as sent by a machine, replies to the centre.
fn message(from: &Mailbox, mail: &Mail) -> Result<Message, MailError> {
    let to: Mailbox = mail.to.parse().map_err(|e| MailError::message("bad recipient", e))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .message_id(Some(format!("<{}@tepei>", mail.id)))
        .header(AutoSubmitted);
    if let Some(reply_to) = &mail.reply_to {
        let reply_to: Mailbox = reply_to.parse().map_err(|e| MailError::message("bad reply-to", e))?;
        builder = builder.reply_to(reply_to);
    }
    builder.multipart(body(mail)?).map_err(|e| MailError::message("the body", e))
}

/// Text and HTML alternatives, followed by any attached files.
fn body(mail: &Mail) -> Result<MultiPart, MailError> {
    use base64::Engine;
    use lettre::message::header::ContentType;
    use lettre::message::{Attachment, SinglePart};
    let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
    if mail.files.is_empty() {
        return Ok(alternative);
    }
    let mut mixed = MultiPart::mixed().multipart(alternative);
    for file in &mail.files {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&file.base64)
            .map_err(|e| MailError::message(format!("attachment {}", file.name), e))?;
        let content_type =
            ContentType::parse(&file.content_type).map_err(|e| MailError::message("attachment type", e))?;
        let part: SinglePart = Attachment::new(file.name.clone()).body(bytes, content_type);
        mixed = mixed.singlepart(part);
    }
    Ok(mixed)
}

/// What one flush did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flushed {
    /// Delivered now.
    pub sent: usize,
    /// Failed now; due again later.
    pub failed: usize,
    /// Failed for the last time now: given up.
    pub dead: usize,
}

/// Attempts a mail gets before it is given up (about 2.5 hours of a relay refusing it).
pub const MAX_ATTEMPTS: u32 = 12;

/// Seconds to wait after the `attempts`-th failure: 5 s doubling to at most an hour.
pub fn backoff(attempts: u32) -> i64 {
    (5_i64 << attempts.min(10)).min(3600)
}

/// How a flush runs: how many mails go to the relay at once, and when to stop claiming more
/// (the Lambda's time limit).
#[derive(Debug, Clone, Copy)]
pub struct FlushPlan {
    /// Mails sent side by side (`MAIL_CONCURRENCY`; match what the relay allows per client).
    pub concurrency: usize,
    /// No new batch is claimed after this long.
    pub budget: std::time::Duration,
}

impl Default for FlushPlan {
    fn default() -> Self {
        Self { concurrency: 4, budget: std::time::Duration::from_secs(20) }
    }
}

/// Sends every mail that is due, each exactly once: a mail is leased before sending and marked
/// sent after, so concurrent flushers never send the same one. Due mail is claimed soonest due
/// first, so mail waiting for a retry never holds back newer mail; a mail refused
/// [`MAX_ATTEMPTS`] times is given up (logged at error level, counted on the centre's dashboard).
pub async fn flush_outbox(
    store: &dyn MailQueue,
    mailer: &dyn Mailer,
    now: i64,
    plan: FlushPlan,
) -> Result<Flushed, StoreError> {
    use futures_util::StreamExt;
    let started = std::time::Instant::now();
    let mut done = Flushed::default();
    while started.elapsed() < plan.budget {
        let batch = store.claim_mail(now, 120, 20).await?;
        if batch.is_empty() {
            break;
        }
        let mut sends = futures_util::stream::iter(batch.into_iter().map(|mail| deliver(store, mailer, mail, now)))
            .buffer_unordered(plan.concurrency.max(1));
        while let Some(outcome) = sends.next().await {
            done.add(outcome?);
        }
    }
    Ok(done)
}

/// Sends the mails `ids` just queued by one request, each only if no flusher has it: the
/// Lambda's requests send their own mail and nothing else, so a backlog never slows a request.
pub async fn send_queued(
    store: &dyn MailQueue,
    mailer: &dyn Mailer,
    ids: &[&str],
    now: i64,
) -> Result<Flushed, StoreError> {
    let mut done = Flushed::default();
    for id in ids {
        if let Some(mail) = store.claim_mail_id(id, now, 120).await? {
            done.add(deliver(store, mailer, mail, now).await?);
        }
    }
    Ok(done)
}

impl Flushed {
    fn add(&mut self, other: Flushed) {
        self.sent += other.sent;
        self.failed += other.failed;
        self.dead += other.dead;
    }
}

/// One leased mail sent, and the outcome recorded: sent, due again after a backoff, or given up.
async fn deliver(store: &dyn MailQueue, mailer: &dyn Mailer, mail: Mail, now: i64) -> Result<Flushed, StoreError> {
    match mailer.send(&mail).await {
        Ok(()) => {
            store.mail_sent(&mail.id, &now_rfc3339()).await?;
            tracing::info!(mail = %mail.id, reference = %mail.reference, "mail delivered");
            Ok(Flushed { sent: 1, ..Flushed::default() })
        }
        Err(error) if mail.attempts + 1 >= MAX_ATTEMPTS => {
            let why = crate::Chain(&error).to_string();
            store.mail_dead(&mail.id, &now_rfc3339(), &why).await?;
            tracing::error!(alarm = crate::alarm::MAIL_GIVEN_UP, mail = %mail.id, reference = %mail.reference, attempts = mail.attempts + 1, error = %crate::Chain(&error), "mail given up after its attempts");
            Ok(Flushed { dead: 1, ..Flushed::default() })
        }
        Err(error) => {
            let why = crate::Chain(&error).to_string();
            store.mail_failed(&mail.id, now + backoff(mail.attempts), &why).await?;
            tracing::warn!(mail = %mail.id, reference = %mail.reference, attempts = mail.attempts + 1, error = %crate::Chain(&error), "mail not delivered; will retry");
            Ok(Flushed { failed: 1, ..Flushed::default() })
        }
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// Wakes the background flusher (serve) after a write that queued mail.
#[derive(Clone, Default)]
pub struct Outbox {
    signal: Arc<tokio::sync::Notify>,
}

impl Outbox {
    /// Asks the flusher to run now.
    pub fn wake(&self) {
        self.signal.notify_one();
    }

    /// Runs the flusher forever: on every wake and every `every`, until the process ends.
    pub fn spawn(
        &self,
        store: Arc<dyn MailQueue>,
        mailer: Arc<dyn Mailer>,
        clock: crate::Clock,
        every: std::time::Duration,
    ) {
        let signal = self.signal.clone();
        tokio::spawn(async move {
            loop {
                let now = clock.now().unix_timestamp();
                if let Err(e) = flush_outbox(store.as_ref(), mailer.as_ref(), now, FlushPlan::default()).await {
                    tracing::warn!(error = %crate::Chain(&e), "outbox flush failed; will retry");
                }
                tokio::select! {
                    _ = signal.notified() => {}
                    _ = tokio::time::sleep(every) => {}
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mail that cannot be built says why, and keeps the error that said so as its cause.
    #[test]
    fn a_bad_recipient_keeps_its_cause() {
        let cause = "not an address".parse::<Mailbox>().expect_err("no address");
        let error = MailError::message("bad recipient", cause);
        let chain = crate::Chain(&error).to_string();
        assert_eq!(chain, format!("building the message: bad recipient: {cause}"));
        let kept = std::error::Error::source(&error).and_then(std::error::Error::source);
        assert_eq!(
            kept.map(ToString::to_string),
            Some(cause.to_string()),
            "the cause is the source, not words in the message"
        );
    }
}
