//! `tepei serve`: the site built and served with the handler on one address.

use anyhow::{Context, Result};
use std::net::SocketAddr;
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::check::load_reviewers;
use crate::data::{data_folder, load_or_create_data_keys, load_or_create_key};
use crate::resolve;

/// `tepei serve`.
pub fn serve(root: &Path, output: &Path, addr: SocketAddr, data: &Path, now: Option<OffsetDateTime>) -> Result<()> {
    let output = resolve(root, output);
    // The site is written over its output folder: never over the data folder or a folder that
    // holds it, nor into a folder in it (found by the red team: every application, key and file
    // was deleted; a folder of stored files was pruned on the next start), by any name.
    let data_path = resolve(root, data);
    if site::folder_holds(&output, &data_path) || site::folder_holds(&data_path, &output) {
        anyhow::bail!(
            "the output folder {} is the data folder {}, holds it or lies in it: the site is written over \
             its output folder, so name another (the defaults are public/ and data/ under --root)",
            output.display(),
            data_path.display()
        );
    }
    // The rules are read once, from the folder the site is built from: the handler enforces and
    // renders exactly what the pages publish.
    let site = site::Site::load(root).context("build failed")?;
    let reviewers = load_reviewers(&site)?;
    let (programme, config, fingerprint) = (site.programme.clone(), site.config.clone(), site.rules.clone());
    // The output folder is checked before anything is written. The site is rendered into memory
    // on threads of its own while the data folder, the keys, the store and the templates get
    // ready (start to first answer is the longer of the two, not their sum); it is served from
    // memory, and written into the folder after the server listens.
    let folder = site.open_output(&output).context("build failed")?;
    let rendering = std::thread::spawn(move || site.render());
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
        let (store, described) = handler::config::serve_store(&data, true).await?;
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
            .with_blobs(blobs)
            .with_background_mailer(mailer, std::time::Duration::from_secs(5));
        let rendered =
            rendering.join().map_err(|_| anyhow::anyhow!("the site build stopped"))?.context("build failed")?;
        println!(
            "rendered {} pages and {} other files in {:.1} ms",
            rendered.pages,
            rendered.files.len() - rendered.pages,
            rendered.elapsed.as_secs_f64() * 1000.0
        );
        let files = handler::http::statics::SiteFiles::new(rendered.files);
        let state = state.with_site(files.clone());
        let listener = socket.listen(1024).with_context(|| format!("listening on {bound}"))?;
        write_in_background(folder, files, output);
        // The handler's templates are parsed once the site is served (the first answer is a page
        // of the site, which needs none of them); one that does not parse stops serve.
        let warming = state.clone();
        tokio::spawn(async move {
            let parsed = tokio::task::spawn_blocking(move || warming.warm()).await;
            if let Some(error) = match parsed {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(format!("{:#}", anyhow::Error::new(e))),
                Err(e) => Some(e.to_string()),
            } {
                eprintln!("error: {error}");
                std::process::exit(1);
            }
        });
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

/// Writes the served `files` into the output `folder` (opened and checked at start), on a thread
/// of its own: the folder is a copy to look at, not what is served.
fn write_in_background(folder: site::Output, files: handler::http::statics::SiteFiles, output: std::path::PathBuf) {
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let written = files.iter().try_for_each(|(path, bytes)| folder.write(Path::new(path), bytes));
        match written.and_then(|()| folder.finish()) {
            Ok(()) => println!(
                "wrote {} files to {} in {:.1} ms",
                files.len(),
                output.display(),
                started.elapsed().as_secs_f64() * 1000.0
            ),
            Err(e) => eprintln!("error: the site was not written to {}: {e}", output.display()),
        }
    });
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
                Ok(Err(e)) => tracing::warn!(error = %handler::Chain(&e), "uploads not swept"),
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
