//! Protocol §11 through the client against the emulator: the async header on task queries,
//! temporary API keys, the Qwen-Audio 3.1 models and token usage, errors that are never
//! retried, and the vocabulary checks before a job.

use asr_transport::{Model, TaskStatus, TranscriptionRequest};

use crate::{fast, logged, quick_wait, setup};

#[tokio::test]
async fn task_queries_carry_the_async_header() {
    let (emu, client) = setup(fast()).await;
    let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
    let task_id = client.submit(request).await.unwrap().output.task_id;
    let done = client.wait(&task_id, quick_wait()).await.unwrap();
    assert_eq!(done.output.task_status, TaskStatus::Succeeded);
    client.task(&task_id).await.unwrap();
    let queries = logged(&emu, "get_task");
    assert!(queries.len() >= 2, "{queries:?}");
    for query in queries {
        assert_eq!(query["headers"]["x-dashscope-async"], "enable", "{query}");
    }
}

/// The refusals whose fix is the user's reach the caller after one attempt, typed and with
/// advice; a rate limit is retried within the budget.
#[tokio::test]
async fn refusals_whose_fix_is_the_users_are_never_retried() {
    use asr_emulator::{Endpoint, FaultConfig, FaultRule};
    use asr_protocol::{ErrorCategory, ErrorCode};

    let (emu, client) = setup(fast()).await;
    let request = || TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
    let cases = [
        ("Arrearage", ErrorCategory::Billing, "overdue payment"),
        (
            "DataInspectionFailed",
            ErrorCategory::ContentModeration,
            "content moderation",
        ),
        (
            "InvalidApiKey",
            ErrorCategory::Credentials,
            "check the API key",
        ),
        (
            "AccessDenied.Unpurchased",
            ErrorCategory::Permission,
            "purchase the model",
        ),
        (
            "Throttling.AllocationQuota",
            ErrorCategory::QuotaExhausted,
            "quota is used up",
        ),
    ];
    for (code, category, advice) in cases {
        emu.reset();
        let rule = FaultRule::new().with_error(code).unwrap();
        emu.set_faults(FaultConfig::new().with(Endpoint::Submit, rule));
        let err = client.submit(request()).await.unwrap_err();
        assert_eq!(emu.count(Endpoint::Submit), 1, "{code} was retried");
        assert!(!err.is_retryable(), "{code}");
        assert_eq!(err.code(), Some(code));
        let asr_transport::Error::Response(response) = &err else {
            panic!("{code}: {err:?}");
        };
        assert_eq!(response.error_code(), Some(ErrorCode::from_wire(code)));
        assert_eq!(response.category(), Some(category));
        assert!(err.to_string().contains(advice), "{code}: {err}");
    }
    // A rate limit is retried and the submit goes through (one refused, one accepted).
    emu.reset();
    let rule = FaultRule::new()
        .with_error("Throttling.RateQuota")
        .unwrap()
        .with_limit(1);
    emu.set_faults(FaultConfig::new().with(Endpoint::Submit, rule));
    client.submit(request()).await.unwrap();
    assert_eq!(emu.count(Endpoint::Submit), 2);
}

#[tokio::test]
async fn a_temporary_key_serves_a_worker_and_cannot_mint_another() {
    use std::time::Duration;

    let (emu, client) = setup(fast().with_api_key("sk-test")).await;
    let key = client
        .create_temporary_key(Duration::from_millis(600_500))
        .await
        .unwrap();
    let secret = key.token.expose().to_owned();
    assert!(secret.starts_with("st-"), "{key:?}");
    assert!(!format!("{key:?}").contains(&secret[3..]), "{key:?}");
    // A fraction of a second is rounded up to whole seconds.
    let minted = logged(&emu, "tokens");
    assert_eq!(minted[0]["query"], "expire_in_seconds=601");

    let worker = crate::client_config(&emu)
        .with_api_key(key.token.into_secret())
        .build()
        .unwrap();
    let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
    let task_id = worker.submit(request).await.unwrap().output.task_id;
    worker.wait(&task_id, quick_wait()).await.unwrap();

    // A temporary key cannot mint another: refused before anything is sent.
    let err = worker
        .create_temporary_key(Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(matches!(err, asr_transport::Error::Build(_)), "{err:?}");
    assert!(err.to_string().contains("cannot mint another"), "{err}");
    assert_eq!(logged(&emu, "tokens").len(), 1);
    // Nor is an out-of-range lifetime sent.
    for lifetime in [Duration::ZERO, Duration::from_secs(1801)] {
        let err = client.create_temporary_key(lifetime).await.unwrap_err();
        assert!(err.to_string().contains("expire_in_seconds"), "{err}");
    }
    assert_eq!(logged(&emu, "tokens").len(), 1);
    // The emulator's log never saw a key in the clear.
    assert!(!emu.requests().to_string().contains(&secret[3..]));
}
