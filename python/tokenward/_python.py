"""The pure-Python twin of ``tokenward._core``.

Same surface, same semantics (docs/semantics.md), same exceptions and codes as
the Rust core. Keys are imported through jwcrypto and verified with
pyca/cryptography. Used when the extension is unavailable or when
``TOKENWARD_BACKEND=python``; the differential tests compare it with Rust.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from jwcrypto import jwk as jwcrypto_jwk

from . import exceptions as exc
from ._b64 import Base64Error, b64url_decode, is_b64url_alphabet
from ._json import StrictJsonError, loads_strict
from ._keycheck import MAX_KID_BYTES, ed25519_point_ok, hmac_secret_problem, rsa_problem

ALGORITHMS = (
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip
ERROR_CODES = sorted(exc.ERRORS_BY_CODE)

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512,
}  # fmt: skip
_HASHLIB = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
_CURVES = {"P-256": ("ES256", 32), "P-384": ("ES384", 48), "P-521": ("ES512", 66)}
_EC_ALG_CURVE = {alg: crv for crv, (alg, _) in _CURVES.items()}
_EC_ORDER = {
    "ES256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ES384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
    "ES512": int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
        "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
}
_NUMERIC_DATE_MAX = 2**53 - 1
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _fail(cls: type[exc.TokenwardError], message: str) -> exc.TokenwardError:
    return cls(message)


# --------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Entry:
    kid: str | None
    alg: str
    key: Any  # bytes (HMAC) or a cryptography public key
    size: int  # signature length in bytes where fixed (RSA modulus, ES r||s), else 0


def _reject(message: str) -> exc.KeyRejectedError:
    return exc.KeyRejectedError(message)


def _member_b64(jwk: dict[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise _reject(f"JWK member {name!r} must be a base64url string")
    try:
        return b64url_decode(value.encode("ascii"))
    except (Base64Error, UnicodeEncodeError) as e:
        raise _reject(f"JWK member {name!r} is not canonical base64url") from e


def _check_use(jwk: dict[str, Any]) -> None:
    if "use" in jwk and jwk["use"] != "sig":
        raise _reject("JWK 'use' must be 'sig' for a verification key")
    if "key_ops" in jwk:
        ops = jwk["key_ops"]
        if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
            raise _reject("JWK 'key_ops' must be a list of strings")
        if "verify" not in ops:
            raise _reject("JWK 'key_ops' does not allow 'verify'")


def _entry_from_jwk(jwk: Any) -> _Entry:
    if not isinstance(jwk, dict):
        raise _reject("a JWK must be a JSON object")
    kty = jwk.get("kty")
    if kty not in ("oct", "RSA", "EC", "OKP"):
        raise _reject(f"unsupported JWK kty {kty!r}")
    for member in ("kid", "alg", "use", "crv"):
        if member in jwk and not isinstance(jwk[member], str):
            raise _reject(f"JWK {member!r} must be a string")
    kid = jwk.get("kid")
    if kid is not None and len(kid.encode("utf-8", "surrogatepass")) > MAX_KID_BYTES:
        raise _reject(f"JWK 'kid' longer than {MAX_KID_BYTES} bytes")
    alg = jwk.get("alg")
    if alg is not None and alg not in ALGORITHMS:
        raise _reject(f"unsupported JWK alg {alg!r}")
    _check_use(jwk)

    if kty == "oct":
        if alg is None or not alg.startswith("HS"):
            raise _reject("an 'oct' JWK needs an HS256/HS384/HS512 'alg'")
        secret = _member_b64(jwk, "k")
        problem = hmac_secret_problem(secret, alg)
        if problem:
            raise _reject(problem)
        return _Entry(kid, alg, secret, 0)

    if kty == "RSA":
        if alg is None or alg[:2] not in ("RS", "PS"):
            raise _reject("an 'RSA' JWK needs an RS*/PS* 'alg'")
        n = int.from_bytes(_member_b64(jwk, "n"), "big")
        e = int.from_bytes(_member_b64(jwk, "e"), "big")
        problem = rsa_problem(n, e)
        if problem:
            raise _reject(problem)
        public = jwcrypto_jwk.JWK(kty="RSA", n=jwk["n"], e=jwk["e"]).get_op_key("verify")
        return _Entry(kid, alg, public, (n.bit_length() + 7) // 8)

    if kty == "EC":
        crv = jwk.get("crv")
        if crv not in _CURVES:
            raise _reject(f"unsupported EC curve {crv!r}")
        curve_alg, size = _CURVES[crv]
        if alg is None:
            alg = curve_alg
        elif alg != curve_alg:
            raise _reject(f"EC key on {crv} cannot be used with {alg}")
        x, y = _member_b64(jwk, "x"), _member_b64(jwk, "y")
        if len(x) != size or len(y) != size:
            raise _reject(f"EC coordinates must be {size} bytes for {crv}")
        try:
            public = jwcrypto_jwk.JWK(kty="EC", crv=crv, x=jwk["x"], y=jwk["y"]).get_op_key(
                "verify"
            )
        except ValueError as e:
            raise _reject("EC point is not on the curve") from e
        return _Entry(kid, alg, public, 2 * size)

    # OKP
    if jwk.get("crv") != "Ed25519":
        raise _reject(f"unsupported OKP curve {jwk.get('crv')!r}")
    if alg is None:
        alg = "EdDSA"
    elif alg != "EdDSA":
        raise _reject(f"Ed25519 key cannot be used with {alg}")
    x = _member_b64(jwk, "x")
    if len(x) != 32 or not ed25519_point_ok(x):
        raise _reject("Ed25519 public key must be 32 bytes encoding a curve point")
    try:
        public = ed25519.Ed25519PublicKey.from_public_bytes(x)
    except ValueError as e:
        raise _reject("invalid Ed25519 public key") from e
    return _Entry(kid, alg, public, 64)


class KeySet:
    """A set of trusted verification keys, each bound to one algorithm."""

    __slots__ = ("_by_kid", "_entries")

    def __init__(self, entries: list[_Entry]) -> None:
        self._entries = entries
        self._by_kid = {e.kid: e for e in entries if e.kid is not None}

    @staticmethod
    def from_jwks_json(data: bytes, allow_mixed: bool) -> KeySet:
        try:
            doc = loads_strict(data)
        except StrictJsonError as e:
            raise _reject(f"JWKS is not strict JSON: {e}") from e
        if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
            raise _reject('a JWKS must be an object with a "keys" array')
        if not doc["keys"]:
            raise _reject("the key set is empty")
        entries = [_entry_from_jwk(j) for j in doc["keys"]]
        seen: set[str | None] = set()
        for entry in entries:
            if entry.kid in seen:
                raise _reject(f"duplicate kid {entry.kid!r}")
            seen.add(entry.kid)
        symmetric = {e.alg.startswith("HS") for e in entries}
        if len(symmetric) > 1 and not allow_mixed:
            raise _reject("key set mixes HMAC secrets and public keys (pass allow_mixed=True)")
        return KeySet(entries)

    def kids(self) -> list[str | None]:
        return [e.kid for e in self._entries]

    def algs(self) -> list[str]:
        return [e.alg for e in self._entries]

    def __len__(self) -> int:
        return len(self._entries)

    def select(self, kid: str | None, alg: str) -> _Entry:
        if kid is not None:
            entry = None
            if len(kid.encode("utf-8", "surrogatepass")) <= MAX_KID_BYTES:
                entry = self._by_kid.get(kid)
            if entry is None:
                raise exc.KeyNotFoundError("no trusted key with this kid")
        elif len(self._entries) == 1 and self._entries[0].alg == alg:
            entry = self._entries[0]
        else:
            raise exc.KeyNotFoundError("token has no kid and no single key of the set fits it")
        if entry.alg != alg:
            raise exc.UnsupportedAlgorithmError(f"key {kid!r} is bound to {entry.alg}, not {alg}")
        return entry


def _verify(entry: _Entry, message: bytes, signature: bytes) -> bool:
    alg = entry.alg
    bits = alg[2:]
    try:
        if alg.startswith("HS"):
            expected = hmac.new(entry.key, message, _HASHLIB[bits]).digest()
            return hmac.compare_digest(expected, signature)
        if alg == "EdDSA":
            if len(signature) != 64:
                return False
            entry.key.verify(signature, message)
            return True
        if len(signature) != entry.size:
            return False
        if alg.startswith("ES"):
            half = entry.size // 2
            r = int.from_bytes(signature[:half], "big")
            s = int.from_bytes(signature[half:], "big")
            order = _EC_ORDER[alg]
            if not (1 <= r < order and 1 <= s < order):
                return False
            entry.key.verify(encode_dss_signature(r, s), message, ec.ECDSA(_HASHES[bits]()))
            return True
        pad: padding.AsymmetricPadding
        if alg.startswith("RS"):
            pad = padding.PKCS1v15()
        else:
            hash_alg = _HASHES[bits]()
            pad = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
        entry.key.verify(signature, message, pad, _HASHES[bits]())
        return True
    except InvalidSignature:
        return False


def verify_signature(
    keys: KeySet, kid: str | None, alg: str, message: bytes, signature: bytes
) -> None:
    if alg not in ALGORITHMS:
        raise exc.UnsupportedAlgorithmError(f"unsupported algorithm {alg!r}")
    entry = keys.select(kid, alg)
    if not _verify(entry, message, signature):
        raise exc.BadSignatureError("signature does not verify")


# --------------------------------------------------------------------------
# Compact JWS
# --------------------------------------------------------------------------
def _token_bytes(token: object, max_token_bytes: int) -> bytes:
    if isinstance(token, str):
        if len(token) > max_token_bytes:
            raise exc.TokenTooLargeError(f"token longer than {max_token_bytes} bytes")
        try:
            raw = token.encode("utf-8")
        except UnicodeEncodeError as e:
            raise exc.MalformedTokenError("token is not valid text") from e
    elif isinstance(token, bytes):
        raw = token
    else:
        raise exc.MalformedTokenError("token must be str or bytes")
    if len(raw) > max_token_bytes:
        raise exc.TokenTooLargeError(f"token longer than {max_token_bytes} bytes")
    return raw


def _decode_segment(segment: bytes, what: str) -> bytes:
    try:
        return b64url_decode(segment)
    except Base64Error as e:
        raise exc.MalformedTokenError(f"{what} is not canonical base64url") from e


@dataclass(frozen=True, slots=True)
class _Verified:
    header: dict[str, Any]
    payload: bytes


def _verify_compact(
    token: object, keys: KeySet, algorithms: frozenset[str], max_token_bytes: int
) -> _Verified:
    raw = _token_bytes(token, max_token_bytes)
    if raw.count(b".") != 2:
        raise exc.MalformedTokenError("a compact JWS has exactly three segments")
    h64, p64, s64 = raw.split(b".")
    if not h64:
        raise exc.MalformedTokenError("empty header segment")
    if not is_b64url_alphabet(h64 + p64 + s64):
        raise exc.MalformedTokenError("token contains characters outside base64url")
    header_bytes = _decode_segment(h64, "header")
    payload = _decode_segment(p64, "payload")
    signature = _decode_segment(s64, "signature")
    try:
        header = loads_strict(header_bytes)
    except StrictJsonError as e:
        raise exc.MalformedTokenError(f"header is not strict JSON: {e}") from e
    if not isinstance(header, dict):
        raise exc.MalformedTokenError("header is not a JSON object")
    if "crit" in header:
        crit = header["crit"]
        if isinstance(crit, list) and crit and all(isinstance(c, str) for c in crit):
            raise exc.UnsupportedCritError("critical header extensions are not supported")
        raise exc.MalformedTokenError("'crit' must be a non-empty list of strings")
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise exc.MalformedTokenError("header 'alg' missing or not a string")
    if alg not in algorithms:
        raise exc.UnsupportedAlgorithmError(f"algorithm {alg!r} is not allowed")
    kid = header.get("kid")
    if "kid" in header and not isinstance(kid, str):
        raise exc.MalformedTokenError("header 'kid' is not a string")
    entry = keys.select(kid, alg)
    if not _verify(entry, h64 + b"." + p64, signature):
        raise exc.BadSignatureError("signature does not verify")
    return _Verified(header, payload)


def _check_algorithms(algorithms: Sequence[str]) -> frozenset[str]:
    unknown = [a for a in algorithms if a not in ALGORITHMS]
    if unknown or not algorithms:
        raise exc.InvalidConfigError(f"algorithms must be a non-empty subset of {ALGORITHMS}")
    return frozenset(algorithms)


def verify_jws(
    token: object, keys: KeySet, algorithms: Sequence[str], max_token_bytes: int
) -> bytes:
    return _verify_compact(token, keys, _check_algorithms(algorithms), max_token_bytes).payload


# --------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------
def _normalize_typ(value: str) -> str:
    lowered = value.translate(_ASCII_LOWER)
    return lowered.removeprefix("application/")


def _numeric_date(claims: dict[str, Any], name: str) -> float | None:
    if name not in claims:
        return None
    value = claims[name]
    if type(value) is not int and type(value) is not float:
        raise exc.ClaimTypeError(f"'{name}' must be a NumericDate")
    if not (math.isfinite(value) and 0 <= value <= _NUMERIC_DATE_MAX):
        raise exc.ClaimTypeError(f"'{name}' must be a NumericDate within 0..2^53-1")
    return float(value)


def _string_claim(claims: dict[str, Any], name: str) -> None:
    if name in claims and not isinstance(claims[name], str):
        raise exc.ClaimTypeError(f"'{name}' must be a string")


def _string_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class Validator:
    """Mirror of ``tokenward._core.Validator`` (arguments already normalized)."""

    __slots__ = (
        "_algorithms", "_audiences", "_issuers", "_keys", "_leeway",
        "_max_token_bytes", "_required", "_typ",
    )  # fmt: skip

    def __init__(
        self,
        keys: KeySet,
        algorithms: list[str],
        issuers: list[str] | None,
        audiences: list[str] | None,
        leeway: float,
        required: list[str],
        typ: str | None,
        max_token_bytes: int,
    ) -> None:
        self._keys = keys
        self._algorithms = _check_algorithms(algorithms)
        if not (math.isfinite(leeway) and 0 <= leeway <= 300):
            raise exc.InvalidConfigError("leeway must be within 0..300 seconds")
        self._leeway = float(leeway)
        self._issuers = frozenset(issuers) if issuers is not None else None
        self._audiences = frozenset(audiences) if audiences is not None else None
        required_set = list(dict.fromkeys(required))
        if issuers is not None and "iss" not in required_set:
            required_set.append("iss")
        if audiences is not None and "aud" not in required_set:
            required_set.append("aud")
        self._required = tuple(required_set)
        self._typ = _normalize_typ(typ) if typ is not None else None
        self._max_token_bytes = max_token_bytes

    def _claims(
        self, header: dict[str, Any], payload: bytes, scopes: list[str] | None, now: float
    ) -> dict[str, Any]:
        try:
            claims = loads_strict(payload)
        except StrictJsonError as e:
            raise exc.MalformedTokenError(f"payload is not strict JSON: {e}") from e
        if not isinstance(claims, dict):
            raise exc.MalformedTokenError("payload is not a JSON object")
        if self._typ is not None:
            typ = header.get("typ")
            if not isinstance(typ, str) or _normalize_typ(typ) != self._typ:
                raise exc.WrongTokenTypeError("token type is not the one required")
        exp = _numeric_date(claims, "exp")
        nbf = _numeric_date(claims, "nbf")
        iat = _numeric_date(claims, "iat")
        for name in ("iss", "sub", "jti", "client_id", "scope"):
            _string_claim(claims, name)
        aud = claims.get("aud")
        if "aud" in claims and not (isinstance(aud, str) or _string_list(aud)):
            raise exc.ClaimTypeError("'aud' must be a string or a list of strings")
        if "scp" in claims and not _string_list(claims["scp"]):
            raise exc.ClaimTypeError("'scp' must be a list of strings")
        for name in self._required:
            if name not in claims:
                raise exc.MissingClaimError(f"required claim '{name}' is missing")
        leeway = self._leeway
        if exp is not None and exp <= now - leeway:
            raise exc.ExpiredTokenError("token has expired")
        if nbf is not None and nbf > now + leeway:
            raise exc.NotYetValidError("token is not valid yet")
        if iat is not None and iat > now + leeway:
            raise exc.IssuedInFutureError("token was issued in the future")
        if self._issuers is not None and claims.get("iss") not in self._issuers:
            raise exc.BadIssuerError("issuer is not trusted")
        if self._audiences is not None:
            audiences = self._audiences
            if isinstance(aud, str):
                ok = aud in audiences
            else:
                ok = any(a in audiences for a in aud or ())
            if not ok:
                raise exc.BadAudienceError("token is not meant for this audience")
        if scopes:
            if "scope" in claims:
                granted = set(claims["scope"].split(" "))
            else:
                granted = set(claims.get("scp", ()))
            granted.discard("")
            if not granted.issuperset(scopes):
                raise exc.InsufficientScopeError("token lacks a required scope")
        return claims

    def validate(
        self, token: object, scopes: list[str] | None, now: float | None
    ) -> dict[str, Any]:
        verified = _verify_compact(token, self._keys, self._algorithms, self._max_token_bytes)
        return self._claims(
            verified.header, verified.payload, scopes, time.time() if now is None else now
        )

    def validate_many(
        self,
        tokens: Sequence[object],
        scopes: list[str] | None,
        now: float | None,
        threads: int | None,
    ) -> list[dict[str, Any] | exc.InvalidTokenError]:
        del threads  # the twin validates sequentially
        when = time.time() if now is None else now
        results: list[dict[str, Any] | exc.InvalidTokenError] = []
        for token in tokens:
            try:
                results.append(self.validate(token, scopes, when))
            except exc.InvalidTokenError as error:
                results.append(error)
        return results


# --------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------
class SigningKey:
    """Mirror of ``tokenward._core.SigningKey``: PKCS#8 DER or an HMAC secret."""

    __slots__ = ("_alg", "_key")

    def __init__(self, alg: str, key: bytes) -> None:
        if alg not in ALGORITHMS:
            raise exc.KeyRejectedError(f"unsupported algorithm {alg!r}")
        self._alg = alg
        if alg.startswith("HS"):
            problem = hmac_secret_problem(key, alg)
            if problem:
                raise exc.KeyRejectedError(problem)
            self._key: Any = key
            return
        try:
            private = serialization.load_der_private_key(key, password=None)
        except ValueError as e:
            raise exc.KeyRejectedError("not a PKCS#8 DER private key") from e
        family_ok = {
            "RS": isinstance(private, rsa.RSAPrivateKey),
            "PS": isinstance(private, rsa.RSAPrivateKey),
            "ES": isinstance(private, ec.EllipticCurvePrivateKey)
            and _EC_ALG_CURVE.get(alg) == {"secp256r1": "P-256", "secp384r1": "P-384",
                                           "secp521r1": "P-521"}.get(private.curve.name),
            "Ed": isinstance(private, ed25519.Ed25519PrivateKey),
        }[alg[:2]]  # fmt: skip
        if not family_ok:
            raise exc.KeyRejectedError(f"private key does not fit {alg}")
        if isinstance(private, rsa.RSAPrivateKey):
            numbers = private.public_key().public_numbers()
            problem = rsa_problem(numbers.n, numbers.e)
            if problem:
                raise exc.KeyRejectedError(problem)
        self._key = private

    def sign(self, message: bytes) -> bytes:
        alg, key, bits = self._alg, self._key, self._alg[2:]
        if alg.startswith("HS"):
            return hmac.new(key, message, _HASHLIB[bits]).digest()
        if alg == "EdDSA":
            return key.sign(message)  # type: ignore[no-any-return]
        if alg.startswith("ES"):
            size = _CURVES[_EC_ALG_CURVE[alg]][1]
            r, s = decode_dss_signature(key.sign(message, ec.ECDSA(_HASHES[bits]())))
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        hash_alg = _HASHES[bits]()
        pad: padding.AsymmetricPadding
        if alg.startswith("RS"):
            pad = padding.PKCS1v15()
        else:
            pad = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
        return key.sign(message, pad, hash_alg)  # type: ignore[no-any-return]


__all__ = [
    "ALGORITHMS",
    "ERROR_CODES",
    "KeySet",
    "SigningKey",
    "Validator",
    "verify_jws",
    "verify_signature",
]
