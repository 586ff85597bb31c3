//! Result documents: their signed URLs, serving them, and their two shapes.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use super::{SignedUrl, Tasks};
use crate::reply::Reply;
use crate::request::RequestCtx;
use crate::rng::Rng;
use crate::transcript::Transcript;
use crate::uploads::oss_error;

impl Tasks {
    /// Mints a signed URL for a result document.
    pub(super) fn sign(&mut self, doc_id: &str, rng: &mut Rng, ctx: RequestCtx<'_>) -> String {
        let RequestCtx { now, wall_ms, .. } = ctx;
        let ttl = self.settings.result_url_ttl;
        let expires_unix = (wall_ms + i64::try_from(ttl.as_millis()).unwrap_or(0)) / 1000;
        let signature = base64::engine::general_purpose::STANDARD.encode(rng.hex(20));
        self.urls.insert(
            signature.clone(),
            SignedUrl {
                doc_id: doc_id.to_owned(),
                expires_unix,
                valid_until: now + ttl,
            },
        );
        format!(
            "{}/results/{doc_id}.json?Expires={expires_unix}&OSSAccessKeyId={}&Signature={}",
            self.settings.base_url,
            self.access_key_id,
            percent_encode(&signature)
        )
    }

    /// `GET /results/{doc}.json?Expires=…&OSSAccessKeyId=…&Signature=…`.
    pub(crate) fn result(
        &self,
        ctx: RequestCtx<'_>,
        doc_file: &str,
        query: &BTreeMap<String, String>,
    ) -> Reply {
        let RequestCtx {
            now, request_id, ..
        } = ctx;
        let Some(doc_id) = doc_file.strip_suffix(".json") else {
            return oss_error(
                404,
                "NoSuchKey",
                "The specified key does not exist.",
                request_id,
            );
        };
        let Some(doc) = self.docs.get(doc_id) else {
            return oss_error(
                404,
                "NoSuchKey",
                "The specified key does not exist.",
                request_id,
            );
        };
        let signed = query.get("Signature").and_then(|s| self.urls.get(s));
        let Some(signed) = signed.filter(|s| {
            s.doc_id == doc_id
                && query.get("Expires").map(String::as_str) == Some(&s.expires_unix.to_string())
                && query.get("OSSAccessKeyId") == Some(&self.access_key_id)
        }) else {
            return oss_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                request_id,
            );
        };
        if now >= signed.valid_until {
            return oss_error(403, "AccessDenied", "Request has expired.", request_id);
        }
        Reply::Bytes {
            status: 200,
            content_type: "application/json".to_owned(),
            body: doc.body.clone(),
        }
    }
}

/// Percent-encodes everything but unreserved characters.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The Fun-ASR result document (protocol §2.7).
pub(crate) fn funasr_doc(file_url: &str, tr: &Transcript) -> Value {
    let transcripts: Vec<Value> = tr
        .channels
        .iter()
        .map(|c| {
            let sentences: Vec<Value> = c
                .sentences
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut v = json!({
                        "begin_time": s.begin_time,
                        "end_time": s.end_time,
                        "text": s.text,
                        "sentence_id": i + 1,
                        "words": s.words.iter().map(|w| json!({
                            "begin_time": w.begin_time,
                            "end_time": w.end_time,
                            "text": w.text,
                            "punctuation": w.punctuation,
                        })).collect::<Vec<_>>(),
                    });
                    if let (Some(id), Some(obj)) = (s.speaker_id, v.as_object_mut()) {
                        obj.insert("speaker_id".into(), json!(id));
                    }
                    v
                })
                .collect();
            json!({
                "channel_id": c.channel_id,
                "content_duration_in_milliseconds": c.content_duration_ms(),
                "text": c.text,
                "sentences": sentences,
            })
        })
        .collect();
    json!({
        "file_url": file_url,
        "properties": {
            "audio_format": tr.audio_format,
            "channels": (0..tr.channel_count).collect::<Vec<_>>(),
            "original_sampling_rate": tr.sample_rate,
            "original_duration_in_milliseconds": tr.duration_ms,
        },
        "transcripts": transcripts,
    })
}

/// The qwen3-asr-flash-filetrans result document (protocol §4.3).
pub(crate) fn qwen_doc(file_url: &str, tr: &Transcript, enable_words: bool) -> Value {
    let transcripts: Vec<Value> = tr
        .channels
        .iter()
        .map(|c| {
            let sentences: Vec<Value> = c
                .sentences
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut v = json!({
                        "sentence_id": i,
                        "begin_time": s.begin_time,
                        "end_time": s.end_time,
                        "language": tr.language,
                        "emotion": tr.emotion,
                        "text": s.text,
                    });
                    if enable_words && let Some(obj) = v.as_object_mut() {
                        obj.insert(
                            "words".into(),
                            s.words
                                .iter()
                                .map(|w| {
                                    json!({
                                        "begin_time": w.begin_time,
                                        "end_time": w.end_time,
                                        "text": w.text,
                                        "punctuation": w.punctuation,
                                    })
                                })
                                .collect(),
                        );
                    }
                    v
                })
                .collect();
            json!({"channel_id": c.channel_id, "text": c.text, "sentences": sentences})
        })
        .collect();
    json!({
        "file_url": file_url,
        "audio_info": {"format": tr.format, "sample_rate": tr.sample_rate},
        "transcripts": transcripts,
    })
}
