"""Wycheproof primitive vectors through ``tokenward.verify_signature``.

One test per (file, backend): the group key is loaded once, every vector of the
group is checked, and the failures are reported together with their tcIds (a
per-vector parametrization would be ~10k pytest items for ~5k vectors x 2
backends; this keeps the run in seconds while still naming each failing vector).

* ECDSA P1363: keys from ``publicKeyJwk``; ``sig`` is raw r‖s.
* RSA PKCS#1 v1.5: keys from ``keyJwk``; ``acceptable`` (MissingNull) → rejected
  by policy (helpers.vectors.ACCEPTABLE_POLICY).
* RSA-PSS: keys from ``publicKeyJwk`` (misc file: built from modulus/exponent);
  rsa_pss_misc: only (SHA-n, MGF1-SHA-n, sLen n/8) groups may verify under PSn.
* Ed25519: ``publicKeyJwk``.
* HMAC: full-length tags as labelled; truncated tags always rejected; keys
  shorter than the hash output rejected by the key loader (RFC 7518 §3.2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from helpers.jose import b64u
from helpers.vectors import WycheproofCase, hmac_key_too_short, iter_groups

ECDSA_FILES = {
    "ecdsa_secp256r1_sha256_p1363_test.json": "ES256",
    "ecdsa_secp384r1_sha384_p1363_test.json": "ES384",
    "ecdsa_secp521r1_sha512_p1363_test.json": "ES512",
}
RSA_PKCS1_FILES = {
    f"rsa_signature_{bits}_sha{h}_test.json": f"RS{h}"
    for bits in (2048, 3072, 4096)
    for h in (256, 384, 512)
}
RSA_PSS_FILES = {
    "rsa_pss_2048_sha256_mgf1_32_test.json": "PS256",
    "rsa_pss_3072_sha256_mgf1_32_test.json": "PS256",
    "rsa_pss_4096_sha256_mgf1_32_test.json": "PS256",
    "rsa_pss_2048_sha384_mgf1_48_test.json": "PS384",
    "rsa_pss_4096_sha384_mgf1_48_test.json": "PS384",
    "rsa_pss_4096_sha512_mgf1_64_test.json": "PS512",
}
HMAC_FILES = {
    "hmac_sha256_test.json": "HS256",
    "hmac_sha384_test.json": "HS384",
    "hmac_sha512_test.json": "HS512",
}
HASH_BITS = {"HS256": 256, "HS384": 384, "HS512": 512}


class Tally:
    """Collects mismatches so one failing vector does not hide the others."""

    def __init__(self, file: str, backend: str) -> None:
        self.file, self.backend = file, backend
        self.checked = 0
        self.failures: list[str] = []

    def check(self, case: WycheproofCase, outcome: str, expected: str | None = None) -> None:
        """``outcome``: 'ok', an error code, or 'key_rejected'."""
        self.checked += 1
        want = expected or case.expected
        ok = (outcome == "ok") if want == "valid" else (outcome != "ok")
        if not ok:
            self.failures.append(f"tc{case.tc_id} want {want} got {outcome}: {case.why}")

    def assert_clean(self, minimum: int) -> None:
        assert self.checked >= minimum, f"only {self.checked} vectors checked"
        assert not self.failures, (
            f"{self.file} [{self.backend}]: {len(self.failures)} of {self.checked} vectors wrong:\n"
            + "\n".join(self.failures[:60])
        )


def _verify(tokenward: Any, errors: Any, keys: Any, alg: str, msg: bytes, sig: bytes) -> str:
    try:
        tokenward.verify_signature(keys, alg=alg, message=msg, signature=sig)
    except errors.BadSignatureError:
        return "bad_signature"
    # Any other exception (another tokenward error, ValueError, ...) propagates and
    # fails the test: the contract says a primitive mismatch is bad_signature.
    return "ok"


_CURVES = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48), "secp521r1": ("P-521", 66)}


def _ec_jwk(group: Mapping[str, Any]) -> Mapping[str, Any]:
    """The group's ``publicKeyJwk``; a few groups only give the point, so build it then."""
    if "publicKeyJwk" in group:
        jwk: Mapping[str, Any] = group["publicKeyJwk"]
        return jwk
    pk = group["publicKey"]
    crv, size = _CURVES[pk["curve"]]
    return {
        "kty": "EC",
        "crv": crv,
        "x": b64u(int(pk["wx"], 16).to_bytes(size, "big")),
        "y": b64u(int(pk["wy"], 16).to_bytes(size, "big")),
    }


def _rsa_jwk_from_params(group: Mapping[str, Any]) -> dict[str, Any]:
    pk = group["publicKey"]
    return {
        "kty": "RSA",
        "n": b64u(bytes.fromhex(pk["modulus"])),
        "e": b64u(bytes.fromhex(pk["publicExponent"])),
    }


@pytest.mark.parametrize("file", sorted(ECDSA_FILES))
def test_ecdsa_p1363(tokenward: Any, errors: Any, backend: str, file: str) -> None:
    alg = ECDSA_FILES[file]
    tally = Tally(file, backend)
    for group, cases in iter_groups(file):
        keys = tokenward.KeySet.from_jwk(_ec_jwk(group), backend=backend)
        for case in cases:
            tally.check(
                case, _verify(tokenward, errors, keys, alg, case.hex("msg"), case.hex("sig"))
            )
    tally.assert_clean(250)


@pytest.mark.parametrize("file", sorted(RSA_PKCS1_FILES))
def test_rsa_pkcs1v15(tokenward: Any, errors: Any, backend: str, file: str) -> None:
    alg = RSA_PKCS1_FILES[file]
    tally = Tally(file, backend)
    for group, cases in iter_groups(file):
        keys = tokenward.KeySet.from_jwk(group["keyJwk"], alg=alg, backend=backend)
        for case in cases:
            tally.check(
                case, _verify(tokenward, errors, keys, alg, case.hex("msg"), case.hex("sig"))
            )
    tally.assert_clean(250)


@pytest.mark.parametrize("file", sorted(RSA_PSS_FILES))
def test_rsa_pss(tokenward: Any, errors: Any, backend: str, file: str) -> None:
    alg = RSA_PSS_FILES[file]
    tally = Tally(file, backend)
    for group, cases in iter_groups(file):
        bits = alg[2:]
        assert group["sha"] == f"SHA-{bits}"
        assert group["mgfSha"] == f"SHA-{bits}"
        assert int(group["sLen"]) == int(bits) // 8
        keys = tokenward.KeySet.from_jwk(group["publicKeyJwk"], alg=alg, backend=backend)
        for case in cases:
            tally.check(
                case, _verify(tokenward, errors, keys, alg, case.hex("msg"), case.hex("sig"))
            )
    tally.assert_clean(100)


def test_rsa_pss_misc_parameter_binding(tokenward: Any, errors: Any, backend: str) -> None:
    """README rule 4: PSn means (SHA-n, MGF1-SHA-n, salt n/8) exactly. Only three groups of
    rsa_pss_misc may verify (each under its own PS alg); every other group's signatures are
    checked under the JWS alg with the same hash (or PS256 when the hash has no JWS alg)
    and must be rejected, so an auto-detect-salt verifier fails here."""
    file = "rsa_pss_misc_test.json"
    tally = Tally(file, backend)
    matching = 0
    for group, cases in iter_groups(file):
        sha, mgf, slen = group["sha"], group["mgfSha"], int(group["sLen"])
        bits = sha.removeprefix("SHA-")
        alg = f"PS{bits}" if bits in ("256", "384", "512") else "PS256"
        binds = sha == mgf and bits in ("256", "384", "512") and slen == int(bits) // 8
        matching += binds
        keys = tokenward.KeySet.from_jwk(_rsa_jwk_from_params(group), alg=alg, backend=backend)
        for case in cases:
            outcome = _verify(tokenward, errors, keys, alg, case.hex("msg"), case.hex("sig"))
            tally.check(case, outcome, expected=case.expected if binds else "invalid")
    assert matching == 3
    tally.assert_clean(150)


def test_ed25519(tokenward: Any, errors: Any, backend: str) -> None:
    file = "ed25519_test.json"
    tally = Tally(file, backend)
    for group, cases in iter_groups(file):
        keys = tokenward.KeySet.from_jwk(group["publicKeyJwk"], backend=backend)
        for case in cases:
            outcome = _verify(tokenward, errors, keys, "EdDSA", case.hex("msg"), case.hex("sig"))
            tally.check(case, outcome)
    tally.assert_clean(150)


@pytest.mark.parametrize("file", sorted(HMAC_FILES))
def test_hmac(tokenward: Any, errors: Any, backend: str, file: str) -> None:
    alg = HMAC_FILES[file]
    full_tag = HASH_BITS[alg]
    tally = Tally(file, backend)
    short_key_groups = truncated_groups = 0
    for group, cases in iter_groups(file):
        key_bits, tag_bits = int(group["keySize"]), int(group["tagSize"])
        for case in cases:
            key = case.hex("key")
            assert len(key) * 8 == key_bits
            if hmac_key_too_short(alg, key):
                # Policy: refused at load, so the MAC is never computed with such a key.
                with pytest.raises(errors.KeyRejectedError):
                    tokenward.KeySet.from_secret(key, alg=alg, backend=backend)
                tally.checked += 1
                continue
            try:
                keys = tokenward.KeySet.from_secret(key, alg=alg, backend=backend)
            except errors.KeyRejectedError:
                # Only acceptable when the vector must be rejected anyway; a usable
                # full-length key for a valid full-tag vector must load.
                tally.check(
                    case,
                    "key_rejected",
                    "valid" if tag_bits == full_tag and case.expected == "valid" else "invalid",
                )
                continue
            outcome = _verify(tokenward, errors, keys, alg, case.hex("msg"), case.hex("tag"))
            if tag_bits == full_tag:
                tally.check(case, outcome)
            else:
                # JWS HS* never truncates: a truncated tag is never a valid signature.
                tally.check(case, outcome, expected="invalid")
        short_key_groups += key_bits < full_tag
        truncated_groups += tag_bits < full_tag
    assert short_key_groups == 2
    assert truncated_groups == 3
    tally.assert_clean(170)


def test_hmac_short_key_also_refused_as_jwk(tokenward: Any, errors: Any, backend: str) -> None:
    for alg, size in (("HS256", 32), ("HS384", 48), ("HS512", 64)):
        with pytest.raises(errors.KeyRejectedError):
            tokenward.KeySet.from_jwk(
                {"kty": "oct", "alg": alg, "k": b64u(bytes(range(1, size)))}, backend=backend
            )
        keys = tokenward.KeySet.from_jwk(
            {"kty": "oct", "alg": alg, "k": b64u(bytes(range(1, size + 1)))}, backend=backend
        )
        assert len(keys) == 1
