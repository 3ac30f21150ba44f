//! Compact JWS framing and verification (semantics §3). First failure wins.

use crate::alg::{AlgSet, Algorithm};
use crate::b64;
use crate::error::{malformed, Error, ErrorKind, Result};
use crate::json::{Doc, ObjectRef, Value, ValueRef};
use crate::keys::KeySet;

/// Smallest and largest accepted `max_token_bytes`.
pub const MIN_TOKEN_BYTES: usize = 64;
pub const MAX_TOKEN_BYTES: usize = 1 << 20;

const TOO_LARGE: Error = Error::new(ErrorKind::TooLarge, "token longer than max_token_bytes");
const NOT_THREE_PARTS: Error = malformed("token must have exactly three dot-separated parts");
const BAD_ALPHABET: Error = malformed("token contains characters outside base64url");
const EMPTY_HEADER: Error = malformed("empty header segment");
const BAD_BASE64: Error = malformed("segment is not canonical unpadded base64url");

/// Stack space for decoded header and signature (RSA-8192 = 1024 bytes).
const HEADER_STACK: usize = 768;
const SIG_STACK: usize = 1024;

/// A verified token: the parsed protected header and the payload bytes.
#[derive(Debug)]
pub struct Verified {
    pub header: Vec<(String, Value)>,
    pub payload: Vec<u8>,
}

/// 1 for bytes outside the base64url alphabet and not `.`.
const NOT_TOKEN_BYTE: [u8; 256] = {
    let mut t = [1u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
            t[i] = 0;
        }
        i += 1;
    }
    t
};

/// Step 2: exactly two dots (stopping at the third, O(1) extra memory).
#[inline]
fn split3(token: &[u8]) -> Result<(usize, usize)> {
    let mut dots = memchr::memchr_iter(b'.', token);
    match (dots.next(), dots.next(), dots.next()) {
        (Some(d1), Some(d2), None) => Ok((d1, d2)),
        _ => Err(NOT_THREE_PARTS),
    }
}

/// Step 3: every byte in the base64url alphabet or `.` (branch-free fold).
/// On the success path the base64url decoder checks the same bytes, so this
/// runs only to pick the right error once something failed.
fn alphabet_ok(token: &[u8]) -> bool {
    token
        .iter()
        .fold(0u8, |bad, &b| bad | NOT_TOKEN_BYTE[usize::from(b)])
        == 0
}

/// The step-3 error if the token has a byte outside the alphabet, else `err`.
#[cold]
fn framing_error(token: &[u8], err: Error) -> Error {
    if alphabet_ok(token) {
        err
    } else {
        BAD_ALPHABET
    }
}

/// Decode a segment into `stack` when it fits, else into `heap`.
#[inline]
fn decode_segment<'a>(seg: &[u8], stack: &'a mut [u8], heap: &'a mut Vec<u8>) -> Result<&'a [u8]> {
    let n = b64::decoded_len(seg.len()).ok_or(BAD_BASE64)?;
    if n <= stack.len() {
        b64::decode_into(seg, stack).ok_or(BAD_BASE64)
    } else {
        heap.resize(n, 0);
        b64::decode_into(seg, heap).ok_or(BAD_BASE64)
    }
}

const UNSUPPORTED_CRIT: Error = Error::new(
    ErrorKind::UnsupportedCrit,
    "crit lists extensions that are not understood",
);
const BAD_CRIT: Error = malformed("crit must be a non-empty list of strings");
const BAD_ALG: Error = malformed("header alg is missing or not a string");
const ALG_NOT_ALLOWED: Error = Error::new(ErrorKind::UnsupportedAlg, "alg is not allowed");
const BAD_KID: Error = malformed("header kid is not a string");
const BAD_HEADER: Error = malformed("header is not a strict JSON object");

/// Steps 6–8: crit, alg, kid (one pass over the members, checks in order).
fn header_alg_kid<'a>(
    header: ObjectRef<'a>,
    algorithms: AlgSet,
) -> Result<(Algorithm, Option<&'a str>)> {
    let (mut crit, mut alg, mut kid) = (None, None, None);
    for (name, value) in header.iter() {
        match name {
            "crit" => crit = Some(value),
            "alg" => alg = Some(value),
            "kid" => kid = Some(value),
            _ => {}
        }
    }
    if let Some(crit) = crit {
        let supported_shape = matches!(crit, ValueRef::Array(items)
            if !items.is_empty() && items.iter().all(|v| matches!(v, ValueRef::String(_))));
        return Err(if supported_shape {
            UNSUPPORTED_CRIT
        } else {
            BAD_CRIT
        });
    }
    let Some(ValueRef::String(alg)) = alg else {
        return Err(BAD_ALG);
    };
    let alg = Algorithm::from_name(alg)
        .filter(|a| algorithms.contains(*a))
        .ok_or(ALG_NOT_ALLOWED)?;
    let kid = match kid {
        None => None,
        Some(ValueRef::String(kid)) => Some(kid),
        Some(_) => return Err(BAD_KID),
    };
    Ok((alg, kid))
}

/// Check the size cap (step 1).
#[inline]
pub fn check_size(len: usize, max_token_bytes: usize) -> Result<()> {
    if len > max_token_bytes {
        Err(TOO_LARGE)
    } else {
        Ok(())
    }
}

/// Buffers for one token's header and signature, reusable across tokens
/// (a batch keeps one per worker): nothing is allocated for them unless a
/// segment is larger than the stack parts.
#[derive(Debug)]
pub struct Scratch {
    header_stack: [u8; HEADER_STACK],
    header_heap: Vec<u8>,
    sig_stack: [u8; SIG_STACK],
    sig_heap: Vec<u8>,
    header: Doc,
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            header_stack: [0; HEADER_STACK],
            header_heap: Vec::new(),
            sig_stack: [0; SIG_STACK],
            sig_heap: Vec::new(),
            header: Doc::default(),
        }
    }
}

impl Scratch {
    /// Drop heap buffers that grew beyond `max` bytes (a huge token must not
    /// pin its memory in a cached scratch).
    pub fn trim(&mut self, max: usize) {
        if self.header_heap.capacity() > max {
            self.header_heap = Vec::new();
        }
        if self.sig_heap.capacity() > max {
            self.sig_heap = Vec::new();
        }
        self.header.trim(max);
    }
}

/// A verified token whose header lives in a [`Scratch`].
#[derive(Debug)]
pub struct VerifiedRef<'s> {
    pub header: ObjectRef<'s>,
    pub payload: Vec<u8>,
}

/// Steps 1–9 with caller-provided buffers: the parsed header (borrowed from
/// `scratch`) and the payload bytes.
pub fn verify_in<'s>(
    token: &[u8],
    keys: &KeySet,
    algorithms: AlgSet,
    max_token_bytes: usize,
    scratch: &'s mut Scratch,
) -> Result<VerifiedRef<'s>> {
    check_size(token.len(), max_token_bytes)?;
    let (d1, d2) = split3(token)?;
    let (header_seg, rest) = token.split_at(d1);
    let payload_seg = rest.get(1..d2 - d1).unwrap_or_default();
    let sig_seg = token.get(d2 + 1..).unwrap_or_default();
    // The payload may be empty (RFC 7515); the claims layer then finds no object.
    if header_seg.is_empty() {
        return Err(framing_error(token, EMPTY_HEADER));
    }
    let Scratch {
        header_stack,
        header_heap,
        sig_stack,
        sig_heap,
        header,
    } = scratch;
    // Steps 3-4 together: the decoder refuses any byte outside the alphabet,
    // so when all three segments decode, step 3 holds too; on failure the
    // alphabet is checked first so the step-3 error still wins.
    let fail = |e| framing_error(token, e);
    let header_bytes = decode_segment(header_seg, header_stack, header_heap).map_err(fail)?;
    let payload = b64::decode(payload_seg).ok_or_else(|| fail(BAD_BASE64))?;
    let signature = decode_segment(sig_seg, sig_stack, sig_heap).map_err(fail)?;

    let header_text = std::str::from_utf8(header_bytes).map_err(|_| BAD_HEADER)?;
    header.parse_object(header_text).map_err(|_| BAD_HEADER)?;
    let header: &'s Doc = header;
    let header = match header.root(header_text) {
        ValueRef::Object(o) => o,
        _ => return Err(BAD_HEADER),
    };
    let (alg, kid) = header_alg_kid(header, algorithms)?;
    let entry = keys.select(kid, alg)?;
    let signing_input = token.get(..d2).unwrap_or_default();
    entry.verifier.verify(signing_input, signature)?;
    Ok(VerifiedRef { header, payload })
}

/// Steps 1–9: returns the payload bytes (and the header as an owned tree).
pub fn verify(
    token: &[u8],
    keys: &KeySet,
    algorithms: AlgSet,
    max_token_bytes: usize,
) -> Result<Verified> {
    let mut scratch = Scratch::default();
    let v = verify_in(token, keys, algorithms, max_token_bytes, &mut scratch)?;
    let header = v
        .header
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_value()))
        .collect();
    Ok(Verified {
        header,
        payload: v.payload,
    })
}

/// Steps 1–9, payload only (no header tree is built).
pub fn verify_payload(
    token: &[u8],
    keys: &KeySet,
    algorithms: AlgSet,
    max_token_bytes: usize,
) -> Result<Vec<u8>> {
    let mut scratch = Scratch::default();
    verify_in(token, keys, algorithms, max_token_bytes, &mut scratch).map(|v| v.payload)
}

/// Raw primitive check: key selection as §3.8, then crypto only.
pub fn verify_signature(
    keys: &KeySet,
    kid: Option<&str>,
    alg: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<()> {
    let alg =
        Algorithm::from_name(alg).ok_or(Error::new(ErrorKind::UnsupportedAlg, "unknown alg"))?;
    keys.select(kid, alg)?.verifier.verify(message, signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{hmac_verifier, KeyEntry};
    use aws_lc_rs::hmac;

    const SECRET: [u8; 32] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
        25, 26, 27, 28, 29, 30, 31,
    ];

    fn keys() -> KeySet {
        let entry = KeyEntry {
            kid: Some("hs-1".into()),
            alg: Algorithm::HS256,
            verifier: hmac_verifier(Algorithm::HS256, &SECRET).unwrap(),
        };
        KeySet::new(vec![entry], false).unwrap()
    }

    fn sign(header: &str, payload: &str) -> String {
        let input = format!(
            "{}.{}",
            b64::encode(header.as_bytes()),
            b64::encode(payload.as_bytes())
        );
        let key = hmac::Key::new(hmac::HMAC_SHA256, &SECRET);
        let tag = hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", b64::encode(tag.as_ref()))
    }

    fn code(token: &str) -> &'static str {
        let algs = AlgSet::from_names(&["HS256", "RS256"]).unwrap();
        match verify(token.as_bytes(), &keys(), algs, 8192) {
            Ok(_) => "ok",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn happy_path_and_payload() {
        let t = sign(r#"{"alg":"HS256","kid":"hs-1"}"#, r#"{"a":1}"#);
        let v = verify(
            t.as_bytes(),
            &keys(),
            AlgSet::from_names(&["HS256"]).unwrap(),
            8192,
        )
        .unwrap();
        assert_eq!(v.payload, br#"{"a":1}"#);
        assert_eq!(code(&sign(r#"{"alg":"HS256"}"#, "x")), "ok");
    }

    #[test]
    fn br20_canonical_signature() {
        // BR-20 recipe: HS256 under hs-1 over eyJhbGciOiJIUzI1NiJ9.e30
        let good = "eyJhbGciOiJIUzI1NiJ9.e30.CUR7dTRVDfvcPJVuQkvKXSNgviuym4azfOfKrl4dmFY";
        assert_eq!(code(good), "ok");
        for c in ['Z', 'a', 'b'] {
            let mut t = good.to_string();
            t.pop();
            t.push(c);
            assert_eq!(code(&t), "malformed");
        }
    }

    #[test]
    fn framing_order() {
        assert_eq!(code(""), "malformed");
        assert_eq!(code("a.b"), "malformed");
        assert_eq!(code("a.b.c.d"), "malformed");
        assert_eq!(code("..."), "malformed");
        let t = sign(r#"{"alg":"HS256"}"#, "{}");
        assert_eq!(code(&format!("{t}.")), "malformed");
        assert_eq!(code(&format!(" {t}")), "malformed");
        assert_eq!(code(&format!("{t}\n")), "malformed");
        assert_eq!(code(&t.replacen('.', "=.", 1)), "malformed");
        assert_eq!(code(".e30.AA"), "malformed");
        assert_eq!(code(&sign(r#"{"alg":"HS256"}"#, "")), "ok"); // empty payload allowed
        let big = "A".repeat(9000);
        assert_eq!(code(&big), "too_large");
        assert_eq!(code(&".".repeat(9000)), "too_large");
        // none in any case → unsupported_alg
        for alg in ["none", "NONE", "None", "nOnE"] {
            let h = b64::encode(format!("{{\"alg\":\"{alg}\",\"kid\":\"hs-1\"}}").as_bytes());
            assert_eq!(code(&format!("{h}.e30.")), "unsupported_alg");
        }
        assert_eq!(code("eyJhbGciOiJub25lIn0=.e30."), "malformed");
    }

    #[test]
    fn framing_error_messages_keep_step_order() {
        let msg = |t: &str| {
            let algs = AlgSet::from_names(&["HS256"]).unwrap();
            verify(t.as_bytes(), &keys(), algs, 8192)
                .unwrap_err()
                .message
                .into_owned()
        };
        let alphabet = "token contains characters outside base64url";
        let base64 = "segment is not canonical unpadded base64url";
        // a step-3 failure anywhere beats step-4 and empty-header failures
        assert_eq!(msg("A.e30.a b"), alphabet);
        assert_eq!(msg("e30.A.a=b"), alphabet);
        assert_eq!(msg("e30.e30.A+"), alphabet);
        assert_eq!(msg(".e30.a\u{e9}"), alphabet);
        assert_eq!(msg("e31.e30.AA"), base64);
        assert_eq!(msg("e30.A.AA"), base64);
        assert_eq!(msg("e30.e30.A"), base64);
        assert_eq!(msg(".e30.AA"), "empty header segment");
        assert_eq!(
            msg("a.b.c.d e"),
            "token must have exactly three dot-separated parts"
        );
    }

    #[test]
    fn header_rules() {
        assert_eq!(
            code(&sign(r#"{"alg":"HS256","crit":["x"],"x":1}"#, "{}")),
            "unsupported_crit"
        );
        assert_eq!(
            code(&sign(r#"{"alg":"HS256","crit":[]}"#, "{}")),
            "malformed"
        );
        assert_eq!(
            code(&sign(r#"{"alg":"HS256","crit":"x"}"#, "{}")),
            "malformed"
        );
        assert_eq!(
            code(&sign(r#"{"alg":"HS256","crit":[1]}"#, "{}")),
            "malformed"
        );
        assert_eq!(code(&sign(r#"{"crit":["x"]}"#, "{}")), "unsupported_crit");
        assert_eq!(
            code(&sign(r#"{"alg":"HS256","alg":"HS512","kid":"hs-1"}"#, "{}")),
            "malformed"
        );
        assert_eq!(
            code(&sign(
                r#"{"alg":"HS256","\u0061lg":"none","kid":"hs-1"}"#,
                "{}"
            )),
            "malformed"
        );
        assert_eq!(code(&sign(r#"{"alg":1}"#, "{}")), "malformed");
        assert_eq!(code(&sign(r#"{}"#, "{}")), "malformed");
        assert_eq!(code(&sign(r#"[]"#, "{}")), "malformed");
        assert_eq!(code(&sign(r#"{"alg":"HS384"}"#, "{}")), "unsupported_alg");
        assert_eq!(code(&sign(r#"{"alg":"RS256"}"#, "{}")), "key_not_found");
        assert_eq!(
            code(&sign(r#"{"alg":"RS256","kid":"hs-1"}"#, "{}")),
            "unsupported_alg"
        );
        assert_eq!(code(&sign(r#"{"alg":"HS256","kid":5}"#, "{}")), "malformed");
        assert_eq!(
            code(&sign(r#"{"alg":"HS256","kid":"../../dev/null"}"#, "{}")),
            "key_not_found"
        );
        assert_eq!(
            code(&sign(
                &format!("{{\"alg\":\"HS256\",\"kid\":\"{}\"}}", "k".repeat(10000)),
                "{}"
            )),
            "too_large"
        );
        assert_eq!(
            code(&sign(
                &format!("{{\"alg\":\"HS256\",\"kid\":\"{}\"}}", "k".repeat(300)),
                "{}"
            )),
            "key_not_found"
        );
        // jwk/jku etc are ignored
        assert_eq!(
            code(&sign(
                r#"{"alg":"HS256","jku":"file:///etc/hostname","jwk":{}}"#,
                "{}"
            )),
            "ok"
        );
    }

    #[test]
    fn signature_failures() {
        let t = sign(r#"{"alg":"HS256"}"#, "{}");
        let (body, _) = t.rsplit_once('.').unwrap();
        assert_eq!(code(&format!("{body}.")), "bad_signature");
        assert_eq!(code(&format!("{body}.AAAA")), "bad_signature");
        let mut tampered = t.clone().into_bytes();
        let last = tampered.len() - 5;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            code(std::str::from_utf8(&tampered).unwrap()),
            "bad_signature"
        );
        // long signature segment (heap path) still verified/decoded strictly
        assert_eq!(
            code(&format!("{body}.{}", "A".repeat(2000))),
            "bad_signature"
        );
        assert_eq!(code(&format!("{body}.{}B", "A".repeat(1998))), "malformed");
    }

    #[test]
    fn verify_signature_primitive() {
        let k = keys();
        let key = hmac::Key::new(hmac::HMAC_SHA256, &SECRET);
        let tag = hmac::sign(&key, b"msg");
        assert!(verify_signature(&k, Some("hs-1"), "HS256", b"msg", tag.as_ref()).is_ok());
        assert!(verify_signature(&k, None, "HS256", b"msg", tag.as_ref()).is_ok());
        let e = verify_signature(&k, None, "HS256", b"msg", &tag.as_ref()[..16]).unwrap_err();
        assert_eq!(e.code(), "bad_signature");
        assert_eq!(
            verify_signature(&k, None, "none", b"", b"")
                .unwrap_err()
                .code(),
            "unsupported_alg"
        );
        assert_eq!(
            verify_signature(&k, Some("hs-1"), "HS512", b"", b"")
                .unwrap_err()
                .code(),
            "unsupported_alg"
        );
    }
}
