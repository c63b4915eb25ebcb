//! Property: random decisions by concurrent actors on the real app (HTTP, on SQLite and on
//! DynamoDB Local) never exceed a quota, never skip a stage and never lose an event. Each round,
//! every actor reads the application as its page would show it, then all act at once on what
//! they read.

use crate::helpers::{Options, TestApp, form_body, spawn_with};
use handler::store::{DynamoStore, Store, TableSpec};
use policy::{Action, Actor, Purpose, Signer, Status, Wire, step};
use proptest::prelude::*;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// What an actor tries.
#[derive(Clone, Copy, Debug)]
enum Move {
    Approve(Actor),
    /// HR records the stamped paper by the code printed on the form as it is now.
    Paper,
    Return(Actor),
    Select,
    Withdraw,
    Resubmit,
}

fn a_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        3 => Just(Move::Approve(Actor::Unit)),
        3 => Just(Move::Approve(Actor::Hr)),
        3 => Just(Move::Paper),
        1 => Just(Move::Return(Actor::Unit)),
        1 => Just(Move::Return(Actor::Hr)),
        1 => Just(Move::Select),
        1 => Just(Move::Withdraw),
        2 => Just(Move::Resubmit),
    ]
}

/// The programme with `cap` places in 自治区特培 区外 (the sample applications' stream).
fn programme_with_cap(cap: u32) -> policy::Programme {
    let text = policy::PROGRAMME_TOML.replacen("quota = 50", &format!("quota = {cap}"), 1);
    assert_ne!(text, policy::PROGRAMME_TOML, "the region-out quota line moved");
    policy::Programme::parse(&text).expect("programme")
}

struct Applicant {
    n: u32,
    reference: String,
    status_path: String,
}

async fn seen(app: &TestApp, who: &Applicant) -> (Status, u64) {
    let body: Value = app.get_json(&who.status_path).await.json().await.expect("status json");
    let status = Status::from_code(body["status"].as_str().expect("status")).expect("known status");
    (status, body["version"].as_u64().expect("version"))
}

/// Acts on what was seen; true when the app answered that the change was made (303).
async fn act(app: &TestApp, who: &Applicant, version: u64, action: Move) -> bool {
    let key = b"test key that is long enough for hmac";
    let signer = Signer::new("k1", key);
    // Each stage's link as it is mailed: to the stage's audience and reviewer (config/reviewers.toml).
    let review = |stage: &str| {
        let unit = format!("unit{}@example.gov.cn", who.n);
        let (audience, address) = match stage {
            "unit" => ("unit", unit.as_str()),
            "hr" => ("l-hohhot", "hr-hohhot@example.gov.cn"),
            _ => ("centre", "centre@example.gov.cn"),
        };
        let recipient = policy::IssuedTo::recipient_hash(key, address);
        let claims = Wire {
            purpose: Purpose::Review,
            reference: who.reference.clone(),
            stage: stage.to_owned(),
            extra: Some(format!("{audience}_{recipient}")),
            version,
            expires: 4_000_000_000,
        };
        format!("/review/{}", signer.sign_wire(&claims))
    };
    let (path, body) = match action {
        Move::Approve(actor) => (review(actor.code()), "decision=approve".to_owned()),
        Move::Return(actor) => (review(actor.code()), "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85".to_owned()),
        Move::Select => (review("centre"), "decision=select".to_owned()),
        Move::Paper => {
            let code = crate::helpers::printed_code(app, &who.status_path).await;
            (review("hr"), format!("decision=paper_received&code={code}"))
        }
        Move::Withdraw => (who.status_path.clone(), format!("decision=withdraw&version={version}&confirm=on")),
        Move::Resubmit => (
            who.status_path.clone(),
            format!("{}&decision=resubmit&version={version}", form_body(&testkit::sample_application(who.n))),
        ),
    };
    let answer = app.post_form(&path, &body).await;
    let status = answer.status().as_u16();
    assert!(matches!(status, 303 | 403 | 409 | 422), "{action:?} answered {status}");
    // A paper recorded already is answered as done and changes nothing (`paper=again`).
    let again = answer.headers().get("location").is_some_and(|l| l.to_str().is_ok_and(|l| l.ends_with("paper=again")));
    status == 303 && !again
}

/// A fresh table on one DynamoDB Local shared by the cases.
pub async fn dynamo_store() -> Arc<dyn Store> {
    Arc::new(dynamo_table().await.0)
}

/// The one DynamoDB Local of this test binary (started on first use, stopped when it exits):
/// its endpoint. Every user takes a table of its own.
pub async fn dynamo_endpoint() -> String {
    static DYNAMO: OnceLock<testkit::Service> = OnceLock::new();
    let port = tokio::task::spawn_blocking(|| DYNAMO.get_or_init(|| testkit::start_dynamodb_local(None)).port)
        .await
        .expect("dynamodb local");
    format!("http://127.0.0.1:{port}")
}

/// A fresh table on the shared DynamoDB Local, with a client to read its items raw and its name.
pub async fn dynamo_table() -> (DynamoStore, aws_sdk_dynamodb::Client, String) {
    let endpoint = dynamo_endpoint().await;
    let client = handler::config::dynamo_client(Some(&endpoint)).await;
    let table = format!("m{}", handler::ids::random_id());
    // Created through a client without the handler's 2 s per attempt: on a busy machine
    // DynamoDB Local can take longer to create a table, and a CreateTable cut short and retried
    // finds its own table already there.
    let admin = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version_latest()
            .endpoint_url(&endpoint)
            .region(aws_sdk_dynamodb::config::Region::new("cn-north-1"))
            .credentials_provider(aws_credential_types::Credentials::new("local", "local", None, None, "test"))
            .build(),
    );
    DynamoStore::new(admin, &table)
        .create_table(&TableSpec::embedded().expect("infra/template.yaml"))
        .await
        .expect("table");
    (DynamoStore::new(client.clone(), &table), client, table)
}

async fn run(
    cap: u32,
    applicants: u32,
    rounds: Vec<Vec<(usize, Move)>>,
    store: Option<Arc<dyn Store>>,
) -> Result<(), TestCaseError> {
    let app = spawn_with(Options { programme: Some(programme_with_cap(cap)), store, ..Options::default() }).await;
    let mut people = Vec::new();
    for i in 0..applicants {
        let n = 900 + i;
        let response = app.apply(&testkit::sample_application(n)).await;
        prop_assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.expect("json");
        people.push(Applicant {
            n,
            reference: body["reference"].as_str().expect("reference").to_owned(),
            status_path: crate::helpers::confirm(&app, body["reference"].as_str().expect("reference")).await,
        });
    }
    let mut acknowledged = 0usize;
    for round in rounds {
        let mut views = Vec::new();
        for (who, _) in &round {
            views.push(seen(&app, &people[who % people.len()]).await);
        }
        let attempts = round.iter().zip(&views).map(|((who, action), (_, version))| {
            let person = &people[who % people.len()];
            act(&app, person, *version, *action)
        });
        acknowledged += futures_util::future::join_all(attempts).await.into_iter().filter(|done| *done).count();

        // Never more places than the cap, and the counter agrees with the statuses.
        let holding = count_holding(&app).await;
        prop_assert!(holding <= cap as usize, "{holding} places taken of {cap}");
        prop_assert_eq!(app.store.quota_used("region-out").await.expect("quota") as usize, holding);
    }

    // Never skip a stage, never lose an event: each application's events are a walk of the one
    // state machine from `unconfirmed` (confirmed at once), its version counts them, and every
    // change the app acknowledged is one of them.
    let mut recorded = 0usize;
    for person in &people {
        let record = app.store.get(&person.reference).await.expect("get").expect("record");
        let events = app.store.events(&person.reference).await.expect("events");
        prop_assert_eq!(events[0].kind.code(), "submitted");
        prop_assert_eq!(events[0].status, Status::Unconfirmed);
        prop_assert_eq!((events[1].kind.code(), events[1].status), ("confirmed", Status::UnitReview));
        for (i, e) in events.iter().enumerate() {
            prop_assert_eq!(e.seq as usize, i + 1);
        }
        for pair in events.windows(2) {
            let actor = pair[1].actor;
            let allowed = [
                Action::Approve,
                Action::Return,
                Action::Resubmit,
                Action::Withdraw,
                Action::Select,
                Action::PaperReceived,
                Action::Confirm,
            ]
            .into_iter()
            .filter_map(|action| step(pair[0].status, actor, action))
            .any(|s| s.to == pair[1].status && s.event == pair[1].kind);
            prop_assert!(allowed, "{:?} -> {:?} by {:?}", pair[0].status, pair[1].status, pair[1].actor);
        }
        prop_assert_eq!(record.version as usize, events.len());
        prop_assert_eq!(Some(record.status), events.last().map(|e| e.status));
        recorded += events.len() - 2;
    }
    prop_assert_eq!(recorded, acknowledged);
    Ok(())
}

async fn count_holding(app: &TestApp) -> usize {
    let all = app.store.list(2025, None).await.expect("list");
    all.iter().filter(|r| matches!(r.status, Status::Recommended | Status::Selected | Status::NotSelected)).count()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_actors_never_exceed_a_quota_skip_a_stage_or_lose_an_event(
        cap in 1u32..4,
        applicants in 2u32..7,
        rounds in proptest::collection::vec(proptest::collection::vec((0usize..7, a_move()), 1..7), 1..12),
    ) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(run(cap, applicants, rounds, None))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// The same on the production store: conditional writes and the quota transaction in DynamoDB.
    #[test]
    fn on_dynamodb_too(
        cap in 1u32..3,
        applicants in 2u32..6,
        rounds in proptest::collection::vec(proptest::collection::vec((0usize..7, a_move()), 2..7), 1..8),
    ) {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async { run(cap, applicants, rounds, Some(dynamo_store().await)).await })?;
    }
}
