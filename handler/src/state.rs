//! What every request shares, built once at start: the workflow's [`Context`] and what only the
//! HTTP side needs (the rules fingerprint, the site folder).

use crate::Clock;
use crate::blobs::Blobs;
use crate::mail::Mailer;
use crate::store::Store;
use crate::views::Pages;
use crate::workflow::Context;
use crate::{Settings, StartError};
use policy::{Programme, Reviewers};
use std::sync::Arc;

/// Everything a request needs: the workflow's context (which it dereferences to, so a route
/// hands `&state` to a workflow step), the fingerprint of the rules and the site it serves.
#[derive(Clone)]
pub struct AppState {
    ctx: Context,
    /// The fingerprint of the rules enforced ([`policy::rules_fingerprint`]).
    pub(crate) rules: Arc<str>,
    /// The generated site, served as static files (`serve`; on AWS the CDN serves it).
    #[cfg(feature = "site")]
    pub(crate) site: Option<crate::http::statics::SiteFiles>,
}

impl std::ops::Deref for AppState {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}

impl AppState {
    /// State with the programme, reviewers and site config embedded at compile time.
    pub fn new(clock: Clock, store: Arc<dyn Store>, mut settings: Settings) -> Result<Self, StartError> {
        let programme = Programme::embedded().map_err(|e| StartError::failed("content/programme.toml", e))?;
        let reviewers = Reviewers::embedded(&programme).map_err(|e| StartError::failed("config/reviewers.toml", e))?;
        let config = theme::Config::embedded().map_err(StartError::setting)?;
        settings.reply_to = config.reply_to(&programme.centre.email).map_err(StartError::setting)?;
        let rules = policy::embedded_fingerprint();
        let pages = Pages::new(&programme, config, &rules);
        Ok(Self {
            ctx: Context::new(programme, reviewers, pages, clock, store, settings),
            rules: rules.into(),
            #[cfg(feature = "site")]
            site: None,
        })
    }

    /// The workflow's context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Enforces another programme file's rules (tests and benchmarks with small quotas); pages
    /// keep the embedded one's text.
    pub fn with_programme(mut self, programme: Programme) -> Self {
        self.ctx.programme = Arc::new(programme);
        self
    }

    /// Enforces and renders the rules a site was built from (`serve --root`): its programme,
    /// reviewers and site config in place of the embedded ones, pages and the mail's Reply-To
    /// included, and their fingerprint. Loading the site (`site::Site::load`) refused a
    /// `reply_to` that does not pass; were one given here anyway, it is left unset.
    pub fn with_rules(
        mut self,
        programme: Programme,
        reviewers: Reviewers,
        config: theme::Config,
        fingerprint: &str,
    ) -> Self {
        Arc::make_mut(&mut self.ctx.settings).reply_to = config.reply_to(&programme.centre.email).unwrap_or_default();
        self.ctx.pages = Arc::new(Pages::new(&programme, config, fingerprint));
        self.rules = fingerprint.into();
        self.ctx.programme = Arc::new(programme);
        self.ctx.reviewers = Arc::new(reviewers);
        self
    }

    /// Other link and key settings.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.ctx.settings = Arc::new(settings);
        self
    }

    /// Takes attachments, kept in `blobs`.
    pub fn with_blobs(mut self, blobs: Arc<dyn Blobs>) -> Self {
        self.ctx.blobs = Some(blobs);
        self
    }

    /// Also serves the generated site, from `files` in memory.
    #[cfg(feature = "site")]
    pub fn with_site(mut self, files: crate::http::statics::SiteFiles) -> Self {
        self.site = Some(files);
        self
    }

    /// Sends queued mail within each request that queues it (the Lambda).
    pub fn with_inline_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.ctx = self.ctx.with_inline_mailer(mailer);
        self
    }

    /// Sends queued mail from a background task, on every write that queues mail and every
    /// `every` (`serve`). Call within the runtime.
    pub fn with_background_mailer(mut self, mailer: Arc<dyn Mailer>, every: std::time::Duration) -> Self {
        self.ctx = self.ctx.with_background_mailer(mailer, every);
        self
    }

    /// The settings shared by every request.
    pub fn settings(&self) -> &Settings {
        &self.ctx.settings
    }

    /// The rules of the round.
    pub fn programme(&self) -> &Programme {
        &self.ctx.programme
    }

    /// The fingerprint of the rules enforced.
    pub fn rules(&self) -> &str {
        &self.rules
    }

    /// Parses the templates now, so the first page is as quick as the rest and a broken template
    /// stops the start.
    pub fn warm(&self) -> Result<(), StartError> {
        self.ctx.pages.warm().map_err(|e| StartError::failed("parsing the templates", e))
    }
}
