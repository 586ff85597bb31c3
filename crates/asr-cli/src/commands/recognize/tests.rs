#![allow(clippy::unwrap_used)]

use asr_transport::{Model, Recognition};

use super::live::{Live, tail};
use super::*;

#[test]
fn the_interim_line_is_rewritten_in_place_on_a_terminal() {
    let mut live = Live::buffer(true, 80);
    live.interim("Hello").unwrap();
    live.interim("Hello world").unwrap();
    live.sentence("Hello world.").unwrap();
    live.interim("How").unwrap();
    live.finish().unwrap();
    let out = String::from_utf8(live.bytes().to_vec()).unwrap();
    assert_eq!(
        out,
        "\r\x1b[2KHello\r\x1b[2KHello world\r\x1b[2KHello world.\n\r\x1b[2KHow\r\x1b[2K"
    );
}

#[test]
fn without_a_terminal_only_sentences_are_printed_as_plain_lines() {
    let mut live = Live::buffer(false, 80);
    live.interim("Hello").unwrap();
    live.sentence("Hello world.").unwrap();
    live.interim("How").unwrap();
    live.sentence("How are you?").unwrap();
    live.finish().unwrap();
    assert_eq!(live.bytes(), b"Hello world.\nHow are you?\n");
}

#[test]
fn a_long_interim_keeps_its_newest_end_within_the_width() {
    assert_eq!(tail("short", 10), "short");
    assert_eq!(tail("abcdefghijkl", 6), "…hijkl");
    // Wide characters count twice.
    assert_eq!(tail("欢迎使用阿里云", 7), "…阿里云");
}

fn sentence(index: u64, text: &str, times: Option<(u64, u64)>) -> RecognizedSentence {
    let mut s = RecognizedSentence::default();
    s.index = index;
    s.text = text.to_owned();
    s.begin_ms = times.map(|t| t.0);
    s.end_ms = times.map(|t| t.1);
    s
}

fn opts() -> RenderOptions {
    RenderOptions {
        options: asr_render::Options::default(),
    }
}

#[test]
fn timed_sentences_render_as_subtitles_and_read_back_as_a_document() {
    let r = Recognition::new(
        Model::FUN_ASR_FLASH_2026_06_15,
        vec![
            sentence(1, "Hello.", Some((0, 900))),
            sentence(2, "World.", Some((1000, 1800))),
        ],
        None,
    );
    let out = artifacts(&r, &[Format::Srt, Format::Txt, Format::Json], opts()).unwrap();
    let srt = String::from_utf8(out[0].bytes.clone()).unwrap();
    assert_eq!(
        srt,
        "1\n00:00:00,000 --> 00:00:00,900\nHello.\n\n2\n00:00:01,000 --> 00:00:01,800\nWorld.\n\n"
    );
    assert_eq!(out[1].bytes, b"Hello. World.\n");
    let doc: serde_json::Value = serde_json::from_slice(&out[2].bytes).unwrap();
    assert_eq!(doc["model"], "fun-asr-flash-2026-06-15");
    assert_eq!(doc["transcripts"][0]["sentences"][1]["begin_time"], 1000);
    // `asr render` reads the json output back.
    assert!(output::render(&out[2].bytes, &[Format::Vtt], opts()).is_ok());
}

#[test]
fn untimed_sentences_give_text_and_json_but_refuse_subtitles() {
    let r = Recognition::new(
        Model::QWEN3_ASR_FLASH,
        vec![sentence(1, "欢迎使用阿里云。", None)],
        None,
    );
    let out = artifacts(&r, &[Format::Txt, Format::Json], opts()).unwrap();
    assert_eq!(out[0].bytes, "欢迎使用阿里云。\n".as_bytes());
    let doc: serde_json::Value = serde_json::from_slice(&out[1].bytes).unwrap();
    assert!(
        doc["transcripts"][0]["sentences"][0]
            .get("begin_time")
            .is_none()
    );
    let err = artifacts(&r, &[Format::Vtt], opts()).unwrap_err();
    assert_eq!(exit::classify(&err), exit::Kind::InvalidInput);
    assert!(err.to_string().contains("--format vtt"), "{err}");
}

#[test]
fn url_formats_come_from_the_path() {
    assert_eq!(format_of("https://x/a/b.MP3?sig=1").as_deref(), Some("mp3"));
    assert_eq!(format_of("https://x/a/b"), None);
}
