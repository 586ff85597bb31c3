//! `POST /compatible-mode/v1/chat/completions` — OpenAI-compatible recognition with Qwen-ASR
//! (`qwen3-asr-flash`) or a Qwen-Omni model used as a transcriber.
//!
//! Protocol §4.2, §5; <https://help.aliyun.com/zh/model-studio/qwen-asr-api-reference>,
//! <https://help.aliyun.com/zh/model-studio/qwen-omni>. Streaming is the body's `stream`
//! field; chunks come as `data: {…}` lines ending with `data: [DONE]`.

use bytes::Bytes;
use http::{Method, StatusCode};

use asr_types::{ChatCompletionChunk, OpenAiErrorBody};

use crate::context::RequestContext;
use crate::endpoints::recognize_native::set_streaming;
use crate::endpoints::{Extras, dashscope_request, to_json};
use crate::error::{BuildError, ResponseError, parse_error, parse_json};
use crate::sse::{self, SseEvent};

/// Path relative to the compatible-mode base.
pub const PATH: &str = "/chat/completions";

/// The request body.
pub type Request = asr_types::ChatCompletionRequest;

/// A non-streaming answer.
pub type Response = asr_types::ChatCompletion;

/// One parsed stream event.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum StreamItem {
    /// A chunk (boxed: chunks are large next to `Done`).
    Chunk(Box<ChatCompletionChunk>),
    /// `data: [DONE]`: the stream is complete.
    Done,
}

/// Builds the call to `{compatible_base}/chat/completions`.
///
/// Headers as the native calls; with `stream: true` also `Accept: text/event-stream` and
/// `X-Accel-Buffering: no`; `X-DashScope-OssResourceResolve: enable` for `oss://` audio.
///
/// # Errors
///
/// [`BuildError::Validation`] if the body breaks a documented rule (e.g. Omni without
/// `stream: true`); [`BuildError::Encode`], [`BuildError::InvalidHeader`] or
/// [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    let body = to_json("chat completion request", request)?;
    let extras = Extras {
        async_mode: false,
        oss_resolve: request.uses_oss_urls(),
    };
    let url = format!("{}{PATH}", ctx.compatible_base);
    let mut built = dashscope_request(Method::POST, &url, ctx, Some(body), extras)?;
    if request.is_stream() {
        set_streaming(built.headers_mut(), false);
    }
    Ok(built)
}

/// Parses a non-streaming answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error in either envelope,
/// [`ResponseError::UnexpectedStatus`] for an error status without a known envelope,
/// [`ResponseError::Decode`] for a success body that is not a chat completion.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    if !response.status().is_success() {
        let (parts, body) = response.into_parts();
        return Err(sse::error_from_body(parts.status, &parts.headers, &body));
    }
    parse_json("chat_completions", response)
}

/// Parses one `data:` event of a stream.
///
/// # Errors
///
/// [`ResponseError::Api`] for an error object in the stream (`{"error": {…}}` or a native
/// `{code, message}`), [`ResponseError::Decode`] for data that is not a chunk.
pub fn parse_event(event: &SseEvent) -> Result<StreamItem, ResponseError> {
    if event.is_done() {
        return Ok(StreamItem::Done);
    }
    let status = event
        .reported_status()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let data = event.data.as_bytes();
    let is_error_object = serde_json::from_slice::<OpenAiErrorBody>(data).is_ok();
    if event.is_error() || is_error_object || !status.is_success() {
        return Err(parse_error(status, &http::HeaderMap::new(), data));
    }
    let mut response = http::Response::new(Bytes::copy_from_slice(data));
    *response.status_mut() = status;
    parse_json("chat_completions", response).map(|c| StreamItem::Chunk(Box::new(c)))
}
