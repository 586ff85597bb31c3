//! Temporary upload of local files (protocol §7): policy, streaming multipart POST, `oss://` URL.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::PoisonError;
use std::time::Duration;

use asr_protocol::Retryability;
use asr_protocol::endpoints::{get_upload_policy, upload_file};
use asr_protocol::retry::{Operation, Outcome, may_resend};
use asr_types::Model;
use asr_types::upload::UploadPolicy;
use http_body_util::BodyExt;
use tokio::time::Instant;
use tracing::Instrument;

use super::{Client, SendOptions};
use crate::body::{ProgressFn, UploadBody};
use crate::config::check_url;
use crate::error::Error;
use crate::layers::{AttemptError, AttemptErrorKind, Backoff};

/// A file uploaded to temporary storage.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Upload {
    /// The local file.
    pub path: PathBuf,
    /// The `oss://` URL to pass to a submit (valid 48 hours, usable only by the same account
    /// and model).
    pub oss_url: String,
    /// The storage object key.
    pub object_key: String,
    /// Bytes uploaded (the file's size).
    pub size: u64,
}

/// Upload policies by model, reused while valid, and the object names already used under each
/// upload directory (the policy forbids overwriting, so two files called `a.wav` in one batch
/// need different names).
#[derive(Default)]
pub(crate) struct PolicyCache {
    policies: BTreeMap<String, (UploadPolicy, Instant)>,
    names: BTreeSet<(String, String)>,
}

impl PolicyCache {
    fn unique_name(&mut self, upload_dir: &str, name: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 1;
        while !self
            .names
            .insert((upload_dir.to_owned(), candidate.clone()))
        {
            n += 1;
            candidate = format!("{n}-{name}");
        }
        candidate
    }
}

/// The part of a policy's lifetime the client uses it for, leaving time for the upload itself.
fn usable_for(policy: &UploadPolicy) -> Duration {
    let lifetime = Duration::from_secs(policy.expire_in_seconds.unwrap_or(300));
    lifetime.mul_f64(0.8)
}

/// A file name the form accepts: quotes, control characters and path separators become `_`.
fn sanitized_name(path: &Path) -> String {
    let raw = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c == '"' || c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "upload.bin".to_owned()
    } else {
        cleaned
    }
}

impl Client {
    /// Uploads a local file for `model` and returns its `oss://` URL.
    ///
    /// The file is streamed in constant memory (a 2 GB file is never read whole); its size is
    /// checked against the policy before any byte is sent; one policy per model is reused
    /// while valid. Submits that use the URL get `X-DashScope-OssResourceResolve: enable`
    /// automatically.
    ///
    /// ```
    /// use asr_transport::{Client, Model, TranscriptionRequest};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let path = std::env::temp_dir().join(format!("asr-doc-{}-{}.wav", std::process::id(), line!()));
    /// # std::fs::write(&path, [0u8; 256])?;
    /// let upload = client.upload(&path, &Model::FUN_ASR).await?;
    /// client.submit(TranscriptionRequest::new(Model::FUN_ASR, [upload.oss_url])).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read, [`Error::Build`] if it is empty or larger
    /// than the policy allows, [`Error::Response`] for a refused upload, [`Error::Timeout`],
    /// and the connection errors.
    pub async fn upload(&self, path: impl AsRef<Path>, model: &Model) -> Result<Upload, Error> {
        self.upload_with_progress(path, model, None).await
    }

    /// [`Client::upload`] reporting byte progress to `progress`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use asr_transport::{Client, Model, UploadProgress};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let path = std::env::temp_dir().join(format!("asr-doc-{}-{}.wav", std::process::id(), line!()));
    /// # std::fs::write(&path, [0u8; 256])?;
    /// let progress = Arc::new(|p: UploadProgress| eprintln!("{}/{} bytes", p.sent, p.total));
    /// client.upload_with_progress(&path, &Model::FUN_ASR, Some(progress)).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Client::upload`].
    pub async fn upload_with_progress(
        &self,
        path: impl AsRef<Path>,
        model: &Model,
        progress: Option<ProgressFn>,
    ) -> Result<Upload, Error> {
        let path = path.as_ref();
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = tokio::fs::metadata(path).await.map_err(io_err)?;
        if !meta.is_file() {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a regular file; pass an audio or video file",
                ),
            });
        }
        let size = meta.len();
        let mut fresh_policy = false;
        let mut retries = 0;
        let backoff = Backoff::new(
            self.inner.config.initial_backoff,
            self.inner.config.max_backoff,
        )
        .with_jitter(self.inner.config.jitter);
        loop {
            let policy = self.upload_policy(model, fresh_policy).await?;
            upload_file::check_size(&policy, size)?;
            let name = {
                let mut cache = self
                    .inner
                    .uploads
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                cache.unique_name(&policy.upload_dir, &sanitized_name(path))
            };
            let content_type = upload_file::content_type_for(&name);
            let request =
                upload_file::Request::new(policy, name, size).with_content_type(content_type);
            let form = upload_file::build(&request, &self.inner.ctx)?;
            let host_url = form.request.uri().to_string();
            check_url(
                "upload_host",
                &host_url,
                self.inner.config.allow_insecure_http,
            )?;
            let host = form.request.uri().host().unwrap_or_default().to_owned();
            let file = tokio::fs::File::open(path).await.map_err(io_err)?;
            let body = UploadBody::new(form.head, file, size, form.tail, progress.clone())
                .map_err(Into::into)
                .boxed_unsync();
            let (parts, ()) = form.request.into_parts();
            let req = http::Request::from_parts(parts, body);
            let span = tracing::debug_span!("dashscope.upload", path = %host_url.split('?').next().unwrap_or_default(), size);
            let sent = tokio::time::timeout(
                self.inner.config.upload_timeout,
                crate::send::send(
                    self.inner.hyper.clone(),
                    req,
                    self.inner.config.max_response_bytes,
                ),
            )
            .instrument(span)
            .await;
            let resp = match sent {
                Err(_) => {
                    return Err(Error::Timeout {
                        what: "upload",
                        after: self.inner.config.upload_timeout,
                    });
                }
                Ok(Err(e)) => {
                    let kind = e.downcast_ref::<AttemptError>().map(|a| a.kind);
                    let outcome = match kind {
                        Some(AttemptErrorKind::Connect) => Some(Outcome::ConnectFailed),
                        Some(AttemptErrorKind::Sent | AttemptErrorKind::Body) => {
                            Some(Outcome::NoResponse)
                        }
                        _ => None,
                    };
                    let verdict = outcome.map(|o| may_resend(Operation::Upload, o));
                    if let Some(delay) = self.upload_retry_delay(verdict, retries, &backoff) {
                        tokio::time::sleep(delay).await;
                        retries += 1;
                        continue;
                    }
                    return Err(Error::from_stack(
                        e,
                        &host,
                        self.inner.config.upload_timeout,
                    ));
                }
                Ok(Ok(resp)) => resp,
            };
            let status = resp.status();
            let retry = if status.is_success() || status == http::StatusCode::FORBIDDEN {
                None
            } else {
                let err = asr_protocol::error::parse_error(status, resp.headers(), resp.body());
                let outcome = Outcome::Response {
                    status,
                    code: err.code(),
                    headers: resp.headers(),
                };
                Some(may_resend(Operation::Upload, outcome))
            };
            if let Some(delay) = self.upload_retry_delay(retry, retries, &backoff) {
                tokio::time::sleep(delay).await;
                retries += 1;
                continue;
            }
            match upload_file::parse(resp) {
                Ok(()) => {
                    return Ok(Upload {
                        path: path.to_path_buf(),
                        oss_url: form.oss_url,
                        object_key: form.object_key,
                        size,
                    });
                }
                // An expired policy (403 from the storage host): fetch a new one, once.
                Err(e) if e.status() == http::StatusCode::FORBIDDEN && !fresh_policy => {
                    tracing::debug!("upload policy refused; fetching a new one");
                    fresh_policy = true;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// How long to wait before trying an upload again, if at all. Each try uses a new object
    /// name (the policy forbids overwriting), so a lost answer to an upload that did land only
    /// leaves an orphan object, which the service deletes after 48 hours.
    fn upload_retry_delay(
        &self,
        verdict: Option<Retryability>,
        retries: u32,
        backoff: &Backoff,
    ) -> Option<Duration> {
        if retries >= self.inner.config.max_retries {
            return None;
        }
        match verdict? {
            Retryability::After(d) => Some(d.min(self.inner.config.max_retry_after)),
            Retryability::Backoff => Some(backoff.delay(retries)),
            _ => None,
        }
    }

    /// The upload policy for `model`: the cached one while usable, else a new one.
    async fn upload_policy(&self, model: &Model, force_new: bool) -> Result<UploadPolicy, Error> {
        let key = model.as_str().to_owned();
        if !force_new {
            let cache = self
                .inner
                .uploads
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some((policy, until)) = cache.policies.get(&key)
                && Instant::now() < *until
            {
                return Ok(policy.clone());
            }
        }
        // One fetch at a time, so a batch of concurrent uploads shares the policy it brings.
        let _fetching = self.inner.policy_fetch.lock().await;
        if !force_new {
            let cache = self
                .inner
                .uploads
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some((policy, until)) = cache.policies.get(&key)
                && Instant::now() < *until
            {
                return Ok(policy.clone());
            }
        }
        let mut req = get_upload_policy::build(
            &get_upload_policy::Request::new(model.clone()),
            &self.inner.ctx,
        )?;
        req.extensions_mut()
            .insert(crate::layers::GateKind::UploadPolicy {
                model: model.clone(),
            });
        let resp = self.send(req, SendOptions::READ).await?;
        let policy = get_upload_policy::parse(resp)?.data;
        let until = Instant::now() + usable_for(&policy);
        let mut cache = self
            .inner
            .uploads
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        cache.policies.insert(key, (policy.clone(), until));
        Ok(policy)
    }
}
