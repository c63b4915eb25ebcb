//! What the workflow works with: the rules and reviewers of the round, the ports (store, mail
//! queue, blobs), the clock, the keys and link settings, and the pages that render mail. The
//! assembly builds it once; nothing here knows how the adapters behind the ports were made.

use crate::Clock;
use crate::Settings;
use crate::blobs::Blobs;
use crate::mail::{self, Mailer, Outbox};
use crate::store::{Mail, Store, StoreError};
use crate::views::Pages;
use policy::{Programme, Reviewers};
use std::sync::Arc;

/// How queued mail leaves.
#[derive(Clone)]
enum Delivery {
    /// A background flusher, woken after each write that queues mail (`serve`).
    Background(Outbox),
    /// Sent within the request that queued it (the Lambda, which has no background task); the
    /// schedule retries what fails.
    Inline(Arc<dyn Mailer>),
}

/// Everything a workflow step needs, shared by every request.
#[derive(Clone)]
pub struct Context {
    /// The rules enforced.
    pub programme: Arc<Programme>,
    /// Who reviews for each league and department, and the centre.
    pub reviewers: Arc<Reviewers>,
    /// Pages and mail templates.
    pub pages: Arc<Pages>,
    /// Now.
    pub clock: Clock,
    /// Applications, mail queue, counters.
    pub store: Arc<dyn Store>,
    /// Link and key settings.
    pub settings: Arc<Settings>,
    /// Uploaded files; `None` where this deployment takes no attachments.
    pub blobs: Option<Arc<dyn Blobs>>,
    delivery: Delivery,
    /// The mailer, inline or behind the flusher (`None` before one is set).
    mailer: Option<Arc<dyn Mailer>>,
}

impl Context {
    /// A context whose mail waits for a background flusher started later
    /// ([`Context::with_background_mailer`]) or is sent inline ([`Context::with_inline_mailer`]).
    pub fn new(
        programme: Programme,
        reviewers: Reviewers,
        pages: Pages,
        clock: Clock,
        store: Arc<dyn Store>,
        settings: Settings,
    ) -> Self {
        Self {
            programme: Arc::new(programme),
            reviewers: Arc::new(reviewers),
            pages: Arc::new(pages),
            clock,
            store,
            settings: Arc::new(settings),
            blobs: None,
            delivery: Delivery::Background(Outbox::default()),
            mailer: None,
        }
    }

    /// Sends queued mail within each request that queues it (the Lambda).
    pub fn with_inline_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer.clone());
        self.delivery = Delivery::Inline(mailer);
        self
    }

    /// Sends queued mail from a background task, on every write that queues mail and every
    /// `every` (`serve`). Call within the runtime.
    pub fn with_background_mailer(mut self, mailer: Arc<dyn Mailer>, every: std::time::Duration) -> Self {
        let outbox = Outbox::default();
        self.mailer = Some(mailer.clone());
        outbox.spawn(self.store.clone(), mailer, self.clock, every);
        self.delivery = Delivery::Background(outbox);
        self
    }

    /// After a write that queued `mails`: send those now (Lambda; never the backlog, which the
    /// schedule drains) or wake the flusher (serve).
    pub async fn mail_queued(&self, mails: &[Mail]) {
        match &self.delivery {
            Delivery::Inline(mailer) => {
                let now = self.clock.now().unix_timestamp();
                let ids: Vec<&str> = mails.iter().map(|m| m.id.as_str()).collect();
                let flush = mail::send_queued(self.store.as_ref(), mailer.as_ref(), &ids, now);
                match tokio::time::timeout(std::time::Duration::from_secs(5), flush).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(error = %crate::Chain(&e), "inline mail flush failed; the schedule will retry");
                    }
                    Err(_) => tracing::warn!("inline mail flush timed out; the schedule will retry"),
                }
            }
            Delivery::Background(outbox) => outbox.wake(),
        }
    }

    /// Sends the queued mails `ids` now, whatever the delivery (at an erasure: what the last
    /// change queued, such as a withdrawal's notice, leaves before the record's mail is deleted);
    /// what does not leave within five seconds is left to the caller.
    pub async fn send_now(&self, ids: &[&str]) {
        let Some(mailer) = &self.mailer else { return };
        let now = self.clock.now().unix_timestamp();
        let flush = mail::send_queued(self.store.as_ref(), mailer.as_ref(), ids, now);
        match tokio::time::timeout(std::time::Duration::from_secs(5), flush).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %crate::Chain(&e), "mail not sent before an erasure"),
            Err(_) => tracing::warn!("mail not sent before an erasure: timed out"),
        }
    }

    /// Deletes the copies the mailer kept of the mails `ids` (the `.eml` files of `serve`).
    pub async fn forget_mail(&self, ids: &[String]) -> Result<(), mail::MailError> {
        match &self.mailer {
            Some(mailer) => mailer.forget(ids).await,
            None => Ok(()),
        }
    }

    /// The scheduled flush: delivers due mail now where requests send inline; elsewhere wakes
    /// the background flusher. `None` when only woken.
    pub async fn flush_mail(&self) -> Result<Option<mail::Flushed>, StoreError> {
        match &self.delivery {
            Delivery::Inline(mailer) => {
                let now = self.clock.now().unix_timestamp();
                mail::flush_outbox(self.store.as_ref(), mailer.as_ref(), now, self.settings.flush).await.map(Some)
            }
            Delivery::Background(outbox) => {
                outbox.wake();
                Ok(None)
            }
        }
    }
}
