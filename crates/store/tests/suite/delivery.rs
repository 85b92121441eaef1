//! The delivery state machine and the scheduler's queries, on both backends.

use crate::fixtures;
use chrono::{DateTime, Duration as TimeDelta, Utc};
use domain::{Contact, Direction, Email, EmailStatus, User};
use std::collections::HashSet;
use std::time::Duration;
use store::{Store, StoreError, Ts};
use testkit::{Kind, TestDb, on_both};

const LEASE: Duration = Duration::from_secs(300);

/// A user with one contact that has an email address.
async fn setup(store: &Store) -> (User, Contact) {
    let u = fixtures::user(store, "owner@example.com").await;
    let c = fixtures::contact_at(store, &u, "Ada Lovelace", "Analytical", domain::Priority::High).await;
    (u, c)
}

fn past(minutes: i64) -> DateTime<Utc> {
    domain::id::now_ms() - TimeDelta::minutes(minutes)
}

/// The lease and due columns the domain type does not carry.
async fn lease_of(store: &Store, id: &str) -> (Option<String>, Option<Ts>, Option<Ts>, Option<String>) {
    const SQL: &str =
        r#"SELECT "lockedBy", "lockedUntil", "nextAttemptAt", "trackingToken" FROM "emails" WHERE "id" = $1"#;
    match store.db() {
        store::Db::Postgres(p) => sqlx::query_as(SQL).bind(id).fetch_one(p).await.unwrap(),
        store::Db::Sqlite(p) => sqlx::query_as(SQL).bind(id).fetch_one(p).await.unwrap(),
    }
}

async fn exec(store: &Store, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match store.db() {
        store::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(drop).unwrap(),
        store::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(drop).unwrap(),
    }
}

/// A fresh email of `user` brought into `status` through the store's own transitions.
async fn email_in(store: &Store, user: &User, contact: &Contact, status: EmailStatus) -> Email {
    let e = fixtures::draft(store, user, contact, &format!("In {status}")).await;
    let token = store::delivery::new_tracking_token();
    match status {
        EmailStatus::Draft => e,
        EmailStatus::Scheduled => {
            store.schedule_email(&user.id, &e.id, Utc::now() + TimeDelta::hours(1)).await.unwrap()
        }
        EmailStatus::Cancelled => {
            store.schedule_email(&user.id, &e.id, Utc::now() + TimeDelta::hours(1)).await.unwrap();
            store.cancel_email(&user.id, &e.id).await.unwrap()
        }
        EmailStatus::Sent => {
            store.begin_send_now(&user.id, &e.id, "w", LEASE, &token).await.unwrap();
            assert!(store.mark_sent(&e.id, "w", "<m@example.com>", Utc::now()).await.unwrap());
            store.email(&user.id, &e.id).await.unwrap()
        }
        EmailStatus::Failed => {
            store.begin_send_now(&user.id, &e.id, "w", LEASE, &token).await.unwrap();
            assert!(store.mark_failed(&e.id, "w", "550 no such user").await.unwrap());
            store.email(&user.id, &e.id).await.unwrap()
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Schedule,
    Unschedule,
    Cancel,
    SendNow,
}

impl Op {
    const ALL: [Op; 4] = [Op::Schedule, Op::Unschedule, Op::Cancel, Op::SendNow];

    fn allowed_from(self) -> &'static [EmailStatus] {
        match self {
            Op::Schedule | Op::SendNow => &[EmailStatus::Draft, EmailStatus::Failed],
            Op::Unschedule | Op::Cancel => &[EmailStatus::Scheduled],
        }
    }

    fn lands_in(self) -> EmailStatus {
        match self {
            Op::Schedule | Op::SendNow => EmailStatus::Scheduled,
            Op::Unschedule => EmailStatus::Draft,
            Op::Cancel => EmailStatus::Cancelled,
        }
    }

    async fn apply(self, store: &Store, user_id: &str, id: &str) -> Result<Email, StoreError> {
        match self {
            Op::Schedule => store.schedule_email(user_id, id, Utc::now() + TimeDelta::hours(2)).await,
            Op::Unschedule => store.unschedule_email(user_id, id).await,
            Op::Cancel => store.cancel_email(user_id, id).await,
            Op::SendNow => {
                let token = store::delivery::new_tracking_token();
                store.begin_send_now(user_id, id, "request", LEASE, &token).await
            }
        }
    }
}

async fn every_transition_is_allowed_or_refused_as_the_lifecycle_says(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    for op in Op::ALL {
        for &from in EmailStatus::ALL {
            let before = email_in(&store, &u, &c, from).await;
            assert_eq!(before.status, from);
            let result = op.apply(&store, &u.id, &before.id).await;
            if op.allowed_from().contains(&from) {
                let after = result.unwrap_or_else(|e| panic!("{op:?} from {from}: {e:?}"));
                assert_eq!(after.status, op.lands_in(), "{op:?} from {from}");
                assert_eq!(store.email(&u.id, &before.id).await.unwrap(), after);
            } else {
                match result {
                    Err(StoreError::Conflict(msg)) => {
                        assert!(msg.contains(&format!("email is {from}")), "{op:?} from {from}: {msg}")
                    }
                    other => panic!("{op:?} from {from}: expected a conflict, got {other:?}"),
                }
                assert_eq!(store.email(&u.id, &before.id).await.unwrap(), before, "{op:?} from {from}");
            }
        }
    }
}

async fn scheduling_sets_the_schedule_and_resets_a_failed_email(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let draft = fixtures::draft(&store, &u, &c, "Hello").await;
    let at = domain::id::now_ms() + TimeDelta::days(1);
    let s = store.schedule_email(&u.id, &draft.id, at).await.unwrap();
    assert_eq!(s.status, EmailStatus::Scheduled);
    assert_eq!(s.delivery.scheduled_at, Some(at));
    let (locked_by, _, next, token) = lease_of(&store, &s.id).await;
    assert_eq!((locked_by, next), (None, Some(Ts(at))));
    assert_eq!(token.as_deref().map(str::len), Some(43), "a base64url token of 32 bytes");

    let failed = email_in(&store, &u, &c, EmailStatus::Failed).await;
    assert_eq!(
        (failed.delivery.send_attempts, failed.delivery.last_error.as_deref()),
        (1, Some("550 no such user"))
    );
    let again = store.schedule_email(&u.id, &failed.id, at).await.unwrap();
    assert_eq!(again.status, EmailStatus::Scheduled);
    assert_eq!((again.delivery.send_attempts, again.delivery.last_error), (0, None));

    let back = store.unschedule_email(&u.id, &s.id).await.unwrap();
    assert_eq!((back.status, back.delivery.scheduled_at), (EmailStatus::Draft, None));
    assert_eq!(lease_of(&store, &s.id).await.2, None, "no longer due");
}

async fn another_users_email_is_not_found_for_every_transition(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let intruder = fixtures::user(&store, "intruder@example.com").await;
    for &from in EmailStatus::ALL {
        let e = email_in(&store, &u, &c, from).await;
        for op in Op::ALL {
            let r = op.apply(&store, &intruder.id, &e.id).await;
            assert!(matches!(r, Err(StoreError::NotFound)), "{op:?} on a {from} email: {r:?}");
            let r = op.apply(&store, &u.id, "no-such-email").await;
            assert!(matches!(r, Err(StoreError::NotFound)), "{op:?} on a missing email: {r:?}");
        }
        assert_eq!(store.email(&u.id, &e.id).await.unwrap(), e);
    }
}

async fn unschedule_and_cancel_wait_while_a_worker_holds_the_lease(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let e = fixtures::draft(&store, &u, &c, "Now").await;
    let token = store::delivery::new_tracking_token();
    let leased = store.begin_send_now(&u.id, &e.id, "request-1", LEASE, &token).await.unwrap();
    assert_eq!(leased.status, EmailStatus::Scheduled);
    for r in [store.unschedule_email(&u.id, &e.id).await, store.cancel_email(&u.id, &e.id).await] {
        match r {
            Err(StoreError::Conflict(msg)) => assert!(msg.contains("being sent"), "{msg}"),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    assert_eq!(store.email(&u.id, &e.id).await.unwrap(), leased);
    let (locked_by, until, _, stored_token) = lease_of(&store, &e.id).await;
    assert_eq!(locked_by.as_deref(), Some("request-1"));
    assert!(until.unwrap().0 > Utc::now());
    assert_eq!(stored_token.as_deref(), Some(token.as_str()));
    // The scheduler does not take it either.
    assert!(store.claim_due("scheduler", Utc::now(), LEASE, 10).await.unwrap().is_empty());

    // A lease that has run out no longer protects it.
    let e2 = store
        .schedule_email(&u.id, &fixtures::draft(&store, &u, &c, "Later").await.id, past(60))
        .await
        .unwrap();
    let claimed = store.claim_due("crashed", past(30), Duration::from_secs(60), 10).await.unwrap();
    assert_eq!(claimed.iter().map(|d| d.email.id.as_str()).collect::<Vec<_>>(), [e2.id.as_str()]);
    assert_eq!(store.cancel_email(&u.id, &e2.id).await.unwrap().status, EmailStatus::Cancelled);
    assert_eq!(lease_of(&store, &e2.id).await.0, None);
}

async fn claims_take_due_unleased_emails_in_due_order_with_what_sending_needs(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let mut no_address = fixtures::new_contact("Nobody Known");
    no_address.email = None;
    let nobody = store.create_contact(&u.id, &no_address).await.unwrap();
    let later =
        store.schedule_email(&u.id, &fixtures::draft(&store, &u, &c, "b").await.id, past(5)).await.unwrap();
    let first = store
        .schedule_email(&u.id, &fixtures::draft(&store, &u, &nobody, "a").await.id, past(10))
        .await
        .unwrap();
    let in_an_hour = Utc::now() + TimeDelta::hours(1);
    let future = fixtures::draft(&store, &u, &c, "c").await;
    let future = store.schedule_email(&u.id, &future.id, in_an_hour).await.unwrap();
    fixtures::draft(&store, &u, &c, "a draft is never claimed").await;

    let now = Utc::now();
    let claimed = store.claim_due("w1", now, LEASE, 10).await.unwrap();
    let ids: Vec<&str> = claimed.iter().map(|d| d.email.id.as_str()).collect();
    assert_eq!(ids, [first.id.as_str(), later.id.as_str()], "due order, future ones left");
    let d = &claimed[1];
    assert_eq!(d.email, later);
    assert_eq!(d.due_at, later.delivery.scheduled_at);
    assert_eq!(
        (d.contact_name.as_str(), d.contact_email.as_deref()),
        ("Ada Lovelace", Some("ada.lovelace@example.com"))
    );
    assert_eq!((d.user_name.as_str(), d.user_email.as_str()), ("Test User", "owner@example.com"));
    assert_eq!(d.tracking_token.len(), 43);
    assert_eq!(claimed[0].contact_email, None, "a contact without an address is reported as None");
    let (locked_by, until, _, _) = lease_of(&store, &later.id).await;
    assert_eq!(locked_by.as_deref(), Some("w1"));
    assert_eq!(until, Some(Ts::new(now + TimeDelta::seconds(300))));
    assert!(
        store.claim_due("w2", Utc::now(), LEASE, 10).await.unwrap().is_empty(),
        "leased rows are skipped"
    );
    assert_eq!(lease_of(&store, &future.id).await.0, None);
    assert!(store.claim_due("w2", Utc::now(), LEASE, 0).await.unwrap().is_empty());
}

async fn claims_give_a_tracking_token_to_rows_queued_without_one(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let mut ids = HashSet::new();
    for i in 0..3 {
        let e = fixtures::draft(&store, &u, &c, &format!("{i}")).await;
        ids.insert(store.schedule_email(&u.id, &e.id, past(1)).await.unwrap().id);
    }
    exec(&store, r#"UPDATE "emails" SET "trackingToken" = NULL"#).await;
    let claimed = store.claim_due("w", Utc::now(), LEASE, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|d| d.email.id.clone()).collect::<HashSet<_>>(), ids);
    let tokens: HashSet<&str> = claimed.iter().map(|d| d.tracking_token.as_str()).collect();
    assert_eq!(tokens.len(), 3, "distinct tokens");
    for d in &claimed {
        assert_eq!(lease_of(&store, &d.email.id).await.3.as_deref(), Some(d.tracking_token.as_str()));
    }
}

async fn concurrent_claimers_never_receive_the_same_email(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let mut all = HashSet::new();
    for i in 0..200 {
        let e = fixtures::draft(&store, &u, &c, &format!("Email {i}")).await;
        all.insert(store.schedule_email(&u.id, &e.id, past(1)).await.unwrap().id);
    }
    let mut tasks = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("worker-{w}");
            let mut mine = Vec::new();
            loop {
                let batch = store.claim_due(&worker, Utc::now(), LEASE, 7).await.unwrap();
                if batch.is_empty() {
                    return mine;
                }
                for d in &batch {
                    assert_eq!(lease_of(&store, &d.email.id).await.0.as_deref(), Some(worker.as_str()));
                }
                mine.extend(batch.into_iter().map(|d| d.email.id));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut seen = Vec::new();
    let mut per_worker = Vec::new();
    for t in tasks {
        let mine = t.await.unwrap();
        per_worker.push(mine.len());
        seen.extend(mine);
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(seen.len(), 200, "no email claimed twice (per worker: {per_worker:?})");
    assert_eq!(unique, all);
}

async fn a_worker_that_lost_its_lease_cannot_record_an_outcome(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let e =
        store.schedule_email(&u.id, &fixtures::draft(&store, &u, &c, "Hi").await.id, past(60)).await.unwrap();
    // Worker A claimed long ago with a one-minute lease, then stalled.
    let a = store.claim_due("A", past(30), Duration::from_secs(60), 10).await.unwrap();
    assert_eq!(a.len(), 1);
    // Its lease expired, so worker B re-claims.
    let b = store.claim_due("B", Utc::now(), LEASE, 10).await.unwrap();
    assert_eq!(b.iter().map(|d| d.email.id.as_str()).collect::<Vec<_>>(), [e.id.as_str()]);
    assert_eq!(b[0].tracking_token, a[0].tracking_token, "the token survives a re-claim");

    let before = store.email(&u.id, &e.id).await.unwrap();
    assert!(!store.mark_sent(&e.id, "A", "<late@example.com>", Utc::now()).await.unwrap());
    assert!(!store.mark_retry(&e.id, "A", "421 busy", Utc::now()).await.unwrap());
    assert!(!store.mark_failed(&e.id, "A", "550 nope").await.unwrap());
    assert_eq!(store.email(&u.id, &e.id).await.unwrap(), before, "nothing changed");
    assert_eq!(lease_of(&store, &e.id).await.0.as_deref(), Some("B"));
    assert_eq!(store.count_history(&u.id, &c.id).await.unwrap(), 0);
    assert_eq!(store.contact(&u.id, &c.id).await.unwrap().last_contacted_at, None);

    assert!(store.mark_sent(&e.id, "B", "<b@example.com>", Utc::now()).await.unwrap());
    assert!(!store.mark_sent(&e.id, "B", "<b@example.com>", Utc::now()).await.unwrap(), "only once");
    assert_eq!(store.count_history(&u.id, &c.id).await.unwrap(), 1);
}

async fn mark_sent_records_the_send_in_history_and_on_the_contact(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let e = fixtures::draft(&store, &u, &c, "Quarterly catch-up").await;
    let token = store::delivery::new_tracking_token();
    store.begin_send_now(&u.id, &e.id, "w", LEASE, &token).await.unwrap();
    let d = store.claimed_email(&e.id, "w").await.unwrap().unwrap();
    assert_eq!((d.email.id.as_str(), d.tracking_token.as_str()), (e.id.as_str(), token.as_str()));
    assert!(store.claimed_email(&e.id, "other").await.unwrap().is_none());

    let sent_at = domain::id::now_ms() - TimeDelta::seconds(3);
    assert!(store.mark_sent(&e.id, "w", "<abc@example.com>", sent_at).await.unwrap());
    let sent = store.email(&u.id, &e.id).await.unwrap();
    assert_eq!(sent.status, EmailStatus::Sent);
    assert_eq!(sent.sent_at, Some(sent_at));
    assert_eq!(sent.delivery.message_id.as_deref(), Some("<abc@example.com>"));
    assert_eq!((sent.delivery.send_attempts, sent.delivery.last_error), (1, None));
    assert_eq!(lease_of(&store, &e.id).await.0, None);

    let page =
        store.list_history(&u.id, &c.id, &store::PageRequest { first: 10, after: None }).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let entry = &page.items[0].0;
    assert_eq!(entry.direction, Direction::Sent);
    assert_eq!(entry.content, "Quarterly catch-up\n\nHello there");
    assert_eq!(entry.timestamp, sent_at);
    assert_eq!(
        entry.metadata,
        Some(
            serde_json::json!({"emailId": e.id, "messageId": "<abc@example.com>", "subject": "Quarterly catch-up"})
        )
    );
    assert_eq!(store.contact(&u.id, &c.id).await.unwrap().last_contacted_at, Some(sent_at));

    // An older send never moves the last-contacted time backwards.
    let older = email_in(&store, &u, &c, EmailStatus::Draft).await;
    store.begin_send_now(&u.id, &older.id, "w", LEASE, &store::delivery::new_tracking_token()).await.unwrap();
    assert!(
        store.mark_sent(&older.id, "w", "<old@example.com>", sent_at - TimeDelta::days(1)).await.unwrap()
    );
    assert_eq!(store.contact(&u.id, &c.id).await.unwrap().last_contacted_at, Some(sent_at));
}

async fn retries_stay_scheduled_and_failures_end_the_email(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let e =
        store.schedule_email(&u.id, &fixtures::draft(&store, &u, &c, "Hi").await.id, past(1)).await.unwrap();
    assert_eq!(store.claim_due("w", Utc::now(), LEASE, 5).await.unwrap().len(), 1);
    let retry_at = domain::id::now_ms() + TimeDelta::minutes(10);
    assert!(store.mark_retry(&e.id, "w", "451 4.3.0 try later", retry_at).await.unwrap());
    let r = store.email(&u.id, &e.id).await.unwrap();
    assert_eq!(r.status, EmailStatus::Scheduled);
    assert_eq!(
        (r.delivery.send_attempts, r.delivery.last_error.as_deref()),
        (1, Some("451 4.3.0 try later"))
    );
    assert_eq!(
        lease_of(&store, &e.id).await,
        (None, None, Some(Ts(retry_at)), lease_of(&store, &e.id).await.3)
    );
    assert_eq!(store.next_due_at().await.unwrap(), Some(retry_at));
    assert!(
        store.claim_due("w", Utc::now(), LEASE, 5).await.unwrap().is_empty(),
        "not before the retry time"
    );

    let again = store.claim_due("w2", retry_at, LEASE, 5).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].email.delivery.send_attempts, 1);
    assert!(store.mark_failed(&e.id, "w2", "550 5.1.1 mailbox unavailable").await.unwrap());
    let f = store.email(&u.id, &e.id).await.unwrap();
    assert_eq!(f.status, EmailStatus::Failed);
    assert_eq!(
        (f.delivery.send_attempts, f.delivery.last_error.as_deref()),
        (2, Some("550 5.1.1 mailbox unavailable"))
    );
    assert_eq!(lease_of(&store, &e.id).await.0, None);
    assert_eq!(store.next_due_at().await.unwrap(), None);
}

async fn a_released_claim_is_claimable_again_at_once_and_unchanged(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let e =
        store.schedule_email(&u.id, &fixtures::draft(&store, &u, &c, "Hi").await.id, past(1)).await.unwrap();
    let now = Utc::now();
    let claimed = store.claim_due("A", now, LEASE, 5).await.unwrap();
    assert_eq!(claimed[0].lease_until, Some(Ts::new(now + TimeDelta::seconds(300)).0));
    assert!(!store.release_claim(&e.id, "B").await.unwrap(), "only the holder can release");
    assert!(store.release_claim(&e.id, "A").await.unwrap());
    assert_eq!(store.email(&u.id, &e.id).await.unwrap(), e, "no attempt counted");
    let again = store.claim_due("B", Utc::now(), LEASE, 5).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].email, e);
}

async fn next_due_at_is_the_earliest_unleased_scheduled_time(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    assert_eq!(store.next_due_at().await.unwrap(), None);
    let soon = domain::id::now_ms() + TimeDelta::minutes(5);
    let later = soon + TimeDelta::hours(1);
    store.schedule_email(&u.id, &fixtures::draft(&store, &u, &c, "later").await.id, later).await.unwrap();
    store.schedule_email(&u.id, &fixtures::draft(&store, &u, &c, "soon").await.id, soon).await.unwrap();
    assert_eq!(store.next_due_at().await.unwrap(), Some(soon));
    // A row being sent right now is not "due" for an idle scheduler.
    let now_email = fixtures::draft(&store, &u, &c, "now").await;
    store
        .begin_send_now(&u.id, &now_email.id, "w", LEASE, &store::delivery::new_tracking_token())
        .await
        .unwrap();
    assert_eq!(store.next_due_at().await.unwrap(), Some(soon));
}

async fn opens_are_recorded_on_the_first_fetch_only(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (u, c) = setup(&store).await;
    let e =
        store.schedule_email(&u.id, &fixtures::draft(&store, &u, &c, "Hi").await.id, past(1)).await.unwrap();
    let d = store.claim_due("w", Utc::now(), LEASE, 1).await.unwrap().remove(0);
    assert!(!store.mark_opened("not-a-token").await.unwrap());
    assert!(!store.mark_opened(&d.tracking_token).await.unwrap(), "not sent yet");
    assert!(store.mark_sent(&e.id, "w", "<x@example.com>", Utc::now()).await.unwrap());
    assert!(store.mark_opened(&d.tracking_token).await.unwrap());
    let opened = store.email(&u.id, &e.id).await.unwrap().opened_at.unwrap();
    assert!(!store.mark_opened(&d.tracking_token).await.unwrap(), "second fetch");
    assert_eq!(store.email(&u.id, &e.id).await.unwrap().opened_at, Some(opened));
    let by_token = store.email_by_tracking_token(&d.tracking_token).await.unwrap().unwrap();
    assert_eq!(by_token.id, e.id);
    assert!(store.email_by_tracking_token("unknown").await.unwrap().is_none());
}

on_both!(
    every_transition_is_allowed_or_refused_as_the_lifecycle_says,
    scheduling_sets_the_schedule_and_resets_a_failed_email,
    another_users_email_is_not_found_for_every_transition,
    unschedule_and_cancel_wait_while_a_worker_holds_the_lease,
    claims_take_due_unleased_emails_in_due_order_with_what_sending_needs,
    claims_give_a_tracking_token_to_rows_queued_without_one,
    concurrent_claimers_never_receive_the_same_email,
    a_worker_that_lost_its_lease_cannot_record_an_outcome,
    mark_sent_records_the_send_in_history_and_on_the_contact,
    retries_stay_scheduled_and_failures_end_the_email,
    a_released_claim_is_claimable_again_at_once_and_unchanged,
    next_due_at_is_the_earliest_unleased_scheduled_time,
    opens_are_recorded_on_the_first_fetch_only,
);
