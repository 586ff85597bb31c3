//! Drives one recognition: sends it, reads the answer (whole or as a stream) and feeds the
//! protocol's accumulator.
//!
//! Calling order: [`Driver::next`] until it returns `None`; the first call sends the request.
//! Events settled before an error are handed out before the error, and nothing after it.

use std::time::Duration;

use asr_protocol::endpoints::{chat_completions, recognize_native};
use asr_protocol::recognition::{Accumulator, RecognitionEvent, RecognizedSentence, Usage};
use asr_protocol::retry::{Operation, Outcome, may_resend};
use asr_protocol::sse::{self, SseDecoder, SseError, SseEvent};
use asr_protocol::{ResponseError, Retryability};
use asr_types::{RecognitionResponse, RequestId};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use tracing::Instrument;

use super::RecognizeRequest;
use crate::client::{Client, SendOptions};
use crate::error::Error;
use crate::layers::{AttemptError, AttemptErrorKind, Backoff};

/// What the driver is doing.
enum State {
    /// Nothing sent yet.
    Start,
    /// Reading an event stream (boxed: the body and decoder dwarf the other states).
    Streaming(Box<Reading>),
    /// The answer is complete, or failed.
    Finished,
}

/// An event stream being read.
struct Reading {
    body: Incoming,
    decoder: SseDecoder,
}

/// How the request was answered.
enum Opened {
    /// A `text/event-stream` body, to be read as it arrives.
    Stream(Incoming),
    /// A whole answer, already fed to the accumulator.
    Whole,
}

/// One recognition in progress.
pub(super) struct Driver {
    client: Client,
    request: RecognizeRequest,
    acc: Accumulator,
    state: State,
    /// An error waiting until the events settled before it have been handed out.
    error: Option<Error>,
    request_id: Option<RequestId>,
    host: String,
}

impl Driver {
    pub(super) fn new(client: Client, request: RecognizeRequest) -> Self {
        let acc = request.accumulator();
        Self {
            client,
            request,
            acc,
            state: State::Start,
            error: None,
            request_id: None,
            host: String::new(),
        }
    }

    /// The sentences settled so far.
    pub(super) fn sentences(&self) -> &[RecognizedSentence] {
        self.acc.sentences()
    }

    /// The last usage seen.
    pub(super) fn usage(&self) -> Option<&Usage> {
        self.acc.usage()
    }

    /// The request id, from the answers or the `x-request-id` header.
    pub(super) fn request_id(&self) -> Option<&RequestId> {
        self.request_id.as_ref()
    }

    /// The next event, or the error that ended the recognition; `None` once it is over.
    pub(super) async fn next(&mut self) -> Option<Result<RecognitionEvent, Error>> {
        loop {
            if let Some(event) = self.acc.poll_event() {
                return Some(Ok(event));
            }
            if let Some(err) = self.error.take() {
                self.state = State::Finished;
                return Some(Err(err));
            }
            match std::mem::replace(&mut self.state, State::Finished) {
                State::Finished => return None,
                State::Start => match self.open().await {
                    Ok(Opened::Stream(body)) => {
                        self.state = State::Streaming(Box::new(Reading {
                            body,
                            decoder: SseDecoder::new(),
                        }));
                    }
                    Ok(Opened::Whole) => {}
                    Err(e) => self.error = Some(e),
                },
                State::Streaming(mut reading) => {
                    if self.read(&mut reading).await {
                        self.state = State::Streaming(reading);
                    }
                }
            }
        }
    }

    /// Reads the next frame of the stream and feeds what it completes; `false` once the
    /// stream is over (ended, `[DONE]`, or failed).
    async fn read(&mut self, reading: &mut Reading) -> bool {
        let Reading { body, decoder } = reading;
        let idle = self.client.config().attempt_timeout;
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => {
                self.error = Some(Error::Timeout {
                    what: "stream (no event within the attempt timeout)",
                    after: idle,
                });
                return false;
            }
            Ok(frame) => frame,
        };
        match frame {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    decoder.push(data);
                }
                while let Some(event) = decoder.next_event() {
                    if !self.handle_event(event) {
                        return false;
                    }
                }
                true
            }
            Some(Err(e)) => {
                self.error = Some(Error::Network {
                    host: self.host.clone(),
                    source: Box::new(e),
                });
                false
            }
            None => {
                while let Some(event) = decoder.finish() {
                    if !self.handle_event(event) {
                        return false;
                    }
                }
                self.acc.handle_end();
                false
            }
        }
    }

    /// Feeds one decoded event; `false` when it ended the stream.
    fn handle_event(&mut self, event: Result<SseEvent, SseError>) -> bool {
        let event = match event {
            Ok(event) => event,
            Err(e) => {
                self.error = Some(Error::Response(ResponseError::UnexpectedStatus {
                    status: http::StatusCode::OK,
                    snippet: e.to_string(),
                    request_id: self.request_id.clone(),
                    retryability: Retryability::No,
                }));
                return false;
            }
        };
        match &self.request {
            RecognizeRequest::Native(_) => match recognize_native::parse_event(&event) {
                Ok(Some(answer)) => {
                    self.feed_native(&answer);
                    true
                }
                Ok(None) => true,
                Err(e) => {
                    self.error = Some(Error::Response(e));
                    false
                }
            },
            RecognizeRequest::Compatible(_) => match chat_completions::parse_event(&event) {
                Ok(chat_completions::StreamItem::Chunk(chunk)) => {
                    self.acc.handle_chunk(&chunk);
                    true
                }
                Ok(_) => {
                    self.acc.handle_end();
                    false
                }
                Err(e) => {
                    self.error = Some(Error::Response(e));
                    false
                }
            },
        }
    }

    fn feed_native(&mut self, answer: &RecognitionResponse) {
        if self.request_id.is_none() {
            self.request_id.clone_from(&answer.request_id);
        }
        self.acc.handle_native(answer);
    }

    /// Sends the request: through the stack when not streaming, straight to the connection
    /// pool when streaming.
    async fn open(&mut self) -> Result<Opened, Error> {
        let built = self.request.build(self.client.context())?;
        self.host = built.uri().host().unwrap_or_default().to_owned();
        if !self.request.is_stream() {
            let resp = self.client.send(built, SendOptions::SUBMIT).await?;
            self.note_request_id(resp.headers());
            self.feed_whole(resp)?;
            return Ok(Opened::Whole);
        }
        let span = tracing::debug_span!(
            "dashscope.recognize_stream",
            path = %built.uri().path(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        self.open_stream(built).instrument(span).await
    }

    /// Sends a streaming request, resending it only while nothing can have been billed: after
    /// a connect failure or a 429/503 refusal, never once an answer has begun.
    async fn open_stream(&mut self, built: http::Request<Vec<u8>>) -> Result<Opened, Error> {
        let config = self.client.config();
        let (max_retries, attempt_timeout, max_retry_after, limit) = (
            config.max_retries,
            config.attempt_timeout,
            config.max_retry_after,
            config.max_response_bytes,
        );
        let backoff =
            Backoff::new(config.initial_backoff, config.max_backoff).with_jitter(config.jitter);
        let (parts, body) = built.into_parts();
        let body = Bytes::from(body);
        let mut retries = 0u32;
        loop {
            tracing::Span::current().record("attempt", retries + 1);
            let mut req = http::Request::new(
                Full::new(body.clone())
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            );
            *req.method_mut() = parts.method.clone();
            *req.uri_mut() = parts.uri.clone();
            *req.headers_mut() = parts.headers.clone();
            let sent =
                tokio::time::timeout(attempt_timeout, self.client.hyper().request(req)).await;
            let resp = match sent {
                Err(_) => {
                    return Err(Error::Timeout {
                        what: "attempt",
                        after: attempt_timeout,
                    });
                }
                Ok(Err(e)) => {
                    let attempt = crate::send::map_hyper_error(e);
                    let verdict = (attempt.kind == AttemptErrorKind::Connect)
                        .then(|| may_resend(Operation::Submit, Outcome::ConnectFailed));
                    if let Some(delay) =
                        retry_delay(verdict, retries, max_retries, max_retry_after, &backoff)
                    {
                        tracing::debug!(?delay, "connect failed; retrying the stream");
                        tokio::time::sleep(delay).await;
                        retries += 1;
                        continue;
                    }
                    return Err(Error::from_attempt(attempt, &self.host));
                }
                Ok(Ok(resp)) => resp,
            };
            let status = resp.status();
            tracing::Span::current().record("status", status.as_u16());
            self.note_request_id(resp.headers());
            if status.is_success() && sse::is_event_stream(resp.headers()) {
                return Ok(Opened::Stream(resp.into_body()));
            }
            let (parts_in, body_in) = resp.into_parts();
            let bytes = collect(body_in, limit, &self.host).await?;
            let whole = http::Response::from_parts(parts_in, bytes);
            if status.is_success() {
                // A server that answers a stream request with plain JSON: read it whole.
                self.feed_whole(whole)?;
                return Ok(Opened::Whole);
            }
            let err = sse::error_from_body(status, whole.headers(), whole.body());
            let verdict = may_resend(
                Operation::Submit,
                Outcome::Response {
                    status,
                    code: err.code(),
                    headers: whole.headers(),
                },
            );
            if let Some(delay) = retry_delay(
                Some(verdict),
                retries,
                max_retries,
                max_retry_after,
                &backoff,
            ) {
                tracing::debug!(?delay, %status, "stream refused; retrying");
                tokio::time::sleep(delay).await;
                retries += 1;
                continue;
            }
            return Err(Error::Response(err));
        }
    }

    /// Parses a whole (non-streaming) answer and feeds it, ending the recognition.
    fn feed_whole(&mut self, resp: http::Response<Bytes>) -> Result<(), Error> {
        match &self.request {
            RecognizeRequest::Native(_) => {
                let answer = recognize_native::parse(resp)?;
                self.feed_native(&answer);
                self.acc.handle_end();
            }
            RecognizeRequest::Compatible(_) => {
                let completion = chat_completions::parse(resp)?;
                if self.request_id.is_none() {
                    self.request_id.clone_from(&completion.request_id);
                }
                self.acc.handle_completion(&completion);
            }
        }
        Ok(())
    }

    fn note_request_id(&mut self, headers: &http::HeaderMap) {
        if self.request_id.is_none() {
            self.request_id = headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(RequestId::from);
        }
    }
}

/// Collects a body that is not a stream (an error, or a plain JSON answer), size-limited.
async fn collect(body: Incoming, limit: usize, host: &str) -> Result<Bytes, Error> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(Error::BodyTooLarge {
            limit: limit as u64,
        }),
        Err(e) => Err(Error::from_attempt(
            AttemptError::new(AttemptErrorKind::Body, e),
            host,
        )),
    }
}

/// How long to wait before resending, if at all.
fn retry_delay(
    verdict: Option<Retryability>,
    retries: u32,
    max_retries: u32,
    max_retry_after: Duration,
    backoff: &Backoff,
) -> Option<Duration> {
    if retries >= max_retries {
        return None;
    }
    match verdict? {
        Retryability::After(d) => Some(d.min(max_retry_after)),
        Retryability::Backoff => Some(backoff.delay(retries)),
        _ => None,
    }
}
