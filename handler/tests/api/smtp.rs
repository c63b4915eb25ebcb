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
    let answer: serde_json::Value = response.json().await.expect("json");
    let reference = answer["reference"].as_str().expect("ref").to_owned();
    let confirm = answer["confirm_url"].as_str().expect("confirm_url").strip_prefix(BASE).expect("base").to_owned();
    assert_eq!(store.unsent_mail().await.expect("count"), 1, "the mail with the 邮箱验证码");

    // The relay comes up; the next flush (after the backoff) delivers it, and later flushes nothing.
    let maildev = tokio::task::spawn_blocking(move || testkit::start_maildev(Some(smtp_port))).await.expect("maildev");
    let later = clock.now().unix_timestamp() + 600;
    let first = flush_outbox(store.as_ref(), mailer.as_ref(), later, Default::default()).await.expect("flush");
    assert_eq!((first.sent, first.failed), (1, 0));
    for _ in 0..3 {
        let again =
            flush_outbox(store.as_ref(), mailer.as_ref(), later + 10_000, Default::default()).await.expect("flush");
        assert_eq!((again.sent, again.failed), (0, 0));
    }
    assert_eq!(store.unsent_mail().await.expect("count"), 0);
    let delivered = testkit::maildev_wait(maildev.web_port, 1, Duration::from_secs(10)).await;
    assert_eq!(delivered.len(), 1, "{delivered:?}");

    // The applicant types the code from the delivered mail: the receipt and the unit's mail follow.
    let code = testkit::mailed_code(&delivered[0].text).expect("code");
    let confirmed = client
        .post(format!("{address}{confirm}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("code={code}"))
        .send()
        .await
        .expect("request");
    assert_eq!(confirmed.status(), 200, "the status page after the 303");
    let messages = testkit::maildev_wait(maildev.web_port, 3, Duration::from_secs(10)).await;
    assert_eq!(messages.len(), 3, "{messages:?}");
    let mut to: Vec<&str> = messages.iter().flat_map(|m| m.to.iter().map(String::as_str)).collect();
    to.sort();
    assert_eq!(to, ["applicant1@example.com", "applicant1@example.com", "unit1@example.gov.cn"]);
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

/// Posts a decision form to a page of the app.
async fn decide(client: &reqwest::Client, address: &str, path: &str, body: &str) -> u16 {
    client
        .post(format!("{address}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

/// The path of the newest link under `prefix` in mail to `to`.
async fn newest_link(web_port: u16, to: &str, prefix: &str, count: usize) -> String {
    let messages = testkit::maildev_wait(web_port, count, Duration::from_secs(10)).await;
    let link = messages
        .iter()
        .filter(|m| m.to.iter().any(|t| t == to))
        .filter_map(|m| testkit::link_with(&m.text, prefix))
        .next_back()
        .unwrap_or_else(|| panic!("no {prefix} link for {to} in {messages:?}"));
    link.strip_prefix(BASE).expect("base").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_journey_through_real_mail() {
    let maildev = tokio::task::spawn_blocking(|| testkit::start_maildev(None)).await.expect("maildev");
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db.sqlite3")).expect("sqlite"));
    let mailer = Arc::new(
        SmtpMailer::new(&format!("smtp://127.0.0.1:{}", maildev.port), "特培申报 <noreply@example.gov.cn>")
            .expect("mailer"),
    );
    let clock = Clock::starting_at(time::macros::datetime!(2025-03-15 09:00 +8));
    let settings = Settings::new(BASE, "k1", b"smtp journey key long enough for hmac");
    let state = AppState::new(clock, store.clone(), settings).expect("state").with_inline_mailer(mailer);
    let address = serve(state).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");

    // Submit; the unit reviewer's link arrives by mail.
    let body: serde_json::Value = client
        .post(format!("{address}/api/applications"))
        .json(&testkit::sample_application(7))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(body["status"], "unconfirmed");
    // The applicant types the code from the mail; the answer leads to the status page.
    let confirm = body["confirm_url"].as_str().expect("confirm_url").strip_prefix(BASE).expect("base").to_owned();
    let mailed = testkit::maildev_wait(maildev.web_port, 1, Duration::from_secs(10)).await;
    let code = testkit::mailed_code(&mailed[0].text).expect("code");
    let confirmed = decide(&client, &address, &confirm, &format!("code={code}")).await;
    assert_eq!(confirmed, 303);
    let status_path = newest_link(maildev.web_port, "applicant7@example.com", "/status/", 3).await;
    let unit = newest_link(maildev.web_port, "unit7@example.gov.cn", "/review/", 3).await;
    // The unit returns it; the applicant hears why, edits and resubmits.
    assert_eq!(decide(&client, &address, &unit, "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85").await, 303);
    let returned = testkit::maildev_wait(maildev.web_port, 4, Duration::from_secs(10)).await;
    assert!(returned.iter().any(|m| m.to == ["applicant7@example.com"] && m.text.contains("请补充")));
    let mut form = testkit::sample_application(7);
    form["plan"] = "补充：学习内容为心血管介入和重症监护，回院后开展新技术。".into();
    let mut encoded = testkit::form_body(&form);
    encoded.push_str("&decision=resubmit&version=3");
    assert_eq!(decide(&client, &address, &status_path, &encoded).await, 303);

    // The unit approves from the new mail, then HR from theirs.
    let unit = newest_link(maildev.web_port, "unit7@example.gov.cn", "/review/", 6).await;
    assert_eq!(decide(&client, &address, &unit, "decision=approve").await, 303);
    let hr = newest_link(maildev.web_port, "hr-hohhot@example.gov.cn", "/review/", 8).await;
    // The stamped paper the applicant printed, by the code on it, before the recommendation.
    let paper = format!("{address}{status_path}/print");
    let print = client.get(paper).send().await.expect("print").text().await.expect("html");
    let code = testkit::check_code(&print);
    let received = client
        .post(format!("{address}{hr}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("decision=paper_received&code={code}"))
        .send()
        .await
        .expect("request");
    assert_eq!(received.status(), 303);
    let hr = received.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    assert_eq!(decide(&client, &address, &hr, "decision=approve").await, 303);

    let status: serde_json::Value = client
        .get(format!("{address}{status_path}"))
        .header("accept", "application/json")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(status["status"], "recommended");
    let kinds: Vec<&str> =
        status["events"].as_array().expect("events").iter().map(|e| e["kind"].as_str().expect("kind")).collect();
    assert_eq!(kinds, ["submitted", "confirmed", "returned", "resubmitted", "approved", "paper_received", "approved"]);
    let all = testkit::maildev_messages(maildev.web_port).await;
    let id = testkit::sample_application(7)["id_number"].as_str().expect("id").to_owned();
    assert!(all.iter().all(|m| !m.text.contains(&id) && !m.html.contains(&id)), "full 身份证号 in mail");
    assert_eq!(store.unsent_mail().await.expect("count"), 0);

    // 删除我的申报: the applicant gets one mail saying so (not a withdrawal's), HR is told of the
    // withdrawal, and nothing of the application's mail stays in the store.
    let before = all.len();
    let version = status["version"].as_u64().expect("version");
    let erase = format!("{status_path}/erase");
    assert_eq!(decide(&client, &address, &erase, &format!("version={version}&confirm=on")).await, 200);
    let after = testkit::maildev_wait(maildev.web_port, before + 2, Duration::from_secs(10)).await;
    let new: Vec<_> =
        after.iter().filter(|m| !all.iter().any(|old| old.subject == m.subject && old.to == m.to)).collect();
    let to_applicant: Vec<_> = new.iter().filter(|m| m.to == ["applicant7@example.com"]).collect();
    assert_eq!(to_applicant.len(), 1, "{new:?}");
    assert!(to_applicant[0].subject.contains("您的申报及个人信息已删除"), "{}", to_applicant[0].subject);
    assert!(to_applicant[0].text.contains("不再保存您的姓名"), "{}", to_applicant[0].text);
    assert!(new.iter().any(|m| m.to == ["hr-hohhot@example.gov.cn"] && m.subject.contains("已撤回申报")), "{new:?}");
    let reference = status["reference"].as_str().expect("reference");
    assert!(store.mail_of(reference).await.expect("mail of").is_empty(), "the erased person's mail is deleted");
}
