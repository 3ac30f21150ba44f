//! Signing keys (used by the token endpoint and tests).

use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

use crate::alg::{Algorithm, Family};
use crate::crypto;
use crate::error::{key_rejected, Error, ErrorKind, Result};
use crate::keys::check_hmac_secret;

enum Inner {
    Hmac(Box<hmac::Key>),
    Rsa(RsaKeyPair, &'static dyn signature::RsaEncoding),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key bound to one algorithm.
pub struct SigningKey {
    alg: Algorithm,
    inner: Inner,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.alg.name())
    }
}

fn ecdsa_signing(alg: Algorithm) -> Option<&'static signature::EcdsaSigningAlgorithm> {
    Some(match alg {
        Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        Algorithm::ES512 => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
        _ => return None,
    })
}

fn rsa_encoding(alg: Algorithm) -> Option<&'static dyn signature::RsaEncoding> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => return None,
    })
}

impl SigningKey {
    /// `key` is PKCS#8 DER for RS*/PS*/ES*/EdDSA, the raw secret for HS*.
    pub fn new(alg_name: &str, key: &[u8]) -> Result<SigningKey> {
        let alg =
            Algorithm::from_name(alg_name).ok_or(key_rejected("unsupported signing algorithm"))?;
        let inner = match alg.family() {
            Family::Hmac => {
                check_hmac_secret(alg, key)?;
                let a = crypto::hmac_algorithm(alg).ok_or(key_rejected("not an HMAC algorithm"))?;
                Inner::Hmac(Box::new(hmac::Key::new(a, key)))
            }
            Family::Rsa => {
                let pair = RsaKeyPair::from_pkcs8(key).map_err(|e| reject("RSA PKCS#8", e))?;
                let bits = pair.public_modulus_len() * 8;
                if !(2048..=8192).contains(&bits) {
                    return Err(key_rejected("RSA modulus must be 2048..=8192 bits"));
                }
                let enc = rsa_encoding(alg).ok_or(key_rejected("not an RSA algorithm"))?;
                Inner::Rsa(pair, enc)
            }
            Family::Ec => {
                let a = ecdsa_signing(alg).ok_or(key_rejected("not an ECDSA algorithm"))?;
                Inner::Ecdsa(
                    EcdsaKeyPair::from_pkcs8(a, key)
                        .map_err(|e| reject("EC PKCS#8 (or wrong curve)", e))?,
                )
            }
            Family::Okp => Inner::Ed25519(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(key)
                    .map_err(|e| reject("Ed25519 PKCS#8", e))?,
            ),
        };
        Ok(SigningKey { alg, inner })
    }

    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The raw public key: RSA PKCS#1 DER, EC uncompressed point, Ed25519 32
    /// bytes; `None` for HMAC.
    pub fn public_key(&self) -> Option<Vec<u8>> {
        match &self.inner {
            Inner::Hmac(_) => None,
            Inner::Rsa(k, _) => Some(k.public_key().as_ref().to_vec()),
            Inner::Ecdsa(k) => Some(k.public_key().as_ref().to_vec()),
            Inner::Ed25519(k) => Some(k.public_key().as_ref().to_vec()),
        }
    }

    /// JWS signature bytes over `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let failed = || Error::new(ErrorKind::KeyRejected, "signing failed");
        Ok(match &self.inner {
            Inner::Hmac(k) => hmac::sign(k, message).as_ref().to_vec(),
            Inner::Rsa(k, enc) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(*enc, &SystemRandom::new(), message, &mut sig)
                    .map_err(|_| failed())?;
                sig
            }
            Inner::Ecdsa(k) => k
                .sign(&SystemRandom::new(), message)
                .map_err(|_| failed())?
                .as_ref()
                .to_vec(),
            Inner::Ed25519(k) => k.sign(message).as_ref().to_vec(),
        })
    }
}

fn reject(what: &str, e: aws_lc_rs::error::KeyRejected) -> Error {
    Error::owned(ErrorKind::KeyRejected, format!("{what} key rejected: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{ec_verifier, ed25519_verifier, hmac_verifier};
    use aws_lc_rs::signature::KeyPair;

    #[test]
    fn hmac_roundtrip_and_checks() {
        let k = SigningKey::new("HS256", &[9u8; 32]).unwrap();
        let sig = k.sign(b"m").unwrap();
        hmac_verifier(Algorithm::HS256, &[9u8; 32])
            .unwrap()
            .verify(b"m", &sig)
            .unwrap();
        assert_eq!(
            SigningKey::new("HS256", &[9u8; 31]).unwrap_err().code(),
            "key_rejected"
        );
        assert_eq!(
            SigningKey::new("none", &[9u8; 32]).unwrap_err().code(),
            "key_rejected"
        );
    }

    #[test]
    fn ec_and_ed_roundtrip() {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
        let k = SigningKey::new("ES256", doc.as_ref()).unwrap();
        assert!(SigningKey::new("ES384", doc.as_ref()).is_err());
        let pubkey = k.public_key().unwrap();
        let sig = k.sign(b"m").unwrap();
        assert_eq!(sig.len(), 64);
        ec_verifier(Algorithm::ES256, &pubkey[1..33], &pubkey[33..])
            .unwrap()
            .verify(b"m", &sig)
            .unwrap();

        let doc = Ed25519KeyPair::generate_pkcs8v1(&rng).unwrap();
        let k = SigningKey::new("EdDSA", doc.as_ref()).unwrap();
        let sig = k.sign(b"m").unwrap();
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(doc.as_ref()).unwrap();
        ed25519_verifier(pair.public_key().as_ref())
            .unwrap()
            .verify(b"m", &sig)
            .unwrap();
    }
}
