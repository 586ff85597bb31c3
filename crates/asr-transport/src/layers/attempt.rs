//! One attempt's failure, and the per-attempt timeout.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tower::{BoxError, Service};

use super::{StackRequest, StackResponse};

/// How one attempt failed before a complete response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptErrorKind {
    /// The connection (TCP, proxy tunnel or TLS handshake) could not be set up, so the request
    /// never left the client.
    Connect,
    /// The TLS handshake failed (for example the server's certificate is not trusted); a
    /// resend would fail the same way.
    Tls,
    /// The request may have been sent but no complete response came back (the connection
    /// dropped, or the response head was malformed).
    Sent,
    /// The response head arrived but its body could not be read to the end.
    Body,
    /// The response body was larger than the configured limit.
    TooLarge,
    /// The attempt did not finish within the per-attempt timeout.
    Timeout,
}

/// The error one attempt produces inside the stack (boxed as a [`BoxError`]).
#[derive(Debug)]
pub struct AttemptError {
    /// What went wrong.
    pub kind: AttemptErrorKind,
    /// The per-attempt timeout, or the body limit, when relevant.
    pub limit: Option<u64>,
    /// The lower-level cause (a hyper or I/O error), boxed so hyper stays out of our API.
    pub source: Option<BoxError>,
}

impl AttemptError {
    /// A failure of the given kind caused by `source`.
    pub fn new(kind: AttemptErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            limit: None,
            source: Some(source.into()),
        }
    }

    /// A failure without a lower-level cause.
    pub fn bare(kind: AttemptErrorKind) -> Self {
        Self {
            kind,
            limit: None,
            source: None,
        }
    }
}

impl fmt::Display for AttemptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AttemptErrorKind::Connect => f.write_str("could not connect"),
            AttemptErrorKind::Tls => f.write_str("TLS handshake failed"),
            AttemptErrorKind::Sent => f.write_str("connection lost before a response arrived"),
            AttemptErrorKind::Body => {
                f.write_str("connection lost while reading the response body")
            }
            AttemptErrorKind::TooLarge => match self.limit {
                Some(limit) => write!(f, "response body larger than the {limit}-byte limit"),
                None => f.write_str("response body larger than the limit"),
            },
            AttemptErrorKind::Timeout => match self.limit {
                Some(ms) => write!(f, "attempt timed out after {ms} ms"),
                None => f.write_str("attempt timed out"),
            },
        }
    }
}

impl std::error::Error for AttemptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Fails an attempt that takes longer than a fixed duration with
/// [`AttemptErrorKind::Timeout`], so the retry policy can tell it from the total timeout.
#[derive(Debug, Clone)]
pub struct AttemptTimeout<S> {
    inner: S,
    timeout: Duration,
}

impl<S> AttemptTimeout<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, timeout: Duration) -> Self {
        Self { inner, timeout }
    }
}

impl<S> Service<StackRequest> for AttemptTimeout<S>
where
    S: Service<StackRequest, Response = StackResponse, Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = StackResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<StackResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: StackRequest) -> Self::Future {
        let timeout = self.timeout;
        let fut = self.inner.call(req);
        Box::pin(async move {
            match tokio::time::timeout(timeout, fut).await {
                Ok(result) => result,
                Err(_) => {
                    let mut err = AttemptError::bare(AttemptErrorKind::Timeout);
                    err.limit = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
                    Err(err.into())
                }
            }
        })
    }
}
