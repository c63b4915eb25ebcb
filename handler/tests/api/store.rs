//! One contract, two real stores: every test runs on SQLite (a temporary file) and on DynamoDB
//! Local (one for the whole test binary, on a free port, stopped when it exits; each test on a
//! table of its own).

use handler::store::{
    Charge, Created, Event, Mail, MailQueue, QuotaChange, Record, SentRow, SqliteStore, Store, SummarySent, Transition,
    Transitioned,
};
use policy::{Actor, Application, ApplicationForm, EventKind, HrScope, Programme, Status};
use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

static TEMP: OnceLock<tempfile::TempDir> = OnceLock::new();

async fn sqlite() -> Arc<dyn Store> {
    let dir = TEMP.get_or_init(|| tempfile::tempdir().expect("tempdir"));
    let path = dir.path().join(format!("{}.sqlite3", handler::ids::random_id()));
    Arc::new(SqliteStore::open(&path).expect("open"))
}

async fn dynamo() -> Arc<dyn Store> {
    crate::machine::dynamo_store().await
}

/// A record whose application is reviewed by `scope` (a league code or a department name).
pub fn record(n: u32, scope: &str) -> Record {
    let form: ApplicationForm = serde_json::from_value(testkit::sample_application(n)).expect("form");
    let p = Programme::embedded().expect("programme");
    let mut application = Application::parse(&form, &p).expect("valid sample");
    match HrScope::from_key(scope, &p) {
        HrScope::League(code) => (application.league, application.department) = (Some(code), None),
        HrScope::Department(name) => (application.league, application.department) = (None, Some(name)),
    }
    Record {
        status: Status::UnitReview,
        version: 1,
        submission_id: format!("sub-{n}"),
        body_hash: format!("hash-{n}"),
        id_hash: format!("id-{n}"),
        updated_at: "2025-03-15T01:00:00Z".into(),
        ..Record::taken(
            format!("TP2025-T{n:05}"),
            2025,
            application,
            format!("2025-03-15T01:{:02}:{:02}Z", n / 60 % 60, n % 60),
        )
    }
}

/// The round's applications of `scope` (all when `None`), those in `status` only when given.
async fn listed(store: &Arc<dyn Store>, scope: Option<&str>, status: Option<Status>) -> Vec<Record> {
    let p = Programme::embedded().expect("programme");
    let scope = scope.map(|s| HrScope::from_key(s, &p));
    let mut list = store.list(2025, scope.as_ref()).await.expect("list");
    list.retain(|r| status.is_none_or(|s| r.status == s));
    list
}

pub fn event(seq: u32) -> Event {
    Event {
        seq,
        kind: EventKind::Submitted,
        actor: Actor::Applicant,
        actor_address: Some("a@example.com".into()),
        at: "2025-03-15T01:00:00Z".into(),
        comment: None,
        status: Status::UnitReview,
        client_hash: None,
        changes: Vec::new(),
        version_hash: None,
    }
}

pub fn mail(reference: &str, i: u32) -> Mail {
    Mail {
        id: format!("{reference}-m{i}"),
        reference: reference.to_owned(),
        to: format!("to{i}@example.com"),
        subject: format!("主题 {i}"),
        text: "正文".into(),
        html: "<p>正文</p>".into(),
        created_at: format!("2025-03-15T01:00:{i:02}Z"),
        attempts: 0,
        files: Vec::new(),
        reply_to: None,
        about: Vec::new(),
    }
}

async fn create_then_get_round_trips(store: Arc<dyn Store>) {
    let r = record(1, "hohhot");
    assert_eq!(store.create(&r, &event(1), &[mail(&r.reference, 1)]).await.expect("create"), Created::New);
    assert_eq!(store.get(&r.reference).await.expect("get"), Some(r.clone()));
    assert_eq!(store.get("TP2025-NOPE").await.expect("get"), None);
    assert_eq!(store.events(&r.reference).await.expect("events"), vec![event(1)]);
    assert_eq!(store.quota_used("region-out-hohhot").await.expect("quota"), 0);
    store.ping().await.expect("ping");
    store.enqueue(&[mail(&r.reference, 2)]).await.expect("enqueue");
    assert_eq!(store.unsent_mail().await.expect("count"), 2);
}

/// No uniqueness at submission: any number of applications carry one 身份证号, each stored on
/// its own, and the store finds them by the number (another round's and a lone number's not).
async fn any_number_of_applications_may_carry_one_number(store: Arc<dyn Store>) {
    let first = record(2, "hohhot");
    let mut second = record(3, "baotou");
    second.id_hash = first.id_hash.clone();
    let mut other_round = record(4, "hohhot");
    (other_round.id_hash, other_round.round) = (first.id_hash.clone(), 2024);
    let alone = record(5, "hohhot");
    for r in [&first, &second, &other_round, &alone] {
        assert_eq!(store.create(r, &event(1), &[mail(&r.reference, 1)]).await.expect("create"), Created::New);
    }
    assert_eq!(store.get(&second.reference).await.expect("get"), Some(second.clone()));
    assert_eq!(store.unsent_mail().await.expect("count"), 4);
    let hashes = [first.id_hash.clone(), alone.id_hash.clone(), "never-used".to_owned()];
    let found = store.shared_numbers(2025, &hashes).await.expect("shared");
    let refs: Vec<&str> = found.iter().map(|u| u.reference.as_str()).collect();
    assert_eq!(refs, [first.reference.as_str(), second.reference.as_str()]);
    assert!(found.iter().all(|u| u.id_hash == first.id_hash && u.status == first.status && u.stream == first.stream()));
    // One number's applications, a lone one's too.
    assert_eq!(
        store.by_number(2025, &first.id_hash).await.expect("by number"),
        [first.reference.clone(), second.reference.clone()]
    );
    assert_eq!(store.by_number(2025, &alone.id_hash).await.expect("by number"), std::slice::from_ref(&alone.reference));
    assert!(store.by_number(2025, "never-used").await.expect("by number").is_empty());
}

/// One 身份证号 holds at most one quota place in a round, whatever the stream, under concurrent
/// recommendations; a place given back lets another application of the number take it, and an
/// erased application is no longer found by its number.
async fn one_number_holds_one_place(store: Arc<dyn Store>) {
    let mut records = Vec::new();
    for n in 0..8u32 {
        let mut r = record(70 + n, if n % 2 == 0 { "hohhot" } else { "baotou" });
        r.id_hash = "one-person".into();
        store.create(&r, &event(1), &[]).await.expect("create");
        records.push(r);
    }
    let mut tasks = Vec::new();
    for (i, r) in records.clone().into_iter().enumerate() {
        let store = store.clone();
        let key = format!("region-out-{}", if i % 2 == 0 { "hohhot" } else { "baotou" });
        tasks.push(tokio::spawn(async move {
            let take = approve(&r, Status::Recommended, Some(QuotaChange::Take { key, cap: 20 }));
            (r.reference.clone(), store.transition(&take).await.expect("transition"))
        }));
    }
    let mut done = Vec::new();
    let mut refused = Vec::new();
    for task in tasks {
        match task.await.expect("join") {
            (reference, Transitioned::Done) => done.push(reference),
            (_, Transitioned::NumberHasPlace { reference }) => refused.push(reference),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(done.len(), 1, "one place for one number: {done:?}");
    assert_eq!(refused.len(), 7);
    assert!(refused.iter().all(|r| *r == done[0]), "each refusal names the holder: {refused:?}");
    let used = store.quota_used("region-out-hohhot").await.expect("quota")
        + store.quota_used("region-out-baotou").await.expect("quota");
    assert_eq!(used, 1, "a refused recommendation takes no place");
    // The holder withdraws: its place goes back, and another application of the number takes one.
    let holder = store.get(&done[0]).await.expect("get").expect("stored");
    let key = format!("region-out-{}", holder.scope().key());
    let withdrawn = approve(&holder, Status::Withdrawn, Some(QuotaChange::Release { key: key.clone() }));
    assert_eq!(store.transition(&withdrawn).await.expect("withdraw"), Transitioned::Done);
    let next = records.iter().find(|r| r.reference != holder.reference).expect("another");
    let take = approve(next, Status::Recommended, Some(QuotaChange::Take { key: next_key(next), cap: 20 }));
    assert_eq!(store.transition(&take).await.expect("recommend"), Transitioned::Done);
    // Erased, the new holder is found by its number no more, and holds the number's place no more.
    let mut erased = store.get(&next.reference).await.expect("get").expect("stored");
    erased.id_hash = format!("erased-{}", erased.reference);
    assert!(store.erase(&erased, &[]).await.expect("erase"));
    let found = store.shared_numbers(2025, &["one-person".to_owned()]).await.expect("shared");
    assert_eq!(found.len(), 7);
    assert!(found.iter().all(|u| u.reference != next.reference));
    let third =
        records.iter().find(|r| r.reference != holder.reference && r.reference != next.reference).expect("third");
    let take = approve(third, Status::Recommended, Some(QuotaChange::Take { key: next_key(third), cap: 20 }));
    assert_eq!(store.transition(&take).await.expect("recommend"), Transitioned::Done);
}

/// The quota key a test record of scope `r` counts against.
fn next_key(r: &Record) -> String {
    format!("region-out-{}", r.scope().key())
}

/// An upload issued for no submission is claimed once: the second application claiming it is
/// refused and nothing of it written, whatever else it claims.
async fn an_upload_is_claimed_by_one_application(store: Arc<dyn Store>) {
    let mut first = record(10, "hohhot");
    first.upload_claims = vec!["u-1".into(), "u-2".into()];
    assert_eq!(store.create(&first, &event(1), &[mail(&first.reference, 1)]).await.expect("create"), Created::New);
    let mut second = record(11, "hohhot");
    second.upload_claims = vec!["u-0".into(), "u-2".into()];
    assert_eq!(
        store.create(&second, &event(1), &[mail(&second.reference, 2)]).await.expect("create"),
        Created::UploadTaken
    );
    assert_eq!(store.get(&second.reference).await.expect("get"), None);
    assert_eq!(store.unsent_mail().await.expect("count"), 1);
    // Its other claim was not made either: a third may take u-0.
    let mut third = record(12, "hohhot");
    third.upload_claims = vec!["u-0".into()];
    assert_eq!(store.create(&third, &event(1), &[]).await.expect("create"), Created::New);
    assert_eq!(store.get(&first.reference).await.expect("get"), Some(first));
}

async fn a_reference_in_use_is_refused_and_nothing_written(store: Arc<dyn Store>) {
    let first = record(8, "hohhot");
    store.create(&first, &event(1), &[mail(&first.reference, 1)]).await.expect("create");
    // Another applicant whose random reference happens to be the same.
    let mut second = record(9, "hohhot");
    second.reference = first.reference.clone();
    let outcome = store.create(&second, &event(1), &[mail("other", 7)]).await.expect("create");
    assert_eq!(outcome, Created::ReferenceTaken);
    assert_eq!(store.get(&first.reference).await.expect("get"), Some(first.clone()));
    assert_eq!(store.events(&first.reference).await.expect("events").len(), 1);
    assert_eq!(store.unsent_mail().await.expect("count"), 1, "the refused one's mail was not queued");
    // Under a fresh reference it is stored.
    second.reference = "TP2025-FRESH9".into();
    assert_eq!(store.create(&second, &event(1), &[]).await.expect("create"), Created::New);
}

async fn submission_id_makes_retries_idempotent(store: Arc<dyn Store>) {
    let first = record(4, "hohhot");
    store.create(&first, &event(1), &[]).await.expect("create");
    let mut retry = record(5, "hohhot");
    retry.submission_id = first.submission_id.clone();
    retry.body_hash = first.body_hash.clone();
    match store.create(&retry, &event(1), &[]).await.expect("retry") {
        Created::SameSubmission { existing, same_body } => {
            assert!(same_body);
            assert_eq!(existing.reference, first.reference);
        }
        other => panic!("expected SameSubmission, got {other:?}"),
    }
    retry.body_hash = "different".into();
    match store.create(&retry, &event(1), &[]).await.expect("conflict") {
        Created::SameSubmission { same_body, .. } => assert!(!same_body),
        other => panic!("expected SameSubmission, got {other:?}"),
    }
    assert_eq!(listed(&store, None, None).await.len(), 1);
}

async fn list_filters_by_scope_and_status(store: Arc<dyn Store>) {
    for (n, scope) in [(10, "hohhot"), (11, "baotou"), (12, "hohhot"), (13, "内蒙古大学")] {
        let r = record(n, scope);
        store.create(&r, &event(1), &[]).await.expect("create");
    }
    let refs = |list: Vec<Record>| list.into_iter().map(|r| r.reference).collect::<Vec<_>>();
    assert_eq!(refs(listed(&store, Some("hohhot"), None).await), ["TP2025-T00010", "TP2025-T00012"]);
    assert_eq!(refs(listed(&store, Some("内蒙古大学"), Some(Status::UnitReview)).await), ["TP2025-T00013"]);
    assert!(listed(&store, Some("hohhot"), Some(Status::Recommended)).await.is_empty());
    assert_eq!(listed(&store, None, None).await.len(), 4);
}

async fn outbox_leases_retries_and_delivers_once(store: Arc<dyn Store>) {
    let r = record(20, "hohhot");
    store.create(&r, &event(1), &[mail(&r.reference, 1), mail(&r.reference, 2)]).await.expect("create");
    assert_eq!(store.unsent_mail().await.expect("count"), 2);
    let now = 1_000;
    let batch = store.claim_mail(now, 60, 10).await.expect("claim");
    assert_eq!(
        batch.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        [format!("{}-m1", r.reference), format!("{}-m2", r.reference)]
    );
    assert!(store.claim_mail(now, 60, 10).await.expect("claim").is_empty(), "leased mail is not handed out twice");
    store.mail_failed(&batch[0].id, now + 5, "relay down").await.expect("failed");
    assert!(store.claim_mail(now + 1, 60, 10).await.expect("claim").is_empty(), "not due yet");
    let again = store.claim_mail(now + 6, 60, 10).await.expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id.as_str(), again[0].attempts), (batch[0].id.as_str(), 1));
    store.mail_sent(&again[0].id, "2025-03-15T01:00:00Z").await.expect("sent");
    assert_eq!(store.unsent_mail().await.expect("count"), 1);
    let later = store.claim_mail(now + 1_000, 60, 10).await.expect("claim");
    assert_eq!(later.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), [batch[1].id.as_str()]);
    store.mail_sent(&later[0].id, "2025-03-15T01:00:00Z").await.expect("sent");
    assert_eq!(store.unsent_mail().await.expect("count"), 0);
    assert!(store.claim_mail(now + 100_000, 60, 10).await.expect("claim").is_empty(), "sent mail is never sent again");
}

/// A relay that refuses the addresses it is given and takes the rest, counting what it took.
struct Relay {
    refused: HashSet<String>,
    taken: std::sync::Mutex<Vec<String>>,
}

impl Relay {
    fn refusing(addresses: &[&str]) -> Self {
        Self { refused: addresses.iter().map(|a| (*a).to_owned()).collect(), taken: Default::default() }
    }
    fn taken(&self) -> Vec<String> {
        self.taken.lock().expect("lock").clone()
    }
}

#[async_trait::async_trait]
impl handler::mail::Mailer for Relay {
    async fn send(&self, mail: &Mail) -> Result<(), handler::mail::MailError> {
        if self.refused.contains(&mail.to) {
            return Err(handler::mail::MailError::transport(format!("550 mailbox unavailable: {}", mail.to)));
        }
        self.taken.lock().expect("lock").push(mail.id.clone());
        Ok(())
    }
    fn describe(&self) -> String {
        "test relay".into()
    }
}

/// 100 mails in back-off at the head of the queue: a mail queued after them is still delivered
/// on the next flush (the outbox is read by due time, not by age), and none of the 100 is.
async fn mail_in_back_off_never_holds_back_new_mail(store: Arc<dyn Store>) {
    let now = 10_000;
    let old: Vec<Mail> = (0..100)
        .map(|i| Mail {
            to: "full@example.com".into(),
            created_at: format!("2025-03-14T00:{:02}:{:02}Z", i / 60, i % 60),
            ..mail("TP2025-OLD00", i)
        })
        .collect();
    store.enqueue(&old).await.expect("enqueue");
    let relay = Relay::refusing(&["full@example.com"]);
    let first = handler::mail::flush_outbox(store.as_ref(), &relay, now, Default::default()).await.expect("flush");
    assert_eq!((first.sent, first.failed), (0, 100), "every old mail refused once, now in back-off");
    let new = mail("TP2025-NEW00", 1);
    store.enqueue(std::slice::from_ref(&new)).await.expect("enqueue");
    let next = handler::mail::flush_outbox(store.as_ref(), &relay, now + 1, Default::default()).await.expect("flush");
    assert_eq!((next.sent, next.failed), (1, 0), "only the new mail was due");
    assert_eq!(relay.taken(), std::slice::from_ref(&new.id));
    assert_eq!(store.unsent_mail().await.expect("count"), 100);
}

/// A mail refused on every attempt is given up after `MAX_ATTEMPTS`: never handed out again,
/// counted as dead, not as unsent; the mail beside it is delivered once.
async fn a_mail_refused_every_time_is_given_up(store: Arc<dyn Store>) {
    let refused = Mail { to: "gone@example.com".into(), ..mail("TP2025-DEAD0", 1) };
    let fine = mail("TP2025-DEAD0", 2);
    store.enqueue(&[refused.clone(), fine.clone()]).await.expect("enqueue");
    let relay = Relay::refusing(&["gone@example.com"]);
    let (mut now, mut dead, mut failed) = (0, 0, 0);
    for _ in 0..handler::mail::MAX_ATTEMPTS + 3 {
        let done = handler::mail::flush_outbox(store.as_ref(), &relay, now, Default::default()).await.expect("flush");
        (dead, failed) = (dead + done.dead, failed + done.failed);
        now += 4_000;
    }
    assert_eq!((failed, dead), (handler::mail::MAX_ATTEMPTS as usize - 1, 1));
    assert_eq!(relay.taken(), std::slice::from_ref(&fine.id));
    assert_eq!(store.dead_mail().await.expect("dead"), 1);
    assert_eq!(store.unsent_mail().await.expect("unsent"), 0);
    assert!(store.claim_mail(now + 100_000, 60, 10).await.expect("claim").is_empty());
    assert!(store.claim_mail_id(&refused.id, now + 100_000, 60).await.expect("claim").is_none());
}

/// One mail claimed by id (what a request sends inline): once, and only while unsent and due.
async fn a_mail_is_claimed_by_id_once(store: Arc<dyn Store>) {
    let m = mail("TP2025-ONE00", 1);
    store.enqueue(std::slice::from_ref(&m)).await.expect("enqueue");
    let claimed = store.claim_mail_id(&m.id, 100, 60).await.expect("claim").expect("due");
    assert_eq!((claimed.id.as_str(), claimed.attempts), (m.id.as_str(), 0));
    assert!(store.claim_mail_id(&m.id, 100, 60).await.expect("claim").is_none(), "leased");
    assert!(store.claim_mail(100, 60, 10).await.expect("claim").is_empty(), "leased for flushers too");
    store.mail_sent(&m.id, "2025-03-15T01:00:00Z").await.expect("sent");
    assert!(store.claim_mail_id(&m.id, 100_000, 60).await.expect("claim").is_none(), "sent");
    assert!(store.claim_mail_id("no-such-mail", 100, 60).await.expect("claim").is_none());
}

async fn concurrent_claims_never_share_a_mail(store: Arc<dyn Store>) {
    for n in 30..40 {
        let r = record(n, "hohhot");
        store.create(&r, &event(1), &[mail(&r.reference, 1), mail(&r.reference, 2)]).await.expect("create");
    }
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.claim_mail(5_000, 60, 5).await.expect("claim") }));
    }
    let mut seen = HashSet::new();
    for task in tasks {
        for mail in task.await.expect("join") {
            assert!(seen.insert(mail.id.clone()), "{} claimed twice", mail.id);
        }
    }
    assert_eq!(seen.len(), 20);
}

fn approve(current: &Record, status: Status, quota: Option<QuotaChange>) -> Transition {
    let mut record = current.clone();
    record.status = status;
    record.version += 1;
    record.updated_at = "2025-03-16T01:00:00Z".into();
    let mut e = event(current.version as u32 + 1);
    e.kind = EventKind::Approved;
    e.actor = Actor::Hr;
    e.status = status;
    Transition {
        expected_version: current.version,
        record,
        event: e,
        mails: vec![mail(&current.reference, 10 + current.version as u32)],
        quota,
    }
}

async fn transitions_apply_once_and_refuse_stale_versions(store: Arc<dyn Store>) {
    let r = record(60, "hohhot");
    store.create(&r, &event(1), &[]).await.expect("create");
    let change = approve(&r, Status::HrReview, None);
    assert_eq!(store.transition(&change).await.expect("transition"), Transitioned::Done);
    // The same decision again (an old link, a repeated POST): refused, nothing more written.
    match store.transition(&change).await.expect("transition") {
        Transitioned::Stale(current) => assert_eq!((current.version, current.status), (2, Status::HrReview)),
        other => panic!("expected Stale, got {other:?}"),
    }
    let now = store.get(&r.reference).await.expect("get").expect("record");
    assert_eq!((now.version, now.status), (2, Status::HrReview));
    assert_eq!(store.events(&r.reference).await.expect("events").len(), 2);
    assert_eq!(store.unsent_mail().await.expect("mail"), 1);
    assert_eq!(listed(&store, Some("hohhot"), Some(Status::HrReview)).await.len(), 1);
    let mut missing = change.clone();
    missing.record.reference = "TP2025-NONE00".into();
    assert_eq!(store.transition(&missing).await.expect("transition"), Transitioned::NotFound);
}

/// `reseal` writes a record over the same version only, with no event and no new version.
async fn reseal_writes_over_the_same_version_only(store: Arc<dyn Store>) {
    let r = record(70, "hohhot");
    store.create(&r, &event(1), &[]).await.expect("create");
    let keys = handler::personal::DataKeys::parse("k9:a data key for the store contract suite").expect("key");
    let sealed = handler::personal::seal_record(&keys, &r);
    assert!(store.reseal(&sealed).await.expect("reseal"));
    let now = store.get(&r.reference).await.expect("get").expect("record");
    assert_eq!(now, sealed);
    assert_eq!(now.application.phone.sealed().map(|s| s.key.as_str()), Some("k9"));
    assert_eq!(store.events(&r.reference).await.expect("events").len(), 1, "no event");
    assert_eq!(listed(&store, Some("hohhot"), None).await, vec![sealed.clone()], "the indexes read it too");
    // A record changed meanwhile is left alone, as is one that is not there.
    store.transition(&approve(&r, Status::HrReview, None)).await.expect("transition");
    assert!(!store.reseal(&sealed).await.expect("reseal"));
    assert_eq!(store.get(&r.reference).await.expect("get").expect("record").version, 2);
    let mut missing = sealed.clone();
    missing.reference = "TP2025-NONE00".into();
    assert!(!store.reseal(&missing).await.expect("reseal"));
}

/// `list(round, scope)` answers the same on both stores: one round only, and a scope that
/// follows the application when a resubmission moves it to another league or department.
async fn list_is_per_round_and_follows_a_changed_scope(store: Arc<dyn Store>) {
    let p = Programme::embedded().expect("programme");
    let this = record(30, "hohhot");
    let mut earlier = record(31, "hohhot");
    earlier.round = 2024;
    for r in [&this, &earlier] {
        store.create(r, &event(1), &[]).await.expect("create");
    }
    let hohhot = HrScope::League("hohhot".into());
    let refs = |list: Vec<Record>| list.into_iter().map(|r| r.reference).collect::<Vec<_>>();
    assert_eq!(refs(store.list(2025, None).await.expect("list")), ["TP2025-T00030"]);
    assert_eq!(refs(store.list(2024, Some(&hohhot)).await.expect("list")), ["TP2025-T00031"]);
    // A resubmission names 包头市 instead: the record is listed there, and no longer in 呼和浩特市.
    let mut moved = approve(&this, Status::UnitReview, None);
    moved.record.application.league = Some("baotou".into());
    assert_eq!(store.transition(&moved).await.expect("transition"), Transitioned::Done);
    let baotou = HrScope::from_key("baotou", &p);
    assert_eq!(refs(store.list(2025, Some(&baotou)).await.expect("list")), ["TP2025-T00030"]);
    assert!(store.list(2025, Some(&hohhot)).await.expect("list").is_empty());
}

/// A 汇总表 send is recorded with its mail, in order: the first is 1, each next one follows the
/// last; a send that raced another writes nothing.
async fn summary_sends_are_recorded_with_their_mail_in_order(store: Arc<dyn Store>) {
    assert_eq!(store.last_summary(2025, "l-hohhot").await.expect("last"), None);
    let sent = |seq: u32, version: u64| SummarySent {
        round: 2025,
        scope: "l-hohhot".into(),
        seq,
        at: format!("2025-03-2{seq}T01:00:00Z"),
        rows: vec![SentRow { reference: "TP2025-T00001".into(), version, status: Status::Recommended }],
    };
    assert!(store.summary_sent(&sent(1, 4), &mail("summary-l-hohhot", 1)).await.expect("first"));
    assert_eq!(store.last_summary(2025, "l-hohhot").await.expect("last"), Some(sent(1, 4)));
    // Two sends raced on the first: the loser wrote nothing, its mail included.
    assert!(!store.summary_sent(&sent(1, 5), &mail("summary-l-hohhot", 2)).await.expect("raced"));
    assert_eq!(store.unsent_mail().await.expect("count"), 1);
    assert!(store.summary_sent(&sent(2, 6), &mail("summary-l-hohhot", 3)).await.expect("second"));
    assert!(!store.summary_sent(&sent(2, 7), &mail("summary-l-hohhot", 4)).await.expect("raced"));
    assert!(!store.summary_sent(&sent(4, 7), &mail("summary-l-hohhot", 5)).await.expect("skipped one"));
    assert_eq!(store.last_summary(2025, "l-hohhot").await.expect("last"), Some(sent(2, 6)));
    assert_eq!(store.unsent_mail().await.expect("count"), 2);
    // Per scope and round.
    assert_eq!(store.last_summary(2025, "l-baotou").await.expect("last"), None);
    assert_eq!(store.last_summary(2026, "l-hohhot").await.expect("last"), None);
}

/// An application's mail is found by its reference — its own, sent or queued, and a 汇总表 that
/// names it among others — and deleted; another application's mail stays.
async fn an_applications_mail_is_found_and_deleted(store: Arc<dyn Store>) {
    let (a, b) = ("TP2025-MAILA1", "TP2025-MAILB1");
    store.enqueue(&[mail(a, 1), mail(a, 2), mail(b, 1)]).await.expect("enqueue");
    store.mail_sent(&mail(a, 1).id, "2025-03-15T02:00:00Z").await.expect("sent");
    let sent = SummarySent {
        round: 2025,
        scope: "l-hohhot".into(),
        seq: 1,
        at: "2025-03-20T01:00:00Z".into(),
        rows: Vec::new(),
    };
    let summary = Mail { about: vec![a.into(), b.into()], ..mail("summary-l-hohhot", 1) };
    assert!(store.summary_sent(&sent, &summary).await.expect("summary"));
    let mut held = store.mail_of(a).await.expect("mail of a");
    held.sort_by(|x, y| x.id.cmp(&y.id));
    let ids: Vec<(&str, bool)> = held.iter().map(|m| (m.id.as_str(), m.pending)).collect();
    assert_eq!(ids, [("TP2025-MAILA1-m1", false), ("TP2025-MAILA1-m2", true), ("summary-l-hohhot-m1", true)]);
    let ids: Vec<String> = held.into_iter().map(|m| m.id).collect();
    store.delete_mail(a, &ids).await.expect("delete");
    assert_eq!(store.mail_of(a).await.expect("mail of a"), []);
    assert_eq!(store.unsent_mail().await.expect("count"), 1, "b's own mail stays");
    let left: Vec<String> = store.mail_of(b).await.expect("mail of b").into_iter().map(|m| m.id).collect();
    assert!(left.contains(&mail(b, 1).id), "{left:?}");
    // Deleting what is gone already is no error.
    store.delete_mail(a, &ids).await.expect("again");
}

async fn a_quota_is_never_over_allocated(store: Arc<dyn Store>) {
    let mut records = Vec::new();
    for n in 0..20u32 {
        let r = record(100 + n, "hohhot");
        store.create(&r, &event(1), &[]).await.expect("create");
        records.push(r);
    }
    let key = "region-out-hohhot".to_owned();
    let mut tasks = Vec::new();
    for r in records.clone() {
        let (store, key) = (store.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            store
                .transition(&approve(&r, Status::Recommended, Some(QuotaChange::Take { key, cap: 5 })))
                .await
                .expect("transition")
        }));
    }
    let mut done = 0;
    for task in tasks {
        match task.await.expect("join") {
            Transitioned::Done => done += 1,
            Transitioned::QuotaFull { cap, .. } => assert_eq!(cap, 5),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(done, 5);
    assert_eq!(store.quota_used(&key).await.expect("quota"), 5);
    let recommended = listed(&store, Some("hohhot"), Some(Status::Recommended)).await;
    assert_eq!(recommended.len(), 5);
    // A withdrawn recommendation gives its place back.
    let withdrawn = approve(&recommended[0], Status::Withdrawn, Some(QuotaChange::Release { key: key.clone() }));
    assert_eq!(store.transition(&withdrawn).await.expect("transition"), Transitioned::Done);
    assert_eq!(store.quota_used(&key).await.expect("quota"), 4);
}

/// A write charged with rate-limit hits counts them when it stores the application, while each
/// counter's window holds fewer than its `max`. A full one refuses the whole write: nothing
/// stored, nothing counted (the other counter's hit neither). A repeated submission is answered
/// as before and counts nothing, full counters or not.
async fn a_full_counter_refuses_the_write_and_counts_nothing(store: Arc<dyn Store>) {
    let charge = |key: &str, max| Charge { key: key.into(), window_start: 3600, window: 3600, max };
    let (client, address) = (charge("submit-client:a", 5), charge("submit-address:b", 2));
    let both = [client.clone(), address.clone()];
    let first = record(90, "hohhot");
    let created = store.create_charged(&first, &event(1), &[mail(&first.reference, 90)], &both).await;
    assert_eq!(created.expect("create"), Created::New);
    let again = store.create_charged(&first, &event(1), &[], &both).await.expect("repeat");
    assert!(matches!(again, Created::SameSubmission { same_body: true, .. }), "{again:?}");
    let second = record(91, "hohhot");
    let created = store.create_charged(&second, &event(1), &[mail(&second.reference, 91)], &both).await;
    assert_eq!(created.expect("create"), Created::New);
    // The address's counter is full: a repeat is answered as before, a new application stores nothing.
    let again = store.create_charged(&first, &event(1), &[], &both).await.expect("repeat");
    assert!(matches!(again, Created::SameSubmission { same_body: true, .. }), "{again:?}");
    let over = record(92, "hohhot");
    let refused = store.create_charged(&over, &event(1), &[mail(&over.reference, 92)], &both).await.expect("over");
    assert_eq!(refused, Created::Limited(address.clone()));
    assert_eq!(store.get(&over.reference).await.expect("get"), None, "nothing stored");
    assert!(store.events(&over.reference).await.expect("events").is_empty());
    assert_eq!(store.unsent_mail().await.expect("count"), 2, "no mail queued");
    // Two hits on each counter, the stored applications': this one is the third.
    assert_eq!(store.hit(&client.key, 3600, 3600).await.expect("hit"), 3);
    assert_eq!(store.hit(&address.key, 3600, 3600).await.expect("hit"), 3);
    // The next window starts empty, and the same write is taken there.
    let next = [Charge { window_start: 7200, ..address }];
    assert_eq!(store.create_charged(&over, &event(1), &[], &next).await.expect("next"), Created::New);
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::sqlite().await).await })*
        }
        mod dynamodb_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::dynamo().await).await })*
        }
    };
}

contract!(
    create_then_get_round_trips,
    any_number_of_applications_may_carry_one_number,
    one_number_holds_one_place,
    a_reference_in_use_is_refused_and_nothing_written,
    an_upload_is_claimed_by_one_application,
    submission_id_makes_retries_idempotent,
    list_filters_by_scope_and_status,
    list_is_per_round_and_follows_a_changed_scope,
    outbox_leases_retries_and_delivers_once,
    concurrent_claims_never_share_a_mail,
    mail_in_back_off_never_holds_back_new_mail,
    a_mail_refused_every_time_is_given_up,
    a_mail_is_claimed_by_id_once,
    transitions_apply_once_and_refuse_stale_versions,
    reseal_writes_over_the_same_version_only,
    a_quota_is_never_over_allocated,
    summary_sends_are_recorded_with_their_mail_in_order,
    an_applications_mail_is_found_and_deleted,
    a_full_counter_refuses_the_write_and_counts_nothing,
);

/// SQLite only: a data folder made before held one application per 身份证号 in a table
/// constraint (and later in a unique index); opening it rebuilds the table without the
/// constraint, drops the index and keeps every record.
#[tokio::test]
async fn sqlite_data_from_before_is_migrated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.sqlite3");
    let mut old = record(50, "hohhot");
    (old.status, old.version) = (Status::Withdrawn, 2);
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(
            "CREATE TABLE applications (reference TEXT PRIMARY KEY, round INTEGER NOT NULL, id_hash TEXT NOT NULL,
               submission_id TEXT NOT NULL UNIQUE, body_hash TEXT NOT NULL, status TEXT NOT NULL,
               version INTEGER NOT NULL, stream TEXT NOT NULL, scope TEXT NOT NULL, record TEXT NOT NULL,
               created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (round, id_hash));
             CREATE TABLE events (reference TEXT NOT NULL REFERENCES applications (reference), seq INTEGER NOT NULL,
               event TEXT NOT NULL, PRIMARY KEY (reference, seq));",
        )
        .expect("old schema");
        conn.execute(
            "INSERT INTO applications VALUES (?1, 2025, ?2, ?3, ?4, 'withdrawn', 2, 'region-out', 'hohhot', ?5, ?6, ?6)",
            rusqlite::params![
                old.reference,
                old.id_hash,
                old.submission_id,
                old.body_hash,
                serde_json::to_string(&old).expect("json"),
                old.created_at
            ],
        )
        .expect("old row");
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("migrates"));
    assert_eq!(store.get(&old.reference).await.expect("get").map(|r| r.reference), Some(old.reference.clone()));
    let mut again = record(51, "hohhot");
    again.id_hash = old.id_hash.clone();
    assert_eq!(store.create(&again, &event(1), &[]).await.expect("create"), Created::New);
    let mut third = record(52, "hohhot");
    third.id_hash = old.id_hash.clone();
    assert_eq!(store.create(&third, &event(1), &[]).await.expect("create"), Created::New, "no unique index left");
    let conn = rusqlite::Connection::open(&path).expect("open");
    let sql: String =
        conn.query_row("SELECT sql FROM sqlite_master WHERE name = 'applications'", [], |r| r.get(0)).expect("schema");
    assert!(!sql.contains("UNIQUE (round, id_hash)"), "{sql}");
}

/// DynamoDB only: the table comes from infra/template.yaml, with its TTL, and a sent mail gets
/// the TTL attribute 90 days on, so mail bodies do not stay for ever.
#[tokio::test]
async fn dynamodb_table_from_the_template_expires_sent_mail() {
    let (store, client, table) = crate::machine::dynamo_table().await;
    let described = client.describe_table().table_name(&table).send().await.expect("describe");
    let t = described.table().expect("table");
    let mut indexes: Vec<&str> = t.global_secondary_indexes().iter().filter_map(|i| i.index_name()).collect();
    indexes.sort_unstable();
    assert_eq!(indexes, ["gsi1", "gsi2"]);
    let ttl = client.describe_time_to_live().table_name(&table).send().await.expect("ttl");
    let ttl = ttl.time_to_live_description().and_then(|d| d.attribute_name()).map(str::to_owned);
    assert_eq!(ttl.as_deref(), Some("expires_at"));

    store.enqueue(&[mail("TP2025-TTL01", 1)]).await.expect("enqueue");
    let claimed = store.claim_mail(0, 60, 10).await.expect("claim");
    store.mail_sent(&claimed[0].id, "2025-03-15T01:00:00Z").await.expect("sent");
    let item = client
        .get_item()
        .table_name(&table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("MAIL#{}", claimed[0].id)))
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("MAIL".into()))
        .send()
        .await
        .expect("get");
    let expires = item.item().and_then(|i| i.get("expires_at")).and_then(|v| v.as_n().ok()).expect("expires_at");
    let sent = time::macros::datetime!(2025-03-15 01:00 UTC).unix_timestamp();
    assert_eq!(expires.parse::<i64>().expect("number"), sent + 90 * 86_400);
}
