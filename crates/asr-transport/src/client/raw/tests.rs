use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use asr_types::{Model, TranscriptionRequest};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::{Client, Config, Error, WaitOptions};

async fn setup(config: EmulatorConfig) -> (EmulatorHandle, Client, String) {
    let emu = Emulator::start(config.with_processing_time(Duration::from_millis(50)))
        .await
        .unwrap();
    let client = Config::new("sk-test")
        .with_base_url(emu.native_base())
        .build()
        .unwrap();
    let id = client
        .submit(TranscriptionRequest::new(
            Model::FUN_ASR,
            ["https://example.com/a.wav"],
        ))
        .await
        .unwrap()
        .output
        .task_id;
    let done = client.wait(&id, WaitOptions::default()).await.unwrap();
    let url = done.output.transcription_urls()[0].to_owned();
    (emu, client, url)
}

/// The body of a plain HTTP/1.0 GET, read off the socket with no client library in between.
async fn served_bytes(url: &str) -> Vec<u8> {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(response.starts_with(b"HTTP/1.1 200") || response.starts_with(b"HTTP/1.0 200"));
    response[split + 4..].to_vec()
}

#[tokio::test]
async fn the_bytes_are_the_served_body_and_parse_to_the_typed_document() {
    let (_emu, client, url) = setup(EmulatorConfig::new()).await;
    let bytes = client.fetch_result_bytes(&url).await.unwrap();
    assert_eq!(bytes.as_ref(), served_bytes(&url).await.as_slice());
    let typed = client.fetch_result(&url).await.unwrap();
    let reparsed: asr_types::ResultDocument = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(reparsed, typed);
}

#[tokio::test]
async fn an_expired_url_is_the_same_403_as_for_the_parsed_download() {
    let (_emu, client, url) =
        setup(EmulatorConfig::new().with_result_url_ttl(Duration::ZERO)).await;
    let err = client.fetch_result_bytes(&url).await.unwrap_err();
    assert!(matches!(err, Error::Response(_)), "{err}");
    assert_eq!(err.status(), Some(http::StatusCode::FORBIDDEN), "{err}");
    let parsed_err = client.fetch_result(&url).await.unwrap_err();
    assert_eq!(parsed_err.status(), err.status());
}

#[tokio::test]
async fn the_result_size_limit_applies() {
    let (emu, _, url) = setup(EmulatorConfig::new()).await;
    let client = Config::new("sk-test")
        .with_base_url(emu.native_base())
        .with_max_result_bytes(16)
        .build()
        .unwrap();
    let err = client.fetch_result_bytes(&url).await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { limit: 16 }), "{err}");
}

#[tokio::test]
async fn a_url_that_is_not_http_is_refused_before_sending() {
    let client = Config::new("sk-test").build().unwrap();
    let err = client
        .fetch_result_bytes("ftp://storage.example.com/r.json?Signature=s3cr3t")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "transcription_url",
                ..
            }
        ),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("s3cr3t"), "{err}");
}
