//! Temporary API keys: `POST /api/v1/tokens?expire_in_seconds=N` (1..1800, default 60).
//!
//! A minted `st-…` key stands for the key that asked for it until it expires; it cannot mint
//! another. Keys live in memory only and are forgotten on reset.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::reply::Reply;
use crate::request::RequestCtx;
use crate::rng::Rng;

/// Lifetime when the query names none.
const DEFAULT_SECONDS: u64 = 60;
/// Longest lifetime granted.
const MAX_SECONDS: u64 = 1800;

/// Prefix of every temporary key.
pub(crate) const PREFIX: &str = "st-";

#[derive(Debug, Clone)]
struct Issued {
    expires: Instant,
    /// The stable id of the minting key, which the temporary key acts as.
    parent_key_id: String,
}

/// The keys minted so far.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    issued: BTreeMap<String, Issued>,
}

impl Tokens {
    /// Answers a mint request by the caller `ctx.api_key_id`; `presented_temporary` is whether
    /// that key is itself a temporary one.
    pub(crate) fn mint(
        &mut self,
        ctx: RequestCtx<'_>,
        ids: &mut Rng,
        expire_in_seconds: Option<&str>,
        presented_temporary: bool,
    ) -> Reply {
        let RequestCtx {
            now,
            wall_ms,
            request_id,
            api_key_id: parent_key_id,
        } = ctx;
        if presented_temporary {
            return Reply::error(
                403,
                request_id,
                "AccessDenied",
                "A temporary API key cannot create another temporary API key.",
            );
        }
        let seconds = match expire_in_seconds {
            None => DEFAULT_SECONDS,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(s) if (1..=MAX_SECONDS).contains(&s) => s,
                _ => {
                    return Reply::error(
                        400,
                        request_id,
                        "InvalidParameter",
                        "expire_in_seconds must be an integer from 1 to 1800.",
                    );
                }
            },
        };
        let token = format!("{PREFIX}{}", ids.hex(32));
        self.issued.insert(
            token.clone(),
            Issued {
                expires: now + Duration::from_secs(seconds),
                parent_key_id: parent_key_id.to_owned(),
            },
        );
        // `seconds` ≤ 1800, so the sum cannot overflow.
        let expires_at = wall_ms.div_euclid(1000) + seconds as i64;
        Reply::ok(json!({"token": token, "expires_at": expires_at}))
    }

    /// The minting key's id if `token` was minted here and has not expired.
    pub(crate) fn check(&self, token: &str, now: Instant) -> Option<&str> {
        self.issued
            .get(token)
            .filter(|i| now < i.expires)
            .map(|i| i.parent_key_id.as_str())
    }
}

#[cfg(test)]
mod tests;
