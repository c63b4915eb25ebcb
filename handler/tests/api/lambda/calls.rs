//! The AWS SDK calls the Lambda's own code makes, read from `handler/src` as the Lambda is built.
//!
//! Which code is the function's is decided the way the compiler decides it: the Lambda is built
//! with the features `scripts/package-lambda` passes (`--no-default-features --features aws`),
//! so a `mod` or item under a `#[cfg(...)]` that is false for those features (`test`, `sqlite`,
//! `table-spec`: creating the table and the test bucket) is not in the binary, and its calls are
//! not the function's. Everything else reachable by `mod` declarations from `lib.rs` and
//! `bin/bootstrap.rs` is.
//!
//! A call is an SDK client method called on a value named `client` (`self.client.get_item()`,
//! `client.get_secret_value()`), its service known by the `aws_sdk_*` crate the file names (or
//! the crate of the `let client = aws_sdk_x::Client::…` before it). Each file's count of such
//! calls must equal its count of `.send()` and `.presigned(…)` (every SDK operation ends in
//! one), so a call made through a differently named value fails the check instead of being
//! missed. Transaction parts are `TransactWriteItem::builder().put(`/`.update(`/`.delete(`/
//! `.condition_check(`; the presigned POST is the one call of `sign_policy`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One SDK operation in the function's code.
#[derive(Debug, Clone)]
pub struct Call {
    /// `dynamodb`, `s3` or `secretsmanager`.
    pub service: String,
    /// The SDK's operation method, `get_item`, or a pseudo-operation: `transact:put` (a part of a
    /// transaction), `presigned_post`, `missing_key_told_apart`.
    pub op: String,
    /// Where: `store/dynamo/outbox.rs:87`.
    pub at: String,
    /// A query on a secondary index (`.index_name(` in its builder).
    pub on_index: bool,
    /// On the counters' table: `.table_name(&self.limits)` in its builder (for a transaction's
    /// part, in the function that builds it).
    pub on_limits: bool,
    /// Sent as a presigned request (`.presigned(`), not by the function itself.
    pub presigned: bool,
}

/// Whether builder code names the counters' table.
fn names_limits(code: &str) -> bool {
    code.contains(".table_name(&self.limits)")
}

/// The features the Lambda is built with, read from `scripts/package-lambda`.
pub fn lambda_features(root: &Path) -> BTreeSet<String> {
    let script = std::fs::read_to_string(root.join("scripts/package-lambda")).expect("scripts/package-lambda");
    let build = script.lines().find(|l| l.contains("cargo lambda build")).expect("the cargo lambda build line");
    let mut features = BTreeSet::new();
    if !build.contains("--no-default-features") {
        features.insert("sqlite".to_owned()); // handler's default
    }
    let mut words = build.split_whitespace();
    while let Some(word) = words.next() {
        if word == "--features" {
            features.extend(words.next().expect("features").split(',').map(str::to_owned));
        }
    }
    features
}

/// A source file with comments blanked (`code`) and also its literals blanked (`skel`), char by
/// char, so positions agree and newlines stay.
struct Source {
    code: Vec<char>,
    skel: Vec<char>,
}

fn blank(c: char) -> char {
    if c == '\n' { '\n' } else { ' ' }
}

impl Source {
    fn new(text: &str) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let (mut code, mut skel) = (chars.clone(), chars.clone());
        let mut i = 0;
        let at = |i: usize, s: &str| s.chars().enumerate().all(|(k, c)| chars.get(i + k) == Some(&c));
        while i < chars.len() {
            if at(i, "//") {
                while i < chars.len() && chars[i] != '\n' {
                    (code[i], skel[i]) = (' ', ' ');
                    i += 1;
                }
            } else if at(i, "/*") {
                let mut depth = 0;
                loop {
                    if at(i, "/*") {
                        depth += 1;
                    } else if at(i, "*/") {
                        depth -= 1;
                    }
                    let step = if at(i, "/*") || at(i, "*/") { 2 } else { 1 };
                    for k in i..(i + step).min(chars.len()) {
                        (code[k], skel[k]) = (blank(chars[k]), blank(chars[k]));
                    }
                    i += step;
                    if depth == 0 || i >= chars.len() {
                        break;
                    }
                }
            } else if chars[i] == 'r' && (at(i + 1, "\"") || at(i + 1, "#")) && !ident(chars.get(i.wrapping_sub(1))) {
                // A raw string: r"…", r#"…"#.
                let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
                if chars.get(i + 1 + hashes) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
                let mut j = i + 2 + hashes;
                while j < chars.len() && !at(j, &close) {
                    skel[j] = blank(chars[j]);
                    j += 1;
                }
                i = j + close.chars().count();
            } else if chars[i] == '"' {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '"' {
                    if chars[j] == '\\' {
                        skel[j] = ' ';
                        j += 1;
                    }
                    skel[j] = blank(chars[j]);
                    j += 1;
                }
                i = j + 1;
            } else if chars[i] == '\'' {
                // A char literal ('x', '\n', '\u{..}'), not a lifetime ('a).
                let end = if chars.get(i + 1) == Some(&'\\') {
                    chars.get(i + 3..).and_then(|rest| rest.iter().position(|c| *c == '\'')).map(|p| i + 3 + p)
                } else {
                    (chars.get(i + 2) == Some(&'\'')).then_some(i + 2)
                };
                match end {
                    Some(end) => {
                        skel[i + 1..end].fill(' ');
                        i = end + 1;
                    }
                    None => i += 1,
                }
            } else {
                i += 1;
            }
        }
        Self { code, skel }
    }

    fn skel(&self) -> String {
        self.skel.iter().collect()
    }

    fn line(&self, index: usize) -> usize {
        1 + self.skel[..index].iter().filter(|c| **c == '\n').count()
    }

    /// The index just after the item that starts at `from` (after its attributes): its `;`, or
    /// the `}` closing its first brace.
    fn item_end(&self, from: usize) -> usize {
        let s = &self.skel;
        let mut depth = 0i32;
        let mut i = from;
        while i < s.len() {
            match s[i] {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => return i + 1,
                '{' if depth == 0 => return matching(s, i) + 1,
                _ => {}
            }
            i += 1;
        }
        s.len()
    }

    /// Blanks every item whose `#[cfg(…)]` is false for `features`.
    fn strip_cfg(&mut self, features: &BTreeSet<String>, file: &str) {
        let skel = self.skel();
        let chars: Vec<(usize, char)> = skel.char_indices().collect();
        let to_char = |byte: usize| chars.partition_point(|(b, _)| *b < byte);
        let attribute = regex::Regex::new(r"#\s*!?\s*\[\s*cfg\s*\(").expect("regex");
        let mut ranges = Vec::new();
        for found in attribute.find_iter(&skel) {
            let start = to_char(found.start());
            let open = to_char(found.end()) - 1;
            let close = matching(&self.skel, open);
            let predicate: String = self.code[open + 1..close].iter().collect();
            assert!(!skel[found.start()..found.end()].contains('!'), "{file}: an inner #![cfg] (teach this test)");
            if !cfg_holds(&predicate, features) {
                let after = self.skel[close..].iter().position(|c| *c == ']').expect("]") + close + 1;
                ranges.push((start, self.item_end(after)));
            }
        }
        for (start, end) in ranges {
            for k in start..end {
                self.code[k] = blank(self.code[k]);
                self.skel[k] = blank(self.skel[k]);
            }
        }
    }
}

fn ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The index of the bracket closing the one at `open`.
fn matching(s: &[char], open: usize) -> usize {
    let (o, c) = match s[open] {
        '(' => ('(', ')'),
        '[' => ('[', ']'),
        '{' => ('{', '}'),
        other => panic!("not a bracket: {other}"),
    };
    let mut depth = 0;
    for (i, ch) in s.iter().enumerate().skip(open) {
        if *ch == o {
            depth += 1;
        } else if *ch == c {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    panic!("unclosed {o}")
}

/// Whether a `cfg(...)` predicate holds for the Lambda: its features, Linux, not a test build.
fn cfg_holds(predicate: &str, features: &BTreeSet<String>) -> bool {
    let tokens: Vec<String> = regex::Regex::new(r#""[^"]*"|[A-Za-z_][A-Za-z0-9_]*|[(),=]"#)
        .expect("regex")
        .find_iter(predicate)
        .map(|m| m.as_str().to_owned())
        .collect();
    let mut at = 0;
    let value = eval_cfg(&tokens, &mut at, features);
    assert_eq!(at, tokens.len(), "cfg({predicate}) read to its end");
    value
}

fn eval_cfg(tokens: &[String], at: &mut usize, features: &BTreeSet<String>) -> bool {
    let word = tokens[*at].clone();
    *at += 1;
    let list = |at: &mut usize| {
        assert_eq!(tokens[*at], "(");
        *at += 1;
        let mut values = Vec::new();
        while tokens[*at] != ")" {
            values.push(eval_cfg(tokens, at, features));
            if tokens[*at] == "," {
                *at += 1;
            }
        }
        *at += 1;
        values
    };
    match word.as_str() {
        "not" => !list(at)[0],
        "all" => list(at).into_iter().all(|v| v),
        "any" => list(at).into_iter().any(|v| v),
        "feature" | "target_os" | "target_family" => {
            assert_eq!(tokens[*at], "=");
            let value = tokens[*at + 1].trim_matches('"').to_owned();
            *at += 2;
            match word.as_str() {
                "feature" => features.contains(&value),
                _ => matches!(value.as_str(), "linux" | "unix"),
            }
        }
        "unix" => true,
        "test" | "windows" | "debug_assertions" | "miri" | "doc" => false,
        other => panic!("cfg predicate `{other}`: teach handler/tests/api/lambda/calls.rs what the Lambda build says"),
    }
}

/// Every file compiled into the Lambda, from `lib.rs` and the bootstrap through `mod`
/// declarations, each with its false `cfg` items blanked.
fn compiled_files(src: &Path, features: &BTreeSet<String>) -> Vec<(PathBuf, Source)> {
    let declaration =
        regex::Regex::new(r"(?m)^[ \t]*(?:pub(?:\([^)]*\))?[ \t]+)?mod[ \t]+([a-z_][a-z0-9_]*)[ \t]*;").expect("regex");
    let mut queue = vec![src.join("lib.rs"), src.join("bin/bootstrap.rs")];
    let mut out = Vec::new();
    while let Some(path) = queue.pop() {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rel = path.strip_prefix(src).expect("under src").display().to_string();
        let mut source = Source::new(&text);
        source.strip_cfg(features, &rel);
        let dir = match path.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs" | "mod.rs" | "main.rs") => path.parent().expect("dir").to_owned(),
            _ if path.parent().is_some_and(|p| p.ends_with("bin")) => path.parent().expect("dir").to_owned(),
            _ => path.with_extension(""),
        };
        for found in declaration.captures_iter(&source.skel()) {
            let name = &found[1];
            let (file, folder) = (dir.join(format!("{name}.rs")), dir.join(name).join("mod.rs"));
            queue.push(if file.exists() { file } else { folder });
        }
        out.push((path, source));
    }
    out
}

/// Every file the Lambda is built from (its path under `handler/src`), comments blanked and
/// items it is built without removed, lines where they were.
pub fn lambda_code(root: &Path) -> Vec<(String, String)> {
    let src = root.join("handler/src");
    let files = compiled_files(&src, &lambda_features(root));
    files
        .into_iter()
        .map(|(p, s)| (p.strip_prefix(&src).expect("under src").display().to_string(), s.code.iter().collect()))
        .collect()
}

/// The SDK crate of the `client` used at `index`: the `let client = aws_sdk_x::…` before it, else
/// the one SDK crate the file names.
fn service_at(skel: &str, index: usize, file: &str) -> String {
    let binding = regex::Regex::new(r"let\s+(?:mut\s+)?client\s*=\s*aws_sdk_([a-z0-9]+)::").expect("regex");
    if let Some(found) = binding.captures_iter(&skel[..index]).last() {
        return found[1].to_owned();
    }
    let named: BTreeSet<String> = regex::Regex::new(r"\baws_sdk_([a-z0-9]+)::")
        .expect("regex")
        .captures_iter(skel)
        .map(|c| c[1].to_owned())
        .collect();
    assert_eq!(named.len(), 1, "{file}: which SDK's `client` is this? The file names {named:?}");
    named.into_iter().next().expect("one")
}

/// Methods of an SDK `Client` that are not operations.
const NOT_OPERATIONS: [&str; 2] = ["clone", "config"];

/// Every SDK call in the function's code, and the calls left out (the setup's), both in source order.
pub fn function_calls(root: &Path) -> (Vec<Call>, Vec<Call>) {
    let src = root.join("handler/src");
    let features = lambda_features(root);
    let everything: BTreeSet<String> = ["aws", "sqlite", "table-spec"].iter().map(|s| (*s).to_owned()).collect();
    let op = regex::Regex::new(r"\bclient\s*\.\s*([a-z][a-z0-9_]*)\s*\(\s*\)").expect("regex");
    let ends = regex::Regex::new(r"\.\s*send\s*\(\s*\)|\.\s*presigned\s*\(").expect("regex");
    let part = regex::Regex::new(r"TransactWriteItem\s*::\s*builder\s*\(\s*\)\s*\.\s*([a-z_]+)\s*\(").expect("regex");
    let signs = regex::Regex::new(r"(\bfn\s+)?\bsign_policy\s*\(").expect("regex");
    let told_apart = regex::Regex::new(r"\.is_no_such_key\s*\(|\.is_not_found\s*\(").expect("regex");
    let scan = |features: &BTreeSet<String>| {
        let mut calls = Vec::new();
        for (path, source) in compiled_files(&src, features) {
            let rel = path.strip_prefix(&src).expect("under src").display().to_string();
            let skel = source.skel();
            let code: String = source.code.iter().collect();
            let byte_to_char = |b: usize| skel[..b].chars().count();
            let at = |b: usize| format!("{rel}:{}", source.line(byte_to_char(b)));
            let mut in_file = 0;
            for found in op.captures_iter(&skel) {
                let name = found[1].to_owned();
                if NOT_OPERATIONS.contains(&name.as_str()) {
                    continue;
                }
                let start = found.get(0).expect("match").start();
                let rest = &skel[start..];
                let chain = &rest[..ends.find(rest).map_or(rest.len(), |m| m.end())];
                calls.push(Call {
                    service: service_at(&skel, start, &rel),
                    op: name,
                    at: at(start),
                    on_index: chain.contains(".index_name("),
                    on_limits: names_limits(chain),
                    presigned: chain.contains(".presigned("),
                });
                in_file += 1;
            }
            let sent = ends.find_iter(&skel).count();
            assert_eq!(
                sent, in_file,
                "{rel}: {sent} `.send()`/`.presigned(` but {in_file} SDK calls on a value named `client`: call the SDK \
                 through a `client` so this test sees the operation"
            );
            for found in part.captures_iter(&skel) {
                let start = found.get(0).expect("match").start();
                let service = service_at(&skel, start, &rel);
                let function = skel[..start].rfind("fn ").map_or(&skel[..start], |f| &skel[f..start]);
                calls.push(Call {
                    service,
                    op: format!("transact:{}", &found[1]),
                    at: at(start),
                    on_index: false,
                    on_limits: names_limits(function),
                    presigned: false,
                });
            }
            for found in signs.captures_iter(&skel).filter(|c| c.get(1).is_none()) {
                let start = found.get(0).expect("match").start();
                calls.push(Call {
                    service: "s3".into(),
                    op: "presigned_post".into(),
                    at: at(start),
                    on_index: false,
                    on_limits: false,
                    presigned: true,
                });
            }
            // A missing key read as missing: S3 answers 404 (not 403) only to a caller that may
            // list the bucket.
            let first = told_apart.find(&skel).map(|m| m.start()).or_else(|| code.find("\"NoSuchKey\""));
            if let Some(start) = first.filter(|_| service_mentions(&skel, "s3")) {
                calls.push(Call {
                    service: "s3".into(),
                    op: "missing_key_told_apart".into(),
                    at: at(start),
                    on_index: false,
                    on_limits: false,
                    presigned: false,
                });
            }
        }
        calls.sort_by_key(|c| {
            let (file, line) = c.at.rsplit_once(':').expect("file:line");
            (file.to_owned(), line.parse::<usize>().expect("line"))
        });
        calls
    };
    let function = scan(&features);
    let every = scan(&everything);
    let left_out = every.into_iter().filter(|c| !function.iter().any(|f| f.at == c.at && f.op == c.op)).collect();
    (function, left_out)
}

fn service_mentions(skel: &str, service: &str) -> bool {
    skel.contains(&format!("aws_sdk_{service}::"))
}
