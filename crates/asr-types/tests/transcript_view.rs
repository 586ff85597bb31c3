//! The shape-independent view over both result documents.

use asr_types::ResultDocument;
use serde_json::json;

#[test]
fn channels_view_normalises_the_fun_asr_shape() {
    let doc: ResultDocument = serde_json::from_value(json!({
        "file_url": "https://e.com/a.wav",
        "properties": {"channels": [0]},
        "transcripts": [{
            "channel_id": 0, "text": "Hello world.",
            "sentences": [{"begin_time": 100, "end_time": 900, "text": "Hello world.",
                           "sentence_id": 1, "speaker_id": 1,
                           "words": [{"begin_time": 100, "end_time": 500, "text": "Hello", "punctuation": ""}]}]
        }]
    }))
    .unwrap();
    let channels = doc.channels();
    assert_eq!(channels.len(), 1);
    let s = &channels[0].sentences[0];
    assert_eq!(
        (s.begin_time, s.end_time, s.speaker_id),
        (100, 900, Some(1))
    );
    assert_eq!(s.words.len(), 1);
    assert_eq!(s.language, None);
    assert_eq!(doc.file_url(), Some("https://e.com/a.wav"));
}

#[test]
fn channels_view_normalises_the_qwen_shape() {
    let doc: ResultDocument = serde_json::from_value(json!({
        "audio_info": {"format": "mp3", "sample_rate": 22050},
        "transcripts": [{
            "channel_id": 1, "text": "欢迎",
            "sentences": [{"sentence_id": 0, "begin_time": 0, "end_time": 1440, "text": "欢迎",
                           "language": "zh", "emotion": "neutral"}]
        }]
    }))
    .unwrap();
    let channels = doc.channels();
    assert_eq!(channels[0].channel_id, 1);
    let s = &channels[0].sentences[0];
    assert_eq!((s.language, s.emotion), (Some("zh"), Some("neutral")));
    assert_eq!(s.sentence_id, Some(0));
    assert!(s.words.is_empty());
}

#[test]
fn a_broken_document_reports_the_missing_field() {
    let err = serde_json::from_value::<ResultDocument>(json!({
        "properties": {}, "transcripts": [{"channel_id": 0, "sentences": [{"text": "x", "end_time": 1}]}]
    }))
    .unwrap_err();
    assert!(err.to_string().contains("begin_time"), "{err}");
}

#[test]
fn a_field_of_the_other_shape_is_kept_in_extra() {
    // `properties` makes it §2.7 even with Qwen sentence fields, which then stay in `extra`.
    let doc: ResultDocument = serde_json::from_value(json!({
        "properties": {}, "transcripts": [{"channel_id": 0, "sentences": [
            {"begin_time": 0, "end_time": 1, "speaker_id": 2, "language": "zh"}]}]
    }))
    .unwrap();
    let ResultDocument::Transcription(t) = &doc else {
        panic!("not §2.7: {doc:?}")
    };
    let s = &t.transcripts[0].sentences[0];
    assert_eq!(
        (s.speaker_id, s.extra.get("language")),
        (Some(2), Some(&json!("zh")))
    );

    // Without `properties`, `language` makes it Qwen and `speaker_id` is the unknown field.
    let doc: ResultDocument = serde_json::from_value(json!({
        "transcripts": [{"channel_id": 0, "content_duration_in_milliseconds": 9, "sentences": [
            {"begin_time": 0, "end_time": 1, "speaker_id": 2, "language": "zh"}]}]
    }))
    .unwrap();
    let ResultDocument::Qwen(q) = &doc else {
        panic!("not Qwen: {doc:?}")
    };
    let tr = &q.transcripts[0];
    assert_eq!(
        tr.extra.get("content_duration_in_milliseconds"),
        Some(&json!(9))
    );
    assert_eq!(tr.sentences[0].extra.get("speaker_id"), Some(&json!(2)));
    assert_eq!(tr.sentences[0].language.as_deref(), Some("zh"));
}
