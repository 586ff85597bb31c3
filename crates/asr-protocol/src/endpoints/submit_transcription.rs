//! `POST /services/audio/asr/transcription` (`file_urls` shape) — submit an async
//! transcription task for Fun-ASR, Paraformer or Qwen-Audio filetrans models.
//!
//! Protocol §2.2; <https://help.aliyun.com/zh/model-studio/fun-asr-recorded-speech-recognition-restful-api>.

use bytes::Bytes;
use http::Method;

use crate::context::RequestContext;
use crate::endpoints::{Extras, TRANSCRIPTION_PATH, dashscope_request, is_oss_url, to_json};
use crate::error::{BuildError, ResponseError, parse_json};

/// The request: model, `file_urls` and parameters.
pub type Request = asr_types::TranscriptionRequest;

/// The answer: the new task's id and its status (normally `PENDING`).
pub type Response = asr_types::SubmitResponse;

/// Builds the submit request.
///
/// The body keys come in the order the official SDK sends (`model, parameters, [resources],
/// input`); `X-DashScope-Async: enable` is always set, and `X-DashScope-OssResourceResolve:
/// enable` whenever an input URL is `oss://`.
///
/// # Errors
///
/// [`BuildError::Validation`] if the request breaks a documented rule (checked first, nothing
/// is encoded); [`BuildError::Encode`], [`BuildError::InvalidHeader`] or
/// [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    let body = to_json("transcription request", request)?;
    let extras = Extras {
        async_mode: true,
        oss_resolve: request.input.file_urls.iter().any(|u| is_oss_url(u)),
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
/// [`ResponseError::Api`] for a service error (including HTTP 200 with a top-level `code`),
/// [`ResponseError::UnexpectedStatus`] for an error status without a known envelope,
/// [`ResponseError::Decode`] for a success body that is not a submit answer.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("submit_transcription", response)
}
