//! `POST /services/audio/asr/customization` (`action: query_vocabulary`) — read one
//! vocabulary: status, target model and items.
//!
//! Protocol §6; <https://help.aliyun.com/zh/model-studio/vocabulary-http-api>.
//!
//! A new or updated vocabulary is `UNDEPLOYED` for a while; query it until its status is `OK`
//! ([`VocabularyDetails::is_ready`](asr_types::VocabularyDetails::is_ready)) before a
//! transcription uses it.

use bytes::Bytes;

use crate::context::RequestContext;
use crate::endpoints::create_vocabulary::customization_request;
use crate::error::{BuildError, ResponseError, parse_json};
use crate::retry::Operation;

/// Reading changes nothing, so it may be resent freely.
pub const OPERATION: Operation = Operation::Idempotent;

/// The request: which vocabulary.
pub type Request = asr_types::QueryVocabularyRequest;

/// The answer: the whole vocabulary.
pub type Response = asr_types::QueryVocabularyResponse;

/// Builds the query request.
///
/// # Errors
///
/// [`BuildError::Validation`] for an empty or malformed id; [`BuildError::Encode`],
/// [`BuildError::InvalidHeader`] or [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    customization_request("query_vocabulary request", request, ctx)
}

/// Parses the query answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error — an unknown id is
/// [`ResponseError::is_unknown_vocabulary`]; [`ResponseError::UnexpectedStatus`] for an error
/// status without a known envelope; [`ResponseError::Decode`] for a success body that is not a
/// vocabulary.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("get_vocabulary", response)
}
