//! `GET {transcription_url}` — download a result document from its signed OSS URL.
//!
//! Protocol §2.7, §4.3. The URL is signed, so no DashScope headers are sent: in particular no
//! `Authorization`, which would hand the API key to the storage host.

use bytes::Bytes;
use http::Method;
use http::header::{ACCEPT, USER_AGENT};

use crate::context::RequestContext;
use crate::endpoints::{JSON, parse_uri, user_agent};
use crate::error::{BuildError, ResponseError, parse_json};

/// The request: the signed URL from `output.results[].transcription_url` or
/// `output.result.transcription_url`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The absolute, signed `http(s)` URL (valid for 24 hours).
    pub url: String,
}

impl Request {
    /// Downloads `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Request { url: url.into() }
    }
}

// The signature in the query string is a bearer credential for the document; keep it out of
// logs.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let base = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("Request")
            .field("url", &format_args!("{base}?…"))
            .finish()
    }
}

/// The answer: either result shape (Fun-ASR/Paraformer `properties`, or Qwen `audio_info`).
pub type Response = asr_types::ResultDocument;

/// Builds the download: `GET`, `Accept: application/json`, `user-agent`, nothing else.
///
/// # Errors
///
/// [`BuildError::InvalidInput`] unless the URL is an absolute `http`/`https` URL;
/// [`BuildError::InvalidUri`] if it does not parse.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    let uri = parse_uri(request.url.trim())?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err(BuildError::InvalidInput {
            field: "transcription_url",
            problem: "not an absolute http(s) URL; pass the `transcription_url` of a finished task"
                .to_owned(),
        });
    }
    Ok(http::Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(ACCEPT, JSON)
        .header(USER_AGENT, user_agent(ctx)?)
        .body(Vec::new())?)
}

/// Parses a result document.
///
/// # Errors
///
/// [`ResponseError::Api`] or [`ResponseError::UnexpectedStatus`] for an error status (an
/// expired URL answers 403 from OSS, usually with an XML body kept as the snippet);
/// [`ResponseError::Decode`] for a body that is neither result shape.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("fetch_result", response)
}
