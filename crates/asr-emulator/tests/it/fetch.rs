//! `--fetch`: real downloads from a local file server.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;

use crate::client::{fast, start};

/// Serves `/hello.wav` (the hello_en fixture under another name), 404 otherwise.
async fn file_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hello = Bytes::from(
        std::fs::read(format!(
            "{}/../../fixtures/audio/hello_en.wav",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture"),
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let hello = hello.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let hello = hello.clone();
                    async move {
                        let resp = if req.uri().path() == "/hello.wav" {
                            http::Response::new(Full::new(hello))
                        } else {
                            let mut r = http::Response::new(Full::new(Bytes::new()));
                            *r.status_mut() = http::StatusCode::NOT_FOUND;
                            r
                        };
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn fetch_downloads_and_recognises_content() {
    let files = file_server().await;
    let (emu, http) = start(fast().with_fetch(true)).await;
    let ok = format!("http://{files}/hello.wav");
    let missing = format!("http://{files}/missing.wav");
    let refused = "http://127.0.0.1:1/nothing.wav";
    let id = http
        .submit_ok(
            &emu,
            &json!({"model": "fun-asr", "input": {"file_urls": [ok, missing, refused]}}),
        )
        .await;
    let done = http.wait(&emu, &id).await;
    let results = done["output"]["results"].as_array().expect("results");
    assert_eq!(results[0]["subtask_status"], "SUCCEEDED", "{done}");
    assert_eq!(results[1]["code"], "InvalidFile.DownloadFailed");
    assert_eq!(results[2]["code"], "InvalidFile.DownloadFailed");
    let doc = http
        .plain_get(results[0]["transcription_url"].as_str().expect("url"))
        .await
        .json();
    // Recognised by content hash although served under another name.
    assert_eq!(
        doc["transcripts"][0]["text"],
        "Hello world, this is the speech emulator."
    );
    assert_eq!(doc["properties"]["original_duration_in_milliseconds"], 2875);

    // The Qwen shape reports the HTTP status.
    let id = http
        .submit_ok(&emu, &json!({"model": "qwen3-asr-flash-filetrans", "input": {"file_url": format!("http://{files}/gone.wav")}}))
        .await;
    let done = http.wait(&emu, &id).await;
    assert_eq!(done["output"]["task_status"], "FAILED");
    assert_eq!(done["output"]["code"], "FILE_404_NOT_FOUND");
}
