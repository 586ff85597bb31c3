//! What the integration-test binaries share: the test key and context, and the recorded
//! exchanges of `fixtures/exchanges/`.
//!
//! Each binary includes this file with `#[path]` (a file directly under `tests/` would be a
//! binary of its own) and uses only part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde_json::Value;

use asr_protocol::{ApiKey, RequestContext};

/// The API key every test context uses; snapshots must never contain it.
pub const TEST_KEY: &str = "sk-test";

/// Headers an exchange fixture may record (protocol §1.2, fixtures/README.md).
pub const ALLOW_LISTED: &[&str] = &[
    "accept",
    "content-type",
    "x-dashscope-async",
    "x-dashscope-ossresourceresolve",
    "x-dashscope-sse",
    "x-dashscope-workspace",
];

/// The repository's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// A fixed context: Beijing shared host, key `sk-test`, default boundary.
pub fn context() -> RequestContext {
    RequestContext::with_base_urls(
        "https://dashscope.aliyuncs.com/api/v1",
        "https://dashscope.aliyuncs.com/compatible-mode/v1",
        ApiKey::new(TEST_KEY),
    )
    .expect("valid base URLs")
}

/// One `fixtures/exchanges/<endpoint>/<case>.json` file.
pub struct Exchange {
    pub endpoint: String,
    pub case: String,
    pub json: Value,
}

impl Exchange {
    pub fn load(path: &Path) -> Exchange {
        let text = std::fs::read_to_string(path).expect("fixture readable");
        let json: Value = serde_json::from_str(&text).expect("fixture is JSON");
        let name = |p: Option<&std::ffi::OsStr>| {
            p.and_then(|n| n.to_str()).expect("fixture path").to_owned()
        };
        Exchange {
            endpoint: name(path.parent().and_then(Path::file_name)),
            case: name(path.file_stem()),
            json,
        }
    }

    /// Loads `exchanges/<endpoint>/<case>.json`.
    pub fn named(endpoint: &str, case: &str) -> Exchange {
        Exchange::load(&fixtures_dir().join(format!("exchanges/{endpoint}/{case}.json")))
    }

    pub fn request(&self) -> &Value {
        &self.json["request"]
    }

    pub fn request_body(&self) -> Value {
        self.request()["body"].clone()
    }

    pub fn response_json(&self) -> &Value {
        &self.json["response"]
    }

    pub fn status(&self) -> u16 {
        self.response_json()["status"].as_u64().expect("status") as u16
    }

    /// The recorded response as the `http` type every `parse` takes; a streamed body comes
    /// from the file named by `body_file`.
    pub fn response(&self) -> http::Response<Bytes> {
        let recorded = self.response_json();
        let mut builder = http::Response::builder().status(self.status());
        for (name, value) in recorded["headers"].as_object().expect("headers") {
            builder = builder.header(name.as_str(), value.as_str().expect("header value"));
        }
        let body = match (&recorded["body"], recorded["body_file"].as_str()) {
            (_, Some(file)) => {
                Bytes::from(std::fs::read(fixtures_dir().join(file)).expect("body file"))
            }
            (Value::Null, None) => Bytes::new(),
            (body, None) => Bytes::from(serde_json::to_vec(body).expect("body")),
        };
        builder.body(body).expect("response")
    }
}
