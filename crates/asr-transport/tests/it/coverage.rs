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

/// Qwen-Audio 3.1: the filetrans model takes speaker separation and reports tokens; the
/// synchronous one reports tokens beside seconds.
#[tokio::test]
async fn qwen_audio_3_1_models_transcribe_with_speakers_and_report_tokens() {
    use asr_transport::{FlashRequest, ResultDocument};

    let (_emu, client) = setup(fast()).await;
    let request = TranscriptionRequest::new(
        Model::QWEN_AUDIO_3_1_ASR_FLASH_FILETRANS,
        ["https://example.com/audio/dialogue_en.wav"],
    )
    .with_diarization(Some(2));
    let task_id = client.submit(request).await.unwrap().output.task_id;
    let done = client.wait(&task_id, quick_wait()).await.unwrap();
    let usage = done.usage.clone().unwrap();
    let tokens = usage.billed_tokens().expect("billed per token");
    assert!(tokens.input > 0 && tokens.output > 0, "{usage:?}");
    assert_eq!(usage.billed_seconds(), None, "{usage:?}");
    let url = done.output.transcription_urls()[0].to_owned();
    let ResultDocument::Transcription(doc) = client.fetch_result(&url).await.unwrap() else {
        panic!("a file_urls result");
    };
    let speakers: std::collections::BTreeSet<_> = doc.transcripts[0]
        .sentences
        .iter()
        .filter_map(|s| s.speaker_id)
        .collect();
    assert!(speakers.len() >= 2, "{speakers:?}");

    // Fun-ASR stays billed per second.
    let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"]);
    let task_id = client.submit(request).await.unwrap().output.task_id;
    let done = client.wait(&task_id, quick_wait()).await.unwrap();
    let usage = done.usage.unwrap();
    assert!(usage.billed_seconds().is_some() && usage.billed_tokens().is_none());

    let flash = FlashRequest::new(
        Model::QWEN_AUDIO_3_1_ASR_FLASH,
        "https://example.com/audio/hello_en.wav",
        "wav",
    );
    let got = client.recognize(flash).await.unwrap();
    let tokens = got.billed_tokens().expect("tokens");
    assert!(tokens.input > 0 && tokens.output > 0, "{:?}", got.usage);
    assert!(got.audio_seconds().is_some());
}

/// The library says before a job when the service would ignore a list, and refuses a second
/// update within five minutes without sending it.
#[tokio::test]
async fn vocabulary_lists_the_service_would_ignore_are_named_and_updates_are_spaced() {
    use std::time::Duration;

    use asr_transport::{SyncAction, SyncSpec, VocabularyError};
    use asr_types::{VocabularyItem, Warning};

    let config = fast().with_vocabulary_ready_after(Duration::from_secs(600));
    let (emu, client) = setup(config).await;
    let spec = |weight| {
        SyncSpec::new(
            "names",
            Model::FUN_ASR,
            vec![VocabularyItem::new("Kubernetes", weight)],
        )
    };
    let id = client.sync_vocabulary(spec(4)).await.unwrap().vocabulary_id;

    let warnings = client
        .check_vocabulary_for(&id, &Model::FUN_ASR)
        .await
        .unwrap();
    assert!(
        matches!(&warnings[..], [Warning::VocabularyNotDeployed { .. }]),
        "{warnings:?}"
    );
    let warnings = client
        .check_vocabulary_for(&id, &Model::PARAFORMER_V2)
        .await
        .unwrap();
    assert!(
        matches!(
            &warnings[..],
            [
                Warning::VocabularyNotDeployed { .. },
                Warning::VocabularyForAnotherModel { .. }
            ]
        ),
        "{warnings:?}"
    );
    assert!(
        warnings[1].to_string().contains("silently ignores"),
        "{}",
        warnings[1]
    );

    // The create is not an update: the first change applies at once.
    let outcome = client.sync_vocabulary(spec(5)).await.unwrap();
    assert!(matches!(outcome.plan.action, SyncAction::Update { .. }));
    let updates = || {
        emu.requests()["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["body"]["input"]["action"] == "update_vocabulary")
            .count()
    };
    assert_eq!(updates(), 1);
    // A second change within five minutes: the plan says when, applying it sends nothing.
    let plan = client.plan_vocabulary_sync(spec(3)).await.unwrap();
    let allowed_at = plan.update_allowed_at.expect("a time for the update");
    let wait = allowed_at
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(
        wait > Duration::from_secs(240) && wait <= Duration::from_secs(300),
        "{wait:?}"
    );
    let err = client.apply_vocabulary_sync(&plan).await.unwrap_err();
    assert!(
        matches!(err, VocabularyError::UpdateTooSoon { .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(
        err.to_string()
            .contains("nothing was sent: run this again in "),
        "{err}"
    );
    let err = client
        .update_vocabulary(&id, vec![VocabularyItem::new("Kubernetes", 3)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, VocabularyError::UpdateTooSoon { .. }),
        "{err:?}"
    );
    assert_eq!(updates(), 1, "nothing was sent");
}

/// A language only one Fun-ASR page lists is sent as asked (the request says so in its
/// warnings), and the service takes it.
#[tokio::test]
async fn a_language_one_fun_asr_page_lists_is_sent_with_a_warning() {
    let (emu, client) = setup(fast()).await;
    let request = TranscriptionRequest::new(Model::FUN_ASR, ["https://example.com/a.wav"])
        .with_language_hints(["mt"]);
    assert_eq!(request.warnings().len(), 1);
    let task_id = client.submit(request).await.unwrap().output.task_id;
    let done = client.wait(&task_id, quick_wait()).await.unwrap();
    assert_eq!(done.output.task_status, TaskStatus::Succeeded);
    let submit = &logged(&emu, "submit")[0];
    assert_eq!(submit["body"]["parameters"]["language_hints"][0], "mt");
}
