//! The per-account limit of the task API: task queries, lists and cancels share 20 requests
//! per second per account on the service (protocol §2.5, §2.8). Off unless configured.
//!
//! Each API key is one account here. The window slides: a request is refused when the key
//! already had the limit's number of *admitted* requests in the window before it (refusals do
//! not count, so a client that backs off is served again as soon as the window allows).
//! Whether the service counts refused requests is not documented.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// At most `max_requests` task-API requests per API key in any window of `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskQueryLimit {
    /// Requests admitted per window.
    pub max_requests: u32,
    /// The sliding window.
    pub window: Duration,
}

impl TaskQueryLimit {
    /// `max_requests` in any `window`.
    pub fn new(max_requests: u32, window: Duration) -> Self {
        TaskQueryLimit {
            max_requests,
            window,
        }
    }
}

/// The admitted requests of each key within the window.
#[derive(Debug, Default)]
pub(crate) struct TaskQuota {
    limit: Option<TaskQueryLimit>,
    admitted: BTreeMap<String, VecDeque<Instant>>,
}

impl TaskQuota {
    pub(crate) fn new(limit: Option<TaskQueryLimit>) -> Self {
        TaskQuota {
            limit,
            admitted: BTreeMap::new(),
        }
    }

    /// Whether a request of `key` arriving at `now` is admitted; an admitted one is counted.
    pub(crate) fn admit(&mut self, key: &str, now: Instant) -> bool {
        let Some(limit) = self.limit else {
            return true;
        };
        let times = self.admitted.entry(key.to_owned()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.window)
        {
            times.pop_front();
        }
        if times.len() >= limit.max_requests as usize {
            return false;
        }
        times.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests;
