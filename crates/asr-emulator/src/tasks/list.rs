//! `GET /tasks?…`: the task list, filtered and paged (protocol §2.8).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{FileResult, Shape, Tasks};
use crate::clock;
use crate::config::AllFailedStatus;
use crate::reply::Reply;
use crate::request::RequestCtx;
use crate::rng::Rng;

impl Tasks {
    /// `GET /tasks?…` (flat response, protocol §2.8).
    pub(crate) fn list(
        &mut self,
        ctx: RequestCtx<'_>,
        query: &BTreeMap<String, String>,
        rng: &mut Rng,
    ) -> Reply {
        let RequestCtx {
            now,
            wall_ms,
            request_id,
            ..
        } = ctx;
        let param = |k: &str| query.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let int = |k: &str, default: u64| -> Result<u64, String> {
            match param(k) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("{k} must be a positive integer, got `{v}`")),
            }
        };
        let time = |k: &str| -> Result<Option<i64>, String> {
            param(k)
                .map(|v| {
                    clock::parse_compact(v)
                        .ok_or_else(|| format!("{k} must be formatted YYYYMMDDhhmmss, got `{v}`"))
                })
                .transpose()
        };
        let parsed = (|| -> Result<_, String> {
            let page_no = int("page_no", 1)?;
            let page_size = int("page_size", 10)?;
            if page_size > 100 {
                return Err(format!("page_size must be at most 100, got {page_size}"));
            }
            let day = 24 * 3600 * 1000;
            let (start, end) = match (time("start_time")?, time("end_time")?) {
                (Some(s), Some(e)) => (s, e),
                (Some(s), None) => (s, s + day),
                (None, Some(e)) => (e - day, e),
                (None, None) => (wall_ms - day, wall_ms),
            };
            if end < start || end - start > day {
                return Err(
                    "the time window from start_time to end_time must be 0 to 24 hours".to_owned(),
                );
            }
            Ok((page_no, page_size, start, end))
        })();
        let (page_no, page_size, start, end) = match parsed {
            Ok(p) => p,
            Err(msg) => return Reply::error(400, request_id, "InvalidParameter", &msg),
        };
        let ids: Vec<String> = self.order.iter().rev().cloned().collect();
        let mut items = Vec::new();
        for id in ids {
            let Some(task) = self.tasks.get(&id) else {
                continue;
            };
            let phase = self.phase(task, now);
            if phase == "DONE" {
                self.finish(&id, rng, wall_ms);
            }
            let Some(task) = self.tasks.get(&id) else {
                continue;
            };
            let status = match (phase, &task.finished) {
                ("DONE", Some(fin)) => {
                    let ok = fin
                        .results
                        .iter()
                        .any(|r| matches!(r, FileResult::Ok { .. }));
                    let failed = !ok
                        && (task.shape == Shape::FileUrl
                            || self.settings.all_failed_status == AllFailedStatus::Failed);
                    if failed { "FAILED" } else { "SUCCEEDED" }
                }
                ("DONE", None) => "RUNNING",
                (p, _) => p,
            };
            if task.submit_ms < start || task.submit_ms > end {
                continue;
            }
            if param("task_id").is_some_and(|t| t != task.id)
                || param("model_name").is_some_and(|m| m != task.model)
                || param("status").is_some_and(|s| !s.eq_ignore_ascii_case(status))
                || param("api_key_id").is_some_and(|k| k != task.api_key_id)
            {
                continue;
            }
            let pt_ms = i64::try_from(self.settings.processing_time.as_millis()).unwrap_or(0);
            let mut item = json!({
                "api_key_id": task.api_key_id,
                "caller_parent_id": "1000000000000000",
                "caller_uid": "1000000000000000",
                "gmt_create": task.submit_ms,
                "model_name": task.model,
                "region": "cn-beijing",
                "request_id": task.request_id,
                "start_time": task.submit_ms + pt_ms / 3,
                "status": status,
                "task_id": task.id,
                "user_api_unique_key": format!("apikey:v1:audio:asr:transcription:{}", task.model),
            });
            let end_ms = task
                .canceled_ms
                .or_else(|| task.finished.as_ref().map(|f| f.end_ms));
            if let (Some(ms), Some(obj)) = (end_ms, item.as_object_mut()) {
                obj.insert("end_time".into(), json!(ms));
            }
            items.push(item);
        }
        let total = items.len() as u64;
        let total_page = total.div_ceil(page_size);
        let skip = usize::try_from((page_no - 1).saturating_mul(page_size)).unwrap_or(usize::MAX);
        let take = usize::try_from(page_size).unwrap_or(usize::MAX);
        let data: Vec<Value> = items.into_iter().skip(skip).take(take).collect();
        Reply::ok(json!({
            "request_id": request_id,
            "total": total,
            "total_page": total_page,
            "page_no": page_no,
            "page_size": page_size,
            "data": data,
        }))
    }
}
