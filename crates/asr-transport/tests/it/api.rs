//! Happy paths of every API call, and the wait's deadline and cancellation.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asr_emulator::Endpoint;
use asr_transport::{
    Error, Model, PollEvent, QwenFiletransRequest, ResultDocument, TaskStatus,
    TranscriptionRequest, WaitOptions,
};
use asr_types::ListTasksQuery;
use futures_util::TryStreamExt;

use crate::{fast, logged, quick_wait, setup};

#[tokio::test]
async fn submit_wait_and_fetch_file_urls_task() {
    let (emu, client) = setup(fast()).await;
    let urls = ["https://example.com/a.wav", "https://example.com/b.wav"];
    let submitted = client
        .submit(TranscriptionRequest::new(Model::FUN_ASR, urls))
        .await
        .unwrap();
    let task_id = submitted.output.task_id;
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let done = client
        .wait(
            &task_id,
            quick_wait().with_progress(move |e| seen.lock().unwrap().push(e.event.clone())),
        )
        .await
        .unwrap();
    assert_eq!(done.output.task_status, TaskStatus::Succeeded);
    let result_urls = done.output.transcription_urls();
    assert_eq!(result_urls.len(), 2);
    for url in result_urls {
        let doc = client.fetch_result(url).await.unwrap();
        assert!(matches!(doc, ResultDocument::Transcription(_)), "{doc:?}");
        assert!(urls.contains(&doc.file_url().unwrap()));
        assert!(!doc.channels().is_empty());
    }
    let events = events.lock().unwrap();
    assert!(
        events.iter().any(|e| matches!(
            e,
            PollEvent::StatusChanged {
                to: TaskStatus::Succeeded,
                ..
            }
        )),
        "{events:?}"
    );
    // The submit carried the async header and the key; the log redacts the key.
    let submit = &logged(&emu, "submit")[0];
    assert_eq!(submit["headers"]["x-dashscope-async"], "enable");
    assert!(!emu.requests().to_string().contains("sk-test"));
}

#[tokio::test]
async fn submit_wait_and_fetch_qwen_filetrans_task() {
    let (_emu, client) = setup(fast()).await;
    let request = QwenFiletransRequest::new(
        Model::QWEN3_ASR_FLASH_FILETRANS,
        "https://example.com/q.wav",
    );
    let task_id = client.submit(request).await.unwrap().output.task_id;
    let done = client.wait(&task_id, quick_wait()).await.unwrap();
    assert_eq!(done.output.task_status, TaskStatus::Succeeded);
    let url = done
        .output
        .result
        .as_ref()
        .and_then(|r| r.transcription_url.clone())
        .unwrap();
    let doc = client.fetch_result(&url).await.unwrap();
    assert!(matches!(doc, ResultDocument::Qwen(_)), "{doc:?}");
    assert!(done.usage.and_then(|u| u.billed_seconds()).is_some());
}

#[tokio::test]
async fn invalid_request_is_refused_before_sending() {
    let (emu, client) = setup(fast()).await;
    let too_many: Vec<String> = (0..101)
        .map(|i| format!("https://example.com/{i}.wav"))
        .collect();
    let err = client
        .submit(TranscriptionRequest::new(Model::FUN_ASR, too_many))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err}");
    assert!(err.to_string().contains("file_urls"), "{err}");
    assert_eq!(emu.count(Endpoint::Submit), 0);
}

#[tokio::test]
async fn service_errors_keep_code_message_and_request_id() {
    let emu = asr_emulator::Emulator::start(fast().with_api_key("sk-right"))
        .await
        .unwrap();
    let client = crate::client_config(&emu)
        .with_api_key("sk-wrong")
        .build()
        .unwrap();
    let err = client.task(&"some-task".into()).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidApiKey"));
    assert_eq!(err.status(), Some(http::StatusCode::UNAUTHORIZED));
    assert!(err.request_id().is_some(), "{err:?}");
    assert!(err.message().is_some());
    assert!(!err.is_retryable());
    // Not retried: the key will not become valid.
    assert_eq!(emu.count(Endpoint::GetTask), 1);
    assert!(!format!("{err} {err:?}").contains("sk-wrong"));
}

#[tokio::test]
async fn unknown_task_is_reported_by_task_and_ends_a_wait() {
    let (_emu, client) = setup(fast()).await;
    let id = "no-such-task".into();
    let task = client.task(&id).await.unwrap();
    assert_eq!(task.output.task_status, TaskStatus::Unknown);
    let err = client.wait(&id, quick_wait()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Wait(asr_transport::PollError::UnknownTask { .. })
        ),
        "{err}"
    );
    assert_eq!(err.task_id(), Some(&id));
}

#[tokio::test]
async fn cancel_a_pending_task_then_refuse_a_second_cancel() {
    let (_emu, client) = setup(fast().with_processing_time(Duration::from_secs(30))).await;
    let id = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap()
        .output
        .task_id;
    client.cancel(&id).await.unwrap();
    let task = client.wait(&id, quick_wait()).await.unwrap();
    assert_eq!(task.output.task_status, TaskStatus::Canceled);
    let err = client.cancel(&id).await.unwrap_err();
    assert_eq!(err.code(), Some("UnsupportedOperation"));
}

#[tokio::test]
async fn list_tasks_follows_every_page() {
    let (_emu, client) = setup(fast()).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let url = format!("https://example.com/{i}.wav");
        ids.push(
            client
                .submit(TranscriptionRequest::new(Model::FUN_ASR, [url]))
                .await
                .unwrap()
                .output
                .task_id,
        );
    }
    let mut query = ListTasksQuery::default();
    query.page_size = Some(5);
    let items: Vec<_> = client.list_tasks(query).try_collect().await.unwrap();
    let mut listed: Vec<_> = items.iter().filter_map(|t| t.task_id.clone()).collect();
    listed.sort();
    ids.sort();
    assert_eq!(listed, ids);
}

#[tokio::test]
async fn wait_deadline_keeps_the_task_id_and_the_task_running() {
    let (_emu, client) = setup(fast().with_processing_time(Duration::from_secs(60))).await;
    let id = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap()
        .output
        .task_id;
    let err = client
        .wait(&id, quick_wait().with_deadline(Duration::from_millis(300)))
        .await
        .unwrap_err();
    match &err {
        Error::Wait(asr_transport::PollError::DeadlineExceeded {
            task_id,
            last_status,
        }) => {
            assert_eq!(task_id, &id);
            assert!(
                matches!(last_status, Some(TaskStatus::Pending | TaskStatus::Running)),
                "{last_status:?}"
            );
        }
        other => panic!("expected a deadline error, got {other}"),
    }
    assert!(err.is_retryable());
    let still = client.task(&id).await.unwrap();
    assert!(!still.output.task_status.is_terminal());
}

#[tokio::test]
async fn dropping_a_wait_cancels_the_wait_not_the_task() {
    let (emu, client) = setup(fast().with_processing_time(Duration::from_secs(60))).await;
    let id = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap()
        .output
        .task_id;
    let waiting = {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move { client.wait(&id, WaitOptions::default()).await })
    };
    // Let the wait send its first query, then drop it.
    while emu.count(Endpoint::GetTask) == 0 {
        tokio::task::yield_now().await;
    }
    waiting.abort();
    let joined = waiting.await;
    assert!(joined.unwrap_err().is_cancelled());
    let task = client.task(&id).await.unwrap();
    assert!(
        !task.output.task_status.is_terminal(),
        "{:?}",
        task.output.task_status
    );
    assert_eq!(emu.count(Endpoint::CancelTask), 0);
}

#[tokio::test]
async fn result_documents_over_the_size_limit_are_refused() {
    let emu = asr_emulator::Emulator::start(fast()).await.unwrap();
    let client = crate::client_config(&emu)
        .with_max_result_bytes(16)
        .build()
        .unwrap();
    let id = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap()
        .output
        .task_id;
    let done = client.wait(&id, quick_wait()).await.unwrap();
    let err = client
        .fetch_result(done.output.transcription_urls()[0])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { limit: 16 }), "{err}");
}

#[tokio::test]
async fn concurrent_queries_share_the_client_wide_budget() {
    let emu = asr_emulator::Emulator::start(fast()).await.unwrap();
    let client = crate::client_config(&emu)
        .with_query_rate(20.0)
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let queries = (0..21).map(|i| {
        let client = client.clone();
        async move { client.task(&format!("t-{i}").into()).await }
    });
    for result in futures_util::future::join_all(queries).await {
        result.unwrap();
    }
    // 21 queries against 20 per one-second window: the 21st waits until the first leaves it.
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(emu.count(Endpoint::GetTask), 21);
}
