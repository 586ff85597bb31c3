//! `POST /services/audio/asr/customization` (`action: list_vocabulary`) — list one page of the
//! account's vocabularies, optionally only those with a prefix.
//!
//! Protocol §6; <https://help.aliyun.com/zh/model-studio/vocabulary-http-api>.
//!
//! Pages count from 0. A page shorter than `page_size` is the last one; ask for
//! [`Request::next_page`](asr_types::ListVocabulariesRequest::next_page) until then.

use bytes::Bytes;

use crate::context::RequestContext;
use crate::endpoints::create_vocabulary::customization_request;
use crate::error::{BuildError, ResponseError, parse_json};
use crate::retry::Operation;

/// Listing changes nothing, so it may be resent freely.
pub const OPERATION: Operation = Operation::Idempotent;

/// The request: page, page size, optional prefix.
pub type Request = asr_types::ListVocabulariesRequest;

/// The answer: the vocabularies on this page, without their items.
pub type Response = asr_types::ListVocabulariesResponse;

/// Builds the list request.
///
/// # Errors
///
/// [`BuildError::Validation`] for a malformed prefix or a page size of 0;
/// [`BuildError::Encode`], [`BuildError::InvalidHeader`] or [`BuildError::InvalidUri`] for an
/// unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    customization_request("list_vocabulary request", request, ctx)
}

/// Parses the list answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error, [`ResponseError::UnexpectedStatus`] for an error
/// status without a known envelope, [`ResponseError::Decode`] for a success body that is not a
/// page.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("list_vocabularies", response)
}
