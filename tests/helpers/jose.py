"""Build compact JWS tokens byte by byte, independently of tokenward.

Hostile-input recipes need exact header/payload bytes (duplicate members,
odd escapes, non-canonical base64url), so tokens are assembled and signed here
with pyca/cryptography directly; the library under test is never used to make
its own test inputs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_HASHLIB = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
EC_SIZES = {"ES256": 32, "ES384": 48, "ES512": 66}
EC_ORDERS = {
    "ES256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ES384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
    "ES512": int(
        "01FF" + "FFFFFFFF" * 7 + "FFFFFFFA"
        "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
}


def b64u(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(seg: str) -> bytes:
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


def json_bytes(obj: Any) -> bytes:
    """Compact JSON, member order kept (what most signers emit)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def raw_signature(alg: str, key: Any, signing_input: bytes) -> bytes:
    """The JWS signature value (RFC 7518 §3) computed with pyca/cryptography / hmac."""
    bits = alg[-3:]
    if alg.startswith("HS"):
        assert isinstance(key, bytes)
        return hmac.new(key, signing_input, _HASHLIB[bits]).digest()
    if alg.startswith("RS"):
        assert isinstance(key, rsa.RSAPrivateKey)
        return key.sign(signing_input, padding.PKCS1v15(), _HASHES[bits]())
    if alg.startswith("PS"):
        assert isinstance(key, rsa.RSAPrivateKey)
        h = _HASHES[bits]()
        pss = padding.PSS(mgf=padding.MGF1(h), salt_length=h.digest_size)
        return key.sign(signing_input, pss, h)
    if alg.startswith("ES"):
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        der = key.sign(signing_input, ec.ECDSA(_HASHES[bits]()))
        r, s = decode_dss_signature(der)
        size = EC_SIZES[alg]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if alg == "EdDSA":
        assert isinstance(key, ed25519.Ed25519PrivateKey)
        return key.sign(signing_input)
    raise ValueError(alg)


def make_token(
    header: dict[str, Any] | bytes,
    payload: dict[str, Any] | bytes,
    key: Any,
    alg: str | None = None,
) -> str:
    """Compact JWS over the exact header/payload bytes (dicts are compact-JSON encoded)."""
    h = header if isinstance(header, bytes) else json_bytes(header)
    p = payload if isinstance(payload, bytes) else json_bytes(payload)
    if alg is None:
        assert isinstance(header, dict)
        alg = str(header["alg"])
    signing_input = f"{b64u(h)}.{b64u(p)}".encode()
    return f"{signing_input.decode()}.{b64u(raw_signature(alg, key, signing_input))}"


def resign(token: str, key: Any, alg: str) -> str:
    """Replace the signature of ``token`` with a fresh one over its first two segments."""
    h, p, _ = token.split(".")
    return f"{h}.{p}.{b64u(raw_signature(alg, key, f'{h}.{p}'.encode()))}"


def segments(token: str) -> tuple[str, str, str]:
    h, p, s = token.split(".")
    return h, p, s


def flip_unused_bits(seg: str) -> str | None:
    """Same bytes, non-zero unused low bits in the last character (None: no spare bits)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spare = {2: 4, 3: 2}.get(len(seg) % 4)  # unused bits in the last char
    if spare is None:
        return None
    idx = alphabet.index(seg[-1])
    return seg[:-1] + alphabet[idx | 1]
