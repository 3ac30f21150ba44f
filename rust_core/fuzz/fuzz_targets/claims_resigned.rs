//! Structured: `[selector] header-json 0xFF payload-json` (no 0xFF → fixed
//! header, whole input as payload). The target base64url-encodes both and
//! signs them with the fuzz key set's HMAC key, so libFuzzer explores the
//! strict JSON parser, crit/alg/kid handling and every claims check *behind*
//! a good signature — where a random token never gets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenward_core::b64;
use tokenward_core_fuzz::{check_result, hmac_signers, profiles};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let signers = hmac_signers();
    let (alg, kid, key) = &signers[usize::from(selector % 3)];
    let default_header = format!(r#"{{"alg":"{alg}","kid":"{kid}"}}"#);
    let (header, payload) = match rest.iter().position(|&b| b == 0xFF) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (default_header.as_bytes(), rest),
    };
    let signing_input = format!("{}.{}", b64::encode(header), b64::encode(payload));
    let Ok(sig) = key.sign(signing_input.as_bytes()) else {
        return;
    };
    let token = format!("{signing_input}.{}", b64::encode(&sig));
    let p = &profiles()[usize::from(selector / 3 % 2)];
    let r = p.validator.validate(token.as_bytes(), &p.scopes, p.now);
    check_result(token.as_bytes(), p.validator.max_token_bytes(), &r);
    if let Ok(claims) = &r {
        // Accepted claims are the payload object, members in token order, unique names.
        let mut names: Vec<&str> = claims.object().iter().map(|(k, _)| k).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate member names in accepted claims");
    }
});
