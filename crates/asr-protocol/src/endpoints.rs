//! One module per endpoint, each with a `build` and a `parse` function.
//!
//! `build(&Request, &RequestContext)` validates the request and returns the exact
//! [`http::Request`] to send; `parse(http::Response<Bytes>)` routes on the status first, then
//! decodes the body. The upload form ([`upload_file`]) is the one exception: its body is
//! streamed by the caller, so `build` returns the request head and the bytes around the file.

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, HeaderValue, Method};

use crate::context::RequestContext;
use crate::error::BuildError;

pub mod cancel_task;
pub mod chat_completions;
pub mod create_temporary_key;
pub mod create_vocabulary;
pub mod delete_vocabulary;
pub mod fetch_result;
pub mod get_task;
pub mod get_upload_policy;
pub mod get_vocabulary;
pub mod list_tasks;
pub mod list_vocabularies;
pub mod recognize_native;
pub mod submit_qwen_filetrans;
pub mod submit_transcription;
pub mod update_vocabulary;
pub mod upload_file;

/// `application/json`, sent as `Accept` everywhere and as `Content-Type` on JSON bodies.
pub const JSON: &str = "application/json";

/// Path of both submit endpoints, relative to the native base.
pub const TRANSCRIPTION_PATH: &str = "/services/audio/asr/transcription";

const X_DASHSCOPE_ASYNC: HeaderName = HeaderName::from_static("x-dashscope-async");
const X_DASHSCOPE_WORKSPACE: HeaderName = HeaderName::from_static("x-dashscope-workspace");
const X_DASHSCOPE_OSS_RESOLVE: HeaderName =
    HeaderName::from_static("x-dashscope-ossresourceresolve");
const ENABLE: HeaderValue = HeaderValue::from_static("enable");

/// What a DashScope request carries besides method and path.
#[derive(Default)]
pub(crate) struct Extras {
    /// `X-DashScope-Async: enable`: async submits, and task queries (protocol §11 item 1).
    pub(crate) async_mode: bool,
    /// `X-DashScope-OssResourceResolve: enable`.
    pub(crate) oss_resolve: bool,
}

/// Starts a DashScope request with the headers of protocol §1.2: `Authorization`, `Accept`,
/// `user-agent`, the workspace, and `Content-Type` when there is a body.
pub(crate) fn dashscope_request(
    method: Method,
    url: &str,
    ctx: &RequestContext,
    body: Option<Vec<u8>>,
    extras: Extras,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    let uri = parse_uri(url)?;
    let mut builder = http::Request::builder().method(method).uri(uri);
    let mut authorization = HeaderValue::try_from(format!("Bearer {}", ctx.api_key.expose()))
        .map_err(|_| BuildError::InvalidHeader {
            name: "authorization",
            hint: "API key",
        })?;
    // Keeps the key out of `Debug` output of the request and out of HTTP/2 header tables.
    authorization.set_sensitive(true);
    builder = builder
        .header(AUTHORIZATION, authorization)
        .header(ACCEPT, JSON)
        .header(USER_AGENT, user_agent(ctx)?);
    if body.is_some() {
        builder = builder.header(CONTENT_TYPE, JSON);
    }
    if extras.async_mode {
        builder = builder.header(X_DASHSCOPE_ASYNC, ENABLE);
    }
    if let Some(ws) = &ctx.workspace {
        let value = HeaderValue::try_from(ws.as_str()).map_err(|_| BuildError::InvalidHeader {
            name: "x-dashscope-workspace",
            hint: "workspace id",
        })?;
        builder = builder.header(X_DASHSCOPE_WORKSPACE, value);
    }
    if extras.oss_resolve {
        builder = builder.header(X_DASHSCOPE_OSS_RESOLVE, ENABLE);
    }
    Ok(builder.body(body.unwrap_or_default())?)
}

pub(crate) fn user_agent(ctx: &RequestContext) -> Result<HeaderValue, BuildError> {
    HeaderValue::try_from(ctx.user_agent.as_str()).map_err(|_| BuildError::InvalidHeader {
        name: "user-agent",
        hint: "user-agent suffix",
    })
}

pub(crate) fn parse_uri(url: &str) -> Result<http::Uri, BuildError> {
    url.parse().map_err(|source| BuildError::InvalidUri {
        uri: url.split('?').next().unwrap_or_default().to_owned(),
        source,
    })
}

/// Serializes a request body.
pub(crate) fn to_json<T: serde::Serialize>(
    what: &'static str,
    value: &T,
) -> Result<Vec<u8>, BuildError> {
    serde_json::to_vec(value).map_err(|source| BuildError::Encode { what, source })
}

/// Whether any input URL needs `X-DashScope-OssResourceResolve`.
pub(crate) fn is_oss_url(url: &str) -> bool {
    url.trim_start()
        .get(..6)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("oss://"))
}

/// Percent-encodes a path segment: everything but RFC 3986 `pchar` (unreserved, sub-delims,
/// `:` and `@`) is escaped, so a task id can never add a segment, a query or a fragment.
pub(crate) fn path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
