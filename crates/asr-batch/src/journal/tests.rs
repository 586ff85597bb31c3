use super::*;

fn key(source: &str) -> InputKey {
    InputKey::from_parts(source, Some(OptionsId(0xab)))
}

pub(crate) fn sample_records() -> Vec<Record> {
    let a = key("/data/a.wav");
    let b = key("https://example.com/b.mp3");
    vec![
        Record::input(
            a.clone(),
            1_700_000_000,
            Event::Uploaded {
                url: "oss://dashscope-instant/x/a.wav".into(),
                model: "fun-asr".into(),
            },
        ),
        Record::input(
            a.clone(),
            1_700_000_001,
            Event::Submitted {
                task_id: "task-a".into(),
            },
        ),
        Record::input(
            b.clone(),
            1_700_000_002,
            Event::Submitted {
                task_id: "task-b".into(),
            },
        ),
        Record::input(
            a,
            1_700_000_003,
            Event::Done {
                outputs: vec!["a.txt".into(), "a.srt".into()],
                formats: vec!["txt".into(), "srt".into()],
            },
        ),
        Record::input(
            b,
            1_700_000_004,
            Event::Failed {
                error: "task failed: InvalidFile.DownloadFailed".into(),
            },
        ),
        Record::TaskFinished {
            task_id: "task-a".into(),
            at: 1_700_000_005,
            billed_seconds: Some(3),
        },
    ]
}

pub(crate) fn encoded(records: &[Record]) -> Vec<u8> {
    let mut text = header_line(1_700_000_000);
    for r in records {
        r.encode(&mut text);
    }
    text
}

#[test]
fn replay_builds_each_inputs_state() {
    let replay = replay(&encoded(&sample_records())).unwrap();
    assert!(replay.has_header && !replay.torn_tail);
    let a = replay.state(&key("/data/a.wav")).unwrap();
    assert_eq!(a.task_id.as_ref().map(TaskId::as_str), Some("task-a"));
    let done = a.done.clone().unwrap();
    assert_eq!(done.outputs, ["a.txt", "a.srt"]);
    assert_eq!(done.formats, ["txt", "srt"]);
    assert_eq!(
        a.upload.as_ref().map(|u| u.url.as_str()),
        Some("oss://dashscope-instant/x/a.wav")
    );
    assert!(a.error.is_none());

    let b = replay.state(&key("https://example.com/b.mp3")).unwrap();
    assert_eq!(b.task_id.as_ref().map(TaskId::as_str), Some("task-b"));
    assert!(b.done.is_none());
    assert!(b.error.as_deref().unwrap().contains("DownloadFailed"));
    assert!(replay.state(&key("/data/never.wav")).is_none());
    assert_eq!(replay.tasks[&TaskId::new("task-a")].billed_seconds, Some(3));
}

/// Replay is the inverse of encoding: records in, the same state out, whatever the field
/// contents (quotes, newlines and non-ASCII in a source or an error).
#[test]
fn encoded_records_replay_to_the_state_applying_them_gives() {
    let mut records = sample_records();
    records.push(Record::input(
        key("/data/\"quoted\"\nname ü.wav"),
        9,
        Event::Failed {
            error: "line one\nline \"two\" 💥".into(),
        },
    ));
    let mut expected = Replay::default();
    for r in records.clone() {
        expected.apply(r);
    }
    let got = replay(&encoded(&records)).unwrap();
    assert_eq!(got.inputs, expected.inputs);
    assert_eq!(got.tasks, expected.tasks);
    assert_eq!(got.records, records.len());
}

/// Cut the journal at every byte, as a kill at any moment could: replay never fails, keeps
/// exactly the complete lines, and reports the torn rest.
#[test]
fn a_journal_cut_at_any_byte_replays_its_complete_lines() {
    let full = encoded(&sample_records());
    let line_ends: Vec<usize> = full
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(line_ends.len(), sample_records().len() + 1);
    for cut in 0..=full.len() {
        let kept = line_ends
            .iter()
            .rev()
            .find(|&&end| end <= cut)
            .copied()
            .unwrap_or(0);
        let got = replay(&full[..cut]).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(got.valid_len as usize, kept, "cut at {cut}");
        assert_eq!(got.torn_tail, kept < cut, "cut at {cut}");
        let expected = replay(&full[..kept]).unwrap();
        assert_eq!(got.inputs, expected.inputs, "cut at {cut}");
        // The first records are those of `a.wav`: its task id survives once line 3 is whole.
        let complete = line_ends.iter().filter(|&&end| end <= cut).count();
        assert_eq!(
            got.state(&key("/data/a.wav"))
                .and_then(|s| s.task_id.as_ref())
                .map(TaskId::as_str),
            (complete >= 3).then_some("task-a"),
            "cut at {cut}"
        );
    }
}

#[test]
fn a_damaged_complete_line_is_an_error_naming_the_line() {
    let full = encoded(&sample_records());
    let first_newline = full.iter().position(|&b| b == b'\n').unwrap();
    let mut damaged = full.clone();
    damaged.splice(
        first_newline + 1..first_newline + 1,
        b"garbage\n".iter().copied(),
    );
    let err = replay(&damaged).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, ReplayError::Damaged { line: 2, .. }),
        "{message}"
    );
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("fix or delete that line"), "{message}");
}

#[test]
fn files_that_are_not_journals_are_refused_whatever_their_ending() {
    for text in [
        &b"my notes"[..],
        b"my notes\n",
        b"my notes\nmore notes",
        b"{\"name\":\"not ours\"}\n",
        b"[1,2,3]\n",
        b"\x00\x01\x02binary",
        b"   {\"input\":",
    ] {
        assert!(
            matches!(replay(text), Err(ReplayError::NotAJournal)),
            "{:?}",
            String::from_utf8_lossy(text)
        );
    }
    // A journal whose very first write was cut off is still recognised.
    for text in [&b"{\"asr_jour"[..], b"{\"input\":\"https://e.com/a.w", b"{"] {
        let got = replay(text).unwrap();
        assert!(got.torn_tail && got.valid_len == 0);
    }
    // Blank lines alone are no one's content worth protecting.
    assert_eq!(replay(b"\n\n").unwrap().records, 0);
}

#[test]
fn a_line_longer_than_any_record_is_not_read_whole() {
    let mut text = encoded(&sample_records());
    text.extend(std::iter::repeat_n(b'x', MAX_LINE as usize + 10));
    assert!(matches!(
        replay(&text),
        Err(ReplayError::LineTooLong { .. })
    ));
    let huge = vec![b'{'; MAX_LINE as usize + 10];
    assert!(matches!(replay(&huge), Err(ReplayError::NotAJournal)));
}

#[test]
fn journals_of_older_versions_load_and_carry_over_to_keys_with_options() {
    // No header, no options, no group; the first line is a record.
    let text = b"{\"input\":\"x\",\"at\":1,\"event\":\"from_the_future\",\"n\":3}\n\
                 {\"input\":\"x\",\"at\":2,\"event\":\"submitted\",\"task_id\":\"t\"}\n\
                 {\"input\":\"y\",\"at\":5,\"event\":\"submitting\",\"url\":\"u\"}\n";
    let got = replay(text).unwrap();
    assert!(!got.has_header);
    let with_options = InputKey::from_parts("x", Some(OptionsId(7)));
    assert_eq!(
        got.state(&with_options)
            .and_then(|s| s.task_id.as_ref())
            .map(TaskId::as_str),
        Some("t"),
        "an old record applies to the source whatever its options"
    );
    let y = got.state(&InputKey::from_parts("y", None)).unwrap();
    assert_eq!(
        y.submitting.as_ref().map(|s| (s.url.as_str(), s.at)),
        Some(("u", 5))
    );
    assert!(y.group.is_none());

    // The first new record of such a source continues from the old state.
    let mut got = got;
    got.apply(Record::input(
        with_options.clone(),
        9,
        Event::Done {
            outputs: vec!["x.txt".into()],
            formats: vec!["txt".into()],
        },
    ));
    let x = got.state(&with_options).unwrap();
    assert_eq!(x.task_id.as_ref().map(TaskId::as_str), Some("t"));
    assert!(x.done.is_some());
}

#[test]
fn the_same_source_with_other_options_is_another_input() {
    let mut got = Replay::default();
    let a = InputKey::from_parts("s", Some(OptionsId(1)));
    let b = InputKey::from_parts("s", Some(OptionsId(2)));
    got.apply(Record::input(
        a.clone(),
        1,
        Event::Submitted {
            task_id: "t1".into(),
        },
    ));
    assert!(got.state(&a).is_some());
    assert!(got.state(&b).is_none());
}

#[test]
fn a_submit_without_an_answer_stays_ambiguous_until_its_task_id_is_recorded() {
    let mut state = InputState::default();
    state.apply(
        Event::Submitting {
            url: "oss://b/a.wav".into(),
            group: Some("g1".into()),
        },
        5,
    );
    assert_eq!(
        state.submitting,
        Some(PendingSubmit {
            url: "oss://b/a.wav".into(),
            at: 5
        })
    );
    assert!(state.task_id.is_none());
    state.apply(
        Event::Submitted {
            task_id: "t".into(),
        },
        6,
    );
    assert!(state.submitting.is_none());
    assert_eq!(state.task_id.as_ref().map(TaskId::as_str), Some("t"));
    assert_eq!(state.file_url.as_deref(), Some("oss://b/a.wav"));
    assert_eq!(
        state.group.as_deref(),
        Some("g1"),
        "kept for the group's other inputs"
    );
}

#[test]
fn a_new_submission_forgets_earlier_outputs_errors_and_expiry() {
    let mut state = InputState::default();
    state.apply(
        Event::Done {
            outputs: vec!["x.txt".into()],
            formats: vec!["txt".into()],
        },
        1,
    );
    state.apply(Event::Failed { error: "e".into() }, 2);
    state.apply(
        Event::Expired {
            task_id: "t1".into(),
        },
        3,
    );
    assert!(state.expired);
    // An explicit resubmit: until its answer, the old task no longer counts.
    state.apply(
        Event::Submitting {
            url: "u".into(),
            group: Some("g".into()),
        },
        4,
    );
    assert!(state.task_id.is_none() && !state.expired);
    state.apply(
        Event::Submitted {
            task_id: "t2".into(),
        },
        5,
    );
    assert_eq!(state.task_id.as_ref().map(TaskId::as_str), Some("t2"));
    assert!(state.done.is_none());
    assert!(state.error.is_none());
}

#[test]
fn uploads_are_reused_only_for_the_same_model_while_young() {
    let state = InputState {
        upload: Some(UploadRecord {
            url: "oss://b/k".into(),
            model: "fun-asr".into(),
            at: 1_000,
        }),
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
    let text = String::from_utf8(encoded(&sample_records())).unwrap();
    let mut lines = text.lines();
    let header: serde_json::Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["asr_journal"], FORMAT);
    for line in lines {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            value["input"].is_string() || value["task"].is_string(),
            "{line}"
        );
        assert!(value["event"].is_string(), "{line}");
        assert!(value["at"].as_u64().unwrap() > 1_600_000_000, "{line}");
    }
    assert!(
        text.contains(
            r#""opts":"00000000000000ab","at":1700000001,"event":"submitted","task_id":"task-a""#
        ),
        "{text}"
    );
    let mut line = Vec::new();
    Record::input(
        key("https://example.com/1.wav"),
        1,
        Event::Submitting {
            url: "https://example.com/1.wav".into(),
            group: Some("g7".into()),
        },
    )
    .encode(&mut line);
    let line = String::from_utf8(line).unwrap();
    assert!(
        line.contains(r#""event":"submitting","url":"https://example.com/1.wav","group":"g7""#),
        "{line}"
    );
}
