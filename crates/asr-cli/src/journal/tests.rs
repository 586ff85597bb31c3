use std::fs;

use super::*;
use crate::testutil::TempDir;

fn sample_events() -> Vec<(&'static str, Event)> {
    vec![
        (
            "/data/a.wav",
            Event::Uploaded {
                url: "oss://dashscope-instant/x/a.wav".into(),
                model: "fun-asr".into(),
            },
        ),
        (
            "/data/a.wav",
            Event::Submitted {
                task_id: "task-a".into(),
            },
        ),
        (
            "https://example.com/b.mp3",
            Event::Submitted {
                task_id: "task-b".into(),
            },
        ),
        (
            "/data/a.wav",
            Event::Done {
                outputs: vec!["a.txt".into(), "a.srt".into()],
                formats: vec!["txt".into(), "srt".into()],
                audio_seconds: Some(3.0),
            },
        ),
        (
            "https://example.com/b.mp3",
            Event::Failed {
                error: "task failed: InvalidFile.DownloadFailed".into(),
            },
        ),
    ]
}

fn write_all(path: &Path) -> Vec<u8> {
    let mut journal = Journal::open(path).unwrap();
    for (input, event) in sample_events() {
        journal.record(input, event).unwrap();
    }
    fs::read(path).unwrap()
}

#[test]
fn replay_builds_each_inputs_state() {
    let dir = TempDir::new("journal-state");
    let path = dir.path().join(FILE_NAME);
    write_all(&path);
    let journal = Journal::open(&path).unwrap();

    let a = journal.state("/data/a.wav").unwrap();
    assert_eq!(a.task_id.as_deref(), Some("task-a"));
    let (files, formats) = a.outputs.clone().unwrap();
    assert_eq!(files, ["a.txt", "a.srt"]);
    assert_eq!(formats, ["txt", "srt"]);
    assert_eq!(
        a.upload.as_ref().map(|u| u.0.as_str()),
        Some("oss://dashscope-instant/x/a.wav")
    );
    assert!(a.error.is_none());

    let b = journal.state("https://example.com/b.mp3").unwrap();
    assert_eq!(b.task_id.as_deref(), Some("task-b"));
    assert!(b.outputs.is_none());
    assert!(b.error.as_deref().unwrap().contains("DownloadFailed"));
    assert!(journal.state("/data/never.wav").is_none());
}

/// Cut the journal at every byte, as a kill at any moment could: opening never fails, keeps
/// exactly the complete lines, and the next record lands on a line of its own.
#[test]
fn a_journal_cut_at_any_byte_replays_its_complete_lines() {
    let dir = TempDir::new("journal-cut");
    let full_path = dir.path().join("full.jsonl");
    let full = write_all(&full_path);
    let line_ends: Vec<usize> = full
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(line_ends.len(), sample_events().len());

    let path = dir.path().join("cut.jsonl");
    for cut in 0..=full.len() {
        fs::write(&path, &full[..cut]).unwrap();
        let complete = line_ends.iter().filter(|&&end| end <= cut).count();
        let kept = line_ends
            .iter()
            .rev()
            .find(|&&end| end <= cut)
            .copied()
            .unwrap_or(0);

        let mut journal = Journal::open(&path).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(
            fs::metadata(&path).unwrap().len() as usize,
            kept,
            "cut at {cut}: the torn tail is removed"
        );
        let (expected, _) = replay(&full[..kept], &path).unwrap();
        assert_eq!(journal.states, expected, "cut at {cut}");
        // The first records are those of `a.wav`: its task id survives once line 2 is whole.
        assert_eq!(
            journal
                .state("/data/a.wav")
                .and_then(|s| s.task_id.as_deref()),
            (complete >= 2).then_some("task-a"),
            "cut at {cut}"
        );

        journal
            .record(
                "/data/c.wav",
                Event::Submitted {
                    task_id: "task-c".into(),
                },
            )
            .unwrap();
        drop(journal);
        let reopened = Journal::open(&path).unwrap();
        assert_eq!(
            reopened
                .state("/data/c.wav")
                .and_then(|s| s.task_id.as_deref()),
            Some("task-c"),
            "cut at {cut}: a record appended after the cut reads back"
        );
    }
}

#[test]
fn a_damaged_complete_line_is_an_error_naming_the_line() {
    let dir = TempDir::new("journal-corrupt");
    let path = dir.path().join(FILE_NAME);
    let full = write_all(&path);
    let mut damaged = full.clone();
    let first_newline = full.iter().position(|&b| b == b'\n').unwrap();
    damaged.splice(
        first_newline + 1..first_newline + 1,
        b"garbage\n".iter().copied(),
    );
    fs::write(&path, &damaged).unwrap();
    let err = Journal::open(&path).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("fix or delete that line"), "{message}");
}

#[test]
fn a_submit_without_an_answer_stays_ambiguous_until_its_task_id_is_recorded() {
    let mut state = InputState::default();
    apply(
        &mut state,
        Event::Submitting {
            url: "oss://b/a.wav".into(),
            group: Some("g1".into()),
        },
        5,
    );
    assert_eq!(state.submitting, Some(("oss://b/a.wav".to_owned(), 5)));
    assert!(state.task_id.is_none());
    apply(
        &mut state,
        Event::Submitted {
            task_id: "t".into(),
        },
        6,
    );
    assert!(state.submitting.is_none());
    assert_eq!(state.task_id.as_deref(), Some("t"));
    assert_eq!(state.file_url.as_deref(), Some("oss://b/a.wav"));
    assert_eq!(
        state.group.as_deref(),
        Some("g1"),
        "kept for the group's other inputs"
    );
}

#[test]
fn an_in_memory_journal_keeps_state_without_a_file() {
    let mut journal = Journal::in_memory();
    journal
        .record(
            "x",
            Event::Submitted {
                task_id: "t".into(),
            },
        )
        .unwrap();
    assert_eq!(journal.state("x").unwrap().task_id.as_deref(), Some("t"));
    assert!(journal.path().is_none());
}

#[test]
fn records_of_unknown_events_are_ignored() {
    let text = b"{\"input\":\"x\",\"at\":1,\"event\":\"from_the_future\",\"n\":3}\n\
                 {\"input\":\"x\",\"at\":2,\"event\":\"submitted\",\"task_id\":\"t\"}\n";
    let (states, len) = replay(text, Path::new("j")).unwrap();
    assert_eq!(len, text.len());
    assert_eq!(states["x"].task_id.as_deref(), Some("t"));
}

#[test]
fn a_new_submission_forgets_earlier_outputs_and_errors() {
    let mut state = InputState::default();
    apply(
        &mut state,
        Event::Done {
            outputs: vec!["x.txt".into()],
            formats: vec!["txt".into()],
            audio_seconds: None,
        },
        1,
    );
    apply(&mut state, Event::Failed { error: "e".into() }, 2);
    apply(
        &mut state,
        Event::Submitted {
            task_id: "t2".into(),
        },
        3,
    );
    assert_eq!(state.task_id.as_deref(), Some("t2"));
    assert!(state.outputs.is_none());
    assert!(state.error.is_none());
}

#[test]
fn completeness_needs_every_expected_output_on_disk() {
    let dir = TempDir::new("journal-complete");
    let state = InputState {
        outputs: Some((
            vec!["a.txt".into(), "a.ch0.srt".into(), "a.ch1.srt".into()],
            vec!["txt".into(), "srt".into()],
        )),
        ..InputState::default()
    };
    assert!(
        !state.is_complete(&["txt", "srt"], dir.path()),
        "files missing"
    );
    for f in ["a.txt", "a.ch0.srt", "a.ch1.srt"] {
        fs::write(dir.path().join(f), "x").unwrap();
    }
    assert!(state.is_complete(&["txt", "srt"], dir.path()));
    assert!(state.is_complete(&["srt"], dir.path()));
    assert!(
        !state.is_complete(&["vtt"], dir.path()),
        "a format not written before is not complete"
    );
    fs::remove_file(dir.path().join("a.ch1.srt")).unwrap();
    assert!(
        !state.is_complete(&["txt"], dir.path()),
        "a deleted output is redone"
    );
    assert!(!InputState::default().is_complete(&["txt"], dir.path()));
}

#[test]
fn uploads_are_reused_only_for_the_same_model_while_young() {
    let state = InputState {
        upload: Some(("oss://b/k".into(), "fun-asr".into(), 1_000)),
        ..InputState::default()
    };
    assert_eq!(
        state.reusable_upload("fun-asr", 1_000 + 3600),
        Some("oss://b/k")
    );
    assert_eq!(state.reusable_upload("paraformer-v2", 1_000 + 3600), None);
    assert_eq!(state.reusable_upload("fun-asr", 1_000 + 48 * 3600), None);
}

#[test]
fn records_are_one_json_object_per_line() {
    let dir = TempDir::new("journal-format");
    let path = dir.path().join("sub/dir").join(FILE_NAME);
    let text = String::from_utf8(write_all(&path)).unwrap();
    for line in text.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(value["input"].is_string(), "{line}");
        assert!(value["event"].is_string(), "{line}");
        assert!(value["at"].as_u64().unwrap() > 1_600_000_000, "{line}");
    }
    assert!(
        text.contains(r#""event":"submitted","task_id":"task-a""#),
        "{text}"
    );
}

#[test]
fn a_group_is_recorded_in_one_write_and_replays_per_input() {
    let dir = TempDir::new("journal-group");
    let path = dir.path().join(FILE_NAME);
    let mut journal = Journal::open(&path).unwrap();
    let inputs = ["https://example.com/1.wav", "https://example.com/2.wav"];
    journal
        .record_all(
            inputs
                .iter()
                .map(|i| {
                    let event = Event::Submitting {
                        url: (*i).to_owned(),
                        group: Some("g7".into()),
                    };
                    ((*i).to_owned(), event)
                })
                .collect(),
        )
        .unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.contains(r#""event":"submitting","url":"https://example.com/1.wav","group":"g7""#),
        "{text}"
    );
    journal
        .record_all(vec![(
            inputs[0].to_owned(),
            Event::Submitted {
                task_id: "t".into(),
            },
        )])
        .unwrap();
    drop(journal);
    let journal = Journal::open(&path).unwrap();
    let first = journal.state(inputs[0]).unwrap();
    let second = journal.state(inputs[1]).unwrap();
    assert_eq!(first.task_id.as_deref(), Some("t"));
    assert_eq!(first.group.as_deref(), Some("g7"));
    assert_eq!(
        second.submitting,
        Some((inputs[1].to_owned(), second.submitting.as_ref().unwrap().1))
    );
    assert_eq!(second.group.as_deref(), Some("g7"));
    assert!(second.task_id.is_none(), "its own record is what counts");
}

#[test]
fn a_submitting_record_from_before_groups_still_replays() {
    let text = b"{\"input\":\"x\",\"at\":1,\"event\":\"submitting\",\"url\":\"u\"}\n";
    let (states, _) = replay(text, Path::new("j")).unwrap();
    assert_eq!(states["x"].submitting, Some(("u".to_owned(), 1)));
    assert!(states["x"].group.is_none());
}
