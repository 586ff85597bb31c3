//! The API key, kept out of every log and error.

use std::fmt;

/// A DashScope API key (`sk-…`).
///
/// `Debug` and `Display` print `ApiKey(****)`, and there is deliberately no `Serialize`, so a key
/// cannot leak through logs, error messages or snapshots by accident. The only way to read it is
/// [`ApiKey::expose`], which the endpoint builders call to write the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key. The key is checked when a request is built (it must be a valid header
    /// value), not here, so that reading it from configuration never fails.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into())
    }

    /// The secret itself. Use it only to build the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(****)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(****)")
    }
}

#[cfg(test)]
mod tests;
