//! The streaming upload body: form head, the file in fixed-size chunks, form tail.
//!
//! Memory stays constant whatever the file size: at most one chunk is held at a time, and the
//! exact length is known up front (`Content-Length`), so a 2 GB file is never read whole.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};

/// Bytes read from the file per frame.
pub(crate) const CHUNK: usize = 64 * 1024;

/// Byte progress of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Bytes of the request body handed to the connection so far (form fields included).
    pub sent: u64,
    /// Total bytes of the request body.
    pub total: u64,
}

/// A callback receiving [`UploadProgress`] as an upload proceeds.
pub type ProgressFn = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// The multipart body of one upload.
pub(crate) struct UploadBody<R> {
    head: Option<Bytes>,
    file: R,
    remaining: u64,
    tail: Option<Bytes>,
    sent: u64,
    total: u64,
    progress: Option<ProgressFn>,
    buf: Box<[u8]>,
}

impl<R> fmt::Debug for UploadBody<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadBody")
            .field("sent", &self.sent)
            .field("total", &self.total)
            .finish()
    }
}

/// The file ended before the length announced in `Content-Length` (it shrank while uploading).
#[derive(Debug, thiserror::Error)]
#[error("the file ended {missing} bytes early; was it modified during the upload?")]
pub(crate) struct FileShrank {
    missing: u64,
}

impl<R: AsyncRead + Unpin> UploadBody<R> {
    /// `file` must yield exactly `file_len` bytes.
    pub(crate) fn new(
        head: Bytes,
        file: R,
        file_len: u64,
        tail: Bytes,
        progress: Option<ProgressFn>,
    ) -> Self {
        let total = head.len() as u64 + file_len + tail.len() as u64;
        Self {
            head: Some(head),
            file,
            remaining: file_len,
            tail: Some(tail),
            sent: 0,
            total,
            progress,
            buf: vec![0; CHUNK].into_boxed_slice(),
        }
    }

    fn emit(&mut self, chunk: Bytes) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.sent += chunk.len() as u64;
        if let Some(progress) = &self.progress {
            progress(UploadProgress {
                sent: self.sent,
                total: self.total,
            });
        }
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }
}

impl<R: AsyncRead + Unpin> Body for UploadBody<R> {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = &mut *self;
        if let Some(head) = this.head.take() {
            return this.emit(head);
        }
        if this.remaining > 0 {
            let want = usize::try_from(this.remaining)
                .unwrap_or(usize::MAX)
                .min(CHUNK);
            let mut buf = ReadBuf::new(&mut this.buf[..want]);
            ready!(Pin::new(&mut this.file).poll_read(cx, &mut buf))?;
            let n = buf.filled().len();
            if n == 0 {
                let missing = this.remaining;
                this.remaining = 0;
                this.tail = None;
                return Poll::Ready(Some(Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    FileShrank { missing },
                ))));
            }
            this.remaining -= n as u64;
            let chunk = Bytes::copy_from_slice(buf.filled());
            return this.emit(chunk);
        }
        match this.tail.take() {
            Some(tail) => this.emit(tail),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.head.is_none() && self.remaining == 0 && self.tail.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.total - self.sent)
    }
}

#[cfg(test)]
mod tests;
