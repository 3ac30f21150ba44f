//! The raw verification floor: median µs per aws-lc-rs verify with a
//! pre-parsed key over a pool of distinct messages and signatures (no JWS
//! parsing, no JSON). Prints `floor <ALG> <median_us>` lines.
//!
//! Run: `cargo run --release --example verify_floor`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, ParsedPublicKey, RsaKeyPair,
};
use aws_lc_rs::{hmac, rsa};

const POOL: usize = 256;
const ROUNDS: usize = 15;

fn messages() -> Vec<Vec<u8>> {
    (0..POOL)
        .map(|i| {
            format!("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLXtpfSIsImlhdCI6{i:08}fQ").into_bytes()
        })
        .collect()
}

/// Median over rounds of (time for one pass over the pool / pool size), in µs.
fn median_us(mut verify_one: impl FnMut(usize)) -> f64 {
    for i in 0..POOL {
        verify_one(i); // warm-up
    }
    let mut samples: Vec<f64> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            for i in 0..POOL {
                verify_one(i);
            }
            start.elapsed().as_secs_f64() * 1e6 / POOL as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[ROUNDS / 2]
}

fn report(alg: &str, us: f64) {
    println!("floor {alg} {us:.3}");
}

fn main() {
    let rng = SystemRandom::new();
    let msgs = messages();

    // RS256 / PS256 on one 2048-bit key.
    let rsa_key = RsaKeyPair::generate(rsa::KeySize::Rsa2048).unwrap();
    let rsa_pub = rsa_key.public_key().as_ref().to_vec();
    for (name, enc, params) in [
        (
            "RS256",
            &signature::RSA_PKCS1_SHA256 as &dyn signature::RsaEncoding,
            &signature::RSA_PKCS1_2048_8192_SHA256,
        ),
        (
            "PS256",
            &signature::RSA_PSS_SHA256,
            &signature::RSA_PSS_2048_8192_SHA256,
        ),
    ] {
        let sigs: Vec<Vec<u8>> = msgs
            .iter()
            .map(|m| {
                let mut sig = vec![0u8; rsa_key.public_modulus_len()];
                rsa_key.sign(enc, &rng, m, &mut sig).unwrap();
                sig
            })
            .collect();
        let key = ParsedPublicKey::new(params, &rsa_pub).unwrap();
        report(
            name,
            median_us(|i| key.verify_sig(black_box(&msgs[i]), &sigs[i]).unwrap()),
        );
    }

    // ES256
    let doc =
        EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let ec = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref())
        .unwrap();
    let sigs: Vec<Vec<u8>> = msgs
        .iter()
        .map(|m| ec.sign(&rng, m).unwrap().as_ref().to_vec())
        .collect();
    let key = ParsedPublicKey::new(
        &signature::ECDSA_P256_SHA256_FIXED,
        ec.public_key().as_ref(),
    )
    .unwrap();
    report(
        "ES256",
        median_us(|i| key.verify_sig(black_box(&msgs[i]), &sigs[i]).unwrap()),
    );

    // EdDSA
    let ed = Ed25519KeyPair::generate().unwrap();
    let sigs: Vec<Vec<u8>> = msgs.iter().map(|m| ed.sign(m).as_ref().to_vec()).collect();
    let key = ParsedPublicKey::new(&signature::ED25519, ed.public_key().as_ref()).unwrap();
    report(
        "EdDSA",
        median_us(|i| key.verify_sig(black_box(&msgs[i]), &sigs[i]).unwrap()),
    );

    // HS256
    let key = hmac::Key::new(hmac::HMAC_SHA256, &[0x42; 32]);
    let tags: Vec<Vec<u8>> = msgs
        .iter()
        .map(|m| hmac::sign(&key, m).as_ref().to_vec())
        .collect();
    report(
        "HS256",
        median_us(|i| hmac::verify(&key, black_box(&msgs[i]), &tags[i]).unwrap()),
    );
}
