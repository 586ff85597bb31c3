//! `POST /services/audio/asr/customization` (`action: update_vocabulary`) — replace every item
//! of a vocabulary.
//!
//! Protocol §6; <https://help.aliyun.com/zh/model-studio/vocabulary-http-api>.
//!
//! The body does not name the target model, so `build` checks `lang` codes only for their
//! form; run [`asr_types::vocabulary::check_items`] with the model from `query_vocabulary` for
//! the model-specific check.

use bytes::Bytes;

use crate::context::RequestContext;
use crate::endpoints::create_vocabulary::customization_request;
use crate::error::{BuildError, ResponseError, parse_json};
use crate::retry::Operation;

/// An update replaces the whole list, so sending it twice leaves the same list.
pub const OPERATION: Operation = Operation::Idempotent;

/// The request: which vocabulary and its new items.
pub type Request = asr_types::UpdateVocabularyRequest;

/// The answer: an empty `output`.
pub type Response = asr_types::UpdateVocabularyResponse;

/// Builds the update request.
///
/// # Errors
///
/// [`BuildError::Validation`] for an empty id or a bad item list (errors name
/// `input.vocabulary[<index>]`); [`BuildError::Encode`], [`BuildError::InvalidHeader`] or
/// [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    customization_request("update_vocabulary request", request, ctx)
}

/// Parses the update answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error — an unknown id is
/// [`ResponseError::is_unknown_vocabulary`]; [`ResponseError::UnexpectedStatus`] for an error
/// status without a known envelope; [`ResponseError::Decode`] for a success body without
/// `output`.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("update_vocabulary", response)
}
