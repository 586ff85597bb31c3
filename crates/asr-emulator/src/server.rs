//! The accept loop: one task per connection, HTTP/1 and HTTP/2 (hyper-util auto), graceful
//! shutdown.

use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::routes::{self, Shared};
use crate::tls::Acceptor;

/// How long shutdown waits for connections to finish their current request.
const GRACE: Duration = Duration::from_secs(5);

/// Serves until `stop` fires (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<Acceptor>,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                let watcher = graceful.watcher();
                match tls.clone() {
                    None => {
                        tokio::spawn(serve_conn(stream, shared, watcher));
                    }
                    Some(acceptor) => {
                        tokio::spawn(async move {
                            if let Ok(s) = acceptor.accept(stream).await {
                                serve_conn(s, shared, watcher).await;
                            }
                        });
                    }
                }
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE, graceful.shutdown()).await;
}

async fn serve_conn<S>(io: S, shared: Arc<Shared>, watcher: hyper_util::server::graceful::Watcher)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| routes::handle(Arc::clone(&shared), req));
    let builder = auto::Builder::new(TokioExecutor::new());
    let conn = builder.serve_connection(TokioIo::new(io), service);
    // Errors here are client disconnects and emulated drops: nothing to report.
    let _ = watcher.watch(conn.into_owned()).await;
}
