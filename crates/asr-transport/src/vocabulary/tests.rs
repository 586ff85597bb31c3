use std::time::Duration;

use asr_types::{Model, VocabularyDetails, VocabularyId, VocabularyItem};

use super::*;

fn item(text: &str, weight: u32) -> VocabularyItem {
    VocabularyItem::new(text, weight)
}

fn existing(id: &str, model: Option<&str>, items: Vec<VocabularyItem>) -> ExistingVocabulary {
    let details: VocabularyDetails = serde_json::from_value(serde_json::json!({
        "status": "OK",
        "target_model": model,
        "vocabulary": items,
    }))
    .unwrap();
    ExistingVocabulary::new(VocabularyId::new(id), details)
}

fn spec(items: Vec<VocabularyItem>) -> SyncSpec {
    SyncSpec::new("meet", Model::FUN_ASR, items)
}

const ID: &str = "vocab-meet-00000000000000000000000000000001";

#[test]
fn nothing_with_the_prefix_plans_a_create_adding_every_item() {
    let other_prefix = existing(
        "vocab-meetings-00000000000000000000000000000002",
        Some("fun-asr"),
        vec![item("Kubernetes", 4)],
    );
    let plan = plan_sync(spec(vec![item("Kubernetes", 4)]), &[other_prefix]).unwrap();
    assert_eq!(plan.action, SyncAction::Create);
    assert_eq!(plan.diff.added, vec![item("Kubernetes", 4)]);
    assert!(plan.diff.removed.is_empty() && plan.diff.reweighted.is_empty());
    // `meetings` is not `meet`, whatever the service's own prefix filter matched.
    assert!(plan.known.is_empty());
    assert_eq!(plan.vocabulary_id(), None);
}

#[test]
fn the_same_items_in_another_order_are_unchanged() {
    let current = existing(
        ID,
        Some("fun-asr"),
        vec![item("Alibaba", 3), item("Kubernetes", 4)],
    );
    let plan = plan_sync(
        spec(vec![item("Kubernetes", 4), item("Alibaba", 3)]),
        &[current],
    )
    .unwrap();
    assert_eq!(
        plan.action,
        SyncAction::Unchanged {
            id: VocabularyId::new(ID)
        }
    );
    assert!(plan.diff.is_empty());
}

#[test]
fn a_lang_filled_in_by_the_service_is_not_a_change_but_a_wanted_lang_is() {
    let current = existing(
        ID,
        Some("fun-asr"),
        vec![
            item("通义千问", 4).with_lang("zh"),
            item("Kubernetes", 4).with_lang("en"),
        ],
    );
    let wanted = vec![item("通义千问", 4), item("Kubernetes", 4).with_lang("ja")];
    let plan = plan_sync(spec(wanted), &[current]).unwrap();
    assert_eq!(plan.diff.reweighted.len(), 1, "{:?}", plan.diff);
    let change = &plan.diff.reweighted[0];
    assert_eq!(change.from.lang.as_deref(), Some("en"));
    assert_eq!(change.to.lang.as_deref(), Some("ja"));
}

#[test]
fn differences_are_added_removed_and_reweighted_in_a_stable_order() {
    let current = existing(
        ID,
        Some("fun-asr"),
        vec![
            item("Docker", 3),
            item("Alibaba", 3),
            item("Kubernetes", 4),
            item("Zookeeper", 2),
        ],
    );
    let wanted = vec![
        item("Qwen", 4),
        item("Alibaba", 5),
        item("Kubernetes", 4),
        item("DashScope", 4),
    ];
    let plan = plan_sync(spec(wanted), &[current]).unwrap();
    assert_eq!(
        plan.action,
        SyncAction::Update {
            id: VocabularyId::new(ID)
        }
    );
    assert_eq!(plan.diff.added, vec![item("Qwen", 4), item("DashScope", 4)]);
    assert_eq!(
        plan.diff.removed,
        vec![item("Docker", 3), item("Zookeeper", 2)]
    );
    assert_eq!(
        plan.diff.reweighted,
        vec![ItemChange {
            from: item("Alibaba", 3),
            to: item("Alibaba", 5)
        }]
    );
}

#[test]
fn a_text_held_twice_loses_its_extra_copy() {
    let diff = diff_items(&[item("Qwen", 4), item("Qwen", 2)], &[item("Qwen", 4)]);
    assert!(diff.added.is_empty() && diff.reweighted.is_empty());
    assert_eq!(diff.removed, vec![item("Qwen", 2)]);
}

#[test]
fn a_list_for_another_model_is_left_alone_and_a_new_one_planned() {
    let paraformer = existing(ID, Some("paraformer-v2"), vec![item("Kubernetes", 4)]);
    let plan = plan_sync(spec(vec![item("Kubernetes", 4)]), &[paraformer]).unwrap();
    assert_eq!(plan.action, SyncAction::Create);
    assert_eq!(plan.others.len(), 1);
    assert_eq!(plan.known, vec![VocabularyId::new(ID)]);
}

#[test]
fn an_answer_without_target_model_counts_as_a_match() {
    let unknown = existing(ID, None, vec![item("Kubernetes", 4)]);
    let plan = plan_sync(spec(vec![item("Kubernetes", 4)]), &[unknown]).unwrap();
    assert!(matches!(plan.action, SyncAction::Unchanged { .. }));
}

#[test]
fn two_lists_for_the_prefix_and_model_are_ambiguous_and_named() {
    let second = "vocab-meet-00000000000000000000000000000002";
    let lists = [
        existing(ID, Some("fun-asr"), vec![item("a", 4)]),
        existing(second, Some("fun-asr"), vec![item("b", 4)]),
    ];
    let err = plan_sync(spec(vec![item("a", 4)]), &lists).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, VocabularyError::Ambiguous { .. }), "{err:?}");
    assert!(
        text.contains(ID) && text.contains(second) && text.contains("delete all but one"),
        "{text}"
    );
}

#[test]
fn every_bad_item_is_reported_with_its_index_before_anything_else() {
    let wanted = vec![
        item("Kubernetes", 9),
        item("fine", 4),
        item("one two three four five six seven eight", 4),
        item("通义千问", 4).with_lang("cn"),
    ];
    // The prefix is bad too, but the items are reported first, all of them.
    let err = plan_sync(SyncSpec::new("Bad Prefix", Model::FUN_ASR, wanted), &[]).unwrap_err();
    let VocabularyError::InvalidItems { issues } = &err else {
        panic!("expected item issues, got {err:?}");
    };
    let indexes: Vec<Option<usize>> = issues.iter().map(|i| i.index).collect();
    assert_eq!(indexes, vec![Some(0), Some(2), Some(3)]);
    assert!(issues[0].error.field.ends_with(".weight"));
    assert!(issues[2].error.field.ends_with(".lang"));
}

#[test]
fn a_bad_prefix_or_model_is_named() {
    let err = plan_sync(
        SyncSpec::new("Meetings!", Model::FUN_ASR, vec![item("a", 4)]),
        &[],
    )
    .unwrap_err();
    assert!(err.to_string().contains("input.prefix"), "{err}");
    let err = plan_sync(
        SyncSpec::new("meet", Model::QWEN3_ASR_FLASH_FILETRANS, vec![item("a", 4)]),
        &[],
    )
    .unwrap_err();
    assert!(err.to_string().contains("input.target_model"), "{err}");
}

#[test]
fn readiness_polls_start_fast_and_back_off_to_a_ceiling() {
    let delays: Vec<Duration> = (0..8).map(ready_poll_delay).collect();
    assert_eq!(delays[0], Duration::from_millis(250));
    assert_eq!(delays[1], Duration::from_millis(500));
    assert!(delays.windows(2).all(|w| w[0] <= w[1]), "{delays:?}");
    assert_eq!(delays[7], Duration::from_secs(4));
    assert_eq!(ready_poll_delay(u32::MAX), Duration::from_secs(4));
}

#[test]
fn quota_and_unknown_id_answers_get_their_own_variants() {
    let answer = |code: &str| {
        let body = serde_json::json!({"code": code, "message": "m", "request_id": "r"});
        Error::Response(asr_protocol::error::parse_error(
            http::StatusCode::BAD_REQUEST,
            &http::HeaderMap::new(),
            body.to_string().as_bytes(),
        ))
    };
    let id = VocabularyId::new(ID);
    let quota = VocabularyError::from_call(answer("Throttling.AllocationQuota"), Some(&id));
    assert!(matches!(quota, VocabularyError::QuotaExhausted { .. }));
    assert!(!quota.is_retryable());
    let text = quota.to_string();
    assert!(
        text.contains("delete a vocabulary") && text.contains("larger quota"),
        "{text}"
    );
    let unknown = VocabularyError::from_call(answer("BadRequest.ResourceNotExist"), Some(&id));
    assert_eq!(unknown.vocabulary_id(), Some(&id));
    assert!(unknown.to_string().contains(ID));
    let other = VocabularyError::from_call(answer("InvalidParameter"), Some(&id));
    assert!(matches!(other, VocabularyError::Transport(_)));
}

#[test]
fn an_update_plan_says_when_the_service_takes_it() {
    let mut current = existing(ID, Some("fun-asr"), vec![item("Kubernetes", 4)]);
    current.details.gmt_create = Some("2024-01-01 08:00:00".to_owned());
    // Never updated (modified = created): the update may apply at once.
    current.details.gmt_modified = current.details.gmt_create.clone();
    let plan = plan_sync(
        spec(vec![item("Kubernetes", 5)]),
        std::slice::from_ref(&current),
    )
    .unwrap();
    assert!(matches!(plan.action, SyncAction::Update { .. }));
    assert_eq!(plan.update_allowed_at, None);
    // Updated at 08:10 UTC+8 (00:10 UTC): the next update from 00:15 UTC.
    current.details.gmt_modified = Some("2024-01-01 08:10:00".to_owned());
    let plan = plan_sync(
        spec(vec![item("Kubernetes", 5)]),
        std::slice::from_ref(&current),
    )
    .unwrap();
    let at = std::time::UNIX_EPOCH + Duration::from_secs(1_704_067_200 + 15 * 60);
    assert_eq!(plan.update_allowed_at, Some(at));
    let id = VocabularyId::new(ID);
    check_update_allowed(&id, plan.update_allowed_at, at).unwrap();
    let err = check_update_allowed(&id, plan.update_allowed_at, at - Duration::from_secs(61))
        .unwrap_err();
    assert!(err.to_string().contains("run this again in 1m01s"), "{err}");
    // Nothing to change: no time needed.
    let plan = plan_sync(spec(vec![item("Kubernetes", 4)]), &[current]).unwrap();
    assert_eq!(plan.update_allowed_at, None);
}

#[test]
fn a_job_is_warned_about_lists_the_service_would_ignore() {
    let id = VocabularyId::new(ID);
    let ready = existing(ID, Some("fun-asr"), vec![item("Kubernetes", 4)]).details;
    assert!(vocabulary_warnings(&id, &ready, &Model::FUN_ASR).is_empty());
    let warnings = vocabulary_warnings(&id, &ready, &Model::FUN_ASR_MTL);
    assert!(matches!(
        &warnings[..],
        [asr_types::Warning::VocabularyForAnotherModel { .. }]
    ));
    let mut undeployed = ready.clone();
    undeployed.status = Some(asr_types::VocabularyStatus::Undeployed);
    let warnings = vocabulary_warnings(&id, &undeployed, &Model::FUN_ASR);
    assert!(
        warnings[0]
            .to_string()
            .contains("UNDEPLOYED and recognition ignores it"),
        "{}",
        warnings[0]
    );
    // An answer without `target_model` gives no model warning (nothing is known).
    let mut unknown = ready;
    unknown.target_model = None;
    assert!(vocabulary_warnings(&id, &unknown, &Model::PARAFORMER_V2).is_empty());
}
