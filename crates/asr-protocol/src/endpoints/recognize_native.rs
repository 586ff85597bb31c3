//! `POST /services/aigc/multimodal-generation/generation` — synchronous recognition with
//! fun-asr-flash, qwen-audio-3.x-asr-flash or qwen3-asr-flash, as JSON or native SSE.
//!
//! Protocol §3, §4.1; <https://help.aliyun.com/zh/model-studio/qwen-asr-api-reference>.
//! Streaming is chosen by headers (`X-DashScope-SSE: enable`), not by the body; no
//! `X-DashScope-Async` is sent.

use bytes::Bytes;
use http::header::ACCEPT;
use http::{HeaderName, HeaderValue, Method, StatusCode};

use asr_types::{FlashRequest, Model, QwenAsrRequest, ValidationError};

use crate::context::RequestContext;
use crate::endpoints::{Extras, dashscope_request, to_json};
use crate::error::{BuildError, ResponseError, parse_error, parse_json};
use crate::recognition::Accumulator;
use crate::sse::{self, SseEvent};

/// Path relative to the native base.
pub const PATH: &str = "/services/aigc/multimodal-generation/generation";

/// `text/event-stream`, the `Accept` of streaming calls.
pub const EVENT_STREAM: &str = "text/event-stream";

const X_DASHSCOPE_SSE: HeaderName = HeaderName::from_static("x-dashscope-sse");
const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// The body: one of the two native dialects.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Body {
    /// fun-asr-flash / qwen-audio-3.x-asr-flash.
    Flash(FlashRequest),
    /// qwen3-asr-flash.
    QwenAsr(QwenAsrRequest),
}

/// The request: a body and whether to stream.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Request {
    /// The body.
    pub body: Body,
    /// Ask for native SSE (`X-DashScope-SSE: enable`). Flash streams several events only for
    /// audio of 60 s or more; shorter audio yields one event.
    pub stream: bool,
}

impl Request {
    /// A non-streaming Flash call.
    pub fn flash(body: FlashRequest) -> Self {
        Request {
            body: Body::Flash(body),
            stream: false,
        }
    }

    /// A non-streaming Qwen3-ASR call.
    pub fn qwen_asr(body: QwenAsrRequest) -> Self {
        Request {
            body: Body::QwenAsr(body),
            stream: false,
        }
    }

    /// Sets streaming.
    pub fn with_stream(mut self, stream: bool) -> Self {
        self.stream = stream;
        self
    }

    /// The model.
    pub fn model(&self) -> &Model {
        match &self.body {
            Body::Flash(b) => &b.model,
            Body::QwenAsr(b) => &b.model,
        }
    }

    /// Checks the body against the documented rules.
    ///
    /// # Errors
    ///
    /// The first [`ValidationError`] found.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match &self.body {
            Body::Flash(b) => b.validate(),
            Body::QwenAsr(b) => b.validate(),
        }
    }

    /// An [`Accumulator`] that reads this request's answers the right way (incremental text
    /// when a Qwen3-ASR body sets `incremental_output: true`).
    pub fn accumulator(&self) -> Accumulator {
        let incremental = match &self.body {
            Body::QwenAsr(b) => b.parameters.incremental_output == Some(true),
            Body::Flash(_) => false,
        };
        Accumulator::new().with_incremental_output(incremental)
    }
}

impl From<FlashRequest> for Request {
    fn from(body: FlashRequest) -> Self {
        Request::flash(body)
    }
}

impl From<QwenAsrRequest> for Request {
    fn from(body: QwenAsrRequest) -> Self {
        Request::qwen_asr(body)
    }
}

/// A native answer: the JSON body, or one SSE event's data.
pub type Response = asr_types::RecognitionResponse;

/// Builds the call.
///
/// Headers: `Authorization`, `Content-Type`/`Accept: application/json`, `user-agent`, the
/// workspace; when streaming `Accept: text/event-stream`, `X-DashScope-SSE: enable` and
/// `X-Accel-Buffering: no`; `X-DashScope-OssResourceResolve: enable` when the audio is an
/// `oss://` URL.
///
/// # Errors
///
/// [`BuildError::Validation`] if the body breaks a documented rule; [`BuildError::Encode`],
/// [`BuildError::InvalidHeader`] or [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    let (body, oss) = match &request.body {
        Body::Flash(b) => (to_json("flash recognition request", b)?, b.uses_oss_urls()),
        Body::QwenAsr(b) => (
            to_json("qwen-asr recognition request", b)?,
            b.uses_oss_urls(),
        ),
    };
    let extras = Extras {
        async_mode: false,
        oss_resolve: oss,
    };
    let mut built =
        dashscope_request(Method::POST, &ctx.native_url(PATH), ctx, Some(body), extras)?;
    if request.stream {
        set_streaming(built.headers_mut(), true);
    }
    Ok(built)
}

/// Sets the streaming headers (`X-DashScope-SSE` only for the native endpoint).
pub(crate) fn set_streaming(headers: &mut http::HeaderMap, native: bool) {
    headers.insert(ACCEPT, HeaderValue::from_static(EVENT_STREAM));
    if native {
        headers.insert(X_DASHSCOPE_SSE, HeaderValue::from_static("enable"));
    }
    headers.insert(X_ACCEL_BUFFERING, HeaderValue::from_static("no"));
}

/// Parses a non-streaming answer. Error statuses are read from JSON or from an event-stream
/// body (first `data:` line).
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error (also HTTP 200 with a top-level `code`),
/// [`ResponseError::UnexpectedStatus`] for an error status without a known envelope,
/// [`ResponseError::Decode`] for a success body that is not a recognition answer.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    if !response.status().is_success() {
        let (parts, body) = response.into_parts();
        return Err(sse::error_from_body(parts.status, &parts.headers, &body));
    }
    parse_json("recognize_native", response)
}

/// Parses a whole, already collected SSE body: one answer per `result` event.
///
/// # Errors
///
/// As [`parse`], plus an `event:error` as [`ResponseError::Api`], and an event over
/// [`sse::DEFAULT_MAX_EVENT_BYTES`] as [`ResponseError::UnexpectedStatus`].
pub fn parse_stream_body(response: http::Response<Bytes>) -> Result<Vec<Response>, ResponseError> {
    let (parts, body) = response.into_parts();
    if !parts.status.is_success() {
        return Err(sse::error_from_body(parts.status, &parts.headers, &body));
    }
    let events = sse::decode_all(&body).map_err(|e| ResponseError::UnexpectedStatus {
        status: parts.status,
        snippet: e.to_string(),
        request_id: None,
        retryability: crate::retry::Retryability::No,
    })?;
    let mut out = Vec::new();
    for event in &events {
        if let Some(answer) = parse_event(event)? {
            out.push(answer);
        }
    }
    Ok(out)
}

/// Parses one native SSE event.
///
/// `Ok(None)` for events that carry no answer (`event:done`, empty data).
///
/// # Errors
///
/// [`ResponseError::Api`] with the service's code and message for `event:error` (status from
/// the `status:` line or `:HTTP_STATUS/` comment, else 200) or for data with a top-level
/// `code`; [`ResponseError::Decode`] for data that is not an answer.
pub fn parse_event(event: &SseEvent) -> Result<Option<Response>, ResponseError> {
    let status = event
        .reported_status()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    if event.is_error() || !status.is_success() {
        return Err(parse_error(
            status,
            &http::HeaderMap::new(),
            event.data.as_bytes(),
        ));
    }
    if event.event.as_deref() == Some("done") || event.data.trim().is_empty() {
        return Ok(None);
    }
    let mut response = http::Response::new(Bytes::from(event.data.clone().into_bytes()));
    *response.status_mut() = status;
    parse_json("recognize_native", response).map(Some)
}
