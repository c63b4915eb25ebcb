//! `infra/template.yaml` checked where cfn-lint is blind: every reference resolves, every ARN
//! carries the partition, no data action is a wildcard, no service the China regions lack, the
//! function gets the environment the bootstrap reads, and the schedule's event really flushes the
//! outbox when it reaches the Router.

use serde_yaml_ng::Value;
use std::collections::BTreeSet;

fn template() -> Value {
    serde_yaml_ng::from_str(handler::store::TEMPLATE).expect("infra/template.yaml parses")
}

/// Every string in the document with the YAML tag it carries (`!Ref`, `!Sub`, `!GetAtt`), if any.
fn strings<'a>(v: &'a Value, tag: Option<&'a str>, out: &mut Vec<(Option<String>, &'a str)>) {
    match v {
        Value::String(s) => out.push((tag.map(str::to_owned), s)),
        Value::Sequence(items) => items.iter().for_each(|i| strings(i, tag, out)),
        Value::Mapping(map) => map.iter().for_each(|(k, v)| {
            strings(k, None, out);
            strings(v, None, out);
        }),
        Value::Tagged(t) => {
            let name = t.tag.to_string().trim_start_matches('!').to_owned();
            match &t.value {
                Value::String(s) => out.push((Some(name), s)),
                // `!Sub [text, vars]`, `!If [condition, a, b]`: the first item carries the tag;
                // the others are read as they stand (with their own tags).
                Value::Sequence(items) => {
                    if let Some(Value::String(first)) = items.first() {
                        out.push((Some(name), first));
                    }
                    items.iter().skip(1).for_each(|i| strings(i, None, out));
                }
                other => strings(other, None, out),
            }
        }
        _ => {}
    }
}

/// The names `${Name}` / `${Name.Attr}` in a `!Sub` string refers to (not `${!Literal}`).
fn sub_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let end = after.find('}').expect("closed ${");
        let name = &after[..end];
        if !name.starts_with('!') {
            names.push(name.split('.').next().expect("name").to_owned());
        }
        rest = &after[end..];
    }
    names
}

#[test]
fn every_reference_resolves() {
    let doc = template();
    let mut known: BTreeSet<String> = BTreeSet::new();
    for section in ["Parameters", "Resources", "Conditions"] {
        if let Some(map) = doc[section].as_mapping() {
            known.extend(map.keys().filter_map(|k| k.as_str().map(str::to_owned)));
        }
    }
    let mut all = Vec::new();
    strings(&doc, None, &mut all);
    let mut checked = 0;
    for (tag, text) in all {
        let names = match tag.as_deref() {
            Some("Ref") => vec![text.to_owned()],
            Some("GetAtt") => vec![text.split('.').next().expect("name").to_owned()],
            Some("Sub") => sub_names(text),
            Some("If") => vec![text.to_owned()],
            _ => continue,
        };
        for name in names {
            checked += 1;
            assert!(name.starts_with("AWS::") || known.contains(&name), "`{name}` in `{text}` names nothing");
        }
    }
    assert!(checked > 30, "only {checked} references found: is the parser reading the tags?");
}

#[test]
fn every_arn_is_built_with_the_partition_and_nothing_needs_ses() {
    let doc = template();
    let mut all = Vec::new();
    strings(&doc, None, &mut all);
    for (_, text) in &all {
        if text.contains("arn:") {
            assert!(text.contains("arn:${AWS::Partition}:"), "an ARN without the partition: {text}");
        }
        assert!(!text.to_ascii_lowercase().contains("ses:") && !text.contains("AWS::SES"), "SES in {text}");
        assert!(!text.contains("amazonaws.com\""), "a hard-coded AWS domain: {text}");
    }
}

#[test]
fn no_wildcard_is_allowed_on_data() {
    let doc = template();
    let function = &doc["Resources"]["Handler"]["Properties"];
    let statements = function["Policies"][0]["Statement"].as_sequence().expect("statements");
    for statement in statements {
        assert_eq!(statement["Effect"].as_str(), Some("Allow"));
        for action in statement["Action"].as_sequence().expect("actions") {
            let action = action.as_str().expect("text");
            assert!(!action.contains('*'), "wildcard action {action}");
        }
    }
    // The only `s3:*` anywhere is in Deny statements (TLS only).
    for bucket_policy in ["AttachmentsBucketPolicy", "SiteBucketPolicy"] {
        let s = &doc["Resources"][bucket_policy]["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!((s["Effect"].as_str(), s["Action"].as_str()), (Some("Deny"), Some("s3:*")));
    }
}

#[test]
fn the_function_is_configured_as_the_issue_and_the_bootstrap_expect() {
    let doc = template();
    let globals = &doc["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Architectures"][0].as_str(), Some("x86_64"));
    assert_eq!(globals["MemorySize"].as_u64(), Some(256));
    assert!(globals["Timeout"].as_u64().is_some_and(|t| t <= 15));
    let env = doc["Resources"]["Handler"]["Properties"]["Environment"]["Variables"].as_mapping().expect("env");
    let names: BTreeSet<&str> = env.keys().filter_map(Value::as_str).collect();
    for needed in
        ["TABLE_NAME", "PUBLIC_BASE_URL", "MAIL_FROM", "SMTP_URL", "TEPEI_SECRET", "TASK_SECRET", "UPLOAD_BUCKET"]
    {
        assert!(names.contains(needed), "{needed} is not set");
    }
    // The stage is removed by `lambda_app` alone (tested with the stage-prefix fixture).
    assert!(!names.contains("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"), "the stage would be stripped twice");
    let events = doc["Resources"]["Handler"]["Properties"]["Events"].as_mapping().expect("events");
    let paths: BTreeSet<&str> = events.values().filter_map(|e| e["Properties"]["Path"].as_str()).collect();
    for prefix in ["/api/", "/review/", "/status/", "/dashboard/", "/verify/"] {
        assert!(paths.contains(format!("{prefix}{{proxy+}}").as_str()), "{prefix} is not routed: {paths:?}");
    }
}

#[tokio::test]
async fn the_scheduled_event_flushes_the_outbox() {
    let doc = template();
    let input = doc["Resources"]["Handler"]["Properties"]["Events"]["FlushOutbox"]["Properties"]["Input"].clone();
    let Value::Tagged(tagged) = input else { panic!("Input is a !Sub") };
    let text = tagged.value.as_str().expect("text");
    // As CloudFormation will: substitute, and resolve the secret.
    let event = text
        .replace("{{resolve:secretsmanager:${TaskSecret}}}", "schedule-task-secret")
        .replace("${AWS::AccountId}", "123456789012");
    assert!(!event.contains("${"), "unsubstituted names left: {event}");
    let request = lambda_http::request::from_str(&event).expect("the schedule's Input is an API Gateway v2 event");

    let l = crate::lambda();
    let mut settings =
        handler::Settings::new("https://tepei.example.gov.cn", "k1", b"lambda test key, long enough for hmac");
    settings.task_secret = "schedule-task-secret".into();
    let state = l.state.clone().with_settings(settings);
    // One mail waiting, as after a relay outage.
    let waiting = handler::store::Mail {
        id: "m1".into(),
        reference: "TP2025-SCHED1".into(),
        to: "applicant@example.com".into(),
        subject: "测试".into(),
        text: "正文".into(),
        html: "<p>正文</p>".into(),
        created_at: "2025-03-15T01:00:00Z".into(),
        attempts: 0,
        files: Vec::new(),
        reply_to: None,
    };
    l.store.enqueue(&[waiting]).await.expect("enqueue");
    use tower::ServiceExt;
    let response = handler::lambda_app(state).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), 200);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!((body["sent"].as_u64(), body["failed"].as_u64()), (Some(1), Some(0)), "{body}");
    assert_eq!(l.store.unsent_mail().await.expect("count"), 0);
}
