//! JWS algorithms. There is no `none`.

/// A JWS `alg` this crate verifies and signs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    EdDSA,
}

/// Key families an algorithm can be bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Hmac,
    Rsa,
    Ec,
    Okp,
}

impl Algorithm {
    pub const ALL: [Algorithm; 13] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
    ];

    /// Exact, case-sensitive lookup.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Some(match name {
            "HS256" => Algorithm::HS256,
            "HS384" => Algorithm::HS384,
            "HS512" => Algorithm::HS512,
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "PS256" => Algorithm::PS256,
            "PS384" => Algorithm::PS384,
            "PS512" => Algorithm::PS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "ES512" => Algorithm::ES512,
            "EdDSA" => Algorithm::EdDSA,
            _ => return None,
        })
    }

    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    pub const fn family(self) -> Family {
        match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => Family::Hmac,
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => Family::Rsa,
            Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 => Family::Ec,
            Algorithm::EdDSA => Family::Okp,
        }
    }

    /// HMAC: minimum key bytes (RFC 7518 §3.2). ECDSA: bytes of r (and s).
    pub const fn size_bytes(self) -> usize {
        match self {
            Algorithm::HS256 => 32,
            Algorithm::HS384 => 48,
            Algorithm::HS512 => 64,
            Algorithm::ES256 => 32,
            Algorithm::ES384 => 48,
            Algorithm::ES512 => 66,
            _ => 0,
        }
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of allowed algorithms (bitmask).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlgSet(u16);

impl AlgSet {
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Option<AlgSet> {
        let mut set = AlgSet(0);
        for n in names {
            set.0 |= Algorithm::from_name(n.as_ref())?.bit();
        }
        Some(set)
    }

    pub fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when only HMAC algorithms are allowed (cheap: no GIL release).
    pub fn only_hmac(self) -> bool {
        let hmac = Algorithm::HS256.bit() | Algorithm::HS384.bit() | Algorithm::HS512.bit();
        self.0 & !hmac == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_roundtrip_and_case() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(a.name()), Some(a));
        }
        for n in ["none", "NONE", "None", "hs256", "eddsa", "ES521", ""] {
            assert_eq!(Algorithm::from_name(n), None);
        }
    }

    #[test]
    fn algset() {
        let s = AlgSet::from_names(&["HS256", "RS256"]).unwrap();
        assert!(s.contains(Algorithm::HS256) && s.contains(Algorithm::RS256));
        assert!(!s.contains(Algorithm::HS384));
        assert!(!s.only_hmac());
        assert!(AlgSet::from_names(&["HS512"]).unwrap().only_hmac());
        assert!(AlgSet::from_names(&["none"]).is_none());
        assert!(AlgSet::from_names::<&str>(&[]).unwrap().is_empty());
    }
}
