//! The vocabulary calls against `asr-emulator` on 127.0.0.1: every action, the quota, unknown
//! ids, paging, readiness, a lost create answer, and the sync.

// Test helpers outside `#[test]` functions panic on setup failures by design.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Endpoint, FaultConfig, FaultRule};
use asr_transport::{Client, Config, Model, SyncAction, SyncSpec, VocabularyError};
use asr_types::{
    CreateVocabularyRequest, VocabularyId, VocabularyItem, VocabularyStatus, VocabularySummary,
};
use futures_util::TryStreamExt as _;

/// An emulator whose vocabularies turn `OK` after `ready_after`, holding at most `quota`.
async fn setup(ready_after: Duration, quota: usize) -> (EmulatorHandle, Client) {
    let emu = Emulator::start(
        EmulatorConfig::new()
            .with_vocabulary_ready_after(ready_after)
            .with_vocabulary_quota(quota),
    )
    .await
    .expect("start emulator");
    let client = Config::new("sk-test")
        .with_base_url(emu.native_base())
        .with_backoff(Duration::from_millis(10), Duration::from_millis(100), true)
        .with_attempt_timeout(Duration::from_secs(10))
        .with_total_timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    (emu, client)
}

fn item(text: &str, weight: u32) -> VocabularyItem {
    VocabularyItem::new(text, weight)
}

fn create_request(prefix: &str, items: Vec<VocabularyItem>) -> CreateVocabularyRequest {
    CreateVocabularyRequest::new(Model::FUN_ASR, prefix, items)
}

async fn create(client: &Client, prefix: &str) -> VocabularyId {
    client
        .create_vocabulary(&create_request(prefix, vec![item("Kubernetes", 4)]))
        .await
        .unwrap()
        .vocabulary_id
}

async fn list_all(client: &Client, prefix: Option<&str>) -> Vec<VocabularySummary> {
    client
        .list_vocabularies(prefix)
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn create_get_list_update_delete() {
    let (emu, client) = setup(Duration::from_secs(60), 10).await;
    let created = client
        .create_vocabulary(&create_request(
            "crud",
            vec![item("Kubernetes", 4), item("通义千问", 5).with_lang("zh")],
        ))
        .await
        .unwrap();
    let id = created.vocabulary_id;
    assert_eq!(id.prefix(), Some("crud"));

    let details = client.get_vocabulary(&id).await.unwrap();
    assert_eq!(details.status, Some(VocabularyStatus::Undeployed));
    assert!(!details.is_ready());
    assert_eq!(details.target_model, Some(Model::FUN_ASR));
    assert_eq!(
        details.vocabulary,
        vec![item("Kubernetes", 4), item("通义千问", 5).with_lang("zh")]
    );

    let listed = list_all(&client, None).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].vocabulary_id, id);

    client
        .update_vocabulary(&id, vec![item("DashScope", 3)])
        .await
        .unwrap();
    assert_eq!(
        client.get_vocabulary(&id).await.unwrap().vocabulary,
        vec![item("DashScope", 3)]
    );

    client.delete_vocabulary(&id).await.unwrap();
    assert!(list_all(&client, None).await.is_empty());
    // Every call was one request: nothing needed a retry.
    assert_eq!(emu.count(Endpoint::Vocabulary), 7);
}

#[tokio::test]
async fn a_full_quota_is_not_retried_and_says_what_to_do() {
    let (emu, client) = setup(Duration::from_secs(60), 2).await;
    create(&client, "one").await;
    create(&client, "two").await;
    let err = client
        .create_vocabulary(&create_request("three", vec![item("Kubernetes", 4)]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, VocabularyError::QuotaExhausted { .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("delete a vocabulary you no longer need") && text.contains("larger quota"),
        "{text}"
    );
    // The service's own answer stays reachable as the source.
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("Throttling.AllocationQuota"), "{source}");
    assert_eq!(emu.count(Endpoint::Vocabulary), 3, "the refusal was resent");
    assert_eq!(list_all(&client, None).await.len(), 2);
}

#[tokio::test]
async fn an_unknown_id_is_named_by_every_call() {
    let (_emu, client) = setup(Duration::from_secs(60), 10).await;
    let id = VocabularyId::new("vocab-nothere-0123456789abcdef0123456789abcdef");
    let errors = [
        client.get_vocabulary(&id).await.unwrap_err(),
        client
            .update_vocabulary(&id, vec![item("a", 4)])
            .await
            .unwrap_err(),
        client.delete_vocabulary(&id).await.unwrap_err(),
        client
            .wait_vocabulary_ready(&id, Duration::from_secs(5))
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert!(
            matches!(&err, VocabularyError::UnknownVocabulary { id: got, .. } if *got == id),
            "{err:?}"
        );
        assert!(err.to_string().contains(id.as_str()), "{err}");
    }
}

#[tokio::test]
async fn the_list_follows_every_page_and_the_prefix_filter() {
    let (emu, client) = setup(Duration::from_secs(60), 30).await;
    for n in 0..23 {
        let prefix = if n % 2 == 0 { "even" } else { "odd" };
        create(&client, prefix).await;
    }
    let before = emu.count(Endpoint::Vocabulary);
    let all = list_all(&client, None).await;
    assert_eq!(all.len(), 23);
    let mut ids: Vec<&VocabularyId> = all.iter().map(|v| &v.vocabulary_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 23, "a vocabulary was listed twice");
    // Pages of 10: 10, 10 and a short last page of 3.
    assert_eq!(emu.count(Endpoint::Vocabulary) - before, 3);

    let even = list_all(&client, Some("even")).await;
    assert_eq!(even.len(), 12);
    assert!(
        even.iter()
            .all(|v| v.vocabulary_id.prefix() == Some("even"))
    );
}

#[tokio::test]
async fn a_full_last_page_ends_with_one_empty_page() {
    let (emu, client) = setup(Duration::from_secs(60), 10).await;
    for _ in 0..10 {
        create(&client, "ten").await;
    }
    let before = emu.count(Endpoint::Vocabulary);
    assert_eq!(list_all(&client, Some("ten")).await.len(), 10);
    assert_eq!(emu.count(Endpoint::Vocabulary) - before, 2);
}

#[tokio::test]
async fn wait_ready_polls_until_ok() {
    let (emu, client) = setup(Duration::from_secs(1), 10).await;
    let id = create(&client, "ready").await;
    let before = emu.count(Endpoint::Vocabulary);
    let ready = client
        .wait_vocabulary_ready(&id, Duration::from_secs(20))
        .await
        .unwrap();
    assert!(ready.is_ready());
    assert_eq!(ready.status, Some(VocabularyStatus::Ok));
    let queries = emu.count(Endpoint::Vocabulary) - before;
    assert!(
        queries >= 2,
        "expected an UNDEPLOYED answer first, got {queries} queries"
    );
}

#[tokio::test]
async fn wait_ready_gives_up_at_the_deadline_with_the_id() {
    let (_emu, client) = setup(Duration::from_secs(600), 10).await;
    let id = create(&client, "slow").await;
    let err = client
        .wait_vocabulary_ready(&id, Duration::from_millis(300))
        .await
        .unwrap_err();
    let VocabularyError::NotReady {
        id: got, status, ..
    } = &err
    else {
        panic!("expected NotReady, got {err:?}");
    };
    assert_eq!(got, &id);
    assert_eq!(status, &Some(VocabularyStatus::Undeployed));
    assert_eq!(err.vocabulary_id(), Some(&id));
    assert!(err.to_string().contains(id.as_str()), "{err}");
}

#[tokio::test]
async fn a_throttled_read_is_retried() {
    let (emu, client) = setup(Duration::from_secs(60), 10).await;
    let id = create(&client, "retry").await;
    emu.set_faults(
        FaultConfig::new().with(
            Endpoint::Vocabulary,
            FaultRule::new()
                .with_throttle(1.0)
                .with_retry_after(Duration::ZERO)
                .with_limit(1),
        ),
    );
    let before = emu.count(Endpoint::Vocabulary);
    client.get_vocabulary(&id).await.unwrap();
    assert_eq!(emu.count(Endpoint::Vocabulary) - before, 2);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_not_resent() {
    let (emu, client) = setup(Duration::from_secs(60), 10).await;
    emu.set_faults(FaultConfig::new().with(
        Endpoint::Vocabulary,
        FaultRule::new().with_lose_response(1.0).with_limit(1),
    ));
    let err = client
        .create_vocabulary(&create_request("lost", vec![item("Kubernetes", 4)]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, VocabularyError::CreateOutcomeUnknown { prefix, .. } if prefix == "lost"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(emu.count(Endpoint::Vocabulary), 1, "the create was resent");
    // The service did create it: exactly one.
    assert_eq!(list_all(&client, Some("lost")).await.len(), 1);
}

#[tokio::test]
async fn sync_creates_then_does_nothing_then_updates_with_the_difference() {
    let (emu, client) = setup(Duration::from_millis(100), 10).await;
    let spec = |items| SyncSpec::new("team", Model::FUN_ASR, items);
    let first = client
        .sync_vocabulary(spec(vec![item("Kubernetes", 4), item("Alibaba", 3)]))
        .await
        .unwrap();
    assert_eq!(first.plan.action, SyncAction::Create);
    assert_eq!(first.plan.diff.added.len(), 2);
    let id = first.vocabulary_id.clone();

    let writes = |emu: &EmulatorHandle| {
        emu.requests()["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                let body = r["body"].to_string();
                body.contains("create_vocabulary") || body.contains("update_vocabulary")
            })
            .count()
    };
    let before = writes(&emu);
    let again = client
        .sync_vocabulary(spec(vec![item("Alibaba", 3), item("Kubernetes", 4)]))
        .await
        .unwrap();
    assert_eq!(again.plan.action, SyncAction::Unchanged { id: id.clone() });
    assert!(again.plan.diff.is_empty());
    assert_eq!(again.vocabulary_id, id);
    assert_eq!(writes(&emu), before, "a no-op sync wrote");

    let changed = client
        .sync_vocabulary(spec(vec![item("Kubernetes", 5), item("DashScope", 4)]))
        .await
        .unwrap();
    assert_eq!(changed.plan.action, SyncAction::Update { id: id.clone() });
    assert_eq!(changed.plan.diff.added, vec![item("DashScope", 4)]);
    assert_eq!(changed.plan.diff.removed, vec![item("Alibaba", 3)]);
    assert_eq!(changed.plan.diff.reweighted.len(), 1);
    assert_eq!(
        client.get_vocabulary(&id).await.unwrap().vocabulary,
        vec![item("Kubernetes", 5), item("DashScope", 4)]
    );
    client
        .wait_vocabulary_ready(&id, Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(list_all(&client, None).await.len(), 1);
}

#[tokio::test]
async fn a_plan_changes_nothing_until_applied() {
    let (_emu, client) = setup(Duration::from_secs(60), 10).await;
    let plan = client
        .plan_vocabulary_sync(SyncSpec::new(
            "dry",
            Model::FUN_ASR,
            vec![item("Kubernetes", 4)],
        ))
        .await
        .unwrap();
    assert_eq!(plan.action, SyncAction::Create);
    assert!(list_all(&client, None).await.is_empty());
    let id = client.apply_vocabulary_sync(&plan).await.unwrap();
    assert_eq!(list_all(&client, None).await[0].vocabulary_id, id);
}

#[tokio::test]
async fn sync_finds_the_vocabulary_its_lost_create_made() {
    let (emu, client) = setup(Duration::from_secs(60), 10).await;
    // Another model's list with the same prefix is not taken for the new one.
    let other = client
        .create_vocabulary(&CreateVocabularyRequest::new(
            Model::PARAFORMER_V2,
            "lost",
            vec![item("Kubernetes", 4)],
        ))
        .await
        .unwrap()
        .vocabulary_id;
    let plan = client
        .plan_vocabulary_sync(SyncSpec::new(
            "lost",
            Model::FUN_ASR,
            vec![item("Kubernetes", 4)],
        ))
        .await
        .unwrap();
    assert_eq!(plan.action, SyncAction::Create);
    assert_eq!(plan.others.len(), 1);
    // The next request, the create, is processed but its answer lost.
    emu.set_faults(FaultConfig::new().with(
        Endpoint::Vocabulary,
        FaultRule::new().with_lose_response(1.0).with_limit(1),
    ));
    let id = client.apply_vocabulary_sync(&plan).await.unwrap();
    assert_ne!(id, other);
    let creates = emu.requests()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["body"].to_string().contains("create_vocabulary"))
        .count();
    assert_eq!(
        creates, 2,
        "one create for the other model, one for the sync"
    );
    let lost: Vec<VocabularyId> = list_all(&client, Some("lost"))
        .await
        .into_iter()
        .map(|v| v.vocabulary_id)
        .collect();
    assert_eq!(lost.len(), 2, "{lost:?}");
    assert!(lost.contains(&id) && lost.contains(&other));
    assert_eq!(
        client.get_vocabulary(&id).await.unwrap().target_model,
        Some(Model::FUN_ASR)
    );
}
