//! Just enough RIFF/WAVE parsing to know an upload's duration, rate and channel count.

/// What a WAV header says about the audio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavInfo {
    /// Samples per second.
    pub sample_rate: u32,
    /// Channel count.
    pub channels: u16,
    /// Bits per sample.
    pub bits_per_sample: u16,
    /// WAVE format tag (1 = PCM, 3 = float, 0xFFFE = extensible).
    pub format_tag: u16,
    /// Duration of the audio data in milliseconds.
    pub duration_ms: u64,
}

impl WavInfo {
    /// The Fun-ASR result's `audio_format` name for this encoding (e.g. `pcm_s16le`).
    pub fn audio_format(&self) -> String {
        match (self.format_tag, self.bits_per_sample) {
            (3, b) => format!("pcm_f{b}le"),
            (_, 8) => "pcm_u8".to_owned(),
            (_, b) => format!("pcm_s{b}le"),
        }
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parses the header found in `head` (the first bytes of the file); `total_size` is the whole
/// file's size, used when the data chunk's length is missing or a streaming placeholder.
///
/// Returns `None` when `head` is not a WAV file or the `fmt ` chunk lies beyond `head`.
pub fn parse(head: &[u8], total_size: u64) -> Option<WavInfo> {
    if head.get(0..4)? != b"RIFF" || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let mut at = 12usize;
    let mut fmt: Option<(u16, u16, u32, u32, u16)> = None;
    while at + 8 <= head.len() {
        let id = head.get(at..at + 4)?;
        let len = u32_at(head, at + 4)?;
        let body = at + 8;
        if id == b"fmt " {
            fmt = Some((
                u16_at(head, body)?,
                u16_at(head, body + 2)?,
                u32_at(head, body + 4)?,
                u32_at(head, body + 8)?,
                u16_at(head, body + 14)?,
            ));
        } else if id == b"data" {
            let (format_tag, channels, sample_rate, byte_rate, bits) = fmt?;
            let available = total_size.saturating_sub(body as u64);
            // Streamed WAVs carry 0 or 0xFFFFFFFF here; trust the real size then.
            let data_len = if len == 0 || len == u32::MAX {
                available
            } else {
                u64::from(len).min(available)
            };
            if byte_rate == 0 || channels == 0 || sample_rate == 0 {
                return None;
            }
            return Some(WavInfo {
                sample_rate,
                channels,
                bits_per_sample: bits,
                format_tag,
                duration_ms: data_len * 1000 / u64::from(byte_rate),
            });
        }
        // Chunks are padded to an even length.
        at = body.checked_add(usize::try_from(len).ok()?)? + (len as usize & 1);
    }
    None
}

#[cfg(test)]
mod tests;
