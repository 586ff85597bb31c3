//! A tracing span per attempt: method, path, attempt, status and request id — never headers,
//! query strings (signed URLs carry credentials) or bodies.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tower::{BoxError, Service};
use tracing::Instrument;

use super::{Attempt, StackRequest, StackResponse};

/// The tracing layer's service.
#[derive(Debug, Clone)]
pub struct Trace<S> {
    inner: S,
}

impl<S> Trace<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S> Service<StackRequest> for Trace<S>
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
        let attempt = req.extensions().get::<Attempt>().map_or(1, |a| a.0);
        let span = tracing::debug_span!(
            "dashscope.request",
            method = %req.method(),
            path = %req.uri().path(),
            attempt,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let fut = self.inner.call(req);
        let recorder = span.clone();
        Box::pin(
            async move {
                let result = fut.await;
                match &result {
                    Ok(resp) => {
                        recorder.record("status", resp.status().as_u16());
                        if let Some(id) = resp
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                        {
                            recorder.record("request_id", id);
                        }
                        tracing::debug!("response");
                    }
                    Err(err) => tracing::debug!(error = %err, "attempt failed"),
                }
                result
            }
            .instrument(span),
        )
    }
}
