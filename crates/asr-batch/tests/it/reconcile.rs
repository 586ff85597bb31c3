//! Submits whose outcome is unknown: never resent blindly, found in the task list, and
//! submitted again in the same run only once the list shows that no task was created.

use std::time::Duration;

use asr_batch::{JsonlStore, Model, Status};
use asr_emulator::{Endpoint, FaultRule};

use crate::{Recorded, TempDir, batch, collect, fast, setup, submits_per_url};

fn urls(tag: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("https://example.com/{tag}/{i}.wav"))
        .collect()
}

fn assert_all_done<O: std::fmt::Debug>(outcomes: &[asr_batch::Outcome<O>], n: usize) {
    assert_eq!(outcomes.len(), n);
    for o in outcomes {
        assert!(
            matches!(o.status, Status::Done(_)),
            "{}: {:?}",
            o.input.display_name(),
            o.status
        );
    }
}

/// The submit is processed and its answer lost: the task is found (still running, so it is
/// waited for) and every input finishes in the same run, with one submit.
#[tokio::test]
async fn a_lost_submit_answer_is_found_and_the_run_finishes() {
    let (emu, client) = setup(
        fast()
            .with_processing_time(Duration::from_millis(600))
            .with_fault(
                Endpoint::Submit,
                FaultRule::new().with_lose_response(1.0).with_limit(1),
            ),
    )
    .await;
    let inputs = urls("lost", 5);
    let (outcomes, summary) = collect(batch(&client, Model::FUN_ASR).run(inputs.clone())).await;
    assert_all_done(&outcomes, 5);
    assert_eq!(
        emu.count(Endpoint::Submit),
        1,
        "the lost submit was not resent"
    );
    let per_url = submits_per_url(&emu);
    assert_eq!(per_url.len(), 5);
    assert!(per_url.values().all(|n| *n == 1), "{per_url:?}");
    let task = outcomes[0].task_id.clone().unwrap();
    assert!(outcomes.iter().all(|o| o.task_id.as_ref() == Some(&task)));
    assert_eq!(summary.this_run.tasks, 1, "the found task is this run's");
    assert!(emu.count(Endpoint::ListTasks) >= 1);
}

/// A 500 on the submit created nothing: after the grace period the list still shows no task,
/// so the inputs are submitted again — once — and finish in the same run.
#[tokio::test]
async fn a_submit_that_created_nothing_is_sent_again_in_the_same_run() {
    let (emu, client) = setup(fast().with_fault(
        Endpoint::Submit,
        FaultRule::new().with_server_error(1.0).with_limit(1),
    ))
    .await;
    let inputs = urls("nothing", 3);
    let (outcomes, summary) = collect(batch(&client, Model::FUN_ASR).run(inputs)).await;
    assert_all_done(&outcomes, 3);
    assert_eq!(
        emu.count(Endpoint::Submit),
        2,
        "refused once, then sent again"
    );
    let per_url = submits_per_url(&emu);
    assert!(per_url.values().all(|n| *n == 1), "{per_url:?}");
    assert_eq!(summary.this_run.tasks, 1);
}

/// A dropped connection on the submit, with other submits of the same run in flight: every
/// input finishes, and no URL is in two accepted submits.
#[tokio::test]
async fn dropped_submits_among_many_never_pay_twice() {
    let (emu, client) = setup(
        fast().with_seed(3).with_fault(
            Endpoint::Submit,
            FaultRule::new()
                .with_drop(0.3)
                .with_lose_response(0.3)
                .with_limit(4),
        ),
    )
    .await;
    let inputs = urls("many", 8);
    let (outcomes, _) = collect(batch(&client, Model::QWEN3_ASR_FLASH_FILETRANS).run(inputs)).await;
    assert_all_done(&outcomes, 8);
    let per_url = submits_per_url(&emu);
    assert_eq!(per_url.len(), 8);
    assert!(per_url.values().all(|n| *n == 1), "{per_url:?}");
}

/// A run killed between sending a submit and recording its answer left the intent in the
/// journal: the next run finds the task instead of submitting again.
#[tokio::test]
async fn an_intent_left_by_a_killed_run_finds_its_task() {
    let (emu, client) = setup(fast()).await;
    let url = "https://example.com/killed/call.wav";
    let task = client
        .submit(asr_types::TranscriptionRequest::new(Model::FUN_ASR, [url]))
        .await
        .unwrap()
        .output
        .task_id;
    let dir = TempDir::new("intent");
    let path = dir.join(asr_batch::journal::FILE_NAME);
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // An old version's line: no options, no group.
    std::fs::write(
        &path,
        format!("{{\"input\":\"{url}\",\"at\":{at},\"event\":\"submitting\",\"url\":\"{url}\"}}\n"),
    )
    .unwrap();
    let run = batch(&client, Model::FUN_ASR)
        .with_store(JsonlStore::open(&path).unwrap())
        .with_sink(Recorded)
        .run([url]);
    let (outcomes, _) = collect(run).await;
    assert_all_done(&outcomes, 1);
    assert_eq!(outcomes[0].task_id.as_ref(), Some(&task));
    assert_eq!(emu.count(Endpoint::Submit), 1, "not submitted again");
}

/// A kill between two lines of one group's records: the inputs without their `submitted`
/// line take the task id another input of the same group recorded.
#[tokio::test]
async fn inputs_of_a_group_take_the_task_id_one_of_them_recorded() {
    let (emu, client) = setup(fast()).await;
    let inputs = urls("partial", 3);
    let task = client
        .submit(asr_types::TranscriptionRequest::new(
            Model::FUN_ASR,
            inputs.clone(),
        ))
        .await
        .unwrap()
        .output
        .task_id;
    let dir = TempDir::new("partial");
    let path = dir.join(asr_batch::journal::FILE_NAME);
    let mut journal = String::new();
    for url in &inputs {
        journal.push_str(&format!(
            "{{\"input\":\"{url}\",\"at\":1,\"event\":\"submitting\",\"url\":\"{url}\",\"group\":\"g1\"}}\n"
        ));
    }
    journal.push_str(&format!(
        "{{\"input\":\"{}\",\"at\":1,\"event\":\"submitted\",\"task_id\":\"{task}\"}}\n",
        inputs[0]
    ));
    std::fs::write(&path, journal).unwrap();
    let run = batch(&client, Model::FUN_ASR)
        .with_store(JsonlStore::open(&path).unwrap())
        .with_sink(Recorded)
        .run(inputs);
    let (outcomes, _) = collect(run).await;
    assert_all_done(&outcomes, 3);
    assert!(outcomes.iter().all(|o| o.task_id.as_ref() == Some(&task)));
    assert_eq!(emu.count(Endpoint::Submit), 1, "not submitted again");
    assert_eq!(emu.count(Endpoint::ListTasks), 0, "no search was needed");
}
