//! The sync endpoints through a real socket: `multimodal-generation` (Flash, Qwen3-ASR, JSON and
//! native SSE) and `compatible-mode/v1/chat/completions` (Qwen3-ASR, Qwen-Omni), with context
//! checks, `oss://` resolution after a real upload, and the mid-stream failure hook.

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const AUTH: &str = "Bearer sk-sync-test";
const URL: &str = "https://example.com/audio/greeting.wav";

struct Resp {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    /// How many body frames the client read (SSE events are sent one per chunk).
    chunks: usize,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Native SSE events as (event name, data JSON).
    fn native_events(&self) -> Vec<(String, Value)> {
        let text = self.text();
        text.split("\n\n")
            .filter(|e| !e.trim().is_empty())
            .map(|event| {
                let mut name = String::new();
                let mut data = Value::Null;
                for line in event.lines() {
                    if let Some(n) = line.strip_prefix("event:") {
                        name = n.to_owned();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data = serde_json::from_str(d).expect("data JSON");
                    }
                }
                (name, data)
            })
            .collect()
    }

    /// Compatible-mode chunks; `None` stands for `data: [DONE]`.
    fn chunks(&self) -> Vec<Option<Value>> {
        self.text()
            .split("\n\n")
            .filter(|e| !e.trim().is_empty())
            .map(|e| {
                let data = e.strip_prefix("data: ").expect("`data: ` line");
                (data != "[DONE]").then(|| serde_json::from_str(data).expect("chunk JSON"))
            })
            .collect()
    }
}

struct Api {
    emu: EmulatorHandle,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Api {
    async fn start() -> Api {
        let emu = Emulator::start(EmulatorConfig::new())
            .await
            .expect("emulator starts");
        let client = Client::builder(TokioExecutor::new()).build_http();
        Api { emu, client }
    }

    async fn send(&self, req: Request<Full<Bytes>>) -> Resp {
        let resp = self.client.request(req).await.expect("response");
        let (parts, mut body) = resp.into_parts();
        let mut bytes = Vec::new();
        let mut chunks = 0;
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.expect("body frame").into_data() {
                chunks += 1;
                bytes.extend_from_slice(&data);
            }
        }
        Resp {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: Bytes::from(bytes),
            chunks,
        }
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
        let mut req = Request::post(format!("{}{path}", self.emu.base_url()))
            .header("content-type", "application/json")
            .header("authorization", AUTH);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        self.send(req).await
    }

    async fn generation(&self, headers: &[(&str, &str)], body: &Value) -> Resp {
        self.post(
            "/api/v1/services/aigc/multimodal-generation/generation",
            headers,
            body,
        )
        .await
    }

    async fn chat(&self, body: &Value) -> Resp {
        self.post("/compatible-mode/v1/chat/completions", &[], body)
            .await
    }

    /// The SDK's temporary-upload flow: getPolicy, then the multipart form with `file` last.
    async fn upload(&self, model: &str, name: &str, bytes: &[u8]) -> String {
        let url = format!(
            "{}/uploads?action=getPolicy&model={model}",
            self.emu.native_base()
        );
        let req = Request::get(url)
            .header("authorization", AUTH)
            .body(Full::new(Bytes::new()))
            .expect("request");
        let policy = self.send(req).await;
        assert_eq!(policy.status, 200, "{}", policy.text());
        let data = policy.json()["data"].clone();
        let field = |k: &str| data[k].as_str().unwrap_or_default().to_owned();
        let key = format!("{}/{name}", field("upload_dir"));
        let boundary = "sync-test-boundary";
        let mut form = Vec::new();
        for (k, v) in [
            ("OSSAccessKeyId", field("oss_access_key_id")),
            ("Signature", field("signature")),
            ("policy", field("policy")),
            ("key", key.clone()),
            ("x-oss-object-acl", field("x_oss_object_acl")),
            ("x-oss-forbid-overwrite", field("x_oss_forbid_overwrite")),
            ("success_action_status", "200".to_owned()),
            ("x-oss-content-type", "audio/x-wav".to_owned()),
        ] {
            form.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        form.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{name}\"\r\nContent-Type: audio/x-wav\r\n\r\n"
            )
            .as_bytes(),
        );
        form.extend_from_slice(bytes);
        form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(field("upload_host"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Full::new(Bytes::from(form)))
            .expect("request");
        let uploaded = self.send(req).await;
        assert_eq!(uploaded.status, 200, "{}", uploaded.text());
        format!("oss://{key}")
    }
}

fn flash_body(audio: &str) -> Value {
    json!({
        "model": "fun-asr-flash-2026-06-15",
        "input": {"messages": [
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": audio}}]}
        ]},
        "parameters": {"format": "wav", "sample_rate": "16000"},
    })
}

fn qwen_body(audio: &str) -> Value {
    json!({
        "model": "qwen3-asr-flash",
        "parameters": {"asr_options": {"enable_itn": false}, "result_format": "message"},
        "input": {"messages": [{"role": "user", "content": [{"audio": audio}]}]},
    })
}

/// A 16-bit mono WAV of `secs` seconds at 8 kHz (silence).
fn wav(secs: u32) -> Vec<u8> {
    let data_len = secs * 16_000;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&8_000u32.to_le_bytes());
    b.extend_from_slice(&16_000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    b.resize(b.len() + data_len as usize, 0);
    b
}

#[tokio::test]
async fn flash_json_and_auth() {
    let api = Api::start().await;
    let resp = api.generation(&[], &flash_body(URL)).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp.content_type().starts_with("application/json"));
    let body = resp.json();
    let text = body["output"]["text"].as_str().expect("output.text");
    assert!(text.starts_with("[emulated]"), "{text}");
    assert_eq!(body["output"]["sentence"]["sentence_end"], true);
    assert_eq!(body["usage"]["duration"], 10);

    let req = Request::post(format!(
        "{}/services/aigc/multimodal-generation/generation",
        api.emu.native_base()
    ))
    .header("content-type", "application/json")
    .body(Full::new(Bytes::from(flash_body(URL).to_string())))
    .expect("request");
    let resp = api.send(req).await;
    assert_eq!(resp.status, 401);
    assert_eq!(resp.json()["code"], "InvalidApiKey");
}

#[tokio::test]
async fn flash_context_accepted_and_rejected() {
    let api = Api::start().await;
    let mut body = flash_body(URL);
    let audio = body["input"]["messages"][0].clone();
    body["input"]["messages"] = json!([
        {"role": "user", "content": [{"type": "input_text", "text": "通义千问, Model Studio"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "好的"}]},
        audio,
    ]);
    let resp = api.generation(&[], &body).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let report = resp
        .headers
        .get("x-emulator-context")
        .and_then(|v| v.to_str().ok());
    assert_eq!(report, Some("input_text=1/1; text=1/1; chars=20/20"));

    // Context after the audio is out of order.
    let messages = body["input"]["messages"].as_array_mut().expect("messages");
    messages.swap(0, 2);
    let resp = api.generation(&[], &body).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["code"], "InvalidParameter");
}

#[tokio::test]
async fn flash_sse_streams_native_events_in_separate_chunks() {
    let api = Api::start().await;
    // 70 s of audio: long enough for per-sentence events.
    let audio = format!(
        "data:audio/wav;base64,{}",
        base64_encode(&wav(70)) // 1.1 MB
    );
    let resp = api
        .generation(&[("x-dashscope-sse", "enable")], &flash_body(&audio))
        .await;
    assert_eq!(resp.status, 200);
    assert!(resp.content_type().starts_with("text/event-stream"));
    let events = resp.native_events();
    assert!(events.len() >= 4, "{} events", events.len());
    // Each event is its own HTTP chunk; the client may split a chunk further, never merge two.
    assert!(resp.chunks >= events.len(), "{} chunks", resp.chunks);
    assert!(
        resp.text()
            .starts_with("id:1\nevent:result\n:HTTP_STATUS/200\ndata:{")
    );
    let finals: Vec<&Value> = events
        .iter()
        .map(|(_, d)| d)
        .filter(|d| d["output"]["sentence"]["sentence_end"] == true)
        .collect();
    assert_eq!(finals.len() * 2, events.len());
    assert!(finals.iter().all(|d| d["usage"]["duration"].is_u64()));
    assert_eq!(
        finals.last().map(|d| &d["usage"]["duration"]),
        Some(&json!(70))
    );
}

#[tokio::test]
async fn qwen_native_json_sse_and_uploaded_file() {
    let api = Api::start().await;
    let resp = api.generation(&[], &qwen_body(URL)).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let plain = resp.json()["output"]["choices"][0]["message"]["content"][0]["text"]
        .as_str()
        .expect("text")
        .to_owned();

    let mut body = qwen_body(URL);
    body["parameters"]["incremental_output"] = json!(true);
    let resp = api
        .generation(
            &[
                ("x-dashscope-sse", "enable"),
                ("accept", "text/event-stream"),
            ],
            &body,
        )
        .await;
    let events = resp.native_events();
    assert!(events.len() >= 2);
    let joined: String = events
        .iter()
        .map(|(_, d)| {
            d["output"]["choices"][0]["message"]["content"][0]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(joined, plain);
    assert_eq!(
        events
            .last()
            .map(|(_, d)| &d["output"]["choices"][0]["finish_reason"]),
        Some(&json!("stop"))
    );

    let oss = api.upload("qwen3-asr-flash", "note.wav", &wav(3)).await;
    let resp = api.generation(&[], &qwen_body(&oss)).await;
    assert_eq!(resp.status, 400, "no resolve header");
    let resp = api
        .generation(
            &[("x-dashscope-ossresourceresolve", "enable")],
            &qwen_body(&oss),
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.json()["usage"]["seconds"], 3);
}

#[tokio::test]
async fn compat_qwen_asr_and_omni() {
    let api = Api::start().await;
    let request = |model: &str, stream: bool| {
        json!({
            "model": model,
            "messages": [{"role": "user", "content": [
                {"type": "input_audio", "input_audio": {"data": URL}}]}],
            "stream": stream,
            "stream_options": {"include_usage": true},
        })
    };
    let resp = api.chat(&request("qwen3-asr-flash", false)).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let body = resp.json();
    assert_eq!(body["object"], "chat.completion");
    let content = body["choices"][0]["message"]["content"]
        .as_str()
        .expect("content")
        .to_owned();

    for model in ["qwen3-asr-flash", "qwen3-omni-flash"] {
        let resp = api.chat(&request(model, true)).await;
        assert_eq!(resp.status, 200, "{model}: {}", resp.text());
        assert!(resp.content_type().starts_with("text/event-stream"));
        let chunks = resp.chunks();
        assert_eq!(chunks.last(), Some(&None), "{model}: ends with [DONE]");
        let streamed: String = chunks
            .iter()
            .flatten()
            .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
            .collect();
        assert_eq!(streamed, content, "{model}");
        let usage = chunks[chunks.len() - 2].as_ref().expect("usage chunk");
        assert_eq!(usage["choices"], json!([]));
    }

    let resp = api.chat(&request("qwen3-omni-flash", false)).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["error"]["code"], "invalid_parameter_error");
}

#[tokio::test]
async fn error_midstream_host_breaks_streams() {
    let api = Api::start().await;
    let audio = "https://error-midstream.invalid/x.wav";
    let mut body = qwen_body(audio);
    body["parameters"]["incremental_output"] = json!(true);
    let resp = api
        .generation(&[("x-dashscope-sse", "enable")], &body)
        .await;
    assert_eq!(resp.status, 200);
    let events = resp.native_events();
    let (last, data) = events.last().expect("events");
    assert_eq!(last, "error");
    assert_eq!(data["code"], "InternalError");
    assert!(events.len() >= 2, "some results before the error");

    let resp = api
        .chat(&json!({
            "model": "qwen3-asr-flash",
            "messages": [{"role": "user", "content": [
                {"type": "input_audio", "input_audio": {"data": audio}}]}],
            "stream": true,
        }))
        .await;
    let chunks = resp.chunks();
    assert!(
        chunks.iter().all(Option::is_some),
        "no [DONE] after an error"
    );
    let last = chunks.last().and_then(Option::as_ref).expect("chunk");
    assert_eq!(last["error"]["code"], "InternalError");

    let resp = api
        .generation(&[], &flash_body("https://gone.invalid/a.wav"))
        .await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["code"], "InvalidFile.DownloadFailed");
    // A plain call to the failing host is a 500.
    let resp = api.generation(&[], &qwen_body(audio)).await;
    assert_eq!(resp.status, 500);
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
