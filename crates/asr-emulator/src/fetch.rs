//! `--fetch`: really download `http://` file URLs of submitted tasks.
//!
//! The bytes are streamed through (size, running hash, first bytes for the WAV header), never
//! kept whole. Any connection error or non-2xx status fails the file.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::rng::ContentHash;
use crate::tasks::{FileFailure, FileState};
use crate::transcript::{AudioSource, file_name};
use crate::uploads::HEAD_BYTES;
use crate::wav;

/// Give up on a download after this long.
const FETCH_TIMEOUT: Duration = Duration::from_secs(300);

/// Downloads `url`, returning the file's state for the task.
pub(crate) async fn fetch(url: &str) -> FileState {
    match tokio::time::timeout(FETCH_TIMEOUT, fetch_inner(url)).await {
        Ok(state) => state,
        Err(_) => FileState::Failed(FileFailure::DownloadFailed),
    }
}

async fn fetch_inner(url: &str) -> FileState {
    let Ok(uri) = url.parse::<http::Uri>() else {
        return FileState::Failed(FileFailure::DownloadFailed);
    };
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let resp = match client.get(uri).await {
        Ok(r) => r,
        Err(_) => return FileState::Failed(FileFailure::DownloadFailed),
    };
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return FileState::Failed(FileFailure::HttpStatus(status));
    }
    let mut body = resp.into_body();
    let mut hash = ContentHash::default();
    let mut head = Vec::new();
    let mut size: u64 = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return FileState::Failed(FileFailure::DownloadFailed);
        };
        if let Ok(data) = frame.into_data() {
            hash.update(&data);
            if head.len() < HEAD_BYTES {
                let take = (HEAD_BYTES - head.len()).min(data.len());
                head.extend_from_slice(&data[..take]);
            }
            size += data.len() as u64;
        }
    }
    FileState::Ready(AudioSource {
        name: file_name(url),
        size: Some(size),
        hash: Some(format!("{:016x}", hash.value())),
        wav: wav::parse(&head, size),
    })
}
