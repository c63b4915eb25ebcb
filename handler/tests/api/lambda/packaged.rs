//! The packaged `target/lambda/bootstrap.zip` (from `scripts/package-lambda`), unzipped and run
//! against cargo-lambda's Lambda emulator (`cargo lambda watch --only-lambda-apis`), with DynamoDB
//! Local, MailDev and a local Secrets Manager (moto) holding its keys and relay URL: health, one
//! eligibility check and one submission as API Gateway v2 events, the schedule's own event, and
//! a start with a bad sender answering 503.
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

/// A secret created in the local Secrets Manager at `endpoint`; returns its ARN.
async fn create_secret(endpoint: &str, name: &str, value: &str) -> String {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version_latest()
        .endpoint_url(endpoint)
        .region(aws_sdk_secretsmanager::config::Region::new("cn-north-1"))
        .credentials_provider(aws_credential_types::Credentials::new("local", "local", None, None, "test"))
        .build();
    let client = aws_sdk_secretsmanager::Client::from_conf(config);
    let out = client.create_secret().name(name).secret_string(value).send().await.expect("create secret");
    out.arn().expect("arn").to_owned()
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
    let (maildev, emulator, secrets) = tokio::task::spawn_blocking(|| {
        (testkit::start_maildev(None), testkit::start_lambda_emulator(), testkit::start_secrets_manager())
    })
    .await
    .expect("services");
    // The keys and the relay URL live in Secrets Manager, as the template has them; the
    // function's environment names the secrets only.
    let secrets_endpoint = format!("http://127.0.0.1:{}", secrets.port);
    let link_key = create_secret(&secrets_endpoint, "tepei/link-key", "packaged bootstrap test key, long enough").await;
    let hash_key = create_secret(&secrets_endpoint, "tepei/hash-key", "packaged bootstrap hash key, long enough").await;
    let data_key =
        create_secret(&secrets_endpoint, "tepei/data-key", "packaged bootstrap data key that is long enough").await;
    create_secret(&secrets_endpoint, "tepei/smtp-url", &format!("smtp://127.0.0.1:{}", maildev.port)).await;
    // A table of its own on the suite's DynamoDB Local.
    let endpoint = crate::machine::dynamo_endpoint().await;
    let (store, _, table) = crate::machine::dynamo_table().await;

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
        ("TABLE_NAME", table.clone()),
        ("LIMITS_TABLE_NAME", format!("{table}-limits")),
        ("DYNAMODB_ENDPOINT", endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", "local".into()),
        ("AWS_SECRET_ACCESS_KEY", "local".into()),
        ("AWS_REGION", "cn-north-1".into()),
        ("SECRETS_ENDPOINT", secrets_endpoint.clone()),
        ("SMTP_URL_SECRET_ID", "tepei/smtp-url".into()),
        ("TEPEI_SECRET_SECRET_ID", link_key),
        ("TEPEI_HASH_SECRET_SECRET_ID", hash_key),
        ("TEPEI_DATA_KEY_SECRET_ID", data_key),
        ("MAIL_FROM", "特培申报 <noreply@example.gov.cn>".into()),
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

    // The applicant types the code from the delivered mail on the page the answer named (a POST
    // event): the record moves on and the receipt and the unit's mail follow.
    let link = body(&submitted)["confirm_url"].as_str().expect("confirm_url").to_owned();
    let path = link.strip_prefix("https://tepei.example.gov.cn").expect("on the public base URL");
    let code = testkit::mailed_code(&mails[0].text).expect("the 邮箱验证码");
    let mut event: Value = serde_json::from_str(&fixture("apigw-v2-application-json.json")).expect("fixture");
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["headers"]["content-type"] = "application/x-www-form-urlencoded".into();
    event["body"] = format!("code={code}").into();
    let confirmed = invoke(emulator.port, &event.to_string()).await;
    assert_eq!(confirmed["statusCode"], 303, "{confirmed}");
    let stored = handler::store::Applications::get(&store, &reference).await.expect("get").expect("stored");
    assert_eq!(stored.status, policy::Status::UnitReview);
    let mails = testkit::maildev_wait(maildev.web_port, 3, Duration::from_secs(10)).await;
    assert_eq!(mails.len(), 3, "{mails:?}");
    assert!(mails.iter().any(|m| m.to == ["renshi@example.gov.cn"]), "the unit's mail");

    // The schedule's own event: nothing waits, and the function says so.
    let flushed = invoke(emulator.port, &fixture("eventbridge-scheduled.json")).await;
    assert_eq!(flushed, serde_json::json!({"sent": 0, "failed": 0, "dead": 0}), "{flushed}");

    // A sender that SAM CLI cut at its space: the function starts anyway and answers 503 with
    // its page, and the schedule's invocation fails (so the errors alarm fires).
    // (Its own emulator, so no invocation can reach the healthy function.)
    let mut bad = env.clone();
    for (name, value) in &mut bad {
        if *name == "MAIL_FROM" {
            *value = "特培申报".into();
        }
    }
    let second = tokio::task::spawn_blocking(testkit::start_lambda_emulator).await.expect("emulator");
    let _broken = testkit::start_function(&wrapper, second.port, &bad);
    let refused = invoke(second.port, &fixture("apigw-v2-health.json")).await;
    assert_eq!(refused["statusCode"], 503, "{refused}");
    assert!(refused["body"].as_str().is_some_and(|b| b.contains("暂时无法受理")), "{refused}");
}
