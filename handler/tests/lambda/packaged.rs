//! The packaged `target/lambda/bootstrap.zip` (from `scripts/package-lambda`), unzipped and run
//! against cargo-lambda's Lambda emulator (`cargo lambda watch --only-lambda-apis`), with DynamoDB
//! Local and MailDev: health, one eligibility check and one submission, as API Gateway v2 events.
//! The 2025 window has closed, so the function runs under libfaketime from 2025-03-15 09:00
//! Beijing time (the Lambda has no `--now`).

use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Unzips the packaged bootstrap into `dir`.
fn unpack(dir: &std::path::Path) -> PathBuf {
    let zip = testkit::repo_root().join("target/lambda/bootstrap.zip");
    assert!(zip.is_file(), "{} is missing: run ./scripts/package-lambda (./scripts/test does)", zip.display());
    let status = std::process::Command::new("python3")
        .args(["-c", "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])"])
        .arg(&zip)
        .arg(dir)
        .status()
        .expect("python3");
    assert!(status.success(), "unzip failed");
    let bootstrap = dir.join("bootstrap");
    let status = std::process::Command::new("chmod").arg("+x").arg(&bootstrap).status().expect("chmod");
    assert!(status.success());
    bootstrap
}

/// Sends one event to the function through the emulator; returns the API Gateway response.
async fn invoke(port: u16, event: &str) -> Value {
    let url = format!("http://127.0.0.1:{port}/2015-03-31/functions/_/invocations");
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(event.to_owned())
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .expect("invoke");
    assert_eq!(response.status(), 200, "the emulator accepted the invocation");
    response.json().await.expect("the function's answer is JSON")
}

fn body(answer: &Value) -> Value {
    let text = answer["body"].as_str().unwrap_or_default();
    serde_json::from_str(text).unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_packaged_bootstrap_answers_under_cargo_lambda_watch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bootstrap = unpack(dir.path());
    let (dynamo, maildev, emulator) = tokio::task::spawn_blocking(|| {
        (testkit::start_dynamodb_local(None), testkit::start_maildev(None), testkit::start_lambda_emulator())
    })
    .await
    .expect("services");
    let endpoint = format!("http://127.0.0.1:{}", dynamo.port);
    let client = handler::store::DynamoStore::client(Some(&endpoint)).await;
    let store = handler::store::DynamoStore::new(client, "tepei-packaged");
    store.create_table(&handler::store::TableSpec::embedded().expect("template")).await.expect("table");

    let faketime = PathBuf::from("/usr/bin/faketime");
    assert!(faketime.is_file(), "faketime is missing: ./scripts/test installs the Debian package");
    let wrapper = dir.path().join("run");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec /usr/bin/faketime -f '@2025-03-15 01:00:00' {}\n", bootstrap.display()),
    )
    .expect("wrapper");
    std::process::Command::new("chmod").arg("+x").arg(&wrapper).status().expect("chmod");
    let env: Vec<(&str, String)> = vec![
        ("TABLE_NAME", "tepei-packaged".into()),
        ("DYNAMODB_ENDPOINT", endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "local".into()),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        ("AWS_REGION", "cn-north-1".into()),
        ("SMTP_URL", format!("smtp://127.0.0.1:{}", maildev.port)),
        ("MAIL_FROM", "特培申报 <noreply@example.gov.cn>".into()),
        ("TEPEI_SECRET", "packaged bootstrap test key, long enough".into()),
        ("PUBLIC_BASE_URL", "https://tepei.example.gov.cn".into()),
    ];
    let started = Instant::now();
    let _function = testkit::start_function(&wrapper, emulator.port, &env);

    let health = invoke(emulator.port, &fixture("apigw-v2-health.json")).await;
    println!(
        "packaged bootstrap: first answer {:.0} ms after start (under faketime)",
        started.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(health["statusCode"], 200, "{health}");
    assert_eq!(body(&health), serde_json::json!({"status": "ok"}));
    // The rules compiled into the zip are this checkout's, as scripts/package-lambda recorded.
    assert_eq!(health["headers"]["x-tepei-rules"], policy::embedded_fingerprint().as_str(), "{health}");

    let eligibility = invoke(emulator.port, &fixture("apigw-v2-eligibility.json")).await;
    assert_eq!(eligibility["statusCode"], 200, "{eligibility}");
    assert_eq!(body(&eligibility)["eligible"], true);

    let submitted = invoke(emulator.port, &fixture("apigw-v2-application-json.json")).await;
    assert_eq!(submitted["statusCode"], 201, "{submitted}");
    let reference = body(&submitted)["reference"].as_str().expect("reference").to_owned();
    let stored =
        handler::store::Applications::get(&store, &reference).await.expect("get").expect("stored in DynamoDB Local");
    assert_eq!(stored.status, policy::Status::Unconfirmed);
    // Its one mail (to the applicant, to confirm) went through MailDev within the invocation.
    let mails = testkit::maildev_wait(maildev.web_port, 1, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].subject.contains(&reference));

    // The same event delivered again (API Gateway or a client retrying): the same answer, one
    // record in DynamoDB Local, and no second mail.
    let again = invoke(emulator.port, &fixture("apigw-v2-application-json.json")).await;
    assert_eq!(again["statusCode"], 201, "{again}");
    assert_eq!(body(&again)["reference"], reference.as_str());
    let all = handler::store::Applications::list(&store, 2025, None).await.expect("list");
    assert_eq!(all.len(), 1, "{all:?}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(testkit::maildev_messages(maildev.web_port).await.len(), 1);

    // The applicant confirms by the link in the delivered mail (a POST event): the record moves
    // on and the receipt and the unit's mail follow.
    let link = testkit::link_with(&mails[0].text, "/confirm/").expect("confirm link");
    let path = link.strip_prefix("https://tepei.example.gov.cn").expect("on the public base URL");
    let mut event: Value = serde_json::from_str(&fixture("apigw-v2-application-json.json")).expect("fixture");
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["headers"]["content-type"] = "application/x-www-form-urlencoded".into();
    event["body"] = "".into();
    let confirmed = invoke(emulator.port, &event.to_string()).await;
    assert_eq!(confirmed["statusCode"], 303, "{confirmed}");
    let stored = handler::store::Applications::get(&store, &reference).await.expect("get").expect("stored");
    assert_eq!(stored.status, policy::Status::UnitReview);
    let mails = testkit::maildev_wait(maildev.web_port, 3, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 3, "{mails:?}");
    assert!(mails.iter().any(|m| m.to == ["renshi@example.gov.cn"]), "the unit's mail");
}
