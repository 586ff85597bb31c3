//! Integration tests of `asr-protocol`: one binary, fixtures from `fixtures/exchanges/`.

mod fixtures;
mod poll;
mod requests;
mod responses;
mod retry;
mod upload;

use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde_json::Value;

use asr_protocol::{ApiKey, RequestContext};

/// The API key every test context uses; snapshots must never contain it.
pub(crate) const TEST_KEY: &str = "sk-test";

/// The repository's `fixtures/` directory.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A fixed context: Beijing shared host, key `sk-test`, default boundary.
pub(crate) fn context() -> RequestContext {
    RequestContext::with_base_urls(
        "https://dashscope.aliyuncs.com/api/v1",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        ApiKey::new(TEST_KEY),
    )
    .expect("valid base URLs")
}

/// One `fixtures/exchanges/<endpoint>/<case>.json` file.
pub(crate) struct Exchange {
    pub(crate) endpoint: String,
    pub(crate) case: String,
    pub(crate) json: Value,
}

impl Exchange {
    pub(crate) fn load(path: &Path) -> Exchange {
        let text = std::fs::read_to_string(path).expect("fixture readable");
        let json: Value = serde_json::from_str(&text).expect("fixture is JSON");
        let endpoint = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .expect("endpoint dir")
            .to_owned();
        let case = path
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("case")
            .to_owned();
        Exchange {
            endpoint,
            case,
            json,
        }
    }

    /// Loads `exchanges/<endpoint>/<case>.json`.
    pub(crate) fn named(endpoint: &str, case: &str) -> Exchange {
        Exchange::load(&fixtures_dir().join(format!("exchanges/{endpoint}/{case}.json")))
    }

    pub(crate) fn request(&self) -> &Value {
        &self.json["request"]
    }

    pub(crate) fn response_json(&self) -> &Value {
        &self.json["response"]
    }

    pub(crate) fn status(&self) -> u16 {
        self.response_json()["status"].as_u64().expect("status") as u16
    }

    /// The recorded response as the `http` type every `parse` takes.
    pub(crate) fn response(&self) -> http::Response<Bytes> {
        let resp = self.response_json();
        let mut builder = http::Response::builder().status(self.status());
        for (name, value) in resp["headers"].as_object().expect("headers") {
            builder = builder.header(name.as_str(), value.as_str().expect("header value"));
        }
        let body = match &resp["body"] {
            Value::Null => Bytes::new(),
            body => Bytes::from(serde_json::to_vec(body).expect("body")),
        };
        builder.body(body).expect("response")
    }
}

/// Every exchange fixture, sorted; fails if there are none.
pub(crate) fn all_exchanges() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let root = fixtures_dir().join("exchanges");
    for dir in std::fs::read_dir(&root).expect("fixtures/exchanges exists") {
        let dir = dir.expect("dir entry").path();
        for file in std::fs::read_dir(&dir).expect("endpoint dir") {
            let file = file.expect("file entry").path();
            if file.extension().is_some_and(|e| e == "json") {
                paths.push(file);
            }
        }
    }
    paths.sort();
    assert!(
        paths.len() >= 30,
        "expected the recorded exchanges, found {}",
        paths.len()
    );
    paths
}
