//! `POST /api/v1/services/audio/asr/customization` through a real socket: all five actions,
//! readiness, the quota, validation and auth.

use std::time::{Duration, Instant};

use asr_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

const KEY: &str = "Bearer sk-vocabulary-test";

struct Api {
    emu: EmulatorHandle,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Api {
    async fn start(config: EmulatorConfig) -> Api {
        let emu = Emulator::start(config).await.expect("emulator starts");
        let client = Client::builder(TokioExecutor::new()).build_http();
        Api { emu, client }
    }

    async fn post(&self, auth: Option<&str>, body: &Value) -> (u16, Value) {
        let url = format!(
            "{}/services/audio/asr/customization",
            self.emu.native_base()
        );
        let mut req = Request::post(url).header("content-type", "application/json");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        let req = req
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        let resp = self.client.request(req).await.expect("response");
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)));
        (status, json)
    }

    /// Sends `input` with the SDK's envelope (`model`, empty `parameters`).
    async fn action(&self, input: Value) -> (u16, Value) {
        let body = json!({"model": "speech-biasing", "parameters": {}, "input": input});
        self.post(Some(KEY), &body).await
    }

    async fn create(&self, prefix: &str) -> String {
        let (status, body) = self
            .action(json!({
                "action": "create_vocabulary", "target_model": "fun-asr", "prefix": prefix,
                "vocabulary": [{"text": "赛德克巴莱", "weight": 4, "lang": "zh"}],
            }))
            .await;
        assert_eq!(status, 200, "{body}");
        body["output"]["vocabulary_id"]
            .as_str()
            .expect("vocabulary_id")
            .to_owned()
    }

    async fn status_of(&self, id: &str) -> String {
        let (status, body) = self
            .action(json!({"action": "query_vocabulary", "vocabulary_id": id}))
            .await;
        assert_eq!(status, 200, "{body}");
        body["output"]["status"]
            .as_str()
            .expect("status")
            .to_owned()
    }

    /// Polls `query_vocabulary` until `OK`, failing after `budget`.
    async fn wait_ok(&self, id: &str, budget: Duration) {
        let deadline = Instant::now() + budget;
        loop {
            if self.status_of(id).await == "OK" {
                return;
            }
            assert!(Instant::now() < deadline, "{id} not OK within {budget:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn config() -> EmulatorConfig {
    EmulatorConfig::new()
        .with_vocabulary_ready_after(Duration::from_secs(1))
        .with_vocabulary_quota(3)
}

#[tokio::test]
async fn create_list_query_update_delete() {
    let api = Api::start(config()).await;
    let id = api.create("demo").await;
    assert!(id.starts_with("vocab-demo-"), "{id}");
    assert_eq!(id.len(), "vocab-demo-".len() + 32);

    let (status, body) = api
        .action(json!({"action": "list_vocabulary", "prefix": "demo", "page_index": 0, "page_size": 10}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["usage"], json!({"count": 1}));
    assert!(body["request_id"].is_string());
    let list = body["output"]["vocabulary_list"].as_array().expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["vocabulary_id"], id.as_str());
    assert_eq!(list[0]["status"], "UNDEPLOYED");

    api.wait_ok(&id, Duration::from_secs(10)).await;

    let (status, body) = api
        .action(json!({"action": "update_vocabulary", "vocabulary_id": id,
                       "vocabulary": [{"text": "Model Studio", "weight": 3}]}))
        .await;
    assert_eq!((status, &body["output"]), (200, &json!({})));
    let (_, body) = api
        .action(json!({"action": "query_vocabulary", "vocabulary_id": id}))
        .await;
    assert_eq!(body["output"]["target_model"], "fun-asr");
    assert_eq!(
        body["output"]["vocabulary"],
        json!([{"text": "Model Studio", "weight": 3}])
    );
    assert_eq!(
        body["output"]["status"], "UNDEPLOYED",
        "an update redeploys"
    );
    api.wait_ok(&id, Duration::from_secs(10)).await;

    let (status, _) = api
        .action(json!({"action": "delete_vocabulary", "vocabulary_id": id}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = api
        .action(json!({"action": "query_vocabulary", "vocabulary_id": id}))
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "BadRequest.ResourceNotExist");
    assert_eq!(body["message"], "The Required resource not exist.");
}

#[tokio::test]
async fn quota_is_enforced_and_reset_forgets_lists() {
    let api = Api::start(config()).await;
    for prefix in ["a", "b", "c"] {
        api.create(prefix).await;
    }
    let (status, body) = api
        .action(
            json!({"action": "create_vocabulary", "target_model": "fun-asr", "prefix": "d",
                       "vocabulary": [{"text": "x", "weight": 1}]}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "Throttling.AllocationQuota");
    assert_eq!(body["message"], "Free allocated quota exceeded.");

    let (_, body) = api
        .action(json!({"action": "list_vocabulary", "page_index": 1, "page_size": 2}))
        .await;
    assert_eq!(
        body["output"]["vocabulary_list"].as_array().map(Vec::len),
        Some(1)
    );

    api.emu.reset();
    let (_, body) = api.action(json!({"action": "list_vocabulary"})).await;
    assert_eq!(body["output"]["vocabulary_list"], json!([]));
    api.create("d").await;
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let api = Api::start(config()).await;
    let cases = [
        (
            json!({"action": "create_vocabulary", "target_model": "fun-asr", "prefix": "UPPER",
                   "vocabulary": [{"text": "x", "weight": 1}]}),
            "input.prefix",
        ),
        (
            json!({"action": "create_vocabulary", "target_model": "fun-asr", "prefix": "ok",
                   "vocabulary": [{"text": "x", "weight": 6}]}),
            "input.vocabulary[0].weight",
        ),
        (
            json!({"action": "create_vocabulary", "target_model": "fun-asr", "prefix": "ok",
                   "vocabulary": [{"text": "x", "weight": 2, "lang": "ko"}]}),
            "input.vocabulary[0].lang",
        ),
        (json!({"action": "explode"}), "input.action"),
        (json!({"action": "query_vocabulary"}), "input.vocabulary_id"),
    ];
    for (input, field) in cases {
        let (status, body) = api.action(input).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(body["code"], "InvalidParameter");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{message:?} lacks {field:?}");
    }
    let (status, body) = api
        .post(
            Some(KEY),
            &json!({"model": "paraformer-v2", "input": {"action": "list_vocabulary"}}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("InvalidParameter"))
    );
}

#[tokio::test]
async fn missing_or_wrong_key_is_401() {
    let api = Api::start(config().with_api_key("sk-right")).await;
    let body = json!({"model": "speech-biasing", "input": {"action": "list_vocabulary"}});
    for auth in [None, Some("Bearer sk-wrong")] {
        let (status, body) = api.post(auth, &body).await;
        assert_eq!(status, 401);
        assert_eq!(body["code"], "InvalidApiKey");
    }
    let (status, _) = api.post(Some("Bearer sk-right"), &body).await;
    assert_eq!(status, 200);
}
