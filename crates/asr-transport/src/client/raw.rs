//! Result documents as the storage host sent them, for callers that keep the bytes (an
//! archive, `asr transcribe --format json`) rather than a re-serialisation of the parsed
//! document.

use asr_protocol::endpoints::fetch_result;
use bytes::Bytes;

use super::{Client, SendOptions};
use crate::config::check_url;
use crate::error::Error;
use crate::layers::StackResponse;

impl Client {
    /// Downloads a result document from a signed `transcription_url` and returns its body
    /// exactly as received, without parsing it. Same request, size limit and errors as
    /// [`Client::fetch_result`]; parse the bytes with `serde_json` (or keep them) as needed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new().with_processing_time(std::time::Duration::from_millis(100))).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// # let id = client.submit(asr_transport::TranscriptionRequest::new(asr_transport::Model::FUN_ASR, ["https://example.com/a.wav"])).await?.output.task_id;
    /// # let done = client.wait(&id, Default::default()).await?;
    /// # let url = done.output.transcription_urls()[0];
    /// let bytes = client.fetch_result_bytes(url).await?;
    /// std::fs::write(std::env::temp_dir().join("result.json"), &bytes)?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Response`] for an error status (an expired URL answers 403),
    /// [`Error::BodyTooLarge`], [`Error::Config`] for a URL that is not absolute `http(s)`,
    /// and the connection errors.
    pub async fn fetch_result_bytes(&self, url: &str) -> Result<Bytes, Error> {
        let (parts, body) = self.fetch_result_response(url).await?.into_parts();
        if !parts.status.is_success() {
            return Err(Error::Response(asr_protocol::error::parse_error(
                parts.status,
                &parts.headers,
                &body,
            )));
        }
        Ok(body)
    }

    /// The download both [`Client::fetch_result`] and [`Client::fetch_result_bytes`] make:
    /// URL checked, no credentials sent, body capped at the result size limit.
    pub(super) async fn fetch_result_response(&self, url: &str) -> Result<StackResponse, Error> {
        check_url(
            "transcription_url",
            url,
            self.inner.config.allow_insecure_http,
        )?;
        let req = fetch_result::build(&fetch_result::Request::new(url), &self.inner.ctx)?;
        let opts = SendOptions {
            limit: Some(self.inner.config.max_result_bytes),
            ..SendOptions::READ
        };
        self.send(req, opts).await
    }
}

#[cfg(test)]
mod tests;
