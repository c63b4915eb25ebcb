//! Behind the CDN every 404 becomes the site's `/404.html`: CloudFront's custom error responses
//! belong to the whole distribution, not to a path pattern (`DistributionConfig`'s
//! `CustomErrorResponses`), and docs/deploy.md maps 404 only. So the handler answers 404 only
//! where that page says the same (an address that leads nowhere), and every answer whose words
//! matter has another status: 410 for a record or file a link of ours named, 403 for a 核验码 that
//! does not verify or a deployment without uploads, 422 for a reference the centre typed wrong.
//! The CDN may list the site bucket, so a page that is not there is a 404, never a 403.

use serde_yaml_ng::Value;
use tower::ServiceExt;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("root").to_owned()
}

/// `NOT_FOUND` is written once in the Lambda's code, in `AppError::no_such_page`, whose title
/// is the site's 404 page's; no route of docs/openapi.yaml documents a 404.
#[test]
fn the_handler_answers_404_only_as_the_sites_own_404_page_would() {
    let mut places = Vec::new();
    for (file, code) in super::calls::lambda_code(&root()) {
        for (n, line) in code.lines().enumerate() {
            if line.contains("NOT_FOUND") || line.contains("from_u16(404") {
                places.push(format!("{file}:{}", n + 1));
            }
        }
    }
    assert_eq!(places.len(), 1, "a 404 behind the CDN shows the site's 页面不存在, whatever it said: {places:?}");
    let error = include_str!("../../../src/http/error.rs");
    let one = error.split("pub fn no_such_page").nth(1).expect("no_such_page").lines().nth(1).expect("body");
    assert!(one.contains("NOT_FOUND"), "{one}");
    let site = std::fs::read_to_string(root().join("content/404.md")).expect("the site's 404 page");
    let title = site.lines().find_map(|l| l.strip_prefix("title = ")).expect("title").trim_matches('"');
    assert!(one.contains(&format!("\"{title}\"")), "the handler's 404 says {one}, the site's {title}");

    let doc: Value = serde_yaml_ng::from_str(include_str!("../../../../docs/openapi.yaml")).expect("openapi");
    for (path, operations) in doc["paths"].as_mapping().expect("paths") {
        for (method, operation) in operations.as_mapping().expect("operations") {
            assert!(operation["responses"]["404"].is_null(), "{method:?} {path:?} documents a 404");
        }
    }
}

/// The answers whose words a person reads, each with a status the CDN passes through.
#[tokio::test]
async fn what_a_person_reads_is_never_a_404() {
    let app = crate::helpers::spawn_app().await;
    // A status link of ours whose record the store no longer has (a restored table): 410.
    let claims = policy::StatusClaims { reference: "TP2025-ABCDEF".into(), mailbox: 0 };
    let gone = format!("/status/{}", app.signer.sign(&claims, i64::MAX / 2));
    let page = app.get(&gone).await;
    assert_eq!(page.status(), 410);
    assert!(page.text().await.expect("page").contains("找不到这份申报"));
    let json: serde_json::Value = app.get_json(&gone).await.json().await.expect("json");
    assert_eq!(json["error"], "gone");
    // The centre types a reference that is not there: the form's mistake, 422, naming it.
    assert_eq!(app.post_form("/dashboard", "email=centre@example.gov.cn").await.status(), 200);
    let centre = crate::helpers::link_in_mail(&app.mails(), "centre@example.gov.cn", "/dashboard/");
    let void = app.post_form(&format!("{centre}/void"), "reference=tp2025-abcdef&reason=x").await;
    assert_eq!(void.status(), 422);
    assert!(void.text().await.expect("page").contains("找不到申报编号为TP2025-ABCDEF的申报"));
    let erase = app.post_form(&format!("{centre}/erase"), "reference=TP2025-ABCDEF&answer=decline&reason=x").await;
    assert_eq!(erase.status(), 422);
    // A 核验码 that does not verify: 403 saying so.
    let verify = app.get("/verify/TP2025-AAAAAA.0123456789ABCDEF.0123456789ab").await;
    assert_eq!(verify.status(), 403);
    assert!(verify.text().await.expect("page").contains("无法核验"));

    // On a deployment without a bucket the form's upload is refused in JSON, 403.
    let l = super::lambda();
    let request = axum::http::Request::post("/api/uploads")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            r#"{"kind":"id_card","name":"a.pdf","size":1000,"content_type":"application/pdf","submission_id":"s-1"}"#,
        ))
        .expect("request");
    let response = handler::app(l.state.clone()).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), 403);
    // The one 404: an unknown path, in JSON, as the site's page would say it.
    let request = axum::http::Request::get("/api/nothing-here").body(axum::body::Body::empty()).expect("request");
    let response = handler::app(l.state.clone()).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), 404);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!((body["error"].as_str(), body["message"].as_str()), (Some("not_found"), Some("请求的地址不存在")));
}

/// The CDN's principal may read the site's objects and list the bucket (so a page that is not
/// there is 404, which the CDN maps to `/404.html`), and nothing else: the template's own
/// distribution through its origin access identity, or a domestic CDN's role (`SiteReaderArn`,
/// an ARN without spaces, which SAM CLI would cut).
#[test]
fn the_cdn_may_list_the_site_bucket() {
    let doc: Value = serde_yaml_ng::from_str(handler::store::TEMPLATE).expect("template");
    let statements = doc["Resources"]["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .expect("statements");
    // (condition, principal, action, resource) of each statement given under a condition.
    let granted: Vec<(String, String, String, String)> = statements
        .iter()
        .filter_map(|s| match s {
            Value::Tagged(t) if t.tag == "!If" => t.value.as_sequence().map(|items| (&items[0], &items[1])),
            _ => None,
        })
        .map(|(condition, s)| {
            assert_eq!(s["Effect"].as_str(), Some("Allow"));
            let resource = match &s["Resource"] {
                Value::Tagged(t) => t.value.as_str().expect("!Sub text").to_owned(),
                other => panic!("{other:?}"),
            };
            let condition = condition.as_str().expect("condition").to_owned();
            (condition, format!("{:?}", s["Principal"]), s["Action"].as_str().expect("one action").to_owned(), resource)
        })
        .collect();
    assert_eq!(granted.len(), 4, "{granted:?}");
    for (condition, reader) in
        [("HasSiteReader", "SiteReaderArn"), ("CreateCloudFront", "SiteOriginAccessIdentity.S3CanonicalUserId")]
    {
        let mine: Vec<_> = granted.iter().filter(|g| g.0 == condition).collect();
        assert_eq!(mine.len(), 2, "{condition}: {granted:?}");
        assert!(mine.iter().all(|g| g.1.contains(reader)), "{condition}: {mine:?}");
        let find = |action: &str| mine.iter().find(|g| g.2 == action).map(|g| g.3.clone()).expect(action);
        assert_eq!(find("s3:GetObject"), "arn:${AWS::Partition}:s3:::${SiteBucket}/*");
        assert_eq!(find("s3:ListBucket"), "arn:${AWS::Partition}:s3:::${SiteBucket}", "the bucket itself");
    }
    let pattern = doc["Parameters"]["SiteReaderArn"]["AllowedPattern"].as_str().expect("pattern");
    let pattern = regex::Regex::new(pattern).expect("a regex");
    for good in ["", "arn:aws-cn:iam::123456789012:role/cdn-origin-fetch", "arn:aws:iam::123456789012:user/cdn"] {
        assert!(pattern.is_match(good), "{good}");
    }
    for bad in [
        "arn:aws-cn:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE",
        "arn:aws-cn:iam::cloudfront:user/CloudFront",
    ] {
        assert!(!pattern.is_match(bad), "{bad}");
    }
}

/// `PublicBaseUrl` is an https origin on the default port: a CDN's alternate domain name has no
/// port and the mailed links must reach the CDN, so a port, a path or a slash is refused at deploy.
#[test]
fn the_public_base_url_has_no_port_or_path() {
    let doc: Value = serde_yaml_ng::from_str(handler::store::TEMPLATE).expect("template");
    let pattern = doc["Parameters"]["PublicBaseUrl"]["AllowedPattern"].as_str().expect("pattern");
    let pattern = regex::Regex::new(pattern).expect("a regex");
    for good in ["https://tepei.example.gov.cn", "https://rsj.nmg.gov.cn", "https://a-b.example.com"] {
        assert!(pattern.is_match(good), "{good}");
    }
    for bad in [
        "https://tepei.example.gov.cn:8443",
        "https://tepei.example.gov.cn/",
        "https://tepei.example.gov.cn/apply",
        "http://tepei.example.gov.cn",
        "https://localhost",
        "https://-x.example.com",
        "https://tepei.example.gov.cn ",
    ] {
        assert!(!pattern.is_match(bad), "{bad}");
    }
}
