//! An outside [`Completion`]: the batch asks it when its tasks finish and never queries a task
//! itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use asr_batch::{Completion, Status};
use asr_transport::{Client, TaskResponse, TrackedTask, WaitOptions};
use asr_types::Model;
use futures_util::future::BoxFuture;

use crate::{batch, collect, fast, quick_poll, setup};

/// Waits with a second client (another process's poller, as far as the batch can tell).
struct Elsewhere {
    client: Client,
    asked: AtomicUsize,
}

impl Completion for Elsewhere {
    fn finished(
        &self,
        task: TrackedTask,
    ) -> BoxFuture<'_, Result<TaskResponse, asr_transport::Error>> {
        self.asked.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move {
            let options = WaitOptions::default().with_policy(quick_poll());
            self.client.wait(&task.task_id, options).await
        })
    }
}

#[tokio::test]
async fn the_batch_waits_through_the_given_completion() {
    let (emu, client) = setup(fast()).await;
    let elsewhere = Arc::new(Elsewhere {
        client: client.clone(),
        asked: AtomicUsize::new(0),
    });
    let inputs: Vec<String> = (0..150)
        .map(|i| format!("https://example.com/{i}.wav"))
        .collect();
    let run = batch(&client, Model::FUN_ASR)
        .with_completion(elsewhere.clone())
        .run(inputs);
    let (outcomes, summary) = collect(run).await;
    assert_eq!(outcomes.len(), 150);
    assert!(outcomes.iter().all(|o| matches!(o.status, Status::Done(_))));
    assert_eq!(summary.this_run.tasks, 2);
    // One wait per task: the batch's own tracker sent nothing.
    assert_eq!(elsewhere.asked.load(Ordering::Relaxed), 2);
    drop(emu);
}
