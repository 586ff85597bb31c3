//! Service regions, their base URLs, and workspace ids.
//!
//! Two host families serve the same paths: the legacy shared hosts (e.g.
//! `dashscope.aliyuncs.com`) and the recommended workspace-scoped hosts
//! `{workspace_id}.{region}.maas.aliyuncs.com`. API keys are region-scoped.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validate::{ValidationError, snippet};

/// A DashScope region.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Region {
    /// China (Beijing), `cn-beijing`; the default, and the only region with Paraformer.
    #[default]
    CnBeijing,
    /// Singapore ("international"), `ap-southeast-1`.
    ApSoutheast1,
    /// US (Virginia), `us-east-1`.
    UsEast1,
    /// Hong Kong, `cn-hongkong`.
    CnHongkong,
    /// Germany (Frankfurt), `eu-central-1`.
    EuCentral1,
    /// Japan (Tokyo), `ap-northeast-1`.
    ApNortheast1,
}

impl Region {
    /// Every region, in the order the official SDK lists them.
    pub const ALL: [Region; 6] = [
        Region::CnBeijing,
        Region::ApSoutheast1,
        Region::UsEast1,
        Region::CnHongkong,
        Region::EuCentral1,
        Region::ApNortheast1,
    ];

    /// The region id, e.g. `cn-beijing`.
    pub fn id(self) -> &'static str {
        match self {
            Region::CnBeijing => "cn-beijing",
            Region::ApSoutheast1 => "ap-southeast-1",
            Region::UsEast1 => "us-east-1",
            Region::CnHongkong => "cn-hongkong",
            Region::EuCentral1 => "eu-central-1",
            Region::ApNortheast1 => "ap-northeast-1",
        }
    }

    /// The legacy shared host of the region, without scheme or path.
    ///
    /// - `us-east-1`: the docs' code comments use `dashscope-us.aliyuncs.com`, while the v2
    ///   Python SDK maps this region to `dashscope-intl.aliyuncs.com` (protocol §9 item 7). The
    ///   documented host is used here; prefer a workspace host in this region.
    /// - `eu-central-1` and `ap-northeast-1` have no shared host of their own; like the official
    ///   SDK this falls back to `dashscope-intl.aliyuncs.com`. Use a workspace host there.
    pub fn shared_host(self) -> &'static str {
        match self {
            Region::CnBeijing => "dashscope.aliyuncs.com",
            Region::ApSoutheast1 | Region::EuCentral1 | Region::ApNortheast1 => {
                "dashscope-intl.aliyuncs.com"
            }
            Region::UsEast1 => "dashscope-us.aliyuncs.com",
            Region::CnHongkong => "cn-hongkong.dashscope.aliyuncs.com",
        }
    }

    /// Whether [`Region::shared_host`] really belongs to this region rather than being the
    /// official SDK's Singapore fallback.
    pub fn has_own_shared_host(self) -> bool {
        !matches!(self, Region::EuCentral1 | Region::ApNortheast1)
    }

    /// Native API base on the shared host, e.g. `https://dashscope.aliyuncs.com/api/v1`.
    pub fn native_base_url(self) -> String {
        format!("https://{}/api/v1", self.shared_host())
    }

    /// OpenAI-compatible base on the shared host, e.g.
    /// `https://dashscope.aliyuncs.com/compatible-mode/v1`.
    ///
    /// The US region does not serve Qwen-ASR in compatible mode.
    pub fn compatible_base_url(self) -> String {
        format!("https://{}/compatible-mode/v1", self.shared_host())
    }

    /// The workspace-scoped host, `{workspace}.{region}.maas.aliyuncs.com`.
    pub fn workspace_host(self, workspace: &WorkspaceId) -> String {
        format!("{}.{}.maas.aliyuncs.com", workspace.as_str(), self.id())
    }

    /// Native API base on the workspace host (recommended), e.g.
    /// `https://ws1.cn-beijing.maas.aliyuncs.com/api/v1`.
    pub fn workspace_native_base_url(self, workspace: &WorkspaceId) -> String {
        format!("https://{}/api/v1", self.workspace_host(workspace))
    }

    /// OpenAI-compatible base on the workspace host.
    pub fn workspace_compatible_base_url(self, workspace: &WorkspaceId) -> String {
        format!(
            "https://{}/compatible-mode/v1",
            self.workspace_host(workspace)
        )
    }

    /// WebSocket inference URL on the workspace host.
    pub fn workspace_websocket_url(self, workspace: &WorkspaceId) -> String {
        format!(
            "wss://{}/api-ws/v1/inference",
            self.workspace_host(workspace)
        )
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Region {
    type Err = ValidationError;

    /// Parses a region id, ignoring ASCII case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Region::ALL
            .into_iter()
            .find(|r| r.id().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                let ids: Vec<&str> = Region::ALL.iter().map(|r| r.id()).collect();
                ValidationError::new(
                    "region",
                    format!(
                        "unknown region `{}`; use one of {}",
                        snippet(wanted),
                        ids.join(", ")
                    ),
                )
            })
    }
}

impl Serialize for Region {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Region {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A Model Studio workspace id, safe to put in a host name.
///
/// Valid ids match `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`, the check the official SDK applies.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct WorkspaceId(String);

impl WorkspaceId {
    /// Longest valid id.
    pub const MAX_LEN: usize = 64;

    /// Validates and wraps a workspace id.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] on field `workspace_id` when the id is empty, longer than 64
    /// characters, does not start with a letter or digit, or contains anything but letters,
    /// digits, `_` and `-`.
    pub fn new(id: impl Into<String>) -> Result<Self, ValidationError> {
        let id = id.into();
        let field = "workspace_id";
        let fix = "copy the id from the Model Studio console (letters, digits, `_` and `-`, \
                   starting with a letter or digit, at most 64 characters)";
        let Some(first) = id.chars().next() else {
            return Err(ValidationError::new(
                field,
                format!("the id is empty; {fix}"),
            ));
        };
        if id.len() > Self::MAX_LEN {
            return Err(ValidationError::new(
                field,
                format!(
                    "the id is {} characters long, at most 64 allowed; {fix}",
                    id.len()
                ),
            ));
        }
        if !first.is_ascii_alphanumeric() {
            return Err(ValidationError::new(
                field,
                format!("`{}` starts with {first:?}; {fix}", snippet(&id)),
            ));
        }
        if let Some(bad) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            return Err(ValidationError::new(
                field,
                format!("`{}` contains {bad:?}; {fix}", snippet(&id)),
            ));
        }
        Ok(WorkspaceId(id))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for WorkspaceId {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WorkspaceId::new(s)
    }
}

impl TryFrom<String> for WorkspaceId {
    type Error = ValidationError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        WorkspaceId::new(s)
    }
}

impl<'de> Deserialize<'de> for WorkspaceId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        WorkspaceId::new(s).map_err(serde::de::Error::custom)
    }
}
