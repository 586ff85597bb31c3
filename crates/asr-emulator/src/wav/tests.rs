use super::*;

fn header(channels: u16, rate: u32, bits: u16, data_len: u32) -> Vec<u8> {
    let block = channels * bits / 8;
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&data_len.wrapping_add(36).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    h.extend_from_slice(&block.to_le_bytes());
    h.extend_from_slice(&bits.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

#[test]
fn mono_16k() {
    let h = header(1, 16_000, 16, 64_000);
    let info = parse(&h, 44 + 64_000).expect("wav");
    assert_eq!(info.duration_ms, 2000);
    assert_eq!(info.channels, 1);
    assert_eq!(info.audio_format(), "pcm_s16le");
}

#[test]
fn streaming_placeholder_uses_real_size() {
    let h = header(2, 8000, 16, u32::MAX);
    let info = parse(&h, 44 + 32_000).expect("wav");
    assert_eq!(info.duration_ms, 1000);
}

#[test]
fn skips_unknown_chunks() {
    let mut h = header(1, 16_000, 16, 32_000);
    // Insert an odd-length LIST chunk before `data`.
    let data = h.split_off(36);
    h.extend_from_slice(b"LIST");
    h.extend_from_slice(&3u32.to_le_bytes());
    h.extend_from_slice(&[1, 2, 3, 0]);
    h.extend_from_slice(&data);
    let total = h.len() as u64 + 32_000;
    assert_eq!(parse(&h, total).map(|i| i.duration_ms), Some(1000));
}

#[test]
fn rejects_non_wav() {
    assert_eq!(parse(b"ID3\x03 not a wav at all", 100), None);
    assert_eq!(parse(b"RIFF", 4), None);
}
