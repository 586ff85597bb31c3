//! Serde behaviour beyond the fixtures: unknown fields and values, the filter string, aliases.

use asr_types::{
    ApiErrorBody, SpecialWordFilter, SubtaskStatus, TaskListResponse, TaskResponse, TaskStatus,
    TranscriptionRequest, UploadPolicyResponse, WordList,
};
use serde_json::{Value, json};

#[test]
fn unknown_fields_and_statuses_survive_a_round_trip() {
    let body = json!({
        "request_id": "r1",
        "brand_new_top": {"nested": [1, 2]},
        "output": {
            "task_id": "t1",
            "task_status": "PAUSED",
            "queue_position": 3,
            "results": [{
                "file_url": "https://example.com/a.wav",
                "subtask_status": "RETRYING",
                "attempt": 2
            }],
            "task_metrics": {"TOTAL": 1, "SUCCEEDED": 0, "FAILED": 0, "RETRYING": 1}
        },
        "usage": {"duration": 4, "characters": 10}
    });
    let parsed: TaskResponse = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(
        parsed.output.task_status,
        TaskStatus::Other("PAUSED".to_owned())
    );
    assert!(!parsed.output.task_status.is_terminal());
    let results = parsed.output.results.as_ref().unwrap();
    assert_eq!(
        results[0].subtask_status,
        Some(SubtaskStatus::Other("RETRYING".to_owned()))
    );
    assert_eq!(parsed.output.extra["queue_position"], json!(3));
    assert_eq!(serde_json::to_value(&parsed).unwrap(), body);
}

#[test]
fn terminal_statuses_are_exactly_the_documented_four() {
    let terminal: Vec<&str> = [
        "PENDING",
        "RUNNING",
        "SUCCEEDED",
        "FAILED",
        "CANCELED",
        "UNKNOWN",
    ]
    .into_iter()
    .filter(|s| TaskStatus::from_wire(s).is_terminal())
    .collect();
    assert_eq!(terminal, ["SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"]);
    for s in [
        "PENDING",
        "RUNNING",
        "SUCCEEDED",
        "FAILED",
        "CANCELED",
        "UNKNOWN",
    ] {
        let status = TaskStatus::from_wire(s);
        assert!(!matches!(status, TaskStatus::Other(_)), "{s} is documented");
        assert_eq!(serde_json::to_value(&status).unwrap(), json!(s));
    }
}

#[test]
fn transcription_urls_cover_both_task_shapes() {
    let fun: TaskResponse = serde_json::from_value(json!({
        "output": {"task_id": "t", "task_status": "SUCCEEDED", "results": [
            {"file_url": "a", "transcription_url": "https://r/1", "subtask_status": "SUCCEEDED"},
            {"file_url": "b", "subtask_status": "FAILED", "code": "InvalidFile.DownloadFailed"}
        ]}
    }))
    .unwrap();
    assert_eq!(fun.output.transcription_urls(), ["https://r/1"]);
    assert_eq!(fun.output.failed_subtasks().count(), 1);
    assert!(fun.output.is_finished());

    let qwen: TaskResponse = serde_json::from_value(json!({
        "output": {"task_id": "t", "task_status": "SUCCEEDED",
                   "result": {"transcription_url": "https://r/q"}},
        "usage": {"seconds": 3}
    }))
    .unwrap();
    assert_eq!(qwen.output.transcription_urls(), ["https://r/q"]);
    assert_eq!(qwen.usage.unwrap().billed_seconds(), Some(3));
}

fn filter() -> SpecialWordFilter {
    let mut f = SpecialWordFilter::default();
    f.filter_with_signed = Some(WordList::new(["测试"]));
    f.filter_with_empty = Some(WordList::new(["开始", "发生"]));
    f.system_reserved_filter = Some(true);
    f
}

#[test]
fn special_word_filter_is_sent_as_a_json_string() {
    let request = TranscriptionRequest::new("fun-asr", ["https://example.com/a.wav"])
        .with_special_word_filter(filter());
    let body = serde_json::to_value(&request).unwrap();
    let sent = &body["parameters"]["special_word_filter"];
    assert_eq!(
        sent,
        &json!(
            "{\"filter_with_signed\": {\"word_list\": [\"测试\"]}, \"filter_with_empty\": \
             {\"word_list\": [\"开始\", \"发生\"]}, \"system_reserved_filter\": true}"
        )
    );
    let inner: Value = serde_json::from_str(sent.as_str().unwrap()).unwrap();
    assert_eq!(inner["filter_with_empty"]["word_list"][1], "发生");
}

#[test]
fn special_word_filter_is_read_from_a_string_or_an_object() {
    let as_string = json!({
        "model": "fun-asr", "input": {"file_urls": ["https://e.com/a.wav"]},
        "parameters": {"special_word_filter": filter().to_wire_string()}
    });
    let as_object = json!({
        "model": "fun-asr", "input": {"file_urls": ["https://e.com/a.wav"]},
        "parameters": {"special_word_filter": serde_json::to_value(filter()).unwrap()}
    });
    for body in [as_string, as_object] {
        let request: TranscriptionRequest = serde_json::from_value(body).unwrap();
        assert_eq!(request.parameters.special_word_filter, Some(filter()));
    }
}

#[test]
fn a_malformed_filter_string_is_a_parse_error_naming_the_parameter() {
    let body = json!({
        "model": "fun-asr", "input": {"file_urls": ["https://e.com/a.wav"]},
        "parameters": {"special_word_filter": "{not json"}
    });
    let err = serde_json::from_value::<TranscriptionRequest>(body).unwrap_err();
    assert!(err.to_string().contains("special_word_filter"), "{err}");
}

#[test]
fn empty_parameters_are_still_sent_and_unset_options_omitted() {
    let request = TranscriptionRequest::new("paraformer-v1", ["https://e.com/a.wav"]);
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"model": "paraformer-v1", "parameters": {}, "input": {"file_urls": ["https://e.com/a.wav"]}})
    );
    let with_options = request.with_phrase_id("phrase-xyz").with_channels([0, 1]);
    assert_eq!(
        serde_json::to_value(&with_options).unwrap(),
        json!({
            "model": "paraformer-v1",
            "parameters": {"channel_id": [0, 1]},
            "resources": [{"resource_id": "phrase-xyz", "resource_type": "asr_phrase"}],
            "input": {"file_urls": ["https://e.com/a.wav"]}
        })
    );
}

#[test]
fn task_list_accepts_the_sdk_v2_tasks_key() {
    let parsed: TaskListResponse = serde_json::from_value(json!({
        "request_id": "r", "total": 1,
        "tasks": [{"task_id": "t1", "status": "RUNNING", "gmt_create": 1745568428109_i64}]
    }))
    .unwrap();
    assert_eq!(parsed.data.len(), 1);
    assert_eq!(parsed.data[0].status, Some(TaskStatus::Running));
}

#[test]
fn native_error_accepts_msg_for_message() {
    let parsed: ApiErrorBody =
        serde_json::from_value(json!({"code": "Throttling", "msg": "slow down"})).unwrap();
    assert_eq!(parsed.message, "slow down");
    assert_eq!(parsed.request_id, None);
}

#[test]
fn upload_policy_numbers_may_be_strings() {
    let parsed: UploadPolicyResponse = serde_json::from_value(json!({
        "request_id": "r",
        "data": {
            "policy": "p", "signature": "secret-signature", "upload_dir": "dashscope-instant/x",
            "upload_host": "https://h", "expire_in_seconds": "300", "max_file_size_mb": 100,
            "capacity_limit_mb": "999999999", "oss_access_key_id": "LTA",
            "x_oss_object_acl": "private", "x_oss_forbid_overwrite": "true"
        }
    }))
    .unwrap();
    assert_eq!(parsed.data.expire_in_seconds, Some(300));
    assert_eq!(parsed.data.capacity_limit_mb, Some(999_999_999));
    assert_eq!(
        parsed.data.oss_url("cat.wav"),
        "oss://dashscope-instant/x/cat.wav"
    );
    let debug = format!("{parsed:?}");
    assert!(!debug.contains("secret-signature"), "{debug}");
}

#[test]
fn upload_policy_rejects_a_non_numeric_string() {
    let err = serde_json::from_value::<UploadPolicyResponse>(json!({
        "data": {
            "policy": "p", "signature": "s", "upload_dir": "d", "upload_host": "h",
            "expire_in_seconds": "soon", "oss_access_key_id": "k",
            "x_oss_object_acl": "private", "x_oss_forbid_overwrite": "true"
        }
    }))
    .unwrap_err();
    assert!(err.to_string().contains("soon"), "{err}");
}
