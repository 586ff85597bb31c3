use clap::Parser as _;

use super::*;
use crate::cli::{Cli, Command};

fn job(args: &[&str]) -> anyhow::Result<JobSpec> {
    let mut argv = vec!["asr", "submit", "https://example.com/a.wav"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).expect("parses");
    match cli.command {
        Command::Submit(s) => JobSpec::from_args(&s.job),
        _ => unreachable!("submit was parsed"),
    }
}

fn body(spec: &JobSpec) -> serde_json::Value {
    match spec.request(vec!["https://example.com/a.wav".into()]) {
        Submission::Transcription(r) => serde_json::to_value(r).unwrap(),
        Submission::QwenFiletrans(r) => serde_json::to_value(r).unwrap(),
        _ => unreachable!("two shapes"),
    }
}

#[test]
fn options_become_the_documented_parameters() {
    let spec = job(&[
        "--language",
        "en",
        "--speakers",
        "3",
        "--channel",
        "0,1",
        "--vocabulary-id",
        "vocab-x-123",
        "--filter",
        r#"{"filter_with_empty":{"word_list":["um"]}}"#,
    ])
    .unwrap();
    let b = body(&spec);
    let p = &b["parameters"];
    assert_eq!(p["language_hints"], serde_json::json!(["en"]));
    assert_eq!(
        p["diarization_enabled"], true,
        "--speakers implies --diarize"
    );
    assert_eq!(p["speaker_count"], 3);
    assert_eq!(p["channel_id"], serde_json::json!([0, 1]));
    assert_eq!(p["vocabulary_id"], "vocab-x-123");
    assert!(
        p["special_word_filter"]
            .as_str()
            .unwrap()
            .contains("filter_with_empty")
    );
    assert_eq!(b["input"]["file_urls"][0], "https://example.com/a.wav");
}

#[test]
fn qwen_filetrans_uses_its_own_shape_with_word_times() {
    let spec = job(&["--model", "qwen3-asr-flash-filetrans", "--language", "zh"]).unwrap();
    let b = body(&spec);
    assert_eq!(b["input"]["file_url"], "https://example.com/a.wav");
    assert_eq!(b["parameters"]["language"], "zh");
    assert_eq!(b["parameters"]["enable_words"], true);
    for flag in [
        &["--diarize"][..],
        &["--vocabulary-id", "v"][..],
        &["--filter", "{}"][..],
    ] {
        let mut args = vec!["--model", "qwen3-asr-flash-filetrans"];
        args.extend_from_slice(flag);
        let err = job(&args).unwrap_err();
        assert!(
            err.to_string().contains("does not take this option"),
            "{err}"
        );
    }
}

#[test]
fn bad_options_name_the_flag() {
    let cases: [(&[&str], &str); 4] = [
        (&["--speakers", "1"], "`--speakers`"),
        (&["--language", "xx"], "`--language`"),
        (&["--filter", "not json"], "`--filter`"),
        (&["--filter", "@/no/such/filter.json"], "`--filter`"),
    ];
    for (args, flag) in cases {
        let err = job(args).unwrap_err();
        assert_eq!(exit::classify(&err), exit::Kind::InvalidInput, "{args:?}");
        assert!(err.to_string().contains(flag), "{args:?}: {err}");
    }
}

#[test]
fn file_urls_models_take_100_inputs_per_task_and_the_others_one() {
    let fun = job(&[]).unwrap();
    assert_eq!(fun.group_size(), 100);
    let urls: Vec<String> = (0..3)
        .map(|i| format!("https://example.com/{i}.wav"))
        .collect();
    match fun.request(urls.clone()) {
        Submission::Transcription(r) => assert_eq!(r.input.file_urls, urls),
        _ => panic!("fun-asr takes file_urls"),
    }
    assert_eq!(
        job(&["--model", "paraformer-v2"]).unwrap().group_size(),
        100
    );
    for model in [
        "qwen3-asr-flash-filetrans",
        "qwen-audio-3.1-asr-flash-filetrans",
    ] {
        assert_eq!(job(&["--model", model]).unwrap().group_size(), 1, "{model}");
    }
}
