//! The request log behind `GET /__emulator/requests`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::faults::Endpoint;

/// Largest request body copied into the log as JSON.
const MAX_LOGGED_JSON: usize = 64 * 1024;

/// One received request.
#[derive(Debug, Clone)]
pub(crate) struct LogEntry {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    /// Lower-cased names; `authorization` redacted.
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) endpoint: Endpoint,
    /// `None` when the connection was closed without an answer.
    pub(crate) status: Option<u16>,
    pub(crate) body_size: u64,
    pub(crate) body: Option<Value>,
    pub(crate) fault: Option<&'static str>,
    pub(crate) request_id: String,
}

impl LogEntry {
    fn refused(&self) -> bool {
        self.endpoint.is_task_api() && self.status == Some(429) && self.fault.is_none()
    }
}

/// Copies headers for the log, hiding credentials.
pub(crate) fn loggable_headers(headers: &http::HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let value = if name == "authorization" {
                // Keep the scheme so a test can tell "Bearer" was sent, never the key.
                let scheme = v
                    .to_str()
                    .ok()
                    .and_then(|s| s.split_whitespace().next())
                    .unwrap_or("");
                format!("{scheme} ****").trim_start().to_owned()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect()
}

/// The body as JSON, when it is small JSON.
pub(crate) fn loggable_body(bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() || bytes.len() > MAX_LOGGED_JSON {
        return None;
    }
    serde_json::from_slice(bytes).ok()
}

/// Every request received since start or the last reset.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: Vec<LogEntry>,
}

impl RequestLog {
    pub(crate) fn push(&mut self, e: LogEntry) {
        self.entries.push(e);
    }

    /// Requests per endpoint, and those refused by the task-API limit: a 429 on a task
    /// query, list or cancel without an injected fault (nothing else answers 429 there).
    fn counts(&self) -> (BTreeMap<&'static str, u64>, BTreeMap<&'static str, u64>) {
        let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut refused: BTreeMap<&'static str, u64> = BTreeMap::new();
        for e in &self.entries {
            *counts.entry(e.endpoint.name()).or_default() += 1;
            if e.refused() {
                *refused.entry(e.endpoint.name()).or_default() += 1;
            }
        }
        (counts, refused)
    }

    /// Task-API requests refused by the limit.
    pub(crate) fn refused_total(&self) -> u64 {
        self.entries.iter().filter(|e| e.refused()).count() as u64
    }

    /// `{"total": n, "counts": {...}, "refused": {...}, "refused_total": n}`, without the
    /// requests themselves (cheap for a log of tens of thousands).
    pub(crate) fn stats(&self) -> Value {
        let (counts, refused) = self.counts();
        json!({
            "total": self.entries.len(),
            "counts": counts,
            "refused": refused,
            "refused_total": refused.values().sum::<u64>(),
        })
    }

    /// `{"requests": [...], "counts": {"submit": n, ...}, "refused": {...}}`; `endpoint`
    /// filters the list.
    pub(crate) fn to_json(&self, endpoint: Option<Endpoint>) -> Value {
        let (counts, refused) = self.counts();
        let requests: Vec<Value> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| endpoint.is_none_or(|want| e.endpoint == want))
            .map(|(seq, e)| {
                json!({
                    "seq": seq,
                    "method": e.method,
                    "path": e.path,
                    "query": e.query,
                    "headers": e.headers,
                    "endpoint": e.endpoint.name(),
                    "status": e.status,
                    "body_size": e.body_size,
                    "body": e.body,
                    "fault": e.fault,
                    "request_id": e.request_id,
                })
            })
            .collect();
        json!({"requests": requests, "counts": counts, "refused": refused})
    }
}

#[cfg(test)]
mod tests;
