//! `POST /services/audio/asr/customization` (`action: delete_vocabulary`) — delete a
//! vocabulary, freeing one of the account's vocabulary slots.
//!
//! Protocol §6; <https://help.aliyun.com/zh/model-studio/vocabulary-http-api>.

use bytes::Bytes;

use crate::context::RequestContext;
use crate::endpoints::create_vocabulary::customization_request;
use crate::error::{BuildError, ResponseError, parse_json};
use crate::retry::Operation;

/// Deleting twice leaves the same state; the second answer is an unknown-id error
/// ([`ResponseError::is_unknown_vocabulary`]), which a retrying caller may take as done.
pub const OPERATION: Operation = Operation::Idempotent;

/// The request: which vocabulary.
pub type Request = asr_types::DeleteVocabularyRequest;

/// The answer: an empty `output`.
pub type Response = asr_types::DeleteVocabularyResponse;

/// Builds the delete request.
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
    customization_request("delete_vocabulary request", request, ctx)
}

/// Parses the delete answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error — an unknown id is
/// [`ResponseError::is_unknown_vocabulary`]; [`ResponseError::UnexpectedStatus`] for an error
/// status without a known envelope; [`ResponseError::Decode`] for a success body without
/// `output`.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("delete_vocabulary", response)
}
