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
