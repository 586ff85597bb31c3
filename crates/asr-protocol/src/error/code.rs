//! The service's error codes as a type, and what each kind of failure asks the user to do.
//!
//! [`ErrorCode`] names every code the protocol notes document (§1.6, §11 item 9) and keeps any
//! other as [`ErrorCode::Other`], so a code added by the service is never lost. Each code
//! belongs to one [`ErrorCategory`]; the category decides retries ([`crate::retry::classify`])
//! and carries the advice printed with the error ([`ErrorCategory::advice`]).
//!
//! ```
//! use asr_protocol::{ErrorCategory, ErrorCode};
//!
//! let code = ErrorCode::from_wire("Arrearage");
//! assert_eq!(code, ErrorCode::Arrearage);
//! assert_eq!(code.category(), ErrorCategory::Billing);
//! assert!(!code.category().is_retryable());
//! // Unlisted codes keep their spelling and are still sorted by their family prefix.
//! let newer = ErrorCode::from_wire("Throttling.TokenRate");
//! assert_eq!(newer.as_str(), "Throttling.TokenRate");
//! assert_eq!(newer.category(), ErrorCategory::RateLimited);
//! ```

use std::fmt;
use std::str::FromStr;

macro_rules! error_codes {
    (
        $(
            $(#[$meta:meta])*
            $variant:ident => $wire:literal $(| $alias:literal)* => $category:ident,
        )*
    ) => {
        /// A service error code (`code` of the native envelope, `error.code` of the
        /// OpenAI-compatible one, or a task's or file's failure code).
        ///
        /// Parse with [`ErrorCode::from_wire`]; [`ErrorCode::as_str`] gives the native
        /// spelling back (the OpenAI-compatible `invalid_api_key` and `limit_requests` read
        /// as [`ErrorCode::InvalidApiKey`] and [`ErrorCode::LimitRequests`]).
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$meta])* $variant,)*
            /// A code not listed here, kept verbatim.
            Other(String),
        }

        impl ErrorCode {
            /// Reads a wire code; unlisted codes become [`ErrorCode::Other`].
            pub fn from_wire(code: &str) -> Self {
                match code {
                    $($wire $(| $alias)* => ErrorCode::$variant,)*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }

            /// The code as the native API spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => $wire,)*
                    ErrorCode::Other(code) => code,
                }
            }

            /// The kind of failure: listed codes by the table, unlisted ones by their family
            /// prefix (`Throttling.*`, `AccessDenied*`, `*.AccessDenied`, `AllocationQuota.*`,
            /// `InternalError*`, `InvalidParameter*`).
            pub fn category(&self) -> ErrorCategory {
                match self {
                    $(ErrorCode::$variant => ErrorCategory::$category,)*
                    ErrorCode::Other(code) => category_by_prefix(code),
                }
            }
        }
    };
}

error_codes! {
    /// `InvalidParameter`: a parameter is missing or invalid.
    InvalidParameter => "InvalidParameter" => InvalidRequest,
    /// `InvalidParameter.DataInspection`: usually an `oss://` URL without the resolve header.
    InvalidParameterDataInspection => "InvalidParameter.DataInspection" => InvalidRequest,
    /// `invalid_parameter_error`: a bad URL, or `oss://` without the resolve header.
    InvalidParameterError => "invalid_parameter_error" => InvalidRequest,
    /// `InternalError.Algo.InvalidParameter`: e.g. a data URI over 10 MB.
    AlgoInvalidParameter => "InternalError.Algo.InvalidParameter" => InvalidRequest,
    /// `DataInspectionFailed`: content moderation flagged the input or the output.
    DataInspectionFailed => "DataInspectionFailed" => ContentModeration,
    /// `Arrearage`: the account has an overdue payment.
    Arrearage => "Arrearage" => Billing,
    /// `InvalidFile.DownloadFailed`: the service could not download the audio.
    DownloadFailed => "InvalidFile.DownloadFailed" => InvalidRequest,
    /// `InvalidFile.AudioLengthError`: audio outside the model's length limits.
    AudioLengthError => "InvalidFile.AudioLengthError" => InvalidRequest,
    /// `UnsupportedOperation`: e.g. cancelling a task that is no longer `PENDING`.
    UnsupportedOperation => "UnsupportedOperation" => InvalidRequest,
    /// `BadRequest.ResourceNotExist`: e.g. an unknown vocabulary id.
    ResourceNotExist => "BadRequest.ResourceNotExist" => NotFound,
    /// `BadRequest.TooLarge`: the request body is too large.
    TooLarge => "BadRequest.TooLarge" => InvalidRequest,
    /// `ClientDisconnect`: the client went away before the task finished.
    ClientDisconnect => "ClientDisconnect" => InvalidRequest,
    /// `Throttling.AllocationQuota`: a quota (not a rate) is used up, e.g. the 10 vocabulary
    /// lists of an account.
    AllocationQuota => "Throttling.AllocationQuota" => QuotaExhausted,
    /// `AllocationQuota.FreeTierOnly`: the free tier is used up and the workspace allows the
    /// free tier only (seen in third-party captures).
    FreeTierOnly => "AllocationQuota.FreeTierOnly" => QuotaExhausted,
    /// `InvalidApiKey` (native) or `invalid_api_key` (OpenAI-compatible): wrong key, expired
    /// temporary key, or a key of another region.
    InvalidApiKey => "InvalidApiKey" | "invalid_api_key" => Credentials,
    /// `NOT AUTHORIZED`: the workspace is not accessible with this key, or a wrong endpoint.
    NotAuthorized => "NOT AUTHORIZED" => Credentials,
    /// `AccessDenied`: no permission — or, by its message, a sync/async mode mistake or an
    /// expired upload policy (see [`crate::ApiError::category`]).
    AccessDenied => "AccessDenied" => Permission,
    /// `AccessDenied.Unpurchased`: the model is not purchased for this account.
    AccessDeniedUnpurchased => "AccessDenied.Unpurchased" => Permission,
    /// `Model.AccessDenied`: this key may not use the model.
    ModelAccessDenied => "Model.AccessDenied" => Permission,
    /// `Workspace.AccessDenied`: this key may not use the workspace.
    WorkspaceAccessDenied => "Workspace.AccessDenied" => Permission,
    /// `ModelNotFound`: wrong model name or region.
    ModelNotFound => "ModelNotFound" => NotFound,
    /// `Model.NotExist`: wrong model name or region.
    ModelNotExist => "Model.NotExist" => NotFound,
    /// `Throttling`: requests throttled.
    Throttling => "Throttling" => RateLimited,
    /// `Throttling.RateQuota`: the RPS/RPM limit was exceeded.
    RateQuota => "Throttling.RateQuota" => RateLimited,
    /// `Throttling.BurstRate`: a burst limit was exceeded.
    BurstRate => "Throttling.BurstRate" => RateLimited,
    /// `LimitRequests` (native) or `limit_requests` (OpenAI-compatible): too many requests.
    LimitRequests => "LimitRequests" | "limit_requests" => RateLimited,
    /// `InternalError`: a failure inside the service.
    InternalError => "InternalError" => Server,
    /// `InternalError.Algo`: a failure of the recognition engine.
    InternalErrorAlgo => "InternalError.Algo" => Server,
    /// `InternalError.Timeout`: an async task waited more than 3 h inside the service.
    InternalErrorTimeout => "InternalError.Timeout" => Server,
    /// `SystemError`: a failure inside the service.
    SystemError => "SystemError" => Server,
    /// `ModelUnavailable`: the model is temporarily unavailable.
    ModelUnavailable => "ModelUnavailable" => Server,
    /// `ServiceUnavailable`: the service is temporarily unavailable.
    ServiceUnavailable => "ServiceUnavailable" => Server,
    /// `GatewayTimeout`: the gateway timed out.
    GatewayTimeout => "GatewayTimeout" => Server,
}

fn category_by_prefix(code: &str) -> ErrorCategory {
    if code.starts_with("AllocationQuota") {
        ErrorCategory::QuotaExhausted
    } else if code.starts_with("Throttling") {
        ErrorCategory::RateLimited
    } else if code.starts_with("AccessDenied") || code.ends_with(".AccessDenied") {
        ErrorCategory::Permission
    } else if code.starts_with("InternalError") {
        ErrorCategory::Server
    } else if code.starts_with("InvalidParameter")
        || code.starts_with("InvalidFile")
        || code.starts_with("BadRequest")
    {
        ErrorCategory::InvalidRequest
    } else {
        ErrorCategory::Unknown
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorCode {
    type Err = std::convert::Infallible;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Ok(ErrorCode::from_wire(code))
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        ErrorCode::from_wire(code)
    }
}

/// What kind of failure a code reports; it decides whether a retry can help and what the user
/// should do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ErrorCategory {
    /// The API key was refused: wrong, expired (temporary `st-` keys), or of another region.
    Credentials,
    /// The key, account or workspace may not do this (`AccessDenied*`).
    Permission,
    /// The account has an overdue payment (`Arrearage`).
    Billing,
    /// Content moderation flagged the input or the output (`DataInspectionFailed`).
    ContentModeration,
    /// A quota is used up (`Throttling.AllocationQuota`, `AllocationQuota.*`); unlike a rate
    /// limit, waiting does not free it.
    QuotaExhausted,
    /// A rate limit was hit (`Throttling`, `Throttling.*` other than the quota, `LimitRequests`).
    RateLimited,
    /// The request itself is wrong (parameters, URLs, files, state).
    InvalidRequest,
    /// The model, task or resource does not exist here.
    NotFound,
    /// A failure inside the service (`InternalError*`, `SystemError`, unavailable, timeout).
    Server,
    /// A code no rule recognises; the HTTP status decides.
    Unknown,
}

impl ErrorCategory {
    /// Whether a retry can help: only rate limits and server failures. `Unknown` answers
    /// `false` here; the status decides for it ([`crate::retry::classify`]).
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorCategory::RateLimited | ErrorCategory::Server)
    }

    /// Whether the failure is final whatever the response headers say: the five kinds whose
    /// fix is the user's (credentials, permission, billing, moderation, quota).
    pub fn is_never_retried(self) -> bool {
        matches!(
            self,
            ErrorCategory::Credentials
                | ErrorCategory::Permission
                | ErrorCategory::Billing
                | ErrorCategory::ContentModeration
                | ErrorCategory::QuotaExhausted
        )
    }

    /// What the user should do, for the kinds where the fix is theirs (and for rate limits,
    /// which reach the user only once the retries are used up).
    pub fn advice(self) -> Option<&'static str> {
        Some(match self {
            ErrorCategory::Credentials => {
                "check the API key: use a current key from the Model Studio console of this \
                 region (keys do not work across regions, and temporary `st-` keys expire)"
            }
            ErrorCategory::Permission => {
                "this key, account or workspace may not use this model or call: enable or \
                 purchase the model for the workspace in the Model Studio console, or use a key \
                 that has access"
            }
            ErrorCategory::Billing => {
                "the Alibaba Cloud account has an overdue payment: settle it in the billing \
                 console, then run again (retrying before that cannot succeed)"
            }
            ErrorCategory::ContentModeration => {
                "content moderation flagged the input or the output, so the same request fails \
                 the same way: check the audio, context and hot words, and contact Alibaba \
                 Cloud support if it is a false positive"
            }
            ErrorCategory::QuotaExhausted => {
                "a quota is used up and waiting does not free it: raise it (or turn off \"use \
                 free tier only\") in the Model Studio console, or for hot-word lists delete one \
                 you no longer need"
            }
            ErrorCategory::RateLimited => {
                "a rate limit was hit (retried with backoff within the retry budget): if it \
                 persists, lower the concurrency or try again later"
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests;
