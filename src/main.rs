//! `tepei`: build, check and serve the 特培 site. Each command is one function.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

mod check;
mod data;
mod serve;

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
    /// Build the site and serve it (from memory) with the working form and API, enforcing the
    /// folder's rules.
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
        /// Where to write a copy of the served site, once serve listens (as build writes it).
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
        Command::Check => check::check(&cli.root),
        Command::Serve { addr, data, now, output } => serve::serve(&cli.root, &output, addr, &data, now),
        Command::Rekey { data, round } => data::rekey(&cli.root, &data, round),
        Command::Purge { data, round, dry_run, now } => data::purge(&cli.root, &data, round, dry_run, now),
    }
}

/// `path` under `root` unless absolute.
fn resolve(root: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() { path.to_owned() } else { root.join(path) }
}

/// `tepei build`.
fn build(root: &Path, output: &Path) -> Result<()> {
    let report = site::build(root, &resolve(root, output)).context("build failed")?;
    println!("{report}");
    Ok(())
}
