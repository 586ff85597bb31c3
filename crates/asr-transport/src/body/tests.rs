use std::sync::Mutex;

use http_body_util::BodyExt;

use super::*;

/// Pulls every frame out of `body` without keeping any, recording the largest frame and the
/// total: a counting body, so memory is asserted by construction rather than by timing.
async fn drain<B: Body<Data = Bytes> + Unpin>(
    mut body: B,
) -> Result<(u64, usize, usize), B::Error> {
    let (mut total, mut largest, mut frames) = (0u64, 0usize, 0usize);
    while let Some(frame) = body.frame().await {
        let data = frame?.into_data().unwrap_or_default();
        total += data.len() as u64;
        largest = largest.max(data.len());
        frames += 1;
    }
    Ok((total, largest, frames))
}

#[tokio::test]
async fn sparse_two_gigabyte_file_streams_in_bounded_chunks() {
    let dir = crate::test_support::TempDir::new("body");
    let path = dir.path().join("big.wav");
    let len: u64 = 2 * 1024 * 1024 * 1024 + 17;
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    let file = tokio::fs::File::open(&path).await.unwrap();
    let head = Bytes::from_static(b"--b\r\nheaders\r\n\r\n");
    let tail = Bytes::from_static(b"\r\n--b--\r\n");
    let calls = Arc::new(Mutex::new((0u64, 0u64, 0usize)));
    let seen = calls.clone();
    let progress: ProgressFn = Arc::new(move |p: UploadProgress| {
        let mut s = seen.lock().unwrap();
        assert!(p.sent > s.0, "progress must increase");
        *s = (p.sent, p.total, s.2 + 1);
    });
    let body = UploadBody::new(head.clone(), file, len, tail.clone(), Some(progress));
    let expected = head.len() as u64 + len + tail.len() as u64;
    assert_eq!(body.size_hint().exact(), Some(expected));
    let (total, largest, frames) = drain(body).await.unwrap();
    assert_eq!(total, expected);
    assert!(largest <= CHUNK, "largest frame {largest} > {CHUNK}");
    let (sent, announced, reports) = *calls.lock().unwrap();
    assert_eq!((sent, announced), (expected, expected));
    assert_eq!(reports, frames);
}

#[tokio::test]
async fn a_file_shorter_than_announced_is_an_error_not_a_short_body() {
    let data: &[u8] = &[7u8; 1000];
    let body = UploadBody::new(Bytes::new(), data, 5000, Bytes::new(), None);
    let err = drain(body).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert!(err.to_string().contains("4000 bytes early"), "{err}");
}

#[tokio::test]
async fn bytes_are_sent_in_order_head_file_tail() {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let body = UploadBody::new(
        Bytes::from_static(b"HEAD"),
        &data[..],
        data.len() as u64,
        Bytes::from_static(b"TAIL"),
        None,
    );
    let all = body.collect().await.unwrap().to_bytes();
    assert_eq!(&all[..4], b"HEAD");
    assert_eq!(&all[4..all.len() - 4], &data[..]);
    assert_eq!(&all[all.len() - 4..], b"TAIL");
}
