"""The one error hierarchy of tokenward.

Both validator backends (the Rust core and its pure-Python twin) raise exactly
these classes, and each class carries a stable snake_case ``code`` that is part
of the public API (it is what ``POST /v1/validate`` reports, and what callers
should branch on instead of messages).

Two families, kept apart on purpose (as PyJWT does):

* :class:`InvalidTokenError` — *the token is bad*. Expected in normal
  operation; a resource server answers 401 / ``{"active": false}``.
* :class:`ConfigurationError` — *our own keys or settings are bad*. Raised when
  a key set, signing key or validator is built, never while validating.
"""

from __future__ import annotations


class TokenwardError(Exception):
    """Base class of every error tokenward raises on purpose."""

    code: str = "tokenward_error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.code)
        self.message = message or self.code

    def __reduce__(self) -> tuple[type[TokenwardError], tuple[str]]:
        return (type(self), (self.message,))


# --------------------------------------------------------------------------
# The token is bad.
# --------------------------------------------------------------------------
class InvalidTokenError(TokenwardError):
    """The token must not be accepted. ``code`` says why."""

    code = "invalid_token"


class MalformedTokenError(InvalidTokenError):
    """Not a well-formed compact JWS/JWT (framing, base64url, JSON)."""

    code = "malformed"


class TokenTooLargeError(MalformedTokenError):
    """Longer than the configured cap; rejected before any decoding."""

    code = "too_large"


class UnsupportedAlgorithmError(InvalidTokenError):
    """``alg`` is not allowed, unknown, ``none``, or not the key's algorithm."""

    code = "unsupported_alg"


class KeyNotFoundError(InvalidTokenError):
    """No trusted key matches the token's ``kid`` (or no unambiguous key)."""

    code = "key_not_found"


class BadSignatureError(InvalidTokenError):
    """The signature does not verify under the selected trusted key."""

    code = "bad_signature"


class UnsupportedCritError(InvalidTokenError):
    """The header lists a ``crit`` extension we do not understand (RFC 7515 §4.1.11)."""

    code = "unsupported_crit"


class ClaimsError(InvalidTokenError):
    """Signature is good, but the claims are not acceptable."""

    code = "invalid_claims"


class ClaimTypeError(ClaimsError):
    """A registered claim is present but has the wrong JSON type or range."""

    code = "claim_type"


class MissingClaimError(ClaimsError):
    """A required claim is absent."""

    code = "missing_claim"


class ExpiredTokenError(ClaimsError):
    """``exp`` has passed (beyond the leeway)."""

    code = "expired"


class NotYetValidError(ClaimsError):
    """``nbf`` is in the future (beyond the leeway)."""

    code = "not_yet_valid"


class IssuedInFutureError(ClaimsError):
    """``iat`` is in the future (beyond the leeway)."""

    code = "issued_in_future"


class BadIssuerError(ClaimsError):
    """``iss`` is not (exactly) one of the expected issuers."""

    code = "bad_issuer"


class BadAudienceError(ClaimsError):
    """``aud`` does not name (exactly) one of the expected audiences."""

    code = "bad_audience"


class WrongTokenTypeError(ClaimsError):
    """The header ``typ`` is not the required one (e.g. ``at+jwt``)."""

    code = "wrong_token_type"


class InsufficientScopeError(ClaimsError):
    """The token lacks a scope the caller required."""

    code = "insufficient_scope"


class RevokedTokenError(InvalidTokenError):
    """The token was revoked (raised by the service layer, which knows revocations)."""

    code = "revoked"


# --------------------------------------------------------------------------
# Our keys or configuration are bad.
# --------------------------------------------------------------------------
class ConfigurationError(TokenwardError):
    """A key set, signing key or validator setting was refused."""

    code = "invalid_config"


class KeyRejectedError(ConfigurationError):
    """A key was refused when loaded (weak, malformed, ambiguous or misused)."""

    code = "key_rejected"


class InvalidConfigError(ConfigurationError):
    """A validator or service setting is out of range or unsafe."""

    code = "invalid_config"


#: Every concrete error class, by its stable code. The Rust binding raises
#: through this table, so both backends raise the very same classes.
ERRORS_BY_CODE: dict[str, type[TokenwardError]] = {
    cls.code: cls
    for cls in (
        MalformedTokenError,
        TokenTooLargeError,
        UnsupportedAlgorithmError,
        KeyNotFoundError,
        BadSignatureError,
        UnsupportedCritError,
        ClaimTypeError,
        MissingClaimError,
        ExpiredTokenError,
        NotYetValidError,
        IssuedInFutureError,
        BadIssuerError,
        BadAudienceError,
        WrongTokenTypeError,
        InsufficientScopeError,
        RevokedTokenError,
        KeyRejectedError,
        InvalidConfigError,
    )
}

__all__ = [
    "ERRORS_BY_CODE",
    "BadAudienceError",
    "BadIssuerError",
    "BadSignatureError",
    "ClaimTypeError",
    "ClaimsError",
    "ConfigurationError",
    "ExpiredTokenError",
    "InsufficientScopeError",
    "InvalidConfigError",
    "InvalidTokenError",
    "IssuedInFutureError",
    "KeyNotFoundError",
    "KeyRejectedError",
    "MalformedTokenError",
    "MissingClaimError",
    "NotYetValidError",
    "RevokedTokenError",
    "TokenTooLargeError",
    "TokenwardError",
    "UnsupportedAlgorithmError",
    "UnsupportedCritError",
    "WrongTokenTypeError",
]
