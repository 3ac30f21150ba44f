"""Wycheproof JOSE vectors (JWS, JWK, JWS groups of the crypto file) through the token path.

Key material is loaded with ``KeySet.from_jwks`` / ``KeySet.from_jwk`` and each
token goes through ``verify_jws(token, keys, algorithms=ALGORITHMS)``:

* valid   → the key loads and ``verify_jws`` returns the payload bytes;
* invalid → the key load raises ``KeyRejectedError`` or ``verify_jws`` raises an
  ``InvalidTokenError`` subclass (nothing else: no ValueError, no success).

Overrides of upstream labels live in ``helpers.vectors.OVERRIDES`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from helpers.jose import b64u_decode
from helpers.vectors import OVERRIDES, WycheproofCase, wycheproof_cases

JOSE_FILES = ("json_web_signature_test.json", "json_web_key_test.json", "json_web_crypto_test.json")


def _jws_cases() -> list[WycheproofCase]:
    out = []
    for file in JOSE_FILES:
        for case in wycheproof_cases(file):
            # JWE groups of json_web_crypto_test.json are out of scope (no JWE support).
            if str(case.group.get("comment", "")).startswith("jwe"):
                continue
            out.append(case)
    return out


CASES = _jws_cases()


def _param(case: WycheproofCase) -> Any:
    marks = []
    if case.contract_deviation:
        marks.append(pytest.mark.xfail(strict=True, reason=case.contract_deviation))
    return pytest.param(case, id=case.id, marks=marks)


def _load_keys(tokenward: Any, key: Mapping[str, Any], backend: str, alg: str | None = None) -> Any:
    if "keys" in key:
        return tokenward.KeySet.from_jwks(key, backend=backend)
    return tokenward.KeySet.from_jwk(key, alg=alg, backend=backend)


def _verification_key(case: WycheproofCase) -> Mapping[str, Any]:
    # README rule 5: the group's "public" when present, else "private" (HMAC).
    return case.group.get("public") or case.group["private"]


def _run(tokenward: Any, errors: Any, case: WycheproofCase, backend: str) -> tuple[str, Any]:
    """('key_rejected'|'ok'|<error code>, payload-or-exception)."""
    try:
        keys = _load_keys(tokenward, _verification_key(case), backend)
    except errors.KeyRejectedError as exc:
        return "key_rejected", exc
    try:
        payload = tokenward.verify_jws(
            case.test["jws"], keys, algorithms=list(tokenward.ALGORITHMS)
        )
    except errors.InvalidTokenError as exc:
        return exc.code, exc
    return "ok", payload


def test_counts() -> None:
    # 401 JWS + 26 JWK + 49 jws_* crypto tests; guards against a loader that silently drops some.
    assert len(CASES) == 401 + 26 + 49


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_jose_vector(tokenward: Any, errors: Any, backend: str, case: WycheproofCase) -> None:
    outcome, detail = _run(tokenward, errors, case, backend)
    if case.expected == "valid":
        assert outcome == "ok", f"{case.id} must verify ({case.why}); got {outcome}: {detail}"
        token_payload = b64u_decode(case.test["jws"].split(".")[1])
        assert detail == token_payload
    else:
        assert outcome != "ok", f"{case.id} must be rejected ({case.why}); got payload {detail!r}"


def test_issue_236_duplicates_are_byte_identical() -> None:
    by_id = {c.tc_id: c for c in wycheproof_cases("json_web_signature_test.json")}
    for (file, tc), ov in OVERRIDES.items():
        if ov.same_as is not None:
            assert file == "json_web_signature_test.json"
            assert by_id[tc].test["jws"] == by_id[ov.same_as].test["jws"]


RESTORABLE = [
    c for c in CASES if c.override is not None and c.override.valid_without_jwk_alg is not None
]


@pytest.mark.parametrize("case", RESTORABLE, ids=[c.id for c in RESTORABLE])
def test_rfc7520_vectors_verify_once_jwk_alg_dropped(
    tokenward: Any, errors: Any, backend: str, case: WycheproofCase
) -> None:
    """346/347/350/351 are rejected as labelled-valid only because of JWK-alg binding:
    without the conflicting ``alg`` member (and the right alg configured) they verify."""
    assert case.override is not None
    jwk = {k: v for k, v in _verification_key(case).items() if k != "alg"}
    alg = case.override.valid_without_jwk_alg
    keys = tokenward.KeySet.from_jwk(jwk, alg=alg if jwk["kty"] == "RSA" else None, backend=backend)
    payload = tokenward.verify_jws(case.test["jws"], keys, algorithms=[alg])
    assert payload == b64u_decode(case.test["jws"].split(".")[1])
    # And the binding to the configured algorithm still holds.
    other = [a for a in tokenward.ALGORITHMS if a != alg]
    with pytest.raises(errors.InvalidTokenError):
        tokenward.verify_jws(case.test["jws"], keys, algorithms=other)


@pytest.mark.parametrize(
    ("file", "tc_id", "code"),
    [
        # Expected codes for a few vectors where the contract pins the reason.
        ("json_web_key_test.json", 1, "key_rejected"),  # mixed HMAC + EC set
        ("json_web_key_test.json", 8, "key_rejected"),  # 1024-bit RSA
        ("json_web_key_test.json", 9, "key_rejected"),  # e = 1
        ("json_web_key_test.json", 7, "key_rejected"),  # ROCA modulus
        ("json_web_key_test.json", 10, "key_rejected"),  # short HS256 key
        ("json_web_key_test.json", 16, "key_rejected"),  # empty HS256 key
        ("json_web_key_test.json", 19, "key_rejected"),  # alg ES521
        ("json_web_key_test.json", 22, "key_rejected"),  # point off the curve
        ("json_web_key_test.json", 25, "key_rejected"),  # A256GCM key
        ("json_web_signature_test.json", 353, "key_rejected"),  # use=enc
        ("json_web_signature_test.json", 355, "key_rejected"),  # key_ops=[encrypt]
        ("json_web_signature_test.json", 372, "malformed"),  # '?' in the header segment
        ("json_web_signature_test.json", 374, "malformed"),  # unused bits set in payload
        ("json_web_signature_test.json", 360, "malformed"),  # spaces in the MAC segment
        ("json_web_signature_test.json", 346, "unsupported_alg"),  # PS256 key, PS384 token
        ("json_web_signature_test.json", 347, "key_rejected"),  # JWK alg ES521
    ],
)
def test_selected_vectors_reason(
    tokenward: Any, errors: Any, backend: str, file: str, tc_id: int, code: str
) -> None:
    (case,) = [c for c in wycheproof_cases(file) if c.tc_id == tc_id]
    outcome, detail = _run(tokenward, errors, case, backend)
    assert outcome == code, f"{case.id}: expected {code}, got {outcome}: {detail}"
