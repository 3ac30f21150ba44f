"""Every example of shared/testdata/rfc_jws_examples.json verifies (RFC 7515, 7520, 8037).

``verify_jws`` for all of them; the three JWT examples (RFC 7515 A.1-A.3: iss
"joe", exp 1300819380, no aud) also through ``Validator`` with the clock pinned
before their expiry, and just after it (expired), so the claims path is exercised.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.asserts import raises_exactly
from helpers.vectors import RfcExample, rfc_examples

EXAMPLES = rfc_examples()
JWT_EXAMPLES = [e for e in EXAMPLES if e.payload.startswith(b"{")]
BEFORE_EXPIRY = 1300819000  # exp is 1300819380 (2011-03-22T18:43:00Z)


def _keys(tokenward: Any, ex: RfcExample, backend: str) -> Any:
    # RSA/oct JWKs without "alg" take the algorithm the example is documented with.
    return tokenward.KeySet.from_jwk(dict(ex.jwk), alg=ex.alg, backend=backend)


def test_examples_present() -> None:
    assert len(EXAMPLES) == 9
    assert {e.source for e in JWT_EXAMPLES} == {"RFC 7515 A.1", "RFC 7515 A.2", "RFC 7515 A.3"}


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_verify_jws(tokenward: Any, backend: str, ex: RfcExample) -> None:
    keys = _keys(tokenward, ex, backend)
    assert tokenward.verify_jws(ex.token, keys, algorithms=[ex.alg]) == ex.payload
    # bytes input is accepted as well (semantics §3.1)
    assert tokenward.verify_jws(ex.token.encode(), keys, algorithms=[ex.alg]) == ex.payload


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_verify_jws_rejects_other_algorithms(
    tokenward: Any, errors: Any, backend: str, ex: RfcExample
) -> None:
    keys = _keys(tokenward, ex, backend)
    others = [a for a in tokenward.ALGORITHMS if a != ex.alg]
    with raises_exactly(errors.UnsupportedAlgorithmError):
        tokenward.verify_jws(ex.token, keys, algorithms=others)


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_verify_jws_rejects_flipped_signature(
    tokenward: Any, errors: Any, backend: str, ex: RfcExample
) -> None:
    keys = _keys(tokenward, ex, backend)
    h, p, s = ex.token.split(".")
    # Flip a bit in the middle of the signature (first char keeps the encoding canonical).
    i = len(s) // 2
    flipped = s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1 :]
    with raises_exactly(errors.BadSignatureError):
        tokenward.verify_jws(f"{h}.{p}.{flipped}", keys, algorithms=[ex.alg])


@pytest.mark.parametrize("ex", JWT_EXAMPLES, ids=[e.id for e in JWT_EXAMPLES])
def test_validator(tokenward: Any, errors: Any, backend: str, ex: RfcExample) -> None:
    v = tokenward.Validator(
        _keys(tokenward, ex, backend),
        algorithms=[ex.alg],
        issuer="joe",
        audience=None,
        danger_skip_audience=True,  # the RFC tokens carry no aud
    )
    claims = v.validate(ex.token, now=BEFORE_EXPIRY)
    assert claims == json.loads(ex.payload)
    assert list(claims) == ["iss", "exp", "http://example.com/is_root"]  # token order
    assert claims["http://example.com/is_root"] is True
    # One second before exp: still valid; at exp: expired (exp <= T - L with L = 0).
    assert v.validate(ex.token, now=1300819379)["exp"] == 1300819380
    with raises_exactly(errors.ExpiredTokenError):
        v.validate(ex.token, now=1300819380)
    # Wrong issuer configured.
    v2 = tokenward.Validator(
        _keys(tokenward, ex, backend),
        algorithms=[ex.alg],
        issuer="https://joe.example",
        audience=None,
        danger_skip_audience=True,
    )
    with raises_exactly(errors.BadIssuerError):
        v2.validate(ex.token, now=BEFORE_EXPIRY)


@pytest.mark.parametrize("ex", JWT_EXAMPLES, ids=[e.id for e in JWT_EXAMPLES])
def test_validator_require_nothing_and_audience_required(
    tokenward: Any, errors: Any, backend: str, ex: RfcExample
) -> None:
    keys = _keys(tokenward, ex, backend)
    v = tokenward.Validator(
        keys,
        algorithms=[ex.alg],
        issuer=None,
        audience=None,
        danger_skip_audience=True,
        require=(),
    )
    assert v.validate(ex.token, now=BEFORE_EXPIRY)["iss"] == "joe"
    # With an audience configured the token (no aud) is refused: aud is then required.
    v_aud = tokenward.Validator(keys, algorithms=[ex.alg], issuer="joe", audience="bob")
    with raises_exactly(errors.MissingClaimError):
        v_aud.validate(ex.token, now=BEFORE_EXPIRY)
    # A required claim that the token lacks.
    v_sub = tokenward.Validator(
        keys,
        algorithms=[ex.alg],
        issuer="joe",
        audience=None,
        danger_skip_audience=True,
        require=("exp", "sub"),
    )
    with raises_exactly(errors.MissingClaimError):
        v_sub.validate(ex.token, now=BEFORE_EXPIRY)


@pytest.mark.parametrize("ex", [e for e in EXAMPLES if e not in JWT_EXAMPLES], ids=lambda e: e.id)
def test_validator_refuses_non_json_payload(
    tokenward: Any, errors: Any, backend: str, ex: RfcExample
) -> None:
    v = tokenward.Validator(
        _keys(tokenward, ex, backend),
        algorithms=[ex.alg],
        issuer=None,
        audience=None,
        danger_skip_audience=True,
        require=(),
    )
    with raises_exactly(errors.MalformedTokenError):
        v.validate(ex.token, now=BEFORE_EXPIRY)
