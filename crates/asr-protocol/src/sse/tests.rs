use super::*;

fn all(decoder: &mut SseDecoder) -> Vec<SseEvent> {
    let mut out = Vec::new();
    while let Some(e) = decoder.next_event() {
        out.push(e.expect("decodes"));
    }
    out
}

#[test]
fn cr_split_from_its_lf_is_one_line_end() {
    let mut d = SseDecoder::new();
    d.push(b"data: a\r");
    assert!(all(&mut d).is_empty());
    d.push(b"\n\r\ndata: b\r\r");
    let events = all(&mut d);
    assert_eq!(
        events.iter().map(|e| e.data.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[test]
fn bom_split_over_pushes_is_dropped() {
    let mut d = SseDecoder::new();
    d.push(b"\xEF");
    d.push(b"\xBB");
    assert!(all(&mut d).is_empty());
    d.push(b"\xBFdata:x\n\n");
    assert_eq!(all(&mut d)[0].data, "x");
}

#[test]
fn oversized_event_is_an_error_then_silence() {
    let mut d = SseDecoder::new().with_max_event_bytes(8);
    d.push(b"data: 0123456789");
    assert_eq!(
        d.next_event(),
        Some(Err(SseError::EventTooLarge { limit: 8 }))
    );
    d.push(b"\n\ndata: ok\n\n");
    assert_eq!(d.next_event(), None);
}

#[test]
fn comment_only_blocks_emit_nothing() {
    let mut d = SseDecoder::new();
    d.push(b": keep-alive\n\n");
    assert!(all(&mut d).is_empty());
}
