//! The innermost service: hyper-util's pooled client, with the response body collected under
//! a size limit.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use tower::{BoxError, Service};

use crate::connect::ProxyConnector;
use crate::layers::{AttemptError, AttemptErrorKind, StackRequest, StackResponse};

/// The request body type handed to hyper: a buffered body for API calls, a streaming one for
/// uploads.
pub(crate) type Body = UnsyncBoxBody<Bytes, BoxError>;
pub(crate) type Hyper = HyperClient<HttpsConnector<ProxyConnector>, Body>;

/// The largest response body a request accepts, as a request extension; without one the
/// client's default applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyLimit(pub(crate) usize);

#[derive(Clone)]
pub(crate) struct HttpService {
    pub(crate) client: Hyper,
    pub(crate) default_limit: usize,
}

impl Service<StackRequest> for HttpService {
    type Response = StackResponse;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<StackResponse, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // The pooled client is always ready; it queues internally.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: StackRequest) -> Self::Future {
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(self.default_limit, |l| l.0);
        let req = req.map(|b| Full::new(b).map_err(|never| match never {}).boxed_unsync());
        let fut = send(self.client.clone(), req, limit);
        Box::pin(fut)
    }
}

/// Sends one request and collects its response body (at most `limit` bytes).
pub(crate) async fn send(
    client: Hyper,
    req: http::Request<Body>,
    limit: usize,
) -> Result<StackResponse, BoxError> {
    let resp = client.request(req).await.map_err(map_hyper_error)?;
    let (parts, body) = resp.into_parts();
    let collected = Limited::new(body, limit).collect().await.map_err(|e| {
        if e.downcast_ref::<http_body_util::LengthLimitError>()
            .is_some()
        {
            let mut err = AttemptError::bare(AttemptErrorKind::TooLarge);
            err.limit = Some(limit as u64);
            err
        } else {
            AttemptError::new(AttemptErrorKind::Body, e)
        }
    })?;
    Ok(http::Response::from_parts(parts, collected.to_bytes()))
}

pub(crate) fn map_hyper_error(err: hyper_util::client::legacy::Error) -> AttemptError {
    let kind = if err.is_connect() {
        if caused_by_tls(&err) {
            AttemptErrorKind::Tls
        } else {
            AttemptErrorKind::Connect
        }
    } else {
        AttemptErrorKind::Sent
    };
    AttemptError::new(kind, err)
}

// A certificate problem surfaces as a connect error whose chain holds a `rustls::Error`, often
// wrapped in one or more `io::Error`s; retrying it would only fail again.
fn caused_by_tls(err: &(dyn StdError + 'static)) -> bool {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = cur {
        if e.is::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the wrapped error itself, so step into it explicitly.
        cur = match e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    false
}
