//! Mail as `.eml` files in a folder (`serve` without `SMTP_URL`).

use super::{MailError, Mailer, message};
use crate::store::Mail;
use lettre::message::Mailbox;
use lettre::{AsyncFileTransport, AsyncTransport, Tokio1Executor};
use std::path::Path;

/// Mail written as `.eml` files into a folder (`serve` without `SMTP_URL`).
pub struct FileMailer {
    transport: AsyncFileTransport<Tokio1Executor>,
    from: Mailbox,
    dir: String,
    print: bool,
}

impl FileMailer {
    /// A mailer writing into `dir` (created if missing).
    pub fn new(dir: &Path, from: &str) -> Result<Self, MailError> {
        std::fs::create_dir_all(dir).map_err(|e| MailError::Settings(format!("{}: {e}", dir.display())))?;
        Ok(Self {
            transport: AsyncFileTransport::new(dir),
            from: from.parse().map_err(|e| MailError::Settings(format!("MAIL_FROM: {e}")))?,
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
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = message(&self.from, mail)?;
        self.transport.send(message).await.map_err(|e| MailError::Transport(crate::store::Cause::new(e)))?;
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
