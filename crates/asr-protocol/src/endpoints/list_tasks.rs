//! `GET /tasks` — list async tasks of the account, one page at a time.
//!
//! Protocol §2.8; <https://help.aliyun.com/zh/model-studio/manage-asynchronous-tasks>.

use bytes::Bytes;
use http::Method;

use crate::context::RequestContext;
use crate::endpoints::{Extras, dashscope_request};
use crate::error::{BuildError, ResponseError, parse_json};

/// The request: filters and page. Unset filters are not sent; `page_no` and `page_size` are
/// always sent (default 1 and 10), as the official SDK does.
pub type Request = asr_types::ListTasksQuery;

/// The answer: a flat page (`total`, `total_page`, `page_no`, `page_size`, `data`).
pub type Response = asr_types::TaskListResponse;

/// Page number sent when the query has none.
pub const DEFAULT_PAGE_NO: u32 = 1;
/// Page size sent when the query has none.
pub const DEFAULT_PAGE_SIZE: u32 = 10;

/// Builds the list request with every set query parameter of §2.8 (`task_id`, `start_time`,
/// `end_time`, `model_name`, `status`, `page_no`, `page_size`, `api_key_id`, `region`).
///
/// # Errors
///
/// [`BuildError::InvalidInput`] for a time that is not `YYYYMMDDhhmmss`, an end before the
/// start, or a zero page number or size; [`BuildError::InvalidHeader`] or
/// [`BuildError::InvalidUri`] for an unusable context.
pub fn build(
    request: &Request,
    ctx: &RequestContext,
) -> Result<http::Request<Vec<u8>>, BuildError> {
    check_time("start_time", request.start_time.as_deref())?;
    check_time("end_time", request.end_time.as_deref())?;
    if let (Some(start), Some(end)) = (&request.start_time, &request.end_time) {
        // Same fixed width, so text order is time order.
        if end < start {
            return Err(BuildError::InvalidInput {
                field: "end_time",
                problem: format!("{end} is before start_time {start}; swap them"),
            });
        }
    }
    for (field, value) in [
        ("page_no", request.page_no),
        ("page_size", request.page_size),
    ] {
        if value == Some(0) {
            return Err(BuildError::InvalidInput {
                field,
                problem: "must be at least 1; pages are numbered from 1".to_owned(),
            });
        }
    }
    let mut query = request.clone();
    query.page_no = Some(request.page_no.unwrap_or(DEFAULT_PAGE_NO));
    query.page_size = Some(request.page_size.unwrap_or(DEFAULT_PAGE_SIZE));
    let mut encoder = form_urlencoded::Serializer::new(String::new());
    for (name, value) in query.to_pairs() {
        encoder.append_pair(name, &value);
    }
    let url = format!("{}?{}", ctx.native_url("/tasks"), encoder.finish());
    dashscope_request(Method::GET, &url, ctx, None, Extras::default())
}

fn check_time(field: &'static str, value: Option<&str>) -> Result<(), BuildError> {
    match value {
        Some(v) if v.len() != 14 || !v.bytes().all(|b| b.is_ascii_digit()) => {
            Err(BuildError::InvalidInput {
                field,
                problem: format!(
                    "`{v}` is not a time of the form YYYYMMDDhhmmss; write e.g. 20250213165508"
                ),
            })
        }
        _ => Ok(()),
    }
}

/// Parses a page.
///
/// # Errors
///
/// [`ResponseError::Api`] for a service error, [`ResponseError::UnexpectedStatus`] for an error
/// status without a known envelope, [`ResponseError::Decode`] for a success body that is not a
/// page.
pub fn parse(response: http::Response<Bytes>) -> Result<Response, ResponseError> {
    parse_json("list_tasks", response)
}
