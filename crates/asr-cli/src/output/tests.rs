#![allow(clippy::unwrap_used)]

use super::*;
use crate::testutil::TempDir;

fn args(extra: &[&str]) -> OutputArgs {
    use clap::Parser as _;
    #[derive(clap::Parser)]
    struct Wrap {
        #[command(flatten)]
        out: OutputArgs,
    }
    let mut out = Wrap::try_parse_from(std::iter::once("asr").chain(extra.iter().copied()))
        .unwrap()
        .out;
    out.expand_formats();
    out
}

#[test]
fn the_flags_reach_the_renderer() {
    let defaults = RenderOptions::from_args(&args(&[])).unwrap().options;
    assert_eq!(defaults, Options::default());
    let set = RenderOptions::from_args(&args(&[
        "--max-line-chars",
        "30",
        "--max-lines",
        "1",
        "--max-cue-seconds",
        "2.5",
        "--word-timestamps",
        "--no-speaker-labels",
        "--merge-channels",
    ]))
    .unwrap()
    .options;
    assert_eq!(set.cues.max_line_width, 30);
    assert_eq!(set.cues.max_lines, 1);
    assert_eq!(set.cues.max_cue_duration, Duration::from_millis(2500));
    assert!(set.word_timestamps && !set.speaker_labels);
    assert_eq!(set.channels, ChannelLayout::Merged);
    let err = RenderOptions::from_args(&args(&["--max-cue-seconds", "0.1"])).unwrap_err();
    assert!(err.to_string().contains("--max-cue-seconds"), "{err}");
}

#[test]
fn format_all_is_every_format_once() {
    assert_eq!(
        args(&["-f", "srt,all"]).formats,
        [
            Format::Srt,
            Format::Txt,
            Format::Json,
            Format::Vtt,
            Format::Tsv
        ]
    );
    let raw = br#"{"transcripts":[{"channel_id":0,"text":"Hi.","sentences":[
        {"begin_time":0,"end_time":500,"text":"Hi."}]}]}"#;
    let opts = RenderOptions::from_args(&args(&[])).unwrap();
    let out = render(raw, &args(&["-f", "all"]).formats, opts).unwrap();
    let suffixes: Vec<String> = out.iter().map(Artifact::suffix).collect();
    assert_eq!(suffixes, [".txt", ".json", ".srt", ".vtt", ".tsv"]);
}

#[test]
fn stems_come_from_paths_and_urls_and_collisions_get_a_number() {
    assert_eq!(files::stem_of("/data/talk.wav"), "talk");
    assert_eq!(files::stem_of("talk"), "talk");
    assert_eq!(
        files::stem_of("https://h/x/y/meeting.mp3?Expires=1&a=b"),
        "meeting"
    );
    assert_eq!(files::stem_of("oss://bucket/dir/a.b.wav"), "a.b");
    assert_eq!(files::stem_of("https://h/"), "h");
    assert_eq!(files::stem_of(".wav"), ".wav");
    assert_eq!(files::stem_of("a/b:c.wav"), "b_c");
    assert_eq!(
        files::assign_stems(["a/x.wav", "b/x.mp3", "X.wav", "x-2.wav", "y.wav"]),
        ["x", "x-2", "X-3", "x-2-2", "y"]
    );
}

#[test]
fn atomic_writes_replace_the_file_and_leave_no_temporary() {
    let dir = TempDir::new("atomic");
    let path = dir.path().join("out.srt");
    files::write_atomic(&path, b"first").unwrap();
    files::write_atomic(&path, b"second").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["out.srt"]);
}
