//! `Client::create_temporary_key`: short-lived `st-` keys to hand to workers.

use std::time::Duration;

use asr_protocol::endpoints::create_temporary_key;
use asr_types::{CreateTemporaryKeyRequest, TemporaryKey};

use super::{Client, SendOptions};
use crate::error::Error;

impl Client {
    /// Mints a temporary API key (`st-…`) living `lifetime` (1 s to 30 min; a fraction of a
    /// second is rounded up), with this client's key's permissions.
    ///
    /// Give the key to a worker instead of the long-lived one: it expires by itself and cannot
    /// be revoked, nor mint another. A resend after a lost answer mints a second key, which is
    /// harmless (the first one just expires unused). The key is redacted in `Debug` output;
    /// read it with [`TemporaryToken::expose`](asr_types::TemporaryToken::expose), or build a
    /// client with it (`Config::new(key.token.into_secret())`).
    ///
    /// ```
    /// use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = asr_emulator::Emulator::start(asr_emulator::EmulatorConfig::new()).await?;
    /// # let client = asr_transport::Config::new("sk-test").with_base_url(emu.native_base()).build()?;
    /// let key = client.create_temporary_key(Duration::from_secs(600)).await?;
    /// assert!(key.token.expose().starts_with("st-"));
    /// // A worker uses it like any key.
    /// let worker = asr_transport::Config::new(key.token.into_secret()).with_base_url(emu.native_base()).build()?;
    /// # drop(worker);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Build`] for a lifetime outside 1 s to 30 min, or when this client's own key is
    /// a temporary one (nothing is sent); [`Error::Response`] for the service's refusal (e.g.
    /// `InvalidApiKey`); the connection errors.
    pub async fn create_temporary_key(&self, lifetime: Duration) -> Result<TemporaryKey, Error> {
        let mut seconds = lifetime.as_secs();
        if lifetime.subsec_nanos() > 0 {
            seconds = seconds.saturating_add(1);
        }
        // Beyond `u32` is far out of range anyway; saturate so validation reports it.
        let request = CreateTemporaryKeyRequest::new(u32::try_from(seconds).unwrap_or(u32::MAX));
        let req = create_temporary_key::build(&request, self.context())?;
        let resp = self.send(req, SendOptions::READ).await?;
        Ok(create_temporary_key::parse(resp)?)
    }
}
