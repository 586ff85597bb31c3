use std::collections::BTreeMap;

use super::*;
use crate::cli::Secret;
use crate::testutil::TempDir;

fn conn() -> Connection {
    Connection {
        api_key: None,
        region: None,
        workspace: None,
        base_url: None,
        compatible_base_url: None,
        emulator: false,
        emulator_processing_time: None,
    }
}

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn no_key_anywhere_says_how_to_set_one_or_use_the_emulator() {
    let home = TempDir::new("cfg-nokey");
    let err = resolve(&conn(), vars(&[]), Some(home.path())).unwrap_err();
    assert_eq!(exit::classify(&err), exit::Kind::InvalidInput);
    let message = err.to_string();
    for needle in [
        "--api-key",
        "DASHSCOPE_API_KEY",
        "DASHSCOPE_API_KEY_FILE_PATH",
        "--emulator",
    ] {
        assert!(message.contains(needle), "{needle} missing from: {message}");
    }
}

#[test]
fn the_flag_wins_over_the_key_file() {
    let dir = TempDir::new("cfg-flag");
    let file = dir.path().join("key");
    std::fs::write(&file, "sk-from-file\n").unwrap();
    let mut c = conn();
    c.api_key = Some(Secret("sk-from-flag".into()));
    let config = resolve(
        &c,
        vars(&[("DASHSCOPE_API_KEY_FILE_PATH", file.to_str().unwrap())]),
        None,
    )
    .unwrap();
    assert!(config.has_api_key());
    assert!(
        !format!("{config:?}").contains("sk-from-flag"),
        "the key never prints"
    );
}

#[test]
fn key_files_are_read_and_checked() {
    let dir = TempDir::new("cfg-file");
    let file = dir.path().join("key");
    std::fs::write(&file, "  sk-abc \n").unwrap();
    let path = file.to_str().unwrap();
    assert!(
        resolve(
            &conn(),
            vars(&[("DASHSCOPE_API_KEY_FILE_PATH", path)]),
            None
        )
        .is_ok()
    );

    std::fs::write(&file, "\n").unwrap();
    let err = resolve(
        &conn(),
        vars(&[("DASHSCOPE_API_KEY_FILE_PATH", path)]),
        None,
    )
    .unwrap_err();
    assert!(err.to_string().contains("is empty"), "{err}");

    let err = resolve(
        &conn(),
        vars(&[("DASHSCOPE_API_KEY_FILE_PATH", "/no/such/key")]),
        None,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("cannot read the key file"),
        "{err}"
    );

    let home = TempDir::new("cfg-home");
    std::fs::create_dir_all(home.path().join(".dashscope")).unwrap();
    std::fs::write(home.path().join(".dashscope/api_key"), "sk-home").unwrap();
    assert!(resolve(&conn(), vars(&[]), Some(home.path())).is_ok());
}

#[test]
fn region_and_workspace_are_validated_naming_the_flag() {
    let mut c = conn();
    c.api_key = Some(Secret("sk-x".into()));
    c.region = Some("mars-1".into());
    let err = resolve(&c, vars(&[]), None).unwrap_err();
    assert_eq!(exit::classify(&err), exit::Kind::InvalidInput);
    assert!(err.to_string().contains("`--region`"), "{err}");
    assert!(err.to_string().contains("ap-southeast-1"), "{err}");

    c.region = Some("ap-southeast-1".into());
    c.workspace = Some("bad host name!".into());
    let err = resolve(&c, vars(&[]), None).unwrap_err();
    assert!(err.to_string().contains("`--workspace`"), "{err}");

    c.workspace = Some("ws-123".into());
    let config = resolve(&c, vars(&[]), None).unwrap();
    assert_eq!(config.region().id(), "ap-southeast-1");
    assert_eq!(
        config.workspace().map(|w| w.to_string()).as_deref(),
        Some("ws-123")
    );
}
