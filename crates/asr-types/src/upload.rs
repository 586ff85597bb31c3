//! The temporary-upload policy (`GET /uploads?action=getPolicy&model=…`, protocol §7).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::task::{Extra, RequestId};

/// The answer to the upload-policy call: `{request_id, data}` (no `output`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadPolicyResponse {
    /// Id of this HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// The policy.
    pub data: UploadPolicy,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A short-lived credential for one or more form uploads to OSS.
///
/// The doc table types the numbers as strings while its example sends integers, so both are
/// accepted; they are written back as integers. `Debug` hides `policy` and `signature`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UploadPolicy {
    /// Base64 policy document (form field `policy`).
    pub policy: String,
    /// Policy signature (form field `Signature`).
    pub signature: String,
    /// Object key prefix; the key is `{upload_dir}/{file name}`.
    pub upload_dir: String,
    /// URL to POST the form to.
    pub upload_host: String,
    /// Lifetime of the credential, seconds (typically 300).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "lenient_u64")]
    pub expire_in_seconds: Option<u64>,
    /// Largest file the model takes, MB.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "lenient_u64")]
    pub max_file_size_mb: Option<u64>,
    /// Daily upload capacity of the account, MB.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "lenient_u64")]
    pub capacity_limit_mb: Option<u64>,
    /// Form field `OSSAccessKeyId`.
    pub oss_access_key_id: String,
    /// Form field `x-oss-object-acl` (`private`).
    pub x_oss_object_acl: String,
    /// Form field `x-oss-forbid-overwrite` (`true`).
    pub x_oss_forbid_overwrite: String,
    /// Fields this SDK does not know.
    #[serde(flatten)]
    pub extra: Extra,
}

impl UploadPolicy {
    /// The object key of `file_name`: `{upload_dir}/{file_name}` (form field `key`).
    pub fn object_key(&self, file_name: &str) -> String {
        format!("{}/{}", self.upload_dir.trim_end_matches('/'), file_name)
    }

    /// The `oss://` URL a file uploaded under `file_name` is reachable at.
    pub fn oss_url(&self, file_name: &str) -> String {
        format!("oss://{}", self.object_key(file_name))
    }
}

impl fmt::Debug for UploadPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadPolicy")
            .field("policy", &"<redacted>")
            .field("signature", &"<redacted>")
            .field("upload_dir", &self.upload_dir)
            .field("upload_host", &self.upload_host)
            .field("expire_in_seconds", &self.expire_in_seconds)
            .field("max_file_size_mb", &self.max_file_size_mb)
            .field("capacity_limit_mb", &self.capacity_limit_mb)
            .field("oss_access_key_id", &self.oss_access_key_id)
            .field("x_oss_object_acl", &self.x_oss_object_acl)
            .field("x_oss_forbid_overwrite", &self.x_oss_forbid_overwrite)
            .field("extra", &self.extra)
            .finish()
    }
}

/// An optional unsigned integer sent either as a JSON number or as a decimal string.
mod lenient_u64 {
    use super::*;

    pub(super) fn serialize<S: serde::Serializer>(
        value: &Option<u64>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(n) => serializer.serialize_u64(*n),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        deserializer.deserialize_any(LenientVisitor)
    }

    struct LenientVisitor;

    impl Visitor<'_> for LenientVisitor {
        type Value = Option<u64>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative integer, or a string holding one")
        }

        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            Ok(Some(n))
        }

        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
            u64::try_from(n)
                .map(Some)
                .map_err(|_| E::custom(format_args!("expected a non-negative integer, got {n}")))
        }

        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            s.trim()
                .parse()
                .map(Some)
                .map_err(|_| E::custom(format_args!("expected an integer string, got {s:?}")))
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
}
