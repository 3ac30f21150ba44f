"""Fixture keys of the hostile-input recipes (S0) and helpers to load them in tokenward.

* ``hs-1``: HS256, secret bytes 0x00..0x1f (hostile-inputs.md).
* ``rsa-1``: RSA-2048 of RFC 7515 A.2 (private exponent from the RFC text; p, q
  recovered from n, e, d). Checked: re-signing the A.2 input reproduces the
  RFC's signature byte for byte (see test_keys.py::test_fixture_keys_match_rfc).
* ``ec-1``: P-256 of RFC 7515 A.3 (d from the RFC text; public point checked).
* ``ed-1``: Ed25519 of RFC 8037 A.1 (d from the RFC text; public key checked).
* ``ec-521``: P-521 of RFC 7520 §3.2 (used for ES512 recipes).
* ATK-EC: a P-256 key that is *not* trusted, derived from a fixed scalar so the
  suite is deterministic (the recipe only needs "a key the service does not trust").
* Extra generated keys (RSA-3072 for RS384/PS*, P-384) come from cryptography with
  fixed scalars or are generated once per session; no RFC value is needed for them.
"""

from __future__ import annotations

import functools
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from .jose import b64u, b64u_decode

HS1_SECRET = bytes(range(32))
HS1_JWK = {"kty": "oct", "kid": "hs-1", "alg": "HS256", "k": b64u(HS1_SECRET)}

RSA1_N = (
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4Ql"
    "L-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYU"
    "sLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmou"
    "dF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
)
RSA1_D = (
    "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe"
    "46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9J"
    "YanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuh"
    "LhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"
)
EC1_X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
EC1_Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
EC1_D = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
ED1_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
ED1_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
EC521_D = "AAhRON2r9cqXX1hg-RoI6R1tX5p2rUAYdmpHZoC1XNM56KtscrX6zbKipQrCW9CGZH3T4ubpnoTKLDYJ_fF3_rJt"

ATK_EC_SCALAR = 0x1D0C_A77A_C4E2  # attacker's P-256 key (not trusted anywhere)


def _int(b64: str) -> int:
    return int.from_bytes(b64u_decode(b64), "big")


@functools.cache
def rsa1_private() -> rsa.RSAPrivateKey:
    n, e, d = _int(RSA1_N), 65537, _int(RSA1_D)
    p, q = rsa.rsa_recover_prime_factors(n, e, d)
    return rsa.RSAPrivateNumbers(
        p,
        q,
        d,
        rsa.rsa_crt_dmp1(d, p),
        rsa.rsa_crt_dmq1(d, q),
        rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, n),
    ).private_key()


@functools.cache
def ec1_private() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(_int(EC1_D), ec.SECP256R1())


@functools.cache
def ed1_private() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(b64u_decode(ED1_D))


@functools.cache
def ec521_private() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(_int(EC521_D), ec.SECP521R1())


@functools.cache
def atk_ec_private() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(ATK_EC_SCALAR, ec.SECP256R1())


@functools.cache
def p384_private() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(0x384_384_384_384_384, ec.SECP384R1())


@functools.cache
def rsa_private(bits: int) -> rsa.RSAPrivateKey:
    """A session-wide generated RSA key (for sizes the RFCs do not give us)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def public_jwk(key: Any, *, kid: str | None = None, alg: str | None = None) -> dict[str, Any]:
    """RFC 7517 public JWK of a cryptography private or public key."""
    pub = key.public_key() if hasattr(key, "public_key") else key
    jwk: dict[str, Any]
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()
        jwk = {
            "kty": "RSA",
            "n": b64u(nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")),
            "e": b64u(nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")),
        }
    elif isinstance(pub, ec.EllipticCurvePublicKey):
        size = (pub.curve.key_size + 7) // 8
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[pub.curve.name]
        nums = pub.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": crv,
            "x": b64u(nums.x.to_bytes(size, "big")),
            "y": b64u(nums.y.to_bytes(size, "big")),
        }
    elif isinstance(pub, ed25519.Ed25519PublicKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw)}
    else:  # pragma: no cover
        raise TypeError(type(pub))
    if kid is not None:
        jwk["kid"] = kid
    if alg is not None:
        jwk["alg"] = alg
    return jwk


def private_jwk(key: Any, *, kid: str | None = None, alg: str | None = None) -> dict[str, Any]:
    jwk = public_jwk(key, kid=kid, alg=alg)
    if isinstance(key, rsa.RSAPrivateKey):
        nums = key.private_numbers()
        for name, value in (
            ("d", nums.d),
            ("p", nums.p),
            ("q", nums.q),
            ("dp", nums.dmp1),
            ("dq", nums.dmq1),
            ("qi", nums.iqmp),
        ):
            jwk[name] = b64u(value.to_bytes((value.bit_length() + 7) // 8, "big"))
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        size = (key.curve.key_size + 7) // 8
        jwk["d"] = b64u(key.private_numbers().private_value.to_bytes(size, "big"))
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        jwk["d"] = b64u(raw)
    return jwk


def spki_pem(key: Any) -> bytes:
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def openssh_line(key: Any) -> bytes:
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)


def s0_public_jwks() -> dict[str, Any]:
    """The trusted keys of S0: hs-1 (HS256), rsa-1 (RS256), ec-1 (ES256), ed-1 (EdDSA)."""
    return {
        "keys": [
            dict(HS1_JWK),
            public_jwk(rsa1_private(), kid="rsa-1", alg="RS256"),
            public_jwk(ec1_private(), kid="ec-1", alg="ES256"),
            public_jwk(ed1_private(), kid="ed-1", alg="EdDSA"),
        ]
    }


#: kid → (alg, signing key for helpers.jose.make_token)
def s0_signers() -> dict[str, tuple[str, Any]]:
    return {
        "hs-1": ("HS256", HS1_SECRET),
        "rsa-1": ("RS256", rsa1_private()),
        "ec-1": ("ES256", ec1_private()),
        "ed-1": ("EdDSA", ed1_private()),
    }
