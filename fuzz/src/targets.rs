//! What the fuzz targets run, shared with the stable smoke test in `xtask`
//! (`xtask/src/fuzz_smoke.rs` includes this file), so both exercise the same code.
//!
//! The only oracle besides "no panic": decoding a stream pushed in arbitrary chunks gives
//! the same events as decoding it in one piece.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};

use asr_protocol::endpoints::{
    cancel_task, chat_completions, create_vocabulary, delete_vocabulary, fetch_result, get_task,
    get_upload_policy, get_vocabulary, list_tasks, list_vocabularies, recognize_native,
    submit_qwen_filetrans, submit_transcription, update_vocabulary, upload_file,
};
use asr_protocol::sse::{self, SseDecoder};

/// Content types the first byte chooses from: parsers route on them (`text/event-stream`).
const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "text/event-stream",
    "application/xml",
    "text/plain; charset=utf-8",
    "",
];

/// A response from fuzz input: bytes 0–1 choose the status (100–599), byte 2 the content
/// type, the rest is the body.
pub fn response(data: &[u8]) -> http::Response<Bytes> {
    let (head, body) = data.split_at(data.len().min(3));
    let status_seed = u16::from_le_bytes([
        head.first().copied().unwrap_or(200),
        head.get(1).copied().unwrap_or(0),
    ]);
    let status = StatusCode::from_u16(100 + status_seed % 500).unwrap_or(StatusCode::OK);
    let content_type =
        CONTENT_TYPES[usize::from(head.get(2).copied().unwrap_or(0)) % CONTENT_TYPES.len()];
    let mut response = http::Response::new(Bytes::copy_from_slice(body));
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(content_type)
        && !content_type.is_empty()
    {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

/// Feeds one response to every response parser.
pub fn parse_all(response: &http::Response<Bytes>) {
    let r = || response.clone();
    let _ = submit_transcription::parse(r());
    let _ = submit_qwen_filetrans::parse(r());
    let _ = get_task::parse(r());
    let _ = cancel_task::parse(r());
    let _ = list_tasks::parse(r());
    let _ = fetch_result::parse(r());
    let _ = get_upload_policy::parse(r());
    let _ = upload_file::parse(r());
    let _ = create_vocabulary::parse(r());
    let _ = get_vocabulary::parse(r());
    let _ = list_vocabularies::parse(r());
    let _ = update_vocabulary::parse(r());
    let _ = delete_vocabulary::parse(r());
    let _ = chat_completions::parse(r());
    let _ = recognize_native::parse(r());
    let _ = recognize_native::parse_stream_body(r());
    let (parts, body) = r().into_parts();
    let _ = sse::error_from_body(parts.status, &parts.headers, &body);
    let _ = asr_protocol::error::parse_error(parts.status, &parts.headers, &body);
}

/// The `response_parsers` target.
pub fn responses(data: &[u8]) {
    parse_all(&response(data));
}

/// The `sse_decoder` target: byte 0 chooses the chunk size; every event also goes through
/// both per-event parsers.
pub fn sse(data: &[u8]) {
    let (chunk, body) = match data.split_first() {
        Some((first, rest)) => (usize::from(*first % 64) + 1, rest),
        None => (1, data),
    };
    let whole = sse::decode_all(body);
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    let mut failed = false;
    for piece in body.chunks(chunk) {
        decoder.push(piece);
        while let Some(event) = decoder.next_event() {
            match event {
                Ok(event) => events.push(event),
                Err(_) => failed = true,
            }
        }
    }
    while let Some(event) = decoder.finish() {
        match event {
            Ok(event) => events.push(event),
            Err(_) => failed = true,
        }
    }
    for event in &events {
        let _ = chat_completions::parse_event(event);
        let _ = recognize_native::parse_event(event);
    }
    if let (Ok(whole), false) = (whole, failed) {
        assert_eq!(
            whole, events,
            "chunked decoding (chunks of {chunk}) differs from decode_all"
        );
    }
}
