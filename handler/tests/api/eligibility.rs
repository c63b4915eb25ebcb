//! `POST /api/eligibility` as JSON and as a plain form.

use crate::helpers::spawn_app;
use serde_json::{Value, json};

fn profile() -> Value {
    json!({
        "track": "out", "unit_level": "league", "league": "hohhot", "ethnicity": "蒙古族",
        "birth_date": "1985-06-01", "education": "master", "title_level": "intermediate",
        "profession_start": "2018-09", "health_ok": true, "pledge": true
    })
}

#[tokio::test]
async fn health_answers_ok() {
    let app = spawn_app().await;
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.expect("json"), json!({"status": "ok"}));
}

#[tokio::test]
async fn eligible_profile_is_routed() {
    let app = spawn_app().await;
    let response = app.post_json("/api/eligibility", &profile()).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body, json!({"eligible": true, "programme": "region", "track": "out", "reasons": []}));
}

#[tokio::test]
async fn every_failed_condition_is_a_reason() {
    let app = spawn_app().await;
    let mut p = profile();
    p["ethnicity"] = json!("汉族");
    p["birth_date"] = json!("1979-03-21");
    p["profession_start"] = json!("2021-01");
    p["pledge"] = json!(false);
    let body: Value = app.post_json("/api/eligibility", &p).await.json().await.expect("json");
    assert_eq!(body["eligible"], false);
    assert_eq!(body["programme"], "region");
    let fields: Vec<&str> =
        body["reasons"].as_array().expect("array").iter().map(|r| r["field"].as_str().expect("field")).collect();
    assert_eq!(fields, ["ethnicity", "birth_date", "education", "pledge"]);
    assert!(body["reasons"][1]["message"].as_str().expect("msg").contains("1979年3月22日"));
}

#[tokio::test]
async fn east_league_goes_to_northeast_and_id_number_gives_the_age() {
    let app = spawn_app().await;
    let mut p = profile();
    p["league"] = json!("兴安盟");
    p.as_object_mut().expect("object").remove("birth_date");
    p["id_number"] = json!("11010519491231002X");
    let body: Value = app.post_json("/api/eligibility", &p).await.json().await.expect("json");
    assert_eq!((body["eligible"].clone(), body["programme"].clone()), (json!(true), json!("northeast")));
}

#[tokio::test]
async fn malformed_bodies_are_400_not_500() {
    let app = spawn_app().await;
    for body in ["{", "[]", "{\"track\": 5}", "null"] {
        let response = app
            .client
            .post(format!("{}/api/eligibility", app.address))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 400, "{body}");
        let json: Value = response.json().await.expect("json");
        assert_eq!(json["error"], "bad_request");
        assert!(json["message"].as_str().expect("message").contains("JSON"));
    }
    let response = app
        .client
        .post(format!("{}/api/eligibility", app.address))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 415);
    let big = "a".repeat(70 * 1024);
    let response = app.post_form("/api/eligibility", &format!("track={big}")).await;
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn plain_form_gets_a_verdict_page_that_keeps_the_answers() {
    let app = spawn_app().await;
    let body = "track=in&unit_level=league&league=hohhot&ethnicity=%E6%B1%89%E6%97%8F&birth_date=1995-01-01&education=bachelor&title_level=none&profession_start=2020-01&health_ok=on&pledge=on";
    let response = app.post_form("/api/eligibility", body).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().expect("ascii").starts_with("text/html"));
    let html = response.text().await.expect("text");
    assert!(html.contains("暂不符合申报条件"), "{html}");
    assert!(html.contains("区内培养只面向以下单位的专业技术人才"));
    assert!(html.contains("<a href=\"#f-unit_level\">"));
    // The answers are kept in the form.
    assert!(html.contains("<option value=\"汉族\" selected>"));
    assert!(html.contains("value=\"1995-01-01\""));
    assert!(html.contains("id=\"f-health_ok\" checked"));
    // Same layout as the generated pages.
    assert!(html.contains("<nav class=\"site-nav\" aria-label=\"主导航\">"));
    // A form asking for JSON gets JSON.
    let response = app
        .client
        .post(format!("{}/api/eligibility", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    let json: Value = response.json().await.expect("json");
    assert_eq!(json["eligible"], false);
}

/// Nothing filled in: what to answer, as an error summary leading to each question, not a
/// verdict (and never a question the page does not ask, such as the 身份证号).
#[tokio::test]
async fn an_empty_self_check_asks_what_to_answer() {
    let app = spawn_app().await;
    let response = app.post_form("/api/eligibility", "track=").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("text");
    assert!(html.contains("请先回答以下8个问题，再核对资格"), "{html}");
    for field in
        ["unit_level", "ethnicity", "birth_date", "education", "title_level", "profession_start", "health_ok", "pledge"]
    {
        assert!(html.contains(&format!("<a href=\"#f-{field}\">")), "{field}");
    }
    assert!(!html.contains("暂不符合") && !html.contains("身份证"), "{html}");
    // One answer left: only it is asked for.
    let body = "unit_level=league&league=hohhot&ethnicity=%E8%92%99%E5%8F%A4%E6%97%8F&birth_date=1990-01-01&education=master&title_level=intermediate&profession_start=2015-07&health_ok=on";
    let html = app.post_form("/api/eligibility", body).await.text().await.expect("text");
    assert!(html.contains("请先回答以下1个问题") && html.contains("<a href=\"#f-pledge\">"), "{html}");
}

#[tokio::test]
async fn script_in_answers_is_escaped() {
    let app = spawn_app().await;
    let response = app
        .post_form("/api/eligibility", "ethnicity=%3Cscript%3Ealert(1)%3C%2Fscript%3E&birth_date=%22%3E%3Cimg")
        .await;
    let html = response.text().await.expect("text");
    assert!(!html.contains("<script>alert(1)"));
    assert!(!html.contains("\"><img"));
    assert!(html.contains("&quot;&gt;&lt;img"));
}
