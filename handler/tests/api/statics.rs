//! The generated site as `serve` serves it.

use crate::helpers::spawn_app_with_site;

#[tokio::test]
async fn pages_assets_and_not_found() {
    let app = spawn_app_with_site().await;
    let home = app.get("/").await;
    assert_eq!(home.status(), 200);
    assert_eq!(home.headers()["cache-control"], "no-cache");
    assert!(home.text().await.expect("text").contains("首页"));
    let css = app.get("/assets/style.12345678.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.headers()["cache-control"].to_str().expect("ascii").contains("immutable"));
    let missing = app.get("/no/such/page/").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.expect("text").contains("页面不存在"));
    let head = app.client.head(format!("{}/", app.address)).send().await.expect("head");
    assert_eq!(head.status(), 200);
}

/// The site is served from memory: a folder's address without its slash is sent to it, a page
/// unchanged since the browser's copy is answered 304, only GET and HEAD are taken, and no path
/// reaches outside the site.
#[tokio::test]
async fn folders_revalidation_methods_and_paths_outside() {
    let app = spawn_app_with_site().await;
    let bare = app.get("/notice?from=mail").await;
    assert_eq!(bare.status(), 307);
    assert_eq!(bare.headers()["location"], "/notice/?from=mail");
    let page = app.get("/notice/").await;
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
    let etag = page.headers()["etag"].clone();
    let etag_text = etag.to_str().expect("ascii").to_owned();
    assert!(page.text().await.expect("text").contains("通知全文"));
    let again =
        app.client.get(format!("{}/notice/", app.address)).header("if-none-match", etag).send().await.expect("get");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["cache-control"], "no-cache");
    let other = app.client.get(format!("{}/notice/", app.address)).header("if-none-match", "\"other\"").send().await;
    assert_eq!(other.expect("get").status(), 200);
    let weak = app.client.get(format!("{}/notice/", app.address)).header("if-none-match", format!("W/{}", etag_text));
    assert_eq!(weak.send().await.expect("get").status(), 304, "compared weakly");
    let posted = app.client.post(format!("{}/notice/", app.address)).send().await.expect("post");
    assert_eq!(posted.status(), 405);
    // Never a redirect to another host (red team: `//notice` was sent to `//notice/`).
    for path in ["//notice", "///notice?x=1"] {
        let raw = raw_request(&app.address, "GET", path).await;
        assert!(raw.contains("location: /notice/") && !raw.contains("location: //"), "{path}: {raw}");
    }
    // An API address no route takes is answered as the API answers, whatever the method.
    for (method, path) in [("GET", "/api/nope"), ("POST", "/api/nope"), ("POST", "/api"), ("GET", "//api/nope")] {
        let raw = raw_request(&app.address, method, path).await;
        assert!(raw.starts_with("http/1.1 404") && raw.contains("application/json"), "{method} {path}: {raw}");
    }
    for path in ["/../Cargo.toml", "/%2e%2e/Cargo.toml", "/notice/..%2F..%2Findex.html", "/assets/..%5Cindex.html"] {
        let outside = app.get(path).await;
        assert_eq!(outside.status(), 404, "{path}");
    }
    let css = app.get("/assets/style.12345678.css").await;
    assert!(css.headers()["content-type"].to_str().expect("ascii").starts_with("text/css"));
}

/// `method path` sent as written (no client normalises it): the answer, lowercased.
async fn raw_request(address: &str, method: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(address.trim_start_matches("http://")).await.expect("connect");
    let request = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    String::from_utf8_lossy(&answer).to_lowercase()
}
