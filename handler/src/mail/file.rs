//! Mail as `.eml` files in a folder (`serve` without `SMTP_URL`), each named by its mail's id
//! (`{id}.eml`), so that the erasure of an application finds the copies of its mail.

use super::{MailError, Mailer, message};
use crate::store::Mail;
use lettre::message::Mailbox;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Mail written as `.eml` files into a folder (`serve` without `SMTP_URL`).
pub struct FileMailer {
    folder: PathBuf,
    from: Mailbox,
    dir: String,
    print: bool,
}

impl FileMailer {
    /// The file of mail `id`; `None` for an id that is not a plain name.
    fn file(&self, id: &str) -> Option<PathBuf> {
        let plain = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        plain.then(|| self.folder.join(format!("{id}.eml")))
    }
}

impl FileMailer {
    /// A mailer writing into `dir` (created if missing).
    pub fn new(dir: &Path, from: &str) -> Result<Self, MailError> {
        std::fs::create_dir_all(dir).map_err(|e| MailError::settings(dir.display().to_string(), e))?;
        Ok(Self {
            folder: dir.to_owned(),
            from: from.parse().map_err(|e| MailError::settings("MAIL_FROM", e))?,
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
        let file = self
            .file(&mail.id)
            .ok_or_else(|| MailError::Message(crate::store::Cause::new(format!("bad mail id {}", mail.id))))?;
        tokio::fs::write(&file, message.formatted()).await.map_err(MailError::transport)?;
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

    async fn forget(&self, ids: &[String]) -> Result<(), MailError> {
        for file in ids.iter().filter_map(|id| self.file(id)) {
            match tokio::fs::remove_file(&file).await {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(MailError::transport(e)),
            }
        }
        Ok(())
    }
}
