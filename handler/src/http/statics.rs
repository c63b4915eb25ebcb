//! The generated site as `tepei serve` serves it: every file held in memory, so the first answer
//! does not wait for the output folder to be written (the disk's state made that wait vary
//! several-fold), and a page is the same bytes for the whole run.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// One file of the site: its bytes, type and validator.
struct File {
    bytes: axum::body::Bytes,
    content_type: HeaderValue,
    /// Hashed when first asked for, not at start.
    etag: OnceLock<HeaderValue>,
}

impl File {
    fn etag(&self) -> &HeaderValue {
        self.etag.get_or_init(|| {
            let hash = hex::encode(&Sha256::digest(&self.bytes)[..12]);
            HeaderValue::from_str(&format!("\"{hash}\"")).unwrap_or(HeaderValue::from_static("\"\""))
        })
    }
}

/// The site's files by path below its root (`index.html`, `notice/index.html`, `assets/…`).
#[derive(Clone, Default)]
pub struct SiteFiles(Arc<HashMap<String, File>>);

impl SiteFiles {
    /// The files `files` names, each path relative to the site's root (`/` separated).
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        let map = files
            .into_iter()
            .map(|(path, bytes)| {
                let path = path.trim_start_matches('/').replace('\\', "/");
                let mime = mime_guess::from_path(&path).first_or_octet_stream();
                let content_type = HeaderValue::from_str(mime.essence_str())
                    .unwrap_or(HeaderValue::from_static("application/octet-stream"));
                (path, File { bytes: bytes.into(), content_type, etag: OnceLock::new() })
            })
            .collect();
        Self(Arc::new(map))
    }

    /// Every file under `dir` (tests; `serve` hands over what it rendered).
    pub fn read_dir(dir: &Path) -> std::io::Result<Self> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_owned()];
        while let Some(at) = stack.pop() {
            for entry in std::fs::read_dir(&at)? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(relative) = path.strip_prefix(dir) {
                    let name = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>();
                    files.push((name.join("/"), std::fs::read(&path)?));
                }
            }
        }
        Ok(Self::new(files))
    }

    /// Every file: its path below the site's root and its bytes.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.0.iter().map(|(path, file)| (path.as_str(), file.bytes.as_ref()))
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The router's fallback with the site: an address under /api/ that no route takes is
    /// answered as the API answers; any other, from the site.
    pub async fn fallback(self, request: axum::extract::Request) -> Response {
        let uri = request.uri();
        let path = format!("/{}", uri.path().trim_start_matches('/'));
        if path == "/api" || path.starts_with("/api/") {
            return super::routes::not_found().await.into_response();
        }
        self.answer(request.method(), uri.path(), uri.query(), request.headers())
    }

    /// The answer to `GET`/`HEAD` `path`: the file, a folder's `index.html`, a redirect adding
    /// the slash a folder's address lacks, or `404.html` with status 404. Hashed assets are cached
    /// for a year; pages are revalidated (`ETag`, answered 304 when unchanged).
    pub fn answer(&self, method: &Method, path: &str, query: Option<&str>, headers: &HeaderMap) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET,HEAD")]).into_response();
        }
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        let relative = decoded.trim_start_matches('/');
        let safe = !relative.split('/').any(|part| part == ".." || part == "." || part.contains('\\'));
        let key = if relative.is_empty() || relative.ends_with('/') {
            format!("{relative}index.html")
        } else {
            relative.to_owned()
        };
        let found = if safe { self.0.get(&key) } else { None };
        let Some(file) = found else {
            if safe && self.0.contains_key(&format!("{relative}/index.html")) {
                // One leading slash: `//name` would send the browser to the host `name`.
                let local = format!("/{}/", path.trim_start_matches('/'));
                let location = match query {
                    Some(q) => format!("{local}?{q}"),
                    None => local,
                };
                return (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, location)]).into_response();
            }
            return match self.0.get("404.html") {
                Some(page) => self.respond(method, StatusCode::NOT_FOUND, page, "no-cache"),
                None => StatusCode::NOT_FOUND.into_response(),
            };
        };
        let cache = if path.starts_with("/assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
        let fresh = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|tags| {
            // Compared weakly, as RFC 9110 asks for If-None-Match: `W/"x"` matches `"x"`.
            tags.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == file.etag())
        });
        if fresh {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            response.headers_mut().insert(header::ETAG, file.etag().clone());
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            return response;
        }
        self.respond(method, StatusCode::OK, file, cache)
    }

    fn respond(&self, method: &Method, status: StatusCode, file: &File, cache: &'static str) -> Response {
        let body = if method == Method::HEAD { Body::empty() } else { Body::from(file.bytes.clone()) };
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, file.content_type.clone());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(file.bytes.len()));
        headers.insert(header::ETAG, file.etag().clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        response
    }
}
