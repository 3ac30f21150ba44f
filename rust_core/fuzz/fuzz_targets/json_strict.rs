//! The strict JSON parser (semantics §6) on arbitrary bytes: never panics,
//! and everything it accepts is also valid RFC 8259 JSON for serde_json (it
//! may only be stricter), is UTF-8 without BOM, and respects the depth limit.
//! Differential: it gives exactly the value (or the refusal) of the previous
//! serde_json-based parser, `json::reference`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenward_core::json::{self, Value, MAX_DEPTH};

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

fn unique_names(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().all(unique_names),
        Value::Object(members) => {
            let mut names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
            names.sort_unstable();
            let n = names.len();
            names.dedup();
            n == names.len() && members.iter().all(|(_, v)| unique_names(v))
        }
        Value::Float(f) => f.is_finite(),
        _ => true,
    }
}

fuzz_target!(|data: &[u8]| {
    let parsed = json::parse(data);
    assert_eq!(
        parsed.as_ref().ok(),
        json::reference::parse(data).as_ref().ok(),
        "hand-written parser and reference disagree"
    );
    if let Ok(v) = &parsed {
        assert!(std::str::from_utf8(data).is_ok());
        assert!(!data.starts_with(b"\xef\xbb\xbf"), "BOM accepted");
        assert!(depth(v) <= MAX_DEPTH, "depth limit exceeded");
        assert!(
            unique_names(v),
            "duplicate names or non-finite float accepted"
        );
        assert!(
            serde_json::from_slice::<serde_json::Value>(data).is_ok(),
            "strict parser accepted what serde_json rejects"
        );
    }
    let obj = json::parse_object(data);
    assert_eq!(obj.is_ok(), matches!(parsed, Ok(Value::Object(_))));
    // The borrowed tape (the token hot path) agrees with the owned tree.
    let doc = json::OwnedDoc::parse_object(data.to_vec());
    assert_eq!(doc.is_ok(), obj.is_ok());
    if let (Ok(doc), Ok(members)) = (&doc, &obj) {
        assert_eq!(
            format!("{:?}", doc.root().to_value()),
            format!("{:?}", Value::Object(members.clone()))
        );
    }
});
