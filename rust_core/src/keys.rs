//! Key sets (semantics §2): JWK/JWKS parsing into entries bound to exactly
//! one algorithm each, with every key parsed once at load.

use std::collections::HashMap;
use std::sync::OnceLock;

use aws_lc_rs::hmac;
use num_bigint::BigUint;

use crate::alg::{Algorithm, Family};
use crate::b64;
use crate::crypto::{self, Verifier};
use crate::error::{key_rejected, Error, ErrorKind, Result};
use crate::json::{self, Value};

/// Longest accepted `kid` in bytes; longer header kids never match.
pub const MAX_KID_BYTES: usize = 256;
/// Kid sets up to this size are searched linearly (faster than hashing).
const LINEAR_KID_SCAN: usize = 8;

/// One trusted key: optional kid, the one algorithm it is bound to, and the
/// pre-parsed verifier.
#[derive(Debug)]
pub struct KeyEntry {
    pub kid: Option<String>,
    pub alg: Algorithm,
    pub verifier: Verifier,
}

/// An immutable set of trusted keys.
#[derive(Debug)]
pub struct KeySet {
    entries: Vec<KeyEntry>,
    by_kid: HashMap<String, usize>,
}

const KEY_NOT_FOUND: Error = Error::new(ErrorKind::KeyNotFound, "no trusted key matches the token");
const KEY_ALG_MISMATCH: Error = Error::new(
    ErrorKind::UnsupportedAlg,
    "token alg differs from the algorithm the key is bound to",
);

impl KeySet {
    /// Build from entries: non-empty, unique kids (at most one without kid),
    /// no mixing of HMAC and asymmetric keys unless `allow_mixed`.
    pub fn new(entries: Vec<KeyEntry>, allow_mixed: bool) -> Result<KeySet> {
        if entries.is_empty() {
            return Err(key_rejected("empty key set"));
        }
        let has_hmac = entries.iter().any(|e| e.verifier.is_hmac());
        let has_public = entries.iter().any(|e| !e.verifier.is_hmac());
        if has_hmac && has_public && !allow_mixed {
            return Err(key_rejected(
                "key set mixes shared secrets and public keys (allow_mixed is off)",
            ));
        }
        let mut by_kid = HashMap::with_capacity(entries.len());
        let mut kidless = 0usize;
        for (i, e) in entries.iter().enumerate() {
            match &e.kid {
                Some(kid) => {
                    if by_kid.insert(kid.clone(), i).is_some() {
                        return Err(Error::owned(
                            ErrorKind::KeyRejected,
                            format!("duplicate kid {kid:?} in key set"),
                        ));
                    }
                }
                None => {
                    kidless += 1;
                    if kidless > 1 {
                        return Err(key_rejected("more than one key without kid"));
                    }
                }
            }
        }
        Ok(KeySet { entries, by_kid })
    }

    /// Parse `{"keys": [...]}` (strict JSON) into a key set.
    pub fn from_jwks_json(data: &[u8], allow_mixed: bool) -> Result<KeySet> {
        let doc = json::parse(data).map_err(|_| key_rejected("JWKS is not valid strict JSON"))?;
        let members = doc
            .as_object()
            .ok_or_else(|| key_rejected("JWKS is not a JSON object"))?;
        let keys = match json::get(members, "keys") {
            Some(Value::Array(keys)) => keys,
            _ => return Err(key_rejected("JWKS has no \"keys\" list")),
        };
        let mut entries = Vec::with_capacity(keys.len());
        for key in keys {
            let jwk = key
                .as_object()
                .ok_or_else(|| key_rejected("JWKS entry is not an object"))?;
            entries.push(parse_jwk(jwk)?);
        }
        KeySet::new(entries, allow_mixed)
    }

    pub fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn kids(&self) -> Vec<Option<&str>> {
        self.entries.iter().map(|e| e.kid.as_deref()).collect()
    }

    pub fn algs(&self) -> Vec<Algorithm> {
        self.entries.iter().map(|e| e.alg).collect()
    }

    /// Key selection, semantics §3.8.
    #[inline]
    pub fn select(&self, kid: Option<&str>, alg: Algorithm) -> Result<&KeyEntry> {
        let entry = match kid {
            Some(kid) => {
                if kid.len() > MAX_KID_BYTES {
                    return Err(KEY_NOT_FOUND);
                }
                let found = if self.entries.len() <= LINEAR_KID_SCAN {
                    self.entries.iter().find(|e| e.kid.as_deref() == Some(kid))
                } else {
                    self.by_kid.get(kid).and_then(|&i| self.entries.get(i))
                };
                found.ok_or(KEY_NOT_FOUND)?
            }
            // No kid: only a one-key set whose key fits; never guess among
            // several keys (hostile-inputs BR-09/BR-13).
            None => match self.entries.as_slice() {
                [only] if only.alg == alg => only,
                _ => return Err(KEY_NOT_FOUND),
            },
        };
        if entry.alg != alg {
            return Err(KEY_ALG_MISMATCH);
        }
        Ok(entry)
    }
}

// ---------------------------------------------------------------------------
// JWK members
// ---------------------------------------------------------------------------

fn string_member<'a>(jwk: &'a [(String, Value)], name: &str) -> Result<Option<&'a str>> {
    match json::get(jwk, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::owned(
            ErrorKind::KeyRejected,
            format!("JWK member {name:?} is not a string"),
        )),
    }
}

fn binary_member(jwk: &[(String, Value)], name: &str) -> Result<Vec<u8>> {
    let s = string_member(jwk, name)?.ok_or_else(|| {
        Error::owned(
            ErrorKind::KeyRejected,
            format!("JWK member {name:?} is required"),
        )
    })?;
    b64::decode(s.as_bytes()).ok_or_else(|| {
        Error::owned(
            ErrorKind::KeyRejected,
            format!("JWK member {name:?} is not canonical unpadded base64url"),
        )
    })
}

/// Parse one JWK (already a JSON object) into a key entry.
pub fn parse_jwk(jwk: &[(String, Value)]) -> Result<KeyEntry> {
    let kty = string_member(jwk, "kty")?.ok_or_else(|| key_rejected("JWK has no kty"))?;
    let alg = match string_member(jwk, "alg")? {
        None => None,
        Some(name) => Some(Algorithm::from_name(name).ok_or_else(|| {
            Error::owned(
                ErrorKind::KeyRejected,
                format!("unsupported JWK alg {name:?}"),
            )
        })?),
    };
    if let Some(u) = json::get(jwk, "use") {
        if u.as_str() != Some("sig") {
            return Err(key_rejected("JWK use must be \"sig\""));
        }
    }
    if let Some(ops) = json::get(jwk, "key_ops") {
        let ok = match ops {
            Value::Array(items) => {
                items.iter().all(|v| v.as_str().is_some())
                    && items.iter().any(|v| v.as_str() == Some("verify"))
            }
            _ => false,
        };
        if !ok {
            return Err(key_rejected(
                "JWK key_ops must be a list of strings containing \"verify\"",
            ));
        }
    }
    let kid = match string_member(jwk, "kid")? {
        Some(k) if k.len() > MAX_KID_BYTES => {
            return Err(key_rejected("JWK kid longer than 256 bytes"))
        }
        k => k.map(str::to_owned),
    };
    let (alg, verifier) = match kty {
        "oct" => oct_key(jwk, alg)?,
        "RSA" => rsa_key(jwk, alg)?,
        "EC" => ec_key(jwk, alg)?,
        "OKP" => okp_key(jwk, alg)?,
        _ => return Err(key_rejected("unsupported JWK kty")),
    };
    Ok(KeyEntry { kid, alg, verifier })
}

fn require_family(alg: Option<Algorithm>, family: Family) -> Result<Option<Algorithm>> {
    match alg {
        Some(a) if a.family() != family => Err(key_rejected("JWK alg does not fit the key type")),
        a => Ok(a),
    }
}

fn oct_key(jwk: &[(String, Value)], alg: Option<Algorithm>) -> Result<(Algorithm, Verifier)> {
    let alg = require_family(alg, Family::Hmac)?
        .ok_or_else(|| key_rejected("alg is required for RSA/oct keys"))?;
    let secret = binary_member(jwk, "k")?;
    Ok((alg, hmac_verifier(alg, &secret)?))
}

/// An HMAC key after the §2 secret checks.
pub fn hmac_verifier(alg: Algorithm, secret: &[u8]) -> Result<Verifier> {
    let algorithm =
        crypto::hmac_algorithm(alg).ok_or_else(|| key_rejected("not an HMAC algorithm"))?;
    check_hmac_secret(alg, secret)?;
    Ok(Verifier::Hmac(Box::new(hmac::Key::new(algorithm, secret))))
}

/// Python's `bytes.strip()` whitespace: space, \t, \n, \v, \f, \r.
fn is_py_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// RFC 7518 §3.2 minimum length, and refuse secrets that look like public-key
/// material (algorithm confusion, BR-03/BR-05): PEM/OpenSSH markers, a strict
/// JSON object (JWK/JWKS text), or a DER SEQUENCE holding a public-key OID.
pub fn check_hmac_secret(alg: Algorithm, secret: &[u8]) -> Result<()> {
    if secret.len() < alg.size_bytes() {
        return Err(Error::owned(
            ErrorKind::KeyRejected,
            format!(
                "{} secret must be at least {} bytes",
                alg.name(),
                alg.size_bytes()
            ),
        ));
    }
    let start = secret
        .iter()
        .position(|&b| !is_py_ascii_space(b))
        .unwrap_or(secret.len());
    let end = secret
        .iter()
        .rposition(|&b| !is_py_ascii_space(b))
        .map_or(start, |i| i + 1);
    let s = secret.get(start..end).unwrap_or_default();
    const PREFIXES: [&[u8]; 5] = [
        b"-----BEGIN",
        b"ssh-",
        b"ecdsa-sha2-",
        b"sk-ssh-",
        b"sk-ecdsa-",
    ];
    const MARKERS: [&[u8]; 3] = [b"PUBLIC KEY", b"PRIVATE KEY", b"CERTIFICATE"];
    const OIDS: [&[u8]; 3] = [
        &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01],
        &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01],
        &[0x2B, 0x65, 0x70],
    ];
    let looks_public = PREFIXES.iter().any(|p| s.starts_with(p))
        || MARKERS.iter().any(|m| contains(s, m))
        || (s.first() == Some(&b'{') && matches!(json::parse(s), Ok(Value::Object(_))))
        || (secret.first() == Some(&0x30) && OIDS.iter().any(|o| contains(secret, o)));
    if looks_public {
        return Err(key_rejected("HMAC secret looks like public-key material"));
    }
    Ok(())
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default()
}

fn rsa_key(jwk: &[(String, Value)], alg: Option<Algorithm>) -> Result<(Algorithm, Verifier)> {
    let alg = require_family(alg, Family::Rsa)?
        .ok_or_else(|| key_rejected("alg is required for RSA/oct keys"))?;
    let n_raw = binary_member(jwk, "n")?;
    let e_raw = binary_member(jwk, "e")?;
    let verifier = rsa_verifier(alg, &n_raw, &e_raw)?;
    Ok((alg, verifier))
}

/// An RSA verifier from big-endian n and e after the §2 checks.
pub fn rsa_verifier(alg: Algorithm, n: &[u8], e: &[u8]) -> Result<Verifier> {
    let n = strip_leading_zeros(n);
    let e = strip_leading_zeros(e);
    // After stripping, a non-empty `n` starts with a non-zero byte; an empty or all-zero
    // `n` has 0 bits (never `len * 8 - 8`, which underflows for an empty slice).
    let bits = n
        .first()
        .map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize);
    if !(2048..=8192).contains(&bits) {
        return Err(key_rejected("RSA modulus must be 2048..=8192 bits"));
    }
    if n.last().map_or(true, |b| b & 1 == 0) {
        return Err(key_rejected("RSA modulus must be odd"));
    }
    if e.len() > 4 {
        return Err(key_rejected("RSA exponent must be at most 2^32-1"));
    }
    let e_val = e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    if e_val < 3 || e_val & 1 == 0 {
        return Err(key_rejected("RSA exponent must be odd and at least 3"));
    }
    if is_roca_modulus(n) {
        return Err(key_rejected(
            "ROCA-vulnerable RSA modulus (Infineon fingerprint)",
        ));
    }
    let der = rsa_public_key_der(n, e);
    crypto::parse_public(alg, &der, n.len())
        .ok_or_else(|| key_rejected("RSA key refused by the crypto library"))
}

fn der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        let tail = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | tail.len() as u8);
        out.extend_from_slice(tail);
    }
}

fn der_uint(out: &mut Vec<u8>, value: &[u8]) {
    let pad = value.first().map_or(true, |&b| b & 0x80 != 0);
    out.push(0x02);
    der_len(out, value.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(value);
}

/// PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(n.len() + e.len() + 16);
    der_uint(&mut body, n);
    der_uint(&mut body, e);
    let mut out = Vec::with_capacity(body.len() + 8);
    out.push(0x30);
    der_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

/// Primes of the ROCA fingerprint (Nemec et al., CCS 2017; `roca-detect`).
const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// For each ROCA prime p, the subgroup of (Z/p)* generated by 65537, as a
/// 192-bit membership mask.
fn roca_masks() -> &'static [[u64; 3]; 38] {
    static MASKS: OnceLock<[[u64; 3]; 38]> = OnceLock::new();
    MASKS.get_or_init(|| {
        let mut masks = [[0u64; 3]; 38];
        for (mask, &p) in masks.iter_mut().zip(ROCA_PRIMES.iter()) {
            let g = 65537 % p;
            let mut x = 1u32;
            loop {
                if let Some(word) = mask.get_mut((x / 64) as usize) {
                    *word |= 1 << (x % 64);
                }
                x = x * g % p;
                if x == 1 {
                    break;
                }
            }
        }
        masks
    })
}

/// Infineon fingerprint: n mod p lies in ⟨65537⟩ mod p for every ROCA prime.
pub fn is_roca_modulus(n: &[u8]) -> bool {
    roca_masks()
        .iter()
        .zip(ROCA_PRIMES.iter())
        .all(|(mask, &p)| {
            let r = n
                .iter()
                .fold(0u32, |acc, &b| (acc * 256 + u32::from(b)) % p);
            mask.get((r / 64) as usize)
                .is_some_and(|w| w & (1 << (r % 64)) != 0)
        })
}

fn ec_key(jwk: &[(String, Value)], alg: Option<Algorithm>) -> Result<(Algorithm, Verifier)> {
    let crv_alg = match string_member(jwk, "crv")? {
        Some("P-256") => Algorithm::ES256,
        Some("P-384") => Algorithm::ES384,
        Some("P-521") => Algorithm::ES512,
        _ => return Err(key_rejected("EC crv must be P-256, P-384 or P-521")),
    };
    let alg = require_family(alg, Family::Ec)?.unwrap_or(crv_alg);
    if alg != crv_alg {
        return Err(key_rejected("JWK alg does not match the curve"));
    }
    let x = binary_member(jwk, "x")?;
    let y = binary_member(jwk, "y")?;
    Ok((alg, ec_verifier(alg, &x, &y)?))
}

/// An ECDSA verifier from affine coordinates (exactly the field size each).
pub fn ec_verifier(alg: Algorithm, x: &[u8], y: &[u8]) -> Result<Verifier> {
    let size = alg.size_bytes();
    if x.len() != size || y.len() != size {
        return Err(key_rejected(
            "EC coordinates must be exactly the field size",
        ));
    }
    let mut point = Vec::with_capacity(1 + 2 * size);
    point.push(0x04);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    crypto::parse_public(alg, &point, 0).ok_or_else(|| key_rejected("EC point is not on the curve"))
}

fn okp_key(jwk: &[(String, Value)], alg: Option<Algorithm>) -> Result<(Algorithm, Verifier)> {
    if string_member(jwk, "crv")? != Some("Ed25519") {
        return Err(key_rejected("OKP crv must be Ed25519"));
    }
    let alg = require_family(alg, Family::Okp)?.unwrap_or(Algorithm::EdDSA);
    let x = binary_member(jwk, "x")?;
    Ok((alg, ed25519_verifier(&x)?))
}

/// An Ed25519 verifier; the 32 bytes must decode as a curve point.
pub fn ed25519_verifier(x: &[u8]) -> Result<Verifier> {
    if x.len() != 32 || !ed25519_point_decodes(x) {
        return Err(key_rejected("Ed25519 public key is not a valid point"));
    }
    crypto::parse_public(Algorithm::EdDSA, x, 0).ok_or_else(|| key_rejected("Ed25519 key refused"))
}

/// RFC 8032 §5.1.3 point decoding succeeds (y < p, x² = (y²−1)/(dy²+1) is a
/// square, and not x = 0 with the sign bit set).
pub fn ed25519_point_decodes(enc: &[u8]) -> bool {
    let mut bytes = [0u8; 32];
    if enc.len() != 32 {
        return false;
    }
    bytes.copy_from_slice(enc);
    let sign = bytes[31] >> 7;
    bytes[31] &= 0x7f;
    let p = (BigUint::from(1u8) << 255u32) - BigUint::from(19u8);
    let y = BigUint::from_bytes_le(&bytes);
    if y >= p {
        return false;
    }
    let one = BigUint::from(1u8);
    // d = -121665 / 121666 mod p
    let inv = |v: &BigUint| v.modpow(&(&p - BigUint::from(2u8)), &p);
    let d = (&p - BigUint::from(121_665u32)) * inv(&BigUint::from(121_666u32)) % &p;
    let y2 = &y * &y % &p;
    let u = (&y2 + &p - &one) % &p;
    let v = (&d * &y2 + &one) % &p;
    let x2 = &u * inv(&v) % &p;
    if x2 == BigUint::from(0u8) {
        return sign == 0;
    }
    let legendre = x2.modpow(&((&p - &one) >> 1u32), &p);
    legendre == one
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(s: &str) -> Result<KeyEntry> {
        let v = json::parse(s.as_bytes()).unwrap();
        parse_jwk(v.as_object().unwrap())
    }

    const HS1: &str = r#"{"kty":"oct","kid":"hs-1","alg":"HS256","k":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}"#;

    #[test]
    fn oct_rules() {
        assert!(jwk(HS1).is_ok());
        assert!(jwk(&HS1.replace("\"alg\":\"HS256\",", "")).is_err());
        assert!(jwk(&HS1.replace("HS256", "HS384")).is_err()); // 32 bytes < 48
        assert!(jwk(&HS1.replace("HS256", "RS256")).is_err());
        assert!(jwk(&HS1.replace("}", ",\"use\":\"enc\"}")).is_err());
        assert!(jwk(&HS1.replace("}", ",\"use\":\"sig\"}")).is_ok());
        assert!(jwk(&HS1.replace("}", ",\"key_ops\":[\"sign\"]}")).is_err());
        assert!(jwk(&HS1.replace("}", ",\"key_ops\":[\"sign\",\"verify\"]}")).is_ok());
        assert!(jwk(&HS1.replace("}", ",\"key_ops\":\"verify\"}")).is_err());
        assert!(jwk(&HS1.replace("\"hs-1\"", "1")).is_err());
    }

    #[test]
    fn rsa_degenerate_modulus_is_rejected_not_a_panic() {
        // fuzz OPEN-1: `n.len() * 8 - 8` underflowed for an empty / all-zero modulus.
        for n in [&[][..], &[0u8; 3][..], &[0u8; 256][..], &[0, 0, 1][..]] {
            assert!(rsa_verifier(Algorithm::RS256, n, &[1, 0, 1]).is_err());
        }
    }

    #[test]
    fn hmac_secret_checks() {
        let a = Algorithm::HS256;
        assert!(check_hmac_secret(a, &[7u8; 32]).is_ok());
        assert!(check_hmac_secret(a, &[7u8; 31]).is_err());
        assert!(check_hmac_secret(a, &[]).is_err());
        let pem = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n-----END PUBLIC KEY-----\n";
        assert!(check_hmac_secret(a, pem).is_err());
        assert!(check_hmac_secret(
            a,
            b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDdaaaaaaaaaaaaaaaaa"
        )
        .is_err());
        assert!(check_hmac_secret(
            a,
            b"  \n{\"kty\":\"RSA\",\"n\":\"abcdefghijklmnopqrstuvwxyz\"}"
        )
        .is_err());
        assert!(
            check_hmac_secret(a, b"\x0b ecdsa-sha2-nistp256 AAAAAAAAAAAAAAAAAAAAAAAAAAAA").is_err()
        );
        let mut der = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];
        der.extend_from_slice(&[1u8; 33]);
        assert!(check_hmac_secret(a, &der).is_err());
        der[0] = 0x31;
        assert!(check_hmac_secret(a, &der).is_ok());
    }

    #[test]
    fn der_encoding() {
        assert_eq!(
            rsa_public_key_der(&[0x80], &[3]),
            vec![0x30, 7, 2, 2, 0, 0x80, 2, 1, 3]
        );
        let mut out = Vec::new();
        der_len(&mut out, 300);
        assert_eq!(out, vec![0x82, 0x01, 0x2c]);
    }

    #[test]
    fn roca_masks_match_published_prints() {
        // roca-detect's first "prints" values.
        let expected: [u128; 6] = [6, 30, 126, 1026, 5658, 107286];
        for (mask, want) in roca_masks().iter().zip(expected) {
            let got = u128::from(mask[0]) | (u128::from(mask[1]) << 64);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn ed25519_decoding() {
        // RFC 8032 test 1 public key
        let pk = [
            0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64,
            0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68,
            0xf7, 0x07, 0x51, 0x1a,
        ];
        assert!(ed25519_point_decodes(&pk));
        // y = 1 → x = 0; with sign bit → invalid
        let mut one = [0u8; 32];
        one[0] = 1;
        assert!(ed25519_point_decodes(&one));
        one[31] = 0x80;
        assert!(!ed25519_point_decodes(&one));
        // y = p (non-canonical)
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!ed25519_point_decodes(&p));
        // y = 2 is not on the curve (x² non-square)
        let mut two = [0u8; 32];
        two[0] = 2;
        assert!(!ed25519_point_decodes(&two));
    }

    #[test]
    fn keyset_rules() {
        let e = || jwk(HS1).unwrap();
        assert!(KeySet::new(vec![], false).is_err());
        assert!(KeySet::new(vec![e(), e()], false).is_err());
        let ks = KeySet::new(vec![e()], false).unwrap();
        assert!(ks.select(Some("hs-1"), Algorithm::HS256).is_ok());
        assert_eq!(
            ks.select(Some("hs-1"), Algorithm::HS512).unwrap_err().kind,
            ErrorKind::UnsupportedAlg
        );
        assert_eq!(
            ks.select(Some("x"), Algorithm::HS256).unwrap_err().kind,
            ErrorKind::KeyNotFound
        );
        assert!(ks.select(None, Algorithm::HS256).is_ok());
        assert_eq!(
            ks.select(None, Algorithm::HS384).unwrap_err().kind,
            ErrorKind::KeyNotFound
        );
        let long = "h".repeat(257);
        assert_eq!(
            ks.select(Some(&long), Algorithm::HS256).unwrap_err().kind,
            ErrorKind::KeyNotFound
        );
        let ks2 =
            KeySet::from_jwks_json(format!("{{\"keys\":[{HS1}]}}").as_bytes(), false).unwrap();
        assert_eq!(ks2.kids(), vec![Some("hs-1")]);
        assert!(KeySet::from_jwks_json(b"{\"keys\":[]}", false).is_err());
        assert!(KeySet::from_jwks_json(b"[]", false).is_err());
    }
}
