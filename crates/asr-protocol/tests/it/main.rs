//! Integration tests of `asr-protocol`: one binary, fixtures from `fixtures/exchanges/`.

mod fixtures;
mod poll;
mod requests;
mod responses;
mod retry;
mod track;
mod upload;

use std::path::PathBuf;

#[path = "../shared/exchange.rs"]
mod exchange;

pub(crate) use exchange::{ALLOW_LISTED, Exchange, TEST_KEY, context, fixtures_dir};

/// Every exchange fixture, sorted; fails if there are none.
pub(crate) fn all_exchanges() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let root = fixtures_dir().join("exchanges");
    for dir in std::fs::read_dir(&root).expect("fixtures/exchanges exists") {
        let dir = dir.expect("dir entry").path();
        for file in std::fs::read_dir(&dir).expect("endpoint dir") {
            let file = file.expect("file entry").path();
            if file.extension().is_some_and(|e| e == "json") {
                paths.push(file);
            }
        }
    }
    paths.sort();
    assert!(
        paths.len() >= 30,
        "expected the recorded exchanges, found {}",
        paths.len()
    );
    paths
}
