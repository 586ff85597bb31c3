//! `GET /uploads?action=getPolicy&model={model}` — get a short-lived credential for uploading
//! a local file to the temporary OSS bucket.
//!
//! Protocol §7 step 1; <https://help.aliyun.com/zh/model-studio/get-temporary-file-url>.

use bytes::Bytes;
use http::Method;

use asr_types::Model;

use crate::context::RequestContext;
use crate::endpoints::{Extras, dashscope_request};
use crate::error::{BuildError, ResponseError, parse_json};

/// The request: the model that will consume the file (uploads are bound to it).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The model that will transcribe the uploaded file.
    pub model: Model,
}

impl Request {
    /// A policy for files that `model` will read.
    pub fn new(model: impl Into<Model>) -> Self {
        Request {
            model: model.into(),
        }
    }
}

/// The answer: the policy (`data`) to feed to [`upload_file`](super::upload_file).
pub type Response = asr_types::UploadPolicyResponse;

/// Builds the policy request.
///
/// # Errors
///
/// [`BuildError::InvalidInput`] for an empty model; [`BuildError::InvalidHeader`] or
/// [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    if request.model.as_str().trim().is_empty() {
        return Err(BuildError::InvalidInput {
            field: "model",
            problem: "the model is empty; pass the model that will transcribe the file".to_owned(),
        });
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("action", "getPolicy")
        .append_pair("model", request.model.as_str())
        .finish();
    let url = format!("{}?{query}", ctx.native_url("/uploads"));
    dashscope_request(Method::GET, &url, ctx, None, Extras::default())
}

/// Parses the policy answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error (e.g. `Throttling.RateQuota`, 100 QPS per model),
/// [`ResponseError::UnexpectedStatus`] for an error status without a known envelope,
/// [`ResponseError::Decode`] for a success body that is not a policy.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("get_upload_policy", response)
}
