//! `spawn_app()`: the real Router on a free loopback port.

use handler::{AppState, Clock, app};
use std::path::PathBuf;

/// A running app and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// A client that does not follow redirects.
    pub client: reqwest::Client,
    /// Keeps the served site folder alive.
    _site: Option<tempfile::TempDir>,
}

impl TestApp {
    /// POSTs JSON to `path`.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// POSTs a form body to `path`.
    pub async fn post_form(&self, path: &str, body: &str) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .expect("request")
    }

    /// GETs `path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }
}

async fn start(site_dir: Option<PathBuf>, site: Option<tempfile::TempDir>) -> TestApp {
    let state = AppState::embedded(Clock::system(), site_dir).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app(state)).await.expect("serve") });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        address,
        client,
        _site: site,
    }
}

/// The app as the Lambda runs it: no static site.
pub async fn spawn_app() -> TestApp {
    start(None, None).await
}

/// The app as `serve` runs it, with a small site folder.
pub async fn spawn_app_with_site() -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("index.html"),
        "<!DOCTYPE html><title>首页</title>",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("404.html"),
        "<!DOCTYPE html><title>页面不存在</title>",
    )
    .expect("write");
    std::fs::create_dir_all(dir.path().join("assets")).expect("mkdir");
    std::fs::write(dir.path().join("assets/style.12345678.css"), "body{}").expect("write");
    start(Some(dir.path().to_owned()), Some(dir)).await
}
