"""Every validator-level recipe of shared/hostile-inputs.md (BR-01 … BR-34), plus variants.

Fixtures (conftest): T (pinned clock), C0 (baseline claims), S0 (hs-1 HS256,
rsa-1 RS256 = RFC 7515 A.2, ec-1 ES256 = RFC 7515 A.3, ed-1 EdDSA = RFC 8037 A.1;
iss/aud pinned, leeway 30, exp/iss/aud required, 8 KiB). The private keys are
the RFC ones (helpers/keys.py); ATK-EC and the extra P-384/RSA keys are our own.

Expected errors are the exact classes of tokenward.exceptions as the contract
(docs/semantics.md) assigns them. Where a recipe allows two answers, the contract
decides which one; where recipe and contract differ, the test follows the contract
and says so. Service-level recipes (BR-36 refresh race, BR-38 (a)/(c) revocation,
BR-39 introspection) belong to the service suite; BR-38 (b)'s ``typ`` part is here.
"""

from __future__ import annotations

import json
import socket
import tracemalloc
import urllib.request
import zlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from helpers import keys as K
from helpers.asserts import raises_exactly
from helpers.backends import T
from helpers.jose import (
    EC_ORDERS,
    b64u,
    b64u_decode,
    flip_unused_bits,
    json_bytes,
    make_token,
    raw_signature,
)
from helpers.paths import assert_rejected_everywhere

ALL = None  # algorithms=None in assert_rejected_everywhere → every algorithm


def s0_token(kid: str | None, claims: dict[str, Any] | bytes, **extra_header: Any) -> str:
    """A token signed correctly by the S0 key ``kid`` (header carries that kid unless None)."""
    signer = kid if kid is not None else "hs-1"
    alg, key = K.s0_signers()[signer]
    header: dict[str, Any] = {"alg": alg}
    if kid is not None:
        header["kid"] = kid
    header.update(extra_header)
    return make_token(header, claims, key, alg)


@pytest.fixture
def extended_keys(tokenward: Any, backend: str) -> Any:
    """S0 plus ES384 (our P-384 key) and ES512 (RFC 7520 P-521 key) for BR-06/07."""
    jwks = K.s0_public_jwks()
    jwks["keys"] += [
        K.public_jwk(K.p384_private(), kid="ec-384", alg="ES384"),
        K.public_jwk(K.ec521_private(), kid="ec-521", alg="ES512"),
    ]
    return tokenward.KeySet.from_jwks(jwks, allow_mixed=True, backend=backend)


@pytest.fixture
def extended_validator(tokenward: Any, extended_keys: Any) -> Any:
    return tokenward.Validator(
        extended_keys,
        algorithms=list(tokenward.ALGORITHMS),
        issuer="https://issuer.example",
        audience="api://tokensvc",
        leeway=30,
        require=("exp", "iss", "aud"),
    )


# ---------------------------------------------------------------------------
# Control: the baseline is accepted by every S0 key, so rejections below mean something.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kid", ["hs-1", "rsa-1", "ec-1", "ed-1"])
def test_baseline_accepted(s0_validator: Any, c0: dict[str, Any], kid: str) -> None:
    token = s0_token(kid, c0)
    assert s0_validator.validate(token, now=T) == c0
    assert s0_validator.validate_many([token], now=T) == [c0]


# ---------------------------------------------------------------------------
# BR-01: alg none in any spelling, empty signature.
# ---------------------------------------------------------------------------
NONE_SPELLINGS = ["none", "NONE", "None", "nOnE"]


@pytest.mark.parametrize("alg", NONE_SPELLINGS)
@pytest.mark.parametrize("with_kid", [False, True])
def test_br01_alg_none(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: dict[str, Any], alg: str, with_kid: bool
) -> None:
    header: dict[str, Any] = {"alg": alg}
    if with_kid:
        header["kid"] = "hs-1"
    token = f"{b64u(json_bytes(header))}.{b64u(json_bytes(c0))}."
    assert_rejected_everywhere(
        s0_validator, s0_keys, token, errors.UnsupportedAlgorithmError, now=T, what=alg
    )


def test_br01_recipe_literal_segments(errors: Any, s0_validator: Any, s0_keys: Any) -> None:
    assert b64u(b'{"alg":"none"}') == "eyJhbGciOiJub25lIn0"
    assert b64u(b'{"alg":"NONE"}') == "eyJhbGciOiJOT05FIn0"
    payload = b64u(json_bytes({"iss": "https://issuer.example", "exp": T + 300}))
    for header in ("eyJhbGciOiJub25lIn0", "eyJhbGciOiJOT05FIn0"):
        assert_rejected_everywhere(
            s0_validator, s0_keys, f"{header}.{payload}.", errors.UnsupportedAlgorithmError, now=T
        )
        # The report's header segment had a trailing '=': malformed before anything else.
        assert_rejected_everywhere(
            s0_validator, s0_keys, f"{header}=.{payload}.", errors.MalformedTokenError, now=T
        )


@pytest.mark.parametrize(
    "alg", ["none", "HS256 ", " HS256", "hs256", "Hs256", "HS-256", "HS256\u0000", "", "RS1"]
)
def test_br01_variant_alg_not_exact_with_valid_mac(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: dict[str, Any], alg: str
) -> None:
    """Our variant: a correct HS256 MAC under hs-1, but the header alg is not exactly a
    supported name (case, whitespace, NUL, empty)."""
    token = make_token({"alg": alg, "kid": "hs-1"}, c0, K.HS1_SECRET, "HS256")
    assert_rejected_everywhere(
        s0_validator, s0_keys, token, errors.UnsupportedAlgorithmError, now=T, what=repr(alg)
    )


def test_br01_variant_alg_missing_or_not_string(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: dict[str, Any]
) -> None:
    for header in ({"kid": "hs-1"}, {"alg": None, "kid": "hs-1"}, {"alg": ["HS256"]}):
        token = make_token(header, c0, K.HS1_SECRET, "HS256")
        assert_rejected_everywhere(
            s0_validator, s0_keys, token, errors.MalformedTokenError, now=T, what=str(header)
        )


def test_br01_variant_alg_outside_validator_allowlist(
    tokenward: Any, errors: Any, s0_keys: Any, c0: dict[str, Any]
) -> None:
    v = tokenward.Validator(
        s0_keys, algorithms=["RS256"], issuer="https://issuer.example", audience="api://tokensvc"
    )
    token = s0_token("hs-1", c0)
    assert_rejected_everywhere(
        v, s0_keys, token, errors.UnsupportedAlgorithmError, now=T, algorithms=["RS256"]
    )


# ---------------------------------------------------------------------------
# BR-03: asymmetric public key text used as an HMAC secret.
# ---------------------------------------------------------------------------
def _public_key_texts(key: Any) -> dict[str, bytes]:
    pem = K.spki_pem(key)
    return {
        "openssh": K.openssh_line(key),
        "pem": pem,
        "pem-no-final-newline": pem.rstrip(b"\n"),
    }


@pytest.mark.parametrize(
    ("kid", "key_fn"), [("ed-1", K.ed1_private), ("rsa-1", K.rsa1_private), ("ec-1", K.ec1_private)]
)
def test_br03_public_key_as_hmac_secret(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: dict[str, Any], kid: str, key_fn: Any
) -> None:
    for name, secret in _public_key_texts(key_fn()).items():
        token = make_token({"alg": "HS256", "kid": kid}, c0, secret)
        assert_rejected_everywhere(
            s0_validator,
            s0_keys,
            token,
            errors.UnsupportedAlgorithmError,
            now=T,
            what=f"{kid}/{name}",
        )
        # Variant: no kid → S0 holds several keys, so no key is chosen at all.
        token = make_token({"alg": "HS256"}, c0, secret)
        assert_rejected_everywhere(
            s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T, what=f"nokid/{name}"
        )


@pytest.mark.parametrize("key_fn", [K.ed1_private, K.rsa1_private, K.ec1_private])
def test_br03_public_key_text_refused_as_secret(
    tokenward: Any, errors: Any, backend: str, key_fn: Any
) -> None:
    for name, secret in _public_key_texts(key_fn()).items():
        for variant in (secret, b"  \n" + secret, secret + b"\r\n"):
            with raises_exactly(errors.KeyRejectedError, what=name):
                tokenward.KeySet.from_secret(variant, alg="HS256", backend=backend)
            jwk = {"kty": "oct", "alg": "HS256", "k": b64u(variant)}
            with raises_exactly(errors.KeyRejectedError, what=f"jwk {name}"):
                tokenward.KeySet.from_jwk(jwk, backend=backend)


@pytest.mark.parametrize(
    "secret",
    [
        b"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC" + b"x" * 40,
        b"ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAA" + b"x" * 10,
        b"sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t",
        b"sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTIt",
        b"-----BEGIN CERTIFICATE-----\nMIIB" + b"A" * 60 + b"\n-----END CERTIFICATE-----\n",
        b"-----BEGIN RSA PUBLIC KEY-----\nMIIB" + b"A" * 60 + b"\n",
        b"xxxxxxxxxxxxxxxx PRIVATE KEY xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
    ids=["ssh-rsa", "ecdsa-sha2", "sk-ssh", "sk-ecdsa", "certificate", "rsa-public", "private"],
)
def test_br03_variant_other_public_key_formats_refused(
    tokenward: Any, errors: Any, backend: str, secret: bytes
) -> None:
    with raises_exactly(errors.KeyRejectedError):
        tokenward.KeySet.from_secret(secret, alg="HS256", backend=backend)


@pytest.mark.parametrize("key_fn", [K.ed1_private, K.rsa1_private, K.ec1_private])
def test_br03_variant_der_spki_refused_as_secret(
    tokenward: Any, errors: Any, backend: str, key_fn: Any
) -> None:
    from cryptography.hazmat.primitives import serialization

    der = (
        key_fn()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    secret = der + bytes(64 - len(der)) if len(der) < 64 else der
    with raises_exactly(errors.KeyRejectedError):
        tokenward.KeySet.from_secret(secret, alg="HS256", backend=backend)


# ---------------------------------------------------------------------------
# BR-05: public JWK / JWKS JSON as an HMAC secret.
# ---------------------------------------------------------------------------
def _asym_jwks() -> dict[str, Any]:
    return {
        "keys": [
            K.public_jwk(K.rsa1_private(), kid="rsa-1", alg="RS256"),
            K.public_jwk(K.ec1_private(), kid="ec-1", alg="ES256"),
        ]
    }


def _jwk_json_secrets() -> dict[str, bytes]:
    jwks = _asym_jwks()
    return {
        "jwks-exact": json.dumps(jwks).encode(),
        "jwks-compact": json_bytes(jwks),
        "jwk-compact": json_bytes(jwks["keys"][0]),
        "jwk-pretty": json.dumps(jwks["keys"][1], indent=2).encode(),
    }


def test_br05_jwk_json_as_hmac_secret(
    tokenward: Any, errors: Any, backend: str, c0: dict[str, Any]
) -> None:
    """The recipe's service trusts only rsa-1 and ec-1 (no HMAC key at all)."""
    keys = tokenward.KeySet.from_jwks(_asym_jwks(), backend=backend)
    v = tokenward.Validator(
        keys,
        algorithms=list(tokenward.ALGORITHMS),
        issuer="https://issuer.example",
        audience="api://tokensvc",
    )
    for name, secret in _jwk_json_secrets().items():
        token = make_token({"alg": "HS256"}, c0, secret)
        assert_rejected_everywhere(v, keys, token, errors.KeyNotFoundError, now=T, what=name)
        for kid in ("rsa-1", "ec-1"):
            token = make_token({"alg": "HS256", "kid": kid}, c0, secret)
            assert_rejected_everywhere(
                v, keys, token, errors.UnsupportedAlgorithmError, now=T, what=f"{name}/{kid}"
            )


def test_br05_variant_mixed_s0(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    """In S0 (several keys) a no-kid token selects no key: key_not_found."""
    for name, secret in _jwk_json_secrets().items():
        token = make_token({"alg": "HS256"}, c0, secret)
        assert_rejected_everywhere(
            s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T, what=name
        )


def test_br05_jwk_json_refused_as_oct_key(tokenward: Any, errors: Any, backend: str) -> None:
    for name, secret in _jwk_json_secrets().items():
        for variant in (secret, b" \t\n" + secret):
            jwk = {"kty": "oct", "alg": "HS256", "kid": "x", "k": b64u(variant)}
            with raises_exactly(errors.KeyRejectedError, what=name):
                tokenward.KeySet.from_jwk(jwk, backend=backend)
            with raises_exactly(errors.KeyRejectedError, what=name):
                tokenward.KeySet.from_secret(variant, alg="HS512", backend=backend)


# ---------------------------------------------------------------------------
# BR-06: ECDSA r/s out of range ("psychic signatures").
# ---------------------------------------------------------------------------
EC_KIDS = {"ES256": ("ec-1", 32), "ES384": ("ec-384", 48), "ES512": ("ec-521", 66)}


def _rs(r: int, s: int, size: int) -> bytes:
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512"])
def test_br06_ecdsa_out_of_range(
    errors: Any, extended_validator: Any, extended_keys: Any, c0: Any, alg: str
) -> None:
    kid, size = EC_KIDS[alg]
    n = EC_ORDERS[alg]
    signing_input = f"{b64u(json_bytes({'alg': alg, 'kid': kid}))}.{b64u(json_bytes(c0))}"
    cases = {
        "zero": bytes(2 * size),
        "r=0,s=1": _rs(0, 1, size),
        "r=1,s=0": _rs(1, 0, size),
        "r=n,s=n": _rs(n, n, size),
        "r=n-1,s=0": _rs(n - 1, 0, size),
        "r=n,s=1": _rs(1 if False else n, 1, size),
        "r=1,s=n": _rs(1, n, size),
        "r=n+1,s=1": _rs(n + 1, 1, size),
        "all-ff": b"\xff" * (2 * size),
    }
    for name, sig in cases.items():
        token = f"{signing_input}.{b64u(sig)}"
        assert_rejected_everywhere(
            extended_validator,
            extended_keys,
            token,
            errors.BadSignatureError,
            now=T,
            what=f"{alg} {name}",
        )
    # Control: a genuine signature of the same input verifies.
    key = {"ES256": K.ec1_private, "ES384": K.p384_private, "ES512": K.ec521_private}[alg]()
    good = f"{signing_input}.{b64u(raw_signature(alg, key, signing_input.encode()))}"
    assert extended_validator.validate(good, now=T) == c0


def test_br06_recipe_literal(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    zero_sig = "A" * 86
    assert b64u_decode(zero_sig) == bytes(64)
    h = b64u(json_bytes({"alg": "ES256", "kid": "ec-1"}))
    token = f"{h}.{b64u(json_bytes(c0))}.{zero_sig}"
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.BadSignatureError, now=T)


def test_br06_variant_high_s_is_valid(s0_validator: Any, c0: Any) -> None:
    """ECDSA (r, n-s) is also a valid signature; JWS has no low-s rule, so it is accepted
    (a validator must not treat it as a different token than (r, s)).
    Documented here so a future 'low-s only' change is a conscious one."""
    token = s0_token("ec-1", c0)
    h, p, s = token.split(".")
    raw = b64u_decode(s)
    r, sv = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    other = f"{h}.{p}.{b64u(_rs(r, EC_ORDERS['ES256'] - sv, 32))}"
    assert s0_validator.validate(other, now=T) == c0


# ---------------------------------------------------------------------------
# BR-07: ECDSA signature of the wrong length, DER form.
# ---------------------------------------------------------------------------
def _ec_sig_with_short_r(alg: str, key: Any, signing_input: bytes, size: int) -> bytes:
    """Sign until r (and for ES512 also s) has a leading zero byte, so it can be stripped."""
    for _ in range(5000):
        sig = raw_signature(alg, key, signing_input)
        r, s = sig[:size], sig[size:]
        if r[0] == 0 and (alg != "ES512" or s[0] == 0):
            return sig
    raise AssertionError("no short-r signature found")


def test_br07_es256_wrong_lengths(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    h = b64u(json_bytes({"alg": "ES256", "kid": "ec-1"}))
    p = b64u(json_bytes(c0))
    signing_input = f"{h}.{p}".encode()
    sig = _ec_sig_with_short_r("ES256", K.ec1_private(), signing_input, 32)
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    variants = {
        "der": encode_dss_signature(r, s),
        "63-bytes-r-stripped": sig[1:32] + sig[32:],
        "65-bytes-leading-zero": b"\x00" + sig,
        "65-bytes-trailing-zero": sig + b"\x00",
        "empty": b"",
        "128-bytes": sig + sig,
        "r-only": sig[:32],
    }
    for name, bad in variants.items():
        assert_rejected_everywhere(
            s0_validator,
            s0_keys,
            f"{h}.{p}.{b64u(bad)}",
            errors.BadSignatureError,
            now=T,
            what=name,
        )
    # Control: the untouched (short-r) signature is fine.
    assert s0_validator.validate(f"{h}.{p}.{b64u(sig)}", now=T) == c0


def test_br07_es512_130_bytes(
    errors: Any, extended_validator: Any, extended_keys: Any, c0: Any
) -> None:
    h = b64u(json_bytes({"alg": "ES512", "kid": "ec-521"}))
    p = b64u(json_bytes(c0))
    signing_input = f"{h}.{p}".encode()
    sig = _ec_sig_with_short_r("ES512", K.ec521_private(), signing_input, 66)
    short = sig[1:66] + sig[67:]  # each half 65 bytes (jsrsasign #627)
    assert len(short) == 130
    r, s = int.from_bytes(sig[:66], "big"), int.from_bytes(sig[66:], "big")
    for name, bad in {"130": short, "der": encode_dss_signature(r, s), "131": sig[1:]}.items():
        assert_rejected_everywhere(
            extended_validator,
            extended_keys,
            f"{h}.{p}.{b64u(bad)}",
            errors.BadSignatureError,
            now=T,
            what=name,
        )
    assert extended_validator.validate(f"{h}.{p}.{b64u(sig)}", now=T) == c0


def test_br07_variant_es384_signature_on_es256_key(
    errors: Any, extended_validator: Any, extended_keys: Any, c0: Any
) -> None:
    """A 96-byte ES384 signature presented with alg ES256 and kid ec-1."""
    h = b64u(json_bytes({"alg": "ES256", "kid": "ec-1"}))
    p = b64u(json_bytes(c0))
    sig = raw_signature("ES384", K.p384_private(), f"{h}.{p}".encode())
    assert_rejected_everywhere(
        extended_validator, extended_keys, f"{h}.{p}.{b64u(sig)}", errors.BadSignatureError, now=T
    )


# ---------------------------------------------------------------------------
# BR-09: embedded jwk header is never trusted.
# ---------------------------------------------------------------------------
def test_br09_embedded_jwk(
    tokenward: Any, errors: Any, backend: str, s0_validator: Any, s0_keys: Any, c0: Any
) -> None:
    atk = K.atk_ec_private()
    atk_jwk = K.public_jwk(atk)
    # No kid: S0 holds several keys, so none is chosen (and the embedded one never is).
    token = make_token({"alg": "ES256", "jwk": atk_jwk}, c0, atk)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T)
    # kid names a trusted key while the embedded key is the attacker's.
    token = make_token({"alg": "ES256", "kid": "ec-1", "jwk": atk_jwk}, c0, atk)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.BadSignatureError, now=T)
    # kid names the embedded key only.
    token = make_token({"alg": "ES256", "kid": "atk", "jwk": dict(atk_jwk, kid="atk")}, c0, atk)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T)
    # No trusted ES256 key at all: fails closed with key_not_found.
    rsa_only = tokenward.KeySet.from_jwk(
        K.public_jwk(K.rsa1_private(), kid="rsa-1", alg="RS256"), backend=backend
    )
    v = tokenward.Validator(
        rsa_only,
        algorithms=list(tokenward.ALGORITHMS),
        issuer="https://issuer.example",
        audience="api://tokensvc",
    )
    token = make_token({"alg": "ES256", "jwk": atk_jwk}, c0, atk)
    assert_rejected_everywhere(v, rsa_only, token, errors.KeyNotFoundError, now=T)


def test_br09_variant_x5c_and_embedded_hmac_key(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any
) -> None:
    atk = K.atk_ec_private()
    der_b64 = b64u(K.spki_pem(atk))  # not a real certificate; must simply be ignored
    token = make_token({"alg": "ES256", "kid": "ec-1", "x5c": [der_b64]}, c0, atk)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.BadSignatureError, now=T)
    # An oct JWK embedded in the header, with the token MACed under it.
    secret = b"\x42" * 32
    oct_jwk = {"kty": "oct", "k": b64u(secret)}
    token = make_token({"alg": "HS256", "jwk": oct_jwk}, c0, secret)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T)
    # Control: a valid token carrying these members verifies (unknown members ignored).
    ok = s0_token("ec-1", c0, jwk=K.public_jwk(atk), x5c=[der_b64], x5t="abc")
    assert s0_validator.validate(ok, now=T) == c0


# ---------------------------------------------------------------------------
# BR-11: jku / x5u never fetched.
# ---------------------------------------------------------------------------
@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and block) any outbound connection or URL open from the Python side."""
    attempts: list[str] = []

    def _blocked(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args)[:200])
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", _blocked)
    monkeypatch.setattr(socket.socket, "connect_ex", _blocked)
    monkeypatch.setattr(socket, "create_connection", _blocked)
    monkeypatch.setattr(socket, "getaddrinfo", _blocked)
    monkeypatch.setattr(urllib.request, "urlopen", _blocked)
    return attempts


@pytest.mark.parametrize(
    "member",
    [
        {"jku": "file:///etc/hostname"},
        {"jku": "http://127.0.0.1:9/jwks.json"},
        {"x5u": "http://169.254.169.254/latest/meta-data/"},
        {"jku": "https://attacker.example/jwks.json"},
    ],
    ids=["jku-file", "jku-loopback", "x5u-metadata", "jku-attacker"],
)
def test_br11_remote_key_urls_ignored(
    errors: Any,
    s0_validator: Any,
    s0_keys: Any,
    c0: Any,
    no_network: list[str],
    member: dict[str, str],
) -> None:
    attacker = K.rsa_private(2048)  # "a key published there"
    token = make_token({"alg": "RS256", **member}, c0, attacker)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T)
    token = make_token({"alg": "RS256", "kid": "attacker-key", **member}, c0, attacker)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T)
    # Control: signed by the trusted rsa-1, the URL member is simply ignored.
    assert s0_validator.validate(s0_token("rsa-1", c0, **member), now=T) == c0
    assert no_network == []


# ---------------------------------------------------------------------------
# BR-12: kid is an opaque, exactly matched, length-capped string.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kid",
    [
        "../../../../../../dev/null",
        "/dev/null",
        "hs-1/../hs-1",
        "hs-1' OR '1'='1",
        "hs-1 ",
        " hs-1",
        "HS-1",
        "hs-1\u0000",
        "hs\u20111",  # non-breaking hyphen
        "",
    ],
)
def test_br12_kid_injection(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, kid: str
) -> None:
    token = make_token({"alg": "HS256", "kid": kid}, c0, b"")
    assert_rejected_everywhere(
        s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T, what=repr(kid)
    )
    # Same kid, MACed with the real hs-1 secret: still no key by that name.
    token = make_token({"alg": "HS256", "kid": kid}, c0, K.HS1_SECRET)
    assert_rejected_everywhere(
        s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T, what=repr(kid)
    )


def test_br12_long_kid(
    tokenward: Any, errors: Any, s0_keys: Any, s0_validator: Any, c0: Any
) -> None:
    token = make_token({"alg": "HS256", "kid": "A" * 10_000}, c0, b"")
    # Under S0's 8 KiB cap the token is too large before anything is decoded ...
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.TokenTooLargeError, now=T)
    # ... and with a larger cap the kid is refused without lookup.
    big = tokenward.Validator(
        s0_keys,
        algorithms=list(tokenward.ALGORITHMS),
        issuer="https://issuer.example",
        audience="api://tokensvc",
        max_token_bytes=1 << 20,
    )
    assert_rejected_everywhere(
        big, s0_keys, token, errors.KeyNotFoundError, now=T, max_token_bytes=1 << 20
    )
    # 257 bytes (over the 256-byte cap), MACed with the real secret.
    token = make_token({"alg": "HS256", "kid": "h" * 257}, c0, K.HS1_SECRET)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T)


def test_br12_kid_not_a_string(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    for kid in (1, None, ["hs-1"], {"k": "hs-1"}, True):
        token = make_token({"alg": "HS256", "kid": kid}, c0, K.HS1_SECRET)
        assert_rejected_everywhere(
            s0_validator, s0_keys, token, errors.MalformedTokenError, now=T, what=repr(kid)
        )


# ---------------------------------------------------------------------------
# BR-13: empty HMAC secret.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_br13_empty_secret_unknown_kid(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, alg: str
) -> None:
    claims = dict(c0, scope="admin")
    token = make_token({"alg": alg, "kid": "does-not-exist"}, claims, b"")
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T)


def test_br13_empty_secret_no_kid(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    claims = dict(c0, scope="admin")
    # Without kid, a key set of several keys selects none (BR-13: KEY_NOT_FOUND).
    for alg in ("HS256", "HS384", "HS512"):
        token = make_token({"alg": alg}, claims, b"")
        assert_rejected_everywhere(s0_validator, s0_keys, token, errors.KeyNotFoundError, now=T)


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_br13_empty_secret_refused_at_load(
    tokenward: Any, errors: Any, backend: str, alg: str
) -> None:
    with raises_exactly(errors.KeyRejectedError):
        tokenward.KeySet.from_secret(b"", alg=alg, backend=backend)
    with raises_exactly(errors.KeyRejectedError):
        tokenward.KeySet.from_jwk({"kty": "oct", "alg": alg, "k": ""}, backend=backend)
    with raises_exactly(errors.KeyRejectedError):
        tokenward.SigningKey.from_secret(b"", alg=alg, backend=backend)


# ---------------------------------------------------------------------------
# BR-15: weak RSA keys refused at load.
# ---------------------------------------------------------------------------
def _rsa_jwk(n: int, e: int, kid: str = "rsa-weak") -> dict[str, Any]:
    nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    eb = e.to_bytes((e.bit_length() + 7) // 8, "big")
    return {"kty": "RSA", "kid": kid, "alg": "RS256", "n": b64u(nb), "e": b64u(eb)}


@pytest.fixture(scope="module")
def rsa1024() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def test_br15_short_rsa_keys(
    tokenward: Any, errors: Any, backend: str, rsa1024: Any, c0: Any
) -> None:
    n1024 = rsa1024.public_key().public_numbers().n
    n512 = (1 << 511) | 0xF00D_0001  # odd 512-bit modulus (size check comes first)
    for name, jwk in {"1024": _rsa_jwk(n1024, 65537), "512": _rsa_jwk(n512, 65537)}.items():
        with raises_exactly(errors.KeyRejectedError, what=name):
            tokenward.KeySet.from_jwk(jwk, backend=backend)
        with raises_exactly(errors.KeyRejectedError, what=name):
            tokenward.KeySet.from_jwks(
                {"keys": [jwk, K.public_jwk(K.rsa1_private(), kid="rsa-1", alg="RS256")]},
                backend=backend,
            )
    with raises_exactly(errors.KeyRejectedError):
        tokenward.KeySet.from_pem(K.spki_pem(rsa1024), alg="RS256", backend=backend)


def test_br15_bad_exponents_and_moduli(tokenward: Any, errors: Any, backend: str) -> None:
    n = K.rsa1_private().public_key().public_numbers().n
    cases = {
        "e=1": _rsa_jwk(n, 1),
        "e=2": _rsa_jwk(n, 2),
        "e=65536 (even)": _rsa_jwk(n, 65536),
        "e=2^32+1": _rsa_jwk(n, (1 << 32) + 1),
        "e=0": {**_rsa_jwk(n, 3), "e": "AA"},
        "even modulus": _rsa_jwk(n - 1, 65537),
        "2047-bit": _rsa_jwk(n >> 1 | 1, 65537),
        "8200-bit": _rsa_jwk((1 << 8199) | 1, 65537),
    }
    for name, jwk in cases.items():
        with raises_exactly(errors.KeyRejectedError, what=name):
            tokenward.KeySet.from_jwk(jwk, backend=backend)
    # Boundaries that are fine: e = 3, e = 2^32 - 1, leading zero bytes in n and e.
    for name, jwk in {
        "e=3": _rsa_jwk(n, 3),
        "e=2^32-1": _rsa_jwk(n, (1 << 32) - 1),
        "leading zeros": {
            **_rsa_jwk(n, 65537),
            "n": b64u(b"\x00" + n.to_bytes(256, "big")),
            "e": b64u(b"\x00\x01\x00\x01"),
        },
    }.items():
        assert len(tokenward.KeySet.from_jwk(jwk, backend=backend)) == 1, name


def test_br15_token_naming_weak_key(
    tokenward: Any, errors: Any, backend: str, rsa1024: Any, c0: Any
) -> None:
    """The weak key never makes it into the set, so a token naming it finds no key."""
    keys = tokenward.KeySet.from_jwks(
        {"keys": [K.public_jwk(K.rsa1_private(), kid="rsa-1", alg="RS256")]}, backend=backend
    )
    v = tokenward.Validator(
        keys, algorithms=["RS256"], issuer="https://issuer.example", audience="api://tokensvc"
    )
    token = make_token({"alg": "RS256", "kid": "rsa-weak"}, c0, rsa1024)
    assert_rejected_everywhere(v, keys, token, errors.KeyNotFoundError, now=T, algorithms=["RS256"])


# ---------------------------------------------------------------------------
# BR-16: crit.
# ---------------------------------------------------------------------------
def test_br16_unknown_crit(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    token = s0_token("rsa-1", c0, crit=["urn:example:policy"], **{"urn:example:policy": True})
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.UnsupportedCritError, now=T)
    # Control: the same extra member without crit is ignored.
    ok = s0_token("rsa-1", c0, **{"urn:example:policy": True})
    assert s0_validator.validate(ok, now=T) == c0


@pytest.mark.parametrize(
    ("crit", "code"),
    [
        (["b64"], "unsupported_crit"),
        (["exp"], "unsupported_crit"),
        (["urn:a", "urn:b"], "unsupported_crit"),
        ([], "malformed"),
        ("urn:example:policy", "malformed"),
        ([1], "malformed"),
        (None, "malformed"),
        ({"urn:example:policy": True}, "malformed"),
        (True, "malformed"),
    ],
)
def test_br16_variant_crit_shapes(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, crit: Any, code: str
) -> None:
    cls = errors.ERRORS_BY_CODE[code]
    token = s0_token("hs-1", c0, crit=crit, b64=False, exp=1)
    assert_rejected_everywhere(s0_validator, s0_keys, token, cls, now=T, what=repr(crit))


def test_br16_variant_crit_before_signature_and_alg(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any
) -> None:
    """§3 order: crit (step 6) is judged before alg (7), key (8) and signature (9)."""
    h = b64u(json_bytes({"alg": "none", "kid": "nope", "crit": ["urn:x"], "urn:x": 1}))
    token = f"{h}.{b64u(json_bytes(c0))}.AAAA"
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.UnsupportedCritError, now=T)


# ---------------------------------------------------------------------------
# BR-18: duplicate header members.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        b'{"alg":"HS256","alg":"HS512","kid":"hs-1"}',
        b'{"kid":"hs-1","alg":"HS256","kid":"rsa-1"}',
        b'{"alg":"HS256","\\u0061lg":"none","kid":"hs-1"}',
        b'{"alg":"HS256","kid":"hs-1","kid":"hs-1"}',  # same value twice
        b'{"alg":"HS256","kid":"hs-1","\\u006b\\u0069\\u0064":"hs-1"}',
        b'{"alg":"HS256","kid":"hs-1","x":1,"x":2}',  # unknown member duplicated
    ],
)
def test_br18_duplicate_header_members(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, header: bytes
) -> None:
    token = make_token(header, c0, K.HS1_SECRET, "HS256")
    assert_rejected_everywhere(
        s0_validator, s0_keys, token, errors.MalformedTokenError, now=T, what=header.decode()
    )


@pytest.mark.parametrize(
    "payload",
    [
        b'{"iss":"https://issuer.example","aud":"api://tokensvc","exp":%d,"exp":1}',
        b'{"iss":"https://issuer.example","aud":"api://tokensvc","exp":%d,"\\u0065xp":1}',
        b'{"iss":"https://issuer.example","aud":"api://tokensvc","exp":%d,"o":{"a":1,"a":2}}',
    ],
)
def test_br18_variant_duplicate_claims(errors: Any, s0_validator: Any, payload: bytes) -> None:
    token = make_token({"alg": "HS256", "kid": "hs-1"}, payload % (T + 300), K.HS1_SECRET)
    with raises_exactly(errors.MalformedTokenError):
        s0_validator.validate(token, now=T)
    (res,) = s0_validator.validate_many([token], now=T)
    assert type(res) is errors.MalformedTokenError


def test_br18_control_escaped_name_without_duplicate(s0_validator: Any, c0: Any) -> None:
    token = make_token(b'{"\\u0061lg":"HS256","kid":"hs-1"}', c0, K.HS1_SECRET, "HS256")
    assert s0_validator.validate(token, now=T) == c0


# ---------------------------------------------------------------------------
# BR-20: non-canonical base64url (unused bits).
# ---------------------------------------------------------------------------
def test_br20_recipe(tokenward: Any, errors: Any, backend: str) -> None:
    hs1_only = tokenward.KeySet.from_secret(K.HS1_SECRET, alg="HS256", kid="hs-1", backend=backend)
    signing_input = "eyJhbGciOiJIUzI1NiJ9.e30"
    sig = "CUR7dTRVDfvcPJVuQkvKXSNgviuym4azfOfKrl4dmFY"
    assert b64u(raw_signature("HS256", K.HS1_SECRET, signing_input.encode())) == sig
    algs = list(tokenward.ALGORITHMS)
    assert tokenward.verify_jws(f"{signing_input}.{sig}", hs1_only, algorithms=algs) == b"{}"
    for last in "Zab":
        assert b64u_decode(sig[:-1] + last) == b64u_decode(sig)
        with raises_exactly(errors.MalformedTokenError, what=last):
            tokenward.verify_jws(f"{signing_input}.{sig[:-1]}{last}", hs1_only, algorithms=algs)


def test_br20_unused_bits_in_every_segment(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any
) -> None:
    # Grow the payload until header, payload and signature all have spare bits.
    for pad in range(8):
        token = s0_token("hs-1", dict(c0, x="y" * pad))
        h, p, s = token.split(".")
        if all(flip_unused_bits(seg) for seg in (h, p, s)):
            break
    else:  # pragma: no cover
        pytest.fail("no token with spare bits in every segment")
    assert s0_validator.validate(token, now=T)["x"] == "y" * pad
    for i in range(3):
        segs = [h, p, s]
        segs[i] = flip_unused_bits(segs[i]) or segs[i]
        assert b64u_decode(segs[i]) == b64u_decode([h, p, s][i])
        bad = ".".join(segs)
        assert_rejected_everywhere(
            s0_validator, s0_keys, bad, errors.MalformedTokenError, now=T, what=f"segment {i}"
        )


# ---------------------------------------------------------------------------
# BR-22: whitespace inside a compact token.
# ---------------------------------------------------------------------------
def test_br22_whitespace(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    token = s0_token("hs-1", c0)
    h, p, s = token.split(".")
    mid = len(p) // 2
    variants = {
        "spaces around dots": f"{h} . {p} . {s}",
        "trailing newline": f"{h}.{p}.{s}\n",
        "tab after dot": f"{h}.\t{p}.{s}",
        "nbsp in payload": f"{h}.{p[:mid]}\u00a0{p[mid:]}.{s}",
        "leading space": f" {h}.{p}.{s}",
        "trailing space": f"{h}.{p}.{s} ",
        "crlf in signature": f"{h}.{p}.{s[:10]}\r\n{s[10:]}",
        "ideographic space": f"{h}\u3000.{p}.{s}",
        "zero width space": f"{h}.{p}\u200b.{s}",
        "vertical tab": f"{h}.{p}.\x0b{s}",
    }
    for name, bad in variants.items():
        assert_rejected_everywhere(
            s0_validator, s0_keys, bad, errors.MalformedTokenError, now=T, what=name
        )
        assert_rejected_everywhere(
            s0_validator, s0_keys, bad.encode(), errors.MalformedTokenError, now=T, what=name
        )


def test_br22_variant_padding_and_std_alphabet(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any
) -> None:
    token = s0_token("hs-1", c0, k="~~~>>>???")  # header bytes whose b64 has '-'/'_'
    h, p, s = token.split(".")
    std = token.replace("-", "+").replace("_", "/")
    if std != token:
        assert_rejected_everywhere(s0_validator, s0_keys, std, errors.MalformedTokenError, now=T)
    for bad in (f"{h}==.{p}.{s}", f"{h}.{p}=.{s}", f"{h}.{p}.{s}=", f"{h}.{p}.{s}%3D"):
        assert_rejected_everywhere(s0_validator, s0_keys, bad, errors.MalformedTokenError, now=T)


# ---------------------------------------------------------------------------
# BR-23: many dots.
# ---------------------------------------------------------------------------
def test_br23_million_dots(errors: Any, s0_validator: Any, s0_keys: Any) -> None:
    token = "." * 1_000_000
    tracemalloc.start()
    try:
        assert_rejected_everywhere(s0_validator, s0_keys, token, errors.TokenTooLargeError, now=T)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Python-side allocations while rejecting stay far below the input size.
    assert peak < 200_000, peak


def test_br23_part_counts(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    token = s0_token("hs-1", c0)
    h, p, s = token.split(".")
    for name, bad in {
        "4 parts": f"{h}.{p}.{s}.x",
        "trailing dot": f"{h}.{p}.{s}.",
        "5 parts": f"{h}.{p}.{s}.{s}.{s}",
        "2 parts": f"{h}.{p}",
        "1 part": h,
        "empty": "",
        "only dots": "..",
        "8000 dots": "." * 8000,
        "empty header": f".{p}.{s}",
        "leading dot": f".{h}.{p}.{s}",
    }.items():
        assert_rejected_everywhere(
            s0_validator, s0_keys, bad, errors.MalformedTokenError, now=T, what=name
        )
    # An empty payload is a well-formed JWS (RFC 7515); here its MAC does not match.
    assert_rejected_everywhere(
        s0_validator, s0_keys, f"{h}..{s}", errors.BadSignatureError, now=T, what="empty payload"
    )


# ---------------------------------------------------------------------------
# BR-24: issuer exact match.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "iss",
    [
        "http",
        "issuer",
        "",
        "https://issuer.example/",
        "https://issuer.exampl",
        "HTTPS://issuer.example",
        "https://issuer.example\u0000",
        "https://issuer.example ",
        "https://\uff49ssuer.example",  # fullwidth i (NFKC folds it to 'i')
        "https://issuer.example.evil",
    ],
)
def test_br24_issuer_not_exact(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, iss: str
) -> None:
    token = s0_token("hs-1", dict(c0, iss=iss))
    assert_rejected_everywhere(
        s0_validator, s0_keys, token, errors.BadIssuerError, now=T, what=repr(iss)
    )


@pytest.mark.parametrize("iss", [["https://issuer.example"], None, 1, {"iss": "x"}, True])
def test_br24_issuer_wrong_type(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, iss: Any
) -> None:
    token = s0_token("hs-1", dict(c0, iss=iss))
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.ClaimTypeError, now=T)


def test_br24_issuer_list_is_membership(tokenward: Any, errors: Any, s0_keys: Any, c0: Any) -> None:
    v = tokenward.Validator(
        s0_keys,
        algorithms=["HS256"],
        issuer=["https://a.example", "https://issuer.example"],
        audience="api://tokensvc",
    )
    assert v.validate(s0_token("hs-1", c0), now=T) == c0
    for iss in ("https://a.example", "https://issuer.example"):
        assert v.validate(s0_token("hs-1", dict(c0, iss=iss)), now=T)["iss"] == iss
    for iss in ("https://a.exampl", "a.example", "https://a.example,https://issuer.example"):
        with raises_exactly(errors.BadIssuerError):
            v.validate(s0_token("hs-1", dict(c0, iss=iss)), now=T)


# ---------------------------------------------------------------------------
# BR-26 / BR-27: audience.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("aud", "code"),
    [
        (["other-api"], "bad_audience"),
        ([], "bad_audience"),
        ("", "bad_audience"),
        (None, "claim_type"),
        (42, "claim_type"),
        ("api://tokensvc/", "bad_audience"),
        ("API://tokensvc", "bad_audience"),
        (["api://tokensvc", 1], "claim_type"),
        ([["api://tokensvc"]], "claim_type"),
        ({"aud": "api://tokensvc"}, "claim_type"),
        (True, "claim_type"),
        ("other-api api://tokensvc", "bad_audience"),
    ],
)
def test_br26_audience_rejected(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, aud: Any, code: str
) -> None:
    token = s0_token("hs-1", dict(c0, aud=aud))
    assert_rejected_everywhere(
        s0_validator, s0_keys, token, errors.ERRORS_BY_CODE[code], now=T, what=repr(aud)
    )


@pytest.mark.parametrize(
    "aud", ["api://tokensvc", ["other-api", "api://tokensvc"], ["api://tokensvc"]]
)
def test_br26_audience_accepted(s0_validator: Any, c0: Any, aud: Any) -> None:
    assert s0_validator.validate(s0_token("hs-1", dict(c0, aud=aud)), now=T)["aud"] == aud


def test_br26_missing_audience(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    claims = {k: v for k, v in c0.items() if k != "aud"}
    token = s0_token("hs-1", claims)
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.MissingClaimError, now=T)


@pytest.mark.parametrize("audience", [None, [], (), [1], ["api://tokensvc", None]])
def test_br27_validator_without_audience_refused(
    tokenward: Any, errors: Any, s0_keys: Any, audience: Any
) -> None:
    with raises_exactly(errors.InvalidConfigError):
        tokenward.Validator(
            s0_keys, algorithms=["HS256"], issuer="https://issuer.example", audience=audience
        )


def test_br27_danger_skip_audience(tokenward: Any, s0_keys: Any, c0: Any) -> None:
    """Contract §4.7: with danger_skip_audience=True the audience is not checked at all.
    (hostile-inputs.md BR-27 would rather reject a token carrying any aud in that mode;
    the contract deliberately keeps this escape hatch for introspection — see report.)"""
    v = tokenward.Validator(
        s0_keys,
        algorithms=["HS256"],
        issuer="https://issuer.example",
        audience=None,
        danger_skip_audience=True,
        require=("exp", "iss"),
    )
    token = s0_token("hs-1", dict(c0, aud="api://other-service"))
    assert v.validate(token, now=T)["aud"] == "api://other-service"


# ---------------------------------------------------------------------------
# BR-28: time claims of the wrong type are never "absent".
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "override",
    [
        {"nbf": "99999999999"},
        {"exp": "never"},
        {"exp": {"t": 1}},
        {"exp": [T + 300]},
        {"iat": "yesterday"},
        {"exp": True},
        {"nbf": False},
        {"exp": None},
        {"iat": None},
        {"exp": -1},
        {"nbf": -0.5},
        {"exp": 9007199254740992},
        {"exp": 1e16},
        {"iat": 18446744073709551615},
        {"exp": str(T + 300)},
    ],
    ids=repr,
)
def test_br28_time_claim_types(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, override: dict[str, Any]
) -> None:
    token = s0_token("hs-1", dict(c0, **override))
    assert_rejected_everywhere(s0_validator, s0_keys, token, errors.ClaimTypeError, now=T)


def test_br28_not_required_but_malformed(
    tokenward: Any, errors: Any, s0_keys: Any, c0: Any
) -> None:
    v = tokenward.Validator(
        s0_keys,
        algorithms=["HS256"],
        issuer="https://issuer.example",
        audience="api://tokensvc",
        require=(),
    )
    for claim, value in (("exp", "never"), ("nbf", "99999999999"), ("iat", "yesterday")):
        with raises_exactly(errors.ClaimTypeError, what=claim):
            v.validate(s0_token("hs-1", dict(c0, **{claim: value})), now=T)
        absent = {k: val for k, val in c0.items() if k != claim}
        assert v.validate(s0_token("hs-1", absent), now=T) == absent


# ---------------------------------------------------------------------------
# BR-30: leeway bounds and boundaries.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "leeway",
    [9007199254740991, 60000, -5, float("nan"), True, False, float("inf"), 300.5, 301, "30", None],
    ids=repr,
)
def test_br30_leeway_refused(tokenward: Any, errors: Any, s0_keys: Any, leeway: Any) -> None:
    with raises_exactly(errors.InvalidConfigError):
        tokenward.Validator(
            s0_keys,
            algorithms=["HS256"],
            issuer="https://issuer.example",
            audience="api://tokensvc",
            leeway=leeway,
        )


@pytest.mark.parametrize("leeway", [0, 30, 300, 0.5, 299.999])
def test_br30_leeway_boundaries(
    tokenward: Any, errors: Any, s0_keys: Any, c0: Any, leeway: float
) -> None:
    v = tokenward.Validator(
        s0_keys,
        algorithms=["HS256"],
        issuer="https://issuer.example",
        audience="api://tokensvc",
        leeway=leeway,
    )
    base = {k: val for k, val in c0.items() if k not in ("nbf", "iat")}

    def check(claims: dict[str, Any]) -> str:
        try:
            v.validate(s0_token("hs-1", claims), now=T)
        except errors.InvalidTokenError as exc:
            return exc.code
        return "ok"

    # exp <= T - L → expired; exp = T - L + 1 → ok (exp must be an integer-friendly value)
    assert check(dict(base, exp=T - leeway)) == "expired"
    assert check(dict(base, exp=T - leeway + 1)) == "ok"
    assert check(dict(base, exp=T - 365 * 86400)) == "expired"
    assert check(dict(base, nbf=T + leeway)) == "ok"
    assert check(dict(base, nbf=T + leeway + 1)) == "not_yet_valid"
    assert check(dict(base, iat=T + leeway)) == "ok"
    assert check(dict(base, iat=T + leeway + 1)) == "issued_in_future"


# ---------------------------------------------------------------------------
# BR-31: signature/alg/key errors win over claims errors.
# ---------------------------------------------------------------------------
def test_br31_forged_and_expired(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    expired = dict(c0, exp=T - 3600)
    token = s0_token("hs-1", expired)
    with raises_exactly(errors.ExpiredTokenError):
        s0_validator.validate(token, now=T)
    h, p, s = token.split(".")
    raw = bytearray(b64u_decode(s))
    raw[5] ^= 0x01
    forged = f"{h}.{p}.{b64u(bytes(raw))}"
    assert_rejected_everywhere(s0_validator, s0_keys, forged, errors.BadSignatureError, now=T)
    unknown = make_token({"alg": "HS256", "kid": "nope"}, expired, K.HS1_SECRET)
    assert_rejected_everywhere(s0_validator, s0_keys, unknown, errors.KeyNotFoundError, now=T)
    none = b64u(b'{"alg":"none"}') + f".{p}."
    assert_rejected_everywhere(s0_validator, s0_keys, none, errors.UnsupportedAlgorithmError, now=T)


@pytest.mark.parametrize("kid", ["rsa-1", "ec-1", "ed-1"])
def test_br31_variant_every_claim_error_hidden_behind_bad_signature(
    errors: Any, s0_validator: Any, s0_keys: Any, c0: Any, kid: str
) -> None:
    bad_claims = dict(c0, exp=T - 3600, nbf=T + 3600, iss="evil", aud="evil", iat="x")
    token = s0_token(kid, bad_claims)
    h, p, _ = token.split(".")
    other = s0_token(kid, c0).split(".")[2]  # a valid signature over different bytes
    assert_rejected_everywhere(
        s0_validator, s0_keys, f"{h}.{p}.{other}", errors.BadSignatureError, now=T
    )


# ---------------------------------------------------------------------------
# BR-32: oversized tokens rejected before decoding.
# ---------------------------------------------------------------------------
def test_br32_oversized(errors: Any, s0_validator: Any, s0_keys: Any, c0: Any) -> None:
    huge_header = "A" * (50 * 1024 * 1024) + ".e30.AA"
    assert_rejected_everywhere(s0_validator, s0_keys, huge_header, errors.TokenTooLargeError, now=T)
    h, p, _ = s0_token("hs-1", c0).split(".")
    huge_sig = f"{h}.{p}." + "A" * (50 * 1024 * 1024)
    assert_rejected_everywhere(s0_validator, s0_keys, huge_sig, errors.TokenTooLargeError, now=T)
    big_payload = s0_token("hs-1", json_bytes("x" * 100_000))
    assert_rejected_everywhere(s0_validator, s0_keys, big_payload, errors.TokenTooLargeError, now=T)
    # Too large wins over everything, even garbage that would be malformed.
    assert_rejected_everywhere(
        s0_validator, s0_keys, "\u00a0" * 5000, errors.TokenTooLargeError, now=T
    )


# ---------------------------------------------------------------------------
# BR-34: JWE and zip.
# ---------------------------------------------------------------------------
def test_br34_jwe_five_parts(errors: Any, s0_validator: Any, s0_keys: Any) -> None:
    header = b64u(json_bytes({"alg": "dir", "enc": "A128GCM", "zip": "DEF"}))
    compressed = zlib.compress(b"u" * 1_000_000)[:4000]  # the shape, kept under the cap
    jwe = f"{header}..{b64u(b'0' * 12)}.{b64u(compressed)}.{b64u(b'1' * 16)}"
    assert len(jwe) < 8192
    assert_rejected_everywhere(s0_validator, s0_keys, jwe, errors.MalformedTokenError, now=T)
    # JSON serialization is refused as well.
    as_json = json.dumps({"payload": "e30", "signatures": [{"protected": header}]})
    assert_rejected_everywhere(s0_validator, s0_keys, as_json, errors.MalformedTokenError, now=T)


def test_br34_zip_header_never_inflates(
    tokenward: Any, errors: Any, s0_validator: Any, s0_keys: Any, c0: Any
) -> None:
    deflater = zlib.compressobj(wbits=-15)
    deflated = deflater.compress(json_bytes(c0)) + deflater.flush()
    token = make_token({"alg": "HS256", "kid": "hs-1", "zip": "DEF"}, deflated, K.HS1_SECRET)
    # The JWS layer hands back the bytes as signed, never decompressed ...
    algs = list(tokenward.ALGORITHMS)
    assert tokenward.verify_jws(token, s0_keys, algorithms=algs) == deflated
    # ... and they are not JSON, so the claims layer refuses them.
    with raises_exactly(errors.MalformedTokenError):
        s0_validator.validate(token, now=T)


# ---------------------------------------------------------------------------
# BR-38 (b): a refresh token presented as an access token.
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("typ", ["rt+jwt", "JWT", "refresh", "application/rt+jwt", None, 1])
def test_br38_refresh_token_as_access_token(
    tokenward: Any, errors: Any, s0_keys: Any, c0: Any, typ: Any
) -> None:
    v = tokenward.Validator(
        s0_keys,
        algorithms=["HS256"],
        issuer="https://issuer.example",
        audience="api://tokensvc",
        typ="at+jwt",
    )
    extra = {} if typ is None else {"typ": typ}
    token = s0_token("hs-1", dict(c0, typ="refresh"), **extra)
    with raises_exactly(errors.WrongTokenTypeError):
        v.validate(token, now=T)
    assert v.validate(s0_token("hs-1", c0, typ="at+jwt"), now=T) == c0
