//! A push decoder for server-sent events, for both framings the service uses.
//!
//! - DashScope native (protocol §1.5): `id:`, `event:result|error`, a `:HTTP_STATUS/<code>`
//!   comment, an optional `status:<code>` line and one `data:` line per event.
//! - OpenAI-compatible (§4.2, §5): `data: <json>` events ending with `data: [DONE]`.
//!
//! Lines end in CRLF, LF or CR; a leading BOM is dropped; several `data:` lines join with `\n`.
//! The decoder never allocates past [`SseDecoder::max_event_bytes`] for one event: a larger
//! event is an [`SseError::EventTooLarge`], not unbounded memory.
//!
//! | method | role |
//! |---|---|
//! | [`SseDecoder::push`] | hand in the next bytes, split anywhere |
//! | [`SseDecoder::next_event`] | take the next complete event, `None` when more bytes are needed |
//! | [`SseDecoder::finish`] | at end of body: the last event if it lacked its blank line |
//!
//! Call `push` for every body chunk, then `next_event` until it returns `None`; at the end of
//! the body call `finish`. Events come out the same however the bytes were split.

use std::collections::VecDeque;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::error::{ResponseError, parse_error};

/// The default [`SseDecoder::max_event_bytes`]: 4 MiB, far above a 5-minute sentence with
/// word timestamps.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One dispatched event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SseEvent {
    /// `id:` (native: a sequence number).
    pub id: Option<String>,
    /// `event:` (`result`, `error`, `done`); `None` for OpenAI-style events.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The status of a native `:HTTP_STATUS/<code>` comment.
    pub http_status: Option<u16>,
    /// A native `status:<code>` line.
    pub status: Option<u16>,
    /// `retry:` in ms.
    pub retry: Option<u64>,
}

impl SseEvent {
    /// The OpenAI end marker `data: [DONE]`.
    pub fn is_done(&self) -> bool {
        self.data.trim() == "[DONE]"
    }

    /// A native `event:error`.
    pub fn is_error(&self) -> bool {
        self.event.as_deref() == Some("error")
    }

    /// The status this event reports: `status:`, else `:HTTP_STATUS/`, else none.
    pub fn reported_status(&self) -> Option<u16> {
        self.status.or(self.http_status)
    }
}

/// The stream cannot be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// One event (or one line) grew past the limit; the decoder stops.
    #[error(
        "a server-sent event exceeds {limit} bytes without ending; the stream is not the expected \
         event stream, or raise the limit with SseDecoder::with_max_event_bytes"
    )]
    EventTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// Push decoder: bytes in, [`SseEvent`]s out. See the module docs for the calling order.
#[derive(Clone, Debug)]
pub struct SseDecoder {
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed as complete lines.
    pos: usize,
    /// Where to resume looking for a line end within `buf`.
    scan: usize,
    /// The previous line ended in CR, so an LF at the start of the next bytes belongs to it.
    after_cr: bool,
    bom_checked: bool,
    pending: SseEvent,
    pending_data: bool,
    pending_fields: bool,
    pending_bytes: usize,
    max_event_bytes: usize,
    failed: bool,
    ready: VecDeque<SseEvent>,
}

impl Default for SseDecoder {
    fn default() -> Self {
        SseDecoder::new()
    }
}

impl SseDecoder {
    /// A decoder with [`DEFAULT_MAX_EVENT_BYTES`].
    pub fn new() -> Self {
        SseDecoder {
            buf: Vec::new(),
            pos: 0,
            scan: 0,
            after_cr: false,
            bom_checked: false,
            pending: SseEvent::default(),
            pending_data: false,
            pending_fields: false,
            pending_bytes: 0,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            failed: false,
            ready: VecDeque::new(),
        }
    }

    /// Sets the most bytes one event (all its lines) may take.
    pub fn with_max_event_bytes(mut self, limit: usize) -> Self {
        self.max_event_bytes = limit.max(1);
        self
    }

    /// The most bytes one event may take.
    pub fn max_event_bytes(&self) -> usize {
        self.max_event_bytes
    }

    /// Hands in the next bytes of the body. Ignored after an error.
    pub fn push(&mut self, bytes: &[u8]) {
        if !self.failed {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The next complete event, `None` if more bytes are needed (or after an error).
    ///
    /// # Errors
    ///
    /// [`SseError::EventTooLarge`] once; the decoder then yields `None` forever.
    pub fn next_event(&mut self) -> Option<Result<SseEvent, SseError>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(Ok(event));
            }
            if self.failed {
                return None;
            }
            match self.next_line() {
                Ok(Some((start, end))) => self.handle_line(start, end),
                Ok(None) => return None,
                Err(e) => {
                    self.failed = true;
                    self.buf = Vec::new();
                    return Some(Err(e));
                }
            }
        }
    }

    /// Ends the body: a last line without its line end is taken as complete, and an event
    /// whose blank line never came is dispatched if it has data. Events already complete are
    /// still returned by [`SseDecoder::next_event`] first.
    pub fn finish(&mut self) -> Option<Result<SseEvent, SseError>> {
        if let Some(event) = self.next_event() {
            return Some(event);
        }
        if self.failed {
            return None;
        }
        if self.pos < self.buf.len() {
            let (start, end) = (self.pos, self.buf.len());
            self.pos = end;
            self.scan = end;
            self.handle_line(start, end);
        }
        self.dispatch();
        self.ready.pop_front().map(Ok)
    }

    /// Finds the next complete line in `buf`; returns its byte range without the line end.
    fn next_line(&mut self) -> Result<Option<(usize, usize)>, SseError> {
        if !self.bom_checked {
            let have = &self.buf[self.pos..];
            if have.len() < BOM.len() && BOM.starts_with(have) {
                return Ok(None);
            }
            if have.starts_with(BOM) {
                self.pos += BOM.len();
            }
            self.bom_checked = true;
            self.scan = self.scan.max(self.pos);
        }
        if self.after_cr && self.pos < self.buf.len() {
            if self.buf[self.pos] == b'\n' {
                self.pos += 1;
            }
            self.after_cr = false;
            self.scan = self.scan.max(self.pos);
        }
        let found = self.buf[self.scan..]
            .iter()
            .position(|&b| b == b'\n' || b == b'\r');
        match found {
            Some(offset) => {
                let start = self.pos;
                let end = self.scan + offset;
                let mut next = end + 1;
                if self.buf[end] == b'\r' {
                    if next < self.buf.len() {
                        if self.buf[next] == b'\n' {
                            next += 1;
                        }
                    } else {
                        self.after_cr = true;
                    }
                }
                self.pos = next;
                self.scan = next;
                self.pending_bytes += end - start;
                if self.pending_bytes > self.max_event_bytes {
                    return Err(SseError::EventTooLarge {
                        limit: self.max_event_bytes,
                    });
                }
                Ok(Some((start, end)))
            }
            None => {
                self.scan = self.buf.len();
                if self.pending_bytes + (self.buf.len() - self.pos) > self.max_event_bytes {
                    return Err(SseError::EventTooLarge {
                        limit: self.max_event_bytes,
                    });
                }
                self.compact();
                Ok(None)
            }
        }
    }

    /// Drops consumed bytes so the buffer holds at most the unfinished line.
    fn compact(&mut self) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.scan -= self.pos;
            self.pos = 0;
        }
    }

    fn handle_line(&mut self, start: usize, end: usize) {
        if start == end {
            self.dispatch();
            return;
        }
        // Copy the line out so `self` can be updated; lines are short next to the event limit.
        let line = String::from_utf8_lossy(&self.buf[start..end]).into_owned();
        if let Some(comment) = line.strip_prefix(':') {
            if let Some(code) = comment.trim().strip_prefix("HTTP_STATUS/") {
                self.pending.http_status = code.trim().parse().ok();
                self.pending_fields = true;
            }
            return;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        match name {
            "data" => {
                if self.pending_data {
                    self.pending.data.push('\n');
                }
                self.pending.data.push_str(value);
                self.pending_data = true;
            }
            "event" => {
                self.pending.event = Some(value.to_owned());
                self.pending_fields = true;
            }
            // The spec ignores ids containing NUL.
            "id" if !value.contains('\0') => {
                self.pending.id = Some(value.to_owned());
            }
            "retry" => {
                if let Ok(ms) = value.trim().parse() {
                    self.pending.retry = Some(ms);
                }
            }
            "status" => {
                self.pending.status = value.trim().parse().ok();
                self.pending_fields = true;
            }
            _ => {}
        }
    }

    /// Emits the pending event if it carries data or a native event/status; comment-only
    /// blocks (keep-alives) emit nothing.
    fn dispatch(&mut self) {
        let event = std::mem::take(&mut self.pending);
        let emit = self.pending_data || (self.pending_fields && event.event.is_some());
        self.pending_data = false;
        self.pending_fields = false;
        self.pending_bytes = 0;
        if emit {
            self.ready.push_back(event);
        }
    }
}

/// Decodes a whole body at once: every event, in order.
///
/// # Errors
///
/// [`SseError::EventTooLarge`] if an event exceeds [`DEFAULT_MAX_EVENT_BYTES`].
pub fn decode_all(body: &[u8]) -> Result<Vec<SseEvent>, SseError> {
    let mut decoder = SseDecoder::new();
    decoder.push(body);
    let mut events = Vec::new();
    while let Some(event) = decoder.finish() {
        events.push(event?);
    }
    Ok(events)
}

/// Whether a response's `content-type` is `text/event-stream`.
pub fn is_event_stream(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/event-stream"))
        })
}

/// Reads the error of a non-2xx answer whose body may be an event stream.
///
/// A `text/event-stream` body yields its first `data:` payload, read as a native or
/// OpenAI-compatible error envelope (as the official SDK does); any other body goes to
/// [`parse_error`].
pub fn error_from_body(status: StatusCode, headers: &HeaderMap, body: &Bytes) -> ResponseError {
    if is_event_stream(headers)
        && let Ok(events) = decode_all(body)
        && let Some(first) = events.into_iter().find(|e| !e.data.is_empty())
    {
        return parse_error(status, headers, first.data.as_bytes());
    }
    parse_error(status, headers, body)
}

#[cfg(test)]
mod tests;
