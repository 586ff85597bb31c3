//! The response body type: whole, streamed frame by frame, or cut short on purpose.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

/// A response body fed through a channel; an `Err` item aborts the connection mid-body.
#[derive(Debug)]
pub(crate) struct EmuBody {
    rx: Option<mpsc::Receiver<Result<Bytes, io::Error>>>,
    whole: Option<Bytes>,
    size: Option<u64>,
}

impl EmuBody {
    /// A complete body.
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        let bytes = bytes.into();
        EmuBody {
            size: Some(bytes.len() as u64),
            whole: Some(bytes),
            rx: None,
        }
    }

    /// A body sent as `chunks`, pausing `interval` between them; with `cut_after = Some(n)`,
    /// the connection is aborted after `n` chunks. `size` is announced as the exact length.
    pub(crate) fn chunks(
        chunks: Vec<Bytes>,
        interval: Duration,
        cut_after: Option<usize>,
        size: Option<u64>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(4);
        tokio::spawn(async move {
            for (i, chunk) in chunks.into_iter().enumerate() {
                if cut_after == Some(i) {
                    break;
                }
                if i > 0 && !interval.is_zero() {
                    tokio::time::sleep(interval).await;
                }
                if tx.send(Ok(chunk)).await.is_err() {
                    return;
                }
            }
            if cut_after.is_some() {
                let cut = io::Error::new(io::ErrorKind::ConnectionAborted, "emulated truncation");
                let _ = tx.send(Err(cut)).await;
            }
        });
        EmuBody {
            rx: Some(rx),
            whole: None,
            size,
        }
    }
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(bytes) = self.whole.take() {
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
        match self.rx.as_mut() {
            None => Poll::Ready(None),
            Some(rx) => rx
                .poll_recv(cx)
                .map(|item| item.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.whole.is_none() && self.rx.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.size {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}
