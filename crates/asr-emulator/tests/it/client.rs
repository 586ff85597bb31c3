//! A minimal hyper client and helpers.

use std::time::Duration;

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

pub const KEY: &str = "sk-test-key";

pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn start(cfg: EmulatorConfig) -> (EmulatorHandle, Http) {
    let emu = Emulator::start(cfg).await.expect("emulator starts");
    (emu, Http::new())
}

pub fn fast() -> EmulatorConfig {
    EmulatorConfig::new().with_processing_time(Duration::from_millis(150))
}

/// Any transport-level failure, as a string.
pub type SendError = String;

impl Http {
    pub fn new() -> Self {
        // No pooling: a dropped connection must not poison the next request.
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build_http();
        Http { client }
    }

    pub async fn try_send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Resp, SendError> {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let resp = self
            .client
            .request(req)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let (parts, body) = resp.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| format!("body: {e:?}"))?
            .to_bytes();
        Ok(Resp {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Resp {
        self.try_send(method, url, headers, body)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    /// GET with the test key.
    pub async fn get(&self, url: &str) -> Resp {
        let auth = format!("Bearer {KEY}");
        self.send(Method::GET, url, &[("authorization", &auth)], Vec::new())
            .await
    }

    /// POST JSON with the test key plus `extra` headers.
    pub async fn post_json(&self, url: &str, body: &Value, extra: &[(&str, &str)]) -> Resp {
        let auth = format!("Bearer {KEY}");
        let mut headers = vec![
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        headers.extend_from_slice(extra);
        self.send(Method::POST, url, &headers, body.to_string().into_bytes())
            .await
    }

    /// An async submit with the right headers.
    pub async fn submit(&self, emu: &EmulatorHandle, body: &Value) -> Resp {
        let url = format!("{}/services/audio/asr/transcription", emu.native_base());
        self.post_json(&url, body, &[("x-dashscope-async", "enable")])
            .await
    }

    /// Submits and returns the task id (asserting 200).
    pub async fn submit_ok(&self, emu: &EmulatorHandle, body: &Value) -> String {
        let r = self.submit(emu, body).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!(v["output"]["task_status"], "PENDING");
        v["output"]["task_id"].as_str().expect("task_id").to_owned()
    }

    pub async fn task(&self, emu: &EmulatorHandle, id: &str) -> Value {
        let r = self.get(&format!("{}/tasks/{id}", emu.native_base())).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    /// Polls until the task is terminal; fails after `limit` polls.
    pub async fn wait(&self, emu: &EmulatorHandle, id: &str) -> Value {
        for _ in 0..400 {
            let v = self.task(emu, id).await;
            let s = v["output"]["task_status"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if ["SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"].contains(&s.as_str()) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("task {id} never finished");
    }

    /// Downloads a URL with no headers at all (result documents).
    pub async fn plain_get(&self, url: &str) -> Resp {
        self.send(Method::GET, url, &[], Vec::new()).await
    }
}
