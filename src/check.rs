//! `tepei check`: the site built to a scratch folder and checked, and the rules compared with
//! those compiled into the handler.

use anyhow::{Context, Result, bail};
use std::path::Path;

/// `tepei check`.
pub fn check(root: &Path) -> Result<()> {
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
    // sitemap.xml and robots.txt name the site by config.toml's base_url.
    if ["127.0.0.1", "localhost", "[::1]", "0.0.0.0"].iter().any(|h| site.config.base_url.contains(h)) {
        println!(
            "warning: config.toml base_url is {} (a loopback address): sitemap.xml and robots.txt point there; set it to the public address before publishing",
            site.config.base_url
        );
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
pub fn load_reviewers(site: &site::Site) -> Result<policy::Reviewers> {
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
