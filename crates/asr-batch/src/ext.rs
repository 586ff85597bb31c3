//! `client.transcribe(…)` and `client.transcribe_file(…)`: the engine as methods of the
//! transport's [`Client`].

use std::future::Future;

use asr_transport::Client;
use futures_util::StreamExt as _;

use crate::engine::{Batch, BatchRun};
use crate::error::Error;
use crate::input::Input;
use crate::job::Job;
use crate::sink::FileTranscript;

/// The batch engine on [`Client`]: import it to transcribe in a line.
///
/// ```
/// use asr_batch::{Client, Model, TranscribeExt};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
/// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
/// # let path = std::env::temp_dir().join(format!("asr-doc-{}-{}.wav", std::process::id(), line!()));
/// # std::fs::write(&path, [0u8; 256])?;
/// let transcript = client.transcribe_file(path.as_path(), Model::FUN_ASR).await?;
/// println!("{}", transcript.text());
/// # Ok(())
/// # }
/// ```
pub trait TranscribeExt {
    /// Transcribes URLs and local files as one batch, in memory: uploads what is local,
    /// submits tasks of up to the model's files per task, and yields each input's outcome as
    /// soon as its task finishes. For a journal, a sink or other settings use [`Batch`].
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use asr_batch::{Model, Status, TranscribeExt};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let inputs = ["https://example.com/a.wav", "https://example.com/b.wav"];
    /// let mut results = client.transcribe(inputs, Model::FUN_ASR);
    /// while let Some(outcome) = results.next().await {
    ///     let outcome = outcome?;
    ///     match outcome.status {
    ///         Status::Done(t) => println!("{}: {}", outcome.input.display_name(), t.text()),
    ///         other => eprintln!("{}: {other:?}", outcome.input.display_name()),
    ///     }
    /// }
    /// println!("billed {} s", results.summary().this_run.billed_seconds);
    /// # Ok(())
    /// # }
    /// ```
    fn transcribe<I>(&self, inputs: I, job: impl Into<Job>) -> BatchRun<FileTranscript>
    where
        I: IntoIterator,
        I::Item: Into<Input>;

    /// Transcribes one URL or local file and returns its transcript.
    ///
    /// # Errors
    ///
    /// The input's error: upload, submit, wait, its subtask's failure, the download, or
    /// expired results; or what stopped the batch (refused credentials).
    fn transcribe_file(
        &self,
        input: impl Into<Input>,
        job: impl Into<Job>,
    ) -> impl Future<Output = Result<FileTranscript, Error>> + Send;
}

impl TranscribeExt for Client {
    fn transcribe<I>(&self, inputs: I, job: impl Into<Job>) -> BatchRun<FileTranscript>
    where
        I: IntoIterator,
        I::Item: Into<Input>,
    {
        Batch::new(self.clone(), job).run(inputs)
    }

    fn transcribe_file(
        &self,
        input: impl Into<Input>,
        job: impl Into<Job>,
    ) -> impl Future<Output = Result<FileTranscript, Error>> + Send {
        let mut run = self.transcribe([input.into()], job);
        async move {
            match run.next().await {
                Some(outcome) => outcome?
                    .into_result()?
                    .ok_or_else(|| Error::Internal("the input finished without a result".into())),
                None => Err(Error::Internal("the batch ended without an outcome".into())),
            }
        }
    }
}
