//! `GET /tasks/{task_id}` — query an async task (status, per-file results, usage).
//!
//! Protocol §2.5, §4.3, §11 item 1; <https://help.aliyun.com/zh/model-studio/manage-asynchronous-tasks>.
//!
//! The query carries `X-DashScope-Async: enable`, as the API reference's example and the
//! official Node SDK send it; the Python SDK omits it, and the service accepts both.

use bytes::Bytes;
use http::Method;

use asr_types::TaskId;

use crate::context::RequestContext;
use crate::endpoints::{Extras, dashscope_request, path_segment};
use crate::error::{BuildError, ResponseError, parse_json};

/// The request: which task.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The task to query.
    pub task_id: TaskId,
}

impl Request {
    /// Queries `task_id`.
    pub fn new(task_id: impl Into<TaskId>) -> Self {
        Request {
            task_id: task_id.into(),
        }
    }
}

/// The answer. An unknown or expired id is *not* an HTTP error: it comes back as HTTP 200
/// with `task_status: UNKNOWN`.
pub type Response = asr_types::TaskResponse;

/// Builds the query.
///
/// # Errors
///
/// [`BuildError::InvalidInput`] for an empty task id; [`BuildError::InvalidHeader`] or
/// [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    let path = format!("/tasks/{}", task_segment(&request.task_id)?);
    let extras = Extras {
        async_mode: true,
        ..Extras::default()
    };
    dashscope_request(Method::GET, &ctx.native_url(&path), ctx, None, extras)
}

/// The task id as a path segment.
pub(crate) fn task_segment(task_id: &TaskId) -> Result<String, BuildError> {
    if task_id.as_str().trim().is_empty() {
        return Err(BuildError::InvalidInput {
            field: "task_id",
            problem: "the task id is empty; pass the `output.task_id` of the submit answer"
                .to_owned(),
        });
    }
    Ok(path_segment(task_id.as_str()))
}

/// Parses the query answer.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error, [`ResponseError::UnexpectedStatus`] for an error
/// status without a known envelope, [`ResponseError::Decode`] for a success body that is not a
/// task.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("get_task", response)
}
