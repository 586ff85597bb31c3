//! The fixture files themselves: present, canonical, and free of secrets.

use serde_json::{Map, Value};

use crate::{ALLOW_LISTED, Exchange, all_exchanges};

/// Rebuilds objects with sorted keys, whatever map type serde_json was compiled with.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for key in keys {
                out.insert(key.clone(), sorted(&map[key]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[test]
fn exchanges_are_canonical_and_allow_listed() {
    for path in all_exchanges() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let ex = Exchange::load(&path);
        let canonical = serde_json::to_string_pretty(&sorted(&ex.json)).expect("json") + "\n";
        assert!(
            text == canonical,
            "{} is not in canonical form (sorted keys, two-space indent, trailing newline)",
            path.display()
        );

        assert!(
            ex.json["source"].as_str().is_some_and(|s| !s.is_empty()),
            "{}: no source",
            path.display()
        );
        let request = ex.request();
        for key in ["method", "path", "headers", "body"] {
            assert!(
                request.get(key).is_some(),
                "{}: request.{key} missing",
                path.display()
            );
        }
        for (name, _) in request["headers"].as_object().expect("headers") {
            assert_eq!(name, &name.to_ascii_lowercase(), "{}", path.display());
            assert!(
                ALLOW_LISTED.contains(&name.as_str()),
                "{}: header {name} is not allow-listed",
                path.display()
            );
        }
        assert!(ex.response_json()["status"].is_u64());
        assert!(ex.response_json()["headers"].is_object());
        assert!(
            !text.contains("Bearer") && !text.contains("sk-"),
            "{}: looks like a key",
            path.display()
        );
    }
}

#[test]
fn sse_fixtures_are_present() {
    let dir = crate::fixtures_dir().join("sse");
    for name in ["flash.sse", "omni.sse", "qwen_asr_openai.sse"] {
        let text = std::fs::read_to_string(dir.join(name)).expect("sse fixture");
        assert!(text.contains("data:"), "{name}");
    }
}
