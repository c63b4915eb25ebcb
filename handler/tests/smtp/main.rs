//! Mail through a real SMTP server (MailDev, read back through its REST API).

use handler::mail::{SmtpMailer, flush_outbox};
use handler::store::{SqliteStore, Store};
use handler::{AppState, Clock, Settings, app};
use std::sync::Arc;
use std::time::Duration;

const BASE: &str = "https://tepei.example.gov.cn";

async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app(state)).await.expect("serve") });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_then_up_delivers_each_mail_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db.sqlite3")).expect("sqlite"));
    let smtp_port = testkit::free_port();
    let mailer = Arc::new(
        SmtpMailer::new(&format!("smtp://127.0.0.1:{smtp_port}"), "特培申报 <noreply@example.gov.cn>").expect("mailer"),
    );
    let clock = Clock::starting_at(time::macros::datetime!(2025-03-15 09:00 +8));
    let settings = Settings::new(BASE, "k1", b"smtp test key that is long enough");
    let state = AppState::new(clock, store.clone(), settings).expect("state").with_inline_mailer(mailer.clone());

    let address = serve(state).await;
    let client = reqwest::Client::new();

    // The relay is down: the submission still succeeds and the mail waits in the outbox.
    let response = client
        .post(format!("{address}/api/applications"))
        .json(&testkit::sample_application(1))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    let reference =
        response.json::<serde_json::Value>().await.expect("json")["reference"].as_str().expect("ref").to_owned();
    assert_eq!(store.unsent_mail().await.expect("count"), 2);

    // The relay comes up; the next flush (after the backoff) delivers both, and later flushes nothing.
    let maildev = tokio::task::spawn_blocking(move || testkit::start_maildev(Some(smtp_port))).await.expect("maildev");
    let later = clock.now().unix_timestamp() + 600;
    let first = flush_outbox(store.as_ref(), mailer.as_ref(), later).await.expect("flush");
    assert_eq!((first.sent, first.failed), (2, 0));
    for _ in 0..3 {
        let again = flush_outbox(store.as_ref(), mailer.as_ref(), later + 10_000).await.expect("flush");
        assert_eq!((again.sent, again.failed), (0, 0));
    }
    assert_eq!(store.unsent_mail().await.expect("count"), 0);

    let messages = testkit::maildev_wait(maildev.web_port, 2, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    let mut to: Vec<&str> = messages.iter().flat_map(|m| m.to.iter().map(String::as_str)).collect();
    to.sort();
    assert_eq!(to, ["applicant1@example.com", "unit1@example.gov.cn"]);
    assert!(messages.iter().all(|m| m.subject.contains(&reference)), "{messages:?}");

    // The unit reviewer's link, taken from the delivered mail, opens the application.
    let unit = messages.iter().find(|m| m.to == ["unit1@example.gov.cn"]).expect("unit mail");
    let link = testkit::link_with(&unit.text, "/review/").expect("review link");
    let path = link.strip_prefix(BASE).expect("base");
    let page = client.get(format!("{address}{path}")).send().await.expect("request");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("乌力吉"));
    assert!(unit.html.contains("查看申报表并审核"));
}
