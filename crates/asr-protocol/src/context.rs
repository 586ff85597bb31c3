//! Everything a request builder needs besides the request itself.

use asr_types::{Region, WorkspaceId};

use crate::auth::ApiKey;
use crate::error::BuildError;

/// The `user-agent` this crate sends: `dashscope-asr-rust/<version>`.
pub const USER_AGENT: &str = concat!("dashscope-asr-rust/", env!("CARGO_PKG_VERSION"));

/// The multipart boundary used when none is configured.
///
/// A fixed value keeps built requests reproducible. A boundary must not occur inside the file,
/// which a 40-character string of this shape practically never does; a transport that uploads
/// untrusted files may still set a fresh random one per upload with
/// [`RequestContext::with_multipart_boundary`].
pub const DEFAULT_MULTIPART_BOUNDARY: &str = "dashscope-asr-4c1b9e7f25d80a63e1f4b7c92d05";

/// Base URLs, credentials and every otherwise-random value, so that building the same request
/// twice gives the same bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestContext {
    /// Native API base, e.g. `https://dashscope.aliyuncs.com/api/v1` (no trailing slash).
    pub native_base: String,
    /// OpenAI-compatible base, e.g. `https://dashscope.aliyuncs.com/compatible-mode/v1`.
    pub compatible_base: String,
    /// The API key sent as `Authorization: Bearer …`.
    pub api_key: ApiKey,
    /// Sent as `X-DashScope-WorkSpace` when set.
    pub workspace: Option<WorkspaceId>,
    /// The full `user-agent` value.
    pub user_agent: String,
    /// Boundary of `multipart/form-data` uploads.
    pub multipart_boundary: String,
}

impl RequestContext {
    /// A context for the region's shared (legacy) host.
    pub fn for_region(region: Region, api_key: ApiKey) -> Self {
        Self::from_parts(
            region.native_base_url(),
            region.compatible_base_url(),
            api_key,
        )
    }

    /// A context for the workspace-scoped host of `region`
    /// (`https://{workspace}.{region}.maas.aliyuncs.com`), which the docs recommend.
    ///
    /// The workspace is part of the host name here, so no `X-DashScope-WorkSpace` header is
    /// added; use [`RequestContext::with_workspace`] to select a sub-workspace on a shared host.
    pub fn for_workspace_host(region: Region, workspace: &WorkspaceId, api_key: ApiKey) -> Self {
        Self::from_parts(
            region.workspace_native_base_url(workspace),
            region.workspace_compatible_base_url(workspace),
            api_key,
        )
    }

    /// A context for explicit base URLs (a proxy, the emulator, a future region).
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidInput`] if a URL is not an absolute `http`/`https` URL.
    pub fn with_base_urls(
        native_base: impl Into<String>,
        compatible_base: impl Into<String>,
        api_key: ApiKey,
    ) -> Result<Self, BuildError> {
        let native_base = checked_base("native_base", native_base.into())?;
        let compatible_base = checked_base("compatible_base", compatible_base.into())?;
        Ok(Self::from_parts(native_base, compatible_base, api_key))
    }

    fn from_parts(native_base: String, compatible_base: String, api_key: ApiKey) -> Self {
        RequestContext {
            native_base: native_base.trim_end_matches('/').to_owned(),
            compatible_base: compatible_base.trim_end_matches('/').to_owned(),
            api_key,
            workspace: None,
            user_agent: USER_AGENT.to_owned(),
            multipart_boundary: DEFAULT_MULTIPART_BOUNDARY.to_owned(),
        }
    }

    /// Sends `X-DashScope-WorkSpace: <workspace>` on every DashScope request.
    pub fn with_workspace(mut self, workspace: WorkspaceId) -> Self {
        self.workspace = Some(workspace);
        self
    }

    /// Appends `suffix` to the user-agent (`dashscope-asr-rust/0.1.0 <suffix>`), e.g. the CLI's
    /// own name and version.
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidInput`] if the suffix holds control characters.
    pub fn with_user_agent_suffix(mut self, suffix: &str) -> Result<Self, BuildError> {
        if suffix.chars().any(char::is_control) {
            return Err(BuildError::InvalidInput {
                field: "user_agent",
                problem: "the suffix contains control characters; pass printable text such as \
                          `asr-cli/0.1.0`"
                    .to_owned(),
            });
        }
        let suffix = suffix.trim();
        if !suffix.is_empty() {
            self.user_agent = format!("{USER_AGENT} {suffix}");
        }
        Ok(self)
    }

    /// Uses `boundary` for multipart uploads.
    ///
    /// # Errors
    ///
    /// [`BuildError::InvalidInput`] unless the boundary is 1–70 characters from RFC 2046's
    /// safe set (letters, digits, `'()+_,-./:=?`) and does not end in a space.
    pub fn with_multipart_boundary(
        mut self,
        boundary: impl Into<String>,
    ) -> Result<Self, BuildError> {
        let boundary = boundary.into();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=?".contains(c);
        if boundary.is_empty() || boundary.len() > 70 || !boundary.chars().all(allowed) {
            return Err(BuildError::InvalidInput {
                field: "multipart_boundary",
                problem: format!(
                    "`{boundary}` is not a valid boundary; use 1-70 letters, digits or `'()+_,-./:=?`"
                ),
            });
        }
        self.multipart_boundary = boundary;
        Ok(self)
    }

    /// `native_base` + `path` (path starts with `/`).
    pub(crate) fn native_url(&self, path: &str) -> String {
        format!("{}{}", self.native_base, path)
    }
}

fn checked_base(field: &'static str, url: String) -> Result<String, BuildError> {
    let parsed: http::Uri = url.parse().map_err(|_| BuildError::InvalidInput {
        field,
        problem: format!("`{url}` is not a URL; pass e.g. https://dashscope.aliyuncs.com/api/v1"),
    })?;
    match (parsed.scheme_str(), parsed.host()) {
        (Some("http" | "https"), Some(host)) if !host.is_empty() => Ok(url),
        _ => Err(BuildError::InvalidInput {
            field,
            problem: format!(
                "`{url}` is not an absolute http(s) URL; pass e.g. https://dashscope.aliyuncs.com/api/v1"
            ),
        }),
    }
}

#[cfg(test)]
mod tests;
