//! What a route handler answers, before faults and framing are applied.
//!
//! Handlers are plain functions from a parsed request to a `Reply`, so the router alone deals
//! with hyper, fault injection and connection handling.

use serde_json::Value;

/// A handler's answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A JSON body with a status code and extra headers (content-type is added by the router).
    Json {
        /// HTTP status code.
        status: u16,
        /// Extra response headers.
        headers: Vec<(String, String)>,
        /// The JSON body.
        body: Value,
    },
    /// A `text/event-stream` body: each element is one complete frame, blank-line terminator
    /// included, sent as its own chunk so clients see the stream arrive in pieces.
    Sse {
        /// HTTP status code.
        status: u16,
        /// The frames, in order.
        frames: Vec<String>,
    },
    /// Raw bytes with a content type (result documents, empty upload answers).
    Bytes {
        /// HTTP status code.
        status: u16,
        /// Content-Type header value.
        content_type: String,
        /// The body.
        body: bytes::Bytes,
    },
}

impl Reply {
    /// A 200 JSON reply.
    pub fn ok(body: Value) -> Self {
        Reply::Json {
            status: 200,
            headers: Vec::new(),
            body,
        }
    }

    /// A native DashScope error envelope `{request_id, code, message}`.
    pub fn error(status: u16, request_id: &str, code: &str, message: &str) -> Self {
        Reply::Json {
            status,
            headers: Vec::new(),
            body: serde_json::json!({
                "request_id": request_id,
                "code": code,
                "message": message,
            }),
        }
    }

    /// The HTTP status code of this reply.
    pub fn status(&self) -> u16 {
        match self {
            Reply::Json { status, .. }
            | Reply::Sse { status, .. }
            | Reply::Bytes { status, .. } => *status,
        }
    }
}
