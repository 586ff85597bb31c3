//! `asr render`: every format from every fixture result document, offline.

use crate::util::{TempDir, asr, code, result_documents, run, stderr, stdout};

const TEXT_FORMATS: [&str; 4] = ["txt", "srt", "vtt", "tsv"];

/// A two-channel (stereo call) document in the Fun-ASR shape; no recorded fixture has one.
fn two_channel_document() -> Vec<u8> {
    let channel = |id: u32, begin: u64, words: &[&str]| {
        let words_json: Vec<serde_json::Value> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let b = begin + i as u64 * 400;
                serde_json::json!({"begin_time": b, "end_time": b + 400,
                    "text": if i == 0 { (*w).to_owned() } else { format!(" {w}") },
                    "punctuation": if i + 1 == words.len() { "." } else { "" }})
            })
            .collect();
        let text = format!("{}.", words.join(" "));
        serde_json::json!({
            "channel_id": id,
            "content_duration_in_milliseconds": words.len() * 400,
            "text": text,
            "sentences": [{"begin_time": begin, "end_time": begin + words.len() as u64 * 400,
                "sentence_id": 1, "text": text, "words": words_json}]
        })
    };
    let doc = serde_json::json!({
        "file_url": "https://example.com/call.wav",
        "properties": {"audio_format": "pcm_s16le", "channels": [0, 1],
            "original_duration_in_milliseconds": 4000, "original_sampling_rate": 16000},
        "transcripts": [
            channel(0, 0, &["Thanks", "for", "calling", "how", "can", "I", "help"]),
            channel(1, 3000, &["My", "order", "has", "not", "arrived"]),
        ]
    });
    serde_json::to_vec_pretty(&doc).unwrap()
}

fn render_all(name: &str, body: &[u8], extra: &[&str]) -> Vec<(String, String)> {
    let dir = TempDir::new("render");
    let input = dir.join(format!("{name}.json"));
    std::fs::write(&input, body).unwrap();
    let out_dir = dir.join("out");
    let out = run(asr(dir.path())
        .arg("render")
        .arg(&input)
        .args(["--format", "txt,srt,vtt,tsv,json", "-o"])
        .arg(&out_dir)
        .args(extra));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut files: Vec<(String, String)> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let json = files
        .iter()
        .find(|(n, _)| n.ends_with(".json"))
        .expect("json output");
    assert_eq!(
        json.1.as_bytes(),
        body,
        "json is the document byte for byte"
    );
    files
}

#[test]
fn every_fixture_renders_in_every_format() {
    for (case, body) in result_documents() {
        let files = render_all(&case, &body, &[]);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        let expected: Vec<String> = ["json", "srt", "tsv", "txt", "vtt"]
            .iter()
            .map(|e| format!("{case}.{e}"))
            .collect();
        assert_eq!(names, expected);
        for (name, content) in &files {
            if TEXT_FORMATS
                .iter()
                .any(|f| name.ends_with(&format!(".{f}")))
            {
                insta::assert_snapshot!(format!("render_{name}"), content);
            }
        }
    }
}

#[test]
fn a_two_channel_document_gives_one_subtitle_file_per_channel() {
    let files = render_all("call", &two_channel_document(), &[]);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "call.ch0.srt",
            "call.ch0.tsv",
            "call.ch0.vtt",
            "call.ch1.srt",
            "call.ch1.tsv",
            "call.ch1.vtt",
            "call.json",
            "call.txt"
        ]
    );
    for (name, content) in &files {
        if !name.ends_with(".json") {
            insta::assert_snapshot!(format!("render_{name}"), content);
        }
    }
}

#[test]
fn long_sentences_split_by_the_cue_limits() {
    let (_, body) = result_documents()
        .into_iter()
        .find(|(c, _)| c == "transcription")
        .expect("transcription fixture");
    let files = render_all(
        "limits",
        &body,
        &["--max-line-chars", "10", "--max-cue-seconds", "1"],
    );
    for (name, content) in &files {
        if name.ends_with(".srt") || name.ends_with(".vtt") {
            insta::assert_snapshot!(format!("render_split_{name}"), content);
        }
    }
}

#[test]
fn one_document_and_one_format_print_to_stdout() {
    let dir = TempDir::new("render-stdout");
    let (_, body) = result_documents().remove(0);
    let input = dir.join("doc.json");
    std::fs::write(&input, &body).unwrap();
    let out = run(asr(dir.path())
        .arg("render")
        .arg(&input)
        .args(["-f", "tsv"]));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("start\tend\tspeaker\ttext\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn stdout_takes_one_input_and_one_format_only() {
    let dir = TempDir::new("render-usage");
    let out = run(asr(dir.path()).args(["render", "a.json", "b.json"]));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("pass `-o DIR`"), "{}", stderr(&out));
    let out = run(asr(dir.path()).args(["render", "a.json", "-f", "srt,vtt"]));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("several formats"), "{}", stderr(&out));
}

#[test]
fn bad_documents_are_invalid_input_and_a_batch_goes_on() {
    let dir = TempDir::new("render-bad");
    let good = dir.join("good.json");
    std::fs::write(&good, &result_documents()[0].1).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, b"{\"output\": {}}").unwrap();

    let out = run(asr(dir.path()).arg("render").arg(&bad));
    assert_eq!(code(&out), 3);
    insta::assert_snapshot!(
        "render_bad_document_error",
        stderr(&out).replace(&dir.path().display().to_string(), "[DIR]")
    );

    let out = run(asr(dir.path()).arg("render").arg(dir.join("missing.json")));
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("missing.json: no such file"),
        "{}",
        stderr(&out)
    );

    let out_dir = dir.join("out");
    let out = run(asr(dir.path())
        .arg("render")
        .arg(&bad)
        .arg(&good)
        .args(["--json", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 7, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["files"][0]["status"], "failed");
    assert_eq!(report["files"][1]["status"], "ok");
    assert_eq!(report["files"][1]["outputs"][0], "good.txt");
    assert!(out_dir.join("good.txt").is_file());
}

#[test]
fn inputs_with_the_same_stem_do_not_overwrite_each_other() {
    let dir = TempDir::new("render-collide");
    let body = &result_documents()[0].1;
    for sub in ["a", "b"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        std::fs::write(dir.join(sub).join("talk.json"), body).unwrap();
    }
    let out_dir = dir.join("out");
    let out = run(asr(dir.path())
        .arg("render")
        .arg(dir.join("a/talk.json"))
        .arg(dir.join("b/talk.json"))
        .arg("-o")
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out_dir.join("talk.txt").is_file());
    assert!(out_dir.join("talk-2.txt").is_file());
}

#[test]
fn format_all_writes_every_format_and_stdout_refuses_it() {
    let (_, body) = result_documents()
        .into_iter()
        .find(|(c, _)| c == "transcription")
        .expect("transcription fixture");
    let dir = TempDir::new("render-all");
    let input = dir.join("talk.json");
    std::fs::write(&input, &body).unwrap();
    let out_dir = dir.join("out");
    let out = run(asr(dir.path())
        .arg("render")
        .arg(&input)
        .args(["-f", "all", "-o"])
        .arg(&out_dir));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["talk.json", "talk.srt", "talk.tsv", "talk.txt", "talk.vtt"]
    );
    let out = run(asr(dir.path())
        .arg("render")
        .arg(&input)
        .args(["-f", "all"]));
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("several formats"), "{}", stderr(&out));
}

/// `asr render FILE ARGS…` on stdout.
fn render_stdout(name: &str, body: &[u8], args: &[&str]) -> String {
    let dir = TempDir::new("render-flags");
    let input = dir.join(format!("{name}.json"));
    std::fs::write(&input, body).unwrap();
    let out = run(asr(dir.path()).arg("render").arg(&input).args(args));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn the_cue_flags_change_the_subtitles() {
    let diarized = result_documents()
        .into_iter()
        .find(|(c, _)| c == "transcription_diarization")
        .expect("diarization fixture")
        .1;
    let plain = render_stdout("d", &diarized, &["-f", "srt", "--no-speaker-labels"]);
    assert!(!plain.contains("Speaker"), "{plain}");
    assert_eq!(
        plain.lines().nth(2),
        Some("Hello world, this is Alibaba Speech Lab."),
        "without the label the sentence fits one line"
    );
    let txt = render_stdout("d", &diarized, &["-f", "txt", "--no-speaker-labels"]);
    assert_eq!(txt, "Hello world, this is Alibaba Speech Lab.\n");

    let words = render_stdout("d", &diarized, &["-f", "vtt", "--word-timestamps"]);
    assert!(words.contains("<00:00:00."), "{words}");

    let narrow = render_stdout(
        "d",
        &diarized,
        &["-f", "srt", "--max-lines", "1", "--max-line-chars", "20"],
    );
    let blocks: Vec<&str> = narrow.split("\n\n").filter(|b| !b.is_empty()).collect();
    assert!(blocks.len() > 2, "{narrow}");
    for block in blocks {
        let lines: Vec<&str> = block.lines().skip(2).collect();
        assert_eq!(lines.len(), 1, "{block}");
        assert!(lines[0].chars().count() <= 20, "{block}");
    }
}

#[test]
fn merge_channels_gives_one_labelled_file() {
    let merged = render_stdout(
        "call",
        &two_channel_document(),
        &["-f", "srt", "--merge-channels"],
    );
    insta::assert_snapshot!("render_call.merged.srt", merged);
    assert!(merged.contains("[Channel 0] ") && merged.contains("[Channel 1] "));
}
