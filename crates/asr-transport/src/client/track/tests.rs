use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Endpoint};
use asr_types::{Model, TaskStatus, TranscriptionRequest};
use futures_util::StreamExt;

use super::*;
use crate::Config;

async fn emulator(processing: Duration) -> EmulatorHandle {
    Emulator::start(EmulatorConfig::new().with_processing_time(processing))
        .await
        .expect("emulator starts")
}

fn client(emu: &EmulatorHandle) -> Client {
    Config::new("sk-test")
        .with_base_url(emu.native_base())
        .build()
        .expect("client builds")
}

async fn submit(client: &Client, n: usize) -> Vec<TrackedTask> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let url = format!("https://example.com/{i}.wav");
        let answer = client
            .submit(TranscriptionRequest::new(Model::FUN_ASR, [url]))
            .await
            .expect("submit");
        tasks.push(
            TrackedTask::new(answer.output.task_id, Model::FUN_ASR)
                .with_fresh_status(answer.output.task_status),
        );
    }
    tasks
}

/// Drains the stream; returns the finished task ids, in order, and the lost ones.
async fn drain(mut events: TrackStream) -> (Vec<String>, Vec<String>, TrackStats) {
    let (mut finished, mut lost) = (Vec::new(), Vec::new());
    while let Some(event) = events.next().await {
        match event {
            TrackEvent::Finished(task) => {
                assert_eq!(task.output.task_status, TaskStatus::Succeeded);
                assert_eq!(task.output.transcription_urls().len(), 1);
                finished.push(task.output.task_id.to_string());
            }
            TrackEvent::Lost { task_id, error } => lost.push(format!("{task_id}: {error}")),
            _ => {}
        }
    }
    (finished, lost, events.stats())
}

#[tokio::test]
async fn many_tasks_are_swept_and_queried_once_each_through_the_client() {
    let emu = emulator(Duration::from_millis(400)).await;
    let client = client(&emu);
    let (tracker, events) = client.tracker(TrackOptions::default());
    for task in submit(&client, 30).await {
        assert!(tracker.add(task));
    }
    drop(tracker);
    let (finished, lost, stats) = drain(events).await;
    assert!(lost.is_empty(), "{lost:?}");
    assert_eq!(finished.len(), 30);
    assert!(stats.sweeps >= 1, "{stats:?}");
    // Every task query the emulator saw was a final one, and there was one per task.
    assert_eq!(emu.count(Endpoint::GetTask), 30, "{stats:?}");
    assert_eq!(stats.finals, 30);
    assert_eq!(emu.count(Endpoint::ListTasks), stats.pages);
}

#[tokio::test]
async fn a_few_tasks_are_polled_and_the_stream_ends_when_the_handles_are_gone() {
    let emu = emulator(Duration::from_millis(300)).await;
    let client = client(&emu);
    let (tracker, events) = client.tracker(TrackOptions::default());
    let other = tracker.clone();
    let tasks = submit(&client, 2).await;
    // Added from another task, after the stream started waiting.
    let adder = tokio::spawn(async move {
        for task in tasks {
            other.add(task);
        }
    });
    drop(tracker);
    let (finished, lost, stats) = tokio::time::timeout(Duration::from_secs(20), async {
        adder.await.expect("adder");
        drain(events).await
    })
    .await
    .expect("the stream ends");
    assert!(lost.is_empty(), "{lost:?}");
    assert_eq!(finished.len(), 2);
    assert_eq!(stats.pages, 0);
    assert_eq!(emu.count(Endpoint::ListTasks), 0);
}

#[tokio::test]
async fn an_unknown_task_is_lost_and_a_removed_one_is_not_reported() {
    let emu = emulator(Duration::from_secs(60)).await;
    let client = client(&emu);
    let (tracker, events) = client.tracker(TrackOptions::default());
    tracker.add(TrackedTask::new("no-such-task", Model::FUN_ASR));
    let kept = submit(&client, 1).await.remove(0);
    let kept_id = kept.task_id.clone();
    tracker.add(kept);
    tracker.remove(kept_id);
    drop(tracker);
    let (finished, lost, _) = tokio::time::timeout(Duration::from_secs(20), drain(events))
        .await
        .expect("the stream ends");
    assert!(finished.is_empty());
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert!(lost[0].starts_with("no-such-task: "), "{lost:?}");
    assert!(lost[0].contains("UNKNOWN"), "{lost:?}");
}
