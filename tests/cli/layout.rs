//! House rules of the source tree, checked on every run: no source file of the binary, `policy`,
//! `handler`, `site` or `theme` over 400 lines outside its tests, and no import cycle between the
//! files of any of them (a file depends on another when it names an item by a `crate::`,
//! `super::` or `self::` path that leads there; `mod` declarations do not count).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crates whose files these rules hold for, from the workspace root.
const CRATES: [&str; 5] = ["src", "policy/src", "handler/src", "site/src", "theme/src"];

/// Longest file outside its `#[cfg(test)]` module.
const MAX_LINES: usize = 400;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's text before its test module, without line comments.
fn code(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or_default();
    before_tests.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// The module path of a file (`workflow/decide/apply.rs` → `workflow::decide::apply`); `None` for
/// a binary.
fn module_of(rel: &Path) -> Option<Vec<String>> {
    let mut parts: Vec<String> = rel.with_extension("").iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    if parts.last().is_some_and(|p| p == "mod" || p == "lib" || p == "main") {
        parts.pop();
    }
    Some(parts)
}

/// Every path named in `code` that starts at `crate`, `super` or `self`, braces expanded.
fn paths(code: &str) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = ["crate::", "super::", "self::"].iter().find(|p| bytes[i..].starts_with(p.as_bytes()));
        let boundary =
            i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':');
        if let (Some(_), true) = (starts, boundary) {
            let end = path_end(code, i);
            expand(&code[i..end], &[], &mut out);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Where the path starting at `start` ends (after its brace group, if any).
fn path_end(code: &str, start: usize) -> usize {
    let bytes = code.as_bytes();
    let mut i = start;
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            c if depth == 0 && !(c.is_ascii_alphanumeric() || c == b'_' || c == b':') => return i,
            _ => {}
        }
        i += 1;
    }
    i
}

/// `a::{b, c::{d}}` as `a::b`, `a::c::d`.
fn expand(text: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let text = text.trim();
    let (head, group) = match text.find("::{") {
        Some(at) if text.ends_with('}') => (&text[..at], Some(&text[at + 3..text.len() - 1])),
        _ => (text, None),
    };
    let mut path = prefix.to_vec();
    path.extend(
        head.split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.split_whitespace().next().unwrap_or_default().to_owned()),
    );
    let Some(group) = group else {
        out.push(path);
        return;
    };
    let mut depth = 0;
    let mut item = String::new();
    for c in group.chars().chain(std::iter::once(',')) {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            let part = item.trim().split(" as ").next().unwrap_or_default().trim().to_owned();
            if part == "self" {
                out.push(path.clone());
            } else if !part.is_empty() {
                expand(&part, &path, out);
            }
            item.clear();
        } else {
            item.push(c);
        }
    }
}

/// The files each file of `root` depends on.
fn dependencies(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(root).expect("under root");
        if let Some(module) = module_of(rel) {
            modules.insert(module, rel.to_string_lossy().into_owned());
        }
    }
    let resolve = |segs: &[String]| (0..=segs.len()).rev().find_map(|n| modules.get(&segs[..n]).cloned());
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(root).expect("under root");
        let Some(me) = module_of(rel) else { continue };
        let me_file = rel.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).expect("source");
        for path in paths(&code(&text)) {
            let mut segs: Vec<String> = match path.first().map(String::as_str) {
                Some("crate") => Vec::new(),
                _ => me.clone(),
            };
            for seg in path.iter().skip(usize::from(path.first().is_some_and(|s| s == "crate"))) {
                match seg.as_str() {
                    "super" => {
                        segs.pop();
                    }
                    "self" => {}
                    s => segs.push(s.to_owned()),
                }
            }
            if let Some(target) = resolve(&segs).filter(|t| *t != me_file) {
                edges.entry(me_file.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

/// The cycles among `edges`: each strongly connected set of more than one file.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = edges.keys().chain(edges.values().flatten()).collect();
    let reaches = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for next in edges.get(&n).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> = nodes.iter().map(|n| (*n, reaches(n))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for n in &nodes {
        let set: Vec<String> =
            nodes.iter().filter(|m| reach[*n].contains(**m) && reach[*m].contains(*n)).map(|m| (*m).clone()).collect();
        if set.len() > 1 && !out.contains(&set) {
            out.push(set);
        }
    }
    out
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_file_is_over_400_lines_outside_its_tests() {
    let mut long = Vec::new();
    for krate in CRATES {
        let mut files = Vec::new();
        rust_files(&workspace().join(krate), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source");
            let lines = text.split("#[cfg(test)]").next().unwrap_or_default().lines().count();
            if lines > MAX_LINES {
                long.push(format!("{} ({lines} lines)", file.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these along their seams: {long:#?}");
}

#[test]
fn no_two_files_import_each_other() {
    for krate in CRATES {
        let found = cycles(&dependencies(&workspace().join(krate)));
        assert!(found.is_empty(), "import cycles between files of {krate}: {found:#?}");
    }
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        std::fs::write(path, text).expect("write");
    };
    write("lib.rs", "mod a;\nmod b;\nmod c;\n");
    write("a.rs", "use crate::b::{B, self};\npub struct A;\n");
    write("b/mod.rs", "use super::c::C;\npub struct B;\n");
    write("c.rs", "pub struct C(crate::a::A);\n#[cfg(test)]\nmod tests { use crate::b::B; }\n");
    let edges = dependencies(dir.path());
    assert_eq!(cycles(&edges), [vec!["a.rs".to_owned(), "b/mod.rs".to_owned(), "c.rs".to_owned()]]);
    write("c.rs", "pub struct C;\n#[cfg(test)]\nmod tests { use crate::a::A; }\n");
    assert!(cycles(&dependencies(dir.path())).is_empty(), "a test module's imports do not count");
}
