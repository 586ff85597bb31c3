use super::*;

#[test]
fn manifest_parses() {
    parse_manifest(MANIFEST).expect("fixtures/audio/transcripts.json is valid");
}

#[test]
fn file_name_from_urls() {
    assert_eq!(
        file_name("https://h/a/b/c.wav?x=1#f").as_deref(),
        Some("c.wav")
    );
    assert_eq!(
        file_name("oss://dashscope-instant/d/2024/u/my%20file.wav").as_deref(),
        Some("my file.wav")
    );
    assert_eq!(file_name("https://h/"), None);
}

#[test]
fn emulated_is_marked_and_deterministic() {
    let src = AudioSource::from_url("https://example.com/unknown.mp3");
    let a = transcribe(&src, &TranscribeOptions::default());
    let b = transcribe(&src, &TranscribeOptions::default());
    assert_eq!(a, b);
    assert!(a.emulated);
    assert!(
        a.channels[0].text.starts_with("[emulated]"),
        "{}",
        a.channels[0].text
    );
    assert_eq!(a.duration_ms, DEFAULT_DURATION_MS);
    let other = transcribe(
        &AudioSource::from_url("https://example.com/other.mp3"),
        &TranscribeOptions::default(),
    );
    assert_ne!(a.channels[0].text, other.channels[0].text);
}

#[test]
fn words_concatenate_to_sentence_text() {
    let t = transcribe(
        &AudioSource::from_url("https://e/x.wav"),
        &TranscribeOptions::default(),
    );
    for s in &t.channels[0].sentences {
        let joined: String = s
            .words
            .iter()
            .map(|w| format!("{}{}", w.text, w.punctuation))
            .collect();
        assert_eq!(joined, s.text);
        assert!(s.begin_time < s.end_time && s.end_time <= t.duration_ms);
        assert!(s.words.windows(2).all(|w| w[0].end_time <= w[1].begin_time));
    }
}

#[test]
fn duration_from_wav_header_and_size() {
    let mut bytes =
        b"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x02\0\x80\x3e\0\0\0\xfa\0\0\x04\0\x10\0data"
            .to_vec();
    bytes.extend_from_slice(&192_000u32.to_le_bytes());
    bytes.resize(bytes.len() + 192_000, 0);
    let src = AudioSource::from_bytes(Some("x.wav"), &bytes);
    let t = transcribe(
        &src,
        &TranscribeOptions {
            channel_ids: vec![0, 1, 2],
            ..Default::default()
        },
    );
    assert_eq!(t.duration_ms, 3000);
    // Stereo: channel 2 does not exist.
    assert_eq!(
        t.channels.iter().map(|c| c.channel_id).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert_ne!(t.channels[0].text, t.channels[1].text);
    let sized = AudioSource {
        name: Some("a.mp3".into()),
        size: Some(160_000),
        ..Default::default()
    };
    assert_eq!(
        transcribe(&sized, &TranscribeOptions::default()).duration_ms,
        10_000
    );
}

#[test]
fn huge_audio_stays_small() {
    let src = AudioSource {
        name: Some("big.wav".into()),
        size: Some(1 << 30),
        ..Default::default()
    };
    let t = transcribe(&src, &TranscribeOptions::default());
    assert!(t.duration_ms > 3_600_000);
    assert!(t.channels[0].sentences.len() as u64 <= MAX_SENTENCES);
}

#[test]
fn diarization_adds_speakers() {
    let src = AudioSource {
        name: Some("dialog.mp3".into()),
        size: Some(16_000 * 20),
        ..Default::default()
    };
    let plain = transcribe(&src, &TranscribeOptions::default());
    assert!(
        plain.channels[0]
            .sentences
            .iter()
            .all(|s| s.speaker_id.is_none())
    );
    let d = transcribe(
        &src,
        &TranscribeOptions {
            diarization: true,
            speaker_count: Some(3),
            ..Default::default()
        },
    );
    let ids: Vec<_> = d.channels[0]
        .sentences
        .iter()
        .map(|s| s.speaker_id)
        .collect();
    assert_eq!(ids[..3], [Some(0), Some(1), Some(2)]);
}

#[test]
fn references_resolve() {
    let uploads = Uploads::default();
    let ok = resolve_reference(&uploads, "https://e/a.wav", false).expect("url");
    assert_eq!(ok.name.as_deref(), Some("a.wav"));
    assert_eq!(
        resolve_reference(&uploads, "oss://k/a.wav", false),
        Err(AudioRefError::OssNotResolved)
    );
    assert_eq!(
        resolve_reference(&uploads, "oss://k/a.wav", true),
        Err(AudioRefError::OssNotFound)
    );
    assert_eq!(
        resolve_reference(&uploads, "ftp://x/a.wav", true),
        Err(AudioRefError::InvalidUrl)
    );
    assert_eq!(
        resolve_reference(&uploads, "data:;base64,@@@", true),
        Err(AudioRefError::InvalidDataUri)
    );
    let d = resolve_reference(
        &uploads,
        "data:audio/wav;base64,UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=",
        true,
    )
    .expect("data uri");
    assert_eq!(d.size, Some(44));
    assert!(d.wav.is_some());
    let big = format!(
        "data:;base64,{}",
        "A".repeat(MAX_DATA_URI_BYTES / 3 * 4 + 8)
    );
    assert_eq!(
        resolve_reference(&uploads, &big, true),
        Err(AudioRefError::DataUriTooLarge)
    );
}

#[test]
fn hosts() {
    assert_eq!(
        url_host("https://User@Files.Example.INVALID:8080/a").as_deref(),
        Some("files.example.invalid")
    );
    assert_eq!(url_host("http://[::1]:80/x").as_deref(), Some("::1"));
    assert!(is_http_url("http://a/b"));
    assert!(!is_http_url("http:///b"));
    assert!(!is_http_url("https://a/b c"));
}

#[test]
fn manifest_matches_the_files_on_disk() {
    let files = parse_manifest(MANIFEST).expect("manifest");
    assert!(files.len() >= 3, "at least three recordings");
    for f in &files {
        let path = format!(
            "{}/../../fixtures/audio/{}",
            env!("CARGO_MANIFEST_DIR"),
            f.name
        );
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(bytes.len() < 200_000, "{} is too large", f.name);
        let src = AudioSource::from_bytes(Some(&f.name), &bytes);
        assert_eq!(
            src.hash.as_deref(),
            Some(f.hash.as_str()),
            "{}: rerun make_fixtures.py",
            f.name
        );
        let wav = src.wav.expect("wav header");
        assert_eq!(wav.duration_ms, f.duration_ms, "{}", f.name);
        assert_eq!(usize::from(wav.channels), f.channels.len(), "{}", f.name);
        for c in &f.channels {
            for s in &c.sentences {
                let joined: String = s
                    .words
                    .iter()
                    .map(|w| format!("{}{}", w.text, w.punctuation))
                    .collect();
                assert_eq!(joined, s.text, "{}", f.name);
                assert!(s.end_time <= f.duration_ms);
            }
        }
        // Recognised by content under any name, and by name when the bytes are unknown.
        let by_content = transcribe(
            &AudioSource::from_bytes(Some("x.bin"), &bytes),
            &TranscribeOptions::default(),
        );
        assert!(!by_content.emulated, "{}", f.name);
        let by_name = transcribe(
            &AudioSource::from_url(&format!("https://h/{}", f.name)),
            &TranscribeOptions::default(),
        );
        assert_eq!(by_name.channels[0].text, f.channels[0].text);
    }
}
