//! Local files: inline as a base64 data URI when small enough, else upload (`oss://`).
//!
//! The service takes at most [`MAX_DATA_URI_BYTES`] per data URI *after* encoding, so the
//! decision is made on the encoded length, which is known from the file size alone.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub use asr_types::recognize::MAX_DATA_URI_BYTES;

/// How to send a local file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudioPlan {
    /// Inline it: `data:<mime>;base64,…` of `encoded_len` bytes.
    DataUri {
        /// The MIME type from the extension.
        mime: &'static str,
        /// The data URI's length in bytes.
        encoded_len: u64,
    },
    /// Too large to inline: upload it (`get_upload_policy` + `upload_file`) and pass the
    /// `oss://` URL.
    Upload {
        /// The data URI's length it would have had, for messages.
        encoded_len: u64,
    },
}

/// Decides how to send a file named `file_name` of `len` bytes.
pub fn plan(file_name: &str, len: u64) -> AudioPlan {
    let mime = mime_for(file_name);
    let encoded_len = data_uri_len(mime, len);
    if encoded_len <= MAX_DATA_URI_BYTES as u64 {
        AudioPlan::DataUri { mime, encoded_len }
    } else {
        AudioPlan::Upload { encoded_len }
    }
}

/// Length of `data:<mime>;base64,<payload>` for `len` raw bytes.
pub fn data_uri_len(mime: &str, len: u64) -> u64 {
    let prefix = "data:".len() + mime.len() + ";base64,".len();
    prefix as u64 + len.div_ceil(3) * 4
}

/// `data:<mime>;base64,<bytes>`. An empty `mime` gives Omni's documented `data:;base64,…`.
pub fn data_uri(mime: &str, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(data_uri_len(mime, bytes.len() as u64) as usize);
    out.push_str("data:");
    out.push_str(mime);
    out.push_str(";base64,");
    STANDARD.encode_string(bytes, &mut out);
    out
}

/// The lower-cased extension of a file name, without the dot.
fn extension(file_name: &str) -> Option<String> {
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (stem, ext) = name.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

/// The MIME type for a file name's extension; `application/octet-stream` when unknown.
pub fn mime_for(file_name: &str) -> &'static str {
    match extension(file_name).as_deref() {
        Some("wav") => "audio/wav",
        Some("mp3") => "audio/mpeg",
        Some("opus") => "audio/opus",
        Some("ogg") => "audio/ogg",
        Some("flac") => "audio/flac",
        Some("m4a") => "audio/mp4",
        Some("aac") => "audio/aac",
        Some("amr") => "audio/amr",
        Some("webm") => "audio/webm",
        Some("wma") => "audio/x-ms-wma",
        Some("pcm") => "audio/pcm",
        Some("mp4") => "video/mp4",
        Some("mov") => "video/quicktime",
        Some("mkv") => "video/x-matroska",
        _ => "application/octet-stream",
    }
}

/// The `format` value (Flash `parameters.format`, Omni `input_audio.format`) for a file name:
/// its lower-cased extension, `None` without one.
pub fn format_for(file_name: &str) -> Option<String> {
    extension(file_name)
}

#[cfg(test)]
mod tests;
