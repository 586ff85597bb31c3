//! `POST /tasks/{task_id}/cancel` — cancel a task that is still `PENDING`.
//!
//! Protocol §2.8; <https://help.aliyun.com/zh/model-studio/manage-asynchronous-tasks>.

use bytes::Bytes;
use http::Method;

use asr_types::TaskId;

use crate::context::RequestContext;
use crate::endpoints::get_task::task_segment;
use crate::endpoints::{Extras, dashscope_request};
use crate::error::{BuildError, ResponseError, parse_json};

/// The request: which task.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request {
    /// The task to cancel.
    pub task_id: TaskId,
}

impl Request {
    /// Cancels `task_id`.
    pub fn new(task_id: impl Into<TaskId>) -> Self {
        Request {
            task_id: task_id.into(),
        }
    }
}

/// The answer: only a request id.
pub type Response = asr_types::CancelResponse;

/// Builds the cancel request (no body).
///
/// # Errors
///
/// [`BuildError::InvalidInput`] for an empty task id; [`BuildError::InvalidHeader`] or
/// [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    let path = format!("/tasks/{}/cancel", task_segment(&request.task_id)?);
    dashscope_request(
        Method::POST,
        &ctx.native_url(&path),
        ctx,
        None,
        Extras::default(),
    )
}

/// Parses the cancel answer.
///
/// # Errors
///
/// [`ResponseError::Api`] with code `UnsupportedOperation` when the task is no longer
/// `PENDING`; otherwise as [`get_task::parse`](super::get_task::parse).
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("cancel_task", response)
}
