//! Fault injection: throttling, server errors, dropped connections, delays, truncated bodies,
//! and any of the service's documented refusals ([`SERVICE_ERRORS`]).
//!
//! Faults are set per [`Endpoint`] (or for all endpoints at once) in
//! [`EmulatorConfig`](crate::EmulatorConfig), by the binary's `--fault` flags, or at run time by
//! `POST /__emulator/faults` with the JSON form documented on [`FaultConfig::from_json`].
//! Every request draws from the seeded generator in a fixed order, so a given seed and request
//! sequence always injects the same faults.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::rng::Rng;

/// An emulator endpoint: the unit that faults, counts and the request log are keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /api/v1/services/audio/asr/transcription`.
    Submit,
    /// `GET /api/v1/tasks/{id}`.
    GetTask,
    /// `POST /api/v1/tasks/{id}/cancel`.
    CancelTask,
    /// `GET /api/v1/tasks`.
    ListTasks,
    /// `GET /results/{id}.json?…` (the signed result-document URL).
    Result,
    /// `GET /api/v1/uploads?action=getPolicy`.
    UploadPolicy,
    /// `POST /oss-upload` (the emulated OSS upload host).
    Upload,
    /// `POST /api/v1/services/audio/asr/customization`.
    Vocabulary,
    /// `POST /api/v1/services/aigc/multimodal-generation/generation`.
    MultimodalGeneration,
    /// `POST /compatible-mode/v1/chat/completions`.
    ChatCompletions,
    /// `POST /api/v1/tokens` (temporary API keys).
    Tokens,
    /// Any other path.
    NotFound,
}

impl Endpoint {
    /// Every endpoint, in a stable order.
    pub const ALL: [Endpoint; 12] = [
        Endpoint::Submit,
        Endpoint::GetTask,
        Endpoint::CancelTask,
        Endpoint::ListTasks,
        Endpoint::Result,
        Endpoint::UploadPolicy,
        Endpoint::Upload,
        Endpoint::Vocabulary,
        Endpoint::MultimodalGeneration,
        Endpoint::ChatCompletions,
        Endpoint::Tokens,
        Endpoint::NotFound,
    ];

    /// The endpoint's name in JSON (fault config, request log, counts).
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Submit => "submit",
            Endpoint::GetTask => "get_task",
            Endpoint::CancelTask => "cancel_task",
            Endpoint::ListTasks => "list_tasks",
            Endpoint::Result => "result",
            Endpoint::UploadPolicy => "upload_policy",
            Endpoint::Upload => "upload",
            Endpoint::Vocabulary => "vocabulary",
            Endpoint::MultimodalGeneration => "multimodal_generation",
            Endpoint::ChatCompletions => "chat_completions",
            Endpoint::Tokens => "tokens",
            Endpoint::NotFound => "not_found",
        }
    }

    /// The endpoint called `name` (see [`Endpoint::name`]).
    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Whether this endpoint counts against the task API's per-account limit (query, list,
    /// cancel).
    pub(crate) fn is_task_api(self) -> bool {
        matches!(
            self,
            Endpoint::GetTask | Endpoint::ListTasks | Endpoint::CancelTask
        )
    }

    /// Whether errors on this endpoint use the OpenAI-compatible envelope.
    pub(crate) fn is_compatible_mode(self) -> bool {
        self == Endpoint::ChatCompletions
    }

    /// Whether this endpoint is on the emulated OSS host (XML errors, no DashScope auth).
    pub(crate) fn is_oss(self) -> bool {
        matches!(self, Endpoint::Result | Endpoint::Upload)
    }
}

/// A refusal the service documents, which a fault rule can make an endpoint answer
/// (protocol §1.6, §11 item 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The `code` of the error body.
    pub code: &'static str,
    /// The HTTP status it comes with.
    pub status: u16,
    /// The `message` of the error body.
    pub message: &'static str,
}

const fn service_error(code: &'static str, status: u16, message: &'static str) -> ServiceError {
    ServiceError {
        code,
        status,
        message,
    }
}

/// Every refusal [`FaultRule::error`] can name: the ones whose fix is the user's (never worth
/// retrying) and the rate limits that are.
pub const SERVICE_ERRORS: &[ServiceError] = &[
    service_error(
        "Arrearage",
        400,
        "Access denied, please make sure your account is in good standing.",
    ),
    service_error(
        "DataInspectionFailed",
        400,
        "Input or output data may contain inappropriate content.",
    ),
    service_error("InvalidApiKey", 401, "Invalid API-key provided."),
    service_error(
        "AccessDenied",
        403,
        "Access denied: this API key may not call this API.",
    ),
    service_error(
        "AccessDenied.Unpurchased",
        403,
        "Access to this model is denied: it has not been purchased for this account.",
    ),
    service_error(
        "Model.AccessDenied",
        403,
        "This API key may not use the requested model.",
    ),
    service_error(
        "Workspace.AccessDenied",
        403,
        "This API key may not use the requested workspace.",
    ),
    service_error(
        "Throttling.AllocationQuota",
        429,
        "Allocated quota exceeded, please increase your quota limit.",
    ),
    service_error(
        "AllocationQuota.FreeTierOnly",
        403,
        "The free tier of the model has been exhausted; turn off the free-tier-only mode to continue on a paid basis.",
    ),
    service_error("Throttling", 429, "Requests throttling triggered."),
    service_error(
        "Throttling.RateQuota",
        429,
        "Requests rate limit exceeded, please try again later.",
    ),
    service_error("Throttling.BurstRate", 429, "Request burst rate exceeded."),
];

/// The documented refusal with this code.
pub fn service_error_named(code: &str) -> Option<&'static ServiceError> {
    SERVICE_ERRORS.iter().find(|e| e.code == code)
}

/// The faults for one endpoint. Probabilities are in `[0, 1]`; all default to 0.
///
/// A set [`FaultRule::error`] answers first (within the limit); otherwise at most one of drop /
/// throttle / server error / unavailable / lose-response / truncate happens per request,
/// checked in that order; the delay applies independently.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FaultRule {
    /// Probability of 429 `Throttling.RateQuota` with a `Retry-After` header.
    pub throttle: f64,
    /// The `Retry-After` value sent with a throttling answer (default 1 s; whole seconds).
    pub retry_after: Duration,
    /// Probability of 500 `InternalError`.
    pub server_error: f64,
    /// Probability of 503 `ServiceUnavailable`.
    pub unavailable: f64,
    /// Probability of closing the connection without reading on: the request has no effect.
    pub drop: f64,
    /// Probability of processing the request (a submit creates its task) and then closing the
    /// connection without an answer — the "response lost after sending" case.
    pub lose_response: f64,
    /// Probability of processing the request, then sending the headers (with the full
    /// `Content-Length`) and only the first half of the body before closing.
    pub truncate: f64,
    /// Delay before the answer is sent (the request itself is processed at once).
    pub delay: Duration,
    /// Probability that `delay` applies to a given request (default 1).
    pub delay_probability: f64,
    /// Inject at most this many faults (delays not counted), then stop: handy for "the first
    /// request fails, the retry succeeds" tests. `None` = unlimited.
    pub limit: Option<u64>,
    /// Answer every request with this documented refusal (one of [`SERVICE_ERRORS`]), before
    /// any other fault and without drawing from the seeded dice.
    pub error: Option<&'static ServiceError>,
}

impl Default for FaultRule {
    fn default() -> Self {
        FaultRule {
            throttle: 0.0,
            retry_after: Duration::from_secs(1),
            server_error: 0.0,
            unavailable: 0.0,
            drop: 0.0,
            lose_response: 0.0,
            truncate: 0.0,
            delay: Duration::ZERO,
            delay_probability: 1.0,
            limit: None,
            error: None,
        }
    }
}

impl FaultRule {
    /// A rule injecting nothing.
    pub fn new() -> Self {
        FaultRule::default()
    }

    /// Sets the 429 probability.
    pub fn with_throttle(mut self, p: f64) -> Self {
        self.throttle = p;
        self
    }

    /// Sets the `Retry-After` value sent with 429 answers.
    pub fn with_retry_after(mut self, d: Duration) -> Self {
        self.retry_after = d;
        self
    }

    /// Sets the 500 probability.
    pub fn with_server_error(mut self, p: f64) -> Self {
        self.server_error = p;
        self
    }

    /// Sets the 503 probability.
    pub fn with_unavailable(mut self, p: f64) -> Self {
        self.unavailable = p;
        self
    }

    /// Sets the probability of dropping the connection before processing.
    pub fn with_drop(mut self, p: f64) -> Self {
        self.drop = p;
        self
    }

    /// Sets the probability of processing and then dropping the connection.
    pub fn with_lose_response(mut self, p: f64) -> Self {
        self.lose_response = p;
        self
    }

    /// Sets the probability of a truncated body.
    pub fn with_truncate(mut self, p: f64) -> Self {
        self.truncate = p;
        self
    }

    /// Sets the delay and its probability.
    pub fn with_delay(mut self, delay: Duration, probability: f64) -> Self {
        self.delay = delay;
        self.delay_probability = probability;
        self
    }

    /// Limits how many faults the rule injects.
    pub fn with_limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Answers with the documented refusal `code` (see [`SERVICE_ERRORS`]).
    ///
    /// # Errors
    /// The code is not one of [`SERVICE_ERRORS`]; the message lists them.
    pub fn with_error(mut self, code: &str) -> Result<Self, String> {
        self.error = Some(known_error(code, "error")?);
        Ok(self)
    }

    fn to_json(&self) -> Value {
        json!({
            "throttle": self.throttle,
            "retry_after_secs": self.retry_after.as_secs(),
            "server_error": self.server_error,
            "unavailable": self.unavailable,
            "drop": self.drop,
            "lose_response": self.lose_response,
            "truncate": self.truncate,
            "delay_ms": u64::try_from(self.delay.as_millis()).unwrap_or(u64::MAX),
            "delay_probability": self.delay_probability,
            "limit": self.limit,
            "error": self.error.map(|e| e.code),
        })
    }

    fn from_json(target: &str, v: &Value) -> Result<FaultRule, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("`{target}`: expected an object of fault settings"))?;
        let mut rule = FaultRule::default();
        for (key, value) in obj {
            let field = format!("{target}.{key}");
            let prob = || -> Result<f64, String> {
                value
                    .as_f64()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or_else(|| format!("`{field}`: expected a probability between 0 and 1"))
            };
            let int = || -> Result<u64, String> {
                value
                    .as_u64()
                    .ok_or_else(|| format!("`{field}`: expected a non-negative integer"))
            };
            match key.as_str() {
                "throttle" => rule.throttle = prob()?,
                "retry_after_secs" => rule.retry_after = Duration::from_secs(int()?),
                "server_error" => rule.server_error = prob()?,
                "unavailable" => rule.unavailable = prob()?,
                "drop" => rule.drop = prob()?,
                "lose_response" => rule.lose_response = prob()?,
                "truncate" => rule.truncate = prob()?,
                "delay_ms" => rule.delay = Duration::from_millis(int()?),
                "delay_probability" => rule.delay_probability = prob()?,
                "limit" => rule.limit = if value.is_null() { None } else { Some(int()?) },
                "error" => {
                    rule.error = match value {
                        Value::Null => None,
                        Value::String(code) => Some(known_error(code, &field)?),
                        _ => return Err(format!("`{field}`: expected an error code string")),
                    }
                }
                _ => {
                    return Err(format!(
                        "`{field}`: unknown fault setting; use throttle, retry_after_secs, \
                         server_error, unavailable, drop, lose_response, truncate, delay_ms, \
                         delay_probability, limit or error"
                    ));
                }
            }
        }
        Ok(rule)
    }
}

fn known_error(code: &str, field: &str) -> Result<&'static ServiceError, String> {
    service_error_named(code).ok_or_else(|| {
        let codes: Vec<&str> = SERVICE_ERRORS.iter().map(|e| e.code).collect();
        format!(
            "`{field}`: `{code}` is not a documented refusal the emulator knows; use one of {}",
            codes.join(", ")
        )
    })
}

/// Fault rules for the whole emulator: one optional rule for every endpoint, and per-endpoint
/// rules that replace it for their endpoint.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct FaultConfig {
    /// Applies to every endpoint without its own rule.
    pub all: Option<FaultRule>,
    /// Per-endpoint rules.
    pub endpoints: BTreeMap<Endpoint, FaultRule>,
}

impl FaultConfig {
    /// No faults.
    pub fn new() -> Self {
        FaultConfig::default()
    }

    /// Sets the rule for one endpoint.
    pub fn with(mut self, endpoint: Endpoint, rule: FaultRule) -> Self {
        self.endpoints.insert(endpoint, rule);
        self
    }

    /// Sets the rule for every endpoint that has no rule of its own.
    pub fn with_all(mut self, rule: FaultRule) -> Self {
        self.all = Some(rule);
        self
    }

    /// The JSON form accepted by [`FaultConfig::from_json`].
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        if let Some(all) = &self.all {
            map.insert("*".to_owned(), all.to_json());
        }
        for (e, r) in &self.endpoints {
            map.insert(e.name().to_owned(), r.to_json());
        }
        Value::Object(map)
    }

    /// Parses the JSON form: an object whose keys are endpoint names (see [`Endpoint::name`])
    /// or `"*"` for all endpoints, and whose values are objects with any of `throttle`,
    /// `retry_after_secs`, `server_error`, `unavailable`, `drop`, `lose_response`, `truncate`,
    /// `delay_ms`, `delay_probability`, `limit`, and `error` (a code of [`SERVICE_ERRORS`]).
    ///
    /// ```json
    /// {"*": {"throttle": 0.3, "retry_after_secs": 1}, "submit": {"lose_response": 1, "limit": 1}}
    /// {"submit": {"error": "Arrearage"}}
    /// ```
    ///
    /// # Errors
    /// A message naming the offending key and the accepted values.
    pub fn from_json(v: &Value) -> Result<FaultConfig, String> {
        let obj = v.as_object().ok_or_else(|| {
            "fault config: expected a JSON object keyed by endpoint name or \"*\"".to_owned()
        })?;
        let mut cfg = FaultConfig::default();
        for (key, value) in obj {
            let rule = FaultRule::from_json(key, value)?;
            if key == "*" {
                cfg.all = Some(rule);
            } else if let Some(e) = Endpoint::from_name(key) {
                cfg.endpoints.insert(e, rule);
            } else {
                let names: Vec<&str> = Endpoint::ALL.iter().map(|e| e.name()).collect();
                return Err(format!(
                    "`{key}`: unknown endpoint; use \"*\" or one of {}",
                    names.join(", ")
                ));
            }
        }
        Ok(cfg)
    }

    fn rule_mut(&mut self, e: Endpoint) -> Option<&mut FaultRule> {
        if self.endpoints.contains_key(&e) {
            self.endpoints.get_mut(&e)
        } else {
            self.all.as_mut()
        }
    }
}

/// A fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    Drop,
    Throttle { retry_after_secs: u64 },
    ServerError,
    Unavailable,
    LoseResponse,
    Truncate,
    Error(&'static ServiceError),
}

impl Fault {
    /// The name recorded in the request log.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Fault::Drop => "drop",
            Fault::Throttle { .. } => "throttle",
            Fault::ServerError => "server_error",
            Fault::Unavailable => "unavailable",
            Fault::LoseResponse => "lose_response",
            Fault::Truncate => "truncate",
            Fault::Error(_) => "error",
        }
    }
}

/// What to do to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Decision {
    pub(crate) fault: Option<Fault>,
    pub(crate) delay: Duration,
}

/// The live fault rules plus the dice.
#[derive(Debug)]
pub(crate) struct FaultState {
    pub(crate) config: FaultConfig,
    rng: Rng,
}

impl FaultState {
    pub(crate) fn new(config: FaultConfig, seed: u64) -> Self {
        FaultState {
            config,
            // A distinct stream from the id generator so ids don't shift when faults change.
            rng: Rng::new(seed ^ 0xFA17_FA17_FA17_FA17),
        }
    }

    /// Rolls the dice for one request to `e`.
    pub(crate) fn decide(&mut self, e: Endpoint) -> Decision {
        let Some(rule) = self.config.rule_mut(e) else {
            return Decision::default();
        };
        if let Some(error) = rule.error {
            // No draws: a refusal is deterministic and leaves the dice sequence alone.
            let spent = match &mut rule.limit {
                Some(0) => true,
                Some(n) => {
                    *n -= 1;
                    false
                }
                None => false,
            };
            if !spent {
                return Decision {
                    fault: Some(Fault::Error(error)),
                    delay: Duration::ZERO,
                };
            }
        }
        let rng = &mut self.rng;
        // Seven draws, always, so that the sequence does not depend on which faults are set.
        let rolls = [
            rng.chance(rule.drop),
            rng.chance(rule.throttle),
            rng.chance(rule.server_error),
            rng.chance(rule.unavailable),
            rng.chance(rule.lose_response),
            rng.chance(rule.truncate),
            rng.chance(rule.delay_probability),
        ];
        let candidates = [
            Fault::Drop,
            Fault::Throttle {
                retry_after_secs: rule.retry_after.as_secs(),
            },
            Fault::ServerError,
            Fault::Unavailable,
            Fault::LoseResponse,
            Fault::Truncate,
        ];
        let mut fault = candidates
            .into_iter()
            .zip(rolls)
            .find_map(|(f, hit)| hit.then_some(f));
        if fault.is_some() {
            match &mut rule.limit {
                Some(0) => fault = None,
                Some(n) => *n -= 1,
                None => {}
            }
        }
        let delay = if rolls[6] && !rule.delay.is_zero() {
            rule.delay
        } else {
            Duration::ZERO
        };
        Decision { fault, delay }
    }
}

#[cfg(test)]
mod tests;
