//! The service's error envelopes: native (`{request_id, code, message}`) and OpenAI-compatible
//! (`{error: {message, type, param, code}, request_id}`).

use serde::{Deserialize, Serialize};

use crate::task::{Extra, RequestId};

/// Native DashScope error body (HTTP 4xx/5xx, and SSE `event:error` data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApiErrorBody {
    /// Id of the failed request; absent on errors from the OSS upload host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Machine-readable code, e.g. `InvalidParameter`, `Throttling.RateQuota`.
    pub code: String,
    /// Human-readable message (some services send it as `msg`).
    #[serde(default, alias = "msg")]
    pub message: String,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// OpenAI-compatible error body (`/compatible-mode/v1`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenAiErrorBody {
    /// The error.
    pub error: OpenAiError,
    /// Id of the failed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `error` of an [`OpenAiErrorBody`]; `type`, `param` and `code` are written even when null,
/// as the service does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OpenAiError {
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// Error class, e.g. `invalid_request_error`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The offending parameter, if any.
    #[serde(default)]
    pub param: Option<String>,
    /// Machine-readable code, e.g. `invalid_api_key` or `Throttling.RateQuota`.
    #[serde(default)]
    pub code: Option<String>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}
