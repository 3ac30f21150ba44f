//! Arbitrary bytes as a JWKS document (and as a single JWK object): must
//! never panic; a loaded set is non-empty, has unique kids and answers
//! key selection for every algorithm without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenward_core::{json, keys, Algorithm, KeySet};
use tokenward_core_fuzz::{known_open, ALL_ALGS};

fuzz_target!(|data: &[u8]| {
    if known_open(data) {
        return; // OPEN-1, see src/lib.rs and regressions/OPEN
    }
    for allow_mixed in [false, true] {
        if let Ok(set) = KeySet::from_jwks_json(data, allow_mixed) {
            assert!(!set.is_empty());
            let kids: Vec<_> = set.kids();
            for (i, a) in kids.iter().enumerate() {
                assert!(!kids[i + 1..].contains(a), "duplicate kid accepted");
            }
            for name in ALL_ALGS {
                let alg = Algorithm::from_name(name).expect("known alg");
                if let Ok(e) = set.select(None, alg) {
                    assert_eq!(e.alg, alg);
                }
                for kid in kids.iter().flatten() {
                    if let Ok(e) = set.select(Some(kid), alg) {
                        assert_eq!(e.alg, alg);
                    }
                }
                // Any key must reject an empty and a garbage signature.
                for e in set.entries() {
                    assert!(e.verifier.verify(b"a.b", b"").is_err());
                    assert!(e.verifier.verify(b"a.b", &[0u8; 64]).is_err());
                }
            }
        }
    }
    if let Ok(members) = json::parse_object(data) {
        let _ = keys::parse_jwk(&members);
    }
});
