//! `transcribe`: URLs and local files, batching, per-file errors, usage totals.

use std::collections::BTreeMap;

use asr_emulator::Endpoint;
use asr_transport::{Error, Input, Model, TranscribeOptions};
use futures_util::StreamExt;

use crate::{TempDir, fast, logged, quick_wait, setup, write_wav};

#[tokio::test]
async fn a_local_file_in_five_lines() {
    let dir = TempDir::new("five");
    let path = dir.path().join("meeting.wav");
    write_wav(&path, 1500);
    let (emu, client) = setup(fast()).await;
    let transcript = client
        .transcribe_file(path.as_path(), Model::FUN_ASR)
        .await
        .unwrap();
    assert!(!transcript.text().is_empty());
    assert!(
        transcript.file_url.starts_with("oss://"),
        "{}",
        transcript.file_url
    );
    // The oss:// URL was submitted with the resolve header.
    let submit = &logged(&emu, "submit")[0];
    assert_eq!(
        submit["headers"]["x-dashscope-ossresourceresolve"],
        "enable"
    );
}

#[tokio::test]
async fn urls_and_paths_are_split_into_tasks_and_each_file_gets_its_own_outcome() {
    let dir = TempDir::new("mixed");
    let mut inputs: Vec<Input> = (0..230)
        .map(|i| Input::Url(format!("https://example.com/{i}.wav")))
        .collect();
    for i in 0..3 {
        let path = dir.path().join(format!("local-{i}.wav"));
        write_wav(&path, 500 + 100 * i);
        inputs.push(Input::Path(path));
    }
    // A host under `.invalid` cannot be downloaded: that file alone fails.
    inputs.push(Input::Url("https://broken.invalid/x.wav".to_owned()));
    // A missing local file fails alone too.
    inputs.push(Input::Path(dir.path().join("missing.wav")));
    let (emu, client) = setup(fast()).await;
    let options = TranscribeOptions::new(Model::FUN_ASR)
        .with_wait(quick_wait())
        .with_max_tasks_in_flight(2);
    let mut stream = client.transcribe(inputs.clone(), options);
    let mut outcomes = BTreeMap::new();
    while let Some(file) = stream.next().await {
        outcomes.insert(file.input.display_name(), file.result);
    }
    assert_eq!(outcomes.len(), inputs.len());
    let broken = outcomes["https://broken.invalid/x.wav"]
        .as_ref()
        .unwrap_err();
    assert_eq!(
        broken.code(),
        Some("InvalidFile.DownloadFailed"),
        "{broken}"
    );
    assert!(broken.task_id().is_some());
    let missing_name = dir.path().join("missing.wav").display().to_string();
    assert!(matches!(outcomes[&missing_name], Err(Error::Io { .. })));
    let ok = outcomes.values().filter(|r| r.is_ok()).count();
    assert_eq!(ok, inputs.len() - 2);
    let summary = stream.summary();
    // 236 inputs minus one that never uploaded = 235 submitted files: 100 + 100 + 35.
    assert_eq!(summary.tasks, 3);
    assert_eq!((summary.succeeded, summary.failed), (ok as u64, 2));
    assert!(summary.billed_seconds > 0);
    assert_eq!(emu.count(Endpoint::Upload), 3);
    // One upload policy served all three uploads.
    assert_eq!(emu.count(Endpoint::UploadPolicy), 1);
}

#[tokio::test]
async fn single_file_models_get_one_task_per_file() {
    let (_emu, client) = setup(fast()).await;
    let inputs = [
        "https://example.com/1.wav",
        "https://example.com/2.wav",
        "https://example.com/3.wav",
    ];
    let options = TranscribeOptions::new(Model::QWEN3_ASR_FLASH_FILETRANS).with_wait(quick_wait());
    let mut stream = client.transcribe(inputs, options);
    let mut n = 0;
    while let Some(file) = stream.next().await {
        let t = file.result.unwrap();
        assert!(matches!(t.document, asr_transport::ResultDocument::Qwen(_)));
        n += 1;
    }
    assert_eq!(n, 3);
    assert_eq!(stream.summary().tasks, 3);
}

#[tokio::test]
async fn a_refused_submit_fails_every_file_of_its_batch() {
    let (_emu, client) = setup(fast()).await;
    // A sync-only model cannot be submitted: validation refuses it before sending.
    let options = TranscribeOptions::new(Model::QWEN3_ASR_FLASH).with_wait(quick_wait());
    let mut stream = client.transcribe(
        ["https://example.com/a.wav", "https://example.com/b.wav"],
        options,
    );
    let mut n = 0;
    while let Some(file) = stream.next().await {
        let err = file.result.unwrap_err();
        assert!(matches!(err, Error::Batch { files: 2, .. }), "{err}");
        n += 1;
    }
    assert_eq!(n, 2);
}
