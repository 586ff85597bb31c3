//! `POST /services/audio/asr/customization` (`action: create_vocabulary`) — create a hot-word
//! vocabulary for one ASR model.
//!
//! Protocol §6; <https://help.aliyun.com/zh/model-studio/vocabulary-http-api>.
//!
//! The five vocabulary actions share this path; the helpers they share live here too:
//! [`CUSTOMIZATION_PATH`], and the [`ResponseError`] methods that recognise the two
//! vocabulary-specific errors ([`ResponseError::is_quota_exhausted`],
//! [`ResponseError::is_unknown_vocabulary`], [`ResponseError::vocabulary_hint`]).

use bytes::Bytes;
use http::Method;
use serde::Serialize;

use crate::context::RequestContext;
use crate::endpoints::{Extras, dashscope_request, to_json};
use crate::error::{BuildError, ErrorCode, ResponseError, parse_json};
use crate::retry::Operation;

/// Path of every vocabulary action, relative to the native base.
pub const CUSTOMIZATION_PATH: &str = "/services/audio/asr/customization";

/// Error code of a full vocabulary quota (10 per account unless raised) on these endpoints.
pub const QUOTA_EXHAUSTED_CODE: &str = "Throttling.AllocationQuota";

/// Error code of an unknown vocabulary id.
pub const UNKNOWN_VOCABULARY_CODE: &str = "BadRequest.ResourceNotExist";

/// A create is not idempotent: a resent create may make a second vocabulary and use up one more
/// of the account's ten, so it is resent only when the service cannot have received it.
pub const OPERATION: Operation = Operation::Submit;

/// The request: target model, prefix and items.
pub type Request = asr_types::CreateVocabularyRequest;

/// The answer: the new vocabulary's id (usually `UNDEPLOYED` for a while).
pub type Response = asr_types::CreateVocabularyResponse;

/// Builds the create request.
///
/// # Errors
///
/// [`BuildError::Validation`] if the request breaks a documented rule (checked first, nothing
/// is encoded; item errors name `input.vocabulary[<index>]`); [`BuildError::Encode`],
/// [`BuildError::InvalidHeader`] or [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    customization_request("create_vocabulary request", request, ctx)
}

/// Parses the create answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error — [`ResponseError::is_quota_exhausted`] tells the
/// full-quota case apart; [`ResponseError::UnexpectedStatus`] for an error status without a
/// known envelope; [`ResponseError::Decode`] for a success body without a `vocabulary_id`.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("create_vocabulary", response)
}

/// A `POST` of `body` to [`CUSTOMIZATION_PATH`] with the JSON headers of protocol §1.2.
pub(crate) fn customization_request<T: Serialize>(
    what: &'static str,
    body: &T,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    let body = to_json(what, body)?;
    dashscope_request(
        Method::POST,
        &ctx.native_url(CUSTOMIZATION_PATH),
        ctx,
        Some(body),
        Extras::default(),
    )
}

impl ResponseError {
    /// Whether the service refused because the account's vocabulary quota is used up
    /// (`Throttling.AllocationQuota`: 10 vocabularies per account unless raised).
    ///
    /// Waiting does not help, so it is never retried (see [`crate::retry::classify`]); the user
    /// has to delete a vocabulary they no longer need or ask Alibaba Cloud for a larger quota.
    /// On other endpoints the same code means some other allocated quota is used up.
    pub fn is_quota_exhausted(&self) -> bool {
        self.error_code() == Some(ErrorCode::AllocationQuota)
    }

    /// Whether the service does not know the vocabulary id (`BadRequest.ResourceNotExist`):
    /// deleted, mistyped, or created with another account or in another region.
    pub fn is_unknown_vocabulary(&self) -> bool {
        self.error_code() == Some(ErrorCode::ResourceNotExist)
    }

    /// What the user can do about a vocabulary error, as a sentence for a CLI; `None` for
    /// errors without vocabulary-specific advice.
    pub fn vocabulary_hint(&self) -> Option<&'static str> {
        if self.is_quota_exhausted() {
            Some(
                "the account already has as many vocabularies as its quota allows (10 unless \
                 raised); delete one you no longer need (list them first) or ask Alibaba Cloud \
                 for a larger quota",
            )
        } else if self.is_unknown_vocabulary() {
            Some(
                "no vocabulary has this id for this account and region; it may have been deleted \
                 or mistyped, so list the vocabularies to find the right id",
            )
        } else {
            None
        }
    }
}
