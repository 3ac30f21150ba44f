//! Wycheproof JOSE files and the RFC examples through `verify_jws`
//! (semantics §2–§3): load the key set, then verify with every algorithm
//! allowed, so only the key's binding decides.
#![allow(clippy::unwrap_used)]

mod common;

use common::{groups, load, str_field, tc_id, tests, wycheproof, Report};
use serde_json::{json, Value};
use tokenward_core::jws;
use tokenward_core::{AlgSet, Algorithm, KeySet};

/// Known upstream label problems (wycheproof/README.md), in ONE place:
/// (file, tcId, expected valid?, reason).
const OVERRIDES: &[(&str, u64, bool, &str)] = &[
    (
        "json_web_signature_test.json",
        367,
        true,
        "jws byte-identical to valid tcId 357 (C2SP/wycheproof#236)",
    ),
    (
        "json_web_signature_test.json",
        370,
        true,
        "jws byte-identical to valid tcId 357 (C2SP/wycheproof#236)",
    ),
    (
        "json_web_signature_test.json",
        372,
        false,
        "'?' inside a segment: RFC 7515 §5.2 requires rejection",
    ),
    (
        "json_web_signature_test.json",
        373,
        false,
        "'?' inside a segment: RFC 7515 §5.2 requires rejection",
    ),
    (
        "json_web_signature_test.json",
        346,
        false,
        "PS384 token, JWK alg PS256: JWK alg binding enforced",
    ),
    (
        "json_web_signature_test.json",
        350,
        false,
        "PS384 token, JWK alg PS256: JWK alg binding enforced",
    ),
    (
        "json_web_signature_test.json",
        347,
        false,
        "ES512 token, JWK alg is unregistered ES521: key refused",
    ),
    (
        "json_web_signature_test.json",
        351,
        false,
        "ES512 token, JWK alg is unregistered ES521: key refused",
    ),
];

fn all_algs() -> AlgSet {
    AlgSet::from_names(&Algorithm::ALL.map(Algorithm::name)).unwrap()
}

fn keyset(group: &Value) -> Result<KeySet, String> {
    let key = group
        .get("public")
        .or_else(|| group.get("private"))
        .ok_or("no key")?;
    let jwks = if key.get("keys").is_some() {
        key.clone()
    } else {
        json!({ "keys": [key] })
    };
    KeySet::from_jwks_json(&serde_json::to_vec(&jwks).unwrap(), false).map_err(|e| e.to_string())
}

fn run_file(file: &str, group_filter: impl Fn(&Value) -> bool) {
    let data = wycheproof(file);
    let mut report = Report::default();
    for group in groups(&data).iter().filter(|g| group_filter(g)) {
        let keys = keyset(group);
        for t in tests(group) {
            let id = tc_id(t);
            let label_valid = str_field(t, "result") == "valid";
            let want = OVERRIDES
                .iter()
                .find(|(f, i, _, _)| *f == file && *i == id)
                .map_or(label_valid, |(_, _, v, _)| *v);
            // One test holds a JSON-serialization object: feed its JSON text.
            let token = match &t["jws"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let outcome = match &keys {
                Err(e) => Err(format!("key rejected: {e}")),
                Ok(k) => jws::verify(token.as_bytes(), k, all_algs(), 1 << 20)
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
            };
            report.expect(outcome.is_ok() == want, || {
                format!(
                    "{file} tcId {id} ({}): want valid={want}, got {outcome:?}",
                    str_field(t, "comment")
                )
            });
        }
    }
    report.finish(file);
}

#[test]
fn json_web_signature() {
    run_file("json_web_signature_test.json", |_| true);
}

#[test]
fn json_web_key() {
    run_file("json_web_key_test.json", |_| true);
}

#[test]
fn json_web_crypto_jws_groups() {
    run_file("json_web_crypto_test.json", |g| {
        str_field(g, "comment").starts_with("jws_")
    });
}

#[test]
fn rfc_examples() {
    let data = load("rfc_jws_examples.json");
    let mut report = Report::default();
    for ex in data.as_array().unwrap() {
        let jwk = ex["jwk"].clone();
        let alg = str_field(ex, "alg");
        let mut jwk_with_alg = jwk.clone();
        if jwk_with_alg.get("alg").is_none() {
            jwk_with_alg["alg"] = json!(alg);
        }
        let jwks = serde_json::to_vec(&json!({ "keys": [jwk_with_alg] })).unwrap();
        let source = str_field(ex, "source");
        let keys = match KeySet::from_jwks_json(&jwks, false) {
            Ok(k) => k,
            Err(e) => {
                report.expect(false, || format!("{source}: key rejected: {e}"));
                continue;
            }
        };
        let only = AlgSet::from_names(&[alg]).unwrap();
        let token = str_field(ex, "token");
        let r = jws::verify(token.as_bytes(), &keys, only, 1 << 20);
        report.expect(r.is_ok(), || format!("{source}: {r:?}"));
        // negative control: one changed character in the signature
        let mut bad = token.as_bytes().to_vec();
        let i = bad.len() - 3;
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        let r = jws::verify(&bad, &keys, only, 1 << 20);
        report.expect(r.is_err(), || format!("{source}: tampered token accepted"));
    }
    report.finish("rfc_jws_examples.json");
}
