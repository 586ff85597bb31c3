//! Temporary API keys: `POST /tokens?expire_in_seconds=N` (protocol §11 item 3).
//!
//! A temporary key (`st-…`) carries the permissions of the key that minted it and expires on
//! its own after 1 to 1800 seconds (default 60); it cannot be revoked, and it cannot mint
//! another. Hand one to a worker instead of the long-lived `sk-` key.
//!
//! ```
//! use asr_types::{CreateTemporaryKeyRequest, TemporaryKey};
//!
//! let request = CreateTemporaryKeyRequest::new(600);
//! request.validate()?;
//! assert!(CreateTemporaryKeyRequest::new(3600).validate().is_err());
//!
//! let answer: TemporaryKey =
//!     serde_json::from_str(r#"{"token":"st-0123456789abcdef","expires_at":1744080369}"#)?;
//! assert_eq!(answer.token.expose(), "st-0123456789abcdef");
//! // The key never shows in `Debug` output.
//! assert!(!format!("{answer:?}").contains("0123456789abcdef"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use serde::Deserialize;

use crate::task::{Extra, RequestId};
use crate::validate::{Validate, ValidationError};

/// Shortest lifetime the service grants, in seconds.
pub const MIN_TEMPORARY_KEY_SECONDS: u32 = 1;
/// Longest lifetime the service grants, in seconds (30 minutes).
pub const MAX_TEMPORARY_KEY_SECONDS: u32 = 1800;
/// Lifetime when `expire_in_seconds` is omitted.
pub const DEFAULT_TEMPORARY_KEY_SECONDS: u32 = 60;

/// The query of `POST /tokens`: how long the new key lives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateTemporaryKeyRequest {
    /// Lifetime in seconds, 1 to 1800; `None` lets the service apply its default of 60.
    pub expire_in_seconds: Option<u32>,
}

impl CreateTemporaryKeyRequest {
    /// A key living `seconds` seconds.
    pub fn new(seconds: u32) -> Self {
        CreateTemporaryKeyRequest {
            expire_in_seconds: Some(seconds),
        }
    }

    /// Checks the lifetime against the documented range.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] on `expire_in_seconds` outside 1 to 1800.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self.expire_in_seconds {
            Some(s) if !(MIN_TEMPORARY_KEY_SECONDS..=MAX_TEMPORARY_KEY_SECONDS).contains(&s) => {
                Err(ValidationError::new(
                    "expire_in_seconds",
                    format!(
                        "a temporary key lives {MIN_TEMPORARY_KEY_SECONDS} to \
                         {MAX_TEMPORARY_KEY_SECONDS} seconds (30 minutes), got {s}; ask for at \
                         most {MAX_TEMPORARY_KEY_SECONDS} and mint a new key when it runs out"
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

impl Validate for CreateTemporaryKeyRequest {
    fn validate(&self) -> Result<(), ValidationError> {
        CreateTemporaryKeyRequest::validate(self)
    }
}

/// A temporary API key (`st-…`): as secret as the key that minted it.
///
/// `Debug` and `Display` print `TemporaryToken(st-****)` and there is no `Serialize`; read it
/// with [`TemporaryToken::expose`] only to hand it on.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct TemporaryToken(String);

impl TemporaryToken {
    /// Wraps a token as received.
    pub fn new(token: impl Into<String>) -> Self {
        TemporaryToken(token.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The owned secret.
    pub fn into_secret(self) -> String {
        self.0
    }
}

impl fmt::Debug for TemporaryToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TemporaryToken(st-****)")
    }
}

impl fmt::Display for TemporaryToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TemporaryToken(st-****)")
    }
}

/// The answer to `POST /tokens`: `{"token": "st-…", "expires_at": <epoch seconds>}` (flat, no
/// `output`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct TemporaryKey {
    /// The new key.
    pub token: TemporaryToken,
    /// When it stops working, in seconds since 1970-01-01 UTC.
    pub expires_at: i64,
    /// Id of this HTTP request, if the service sent one.
    #[serde(default)]
    pub request_id: Option<RequestId>,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl TemporaryKey {
    /// The answer as JSON with the key in the clear, for handing it on (e.g. printing it for a
    /// script); the type has no `Serialize` so that this is never done by accident.
    ///
    /// ```
    /// let key: asr_types::TemporaryKey =
    ///     serde_json::from_str(r#"{"token":"st-abc","expires_at":1744080369}"#)?;
    /// assert_eq!(key.to_exposed_json()["token"], "st-abc");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn to_exposed_json(&self) -> serde_json::Value {
        let mut answer: serde_json::Map<String, serde_json::Value> =
            self.extra.clone().into_iter().collect();
        answer.insert("token".to_owned(), self.token.expose().into());
        answer.insert("expires_at".to_owned(), self.expires_at.into());
        if let Some(id) = &self.request_id {
            answer.insert("request_id".to_owned(), id.as_str().into());
        }
        serde_json::Value::Object(answer)
    }
}
