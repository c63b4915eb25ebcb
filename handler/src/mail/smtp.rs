//! Mail through an SMTP relay (lettre, rustls; no OpenSSL).

use super::{MailError, Mailer, message};
use crate::store::Mail;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// Mail through an SMTP relay (`SMTP_URL`, e.g. `smtps://user:pass@smtp.example.cn:465` or
/// `smtp://127.0.0.1:1025` for a local test server).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    url_host: String,
}

impl SmtpMailer {
    /// A mailer for `url`, sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::settings("SMTP_URL", e))?
            .timeout(Some(std::time::Duration::from_secs(super::SMTP_TIMEOUT_SECONDS)))
            .build();
        let from = from.parse().map_err(|e| MailError::settings("MAIL_FROM", e))?;
        let url_host = url.rsplit('@').next().unwrap_or(url).to_owned();
        Ok(Self { transport, from, url_host })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = message(&self.from, mail)?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| MailError::Transport(crate::store::Cause::new(e)))
    }

    fn describe(&self) -> String {
        format!("SMTP relay {}", self.url_host)
    }
}
