//! The routing table: which fixed paths name which endpoint, whether an endpoint needs an API
//! key, and the handler that answers it. [`super::dispatch`] does what every endpoint shares
//! (authentication, the task-API quota) and then calls one row's handler.

use std::collections::BTreeMap;

use http::Method;
use serde_json::{Value, json};

use super::{
    FetchJob, Inner, Shared, UPLOAD_PATH, endpoint_error, header_is, parse_submit, sync_call,
};
use crate::faults::Endpoint;
use crate::reply::Reply;
use crate::request::RequestCtx;
use crate::transcript::SyncCtx;

/// The HTTP methods the routes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Get,
    Post,
}

impl Verb {
    fn is(self, method: &Method) -> bool {
        match self {
            Verb::Get => method == Method::GET,
            Verb::Post => method == Method::POST,
        }
    }
}

/// Endpoints addressed by a fixed path (the ones with an `{id}` are matched in
/// [`super::classify`]).
const FIXED_PATHS: &[(Verb, &str, Endpoint)] = &[
    (
        Verb::Post,
        "/api/v1/services/audio/asr/transcription",
        Endpoint::Submit,
    ),
    (Verb::Get, "/api/v1/tasks", Endpoint::ListTasks),
    (Verb::Get, "/api/v1/uploads", Endpoint::UploadPolicy),
    (Verb::Post, "/api/v1/tokens", Endpoint::Tokens),
    (Verb::Post, UPLOAD_PATH, Endpoint::Upload),
    (
        Verb::Post,
        "/api/v1/services/audio/asr/customization",
        Endpoint::Vocabulary,
    ),
    (
        Verb::Post,
        "/api/v1/services/aigc/multimodal-generation/generation",
        Endpoint::MultimodalGeneration,
    ),
    (
        Verb::Post,
        "/compatible-mode/v1/chat/completions",
        Endpoint::ChatCompletions,
    ),
];

/// The endpoint at a fixed `path` (already stripped of a trailing `/`) for `method`.
pub(super) fn fixed_path(method: &Method, path: &str) -> Option<Endpoint> {
    FIXED_PATHS
        .iter()
        .find(|(verb, p, _)| *p == path && verb.is(method))
        .map(|(_, _, endpoint)| *endpoint)
}

/// What a handler is given: the configuration, the locked state and the parsed request.
pub(super) struct Call<'a> {
    pub(super) shared: &'a Shared,
    pub(super) g: &'a mut Inner,
    pub(super) ctx: RequestCtx<'a>,
    pub(super) endpoint: Endpoint,
    /// The `{id}` path parameter, empty when the path has none.
    pub(super) id: &'a str,
    pub(super) parts: &'a http::request::Parts,
    pub(super) body: &'a [u8],
    pub(super) query: &'a BTreeMap<String, String>,
    /// Whether the caller presented a temporary `st-` key.
    pub(super) temporary: bool,
}

impl Call<'_> {
    /// The body as JSON, or the 400 the endpoint's clients expect.
    fn json_body(&self) -> Result<Value, Reply> {
        serde_json::from_slice(self.body).map_err(|e| {
            endpoint_error(
                self.endpoint,
                400,
                self.ctx.request_id,
                if self.endpoint.is_compatible_mode() {
                    "invalid_parameter_error"
                } else {
                    "InvalidParameter"
                },
                &format!("Required body invalid, please check the request body format: {e}"),
            )
        })
    }
}

/// The answer, and the `--fetch` downloads to start.
pub(super) type Answer = (Reply, Vec<FetchJob>);

/// One row of the routing table.
pub(super) struct Route {
    pub(super) endpoint: Endpoint,
    /// Whether the endpoint wants `Authorization: Bearer …`.
    pub(super) auth: bool,
    pub(super) handler: fn(Call<'_>) -> Answer,
}

/// Every endpoint, once.
pub(super) const ROUTES: &[Route] = &[
    Route {
        endpoint: Endpoint::Submit,
        auth: true,
        handler: submit,
    },
    Route {
        endpoint: Endpoint::GetTask,
        auth: true,
        handler: get_task,
    },
    Route {
        endpoint: Endpoint::CancelTask,
        auth: true,
        handler: cancel_task,
    },
    Route {
        endpoint: Endpoint::ListTasks,
        auth: true,
        handler: list_tasks,
    },
    Route {
        endpoint: Endpoint::UploadPolicy,
        auth: true,
        handler: upload_policy,
    },
    Route {
        endpoint: Endpoint::Result,
        auth: false,
        handler: result,
    },
    Route {
        endpoint: Endpoint::Vocabulary,
        auth: true,
        handler: vocabulary,
    },
    Route {
        endpoint: Endpoint::MultimodalGeneration,
        auth: true,
        handler: sync_endpoint,
    },
    Route {
        endpoint: Endpoint::ChatCompletions,
        auth: true,
        handler: sync_endpoint,
    },
    Route {
        endpoint: Endpoint::Tokens,
        auth: true,
        handler: tokens,
    },
    // The upload host streams its body (`super::upload`); it reaches the table only when a
    // fault already answered it, and then, like an unknown path, it is not found.
    Route {
        endpoint: Endpoint::Upload,
        auth: false,
        handler: not_found,
    },
    Route {
        endpoint: Endpoint::NotFound,
        auth: false,
        handler: not_found,
    },
];

/// The row for `endpoint`.
pub(super) fn route(endpoint: Endpoint) -> &'static Route {
    ROUTES
        .iter()
        .find(|r| r.endpoint == endpoint)
        .unwrap_or(&NOT_FOUND)
}

const NOT_FOUND: Route = Route {
    endpoint: Endpoint::NotFound,
    auth: false,
    handler: not_found,
};

fn submit(c: Call<'_>) -> Answer {
    let request_id = c.ctx.request_id;
    let v = match c.json_body() {
        Ok(v) => v,
        Err(r) => return (r, Vec::new()),
    };
    let headers = &c.parts.headers;
    if !header_is(headers, "x-dashscope-async", "enable") {
        let r = Reply::error(
            403,
            request_id,
            "AccessDenied",
            "current user api does not support synchronous calls",
        );
        return (r, Vec::new());
    }
    let oss = header_is(headers, "x-dashscope-ossresourceresolve", "enable");
    match parse_submit(&v, oss) {
        Err((status, code, message)) => {
            (Reply::error(status, request_id, code, &message), Vec::new())
        }
        Ok(spec) => {
            let Inner {
                tasks,
                uploads,
                ids,
                ..
            } = c.g;
            tasks.submit(c.ctx, spec, uploads, ids)
        }
    }
}

fn get_task(c: Call<'_>) -> Answer {
    let Inner { tasks, ids, .. } = c.g;
    (tasks.query(c.ctx, c.id, ids), Vec::new())
}

fn cancel_task(c: Call<'_>) -> Answer {
    (c.g.tasks.cancel(c.ctx, c.id), Vec::new())
}

fn list_tasks(c: Call<'_>) -> Answer {
    let Inner { tasks, ids, .. } = c.g;
    (tasks.list(c.ctx, c.query, ids), Vec::new())
}

fn upload_policy(c: Call<'_>) -> Answer {
    let request_id = c.ctx.request_id;
    if c.query.get("action").map(String::as_str) != Some("getPolicy") {
        let r = Reply::error(
            400,
            request_id,
            "InvalidParameter",
            "Required parameter(s) missing or invalid: action must be getPolicy.",
        );
        return (r, Vec::new());
    }
    if c.query.get("model").is_none_or(|m| m.trim().is_empty()) {
        let r = Reply::error(
            400,
            request_id,
            "InvalidParameter",
            "Required parameter(s) missing or invalid: model is required.",
        );
        return (r, Vec::new());
    }
    let Inner { uploads, ids, .. } = c.g;
    let data = uploads.issue_policy(
        ids,
        c.ctx.now,
        c.ctx.wall_ms,
        &format!("{}{UPLOAD_PATH}", c.shared.base_url),
        c.shared.config.upload_policy_ttl,
        c.shared.config.max_file_size_mb,
    );
    (
        Reply::ok(json!({"request_id": request_id, "data": data})),
        Vec::new(),
    )
}

fn result(c: Call<'_>) -> Answer {
    (c.g.tasks.result(c.ctx, c.id, c.query), Vec::new())
}

fn vocabulary(c: Call<'_>) -> Answer {
    match c.json_body() {
        Ok(v) => (
            c.g.vocabularies.handle(c.ctx.now, c.ctx.request_id, &v),
            Vec::new(),
        ),
        Err(r) => (r, Vec::new()),
    }
}

fn sync_endpoint(c: Call<'_>) -> Answer {
    let v = match c.json_body() {
        Ok(v) => v,
        Err(r) => return (r, Vec::new()),
    };
    let ctx = SyncCtx {
        request_id: c.ctx.request_id,
        uploads: &c.g.uploads,
    };
    (
        sync_call(c.endpoint, &ctx, &c.parts.headers, &v),
        Vec::new(),
    )
}

fn tokens(c: Call<'_>) -> Answer {
    let Inner { tokens, ids, .. } = c.g;
    let reply = tokens.mint(
        c.ctx,
        ids,
        c.query.get("expire_in_seconds").map(String::as_str),
        c.temporary,
    );
    (reply, Vec::new())
}

fn not_found(c: Call<'_>) -> Answer {
    (
        endpoint_error(
            Endpoint::NotFound,
            404,
            c.ctx.request_id,
            "NotFound",
            &format!(
                "No such endpoint: {} {}",
                c.parts.method,
                c.parts.uri.path()
            ),
        ),
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_has_one_route() {
        for endpoint in Endpoint::ALL {
            let rows = ROUTES.iter().filter(|r| r.endpoint == endpoint).count();
            assert_eq!(rows, 1, "{endpoint:?}");
        }
        assert_eq!(ROUTES.len(), Endpoint::ALL.len());
    }

    #[test]
    fn only_the_oss_hosts_and_unknown_paths_skip_authentication() {
        let open: Vec<Endpoint> = ROUTES
            .iter()
            .filter(|r| !r.auth)
            .map(|r| r.endpoint)
            .collect();
        assert_eq!(
            open,
            [Endpoint::Result, Endpoint::Upload, Endpoint::NotFound]
        );
    }
}
