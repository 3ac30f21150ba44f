//! The fixture both core examples use: one HS256, RS256 and ES256 key, a validator
//! that trusts all three, and a pool of distinct tokens per algorithm.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use tokenward_core::keys::{ec_verifier, hmac_verifier, KeyEntry};
use tokenward_core::{b64, Algorithm, KeySet, SigningKey, Validator, ValidatorConfig};

pub const POOL: usize = 256;
/// The clock every example validates at (inside every token's lifetime).
pub const NOW: f64 = 1_700_000_100.0;

/// The validator and `(alg, kid, signing key)` for HS256, RS256 and ES256.
pub fn setup() -> (Validator, Vec<(&'static str, &'static str, SigningKey)>) {
    let rng = SystemRandom::new();
    let rsa = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let rsa_doc: aws_lc_rs::encoding::Pkcs8V1Der = rsa.as_der().unwrap();
    let ec_doc =
        EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let ec = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, ec_doc.as_ref())
        .unwrap();
    let ec_pub = ec.public_key().as_ref().to_vec();

    let hs_key = SigningKey::new("HS256", &[0x42; 32]).unwrap();
    let rs_key = SigningKey::new("RS256", rsa_doc.as_ref()).unwrap();
    let es_key = SigningKey::new("ES256", ec_doc.as_ref()).unwrap();

    let rs_pub = rs_key.public_key().unwrap();
    let rs_verifier = {
        // PKCS#1 RSAPublicKey DER → n, e via the public loader path.
        let (n, e) = split_rsa_public(&rs_pub);
        tokenward_core::keys::rsa_verifier(Algorithm::RS256, &n, &e).unwrap()
    };
    let entries = vec![
        KeyEntry {
            kid: Some("hs".into()),
            alg: Algorithm::HS256,
            verifier: hmac_verifier(Algorithm::HS256, &[0x42; 32]).unwrap(),
        },
        KeyEntry {
            kid: Some("rs".into()),
            alg: Algorithm::RS256,
            verifier: rs_verifier,
        },
        KeyEntry {
            kid: Some("es".into()),
            alg: Algorithm::ES256,
            verifier: ec_verifier(Algorithm::ES256, &ec_pub[1..33], &ec_pub[33..]).unwrap(),
        },
    ];
    let keys = Arc::new(KeySet::new(entries, true).unwrap());
    let v = Validator::new(
        keys,
        ValidatorConfig {
            algorithms: vec!["HS256".into(), "RS256".into(), "ES256".into()],
            issuers: Some(vec!["https://issuer.example".into()]),
            audiences: Some(vec!["api://tokensvc".into()]),
            leeway: 30.0,
            required: vec!["exp".into(), "iss".into(), "aud".into()],
            typ: None,
            max_token_bytes: 8192,
        },
    )
    .unwrap();
    (
        v,
        vec![
            ("HS256", "hs", hs_key),
            ("RS256", "rs", rs_key),
            ("ES256", "es", es_key),
        ],
    )
}

pub fn tokens(alg: &str, kid: &str, key: &SigningKey) -> Vec<String> {
    (0..POOL)
        .map(|i| {
            let h = b64::encode(format!("{{\"alg\":\"{alg}\",\"kid\":\"{kid}\",\"typ\":\"JWT\"}}").as_bytes());
            let p = b64::encode(
                format!(
                    r#"{{"iss":"https://issuer.example","aud":"api://tokensvc","sub":"user-{i}","scope":"read write","iat":1700000000,"nbf":1700000000,"exp":1700000300,"jti":"j-{i}"}}"#
                )
                .as_bytes(),
            );
            let input = format!("{h}.{p}");
            let sig = key.sign(input.as_bytes()).unwrap();
            format!("{input}.{}", b64::encode(&sig))
        })
        .collect()
}

/// Minimal PKCS#1 RSAPublicKey DER reader (example only).
fn split_rsa_public(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn read(der: &[u8], pos: &mut usize) -> (u8, Vec<u8>) {
        let tag = der[*pos];
        let mut len = der[*pos + 1] as usize;
        *pos += 2;
        if len & 0x80 != 0 {
            let n = len & 0x7f;
            len = der[*pos..*pos + n]
                .iter()
                .fold(0, |a, &b| (a << 8) | b as usize);
            *pos += n;
        }
        let body = der[*pos..*pos + len].to_vec();
        *pos += len;
        (tag, body)
    }
    let mut pos = 0;
    let (_, seq) = read(der, &mut pos);
    let mut p = 0;
    let (_, n) = read(&seq, &mut p);
    let (_, e) = read(&seq, &mut p);
    (n, e)
}
