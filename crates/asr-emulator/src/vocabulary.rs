//! `POST /api/v1/services/audio/asr/customization` — hot-word (vocabulary) lists, protocol.md §6.
//!
//! All five actions (`create_vocabulary`, `list_vocabulary`, `query_vocabulary`,
//! `update_vocabulary`, `delete_vocabulary`) live in memory for the emulator's lifetime.
//!
//! Rules the emulator enforces, each answered the way the service does:
//! - `model` must be `speech-biasing` (400 `InvalidParameter` "Model not exist.").
//! - At most `quota` lists exist at once (400 `Throttling.AllocationQuota`
//!   "Free allocated quota exceeded.").
//! - An unknown id is 400 `BadRequest.ResourceNotExist`.
//! - `target_model` must belong to a family that takes vocabularies (`paraformer…`,
//!   `fun-asr…`, `qwen-audio-…`, `gummy…`).
//! - `prefix`: 1–10 lowercase ASCII letters or digits.
//! - Items: 1–500 of them; `text` at most 15 characters when it holds any non-ASCII character,
//!   else at most 7 space-separated words; `weight` an integer 1–5; `lang`, when present, one
//!   the target model family accepts (Paraformer: `zh en ja yue ko de fr ru`; Fun-ASR:
//!   `zh en ja`).
//!
//! - Two updates of one list are at least `update_interval` apart (5 minutes; protocol §11
//!   item 8): an earlier update is 400 `InvalidParameter` (the code and message are our
//!   choice, the service's are not documented). The create is not an update.
//!
//! A list is `UNDEPLOYED` until `ready_after` has passed since it was created or last updated,
//! then `OK`; clients are expected to poll `query_vocabulary` in between.
//! Re-deploying on update is an inference: the docs only say a list becomes usable after a
//! while. Lists are newest first; `gmt_create`/`gmt_modified` are in UTC+8 like every time the
//! emulator writes; ids are `vocab-<prefix>-<32 hex>`, deterministic per emulator run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Map, Value, json};

use crate::clock::{gmt_time, unix_ms};
use crate::reply::Reply;
use crate::rng::mix;

#[cfg(test)]
mod tests;

/// The only model the customization endpoint accepts.
const SERVICE_MODEL: &str = "speech-biasing";
/// Items per list (custom hot-words user guide).
const MAX_ITEMS: usize = 500;
/// Longest `prefix` the docs allow.
const MAX_PREFIX_CHARS: usize = 10;
/// Text limit for words holding any non-ASCII character, in characters.
const MAX_NON_ASCII_CHARS: usize = 15;
/// Text limit for pure-ASCII phrases, in space-separated words.
const MAX_ASCII_WORDS: usize = 7;
/// `page_size` default of `list_vocabulary`.
const DEFAULT_PAGE_SIZE: u64 = 10;

/// In-memory vocabulary lists of one emulated account.
#[derive(Debug)]
pub struct Vocabularies {
    ready_after: Duration,
    quota: usize,
    update_interval: Duration,
    lists: BTreeMap<String, Vocabulary>,
    /// Bumped on every create so ids and list order are deterministic.
    created: u64,
    /// Wall-clock anchor: `gmt_*` strings are `wall0 + (instant - instant0)`, which keeps the
    /// handler's notion of time the caller-supplied `Instant`.
    instant0: Instant,
    wall0: SystemTime,
}

#[derive(Debug, Clone)]
struct Vocabulary {
    prefix: String,
    target_model: String,
    items: Vec<Value>,
    /// Creation order, used to list newest first.
    seq: u64,
    created_at: Instant,
    modified_at: Instant,
    /// The last update, if any (the create is not one).
    updated_at: Option<Instant>,
    ready_at: Instant,
}

/// A rejected request: HTTP status, error code and message.
type Rejection = (u16, &'static str, String);

impl Vocabularies {
    /// An empty store: new lists turn `OK` after `ready_after`; at most `quota` lists exist;
    /// one list takes one update per `update_interval`.
    pub fn new(ready_after: Duration, quota: usize, update_interval: Duration) -> Self {
        Vocabularies {
            ready_after,
            quota,
            update_interval,
            lists: BTreeMap::new(),
            created: 0,
            instant0: Instant::now(),
            wall0: SystemTime::now(),
        }
    }

    /// Answer one customization request; `now` decides `UNDEPLOYED` versus `OK`.
    pub fn handle(&mut self, now: Instant, request_id: &str, body: &Value) -> Reply {
        match self.dispatch(now, body) {
            Ok(output) => Reply::ok(json!({
                "output": output,
                "usage": {"count": 1},
                "request_id": request_id,
            })),
            Err((status, code, message)) => Reply::error(status, request_id, code, &message),
        }
    }

    fn dispatch(&mut self, now: Instant, body: &Value) -> Result<Value, Rejection> {
        let Some(body) = body.as_object() else {
            return Err(invalid("the request body must be a JSON object".into()));
        };
        match body.get("model").and_then(Value::as_str) {
            Some(SERVICE_MODEL) => {}
            Some(other) => {
                return Err(invalid(format!(
                    "Model not exist. `model` is `{other}`; the vocabulary service model is \
                     `{SERVICE_MODEL}`"
                )));
            }
            None => {
                return Err(invalid(format!(
                    "`model` is missing; set it to `{SERVICE_MODEL}`"
                )));
            }
        }
        let Some(input) = body.get("input").and_then(Value::as_object) else {
            return Err(invalid(
                "`input` is missing or not an object; it carries `action` and its fields".into(),
            ));
        };
        let action = input.get("action").and_then(Value::as_str).unwrap_or("");
        match action {
            "create_vocabulary" => self.create(now, input),
            "list_vocabulary" => self.list(now, input),
            "query_vocabulary" => self.query(now, input),
            "update_vocabulary" => self.update(now, input),
            "delete_vocabulary" => self.delete(input),
            "" => Err(invalid(
                "`input.action` is missing; use one of create_vocabulary, list_vocabulary, \
                 query_vocabulary, update_vocabulary, delete_vocabulary"
                    .into(),
            )),
            other => Err(invalid(format!(
                "`input.action` `{other}` is not supported; use one of create_vocabulary, \
                 list_vocabulary, query_vocabulary, update_vocabulary, delete_vocabulary"
            ))),
        }
    }

    fn create(&mut self, now: Instant, input: &Map<String, Value>) -> Result<Value, Rejection> {
        let target_model = required_str(input, "target_model")?;
        let family = Family::of(target_model).ok_or_else(|| {
            invalid(format!(
                "`input.target_model` `{target_model}` does not support vocabularies; use the \
                 ASR model you will transcribe with (fun-asr…, paraformer…, qwen-audio-…)"
            ))
        })?;
        let prefix = required_str(input, "prefix")?;
        check_prefix(prefix)?;
        let items = check_items(input.get("vocabulary"), family)?;
        if self.lists.len() >= self.quota {
            return Err((
                400,
                "Throttling.AllocationQuota",
                "Free allocated quota exceeded.".into(),
            ));
        }
        self.created += 1;
        let id = format!("vocab-{prefix}-{}", hex_id(self.created));
        self.lists.insert(
            id.clone(),
            Vocabulary {
                prefix: prefix.to_owned(),
                target_model: target_model.to_owned(),
                items,
                seq: self.created,
                created_at: now,
                modified_at: now,
                updated_at: None,
                ready_at: now + self.ready_after,
            },
        );
        Ok(json!({ "vocabulary_id": id }))
    }

    fn list(&self, now: Instant, input: &Map<String, Value>) -> Result<Value, Rejection> {
        let prefix = match input.get("prefix") {
            None | Some(Value::Null) => None,
            Some(Value::String(p)) if p.is_empty() => None,
            Some(Value::String(p)) => Some(p.as_str()),
            Some(_) => return Err(invalid("`input.prefix` must be a string".into())),
        };
        let page_index = optional_u64(input, "page_index", 0)?;
        let page_size = optional_u64(input, "page_size", DEFAULT_PAGE_SIZE)?;
        if page_size == 0 {
            return Err(invalid(
                "`input.page_size` must be at least 1 (default 10)".into(),
            ));
        }
        let mut matching: Vec<(&String, &Vocabulary)> = self
            .lists
            .iter()
            .filter(|(_, v)| prefix.is_none_or(|p| v.prefix == p))
            .collect();
        // Newest first, as the documented sample lists them.
        matching.sort_by_key(|(_, v)| std::cmp::Reverse(v.seq));
        let skip = usize::try_from(page_index.saturating_mul(page_size)).unwrap_or(usize::MAX);
        let take = usize::try_from(page_size).unwrap_or(usize::MAX);
        let page: Vec<Value> = matching
            .into_iter()
            .skip(skip)
            .take(take)
            .map(|(id, v)| {
                json!({
                    "gmt_create": self.gmt(v.created_at),
                    "gmt_modified": self.gmt(v.modified_at),
                    "status": v.status(now),
                    "vocabulary_id": id,
                })
            })
            .collect();
        Ok(json!({ "vocabulary_list": page }))
    }

    fn query(&self, now: Instant, input: &Map<String, Value>) -> Result<Value, Rejection> {
        let (_, v) = self.find(input)?;
        Ok(json!({
            "gmt_create": self.gmt(v.created_at),
            "gmt_modified": self.gmt(v.modified_at),
            "status": v.status(now),
            "target_model": v.target_model,
            "vocabulary": v.items,
        }))
    }

    fn update(&mut self, now: Instant, input: &Map<String, Value>) -> Result<Value, Rejection> {
        let (id, v) = self.find(input)?;
        let items = check_items(
            input.get("vocabulary"),
            Family::of(&v.target_model).unwrap_or(Family::Other),
        )?;
        if let Some(last) = v.updated_at
            && now < last + self.update_interval
        {
            return Err(invalid(format!(
                "The vocabulary was updated less than {} seconds ago; update it again later.",
                self.update_interval.as_secs()
            )));
        }
        let id = id.to_owned();
        let ready_after = self.ready_after;
        if let Some(v) = self.lists.get_mut(&id) {
            v.items = items;
            v.modified_at = now;
            v.updated_at = Some(now);
            v.ready_at = now + ready_after;
        }
        Ok(json!({}))
    }

    fn delete(&mut self, input: &Map<String, Value>) -> Result<Value, Rejection> {
        let id = self.find(input)?.0.to_owned();
        self.lists.remove(&id);
        Ok(json!({}))
    }

    fn find(&self, input: &Map<String, Value>) -> Result<(&str, &Vocabulary), Rejection> {
        let id = required_str(input, "vocabulary_id")?;
        self.lists
            .get_key_value(id)
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| {
                (
                    400,
                    "BadRequest.ResourceNotExist",
                    "The Required resource not exist.".into(),
                )
            })
    }

    /// `YYYY-MM-DD HH:MM:SS` for an instant, in the zone the emulator uses for every time.
    fn gmt(&self, at: Instant) -> String {
        let wall = self.wall0 + at.saturating_duration_since(self.instant0);
        gmt_time(unix_ms(wall))
    }
}

impl Vocabulary {
    fn status(&self, now: Instant) -> &'static str {
        if now >= self.ready_at {
            "OK"
        } else {
            "UNDEPLOYED"
        }
    }
}

/// Target-model families with their own `lang` lists (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Paraformer,
    FunAsr,
    /// Models documented as accepting `vocabulary_id` without a `lang` list of their own.
    Other,
}

impl Family {
    fn of(target_model: &str) -> Option<Family> {
        if target_model.starts_with("paraformer") {
            Some(Family::Paraformer)
        } else if target_model.starts_with("fun-asr") {
            Some(Family::FunAsr)
        } else if target_model.starts_with("qwen-audio-") || target_model.starts_with("gummy") {
            Some(Family::Other)
        } else {
            None
        }
    }

    fn langs(self) -> &'static [&'static str] {
        match self {
            Family::Paraformer => &["zh", "en", "ja", "yue", "ko", "de", "fr", "ru"],
            Family::FunAsr => &["zh", "en", "ja"],
            // The union of both lists: nothing narrower is documented.
            Family::Other => &["zh", "en", "ja", "yue", "ko", "de", "fr", "ru"],
        }
    }
}

fn invalid(message: String) -> Rejection {
    (400, "InvalidParameter", message)
}

fn required_str<'a>(input: &'a Map<String, Value>, field: &str) -> Result<&'a str, Rejection> {
    match input.get(field) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(Value::String(_)) | None | Some(Value::Null) => Err(invalid(format!(
            "`input.{field}` is required and must be a non-empty string"
        ))),
        Some(_) => Err(invalid(format!("`input.{field}` must be a string"))),
    }
}

fn optional_u64(input: &Map<String, Value>, field: &str, default: u64) -> Result<u64, Rejection> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_u64().ok_or_else(|| {
            invalid(format!(
                "`input.{field}` must be a non-negative integer, got {v}"
            ))
        }),
    }
}

fn check_prefix(prefix: &str) -> Result<(), Rejection> {
    if prefix.chars().count() > MAX_PREFIX_CHARS {
        return Err(invalid(format!(
            "prefix should not be longer than {MAX_PREFIX_CHARS} characters: `input.prefix` \
             `{prefix}` has {}; shorten it",
            prefix.chars().count()
        )));
    }
    if !prefix
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(invalid(format!(
            "prefix should be english letter and number: `input.prefix` `{prefix}` may hold \
             only lowercase letters a-z and digits 0-9"
        )));
    }
    Ok(())
}

fn check_items(items: Option<&Value>, family: Family) -> Result<Vec<Value>, Rejection> {
    let Some(Value::Array(items)) = items else {
        return Err(invalid(
            "`input.vocabulary` is required: a list of {\"text\", \"weight\", \"lang\"?} items"
                .into(),
        ));
    };
    if items.is_empty() {
        return Err(invalid(
            "`input.vocabulary` is empty; give at least one {\"text\", \"weight\"} item".into(),
        ));
    }
    if items.len() > MAX_ITEMS {
        return Err(invalid(format!(
            "vocabulary is too large: `input.vocabulary` has {} items, at most {MAX_ITEMS} are \
             allowed; split it into several lists",
            items.len()
        )));
    }
    let langs = family.langs();
    let mut kept = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        kept.push(check_item(i, item, langs)?);
    }
    Ok(kept)
}

fn check_item(i: usize, item: &Value, langs: &[&str]) -> Result<Value, Rejection> {
    let field = format!("input.vocabulary[{i}]");
    let Some(obj) = item.as_object() else {
        return Err(invalid(format!(
            "`{field}` must be an object {{\"text\", \"weight\", \"lang\"?}}"
        )));
    };
    let text = match obj.get("text") {
        Some(Value::String(t)) if !t.trim().is_empty() => t,
        _ => {
            return Err(invalid(format!(
                "`{field}.text` is required and must be a non-empty string"
            )));
        }
    };
    if text.is_ascii() {
        let words = text.split_whitespace().count();
        if words > MAX_ASCII_WORDS {
            return Err(invalid(format!(
                "`{field}.text` has {words} words; an ASCII hot word may have at most \
                 {MAX_ASCII_WORDS} space-separated words"
            )));
        }
    } else {
        let chars = text.chars().count();
        if chars > MAX_NON_ASCII_CHARS {
            return Err(invalid(format!(
                "`{field}.text` has {chars} characters; a hot word with non-ASCII characters may \
                 have at most {MAX_NON_ASCII_CHARS}"
            )));
        }
    }
    match obj.get("weight").and_then(Value::as_i64) {
        Some(1..=5) => {}
        _ => {
            let got = obj.get("weight").map_or("nothing".into(), Value::to_string);
            return Err(invalid(format!(
                "`{field}.weight` must be an integer from 1 to 5 (4 is typical), got {got}"
            )));
        }
    }
    let mut kept = Map::new();
    kept.insert("text".into(), Value::String(text.clone()));
    kept.insert(
        "weight".into(),
        obj.get("weight").cloned().unwrap_or(Value::Null),
    );
    match obj.get("lang") {
        None | Some(Value::Null) => {}
        Some(Value::String(lang)) if langs.contains(&lang.as_str()) => {
            kept.insert("lang".into(), Value::String(lang.clone()));
        }
        Some(other) => {
            return Err(invalid(format!(
                "`{field}.lang` {other} is not supported for this target model; use one of \
                 {} or omit it for automatic detection",
                langs.join(" ")
            )));
        }
    }
    Ok(Value::Object(kept))
}

/// 32 lowercase hex digits derived from a counter, stable across runs.
fn hex_id(n: u64) -> String {
    let a = mix(n);
    let b = mix(a ^ 0x5eed_5eed_5eed_5eed);
    format!("{a:016x}{b:016x}")
}
