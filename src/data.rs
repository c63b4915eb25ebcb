//! The data folder of `serve` and the offline commands: its keys, and `rekey` and `purge`.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

use crate::check::load_reviewers;
use crate::resolve;

/// The signing key under the data folder, created on first serve and reused after.
pub fn load_or_create_key(data: &Path) -> Result<Vec<u8>> {
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
pub fn load_or_create_data_keys(data: &Path) -> Result<String> {
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
pub fn data_folder(root: &Path, data: &Path) -> Result<PathBuf> {
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
        let (store, described) = handler::config::serve_store(&data, false).await?;
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
pub fn rekey(root: &Path, data: &Path, round: Option<i32>) -> Result<()> {
    offline(root, data, handler::Clock::system(), async |state| {
        let round = round.unwrap_or(state.programme().round);
        let current = state.settings().data_keys.current().to_owned();
        let done = handler::workflow::rekey::rekey(&state, round).await.context("rekey stopped")?;
        println!("round {round}: {} records, {} sealed again under data key {current}", done.records, done.resealed);
        Ok(())
    })
}

/// `tepei purge`.
pub fn purge(root: &Path, data: &Path, round: Option<i32>, dry_run: bool, now: Option<OffsetDateTime>) -> Result<()> {
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
        if done.finished_later + done.left_marked + done.failed > 0 {
            println!(
                "{} erased before had files or mail left, now deleted; {} still have (the next run tries again); {} records failed (left for the next run)",
                done.finished_later, done.left_marked, done.failed
            );
        }
        if dry_run {
            println!("dry run: nothing was changed");
        }
        Ok(())
    })
}
