use super::*;

#[test]
fn data_uri_length_matches_the_encoder() {
    for n in 0..10u8 {
        let bytes: Vec<u8> = (0..n).collect();
        assert_eq!(
            data_uri("audio/wav", &bytes).len() as u64,
            data_uri_len("audio/wav", u64::from(n))
        );
    }
}

#[test]
fn the_limit_is_on_the_encoded_length() {
    let prefix = "data:audio/wav;base64,".len() as u64;
    // The largest raw size whose encoding still fits.
    let fits = (MAX_DATA_URI_BYTES as u64 - prefix) / 4 * 3;
    assert!(matches!(
        plan("a.wav", fits),
        AudioPlan::DataUri {
            mime: "audio/wav",
            ..
        }
    ));
    assert!(matches!(plan("a.wav", fits + 1), AudioPlan::Upload { .. }));
}

#[test]
fn mime_and_format_come_from_the_extension() {
    assert_eq!(mime_for("dir.v2/Talk.MP3"), "audio/mpeg");
    assert_eq!(mime_for("noext"), "application/octet-stream");
    assert_eq!(mime_for(".wav"), "application/octet-stream");
    assert_eq!(format_for("x/y.Opus").as_deref(), Some("opus"));
    assert_eq!(data_uri("", b"hi"), "data:;base64,aGk=");
}
