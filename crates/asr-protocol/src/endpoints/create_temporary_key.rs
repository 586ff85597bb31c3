//! `POST /tokens?expire_in_seconds=N` — mint a temporary API key (`st-…`).
//!
//! Protocol §11 item 3; <https://www.alibabacloud.com/help/en/model-studio/generate-temporary-api-key>.
//!
//! The key inherits the permissions of the key that asks for it, lives 1 to 1800 seconds
//! (default 60) and cannot be revoked; a temporary key cannot mint another. The request has no
//! body; the answer is flat: `{"token": "st-…", "expires_at": <epoch seconds>}`.
//!
//! ```
//! use asr_protocol::endpoints::create_temporary_key;
//! use asr_protocol::{ApiKey, RequestContext};
//! use asr_types::Region;
//!
//! let ctx = RequestContext::for_region(Region::CnBeijing, ApiKey::new("sk-0123456789"));
//! let request = create_temporary_key::build(&create_temporary_key::Request::new(600), &ctx)?;
//! assert_eq!(request.method(), http::Method::POST);
//! assert!(request.uri().to_string().ends_with("/api/v1/tokens?expire_in_seconds=600"));
//! assert!(request.body().is_empty());
//! # Ok::<(), asr_protocol::BuildError>(())
//! ```

use bytes::Bytes;
use http::Method;

use crate::auth::ApiKey;
use crate::context::RequestContext;
use crate::endpoints::{Extras, dashscope_request};
use crate::error::{BuildError, ResponseError, parse_json};

/// Path of the endpoint, relative to the native base.
pub const PATH: &str = "/tokens";

/// The request: the key's lifetime (see [`asr_types::CreateTemporaryKeyRequest`]).
pub type Request = asr_types::CreateTemporaryKeyRequest;

/// The answer: the key and when it expires.
pub type Response = asr_types::TemporaryKey;

/// Builds the request; without a lifetime the query is left out and the service's default
/// (60 s) applies.
///
/// # Errors
///
/// [`BuildError::Validation`] for a lifetime outside 1 to 1800 seconds (nothing is built);
/// [`BuildError::InvalidInput`] when the context's key is itself a temporary key (`st-…`),
/// which the service would refuse; [`BuildError::InvalidHeader`] or [`BuildError::InvalidUri`]
/// for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    request.validate()?;
    if is_temporary(&ctx.api_key) {
        return Err(BuildError::InvalidInput {
            field: "api_key",
            problem: "a temporary key (`st-…`) cannot mint another; ask with the long-lived \
                      `sk-…` key that the temporary keys are meant to protect"
                .to_owned(),
        });
    }
    let url = match request.expire_in_seconds {
        Some(seconds) => format!("{}?expire_in_seconds={seconds}", ctx.native_url(PATH)),
        None => ctx.native_url(PATH),
    };
    dashscope_request(Method::POST, &url, ctx, None, Extras::default())
}

/// Parses the answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for the service's refusal (e.g. `InvalidApiKey`, or a temporary key
/// asking for another); [`ResponseError::UnexpectedStatus`] for an error status without a known
/// envelope; [`ResponseError::Decode`] for a success body without `token` and `expires_at`.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("create_temporary_key", response)
}

/// Whether `key` is a temporary key (`st-…`, protocol §11 item 3).
pub fn is_temporary(key: &ApiKey) -> bool {
    key.expose().trim_start().starts_with("st-")
}

impl From<asr_types::TemporaryToken> for ApiKey {
    /// A temporary key is used exactly like the key that minted it.
    fn from(token: asr_types::TemporaryToken) -> Self {
        ApiKey::new(token.into_secret())
    }
}
