//! What every request shares, built once at start.

use crate::Clock;
use crate::blobs::Blobs;
use crate::config::{Settings, StartError};
use crate::mail::{self, Mailer, Outbox};
use crate::store::Store;
use crate::views::Pages;
use policy::{Programme, Reviewers};
use std::path::PathBuf;
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

/// Everything a request needs.
#[derive(Clone)]
pub struct AppState {
    pub(crate) programme: Arc<Programme>,
    pub(crate) reviewers: Arc<Reviewers>,
    /// The fingerprint of the rules enforced ([`policy::rules_fingerprint`]).
    pub(crate) rules: Arc<str>,
    pub(crate) pages: Arc<Pages>,
    pub(crate) clock: Clock,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) settings: Arc<Settings>,
    /// Uploaded files; `None` where this deployment takes no attachments.
    pub(crate) blobs: Option<Arc<dyn Blobs>>,
    /// The generated site, served as static files (`serve`; on AWS the CDN serves it).
    pub(crate) site_dir: Option<PathBuf>,
    delivery: Delivery,
}

impl AppState {
    /// State with the programme, reviewers and site config embedded at compile time.
    pub fn new(clock: Clock, store: Arc<dyn Store>, settings: Settings) -> Result<Self, StartError> {
        let programme = Programme::embedded().map_err(|e| StartError(e.to_string()))?;
        let reviewers = Reviewers::embedded(&programme).map_err(|e| StartError(e.to_string()))?;
        let config = theme::Config::embedded().map_err(StartError)?;
        let rules = policy::embedded_fingerprint();
        let pages = Pages::new(&programme, config, &rules);
        Ok(Self {
            programme: Arc::new(programme),
            reviewers: Arc::new(reviewers),
            rules: rules.into(),
            pages: Arc::new(pages),
            clock,
            store,
            settings: Arc::new(settings),
            blobs: None,
            site_dir: None,
            delivery: Delivery::Background(Outbox::default()),
        })
    }

    /// Enforces another programme file's rules (tests and benchmarks with small quotas); pages
    /// keep the embedded one's text.
    pub fn with_programme(mut self, programme: Programme) -> Self {
        self.programme = Arc::new(programme);
        self
    }

    /// Enforces and renders the rules a site was built from (`serve --root`): its programme,
    /// reviewers and site config in place of the embedded ones, pages included, and their
    /// fingerprint.
    pub fn with_rules(
        mut self,
        programme: Programme,
        reviewers: Reviewers,
        config: theme::Config,
        fingerprint: &str,
    ) -> Self {
        self.pages = Arc::new(Pages::new(&programme, config, fingerprint));
        self.rules = fingerprint.into();
        self.programme = Arc::new(programme);
        self.reviewers = Arc::new(reviewers);
        self
    }

    /// Other link and key settings.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = Arc::new(settings);
        self
    }

    /// Takes attachments, kept in `blobs`.
    pub fn with_blobs(mut self, blobs: Arc<dyn Blobs>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Also serves the generated site from `dir`.
    pub fn with_site(mut self, dir: PathBuf) -> Self {
        self.site_dir = Some(dir);
        self
    }

    /// Sends queued mail within each request that queues it (the Lambda).
    pub fn with_inline_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.delivery = Delivery::Inline(mailer);
        self
    }

    /// Sends queued mail from a background task, on every write that queues mail and every
    /// `every` (`serve`). Call within the runtime.
    pub fn with_background_mailer(mut self, mailer: Arc<dyn Mailer>, every: std::time::Duration) -> Self {
        let outbox = Outbox::default();
        outbox.spawn(self.store.clone(), mailer, self.clock, every);
        self.delivery = Delivery::Background(outbox);
        self
    }

    /// The settings shared by every request.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The rules of the round.
    pub fn programme(&self) -> &Programme {
        &self.programme
    }

    /// The fingerprint of the rules enforced.
    pub fn rules(&self) -> &str {
        &self.rules
    }

    /// Parses the templates now, so the first page is as quick as the rest and a broken template
    /// stops the start.
    pub fn warm(&self) -> Result<(), StartError> {
        self.pages.warm().map_err(|e| StartError(format!("parsing the templates: {}", theme::error_chain(&e))))
    }

    /// After a write that queued `mails`: send those now (Lambda; never the backlog, which the
    /// schedule drains) or wake the flusher (serve).
    pub(crate) async fn mail_queued(&self, mails: &[crate::store::Mail]) {
        match &self.delivery {
            Delivery::Inline(mailer) => {
                let now = self.clock.now().unix_timestamp();
                let ids: Vec<&str> = mails.iter().map(|m| m.id.as_str()).collect();
                let flush = mail::send_queued(self.store.as_ref(), mailer.as_ref(), &ids, now);
                match tokio::time::timeout(std::time::Duration::from_secs(5), flush).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "inline mail flush failed; the schedule will retry"),
                    Err(_) => tracing::warn!("inline mail flush timed out; the schedule will retry"),
                }
            }
            Delivery::Background(outbox) => outbox.wake(),
        }
    }

    /// The scheduled flush: delivers due mail now where requests send inline; elsewhere wakes
    /// the background flusher. `None` when only woken.
    pub(crate) async fn flush_mail(&self) -> Result<Option<mail::Flushed>, crate::store::StoreError> {
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
