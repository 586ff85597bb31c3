//! The account's task-API limit, enforced by the emulator (20 per second per key, as the
//! service does): whatever the client does at once, nothing is refused.

use std::time::Duration;

use asr_emulator::{EmulatorConfig, Endpoint, FaultRule};
use asr_transport::{
    Client, Model, TrackEvent, TrackOptions, TrackedTask, TranscriptionRequest, WaitOptions,
};
use futures_util::StreamExt;

use crate::setup;

/// The service's limit, and result downloads slow enough (300 ms each) that downloads keep
/// the client's 64 permits busy while the waits query.
fn limited() -> EmulatorConfig {
    EmulatorConfig::new()
        .with_processing_time(Duration::from_secs(1))
        .with_task_query_limit(20, Duration::from_secs(1))
        .with_fault(
            Endpoint::Result,
            FaultRule::new().with_delay(Duration::from_millis(300), 1.0),
        )
}

async fn submit(
    client: &Client,
    tasks: usize,
    files: usize,
) -> Vec<(asr_transport::TaskId, asr_transport::TaskStatus)> {
    let mut submitted = Vec::new();
    for t in 0..tasks {
        let urls: Vec<String> = (0..files)
            .map(|f| format!("https://example.com/{t}-{f}.wav"))
            .collect();
        let answer = client
            .submit(TranscriptionRequest::new(Model::FUN_ASR, urls))
            .await
            .unwrap();
        submitted.push((answer.output.task_id, answer.output.task_status));
    }
    submitted
}

#[tokio::test]
async fn eighty_concurrent_waits_and_their_downloads_stay_under_the_account_limit() {
    let (emu, client) = setup(limited()).await;
    let submitted = submit(&client, 80, 5).await;
    let jobs = submitted.into_iter().map(|(id, status)| {
        let client = client.clone();
        async move {
            let done = client
                .wait(&id, WaitOptions::default().with_fresh_status(status))
                .await?;
            for url in done.output.transcription_urls() {
                client.fetch_result_bytes(url).await?;
            }
            Ok::<_, asr_transport::Error>(())
        }
    });
    for result in futures_util::future::join_all(jobs).await {
        result.unwrap();
    }
    assert_eq!(emu.count(Endpoint::Result), 400);
    assert_eq!(emu.refused(), 0, "{}", emu.stats());
}

#[tokio::test]
async fn the_tracker_finishes_eighty_tasks_with_one_query_each_and_no_refusal() {
    let (emu, client) = setup(limited()).await;
    let (tracker, mut events) = client.tracker(TrackOptions::default());
    for (id, status) in submit(&client, 80, 5).await {
        tracker.add(TrackedTask::new(id, Model::FUN_ASR).with_fresh_status(status));
    }
    drop(tracker);
    let mut downloads = Vec::new();
    while let Some(event) = events.next().await {
        match event {
            TrackEvent::Finished(task) => {
                for url in task.output.transcription_urls() {
                    let client = client.clone();
                    let url = url.to_owned();
                    downloads.push(tokio::spawn(async move {
                        client.fetch_result_bytes(&url).await
                    }));
                }
            }
            TrackEvent::Lost { task_id, error } => panic!("{task_id} lost: {error}"),
            _ => {}
        }
    }
    for d in downloads {
        d.await.unwrap().unwrap();
    }
    assert_eq!(emu.count(Endpoint::Result), 400);
    assert_eq!(
        emu.count(Endpoint::GetTask),
        80,
        "one query per task: {}",
        emu.stats()
    );
    assert_eq!(emu.refused(), 0, "{}", emu.stats());
}
