//! Shared loader for `tests/data` (the vendored test vectors) (one place for paths and hex).
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;

pub const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data");

pub fn load(relative: &str) -> Value {
    let path = format!("{TESTDATA}/{relative}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

pub fn wycheproof(file: &str) -> Value {
    load(&format!("wycheproof/{file}"))
}

pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("missing string field {name}"))
}

pub fn groups(v: &Value) -> &Vec<Value> {
    v["testGroups"].as_array().unwrap()
}

pub fn tests(group: &Value) -> &Vec<Value> {
    group["tests"].as_array().unwrap()
}

pub fn tc_id(test: &Value) -> u64 {
    test["tcId"].as_u64().unwrap()
}

/// Collects failures so one run reports all of them.
#[derive(Default)]
pub struct Report {
    pub checked: usize,
    pub failures: Vec<String>,
}

impl Report {
    pub fn expect(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checked += 1;
        if !ok {
            self.failures.push(what());
        }
    }

    pub fn finish(self, name: &str) {
        assert!(self.checked > 0, "{name}: nothing checked");
        assert!(
            self.failures.is_empty(),
            "{name}: {} of {} failed:\n{}",
            self.failures.len(),
            self.checked,
            self.failures.join("\n")
        );
        eprintln!("{name}: {} checks passed", self.checked);
    }
}
