//! The status lifecycle: the phase of a task, its results computed once, query and cancel.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::results::{funasr_doc, qwen_doc};
use super::{FileResult, FileState, Finished, ResultDoc, Shape, Tasks};
use crate::clock;
use crate::config::AllFailedStatus;
use crate::reply::Reply;
use crate::request::RequestCtx;
use crate::rng::Rng;
use crate::transcript::{Transcript, transcribe};

impl Tasks {
    pub(super) fn finish(&mut self, id: &str, rng: &mut Rng, wall_ms: i64) {
        let Some(task) = self.tasks.get(id) else {
            return;
        };
        if task.finished.is_some() {
            return;
        }
        let task = task.clone();
        let mut results = Vec::new();
        let mut usage_secs = 0;
        let per_token = crate::sync::counts_tokens(&task.model);
        let mut tokens = (0, 0);
        for f in &task.files {
            match &f.state {
                FileState::Ready(src) => {
                    let tr = transcribe(src, &task.opts);
                    usage_secs += billed_secs(&tr, task.shape);
                    tokens.0 += tr.duration_secs()
                        * (tr.channels.len().max(1) as u64)
                        * crate::sync::AUDIO_TOKENS_PER_SECOND;
                    tokens.1 += crate::sync::token_estimate(&tr.text());
                    let doc = match task.shape {
                        Shape::FileUrls => funasr_doc(&f.url, &tr),
                        Shape::FileUrl => qwen_doc(&f.url, &tr, task.enable_words),
                    };
                    let doc_id = rng.uuid();
                    self.docs.insert(
                        doc_id.clone(),
                        ResultDoc {
                            body: Bytes::from(doc.to_string()),
                        },
                    );
                    results.push(FileResult::Ok { doc_id });
                }
                FileState::Failed(why) => {
                    let (code, message) = why.code_message(task.shape);
                    results.push(FileResult::Failed { code, message });
                }
                FileState::Fetching => results.push(FileResult::Failed {
                    code: "InvalidFile.DownloadFailed".to_owned(),
                    message: "The audio file cannot be downloaded.".to_owned(),
                }),
            }
        }
        let pt_ms = i64::try_from(self.settings.processing_time.as_millis()).unwrap_or(0);
        // The nominal end; a slow `--fetch` download ends later, at the moment it is noticed.
        let nominal = task.submit_ms + pt_ms;
        let end_ms = if task
            .files
            .iter()
            .all(|f| !matches!(f.state, FileState::Fetching))
        {
            nominal
        } else {
            wall_ms.max(nominal)
        };
        if let Some(t) = self.tasks.get_mut(id) {
            t.finished = Some(Finished {
                end_ms,
                results,
                usage_secs,
                usage_tokens: per_token.then_some(tokens),
            });
        }
    }

    /// `GET /tasks/{id}`.
    pub(crate) fn query(&mut self, ctx: RequestCtx<'_>, id: &str, rng: &mut Rng) -> Reply {
        let RequestCtx {
            now,
            wall_ms,
            request_id,
            ..
        } = ctx;
        let Some(task) = self.tasks.get(id) else {
            return Reply::ok(json!({
                "request_id": request_id,
                "output": {"task_id": id, "task_status": "UNKNOWN"},
            }));
        };
        let phase = self.phase(task, now);
        if phase == "DONE" {
            self.finish(id, rng, wall_ms);
        }
        let Some(task) = self.tasks.get(id).cloned() else {
            return Reply::error(500, request_id, "InternalError", "task vanished");
        };
        let pt_ms = i64::try_from(self.settings.processing_time.as_millis()).unwrap_or(0);
        let mut out = Map::new();
        out.insert("task_id".into(), json!(task.id));
        out.insert(
            "submit_time".into(),
            json!(clock::task_time(task.submit_ms)),
        );
        out.insert(
            "scheduled_time".into(),
            json!(clock::task_time(task.submit_ms + pt_ms / 3)),
        );
        let total = task.files.len();
        let mut body = Map::new();
        body.insert("request_id".into(), json!(request_id));
        match (phase, &task.finished) {
            ("DONE", Some(fin)) => {
                out.insert("end_time".into(), json!(clock::task_time(fin.end_ms)));
                let ok = fin
                    .results
                    .iter()
                    .filter(|r| matches!(r, FileResult::Ok { .. }))
                    .count();
                let all_failed = ok == 0;
                let status = match (task.shape, all_failed, self.settings.all_failed_status) {
                    (Shape::FileUrl, true, _)
                    | (Shape::FileUrls, true, AllFailedStatus::Failed) => "FAILED",
                    _ => "SUCCEEDED",
                };
                out.insert("task_status".into(), json!(status));
                if status == "FAILED"
                    && let Some(FileResult::Failed { code, message }) = fin.results.first()
                {
                    out.insert("code".into(), json!(code));
                    out.insert("message".into(), json!(message));
                }
                match task.shape {
                    Shape::FileUrls => {
                        let mut results = Vec::new();
                        for (f, r) in task.files.iter().zip(&fin.results) {
                            results.push(match r {
                                FileResult::Ok { doc_id } => json!({
                                    "file_url": f.url,
                                    "transcription_url": self.sign(doc_id, rng, ctx),
                                    "subtask_status": "SUCCEEDED",
                                }),
                                FileResult::Failed { code, message } => json!({
                                    "file_url": f.url,
                                    "code": code,
                                    "message": message,
                                    "subtask_status": "FAILED",
                                }),
                            });
                        }
                        out.insert("results".into(), Value::Array(results));
                        out.insert(
                            "task_metrics".into(),
                            json!({"TOTAL": total, "SUCCEEDED": ok, "FAILED": total - ok}),
                        );
                        let usage = match fin.usage_tokens {
                            // Billed per token: the tokens instead of speech seconds.
                            Some((input, output)) => {
                                json!({"input_tokens": input, "output_tokens": output})
                            }
                            None => json!({"duration": fin.usage_secs}),
                        };
                        body.insert("usage".into(), usage);
                    }
                    Shape::FileUrl => {
                        if let Some(FileResult::Ok { doc_id }) = fin.results.first() {
                            let url = self.sign(doc_id, rng, ctx);
                            out.insert("result".into(), json!({"transcription_url": url}));
                            body.insert("usage".into(), json!({"seconds": fin.usage_secs}));
                        }
                    }
                }
            }
            (phase, _) => {
                let status = if phase == "DONE" { "RUNNING" } else { phase };
                out.insert("task_status".into(), json!(status));
                if let (Some(ms), "CANCELED") = (task.canceled_ms, status) {
                    out.insert("end_time".into(), json!(clock::task_time(ms)));
                }
                out.insert(
                    "task_metrics".into(),
                    json!({"TOTAL": total, "SUCCEEDED": 0, "FAILED": 0}),
                );
            }
        }
        body.insert("output".into(), Value::Object(out));
        Reply::ok(Value::Object(body))
    }

    /// `POST /tasks/{id}/cancel`.
    pub(crate) fn cancel(&mut self, ctx: RequestCtx<'_>, id: &str) -> Reply {
        let RequestCtx {
            now,
            wall_ms,
            request_id,
            ..
        } = ctx;
        let pending = self
            .tasks
            .get(id)
            .is_some_and(|t| self.phase(t, now) == "PENDING");
        if !pending {
            return Reply::error(
                400,
                request_id,
                "UnsupportedOperation",
                "Failed to cancel the task, please confirm if the task is in PENDING status.",
            );
        }
        if let Some(t) = self.tasks.get_mut(id) {
            t.canceled_ms = Some(wall_ms);
        }
        Reply::ok(json!({"request_id": request_id}))
    }
}

fn billed_secs(tr: &Transcript, shape: Shape) -> u64 {
    match shape {
        // Fun-ASR bills detected speech per channel.
        Shape::FileUrls => tr
            .channels
            .iter()
            .map(|c| c.content_duration_ms().div_ceil(1000))
            .sum(),
        // Qwen filetrans bills audio seconds per channel.
        Shape::FileUrl => tr.duration_secs() * (tr.channels.len().max(1) as u64),
    }
}
