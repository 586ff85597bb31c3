use std::collections::BTreeMap;

use super::*;
use crate::{Region, WorkspaceId};

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn config_error(result: Result<Client, Error>) -> (&'static str, String) {
    match result {
        Err(Error::Config { field, problem }) => (field, problem),
        Err(other) => panic!("expected a config error, got {other}"),
        Ok(_) => panic!("expected a config error, got a client"),
    }
}

#[tokio::test]
async fn default_region_is_beijing_shared_host() {
    let client = Config::new("sk-test").build().unwrap();
    assert_eq!(
        client.context().native_base,
        "https://dashscope.aliyuncs.com/api/v1"
    );
    assert_eq!(
        client.context().compatible_base,
        "https://dashscope.aliyuncs.com/compatible-mode/v1"
    );
}

#[tokio::test]
async fn missing_api_key_is_named_with_the_fix() {
    let (field, problem) = config_error(Client::builder().build());
    assert_eq!(field, "api_key");
    assert!(problem.contains("with_api_key"), "{problem}");
}

#[tokio::test]
async fn plain_http_is_refused_for_remote_hosts_and_allowed_for_loopback() {
    let (field, problem) = config_error(
        Config::new("sk-test")
            .with_base_url("http://example.com/api/v1")
            .build(),
    );
    assert_eq!(field, "base_url");
    assert!(problem.contains("with_insecure_http"), "{problem}");
    for local in [
        "http://127.0.0.1:8080/api/v1",
        "http://localhost/api/v1",
        "http://[::1]:9/api/v1",
    ] {
        let client = Config::new("sk-test").with_base_url(local).build().unwrap();
        assert_eq!(client.context().native_base, local);
    }
    Config::new("sk-test")
        .with_base_url("http://example.com/api/v1")
        .with_insecure_http(true)
        .build()
        .unwrap();
}

#[tokio::test]
async fn compatible_base_is_derived_from_the_native_base() {
    let client = Config::new("sk-test")
        .with_base_url("http://127.0.0.1:1/api/v1/")
        .build()
        .unwrap();
    assert_eq!(
        client.context().compatible_base,
        "http://127.0.0.1:1/compatible-mode/v1"
    );
    let client = Config::new("sk-test")
        .with_base_url("http://127.0.0.1:1/api/v1")
        .with_compatible_base_url("http://127.0.0.1:2/cm/v1")
        .build()
        .unwrap();
    assert_eq!(client.context().compatible_base, "http://127.0.0.1:2/cm/v1");
}

#[tokio::test]
async fn workspace_goes_into_a_header_or_the_host() {
    let ws = WorkspaceId::new("ws-123").unwrap();
    let header = Config::new("sk-test")
        .with_workspace(ws.clone())
        .build()
        .unwrap();
    assert_eq!(header.context().workspace.as_ref(), Some(&ws));
    assert_eq!(
        header.context().native_base,
        "https://dashscope.aliyuncs.com/api/v1"
    );
    let host = Config::new("sk-test")
        .with_region(Region::ApSoutheast1)
        .with_workspace(ws)
        .with_workspace_host(true)
        .build()
        .unwrap();
    assert_eq!(host.context().workspace, None);
    assert_eq!(
        host.context().native_base,
        "https://ws-123.ap-southeast-1.maas.aliyuncs.com/api/v1"
    );
    let (field, _) = config_error(Config::new("sk-test").with_workspace_host(true).build());
    assert_eq!(field, "workspace_host");
}

#[tokio::test]
async fn user_agent_suffix_is_appended() {
    let client = Config::new("sk-test")
        .with_user_agent_suffix("asr-cli/0.1")
        .build()
        .unwrap();
    assert!(
        client.context().user_agent.ends_with(" asr-cli/0.1"),
        "{}",
        client.context().user_agent
    );
}

#[test]
fn from_vars_reads_the_sdk_variables() {
    let config = Config::from_vars(vars(&[
        ("DASHSCOPE_API_KEY", " sk-env "),
        ("DASHSCOPE_API_REGION", "ap-southeast-1"),
        ("DASHSCOPE_WORKSPACE_ID", "ws-9"),
        ("DASHSCOPE_HTTP_BASE_URL", "http://127.0.0.1:7/api/v1"),
    ]))
    .unwrap();
    assert!(config.has_api_key());
    assert_eq!(config.region(), Region::ApSoutheast1);
    assert_eq!(config.workspace().map(WorkspaceId::as_str), Some("ws-9"));
    assert!(config.workspace_host);
    assert_eq!(config.base_url(), Some("http://127.0.0.1:7/api/v1"));
}

#[test]
fn from_vars_reads_the_key_file_and_names_bad_variables() {
    let dir = crate::test_support::TempDir::new("env");
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "sk-from-file\n").unwrap();
    let path = key_file.to_str().unwrap();
    let config = Config::from_vars(vars(&[("DASHSCOPE_API_KEY_FILE_PATH", path)])).unwrap();
    assert!(config.has_api_key());
    assert_eq!(config.region(), Region::CnBeijing);

    let missing = dir.path().join("nope");
    let err = Config::from_vars(vars(&[(
        "DASHSCOPE_API_KEY_FILE_PATH",
        missing.to_str().unwrap(),
    )]))
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "DASHSCOPE_API_KEY_FILE_PATH",
                ..
            }
        ),
        "{err}"
    );
    let err = Config::from_vars(vars(&[])).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "DASHSCOPE_API_KEY",
                ..
            }
        ),
        "{err}"
    );
    let err = Config::from_vars(vars(&[
        ("DASHSCOPE_API_KEY", "sk-1"),
        ("DASHSCOPE_API_REGION", "mars-1"),
    ]))
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "DASHSCOPE_API_REGION",
                ..
            }
        ),
        "{err}"
    );
    let err = Config::from_vars(vars(&[
        ("DASHSCOPE_API_KEY", "sk-1"),
        ("DASHSCOPE_WORKSPACE_ID", "bad id!"),
    ]))
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "DASHSCOPE_WORKSPACE_ID",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_output_or_errors() {
    let secret = "sk-supersecret-123";
    let config = Config::new(secret).with_base_url("http://example.com/api/v1");
    assert!(!format!("{config:?}").contains(secret));
    let err = config.clone().build().unwrap_err();
    assert!(!format!("{err} {err:?}").contains(secret));
    let client = config.with_insecure_http(true).build().unwrap();
    assert!(!format!("{client:?}").contains(secret));
}

#[tokio::test]
async fn invalid_root_certificates_are_reported_by_build() {
    let (field, problem) = config_error(
        Config::new("sk-test")
            .with_root_certificate("-----BEGIN CERTIFICATE-----\n!!\n")
            .build(),
    );
    assert_eq!(field, "root_certificates");
    assert!(problem.contains("END"), "{problem}");
}

#[tokio::test]
async fn proxy_settings_are_accepted_and_bad_proxy_urls_refused() {
    Config::new("sk-test")
        .with_proxy(crate::Proxy::new("http://127.0.0.1:3128").with_no_proxy("localhost,.internal"))
        .build()
        .unwrap();
    let (field, _) = config_error(
        Config::new("sk-test")
            .with_proxy(crate::Proxy::new("not a url"))
            .build(),
    );
    assert_eq!(field, "proxy");
}

#[test]
fn loopback_detection() {
    for host in [
        "localhost",
        "LOCALHOST",
        "a.localhost",
        "127.0.0.1",
        "127.1.2.3",
        "[::1]",
        "::1",
    ] {
        assert!(crate::config::is_loopback_host(host), "{host}");
    }
    for host in ["example.com", "10.0.0.1", "localhost.example.com", "[::2]"] {
        assert!(!crate::config::is_loopback_host(host), "{host}");
    }
}

#[tokio::test]
async fn proxy_credentials_never_appear_in_debug_or_errors() {
    let proxy = crate::Proxy::new("http://user:hunter2@proxy.internal:3128");
    let config = Config::new("sk-test").with_proxy(proxy);
    assert!(!format!("{config:?}").contains("hunter2"), "{config:?}");
    assert!(format!("{config:?}").contains("proxy.internal:3128"));
    let bad = Config::new("sk-test").with_proxy(crate::Proxy::new("socks5://user:hunter2@h:1"));
    let err = bad.build().unwrap_err();
    assert!(!format!("{err} {err:?}").contains("hunter2"), "{err}");
}

#[tokio::test]
async fn signed_url_queries_never_appear_in_errors() {
    let client = Config::new("sk-test").build().unwrap();
    let err = client
        .fetch_result("http://storage.example.com/r.json?Signature=s3cr3t")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Config {
                field: "transcription_url",
                ..
            }
        ),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("s3cr3t"), "{err}");
}
