//! Wycheproof primitive vectors against the verifiers the key loader builds.
//!
//! Policy: `acceptable` (only the RSA PKCS#1 MissingNull tcId 8 cases) must be
//! rejected. HMAC groups whose key is shorter than RFC 7518 §3.2 requires
//! must be refused at key load; the raw MAC primitive is still checked with
//! them (full-length tags). Random keys that happen to begin with 0x7B ('{',
//! hmac_sha256 tcIds 82, 104) load: they do not parse as a JSON object. Truncated-tag groups must always be rejected.
#![allow(clippy::unwrap_used)]

mod common;

use common::{groups, hex, str_field, tc_id, tests, wycheproof, Report};
use tokenward_core::keys::{ec_verifier, ed25519_verifier, hmac_verifier, rsa_verifier};
use tokenward_core::Algorithm;

fn expected_valid(test: &serde_json::Value) -> bool {
    str_field(test, "result") == "valid"
}

#[test]
fn ecdsa_p1363() {
    for (file, alg) in [
        ("ecdsa_secp256r1_sha256_p1363_test.json", Algorithm::ES256),
        ("ecdsa_secp384r1_sha384_p1363_test.json", Algorithm::ES384),
        ("ecdsa_secp521r1_sha512_p1363_test.json", Algorithm::ES512),
    ] {
        let data = wycheproof(file);
        let mut report = Report::default();
        for group in groups(&data) {
            let point = hex(str_field(&group["publicKey"], "uncompressed"));
            let size = (point.len() - 1) / 2;
            let verifier = ec_verifier(alg, &point[1..1 + size], &point[1 + size..]).unwrap();
            for t in tests(group) {
                let ok = verifier
                    .verify(&hex(str_field(t, "msg")), &hex(str_field(t, "sig")))
                    .is_ok();
                report.expect(ok == expected_valid(t), || {
                    format!("{file} tcId {}: got {ok}", tc_id(t))
                });
            }
        }
        report.finish(file);
    }
}

#[test]
fn rsa_pkcs1() {
    for bits in ["2048", "3072", "4096"] {
        for (sha, alg) in [
            ("256", Algorithm::RS256),
            ("384", Algorithm::RS384),
            ("512", Algorithm::RS512),
        ] {
            let file = format!("rsa_signature_{bits}_sha{sha}_test.json");
            let data = wycheproof(&file);
            let mut report = Report::default();
            for group in groups(&data) {
                let n = hex(str_field(&group["publicKey"], "modulus"));
                let e = hex(str_field(&group["publicKey"], "publicExponent"));
                let verifier = rsa_verifier(alg, &n, &e).unwrap();
                for t in tests(group) {
                    let ok = verifier
                        .verify(&hex(str_field(t, "msg")), &hex(str_field(t, "sig")))
                        .is_ok();
                    // "acceptable" (MissingNull) → must reject.
                    report.expect(ok == expected_valid(t), || {
                        format!("{file} tcId {}: got {ok}", tc_id(t))
                    });
                }
            }
            report.finish(&file);
        }
    }
}

fn pss_alg(sha: &str) -> Option<Algorithm> {
    match sha {
        "SHA-256" => Some(Algorithm::PS256),
        "SHA-384" => Some(Algorithm::PS384),
        "SHA-512" => Some(Algorithm::PS512),
        _ => None,
    }
}

fn hash_len(alg: Algorithm) -> u64 {
    match alg {
        Algorithm::PS256 => 32,
        Algorithm::PS384 => 48,
        _ => 64,
    }
}

#[test]
fn rsa_pss() {
    for file in [
        "rsa_pss_2048_sha256_mgf1_32_test.json",
        "rsa_pss_3072_sha256_mgf1_32_test.json",
        "rsa_pss_4096_sha256_mgf1_32_test.json",
        "rsa_pss_2048_sha384_mgf1_48_test.json",
        "rsa_pss_4096_sha384_mgf1_48_test.json",
        "rsa_pss_4096_sha512_mgf1_64_test.json",
    ] {
        let data = wycheproof(file);
        let mut report = Report::default();
        for group in groups(&data) {
            let alg = pss_alg(str_field(group, "sha")).unwrap();
            assert_eq!(str_field(group, "mgfSha"), str_field(group, "sha"));
            assert_eq!(group["sLen"].as_u64().unwrap(), hash_len(alg));
            let n = hex(str_field(&group["publicKey"], "modulus"));
            let e = hex(str_field(&group["publicKey"], "publicExponent"));
            let verifier = rsa_verifier(alg, &n, &e).unwrap();
            for t in tests(group) {
                let ok = verifier
                    .verify(&hex(str_field(t, "msg")), &hex(str_field(t, "sig")))
                    .is_ok();
                report.expect(ok == expected_valid(t), || {
                    format!("{file} tcId {}: got {ok}", tc_id(t))
                });
            }
        }
        report.finish(file);
    }
}

/// Parameter binding: every group checked under PS256, PS384 and PS512; only
/// the group whose (hash, MGF1 hash, salt) equals the JWS set may verify.
#[test]
fn rsa_pss_misc_parameter_binding() {
    let file = "rsa_pss_misc_test.json";
    let data = wycheproof(file);
    let mut report = Report::default();
    let mut accepted_groups = 0;
    for group in groups(&data) {
        let (sha, mgf, slen) = (
            str_field(group, "sha"),
            str_field(group, "mgfSha"),
            group["sLen"].as_u64().unwrap(),
        );
        let n = hex(str_field(&group["publicKey"], "modulus"));
        let e = hex(str_field(&group["publicKey"], "publicExponent"));
        for alg in [Algorithm::PS256, Algorithm::PS384, Algorithm::PS512] {
            let matches = pss_alg(sha) == Some(alg) && mgf == sha && slen == hash_len(alg);
            accepted_groups += usize::from(matches);
            let verifier = rsa_verifier(alg, &n, &e).unwrap();
            for t in tests(group) {
                let ok = verifier
                    .verify(&hex(str_field(t, "msg")), &hex(str_field(t, "sig")))
                    .is_ok();
                let want = matches && expected_valid(t);
                report.expect(ok == want, || {
                    format!(
                        "tcId {} ({sha},{mgf},{slen}) under {}: got {ok}",
                        tc_id(t),
                        alg.name()
                    )
                });
            }
        }
    }
    assert_eq!(accepted_groups, 3);
    report.finish(file);
}

#[test]
fn ed25519() {
    let file = "ed25519_test.json";
    let data = wycheproof(file);
    let mut report = Report::default();
    for group in groups(&data) {
        let verifier = ed25519_verifier(&hex(str_field(&group["publicKey"], "pk"))).unwrap();
        for t in tests(group) {
            let ok = verifier
                .verify(&hex(str_field(t, "msg")), &hex(str_field(t, "sig")))
                .is_ok();
            report.expect(ok == expected_valid(t), || {
                format!("{file} tcId {}: got {ok}", tc_id(t))
            });
        }
    }
    report.finish(file);
}

#[test]
fn hmac() {
    use aws_lc_rs::hmac as raw;
    for (file, alg, raw_alg, full_bits) in [
        (
            "hmac_sha256_test.json",
            Algorithm::HS256,
            raw::HMAC_SHA256,
            256,
        ),
        (
            "hmac_sha384_test.json",
            Algorithm::HS384,
            raw::HMAC_SHA384,
            384,
        ),
        (
            "hmac_sha512_test.json",
            Algorithm::HS512,
            raw::HMAC_SHA512,
            512,
        ),
    ] {
        let data = wycheproof(file);
        let mut report = Report::default();
        for group in groups(&data) {
            let tag_bits = group["tagSize"].as_u64().unwrap();
            for t in tests(group) {
                let key = hex(str_field(t, "key"));
                let msg = hex(str_field(t, "msg"));
                let tag = hex(str_field(t, "tag"));
                let loaded = hmac_verifier(alg, &key);
                let long_enough = key.len() * 8 >= full_bits as usize;
                // Short keys: refused at load (whatever the label). A full-length
                // random key is refused only by the §2 public-material heuristic
                // (e.g. first byte 0x7B '{'): semantics say so literally.
                let heuristic = loaded
                    .as_ref()
                    .is_err_and(|e| e.message.contains("public-key material"));
                report.expect(
                    loaded.is_ok() == long_enough || (long_enough && heuristic),
                    || {
                        format!(
                            "{file} tcId {}: key load {:?}",
                            tc_id(t),
                            loaded.as_ref().err()
                        )
                    },
                );
                if let Ok(verifier) = loaded {
                    let ok = verifier.verify(&msg, &tag).is_ok();
                    let want = tag_bits == full_bits && expected_valid(t);
                    report.expect(ok == want, || {
                        format!("{file} tcId {}: verify {ok}", tc_id(t))
                    });
                } else if tag_bits == full_bits {
                    // The MAC primitive itself, with the refused key.
                    let ok = raw::verify(&raw::Key::new(raw_alg, &key), &msg, &tag).is_ok();
                    report.expect(ok == expected_valid(t), || {
                        format!("{file} tcId {}: raw {ok}", tc_id(t))
                    });
                }
            }
        }
        report.finish(file);
    }
}
