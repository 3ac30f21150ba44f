//! Arbitrary bytes as a compact token through the full validate path (framing,
//! base64url, strict JSON header, crit/alg/kid, key selection, signature of
//! every family, claims) under three validator profiles, plus `verify` alone
//! and a small batch. Must never panic; results must respect the invariants
//! of `check_result` (oversize → too_large first, success only when framed).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenward_core::error::ErrorKind;
use tokenward_core::jws;
use tokenward_core_fuzz::{check_result, profiles};

fuzz_target!(|data: &[u8]| {
    for p in profiles() {
        let v = &p.validator;
        let r = v.validate(data, &p.scopes, p.now);
        check_result(data, v.max_token_bytes(), &r);
        // verify_jws is the prefix of validate: if validate got past the
        // signature, verify must succeed too, and vice versa for framing errors.
        let algs =
            tokenward_core::AlgSet::from_names(&tokenward_core_fuzz::ALL_ALGS).expect("algs");
        let raw = jws::verify(data, v.keys(), algs, v.max_token_bytes());
        if r.is_ok() {
            assert!(raw.is_ok(), "validate accepted what verify rejects");
        }
    }
    // A short batch runs on the calling thread: one result per input, same as validate.
    let p = &profiles()[0];
    let batch = [
        Ok(data),
        Err(tokenward_core::Error::new(
            ErrorKind::Malformed,
            "not str/bytes",
        )),
        Ok(data),
    ];
    let out = p.validator.validate_many(&batch, &p.scopes, p.now, Some(1));
    assert_eq!(out.len(), 3);
    let single = p.validator.validate(data, &p.scopes, p.now);
    assert_eq!(
        out[0].as_ref().err().map(|e| e.kind),
        single.as_ref().err().map(|e| e.kind)
    );
    assert_eq!(out[1].as_ref().err().map(|e| e.code()), Some("malformed"));
});
