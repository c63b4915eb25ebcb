//! Mail: the `Mailer` port (SMTP via lettre, or `.eml` files for `serve`), and the outbox flush
//! that delivers each stored mail once, retrying with backoff while the relay is down.

use crate::store::{Mail, MailQueue, StoreError};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::Path;
use std::sync::Arc;

/// Sends one mail.
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers `mail`; an error means it was not accepted.
    async fn send(&self, mail: &Mail) -> Result<(), String>;
    /// Where mail goes, for logs.
    fn describe(&self) -> String;
}

fn message(from: &Mailbox, mail: &Mail) -> Result<Message, String> {
    let to: Mailbox = mail.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .message_id(Some(format!("<{}@tepei>", mail.id)))
        .multipart(body(mail)?)
        .map_err(|e| format!("building message: {e}"))
}

/// Text and HTML alternatives, followed by any attached files.
fn body(mail: &Mail) -> Result<MultiPart, String> {
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
            .map_err(|e| format!("attachment {}: {e}", file.name))?;
        let content_type = ContentType::parse(&file.content_type).map_err(|e| format!("attachment type: {e}"))?;
        let part: SinglePart = Attachment::new(file.name.clone()).body(bytes, content_type);
        mixed = mixed.singlepart(part);
    }
    Ok(mixed)
}

/// Mail through an SMTP relay (`SMTP_URL`, e.g. `smtps://user:pass@smtp.example.cn:465` or
/// `smtp://127.0.0.1:1025` for a local test server).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    url_host: String,
}

impl SmtpMailer {
    /// A mailer for `url`, sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?;
        let url_host = url.rsplit('@').next().unwrap_or(url).to_owned();
        Ok(Self { transport, from, url_host })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), String> {
        let message = message(&self.from, mail)?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }

    fn describe(&self) -> String {
        format!("SMTP relay {}", self.url_host)
    }
}

/// Mail written as `.eml` files into a folder (`serve` without `SMTP_URL`).
pub struct FileMailer {
    transport: AsyncFileTransport<Tokio1Executor>,
    from: Mailbox,
    dir: String,
    print: bool,
}

impl FileMailer {
    /// A mailer writing into `dir` (created if missing).
    pub fn new(dir: &Path, from: &str) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Self {
            transport: AsyncFileTransport::new(dir),
            from: from.parse().map_err(|e| format!("MAIL_FROM: {e}"))?,
            dir: dir.display().to_string(),
            print: false,
        })
    }

    /// Also prints each mail's recipient, subject and links to the console (local trials).
    pub fn printing_links(mut self) -> Self {
        self.print = true;
        self
    }
}

#[async_trait::async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &Mail) -> Result<(), String> {
        let message = message(&self.from, mail)?;
        self.transport.send(message).await.map_err(|e| e.to_string())?;
        if self.print {
            // References and links only: no address, name or subject on the console.
            println!("mail {} for {} written to {}", mail.id, mail.reference, self.dir);
            for link in mail.text.split_whitespace().filter(|w| w.starts_with("http://") || w.starts_with("https://")) {
                println!("  {link}");
            }
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!(".eml files in {}", self.dir)
    }
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
                    store.mail_failed(&mail.id, now + backoff(mail.attempts), &error).await?;
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
