use super::*;

fn task(value: serde_json::Value) -> TaskResponse {
    serde_json::from_value(value).unwrap()
}

#[test]
fn fresh_url_matches_the_file_then_the_same_object_path() {
    let task = task(serde_json::json!({
        "request_id": "r",
        "output": {
            "task_id": "t",
            "task_status": "SUCCEEDED",
            "results": [
                {"file_url": "a", "transcription_url": "https://h/r/1.json?Signature=new1", "subtask_status": "SUCCEEDED"},
                {"file_url": "b", "transcription_url": "https://h/r/2.json?Signature=new2", "subtask_status": "SUCCEEDED"}
            ]
        }
    }));
    assert_eq!(
        fresh_url(&task, None, "https://h/r/2.json?Signature=old").as_deref(),
        Some("https://h/r/2.json?Signature=new2")
    );
    assert_eq!(
        fresh_url(&task, Some("a"), "https://elsewhere/x.json?Signature=old").as_deref(),
        Some("https://h/r/1.json?Signature=new1")
    );
    assert_eq!(
        fresh_url(&task, None, "https://h/r/3.json?Signature=old"),
        None
    );
}

#[test]
fn a_single_result_is_found_without_an_echoed_url() {
    let task = task(serde_json::json!({
        "output": {
            "task_id": "t",
            "task_status": "SUCCEEDED",
            "result": {"transcription_url": "https://h/q.json?Expires=1&Signature=s"}
        }
    }));
    assert_eq!(
        fresh_url(
            &task,
            Some("oss://x"),
            "https://h/q.json?Expires=0&Signature=old"
        )
        .as_deref(),
        Some("https://h/q.json?Expires=1&Signature=s")
    );
    assert_eq!(
        locate(&task, Some("oss://x"), true).unwrap(),
        "https://h/q.json?Expires=1&Signature=s"
    );
    assert!(
        locate(&task, Some("oss://x"), false).is_err(),
        "not ours unless alone"
    );
}

#[test]
fn a_failed_subtask_fails_its_file_alone_with_the_services_code() {
    let task = task(serde_json::json!({
        "output": {
            "task_id": "t",
            "task_status": "SUCCEEDED",
            "results": [
                {"file_url": "a", "transcription_url": "https://h/1.json", "subtask_status": "SUCCEEDED"},
                {"file_url": "b", "subtask_status": "FAILED", "code": "InvalidFile.DownloadFailed", "message": "no"}
            ]
        }
    }));
    assert_eq!(locate(&task, Some("a"), false).unwrap(), "https://h/1.json");
    let err = locate(&task, Some("b"), false).unwrap_err();
    assert_eq!(
        err.transport().and_then(|e| e.code()),
        Some("InvalidFile.DownloadFailed")
    );
    assert!(err.to_string().contains("FAILED"), "{err}");
}

#[test]
fn a_failed_task_fails_every_file_with_its_code() {
    let task = task(serde_json::json!({
        "output": {"task_id": "t", "task_status": "FAILED", "code": "FILE_403_FORBIDDEN", "message": "m"}
    }));
    let err = locate(&task, Some("a"), false).unwrap_err();
    assert_eq!(
        err.transport().and_then(|e| e.code()),
        Some("FILE_403_FORBIDDEN")
    );
}
