//! `infra/template.yaml` checked where cfn-lint is blind: every reference resolves, every ARN
//! carries the partition, no data action is a wildcard, no service the China regions lack, the
//! function gets the environment the bootstrap reads, every route of the Router reaches the
//! function through the CDN's behaviours and the HTTP API while no file of the site does, and the
//! schedule's own event really flushes the outbox.

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
    let mut doc = template();
    // The parameters' patterns describe ARNs an operator gives (a certificate in us-east-1, a
    // domestic CDN's role); every ARN the template builds is below.
    doc.as_mapping_mut().expect("template").remove("Parameters");
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

/// The statements of the function's role.
fn role_statements(doc: &Value) -> Vec<Value> {
    let policies = doc["Resources"]["HandlerRole"]["Properties"]["Policies"].as_sequence().expect("policies");
    policies.iter().flat_map(|p| p["PolicyDocument"]["Statement"].as_sequence().expect("statements").clone()).collect()
}

#[test]
fn no_wildcard_is_allowed_on_data() {
    let doc = template();
    let statements = role_statements(&doc);
    assert!(statements.len() >= 5, "the role's statements are read");
    for statement in &statements {
        assert_eq!(statement["Effect"].as_str(), Some("Allow"));
        for action in statement["Action"].as_sequence().expect("actions") {
            let action = action.as_str().expect("text");
            assert!(!action.contains('*'), "wildcard action {action}");
        }
    }
    // Logs only to the function's own log group, secrets only the ones it reads.
    let sid = |name: &str| statements.iter().find(|s| s["Sid"].as_str() == Some(name)).cloned().expect(name);
    assert_eq!(sid("OwnLogGroup")["Resource"]["!GetAtt"].as_str(), None, "a tagged value");
    assert!(format!("{:?}", sid("OwnLogGroup")["Resource"]).contains("FunctionLogs.Arn"));
    let secrets = format!("{:?}", sid("SettingsSecrets")["Resource"]);
    for secret in ["LinkKeySecret", "HashKeySecret", "DataKeySecret", "SmtpUrlSecretName", "PreviousLinkKeysSecretName"]
    {
        assert!(secrets.contains(secret), "{secret} is not readable: {secrets}");
    }
    assert!(sid("ProofDocumentsListed")["Action"][0].as_str() == Some("s3:ListBucket"));
    // No managed policy is attached (the basic execution role grants logs on every group).
    let function = &doc["Resources"]["Handler"]["Properties"];
    assert!(function["Policies"].is_null() && !function["Role"].is_null());
    assert!(doc["Resources"]["HandlerRole"]["Properties"]["ManagedPolicyArns"].is_null());
    // The only `s3:*` anywhere is in Deny statements (TLS only).
    for bucket_policy in ["AttachmentsBucketPolicy", "SiteBucketPolicy"] {
        let s = &doc["Resources"][bucket_policy]["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!((s["Effect"].as_str(), s["Action"].as_str()), (Some("Deny"), Some("s3:*")));
    }
    // What must outlive the stack: the records, their files, the key of their hashes and the
    // key that seals their personal numbers.
    for kept in ["Table", "AttachmentsBucket", "HashKeySecret", "DataKeySecret"] {
        assert_eq!(doc["Resources"][kept]["DeletionPolicy"].as_str(), Some("Retain"), "{kept}");
    }
    // CloudWatch cannot publish to a topic under the AWS managed SNS key.
    assert!(doc["Resources"]["AlarmTopic"]["Properties"]["KmsMasterKeyId"].is_null());
}

#[test]
fn the_function_is_configured_as_the_issue_and_the_bootstrap_expect() {
    let doc = template();
    let globals = &doc["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Architectures"][0].as_str(), Some("x86_64"));
    // Sized from bench/week.rs's centre at 100,000 applications (docs/performance.md).
    assert_eq!(globals["MemorySize"].as_u64(), Some(1024));
    let timeout = globals["Timeout"].as_u64().expect("timeout");
    assert!(timeout < 30, "within the HTTP API's 30 s integration limit");
    let env = doc["Resources"]["Handler"]["Properties"]["Environment"]["Variables"].as_mapping().expect("env");
    let names: BTreeSet<&str> = env.keys().filter_map(Value::as_str).collect();
    for needed in [
        "TABLE_NAME",
        "LIMITS_TABLE_NAME",
        "PUBLIC_BASE_URL",
        "MAIL_FROM",
        "UPLOAD_BUCKET",
        "MAIL_CONCURRENCY",
        "FLUSH_SECONDS",
    ] {
        assert!(names.contains(needed), "{needed} is not set");
    }
    // Secrets are named, never resolved into the configuration.
    for secret in handler::config::SECRET_SETTINGS {
        assert!(names.contains(format!("{secret}_SECRET_ID").as_str()), "{secret} is not read from its secret");
        assert!(!names.contains(secret), "{secret} would sit in plain text in the configuration");
    }
    assert!(!handler::store::TEMPLATE.contains("{{resolve:secretsmanager"), "no dynamic reference to a secret");
    assert!(!names.contains("TASK_SECRET"), "the schedule is known by its event, not a secret");
    let flush: u64 = env.get("FLUSH_SECONDS").and_then(Value::as_str).and_then(|s| s.parse().ok()).expect("seconds");
    // A mail claimed at the end of the budget may wait the SMTP timeout more: still before the
    // function's own, so it is never cut off after sending and sent again.
    assert!(
        flush + handler::mail::SMTP_TIMEOUT_SECONDS + 5 <= timeout,
        "the flush and its last SMTP exchange end well before the function's timeout"
    );
    // The HTTP API serves the `$default` stage: paths carry no stage to strip, here or in the runtime.
    assert!(handler::store::TEMPLATE.contains("StageName: $default"), "the $default stage");
    assert!(!names.contains("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"), "the stage would be stripped twice");
    // Each deploy that changes the code or a setting publishes a version behind the alias the
    // API and the schedule call, so a bad one rolls back by moving the alias (docs/deploy.md).
    let function = &doc["Resources"]["Handler"]["Properties"];
    assert_eq!(function["AutoPublishAlias"].as_str(), Some("live"));
    assert_eq!(function["AutoPublishAliasAllProperties"].as_bool(), Some(true), "a changed setting publishes too");
    // A sender cut at its space by SAM CLI is refused by the parameter itself.
    let pattern = doc["Parameters"]["MailFrom"]["AllowedPattern"].as_str().expect("pattern");
    let pattern = regex::Regex::new(pattern).expect("a regex");
    for good in ["特培申报 <noreply@example.gov.cn>", "noreply@example.gov.cn"] {
        assert!(pattern.is_match(good), "{good}");
    }
    for bad in ["特培申报", "<noreply>", "特培申报 <noreply@example>"] {
        assert!(!pattern.is_match(bad), "{bad}");
    }
}

/// Whether a CloudFront path pattern matches `path` (`*` any run of characters, `?` exactly one).
fn glob(pattern: &str, path: &str) -> bool {
    let regex = format!("^{}$", regex::escape(pattern).replace("\\*", ".*").replace("\\?", "."));
    regex::Regex::new(&regex).expect("pattern").is_match(path)
}

/// Where the CDN sends `path`: the origin of the first behaviour that matches, else the site.
fn cdn_origin(doc: &Value, path: &str) -> String {
    let behaviours = doc["Metadata"]["Tepei::CdnBehaviours"].as_sequence().expect("behaviours");
    behaviours
        .iter()
        .find(|b| glob(b["PathPattern"].as_str().expect("pattern"), path))
        .map_or("site".to_owned(), |b| b["Origin"].as_str().expect("origin").to_owned())
}

/// Whether one of the HTTP API's routes takes `method path` to the function.
fn api_routes(doc: &Value, method: &str, path: &str) -> bool {
    let events = doc["Resources"]["Handler"]["Properties"]["Events"].as_mapping().expect("events");
    events.values().filter(|e| e["Type"].as_str() == Some("HttpApi")).any(|e| {
        let p = &e["Properties"];
        let route = p["Path"].as_str().expect("path");
        let method_ok = matches!(p["Method"].as_str(), Some("ANY")) || p["Method"].as_str() == Some(method);
        let path_ok = match route.strip_suffix("{proxy+}") {
            Some(prefix) => path.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty()),
            None => route == path,
        };
        method_ok && path_ok
    })
}

/// Every route the Router serves (read from handler/src/lib.rs), as a sample request.
fn router_requests() -> Vec<(String, String)> {
    let source = include_str!("../../../src/lib.rs");
    let route = regex::Regex::new(r#"\.route\(\s*"([^"]+)",\s*([a-z_:]+)\("#).expect("regex");
    let segment = regex::Regex::new(r"\{[a-z]+\}").expect("regex");
    let mut out = Vec::new();
    for found in route.captures_iter(source) {
        let path = segment.replace_all(&found[1], "d.x.y.0.1.k1.SIG").into_owned();
        let method = if found[2].ends_with("post") { "POST" } else { "GET" };
        out.push((method.to_owned(), path));
    }
    out
}

/// The CDN's behaviours (in the template's Metadata) and the HTTP API's routes together: every
/// route of the Router reaches the function, and every file of the built site (each page also
/// by its folder, `/status/` included) stays with the site bucket.
#[test]
fn the_cdn_and_the_api_route_every_handler_path_and_no_site_file() {
    let doc = template();
    let requests = router_requests();
    assert!(requests.len() >= 25, "the Router's routes are read: {requests:?}");
    for (method, path) in &requests {
        if path == "/api/tasks/flush-outbox" {
            continue; // `serve` only: the Lambda's schedule sends its own event
        }
        assert_eq!(cdn_origin(&doc, path), "api", "{method} {path} would go to the site bucket");
        assert!(api_routes(&doc, method, path), "{method} {path} has no HTTP API route");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("root").to_owned();
    site::build(&root, dir.path()).expect("the site builds");
    let mut files = Vec::new();
    let mut folders = vec![dir.path().to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("read") {
            let path = entry.expect("entry").path();
            if path.is_dir() { folders.push(path) } else { files.push(path) }
        }
    }
    let mut checked = 0;
    for file in files {
        let rel = format!("/{}", file.strip_prefix(dir.path()).expect("under").to_string_lossy());
        let mut paths = vec![rel.clone()];
        if let Some(folder) = rel.strip_suffix("index.html") {
            paths.push(folder.to_owned());
        }
        for path in paths {
            checked += 1;
            assert_eq!(cdn_origin(&doc, &path), "site", "the site's {path} would go to the function");
        }
    }
    assert!(checked > 30, "{checked} site paths");
}

/// The lower-case names of the request headers the handler's code reads (`headers.get(…)`,
/// `headers.get_all(…)`).
fn headers_read() -> BTreeSet<String> {
    let read =
        regex::Regex::new(r#"headers(?:\(\))?\s*\.get(?:_all)?\(\s*(?:header::([A-Z_]+)|"([a-z-]+)")"#).expect("regex");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("root");
    let mut found = BTreeSet::new();
    // The code the Lambda is built from: `serve`'s in-memory site (feature `site`) is not in it.
    for (_, code) in super::calls::lambda_code(root) {
        for c in read.captures_iter(&code) {
            let name = c.get(1).map_or_else(|| c[2].to_owned(), |m| m.as_str().to_ascii_lowercase().replace('_', "-"));
            found.insert(name);
        }
    }
    found
}

/// The template's own CloudFront distribution (`CloudFrontDistribution=create`) is the CDN of
/// the Metadata: its ordered behaviours are `Tepei::CdnBehaviours`, in order, each to its origin
/// (so the test above holds for it); the handler's are never cached and get every method, the
/// query string, every header the handler reads and its cookie; the site comes from the S3 REST
/// origin through the template's origin access identity, `/` is index.html, and 404 alone is
/// mapped, to the site's /404.html.
#[test]
fn the_distribution_is_the_cdn_of_the_metadata() {
    let doc = template();
    let resources = &doc["Resources"];
    for conditional in ["Distribution", "SiteOriginAccessIdentity"] {
        assert_eq!(resources[conditional]["Condition"].as_str(), Some("CreateCloudFront"), "{conditional}");
    }
    let config = &resources["Distribution"]["Properties"]["DistributionConfig"];
    let wanted: Vec<(String, String)> = doc["Metadata"]["Tepei::CdnBehaviours"]
        .as_sequence()
        .expect("behaviours")
        .iter()
        .map(|b| (b["PathPattern"].as_str().expect("pattern").into(), b["Origin"].as_str().expect("origin").into()))
        .collect();
    let behaviours = config["CacheBehaviors"].as_sequence().expect("ordered behaviours");
    let found: Vec<(String, String)> = behaviours
        .iter()
        .map(|b| {
            (b["PathPattern"].as_str().expect("pattern").into(), b["TargetOriginId"].as_str().expect("origin").into())
        })
        .collect();
    assert_eq!(found, wanted, "the distribution's behaviours are the Metadata's, in order");
    assert_eq!(config["DefaultCacheBehavior"]["TargetOriginId"].as_str(), Some("site"), "everything else");

    let mut read = headers_read();
    assert!(read.contains("accept") && read.contains("sec-fetch-site"), "the handler's headers are read: {read:?}");
    // CloudFront appends the viewer to X-Forwarded-For whatever it forwards (CdnForwardedHops=1);
    // Authorization is read only by `serve`'s task route; the cookie is forwarded by name.
    read.remove("x-forwarded-for");
    read.remove("authorization");
    let cookie = read.remove("cookie");
    assert!(cookie, "the draft's cookie is read");
    let extract = include_str!("../../../src/http/extract.rs");
    assert!(extract.contains(r#"const COOKIE: &'static str = "tepei_browser";"#), "the cookie's name changed");
    let words = |v: &Value| -> Vec<String> {
        v.as_sequence().expect("list").iter().map(|i| i.as_str().expect("text").to_owned()).collect()
    };
    for b in behaviours {
        let pattern = b["PathPattern"].as_str().expect("pattern");
        let forwarded = &b["ForwardedValues"];
        if b["TargetOriginId"].as_str() == Some("site") {
            assert_eq!(words(&b["AllowedMethods"]), ["GET", "HEAD"], "{pattern}");
            assert!(format!("{:?}", b["ResponseHeadersPolicyId"]).contains("SiteHeaders"), "{pattern}");
            assert_eq!(forwarded["Cookies"]["Forward"].as_str(), Some("none"), "{pattern}");
            continue;
        }
        assert_eq!(words(&b["AllowedMethods"]).len(), 7, "{pattern}: every method");
        for ttl in ["MinTTL", "DefaultTTL", "MaxTTL"] {
            assert_eq!(b[ttl].as_u64(), Some(0), "{pattern}: {ttl}, never cached");
        }
        assert_eq!(
            b["ViewerProtocolPolicy"].as_str(),
            Some("https-only"),
            "{pattern}: a redirected POST loses its body"
        );
        assert_eq!(forwarded["QueryString"].as_bool(), Some(true), "{pattern}");
        let headers: BTreeSet<String> = words(&forwarded["Headers"]).iter().map(|h| h.to_ascii_lowercase()).collect();
        assert!(!headers.contains("host"), "{pattern}: API Gateway answers its own host only");
        for needed in &read {
            assert!(headers.contains(needed), "{pattern}: the handler reads {needed}, which is not forwarded");
        }
        assert_eq!(forwarded["Cookies"]["Forward"].as_str(), Some("whitelist"), "{pattern}");
        assert_eq!(words(&forwarded["Cookies"]["WhitelistedNames"]), ["tepei_browser"], "{pattern}");
    }

    assert_eq!(config["DefaultRootObject"].as_str(), Some("index.html"), "`/` is the home page, never a listing");
    let errors = config["CustomErrorResponses"].as_sequence().expect("error responses");
    assert_eq!(errors.len(), 1, "404 alone: a mapped 403 would hide the handler's own pages");
    let e = &errors[0];
    assert_eq!((e["ErrorCode"].as_u64(), e["ResponseCode"].as_u64()), (Some(404), Some(404)));
    assert_eq!(e["ResponsePagePath"].as_str(), Some("/404.html"));

    let origins = config["Origins"].as_sequence().expect("origins");
    let origin = |id: &str| origins.iter().find(|o| o["Id"].as_str() == Some(id)).expect(id);
    let debug = |v: &Value| format!("{v:?}");
    let site = origin("site");
    assert!(debug(&site["DomainName"]).contains("SiteBucket.RegionalDomainName"), "the S3 REST origin: {site:?}");
    assert!(debug(&site["S3OriginConfig"]["OriginAccessIdentity"]).contains("${SiteOriginAccessIdentity}"));
    let api = origin("api");
    let api_url = match &doc["Outputs"]["ApiUrl"]["Value"] {
        Value::Tagged(t) => t.value.as_str().expect("!Sub text").to_owned(),
        other => panic!("{other:?}"),
    };
    let api_host = match &api["DomainName"] {
        Value::Tagged(t) => t.value.as_str().expect("!Sub text").to_owned(),
        other => panic!("{other:?}"),
    };
    assert_eq!(format!("https://{api_host}"), api_url, "the API origin is ApiUrl's host");
    assert_eq!(api["CustomOriginConfig"]["OriginProtocolPolicy"].as_str(), Some("https-only"));
    // The site's pages get the handler's own security headers, uploads allowed to the bucket.
    assert!(debug(&config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]).contains("SiteHeaders"));
    let headers = &resources["SiteHeaders"]["Properties"]["ResponseHeadersPolicyConfig"];
    let security = &headers["SecurityHeadersConfig"];
    let csp = match &security["ContentSecurityPolicy"]["ContentSecurityPolicy"] {
        Value::Tagged(t) => t.value.as_str().expect("!Sub text").to_owned(),
        other => panic!("{other:?}"),
    };
    let bucket = "https://${AttachmentsBucket}.s3.${AWS::Region}.${AWS::URLSuffix}";
    assert_eq!(csp, handler::http::headers::csp(Some(bucket)).to_str().expect("text"), "the handler's CSP");
    assert_eq!(security["FrameOptions"]["FrameOption"].as_str(), Some("DENY"));
    assert_eq!(security["ReferrerPolicy"]["ReferrerPolicy"].as_str(), Some("no-referrer"));
    let hsts =
        format!("max-age={}", security["StrictTransportSecurity"]["AccessControlMaxAgeSec"].as_u64().expect("age"));
    assert_eq!(hsts, handler::http::headers::HSTS);
    let custom: Vec<(String, String)> = headers["CustomHeadersConfig"]["Items"]
        .as_sequence()
        .expect("custom headers")
        .iter()
        .map(|h| (h["Header"].as_str().expect("name").to_ascii_lowercase(), h["Value"].as_str().expect("value").into()))
        .collect();
    let handler_headers = include_str!("../../../src/http/headers.rs");
    for (name, value) in &custom {
        assert!(handler_headers.contains(&format!("\"{name}\"), \"{value}\"")), "{name}: {value} is not the handler's");
    }
    // The host of PublicBaseUrl, with an IAM certificate (China) or an ACM one (global).
    assert!(debug(&config["Aliases"]).contains("PublicBaseUrl"));
    let certificate = debug(&config["ViewerCertificate"]);
    assert!(
        certificate.contains("CdnIamCertificateId") && certificate.contains("CdnAcmCertificateArn"),
        "{certificate}"
    );
}

/// What holds the round's records is never replaced by a deploy: retained when the stack would
/// drop it, and refused replacement or deletion by infra/stack-policy.json (set once after the
/// first deploy, docs/deploy.md), so no update can hand the function a new, empty table.
#[test]
fn the_stack_policy_keeps_what_holds_the_records() {
    let doc = template();
    let retained: BTreeSet<String> = doc["Resources"]
        .as_mapping()
        .expect("resources")
        .iter()
        .filter(|(_, r)| r["DeletionPolicy"].as_str() == Some("Retain"))
        .map(|(name, r)| {
            assert_eq!(r["UpdateReplacePolicy"].as_str(), Some("Retain"), "{name:?}: kept when replaced too");
            name.as_str().expect("name").to_owned()
        })
        .collect();
    assert!(retained.contains("Table") && retained.contains("AttachmentsBucket"), "{retained:?}");
    let policy: serde_json::Value =
        serde_json::from_str(include_str!("../../../../infra/stack-policy.json")).expect("stack policy");
    let statements = policy["Statement"].as_array().expect("statements");
    assert_eq!((statements[0]["Effect"].as_str(), statements[0]["Action"].as_str()), (Some("Allow"), Some("Update:*")));
    assert_eq!(statements[0]["Resource"].as_str(), Some("*"), "every other resource updates as before");
    let deny = &statements[1];
    assert_eq!(deny["Effect"].as_str(), Some("Deny"));
    let actions: Vec<&str> = deny["Action"].as_array().expect("actions").iter().filter_map(|a| a.as_str()).collect();
    assert_eq!(actions, ["Update:Replace", "Update:Delete"]);
    let protected: BTreeSet<String> = deny["Resource"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r.as_str().and_then(|r| r.strip_prefix("LogicalResourceId/")).expect("a logical id").to_owned())
        .collect();
    assert_eq!(protected, retained, "the stack policy protects exactly the retained resources");
}

/// The schedule sends EventBridge's own event (no input, no secret): the function knows it by its
/// source and flushes the outbox; the same shape cannot come through API Gateway.
#[tokio::test]
async fn the_scheduled_event_flushes_the_outbox() {
    let doc = template();
    let schedule = &doc["Resources"]["Handler"]["Properties"]["Events"]["FlushOutbox"]["Properties"];
    assert!(schedule["Input"].is_null(), "the schedule's event carries nothing of ours");
    assert!(schedule["Schedule"].as_str().is_some_and(|s| s.starts_with("rate(")));
    let path = format!("{}/tests/fixtures/eventbridge-scheduled.json", env!("CARGO_MANIFEST_DIR"));
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json");
    assert!(handler::lambda::is_scheduled(&event));
    assert!(!handler::lambda::is_purge(&event), "the flush never purges");
    let l = super::lambda();
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
        about: Vec::new(),
    };
    l.store.enqueue(&[waiting]).await.expect("enqueue");
    let router = handler::app(l.state.clone());
    let invocation = lambda_http::LambdaEvent::new(event, lambda_http::Context::default());
    let body = handler::lambda::handle(Some(&l.state), router.clone(), invocation).await.expect("flushed");
    assert_eq!((body["sent"].as_u64(), body["failed"].as_u64()), (Some(1), Some(0)), "{body}");
    assert_eq!(l.store.unsent_mail().await.expect("count"), 0);
    // A function that could not start fails the scheduled invocation (the errors alarm fires).
    let event = serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json");
    let invocation = lambda_http::LambdaEvent::new(event, lambda_http::Context::default());
    assert!(handler::lambda::handle(None, router, invocation).await.is_err());
}

/// The purge has its own schedule, whose fixed input is the one the function knows as the purge's
/// (and never as the flush's); its run answers whether the day's pass is done.
#[tokio::test]
async fn the_purge_schedule_runs_the_purge() {
    let doc = template();
    let schedule = &doc["Resources"]["Handler"]["Properties"]["Events"]["PurgeSchedule"];
    assert_eq!(schedule["Type"].as_str(), Some("Schedule"));
    let input = schedule["Properties"]["Input"].as_str().expect("input");
    let event: serde_json::Value = serde_json::from_str(input).expect("json");
    assert_eq!(event, serde_json::from_str::<serde_json::Value>(handler::lambda::PURGE_EVENT).expect("json"));
    assert!(handler::lambda::is_purge(&event) && !handler::lambda::is_scheduled(&event));
    assert!(schedule["Properties"]["Schedule"].as_str().is_some_and(|s| s.starts_with("rate(")));
    let l = super::lambda();
    let router = handler::app(l.state.clone());
    let invocation = lambda_http::LambdaEvent::new(event.clone(), lambda_http::Context::default());
    let body = handler::lambda::handle(Some(&l.state), router.clone(), invocation).await.expect("purged");
    assert_eq!((body["erased"].as_u64(), body["done"].as_bool()), (Some(0), Some(true)), "{body}");
    let invocation = lambda_http::LambdaEvent::new(event, lambda_http::Context::default());
    assert!(handler::lambda::handle(None, router, invocation).await.is_err(), "a function that did not start fails");
}

/// Exported 汇总表s (they list phones) are emptied by the bucket's lifecycle within a day, under
/// the folder the function writes them to and erasures clear; the role may write, read and
/// delete there.
#[test]
fn exports_expire_within_a_day() {
    let doc = template();
    let rules = doc["Resources"]["AttachmentsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
        .as_sequence()
        .expect("rules")
        .clone();
    let rule = rules.iter().find(|r| r["Prefix"].as_str() == Some(handler::ids::EXPORTS)).expect("a rule for exports/");
    assert_eq!((rule["Status"].as_str(), rule["ExpirationInDays"].as_u64()), (Some("Enabled"), Some(1)));
}

/// Every alarm's metric filter matches the `alarm` field the code sets (never a phrase a request
/// could make the function log), and every code the handler logs has its filter.
#[test]
fn alarms_match_a_field_only_the_code_sets() {
    let doc = template();
    let resources = doc["Resources"].as_mapping().expect("resources");
    let patterns: Vec<String> = resources
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Logs::MetricFilter"))
        .map(|r| r["Properties"]["FilterPattern"].as_str().expect("pattern").to_owned())
        .collect();
    let wanted: Vec<String> =
        handler::alarm::ALL.iter().map(|code| format!("{{ $.fields.alarm = \"{code}\" }}")).collect();
    let (mut found, mut expected) = (patterns, wanted);
    found.sort();
    expected.sort();
    assert_eq!(found, expected, "one filter per alarm code, on the field");
}
