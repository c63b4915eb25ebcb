//! Mail: the `Mailer` port (SMTP via lettre, or `.eml` files for `serve`), and the outbox flush
//! that delivers each stored mail once, retrying with backoff while the relay is down.

mod file;
mod smtp;

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
    #[error("{0}")]
    Settings(String),
    /// The mail could not be built (a bad recipient or attachment).
    #[error("building the message: {0}")]
    Message(String),
    /// The relay or the folder did not take it; try again later.
    #[error("{0}")]
    Transport(String),
}

/// Sends one mail.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers `mail`; an error means it was not accepted.
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
    /// Where mail goes, for logs.
    fn describe(&self) -> String;
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
    let to: Mailbox = mail.to.parse().map_err(|e| MailError::Message(format!("bad recipient: {e}")))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .message_id(Some(format!("<{}@tepei>", mail.id)))
        .header(AutoSubmitted);
    if let Some(reply_to) = &mail.reply_to {
        let reply_to: Mailbox = reply_to.parse().map_err(|e| MailError::Message(format!("bad reply-to: {e}")))?;
        builder = builder.reply_to(reply_to);
    }
    builder.multipart(body(mail)?).map_err(|e| MailError::Message(e.to_string()))
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
            .map_err(|e| MailError::Message(format!("attachment {}: {e}", file.name)))?;
        let content_type =
            ContentType::parse(&file.content_type).map_err(|e| MailError::Message(format!("attachment type: {e}")))?;
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
}

/// Seconds to wait after the `attempts`-th failure: 5 s doubling to at most 5 minutes.
pub fn backoff(attempts: u32) -> i64 {
    (5_i64 << attempts.min(6)).min(300)
}

/// Sends every mail that is due, each exactly once: a mail is leased before sending and marked
/// sent after, so concurrent flushers never send the same one.
pub async fn flush_outbox(store: &dyn MailQueue, mailer: &dyn Mailer, now: i64) -> Result<Flushed, StoreError> {
    let mut done = Flushed::default();
    for _ in 0..50 {
        let batch = store.claim_mail(now, 120, 20).await?;
        if batch.is_empty() {
            break;
        }
        for mail in batch {
            match mailer.send(&mail).await {
                Ok(()) => {
                    let at = time::OffsetDateTime::now_utc()
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap_or_default();
                    store.mail_sent(&mail.id, &at).await?;
                    tracing::info!(mail = %mail.id, reference = %mail.reference, "mail delivered");
                    done.sent += 1;
                }
                Err(error) => {
                    store.mail_failed(&mail.id, now + backoff(mail.attempts), &error.to_string()).await?;
                    tracing::warn!(mail = %mail.id, reference = %mail.reference, attempts = mail.attempts + 1, %error, "mail not delivered; will retry");
                    done.failed += 1;
                }
            }
        }
    }
    Ok(done)
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
                if let Err(e) = flush_outbox(store.as_ref(), mailer.as_ref(), now).await {
                    tracing::warn!(error = %e, "outbox flush failed; will retry");
                }
                tokio::select! {
                    _ = signal.notified() => {}
                    _ = tokio::time::sleep(every) => {}
                }
            }
        });
    }
}
