//! The one error model: every failure is an [`ErrorKind`] with a stable code
//! (the `code` of the matching class in `tokenward/exceptions.py`) plus a
//! human-readable message.

use std::borrow::Cow;
use std::fmt;

/// Why a token, key or setting was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    Malformed,
    TooLarge,
    UnsupportedAlg,
    KeyNotFound,
    BadSignature,
    UnsupportedCrit,
    ClaimType,
    MissingClaim,
    Expired,
    NotYetValid,
    IssuedInFuture,
    BadIssuer,
    BadAudience,
    WrongTokenType,
    InsufficientScope,
    KeyRejected,
    InvalidConfig,
}

impl ErrorKind {
    /// Every kind this crate can produce, in a fixed order (index = `as usize`).
    pub const ALL: [ErrorKind; 17] = [
        ErrorKind::Malformed,
        ErrorKind::TooLarge,
        ErrorKind::UnsupportedAlg,
        ErrorKind::KeyNotFound,
        ErrorKind::BadSignature,
        ErrorKind::UnsupportedCrit,
        ErrorKind::ClaimType,
        ErrorKind::MissingClaim,
        ErrorKind::Expired,
        ErrorKind::NotYetValid,
        ErrorKind::IssuedInFuture,
        ErrorKind::BadIssuer,
        ErrorKind::BadAudience,
        ErrorKind::WrongTokenType,
        ErrorKind::InsufficientScope,
        ErrorKind::KeyRejected,
        ErrorKind::InvalidConfig,
    ];

    /// The stable snake_case code (identical to `exceptions.py`).
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::Malformed => "malformed",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::UnsupportedAlg => "unsupported_alg",
            ErrorKind::KeyNotFound => "key_not_found",
            ErrorKind::BadSignature => "bad_signature",
            ErrorKind::UnsupportedCrit => "unsupported_crit",
            ErrorKind::ClaimType => "claim_type",
            ErrorKind::MissingClaim => "missing_claim",
            ErrorKind::Expired => "expired",
            ErrorKind::NotYetValid => "not_yet_valid",
            ErrorKind::IssuedInFuture => "issued_in_future",
            ErrorKind::BadIssuer => "bad_issuer",
            ErrorKind::BadAudience => "bad_audience",
            ErrorKind::WrongTokenType => "wrong_token_type",
            ErrorKind::InsufficientScope => "insufficient_scope",
            ErrorKind::KeyRejected => "key_rejected",
            ErrorKind::InvalidConfig => "invalid_config",
        }
    }

    /// Position in [`ErrorKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// An error kind with its message. Messages are static on the hot path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: Cow<'static, str>,
}

impl Error {
    pub const fn new(kind: ErrorKind, message: &'static str) -> Self {
        Error {
            kind,
            message: Cow::Borrowed(message),
        }
    }

    pub fn owned(kind: ErrorKind, message: String) -> Self {
        Error {
            kind,
            message: Cow::Owned(message),
        }
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

pub(crate) const fn malformed(message: &'static str) -> Error {
    Error::new(ErrorKind::Malformed, message)
}

pub(crate) const fn key_rejected(message: &'static str) -> Error {
    Error::new(ErrorKind::KeyRejected, message)
}

pub(crate) const fn invalid_config(message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidConfig, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_indexed() {
        let mut codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        for (i, k) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(k.index(), i);
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
    }
}
