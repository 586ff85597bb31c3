//! Errors on either side of the wire: building a request, and reading a response.
//!
//! The service's codes are typed in [`code`]: [`ErrorCode`] and its [`ErrorCategory`].

pub mod code;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use asr_types::{ApiErrorBody, OpenAiErrorBody, RequestId, ValidationError};

use crate::retry::{self, Retryability};

pub use self::code::{ErrorCategory, ErrorCode};

/// Most bytes of a response body kept in an error.
pub const SNIPPET_LIMIT: usize = 2048;

/// A request could not be built. Nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The request breaks a documented rule of the service. Displays as the validation message
    /// itself, which names the field, the rule and the fix.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A protocol-level input is unusable (a file name, a boundary, a URL, a query value).
    #[error("invalid input: `{field}`: {problem}")]
    InvalidInput {
        /// The input at fault.
        field: &'static str,
        /// The rule broken and the fix.
        problem: String,
    },
    /// The body could not be serialized.
    #[error("could not encode the {what} as JSON")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The serializer's error.
        #[source]
        source: serde_json::Error,
    },
    /// A header value is not valid HTTP. The value is not repeated here because it may be the
    /// API key.
    #[error(
        "the `{name}` header value is not valid HTTP (control characters or non-ASCII?); check the configured {hint}"
    )]
    InvalidHeader {
        /// The header name.
        name: &'static str,
        /// Which setting produced the value.
        hint: &'static str,
    },
    /// The assembled URI is not valid.
    #[error("`{uri}` is not a valid request URI")]
    InvalidUri {
        /// The URI, without its query string (which may be signed).
        uri: String,
        /// The parser's error.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// The `http` crate rejected the request parts.
    #[error("could not assemble the HTTP request")]
    Http(#[from] http::Error),
}

/// A well-formed error answer from the service.
///
/// Displays as `code: message (HTTP status, request id …)`, followed by what to do when the
/// fix is the user's ([`ApiError::advice`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{code}: {message} (HTTP {status}{}){}",
    request_id_suffix(.request_id.as_ref()),
    advice_suffix(self.advice())
)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status (200 for a business error inside a 200 answer).
    pub status: StatusCode,
    /// The service's error code as sent, e.g. `InvalidParameter`, `Throttling.RateQuota`;
    /// [`ApiError::error_code`] is the typed form.
    pub code: String,
    /// The service's message.
    pub message: String,
    /// The DashScope request id, from the body or else the `x-request-id` header.
    pub request_id: Option<RequestId>,
    /// Whether and when the request may be retried (see [`retry::classify`]).
    pub retryability: Retryability,
}

fn request_id_suffix(id: Option<&RequestId>) -> String {
    id.map(|id| format!(", request id {id}"))
        .unwrap_or_default()
}

fn advice_suffix(advice: Option<&str>) -> String {
    advice.map(|a| format!("; {a}")).unwrap_or_default()
}

impl ApiError {
    /// The typed code.
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::from_wire(&self.code)
    }

    /// The kind of failure. A bare `AccessDenied` whose message names a sync/async mode
    /// mistake or an expired upload policy is an [`ErrorCategory::InvalidRequest`]: those say
    /// nothing about the key's permissions.
    ///
    /// ```
    /// use asr_protocol::ErrorCategory;
    /// use asr_protocol::error::parse_error;
    ///
    /// let body = br#"{"code":"AccessDenied","message":"current user api does not support synchronous calls","request_id":"r"}"#;
    /// let err = parse_error(http::StatusCode::FORBIDDEN, &http::HeaderMap::new(), body);
    /// assert_eq!(err.category(), Some(ErrorCategory::InvalidRequest));
    /// ```
    pub fn category(&self) -> ErrorCategory {
        let code = self.error_code();
        if code == ErrorCode::AccessDenied {
            let message = self.message.to_ascii_lowercase();
            if message.contains("synchronous calls") || message.contains("policy expired") {
                return ErrorCategory::InvalidRequest;
            }
        }
        code.category()
    }

    /// What to do about it, when the fix is the user's (see [`ErrorCategory::advice`]).
    pub fn advice(&self) -> Option<&'static str> {
        self.category().advice()
    }
}

/// A response could not be turned into the endpoint's result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The service answered with an error (native or OpenAI-compatible envelope, or HTTP 200
    /// with a top-level `code`: the two-layer error model).
    #[error("the service rejected the request: {0}")]
    Api(ApiError),
    /// A success status whose body is not the expected JSON.
    #[error(
        "could not decode the {endpoint} response (HTTP {status}): {source}; body starts: {snippet:?}"
    )]
    Decode {
        /// The endpoint module name, e.g. `get_task`.
        endpoint: &'static str,
        /// The HTTP status.
        status: StatusCode,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
        /// The first ≤ 2 KiB of the body, lossy UTF-8.
        snippet: String,
    },
    /// An error status whose body is not a known error envelope (an HTML proxy page, OSS XML…).
    #[error("unexpected HTTP {status}; body starts: {snippet:?}")]
    UnexpectedStatus {
        /// The HTTP status.
        status: StatusCode,
        /// The first ≤ 2 KiB of the body, lossy UTF-8.
        snippet: String,
        /// The `x-request-id` header, if any.
        request_id: Option<RequestId>,
        /// Whether and when the request may be retried, from the status and headers.
        retryability: Retryability,
    },
}

impl ResponseError {
    /// Whether and when the failed request may be retried.
    ///
    /// Decode errors are never retried: the same bytes would decode the same way.
    pub fn retryability(&self) -> Retryability {
        match self {
            ResponseError::Api(e) => e.retryability,
            ResponseError::UnexpectedStatus { retryability, .. } => *retryability,
            ResponseError::Decode { .. } => Retryability::No,
        }
    }

    /// The service's error code, if the service sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ResponseError::Api(e) => Some(&e.code),
            _ => None,
        }
    }

    /// The service's error code, typed, if the service sent one.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            ResponseError::Api(e) => Some(e.error_code()),
            _ => None,
        }
    }

    /// The kind of failure, if the service sent a code (see [`ApiError::category`]).
    pub fn category(&self) -> Option<ErrorCategory> {
        match self {
            ResponseError::Api(e) => Some(e.category()),
            _ => None,
        }
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        match self {
            ResponseError::Api(e) => e.status,
            ResponseError::Decode { status, .. }
            | ResponseError::UnexpectedStatus { status, .. } => *status,
        }
    }

    /// Whether the service refused the credentials themselves — a bad or wrong-region key, an
    /// account in arrears, a model or workspace the key may not use — rather than this one
    /// request: every other call with the same key would be refused the same way, so a batch
    /// should stop instead of failing each input.
    ///
    /// ```
    /// use asr_protocol::error::parse_error;
    /// let body = br#"{"code":"InvalidApiKey","message":"Invalid API-key provided."}"#;
    /// let err = parse_error(http::StatusCode::UNAUTHORIZED, &Default::default(), body);
    /// assert!(err.refuses_credentials());
    /// let body = br#"{"code":"InvalidParameter","message":"bad"}"#;
    /// let err = parse_error(http::StatusCode::BAD_REQUEST, &Default::default(), body);
    /// assert!(!err.refuses_credentials());
    /// ```
    pub fn refuses_credentials(&self) -> bool {
        self.status() == StatusCode::UNAUTHORIZED
            || matches!(
                self.category(),
                Some(
                    ErrorCategory::Credentials | ErrorCategory::Permission | ErrorCategory::Billing
                )
            )
    }

    /// The DashScope request id, if known.
    pub fn request_id(&self) -> Option<&RequestId> {
        match self {
            ResponseError::Api(e) => e.request_id.as_ref(),
            ResponseError::UnexpectedStatus { request_id, .. } => request_id.as_ref(),
            ResponseError::Decode { .. } => None,
        }
    }
}

/// The first ≤ [`SNIPPET_LIMIT`] bytes of `body` as text, cut at a character boundary.
pub fn snippet(body: &[u8]) -> String {
    let cut = body.len().min(SNIPPET_LIMIT);
    let text = String::from_utf8_lossy(&body[..cut]);
    // A multi-byte character split by the cut shows up as a trailing U+FFFD; drop it.
    let text = if cut < body.len() {
        text.trim_end_matches('\u{FFFD}')
    } else {
        &text
    };
    text.to_owned()
}

/// Reads the error of a response whose status is not a success.
///
/// Accepts the native envelope `{request_id, code, message|msg}` and the OpenAI-compatible one
/// `{error: {message, type, param, code}, request_id}`; anything else becomes
/// [`ResponseError::UnexpectedStatus`] with a bounded snippet. Endpoint `parse` functions call
/// it for every non-2xx status; it is public for endpoints this crate does not model yet.
pub fn parse_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ResponseError {
    let header_request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(RequestId::new);
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => match envelope(&value) {
            Some(env) => api_error(status, headers, env, header_request_id),
            None => unexpected(status, headers, body, header_request_id),
        },
        Err(_) => unexpected(status, headers, body, header_request_id),
    }
}

fn unexpected(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    request_id: Option<RequestId>,
) -> ResponseError {
    ResponseError::UnexpectedStatus {
        status,
        snippet: snippet(body),
        request_id,
        retryability: retry::classify(status, None, headers),
    }
}

fn api_error(
    status: StatusCode,
    headers: &HeaderMap,
    env: Envelope,
    header_request_id: Option<RequestId>,
) -> ResponseError {
    let retryability = retry::classify(status, Some(&env.code), headers);
    ResponseError::Api(ApiError {
        status,
        code: env.code,
        message: env.message,
        request_id: env.request_id.or(header_request_id),
        retryability,
    })
}

/// The fields both error envelopes share, once read.
struct Envelope {
    code: String,
    message: String,
    request_id: Option<RequestId>,
}

/// Recognises an error envelope; a body with an empty `code` is not one.
fn envelope(value: &Value) -> Option<Envelope> {
    if let Ok(native) = ApiErrorBody::deserialize(value)
        && !native.code.is_empty()
    {
        return Some(Envelope {
            code: native.code,
            message: native.message,
            request_id: native.request_id,
        });
    }
    let compat = OpenAiErrorBody::deserialize(value).ok()?;
    // Some OpenAI-style errors carry only a `type`; it is the best code there is.
    let code = compat
        .error
        .code
        .filter(|c| !c.is_empty())
        .or(compat.error.kind)
        .filter(|c| !c.is_empty())?;
    Some(Envelope {
        code,
        message: compat.error.message,
        request_id: compat.request_id,
    })
}

/// Routes by status, then decodes a success body as `T`.
///
/// A 2xx body with a non-empty top-level string `code` is a business error (SDK v2's two-layer
/// model) and becomes [`ResponseError::Api`]; `output.code` of a failed task is *not* one.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    endpoint: &'static str,
    response: http::Response<Bytes>,
) -> Result<T, ResponseError> {
    let (parts, body) = response.into_parts();
    if !parts.status.is_success() {
        return Err(parse_error(parts.status, &parts.headers, &body));
    }
    // Fast path: a skim for a top-level `code` that builds nothing else, then `T` straight from
    // the bytes. Going through a `Value` first cost twice the parse on a large result.
    if serde_json::from_slice::<CodeProbe>(&body).is_ok_and(|probe| !probe.has_error_code())
        && let Ok(value) = serde_json::from_slice::<T>(&body)
    {
        return Ok(value);
    }
    // Everything else (an error code, a body that fails to decode, duplicate keys) takes the
    // reference path, so errors and edge cases read exactly as they always have.
    parse_json_via_value(endpoint, parts, &body)
}

/// Only the top-level `code`; serde skips every other field without building it.
#[derive(Deserialize)]
struct CodeProbe {
    #[serde(default)]
    code: Option<Value>,
}

impl CodeProbe {
    /// The same test as the reference path: a non-empty string.
    fn has_error_code(&self) -> bool {
        self.code
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty())
    }
}

/// The reference decoding: the body as a `Value`, an error envelope if it has a top-level
/// `code`, else `T` from the value.
fn parse_json_via_value<T: serde::de::DeserializeOwned>(
    endpoint: &'static str,
    parts: http::response::Parts,
    body: &Bytes,
) -> Result<T, ResponseError> {
    let decode = |source| ResponseError::Decode {
        endpoint,
        status: parts.status,
        source,
        snippet: snippet(body),
    };
    let value: Value = serde_json::from_slice(body).map_err(decode)?;
    if value
        .get("code")
        .and_then(Value::as_str)
        .is_some_and(|c| !c.is_empty())
        && let Some(env) = envelope(&value)
    {
        let header_request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(RequestId::new);
        return Err(api_error(
            parts.status,
            &parts.headers,
            env,
            header_request_id,
        ));
    }
    T::deserialize(value).map_err(decode)
}

#[cfg(test)]
mod tests;
