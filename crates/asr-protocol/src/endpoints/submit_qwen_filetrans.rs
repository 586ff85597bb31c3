//! `POST /services/audio/asr/transcription` (`file_url` shape) — submit an async
//! qwen3-asr-flash-filetrans task for one file.
//!
//! Protocol §4.3; <https://help.aliyun.com/zh/model-studio/qwen-asr-api-reference>.

use bytes::Bytes;
use http::Method;

use crate::context::RequestContext;
use crate::endpoints::{Extras, TRANSCRIPTION_PATH, dashscope_request, is_oss_url, to_json};
use crate::error::{BuildError, ResponseError, parse_json};

/// The request: model, one `file_url` and parameters.
pub type Request = asr_types::QwenFiletransRequest;

/// The answer: the new task's id and its status.
pub type Response = asr_types::SubmitResponse;

/// Builds the submit request (same endpoint and headers as
/// [`submit_transcription`](super::submit_transcription), different body).
///
/// # Errors
///
/// [`BuildError::Validation`] if the request breaks a documented rule; [`BuildError::Encode`],
/// [`BuildError::InvalidHeader`] or [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    let body = to_json("qwen filetrans request", request)?;
    let extras = Extras {
        async_mode: true,
        oss_resolve: is_oss_url(&request.input.file_url),
    };
    dashscope_request(
        Method::POST,
        &ctx.native_url(TRANSCRIPTION_PATH),
        ctx,
        Some(body),
        extras,
    )
}

/// Parses the submit answer.
///
/// # Errors
///
/// As [`submit_transcription::parse`](super::submit_transcription::parse).
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("submit_qwen_filetrans", response)
}
