//! Why a rendering failed.

use crate::Format;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a result document (or could not be read).
    #[error("{}", parse_message(.0))]
    Parse(#[source] serde_json::Error),
    /// A time-based format was asked of a document with a sentence that has no times (a
    /// Qwen3-ASR or Omni recognition, or a Flash answer that timed only its last sentence).
    #[error(
        "`{format}` needs sentence times, but sentence {sentence} of channel {channel} has none; \
         render txt or json instead"
    )]
    Untimed {
        /// The format asked for.
        format: Format,
        /// The channel id.
        channel: u32,
        /// The sentence's position in its channel, from 1.
        sentence: usize,
    },
    /// An option is out of range.
    #[error("`{field}`: {problem}")]
    Options {
        /// The option's field name.
        field: &'static str,
        /// What is wrong and what to do.
        problem: String,
    },
}

fn parse_message(e: &serde_json::Error) -> &'static str {
    if e.is_io() {
        // A document streamed from a reader can fail to be read half way.
        "could not read the result document"
    } else {
        "not a transcription result document: expected the JSON downloaded from a task's \
         `transcription_url`, with a `transcripts` array"
    }
}
