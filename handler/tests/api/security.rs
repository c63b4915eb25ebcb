//! Security probes: the documented routes are the assembled ones; headers on every route;
//! tampered, replayed and cross-purpose tokens; a forged Host; a corpus of script in every
//! field; oversized, truncated and wrongly typed bodies.

use crate::helpers::{BASE, Options, TestApp, form_body, link_in_mail, spawn_app, spawn_app_with_site, spawn_with};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// `(METHOD, path)` of every route `handler::app` assembles, read from its source.
fn assembled_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../../src/lib.rs");
    let mut routes = BTreeSet::new();
    for chunk in source.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).expect("route path").to_owned();
        let end = chunk.find("\n        .route(").or_else(|| chunk.find(";")).unwrap_or(chunk.len());
        for method in ["get", "post"] {
            let calls = chunk[..end].matches(&format!("{method}(routes::")).count();
            if calls > 0 {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

/// `(METHOD, path)` of every operation in docs/openapi.yaml.
fn documented_routes() -> BTreeSet<(String, String)> {
    let spec: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(include_str!("../../../docs/openapi.yaml")).expect("openapi.yaml parses");
    let mut routes = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths") {
        for (method, _) in item.as_mapping().expect("path item") {
            routes.insert((method.as_str().expect("method").to_uppercase(), path.as_str().expect("path").to_owned()));
        }
    }
    routes
}

#[test]
fn the_openapi_file_documents_exactly_the_routes_the_code_assembles() {
    let assembled = assembled_routes();
    assert!(assembled.len() >= 20, "route parsing broke: {assembled:?}");
    assert_eq!(documented_routes(), assembled);
}

/// Real links of each kind for one application, taken the way people get them.
struct Links {
    status: String,
    review: String,
    dashboard: String,
    upload: String,
    verify: String,
}

async fn links(app: &TestApp, n: u32) -> Links {
    let response = app.apply(&testkit::sample_application(n)).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    let status = crate::helpers::confirm(app, body["reference"].as_str().expect("reference")).await;
    let review = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
    app.post_form("/dashboard", "email=hr-hohhot%40example.gov.cn").await;
    let dashboard = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/dashboard/");
    let target: Value = app
        .post_json("/api/uploads", &json!({"kind": "id_card", "size": 1000, "content_type": "application/pdf"}))
        .await
        .json()
        .await
        .expect("upload json");
    let upload = target["url"].as_str().expect("upload url").to_owned();
    let print = app.get(&format!("{status}/print")).await.text().await.expect("print");
    let at = print.find("/verify/").expect("check code on the print");
    let verify: String =
        print[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '/' || *c == '-').collect();
    Links { status, review, dashboard, upload, verify }
}

fn assert_secure(what: &str, response: &reqwest::Response) {
    let h = response.headers();
    let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let csp = get("content-security-policy");
    for directive in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
        assert!(csp.contains(directive), "{what}: CSP lacks {directive}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "no-referrer", "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert!(!get("permissions-policy").is_empty(), "{what}");
    assert!(response.status().as_u16() < 500, "{what}: {}", response.status());
}

#[tokio::test]
async fn every_route_answers_with_the_security_headers_and_link_pages_are_never_cached() {
    let app = spawn_app_with_site().await;
    let l = links(&app, 601).await;
    let fill = |path: &str| -> String {
        let token_of = |link: &str, prefix: &str| link.trim_start_matches(prefix).to_owned();
        let filled = if path.starts_with("/status/") {
            path.replace("{token}", &token_of(&l.status, "/status/"))
        } else if path.starts_with("/review/") {
            path.replace("{token}", &token_of(&l.review, "/review/"))
        } else if path.starts_with("/dashboard/") {
            path.replace("{token}", &token_of(&l.dashboard, "/dashboard/"))
        } else if path.starts_with("/api/uploads/local/") {
            l.upload.clone()
        } else if path.starts_with("/verify/") {
            l.verify.clone()
        } else {
            path.to_owned()
        };
        filled.replace("{index}", "0")
    };
    for (method, path) in assembled_routes() {
        let url = format!("{}{}", app.address, fill(&path));
        let response = match method.as_str() {
            "GET" => app.client.get(&url).send().await.expect("get"),
            _ => app
                .client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("a=b")
                .send()
                .await
                .expect("post"),
        };
        let what = format!("{method} {path}");
        assert_secure(&what, &response);
        // Every route the handler answers, whatever it is (/apply/check and /apply/confirm carry
        // the answers), is never cached.
        let cache = response.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(cache.contains("no-store"), "{what}: cache-control {cache:?}");
    }
    // Static pages, unknown paths and refusals too.
    for path in ["/", "/missing/", "/api/nothing", "/status/garbage", "/review/x.y"] {
        assert_secure(path, &app.get(path).await);
    }
}

/// Changes the character at `at` (counted from the end when negative) of a link's token.
fn change(link: &str, at: isize) -> String {
    let mut chars: Vec<char> = link.chars().collect();
    let i = if at < 0 { chars.len() - at.unsigned_abs() } else { at as usize };
    chars[i] = match chars[i] {
        '0'..='8' => char::from(chars[i] as u8 + 1),
        '9' => '0',
        'A' => 'B',
        _ => 'A',
    };
    chars.into_iter().collect()
}

async fn version(app: &TestApp, status: &str) -> u64 {
    app.get_json(status).await.json::<Value>().await.expect("json")["version"].as_u64().expect("version")
}

#[tokio::test]
async fn tampered_replayed_and_cross_purpose_tokens_never_act() {
    let app = spawn_app_with_site().await;
    let l = links(&app, 602).await;
    let approve = |path: String| {
        let app = &app;
        async move { app.post_form(&path, "decision=approve").await.status().as_u16() }
    };

    // Tampered anywhere: purpose, reference, stage, version, expiry, key id, signature.
    let token = l.review.trim_start_matches("/review/").to_owned();
    let dots: Vec<usize> = token.match_indices('.').map(|(i, _)| i).collect();
    let prefix = "/review/".len();
    let mut positions: Vec<isize> = vec![prefix as isize, -1, -10];
    positions.extend(dots.iter().map(|d| (prefix + d + 1) as isize));
    for at in positions {
        let forged = change(&l.review, at);
        assert_ne!(forged, l.review);
        let shown = app.get(&forged).await.status().as_u16();
        assert!(matches!(shown, 403 | 410), "{forged}: GET {shown}");
        let acted = approve(forged.clone()).await;
        assert!(matches!(acted, 403 | 410), "{forged}: POST {acted}");
    }
    // A unit link re-labelled as the HR stage, and one signed with another key of the same id.
    assert_eq!(approve(l.review.replacen(".unit.", ".hr.", 1)).await, 403);
    let stranger = policy::Signer::new("k1", b"not the server's key, but long enough");
    let reference = token.split('.').nth(1).expect("reference").to_owned();
    let claims = policy::Wire {
        purpose: policy::Purpose::Review,
        reference: reference.clone(),
        stage: "unit".into(),
        extra: None,
        version: 1,
        expires: 4_000_000_000,
    };
    assert_eq!(approve(format!("/review/{}", stranger.sign_wire(&claims))).await, 403);
    assert_eq!(version(&app, &l.status).await, 2, "a refused link changed the application");

    // Cross-purpose: each kind of link on every other kind of page.
    let status_token = l.status.trim_start_matches("/status/");
    let dashboard_token = l.dashboard.trim_start_matches("/dashboard/");
    let upload_token = l.upload.trim_start_matches("/api/uploads/local/");
    for (path, expected) in [
        (format!("/review/{status_token}"), 403),
        (format!("/review/{dashboard_token}"), 403),
        (format!("/review/{upload_token}"), 403),
        (format!("/status/{token}"), 403),
        (format!("/status/{dashboard_token}"), 403),
        (format!("/status/{token}/print"), 403),
        (format!("/dashboard/{token}"), 403),
        (format!("/dashboard/{status_token}/summary.csv"), 403),
    ] {
        assert_eq!(app.get(&path).await.status().as_u16(), expected, "{path}");
    }
    assert_eq!(approve(format!("/review/{status_token}")).await, 403, "a status link approved");
    assert_eq!(approve(format!("/status/{token}")).await, 403);
    assert_eq!(version(&app, &l.status).await, 2);

    // Replayed: the genuine link acts once; the same POST again changes nothing.
    assert_eq!(approve(l.review.clone()).await, 303);
    assert_eq!(version(&app, &l.status).await, 3);
    for _ in 0..3 {
        assert_eq!(approve(l.review.clone()).await, 409);
    }
    assert_eq!(version(&app, &l.status).await, 3);
    let events = app.store.events(&reference).await.expect("events");
    assert_eq!(events.iter().map(|e| e.kind.code()).collect::<Vec<_>>(), ["submitted", "confirmed", "approved"]);
}

#[tokio::test]
async fn a_forged_host_header_never_reaches_links_in_mail() {
    let app = spawn_app_with_site().await;
    let forged = |request: reqwest::RequestBuilder| {
        request
            .header("host", "evil.example.com")
            .header("x-forwarded-host", "evil.example.com")
            .header("x-forwarded-proto", "http")
            .header("forwarded", "host=evil.example.com;proto=http")
    };
    let url = |path: &str| format!("{}{path}", app.address);
    let response = forged(app.client.post(url("/api/applications")))
        .json(&app.with_documents(&testkit::sample_application(603)).await)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    let reference = body["reference"].as_str().expect("reference").to_owned();
    let confirm = body["confirm_url"].as_str().expect("confirm_url");
    assert!(confirm.starts_with(&format!("{BASE}/confirm/")), "{confirm}");
    forged(app.client.post(url("/api/status-link")))
        .json(&json!({"reference": reference, "email": "applicant603@example.com"}))
        .send()
        .await
        .expect("post");
    forged(app.client.post(url("/dashboard")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=hr-hohhot%40example.gov.cn")
        .send()
        .await
        .expect("post");
    // Confirmed, the status link asked again: now it is mailed.
    crate::helpers::confirm(&app, &reference).await;
    forged(app.client.post(url("/api/status-link")))
        .json(&json!({"reference": reference, "email": "applicant603@example.com"}))
        .send()
        .await
        .expect("post");
    let mails = app.mails();
    assert!(mails.len() >= 4, "{} mails", mails.len());
    for mail in &mails {
        for part in [&mail.text, &mail.html] {
            assert!(!part.contains("evil.example.com"), "forged host in mail to {}", mail.to);
            // The code mail, to an address not yet proven, carries no link at all.
            if !mail.subject.contains("邮箱验证码") {
                assert!(part.contains(BASE), "mail to {} has no link on the configured host", mail.to);
            }
        }
    }
    let before_confirmation = mails.iter().take_while(|m| m.subject.contains("邮箱验证码") || m.to.starts_with("hr-"));
    assert!(before_confirmation.count() >= 2, "the status link asked before confirmation mailed nothing");
}

/// Script, markup, template and formula payloads.
const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<a href=\"javascript:alert(1)\">点我</a>",
    "{{ 7*7 }}{% raw %}<b>",
    "=HYPERLINK(\"//evil.example\",\"<i>\")",
    "<iframe src=//evil.example.com>",
];

const TEXT_FIELDS: &[&str] =
    &["name", "school", "major", "title_name", "employer", "county", "profession", "host_institution", "plan"];

fn assert_no_raw(what: &str, text: &str, payload: &str) {
    assert!(!text.contains(payload), "{what}: the payload {payload:?} appears unescaped");
    for marker in ["<script>alert", "<img src=x", "<svg/onload", "<iframe", "href=\"javascript:"] {
        assert!(!text.contains(marker), "{what}: {marker:?} in the output");
    }
}

#[tokio::test]
async fn a_corpus_of_script_in_every_field_is_inert_in_pages_mail_print_dashboard_and_summary() {
    let app = spawn_app_with_site().await;
    for (i, payload) in XSS.iter().enumerate() {
        let n = 610 + i as u32;
        let mut form = testkit::sample_application(n);
        for field in TEXT_FIELDS {
            form[*field] = format!("{payload}{field}").into();
        }
        let response = app.apply(&form).await;
        assert_eq!(response.status(), 201, "{payload}: {}", response.text().await.unwrap_or_default());
        let body: Value = response.json().await.expect("json");
        let status = crate::helpers::confirm(&app, body["reference"].as_str().expect("reference")).await;
        let review = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
        for path in [status.clone(), review.clone(), format!("{status}/print"), format!("{review}/print")] {
            let page = app.get(&path).await.text().await.expect("page");
            assert_no_raw(&path, &page, payload);
        }
        // Fields that take only codes, given the payload: refused, and the form page escapes it.
        let mut coded = testkit::sample_application(n + 100);
        for field in ["gender", "ethnicity", "education", "league", "track", "phone", "email", "id_number"] {
            coded[field] = (*payload).into();
        }
        let refused = app.post_form("/api/applications", &form_body(&coded)).await;
        assert_eq!(refused.status(), 422, "{payload}");
        assert_no_raw("the form with errors", &refused.text().await.expect("html"), payload);
    }
    for mail in app.mails() {
        assert_no_raw(&format!("mail to {}", mail.to), &mail.html, "<script>alert(1)</script>");
    }
    // The HR dashboard and the 汇总表 show every one of them inert.
    app.post_form("/dashboard", "email=hr-hohhot%40example.gov.cn").await;
    let dashboard = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/dashboard/");
    let page = app.get(&dashboard).await.text().await.expect("dashboard");
    for payload in XSS {
        assert_no_raw("dashboard", &page, payload);
    }
    let csv = app.get(&format!("{dashboard}/summary.csv?all=1")).await.text().await.expect("csv");
    assert!(!csv.contains(",\"=HYPERLINK") && csv.contains("\"'=HYPERLINK"), "a formula is live in the CSV");
}

#[tokio::test]
async fn oversized_truncated_and_wrongly_typed_bodies_are_refused_cleanly() {
    // Hundreds of requests from one address on purpose: limits a hundred times wider.
    let app = spawn_with(Options { site: true, limit_scale: 100, ..Options::default() }).await;
    let l = links(&app, 640).await;
    let send = |path: String, kind: &'static str, body: Vec<u8>| {
        let request = app.client.post(format!("{}{path}", app.address)).header("content-type", kind).body(body);
        async move { request.send().await.expect("post").status().as_u16() }
    };
    let json_routes = ["/api/applications", "/api/eligibility", "/api/uploads", "/api/status-link", "/dashboard"];
    let valid = serde_json::to_vec(&testkit::sample_application(641)).expect("json");
    for path in json_routes {
        // Truncated at every tenth byte of a valid application: refused, never a 5xx.
        for cut in (1..valid.len()).step_by(valid.len() / 10) {
            let status = send(path.to_owned(), "application/json", valid[..cut].to_vec()).await;
            assert!((400..500).contains(&status), "{path} truncated at {cut}: {status}");
        }
        // Oversized: 3 MB of JSON.
        let huge = format!("{{\"plan\": \"{}\"}}", "很".repeat(1_000_000)).into_bytes();
        assert_eq!(send(path.to_owned(), "application/json", huge).await, 413, "{path}");
        // Not JSON at all, or JSON of the wrong shape.
        for body in ["\u{0}\u{1}", "[]", "null", "1e999", "\"x\"", "{\"a\":{\"b\":{\"c\":[[[[[[[[]]]]]]]]}}}"] {
            let status = send(path.to_owned(), "application/json", body.as_bytes().to_vec()).await;
            assert!((200..500).contains(&status) && status != 201, "{path} {body:?}: {status}");
        }
    }
    // Every field of the application with a value of the wrong type: 400 or 422 naming it, never 5xx.
    let sample = testkit::sample_application(642);
    for field in sample.as_object().expect("object").keys() {
        for wrong in [json!(12345), json!([1, 2]), json!({"x": 1}), json!(true), json!(-1.5e300)] {
            let mut body = sample.clone();
            body[field] = wrong.clone();
            let response = app.apply(&body).await;
            let status = response.status().as_u16();
            // (409: a wrong-typed value that reads as valid, e.g. `true` for a box, repeats an applicant.)
            assert!(matches!(status, 201 | 400 | 409 | 422), "{field} = {wrong}: {status}");
        }
    }
    // Forms: broken percent-encoding, binary, a multipart body cut short, a decision too long.
    for body in [b"name=%E4%B9%8&x=%%%".to_vec(), vec![0xff, 0xfe, 0x00, 0x3d], b"=&=&&==".to_vec()] {
        let status = send("/api/applications".into(), "application/x-www-form-urlencoded", body.clone()).await;
        assert!(matches!(status, 400 | 422), "form {body:?}: {status}");
        let status = send(l.review.clone(), "application/x-www-form-urlencoded", body).await;
        assert_eq!(status, 422);
    }
    let cut = b"--XX\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n\xe4\xb9".to_vec();
    let status = send("/api/applications".into(), "multipart/form-data; boundary=XX", cut.clone()).await;
    assert!((400..500).contains(&status), "truncated multipart: {status}");
    let status = send(l.upload.clone(), "multipart/form-data; boundary=XX", cut).await;
    assert!((400..500).contains(&status), "truncated upload: {status}");
    let long = format!("decision=return&comment={}", "很".repeat(5000));
    assert_eq!(send(l.review.clone(), "application/x-www-form-urlencoded", long.into_bytes()).await, 422);
    assert_eq!(version(&app, &l.status).await, 2, "nothing above changed the application");
}

/// A form another site posts (its browser says `Sec-Fetch-Site: cross-site`, or names its
/// origin) is refused before anything is counted or mailed on the anonymous routes too: the
/// application form, 核对信息, the status link asked again and a dashboard link asked for
/// (found by the red team: they were processed). Scripts, which send neither header, are not.
#[tokio::test]
async fn anonymous_forms_posted_from_another_site_are_refused() {
    let app = spawn_app().await;
    let form = testkit::form_body(&testkit::sample_application(330));
    let routes: [(&str, String); 4] = [
        ("/api/applications", form.clone()),
        ("/apply/check", form),
        ("/api/status-link", "reference=TP2025-AAAAAA&email=a%40example.com".to_owned()),
        ("/dashboard", "email=hr-hohhot%40example.gov.cn".to_owned()),
    ];
    for (path, body) in &routes {
        for (name, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
            let answer = app
                .client
                .post(format!("{}{path}", app.address))
                .header("content-type", "application/x-www-form-urlencoded")
                .header(name, value)
                .body(body.clone())
                .send()
                .await
                .expect("post");
            assert_eq!(answer.status(), 403, "{path} with {name}: {value}");
        }
    }
    assert!(app.mails().is_empty(), "nothing mailed");
    assert!(app.store.list(2025, None).await.expect("list").is_empty(), "nothing stored");
    // A script's post, with neither header, is taken as before.
    assert_eq!(app.post_form("/api/status-link", "reference=TP2025-AAAAAA&email=a%40example.com").await.status(), 200);
}
