//! Shared fixtures of the fuzz targets: the trusted key sets and validators.
//!
//! `keys/fuzz_jwks.json` holds one key per algorithm (the hostile-input
//! fixture keys hs-1, rsa-1, ec-1, ed-1, ec-521 plus fixed extras), so a
//! token with or without `kid` can reach the signature check of every
//! family; `keys/rfc_jwks.json` holds the RFC 7515 A.1–A.4 / RFC 8037 keys so
//! the RFC example tokens verify. Regenerate both with `gen_corpus.py`.
#![forbid(unsafe_code)]

use std::sync::{Arc, OnceLock};

use tokenward_core::error::ErrorKind;
use tokenward_core::{KeySet, SigningKey, Validator, ValidatorConfig};

pub const FUZZ_JWKS: &str = include_str!("../keys/fuzz_jwks.json");
pub const RFC_JWKS: &str = include_str!("../keys/rfc_jwks.json");
pub const HMAC_SECRETS: &str = include_str!("../keys/hmac_secrets.json");

/// The pinned clock of the hostile-input recipes (T).
pub const T: f64 = 1_750_000_000.0;
/// Before the `exp` of RFC 7515 A.1–A.3 (2011-03-22).
pub const T_RFC: f64 = 1_300_819_000.0;

pub const ALL_ALGS: [&str; 13] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "ES512", "EdDSA",
];

/// A validator and the clock / scopes it is exercised with.
pub struct Profile {
    pub validator: Validator,
    pub now: f64,
    pub scopes: Vec<String>,
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn keyset(jwks: &str) -> Arc<KeySet> {
    Arc::new(KeySet::from_jwks_json(jwks.as_bytes(), true).expect("fixture JWKS loads"))
}

/// Single-key sets of the RFC 7515 A.1–A.4 / RFC 8037 keys: a token without
/// `kid` selects a key only in a one-key set (semantics §3.8), so the RFC
/// example tokens (which carry no kid) verify only this way.
fn rfc_single_key_sets() -> Vec<Arc<KeySet>> {
    let doc: serde_json::Value = serde_json::from_str(RFC_JWKS).expect("RFC JWKS JSON");
    doc["keys"]
        .as_array()
        .expect("keys array")
        .iter()
        .map(|k| keyset(&serde_json::json!({ "keys": [k] }).to_string()))
        .collect()
}

/// S0 (hostile-inputs.md), a stricter typed/scoped profile, and one RFC
/// profile per RFC key (no iss/aud, clock before 2011-03-22).
pub fn profiles() -> &'static [Profile] {
    static P: OnceLock<Vec<Profile>> = OnceLock::new();
    P.get_or_init(|| {
        let fuzz = keyset(FUZZ_JWKS);
        let s0 = ValidatorConfig {
            algorithms: strings(&ALL_ALGS),
            issuers: Some(strings(&["https://issuer.example"])),
            audiences: Some(strings(&["api://tokensvc"])),
            leeway: 30.0,
            required: strings(&["exp", "iss", "aud"]),
            typ: None,
            max_token_bytes: 8192,
        };
        let typed = ValidatorConfig {
            algorithms: strings(&["HS256", "HS384", "HS512", "ES256", "EdDSA", "PS256"]),
            issuers: Some(strings(&[
                "https://issuer.example",
                "https://other.example",
            ])),
            audiences: Some(strings(&["api://tokensvc", "api://b"])),
            leeway: 0.0,
            required: strings(&["exp", "sub", "jti"]),
            typ: Some("at+jwt".to_owned()),
            max_token_bytes: 1 << 20,
        };
        let rfc_cfg = ValidatorConfig {
            algorithms: strings(&ALL_ALGS),
            issuers: None,
            audiences: None,
            leeway: 300.0,
            required: vec![],
            typ: None,
            max_token_bytes: 8192,
        };
        let mut profiles = vec![
            Profile {
                validator: Validator::new(Arc::clone(&fuzz), s0).expect("S0 config"),
                now: T,
                scopes: vec![],
            },
            Profile {
                validator: Validator::new(fuzz, typed).expect("typed config"),
                now: T,
                scopes: strings(&["read", "write"]),
            },
        ];
        for rfc in rfc_single_key_sets() {
            profiles.push(Profile {
                validator: Validator::new(rfc, rfc_cfg.clone()).expect("RFC config"),
                now: T_RFC,
                scopes: vec![],
            });
        }
        profiles
    })
}

/// HMAC signing keys of the fuzz key set: (alg, kid, key).
pub fn hmac_signers() -> &'static [(&'static str, &'static str, SigningKey)] {
    static S: OnceLock<Vec<(&'static str, &'static str, SigningKey)>> = OnceLock::new();
    S.get_or_init(|| {
        let doc: serde_json::Value = serde_json::from_str(HMAC_SECRETS).expect("secrets JSON");
        [("HS256", "hs-1"), ("HS384", "hs-384"), ("HS512", "hs-512")]
            .into_iter()
            .map(|(alg, kid)| {
                let b64 = doc[alg].as_str().expect("secret present");
                let secret = tokenward_core::b64::decode(b64.as_bytes()).expect("canonical b64");
                (
                    alg,
                    kid,
                    SigningKey::new(alg, &secret).expect("HMAC signing key"),
                )
            })
            .collect()
    })
}

/// Invariants every validation result must satisfy (beyond "no panic").
pub fn check_result(
    token: &[u8],
    max_token_bytes: usize,
    result: &tokenward_core::Result<tokenward_core::validator::Claims>,
) {
    match result {
        Ok(_) => {
            // A success needs a well-framed token: exactly two dots, base64url only.
            assert!(token.len() <= max_token_bytes, "accepted an oversize token");
            assert_eq!(token.iter().filter(|&&b| b == b'.').count(), 2);
            assert!(token
                .iter()
                .all(|&b| b == b'.' || b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
        Err(e) => {
            if token.len() > max_token_bytes {
                assert_eq!(
                    e.kind,
                    ErrorKind::TooLarge,
                    "oversize token must be too_large first"
                );
            }
            assert!(!matches!(
                e.kind,
                ErrorKind::KeyRejected | ErrorKind::InvalidConfig
            ));
        }
    }
}

/// Inputs that hit a *reported, still open* bug, skipped by the fuzz targets so
/// the CI smoke pass stays green while the fix lands; the exact inputs live in
/// `regressions/<target>/` and are listed in `regressions/OPEN`, and `smoke.sh`
/// checks (strictly, with `TOKENWARD_FUZZ_NO_MASK=1`) that they still fail.
/// Remove the predicate with the fix. None is open now (OPEN-1, an RSA JWK with an
/// empty or all-zero `n` underflowing in `rsa_verifier`, was fixed; its inputs stay
/// in `regressions/jwk_parse/`).
pub fn known_open(_data: &[u8]) -> bool {
    false
}
