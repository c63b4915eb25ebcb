//! `tepei`: build, check and serve the 特培 site. Each command is one function.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// 特培 (tepei): the site and application handler of the Inner Mongolia special training
/// programme for professional technicians.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// The site folder (holding config.toml, config/reviewers.toml and content/).
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site from content/ into the output folder.
    Build {
        /// Where to write the site.
        #[arg(long, short, default_value = "public")]
        output: PathBuf,
    },
    /// Build into a temporary folder and verify every internal link, anchor and asset; report
    /// data the notice does not give and rules that differ from those compiled in. Exits
    /// non-zero on a broken link.
    Check,
    /// Build the site and serve it with the working form and API, enforcing the folder's rules.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:3000")]
        addr: SocketAddr,
        /// Data folder (store, outbox, uploads, signing key).
        #[arg(long, default_value = ".tepei")]
        data: PathBuf,
        /// Start the clock at this instant (RFC 3339) and let it run on, e.g. to try the form
        /// inside the 2025 window: --now 2025-03-15T09:00:00+08:00
        #[arg(long, value_parser = parse_instant)]
        now: Option<OffsetDateTime>,
        /// Where to write the site before serving it.
        #[arg(long, short, default_value = "public")]
        output: PathBuf,
    },
    /// Seal every 身份证号 and phone of a round under the current data key (the first in the data
    /// folder's data.key, or TEPEI_DATA_KEY), after a new key was put before the old one; the
    /// store is serve's (TEPEI_STORE=dynamodb with TABLE_NAME for DynamoDB). Prints the counts.
    Rekey {
        /// Data folder (store and keys), as for serve.
        #[arg(long, default_value = ".tepei")]
        data: PathBuf,
        /// The round (year); by default programme.toml's.
        #[arg(long)]
        round: Option<i32>,
    },
    /// Erase the personal data and files of the round's records past privacy.keep_until, and of
    /// applications never confirmed or withdrawn more than privacy.erase_unfinished_after_days
    /// ago, keeping de-identified rows for the statistics. Prints the counts.
    Purge {
        /// Data folder (store, files and keys), as for serve.
        #[arg(long, default_value = ".tepei")]
        data: PathBuf,
        /// The round (year); by default programme.toml's.
        #[arg(long)]
        round: Option<i32>,
        /// Only count what would be erased.
        #[arg(long)]
        dry_run: bool,
        /// Take this instant as now (RFC 3339), e.g. to see what a later run would erase.
        #[arg(long, value_parser = parse_instant)]
        now: Option<OffsetDateTime>,
    },
}

fn parse_instant(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| format!("expected RFC 3339, e.g. 2025-03-15T09:00:00+08:00 ({e})"))
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_target(false)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Build { output } => build(&cli.root, &output),
        Command::Check => check(&cli.root),
        Command::Serve { addr, data, now, output } => serve(&cli.root, &output, addr, &data, now),
        Command::Rekey { data, round } => rekey(&cli.root, &data, round),
        Command::Purge { data, round, dry_run, now } => purge(&cli.root, &data, round, dry_run, now),
    }
}

fn resolve(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() { path.to_owned() } else { root.join(path) }
}

/// `tepei build`.
fn build(root: &Path, output: &Path) -> Result<()> {
    let report = site::build(root, &resolve(root, output)).context("build failed")?;
    println!("{report}");
    Ok(())
}

/// `tepei check`.
fn check(root: &Path) -> Result<()> {
    let out = std::env::temp_dir().join(format!("tepei-check-{}", std::process::id()));
    let report = site::build(root, &out).context("build failed")?;
    let site = site::Site::load(root)?;
    // With index_links on, every link must name its file, as a private object store needs.
    let broken =
        site::check_links_with(&out, site.config.index_links).with_context(|| format!("reading {}", out.display()));
    std::fs::remove_dir_all(&out).ok();
    let broken = broken?;
    for gap in site.programme.gaps() {
        println!("warning: {gap}");
    }
    if site.programme.keep_until().is_none() {
        println!(
            "warning: content/programme.toml [privacy] keep_until is unset: no record is erased for age (only applications never confirmed or withdrawn, after {} days); fix the round's retention date before going live",
            site.programme.privacy.erase_unfinished_after_days
        );
    }
    let reviewers = &site.reviewers;
    for warning in drift(&site.programme, reviewers) {
        println!("warning: {warning}");
    }
    println!("rules: {} (this folder; compiled in: {})", site.rules, policy::embedded_fingerprint());
    let reviewer_problems = match policy::Reviewers::parse(reviewers, &site.programme) {
        Ok(_) => Vec::new(),
        Err(e) => e.problems,
    };
    for problem in &reviewer_problems {
        println!("error: config/reviewers.toml: {problem}");
    }
    if reviewers.contains("example.gov.cn") {
        println!("warning: config/reviewers.toml still holds the sample example.gov.cn addresses");
    }
    for b in &broken {
        println!("error: {}: {} ({})", b.page, b.link, b.reason);
    }
    if !broken.is_empty() || !reviewer_problems.is_empty() {
        bail!(
            "{} broken links in {} pages; {} problems in config/reviewers.toml",
            broken.len(),
            report.pages,
            reviewer_problems.len()
        );
    }
    println!("checked {} pages: every internal link, anchor and asset resolves", report.pages);
    Ok(())
}

/// The site's config/reviewers.toml (read with the rest of its rules), checked against the
/// programme.
fn load_reviewers(site: &site::Site) -> Result<policy::Reviewers> {
    policy::Reviewers::parse(&site.reviewers, &site.programme)
        .with_context(|| format!("checking {}", site.root.join("config/reviewers.toml").display()))
}

/// How the folder's rules differ from those compiled into this binary (which the Lambda
/// enforces): the keys of programme.toml whose values differ, and whether reviewers.toml does.
fn drift(programme: &policy::Programme, reviewers: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(embedded) = policy::Programme::embedded() else { return out };
    let (mine, theirs) = (serde_json::to_value(programme), serde_json::to_value(&embedded));
    if let (Ok(mine), Ok(theirs)) = (mine, theirs) {
        let mut keys = Vec::new();
        differing(&mine, &theirs, String::new(), &mut keys);
        if !keys.is_empty() {
            out.push(format!(
                "content/programme.toml differs from the rules compiled into this binary (and a Lambda built from it) at: {}",
                keys.join(", ")
            ));
        }
    }
    if reviewers != policy::REVIEWERS_TOML {
        out.push("config/reviewers.toml differs from the one compiled into this binary".to_owned());
    }
    out
}

/// The paths (`streams[1].age_limit`) at which two JSON values differ.
fn differing(a: &serde_json::Value, b: &serde_json::Value, at: String, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let path = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                differing(x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), path, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differing(p, q, format!("{at}[{i}]"), out);
            }
        }
        _ if a != b => out.push(at),
        _ => {}
    }
}

/// The signing key under the data folder, created on first serve and reused after.
fn load_or_create_key(data: &Path) -> Result<Vec<u8>> {
    let path = data.join("secret.key");
    let key = load_or_create(&path, "a signing key", || hex::encode(rand::random::<[u8; 32]>()))?;
    if key.len() >= 32 {
        return Ok(key.into_bytes());
    }
    bail!("{}: the key is shorter than 32 characters; delete the file to make a new one", path.display());
}

/// The data keys under the data folder (`data.key`: `id:text` pairs, the current key first),
/// created on first serve. Losing this file loses every 身份证号 and phone stored: back it up
/// with the store. To rotate, put a new `k2:…` before the old key and run `tepei rekey`.
fn load_or_create_data_keys(data: &Path) -> Result<String> {
    load_or_create(&data.join("data.key"), "a data key", || handler::personal::DataKeys::generate("k1"))
}

/// The text of a key file, trimmed; made by `make` (readable by its owner only) when missing.
fn load_or_create(path: &Path, what: &str, make: impl FnOnce() -> String) -> Result<String> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok(text.trim().to_owned());
    }
    let key = make();
    // Made readable by its owner only from the first byte, and never over a file already there.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{key}\n").as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    println!("created {what} in {}", path.display());
    Ok(key)
}

/// The data folder, made if missing: applications, mail, uploads and keys live there, so it is
/// the owner's only (fail closed).
fn data_folder(root: &Path, data: &Path) -> Result<PathBuf> {
    let data = resolve(root, data);
    std::fs::create_dir_all(&data).with_context(|| format!("creating data folder {}", data.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private (mode 0700)", data.display()))?;
    }
    Ok(data)
}

/// The handler's state over serve's data folder and store, for a command that works on the
/// records without serving (`rekey`, `purge`); runs `work` with it.
fn offline<T>(
    root: &Path,
    data: &Path,
    clock: handler::Clock,
    work: impl AsyncFnOnce(handler::AppState) -> Result<T>,
) -> Result<T> {
    let site = site::Site::load(root).context("reading the site folder")?;
    let reviewers = load_reviewers(&site)?;
    let data = data_folder(root, data)?;
    let key = load_or_create_key(&data)?;
    let data_keys = load_or_create_data_keys(&data)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let settings = handler::Settings::for_serve("http://127.0.0.1:3000", &key, &data_keys)?;
        let (store, described) = handler::config::serve_store(&data).await?;
        println!("store: {described}");
        let mut state = handler::AppState::new(clock, store, settings)?.with_rules(
            site.programme,
            reviewers,
            site.config,
            &site.rules,
        );
        if let Some((blobs, described)) = handler::config::blobs(Some(&data)).await? {
            println!("uploads: {described}");
            state = state.with_blobs(blobs);
        }
        // serve's mailer: an erasure sends what its record still has queued, then deletes the
        // outbox's `.eml` copies of its mail.
        state = state.with_inline_mailer(handler::config::mailer(Some(&data.join("outbox")))?);
        work(state).await
    })
}

/// `tepei rekey`.
fn rekey(root: &Path, data: &Path, round: Option<i32>) -> Result<()> {
    offline(root, data, handler::Clock::system(), async |state| {
        let round = round.unwrap_or(state.programme().round);
        let current = state.settings().data_keys.current().to_owned();
        let done = handler::workflow::rekey::rekey(&state, round).await.context("rekey stopped")?;
        println!("round {round}: {} records, {} sealed again under data key {current}", done.records, done.resealed);
        Ok(())
    })
}

/// `tepei purge`.
fn purge(root: &Path, data: &Path, round: Option<i32>, dry_run: bool, now: Option<OffsetDateTime>) -> Result<()> {
    let clock = now.map_or_else(handler::Clock::system, handler::Clock::starting_at);
    offline(root, data, clock, async |state| {
        let round = round.unwrap_or(state.programme().round);
        let done = handler::workflow::purge::purge(&state, round, dry_run).await.context("purge stopped")?;
        let verb = if dry_run { "would erase" } else { "erased" };
        println!(
            "round {round}: {} records, {} already erased; {verb} {} past the retention date and {} never confirmed or withdrawn, with {} files{}",
            done.records,
            done.already,
            done.past_retention,
            done.unfinished,
            done.files,
            if done.changed_meanwhile > 0 {
                format!("; {} changed meanwhile, left for the next run", done.changed_meanwhile)
            } else {
                String::new()
            }
        );
        if dry_run {
            println!("dry run: nothing was changed");
        }
        Ok(())
    })
}

/// `tepei serve`.
fn serve(root: &Path, output: &Path, addr: SocketAddr, data: &Path, now: Option<OffsetDateTime>) -> Result<()> {
    let output = resolve(root, output);
    // The rules are read once, from the folder the site is built from: the handler enforces and
    // renders exactly what the pages publish.
    let site = site::Site::load(root).context("build failed")?;
    let reviewers = load_reviewers(&site)?;
    let (programme, config, fingerprint) = (site.programme.clone(), site.config.clone(), site.rules.clone());
    // The site is written on threads of its own while the data folder, the keys, the store and
    // the templates get ready: start to first answer is the longer of the two, not their sum.
    let building = {
        let output = output.clone();
        std::thread::spawn(move || site.write(&output))
    };
    let data = data_folder(root, data)?;
    let clock = match now {
        Some(t) => handler::Clock::starting_at(t),
        None => handler::Clock::system(),
    };
    let key = load_or_create_key(&data)?;
    let data_keys = load_or_create_data_keys(&data)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        // Bound now (links name the port), listening only once the site is written: until then
        // a connection is refused, so whoever waits for the port finds every page there.
        let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() }
            .with_context(|| format!("binding {addr}"))?;
        #[cfg(unix)]
        socket.set_reuseaddr(true).with_context(|| format!("binding {addr}"))?;
        socket.bind(addr).with_context(|| format!("binding {addr}"))?;
        let bound = socket.local_addr().context("reading the bound address")?;
        let settings = handler::Settings::for_serve(&format!("http://{bound}"), &key, &data_keys)?;
        let (store, described) = handler::config::serve_store(&data).await?;
        println!("store: {described}");
        let mailer = handler::config::mailer(Some(&data.join("outbox")))?;
        println!("mail: {}", mailer.describe());
        let (blobs, described) = handler::config::blobs(Some(&data)).await?.context("no upload store")?;
        println!("uploads: {described}");
        if std::env::var_os("UPLOAD_BUCKET").is_none() {
            sweep_uploads(&data)?;
            println!("uploads no application named are removed after a day (checked hourly)");
        }
        let state = handler::AppState::new(clock, store, settings)
            .context("starting the handler")?
            .with_rules(programme, reviewers, config, &fingerprint)
            .with_site(output)
            .with_blobs(blobs)
            .with_background_mailer(mailer, std::time::Duration::from_secs(5));
        state.warm()?;
        let report = building.join().map_err(|_| anyhow::anyhow!("the site build stopped"))?.context("build failed")?;
        println!("{report}");
        let listener = socket.listen(1024).with_context(|| format!("listening on {bound}"))?;
        let programme = state.programme();
        let at = clock.now().to_offset(time::macros::offset!(+8)).format(&Rfc3339).unwrap_or_default();
        if programme.window_open_at(clock.now()) {
            println!("申报窗口已开放 (the submission window is open at {at})");
        } else {
            let opens = programme.window.opens.clone();
            println!(
                "申报窗口未开放 (the submission window {} to {} is closed at {at}).",
                opens, programme.window.closes
            );
            println!("To try the form inside the window: cargo run --release -- serve --now {}", trial_instant(&opens));
        }
        println!("serving http://{bound}  (Ctrl-C to stop)");
        axum::serve(listener, handler::app(state).into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async {
                tokio::signal::ctrl_c().await.ok();
            })
            .await
            .context("server failed")
    })
}

/// Removes, at start and then every hour, uploads under `data` that no application named within a
/// day (those named were copied under `records/` when the application was taken).
fn sweep_uploads(data: &Path) -> Result<()> {
    let blobs =
        std::sync::Arc::new(handler::blobs::FsBlobs::new(data.to_owned()).context("opening the upload folder")?);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            let blobs = blobs.clone();
            let day = std::time::Duration::from_secs(24 * 3600);
            match tokio::task::spawn_blocking(move || blobs.sweep_uploads(day)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(removed = n, "uploads no application named were removed"),
                Ok(Err(e)) => tracing::warn!(error = %e, "uploads not swept"),
                Err(e) => tracing::warn!(error = %e, "upload sweep stopped"),
            }
        }
    });
    Ok(())
}

/// A moment two days into the window, for the hint printed by `serve`.
fn trial_instant(opens: &str) -> String {
    OffsetDateTime::parse(opens, &Rfc3339)
        .ok()
        .and_then(|t| (t + time::Duration::days(2) + time::Duration::hours(9)).format(&Rfc3339).ok())
        .unwrap_or_else(|| opens.to_owned())
}
