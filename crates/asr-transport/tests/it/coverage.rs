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
