//! Signature verification with keys parsed once at load time.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey, VerificationAlgorithm};

use crate::alg::Algorithm;
use crate::error::{Error, ErrorKind, Result};

const BAD_SIGNATURE: Error = Error::new(ErrorKind::BadSignature, "signature verification failed");

/// A pre-parsed verification key for exactly one algorithm.
pub enum Verifier {
    /// Boxed: an HMAC key holds two pre-keyed contexts (~1.2 KB).
    Hmac(Box<hmac::Key>),
    /// `modulus_len` = signature length in bytes.
    Rsa {
        key: ParsedPublicKey,
        modulus_len: usize,
    },
    /// `sig_len` = 2 × the curve's scalar length (raw r‖s).
    Ec {
        key: ParsedPublicKey,
        sig_len: usize,
    },
    Ed25519(ParsedPublicKey),
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verifier::Hmac(_) => "Verifier::Hmac",
            Verifier::Rsa { .. } => "Verifier::Rsa",
            Verifier::Ec { .. } => "Verifier::Ec",
            Verifier::Ed25519(_) => "Verifier::Ed25519",
        })
    }
}

impl Verifier {
    /// Verify `signature` over `message`; any failure is `bad_signature`.
    #[inline]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let ok = match self {
            Verifier::Hmac(key) => {
                !signature.is_empty() && hmac::verify(key, message, signature).is_ok()
            }
            Verifier::Rsa { key, modulus_len } => {
                signature.len() == *modulus_len && key.verify_sig(message, signature).is_ok()
            }
            Verifier::Ec { key, sig_len } => {
                // Length first, and never a lenient DER conversion (BR-07).
                signature.len() == *sig_len && key.verify_sig(message, signature).is_ok()
            }
            Verifier::Ed25519(key) => {
                signature.len() == 64 && key.verify_sig(message, signature).is_ok()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(BAD_SIGNATURE)
        }
    }

    pub fn is_hmac(&self) -> bool {
        matches!(self, Verifier::Hmac(_))
    }
}

pub(crate) fn hmac_algorithm(alg: Algorithm) -> Option<hmac::Algorithm> {
    Some(match alg {
        Algorithm::HS256 => hmac::HMAC_SHA256,
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => return None,
    })
}

/// RS*: PKCS#1 v1.5; PS*: PSS with MGF1(same hash) and salt = hash length.
pub(crate) fn rsa_parameters(alg: Algorithm) -> Option<&'static signature::RsaParameters> {
    Some(match alg {
        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

pub(crate) fn ecdsa_algorithm(
    alg: Algorithm,
) -> Option<&'static signature::EcdsaVerificationAlgorithm> {
    Some(match alg {
        Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
        Algorithm::ES512 => &signature::ECDSA_P521_SHA512_FIXED,
        _ => return None,
    })
}

/// Parse a verifier once. `der_or_raw` is: PKCS#1 RSAPublicKey DER (RSA),
/// the uncompressed point 0x04‖x‖y (EC), 32 raw bytes (Ed25519).
pub(crate) fn parse_public(
    alg: Algorithm,
    der_or_raw: &[u8],
    modulus_len: usize,
) -> Option<Verifier> {
    if let Some(params) = rsa_parameters(alg) {
        let alg_ref: &'static dyn VerificationAlgorithm = params;
        let key = ParsedPublicKey::new(alg_ref, der_or_raw).ok()?;
        return Some(Verifier::Rsa { key, modulus_len });
    }
    if let Some(ec) = ecdsa_algorithm(alg) {
        let alg_ref: &'static dyn VerificationAlgorithm = ec;
        let key = ParsedPublicKey::new(alg_ref, der_or_raw).ok()?;
        return Some(Verifier::Ec {
            key,
            sig_len: 2 * alg.size_bytes(),
        });
    }
    if alg == Algorithm::EdDSA {
        let key = ParsedPublicKey::new(&signature::ED25519, der_or_raw).ok()?;
        return Some(Verifier::Ed25519(key));
    }
    None
}
