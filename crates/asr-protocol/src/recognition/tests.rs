use asr_types::RecognitionResponse;
use serde_json::json;

use super::*;

fn native(value: serde_json::Value) -> RecognitionResponse {
    serde_json::from_value(value).expect("answer")
}

#[test]
fn a_revised_cumulative_text_replaces_the_interim() {
    let mut acc = Accumulator::new();
    acc.handle_native(&native(json!({"output": {"text": "helo", "sentence": {"sentence_id": 1, "sentence_end": false, "text": "helo"}}})));
    acc.handle_native(&native(json!({"output": {"text": "hello", "sentence": {"sentence_id": 1, "sentence_end": false, "text": "hello"}}})));
    acc.handle_end();
    let events: Vec<_> = std::iter::from_fn(|| acc.poll_event()).collect();
    assert_eq!(events[0], RecognitionEvent::Interim("helo".into()));
    assert_eq!(events[1], RecognitionEvent::Interim("hello".into()));
    // The stream ended before the sentence was final: its text is kept as a sentence.
    assert!(matches!(&events[2], RecognitionEvent::Sentence(s) if s.text == "hello"));
    assert_eq!(events[3], RecognitionEvent::Interim(String::new()));
    assert_eq!(events[4], RecognitionEvent::Done);
}

#[test]
fn incremental_qwen_text_is_appended() {
    let mut acc = Accumulator::new().with_incremental_output(true);
    for (piece, finish) in [("欢迎", "null"), ("使用", "stop")] {
        acc.handle_native(&native(json!({"output": {"choices": [{"finish_reason": finish, "message": {"role": "assistant", "content": [{"text": piece}]}}]}})));
    }
    assert_eq!(acc.sentences()[0].text, "欢迎使用");
    assert_eq!(acc.interim(), "");
}

fn partial(id: u64, text: &str, full: &str) -> RecognitionResponse {
    native(json!({"output": {"text": full, "sentence": {
        "sentence_id": id, "sentence_end": false, "begin_time": id * 1000, "text": text}}}))
}

fn last(id: u64, text: &str, full: &str) -> RecognitionResponse {
    native(json!({"output": {"text": full, "sentence": {
        "sentence_id": id, "sentence_end": true, "begin_time": id * 1000,
        "end_time": id * 1000 + 900, "text": text}}, "usage": {"duration": 3}}))
}

/// Feeds `answers`, ends, and returns the accumulator with every event.
fn run(answers: &[RecognitionResponse]) -> (Accumulator, Vec<RecognitionEvent>) {
    let mut acc = Accumulator::new();
    for a in answers {
        acc.handle_native(a);
    }
    acc.handle_end();
    let events = std::iter::from_fn(|| acc.poll_event()).collect();
    (acc, events)
}

fn texts(acc: &Accumulator) -> Vec<&str> {
    acc.sentences().iter().map(|s| s.text.as_str()).collect()
}

fn interims(events: &[RecognitionEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            RecognitionEvent::Interim(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

fn indexes(acc: &Accumulator) -> Vec<u64> {
    acc.sentences().iter().map(|s| s.index).collect()
}

#[test]
fn space_joined_cumulative_text_settles_each_sentence_once() {
    let (acc, events) = run(&[
        partial(1, "Good", "Good"),
        last(1, "Good morning.", "Good morning."),
        partial(2, "How", "Good morning. How"),
        last(2, "How are you?", "Good morning. How are you?"),
    ]);
    assert_eq!(texts(&acc), ["Good morning.", "How are you?"]);
    // The interim never repeats settled text, nor carries the joining space.
    assert_eq!(interims(&events), ["Good", "", "How", ""]);
    assert!(acc.sentences().iter().all(|s| s.end_ms.is_some()));
    assert_eq!(acc.text(), "Good morning. How are you?");
}

#[test]
fn a_single_answer_with_the_last_sentence_keeps_the_earlier_text_as_a_sentence() {
    let full = "Good morning, how can I help? I want to check my order. Sure, one moment please.";
    let (acc, events) = run(&[last(3, "Sure, one moment please.", full)]);
    assert_eq!(
        texts(&acc),
        [
            "Good morning, how can I help? I want to check my order.",
            "Sure, one moment please."
        ]
    );
    assert_eq!(acc.sentences()[0].begin_ms, None);
    assert_eq!(acc.sentences()[1].begin_ms, Some(3000));
    // The gap takes the first missing id, the final sentence keeps its own.
    assert_eq!(indexes(&acc), [1, 3]);
    assert_eq!(acc.text(), full);
    // Nothing was ever interim, so nothing settles again at the end.
    assert_eq!(interims(&events), Vec::<&str>::new());
}

#[test]
fn a_single_answer_whose_sentence_is_the_whole_text_adds_nothing() {
    let (acc, events) = run(&[last(1, "欢迎使用阿里云。", "欢迎使用阿里云。")]);
    assert_eq!(texts(&acc), ["欢迎使用阿里云。"]);
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(matches!(
        &events[1],
        RecognitionEvent::Usage(Usage::Native(_))
    ));
    assert_eq!(events.last(), Some(&RecognitionEvent::Done));
}

#[test]
fn a_final_answer_after_settled_sentences_adds_only_the_missing_text() {
    // Sentence 2 never came final; the last answer carries it only inside the text.
    let (acc, _) = run(&[
        last(1, "One.", "One."),
        partial(2, "Two", "One. Two"),
        last(3, "Three.", "One. Two. Three."),
    ]);
    assert_eq!(texts(&acc), ["One.", "Two.", "Three."]);
    assert_eq!(indexes(&acc), [1, 2, 3]);
    assert_eq!(acc.sentences()[1].end_ms, None);
}

#[test]
fn text_before_the_last_sentence_that_settled_already_adds_nothing() {
    // The final answer repeats the earlier sentences with other punctuation and case.
    let (acc, events) = run(&[
        last(1, "Hello world,", "Hello world,"),
        last(2, "this is it.", "hello World， this is it."),
    ]);
    assert_eq!(texts(&acc), ["Hello world,", "this is it."]);
    assert_eq!(interims(&events), Vec::<&str>::new());
}

#[test]
fn a_settled_sentence_is_not_revised() {
    let (acc, events) = run(&[
        last(1, "今天天气很好。", "今天天气很好。"),
        last(1, "今天天气真好。", "今天天气真好。"),
    ]);
    assert_eq!(texts(&acc), ["今天天气很好。"]);
    let sentences = events
        .iter()
        .filter(|e| matches!(e, RecognitionEvent::Sentence(_)))
        .count();
    assert_eq!(sentences, 1);
    // The revised text does not line up with the settled sentence: it is not repeated either.
    assert_eq!(acc.interim(), "");
}

#[test]
fn cjk_sentences_join_without_spaces() {
    let (acc, events) = run(&[
        partial(1, "今天", "今天"),
        last(1, "今天天气很好。", "今天天气很好。"),
        partial(2, "我们去", "今天天气很好。我们去"),
        last(2, "我们去公园吧。", "今天天气很好。我们去公园吧。"),
    ]);
    assert_eq!(interims(&events), ["今天", "", "我们去", ""]);
    assert_eq!(acc.text(), "今天天气很好。我们去公园吧。");
}

#[test]
fn revisions_of_a_partial_replace_the_interim_and_the_stream_end_keeps_its_id() {
    let (acc, events) = run(&[
        last(1, "Hi.", "Hi."),
        partial(2, "Ther", "Hi. Ther"),
        partial(2, "There is", "Hi. There is"),
        partial(2, "Their", "Hi. Their"),
    ]);
    assert_eq!(interims(&events), ["Ther", "There is", "Their", ""]);
    assert_eq!(texts(&acc), ["Hi.", "Their"]);
    assert_eq!(indexes(&acc), [1, 2]);
}

#[test]
fn a_partial_without_cumulative_text_is_its_sentence() {
    let only_sentence = native(json!({"output": {"sentence": {
        "sentence_id": 1, "sentence_end": false, "text": "partial"}}}));
    let (acc, events) = run(&[only_sentence]);
    assert_eq!(interims(&events), ["partial", ""]);
    assert_eq!(texts(&acc), ["partial"]);
}

#[test]
fn text_that_does_not_line_up_is_not_repeated() {
    // The cumulative text lost the settled sentence: the partial sentence is the interim.
    let (acc, events) = run(&[
        last(1, "Alpha.", "Alpha."),
        partial(2, "Beta", "Something else entirely Beta"),
        last(2, "Beta gamma.", "Something else entirely Beta gamma."),
    ]);
    assert_eq!(interims(&events), ["Beta", ""]);
    assert_eq!(texts(&acc), ["Alpha.", "Beta gamma."]);
}

#[test]
fn the_last_settled_sentence_anchors_a_text_revised_before_it() {
    let (acc, events) = run(&[
        last(1, "Alpha.", "Alpha."),
        last(2, "Beta.", "Alpha. Beta."),
        partial(3, "Gam", "Alfa. Beta. Gam"),
    ]);
    assert_eq!(interims(&events), ["Gam", ""]);
    assert_eq!(texts(&acc), ["Alpha.", "Beta.", "Gam"]);
}

#[test]
fn joining_puts_spaces_only_between_spaced_scripts() {
    assert_eq!(
        join_sentences(["Hello.", " World. ", "", "欢迎。", "使用。", "OK."]),
        "Hello. World. 欢迎。使用。OK."
    );
    assert_eq!(join_sentences(["こんにちは", "世界"]), "こんにちは世界");
    assert_eq!(join_sentences(["Привет.", "Мир."]), "Привет. Мир.");
    assert_eq!(join_sentences(["用 Rust", "写的"]), "用 Rust 写的");
}

#[test]
fn matching_tolerates_spacing_and_punctuation() {
    assert_eq!(text::match_at("Hello! How", 0, "Hello"), Some(6));
    assert_eq!(
        text::match_at("Hello World，这里", 0, "Hello world,"),
        Some(14)
    );
    assert_eq!(text::match_at("a b", 0, "ab"), Some(3));
    assert_eq!(text::match_at("abc", 0, "abd"), None);
    assert_eq!(text::match_at("ab", 5, "ab"), None);
    assert_eq!(text::rfind("OK. OK.", "ok."), Some((4, 7)));
    assert_eq!(text::rfind("text", "..."), None);
    assert_eq!(text::trim_rest(" 。 next "), "next");
}
