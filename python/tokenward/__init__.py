"""tokenward: a fast, strict JWT validator and the token service around it.

>>> import tokenward
>>> keys = tokenward.KeySet.from_jwks(jwks)                      # doctest: +SKIP
>>> v = tokenward.Validator(keys, algorithms=["ES256"], issuer="https://issuer.example",
...                         audience="api://orders", leeway=30)  # doctest: +SKIP
>>> v.validate(token, scopes={"read:orders"})                   # doctest: +SKIP

The hot path runs in a Rust extension; a pure-Python twin gives identical
answers (``tokenward.BACKEND`` says which is in use; ``TOKENWARD_BACKEND=python``
forces the twin). The exact rules are in docs/semantics.md.
"""

from __future__ import annotations

from . import exceptions
from ._backend import DEFAULT as BACKEND
from ._backend import available as available_backends
from ._keys import ALGORITHMS, KeySet, SigningKey
from ._validator import Validator, sign, verify_jws, verify_signature
from .exceptions import (
    BadAudienceError,
    BadIssuerError,
    BadSignatureError,
    ClaimsError,
    ClaimTypeError,
    ConfigurationError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidConfigError,
    InvalidTokenError,
    IssuedInFutureError,
    KeyNotFoundError,
    KeyRejectedError,
    MalformedTokenError,
    MissingClaimError,
    NotYetValidError,
    RevokedTokenError,
    TokenTooLargeError,
    TokenwardError,
    UnsupportedAlgorithmError,
    UnsupportedCritError,
    WrongTokenTypeError,
)

__version__ = "0.1.0"

__all__ = [
    "ALGORITHMS",
    "BACKEND",
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
    "KeySet",
    "MalformedTokenError",
    "MissingClaimError",
    "NotYetValidError",
    "RevokedTokenError",
    "SigningKey",
    "TokenTooLargeError",
    "TokenwardError",
    "UnsupportedAlgorithmError",
    "UnsupportedCritError",
    "Validator",
    "WrongTokenTypeError",
    "__version__",
    "available_backends",
    "exceptions",
    "sign",
    "verify_jws",
    "verify_signature",
]
