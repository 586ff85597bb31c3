//! The connector under hyper: TCP (with connect timeout), an optional HTTP proxy honouring a
//! no-proxy list, then TLS.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower::{BoxError, Service};

/// A proxy setting: the proxy URL and the hosts that bypass it.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub(crate) url: String,
    pub(crate) no_proxy: String,
}

// The URL may carry `user:password@`; Debug shows the host only.
impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self
            .url
            .parse::<Uri>()
            .ok()
            .and_then(|u| {
                u.authority()
                    .map(|a| a.as_str().rsplit('@').next().unwrap_or_default().to_owned())
            })
            .unwrap_or_else(|| "(invalid)".to_owned());
        f.debug_struct("Proxy")
            .field("host", &host)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl Proxy {
    /// Sends every request through the HTTP proxy at `url` (`http://host:port`, optionally
    /// with `user:password@`): HTTPS through a `CONNECT` tunnel, plain HTTP in absolute form.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            no_proxy: String::new(),
        }
    }

    /// Hosts that bypass the proxy, in the `NO_PROXY` format: comma-separated domain names
    /// (matching subdomains too), IP addresses or CIDR ranges, or `*`.
    #[must_use]
    pub fn with_no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = list.into();
        self
    }
}

/// The stream a [`ProxyConnector`] yields: a TCP stream, marked as proxied when it goes to a
/// plain-HTTP proxy (so hyper sends absolute-form request targets).
pub(crate) struct ProxyStream {
    inner: TokioIo<TcpStream>,
    proxied: bool,
}

impl Connection for ProxyStream {
    fn connected(&self) -> Connected {
        self.inner.connected().proxy(self.proxied)
    }
}

impl Read for ProxyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl Write for ProxyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
}

/// Connects directly, or through the configured proxy unless the host is in the no-proxy list.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    pub(crate) fn new(connect_timeout: Duration, proxy: Option<&Proxy>) -> Self {
        let mut http = HttpConnector::new();
        // TLS is layered on top by hyper-rustls, so the TCP connector must accept https URIs.
        http.enforce_http(false);
        http.set_connect_timeout(Some(connect_timeout));
        http.set_nodelay(true);
        let matcher = proxy.map(|p| {
            Arc::new(
                Matcher::builder()
                    .all(p.url.clone())
                    .no(p.no_proxy.clone())
                    .build(),
            )
        });
        Self { http, matcher }
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = ProxyStream;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<ProxyStream, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut http = self.http.clone();
        let intercept = self.matcher.as_ref().and_then(|m| m.intercept(&dst));
        Box::pin(async move {
            let Some(intercept) = intercept else {
                let inner = http.call(dst).await?;
                return Ok(ProxyStream {
                    inner,
                    proxied: false,
                });
            };
            if dst.scheme() == Some(&http::uri::Scheme::HTTPS) {
                let mut tunnel = Tunnel::new(intercept.uri().clone(), http);
                if let Some(auth) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                let inner = tunnel.call(dst).await?;
                Ok(ProxyStream {
                    inner,
                    proxied: false,
                })
            } else {
                let inner = http.call(intercept.uri().clone()).await?;
                Ok(ProxyStream {
                    inner,
                    proxied: true,
                })
            }
        })
    }
}
