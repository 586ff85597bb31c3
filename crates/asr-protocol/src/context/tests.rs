use asr_types::{Region, WorkspaceId};

use super::{DEFAULT_MULTIPART_BOUNDARY, RequestContext, USER_AGENT};
use crate::ApiKey;

#[test]
fn region_context_uses_the_shared_host() {
    let ctx = RequestContext::for_region(Region::CnBeijing, ApiKey::new("sk-x"));
    assert_eq!(ctx.native_base, "https://dashscope.aliyuncs.com/api/v1");
    assert_eq!(
        ctx.native_url("/tasks"),
        "https://dashscope.aliyuncs.com/api/v1/tasks"
    );
    assert_eq!(ctx.user_agent, USER_AGENT);
    assert_eq!(ctx.multipart_boundary, DEFAULT_MULTIPART_BOUNDARY);
    assert!(
        !format!("{ctx:?}").contains("sk-x"),
        "Debug must hide the key"
    );
}

#[test]
fn workspace_host_puts_the_workspace_in_the_host() {
    let ws = WorkspaceId::new("llm-abc").expect("valid id");
    let ctx = RequestContext::for_workspace_host(Region::ApSoutheast1, &ws, ApiKey::new("k"));
    assert!(
        ctx.native_base.starts_with("https://llm-abc."),
        "{}",
        ctx.native_base
    );
    assert!(ctx.workspace.is_none());
}

#[test]
fn explicit_urls_are_checked_and_trimmed() {
    let ctx = RequestContext::with_base_urls(
        "http://127.0.0.1:8080/api/v1/",
        "http://127.0.0.1:8080/compatible-mode/v1",
        ApiKey::new("k"),
    )
    .expect("valid");
    assert_eq!(ctx.native_base, "http://127.0.0.1:8080/api/v1");
    for bad in [
        "",
        "dashscope.aliyuncs.com/api/v1",
        "ftp://host/api",
        "not a url",
    ] {
        let err =
            RequestContext::with_base_urls(bad, "http://h/c", ApiKey::new("k")).expect_err(bad);
        assert!(err.to_string().contains("native_base"), "{err}");
    }
}

#[test]
fn user_agent_suffix_and_boundary_are_validated() {
    let ctx = RequestContext::for_region(Region::CnBeijing, ApiKey::new("k"));
    let with = ctx
        .clone()
        .with_user_agent_suffix("asr-cli/0.1.0")
        .expect("printable");
    assert_eq!(with.user_agent, format!("{USER_AGENT} asr-cli/0.1.0"));
    assert!(ctx.clone().with_user_agent_suffix("evil\r\nx: y").is_err());
    assert!(ctx.clone().with_multipart_boundary("x".repeat(71)).is_err());
    assert!(ctx.clone().with_multipart_boundary("").is_err());
    assert!(ctx.with_multipart_boundary("abc-123_'()+,./:=?").is_ok());
}
