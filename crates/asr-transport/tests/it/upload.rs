//! Uploads: streaming, the size check before sending, policy reuse, progress.

use std::sync::{Arc, Mutex};

use asr_emulator::Endpoint;
use asr_transport::{Error, Model, UploadProgress};

use crate::{TempDir, fast, logged, setup, write_wav};

#[tokio::test]
async fn upload_streams_the_file_and_reports_progress() {
    let dir = TempDir::new("up");
    let path = dir.path().join("speech.wav");
    write_wav(&path, 30_000); // ~960 KB: many chunks
    let size = std::fs::metadata(&path).unwrap().len();
    let (emu, client) = setup(fast()).await;
    let reports = Arc::new(Mutex::new(Vec::new()));
    let seen = reports.clone();
    let progress = Arc::new(move |p: UploadProgress| seen.lock().unwrap().push(p));
    let upload = client
        .upload_with_progress(&path, &Model::FUN_ASR, Some(progress))
        .await
        .unwrap();
    assert_eq!(upload.size, size);
    assert!(
        upload.oss_url.starts_with("oss://") && upload.oss_url.ends_with("/speech.wav"),
        "{}",
        upload.oss_url
    );
    let reports = reports.lock().unwrap();
    assert!(reports.len() > 10, "{} progress reports", reports.len());
    let last = reports.last().unwrap();
    assert_eq!(last.sent, last.total);
    assert!(last.total > size);
    assert!(reports.windows(2).all(|w| w[0].sent < w[1].sent));
    // The upload host never sees the API key.
    let up = &logged(&emu, "upload")[0];
    assert!(up["headers"].get("authorization").is_none(), "{up}");
}

#[tokio::test]
async fn a_file_over_the_policy_limit_is_refused_before_any_byte_is_sent() {
    let dir = TempDir::new("big");
    let path = dir.path().join("huge.wav");
    // Sparse: 3 MB of nothing on disk.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(3 * 1024 * 1024)
        .unwrap();
    let (emu, client) = setup(fast().with_max_file_size_mb(2)).await;
    let err = client.upload(&path, &Model::FUN_ASR).await.unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err}");
    assert!(err.to_string().contains("2 MB"), "{err}");
    assert_eq!(emu.count(Endpoint::Upload), 0);
}

#[tokio::test]
async fn one_policy_serves_a_batch_and_same_names_do_not_collide() {
    let a = TempDir::new("a");
    let b = TempDir::new("b");
    write_wav(&a.path().join("same.wav"), 300);
    write_wav(&b.path().join("same.wav"), 400);
    let (emu, client) = setup(fast()).await;
    let first = client
        .upload(a.path().join("same.wav"), &Model::FUN_ASR)
        .await
        .unwrap();
    let second = client
        .upload(b.path().join("same.wav"), &Model::FUN_ASR)
        .await
        .unwrap();
    assert_ne!(first.oss_url, second.oss_url);
    assert_eq!(emu.count(Endpoint::UploadPolicy), 1);
    assert_eq!(emu.count(Endpoint::Upload), 2);
}

#[tokio::test]
async fn an_expired_policy_is_replaced_once() {
    let dir = TempDir::new("exp");
    let path = dir.path().join("x.wav");
    write_wav(&path, 300);
    // Policies expire at once: the cached one is refused and a fresh one is fetched.
    let (emu, client) = setup(fast().with_upload_policy_ttl(std::time::Duration::ZERO)).await;
    let err = client.upload(&path, &Model::FUN_ASR).await.unwrap_err();
    // Even the fresh policy is expired on arrival: the client gives up after one renewal.
    assert_eq!(err.status(), Some(http::StatusCode::FORBIDDEN), "{err}");
    assert_eq!(emu.count(Endpoint::UploadPolicy), 2);
    assert_eq!(emu.count(Endpoint::Upload), 2);
}
