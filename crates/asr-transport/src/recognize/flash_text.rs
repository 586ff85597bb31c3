//! Lines Flash answers up with what the protocol [`Accumulator`] expects.
//!
//! The accumulator finds the unsettled text by stripping the settled sentences, concatenated,
//! from the front of the cumulative `output.text`. Two shapes of real answers defeat that:
//!
//! - sentences in `output.text` are joined with a space in space-separated languages, so the
//!   concatenation is no prefix and the whole text would become interim again;
//! - a single answer (non-streaming, or a stream of audio under 60 s) carries the whole text
//!   but only its *last* sentence, so the text before that sentence belongs to no sentence.
//!
//! [`prepare`] rewrites `output.text` so the settled sentences are an exact prefix, and turns
//! uncovered text before a final sentence into a sentence of its own (without times), fed
//! first. Answers it cannot line up (a revised earlier sentence) pass through unchanged, and the
//! accumulator's own fallback applies.
//!
//! [`Accumulator`]: asr_protocol::recognition::Accumulator

use asr_protocol::recognition::RecognizedSentence;
use asr_types::RecognitionResponse;
use asr_types::recognize::FlashSentence;

/// The answers to feed the accumulator for one Flash `answer`, in order, given the sentences it
/// has settled so far.
pub(super) fn prepare(
    answer: &RecognitionResponse,
    settled: &[RecognizedSentence],
) -> Vec<RecognitionResponse> {
    let Some(full) = answer.output.text.as_deref() else {
        return vec![answer.clone()];
    };
    let mut rest = full;
    for sentence in settled {
        match rest.trim_start().strip_prefix(sentence.text.as_str()) {
            Some(after) => rest = after,
            None => return vec![answer.clone()],
        }
    }
    let mut rest = rest.trim_start();
    let mut prefix: String = settled.iter().map(|s| s.text.as_str()).collect();
    let mut out = Vec::with_capacity(2);
    if let Some(sentence) = answer
        .sentence()
        .filter(|s| s.is_final() && !s.text.is_empty())
    {
        let known = settled
            .iter()
            .any(|s| Some(s.index) == sentence.sentence_id);
        let next = settled.iter().map(|s| s.index).max().unwrap_or(0) + 1;
        let id = sentence.sentence_id.unwrap_or(next);
        if !known && !rest.starts_with(sentence.text.as_str()) {
            if let Some(at) = rest.rfind(sentence.text.as_str()) {
                let before = rest[..at].trim();
                // The uncovered text needs an index below the final sentence's own.
                if !before.is_empty() && next < id {
                    let mut synthetic = answer.clone();
                    let mut head = FlashSentence::default();
                    head.sentence_id = Some(next);
                    head.sentence_end = Some(true);
                    head.text = before.to_owned();
                    head.channel_id = sentence.channel_id;
                    synthetic.output.sentence = Some(head);
                    synthetic.output.output = None;
                    synthetic.usage = None;
                    prefix.push_str(before);
                    synthetic.output.text = Some(prefix.clone());
                    out.push(synthetic);
                    rest = &rest[at..];
                }
            }
        }
    }
    let mut fixed = answer.clone();
    prefix.push_str(rest);
    fixed.output.text = Some(prefix);
    out.push(fixed);
    out
}
