"""Public key objects: :class:`KeySet` (verification) and :class:`SigningKey`.

PEM and private-JWK handling happens here, once, with pyca/cryptography, for
both backends: a PEM is turned into a JWK and from there every key goes through
the backend's own JWK loader, so the two backends see identical input.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509 import load_pem_x509_certificate

from . import _backend
from ._b64 import b64url_decode, b64url_str
from ._backend import BackendName
from ._json import StrictJsonError, loads_strict
from ._keycheck import hmac_secret_problem
from .exceptions import KeyRejectedError

ALGORITHMS: tuple[str, ...] = (
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip
_CURVE_OF_ALG: dict[str, Callable[[], ec.EllipticCurve]] = {
    "ES256": ec.SECP256R1,
    "ES384": ec.SECP384R1,
    "ES512": ec.SECP521R1,
}
_CRV_OF_CURVE = {"secp256r1": ("P-256", 32), "secp384r1": ("P-384", 48), "secp521r1": ("P-521", 66)}
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_HMAC_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}

JWK = dict[str, Any]


def _as_json_doc(doc: Mapping[str, Any] | str | bytes, what: str) -> Any:
    if isinstance(doc, Mapping):
        return dict(doc)
    raw = doc.encode("utf-8") if isinstance(doc, str) else bytes(doc)
    try:
        return loads_strict(raw)
    except StrictJsonError as e:
        raise KeyRejectedError(f"{what} is not strict JSON: {e}") from e


def _uint(value: int, size: int | None = None) -> str:
    length = size if size is not None else max(1, (value.bit_length() + 7) // 8)
    return b64url_str(value.to_bytes(length, "big"))


def public_jwk_of(key: Any) -> JWK:
    """The public JWK (RFC 7517) of a pyca/cryptography public or private key."""
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        key = key.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e)}
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in _CRV_OF_CURVE:
            raise KeyRejectedError(f"unsupported EC curve {key.curve.name}")
        crv, size = _CRV_OF_CURVE[key.curve.name]
        point = key.public_numbers()
        return {"kty": "EC", "crv": crv, "x": _uint(point.x, size), "y": _uint(point.y, size)}
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_str(raw)}
    raise KeyRejectedError(f"unsupported key type {type(key).__name__}")


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256), used as the default ``kid``."""
    required = {
        "RSA": ("e", "kty", "n"),
        "EC": ("crv", "kty", "x", "y"),
        "OKP": ("crv", "kty", "x"),
    }
    members = {name: jwk[name] for name in required[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url_str(hashlib.sha256(canonical).digest())


def _load_pem_public(pem: bytes) -> Any:
    try:
        return serialization.load_pem_public_key(pem)
    except (ValueError, TypeError):
        pass
    try:
        return load_pem_x509_certificate(pem).public_key()
    except (ValueError, TypeError):
        pass
    try:
        return serialization.load_pem_private_key(pem, password=None).public_key()
    except (ValueError, TypeError) as e:
        raise KeyRejectedError(
            "not a PEM public key, certificate or unencrypted private key"
        ) from e


def _with(jwk: JWK, alg: str | None, kid: str | None) -> JWK:
    if alg is not None:
        jwk.setdefault("alg", alg)
    if kid is not None:
        jwk.setdefault("kid", kid)
    return jwk


class KeySet:
    """Trusted verification keys, each bound to exactly one algorithm.

    Weak or ambiguous keys are refused here, with :class:`KeyRejectedError`:
    RSA under 2048 bits or with a bad exponent, short HMAC secrets, an HMAC
    "secret" that is really public-key material, EC points off the curve,
    duplicate ``kid``s, and (unless ``allow_mixed``) HMAC secrets mixed with
    public keys in one set.
    """

    __slots__ = ("_impl", "_jwks", "_module", "backend")

    def __init__(
        self, jwks: list[JWK], *, allow_mixed: bool = False, backend: BackendName | None = None
    ) -> None:
        name, module = _backend.module(backend)
        data = json.dumps({"keys": jwks}, separators=(",", ":")).encode()
        self._impl: Any = module.KeySet.from_jwks_json(data, bool(allow_mixed))
        self._jwks = jwks
        self._module = module
        self.backend: BackendName = name

    def _impl_module(self) -> ModuleType:
        return self._module

    @classmethod
    def from_jwks(
        cls,
        jwks: Mapping[str, Any] | str | bytes,
        *,
        allow_mixed: bool = False,
        backend: BackendName | None = None,
    ) -> KeySet:
        """Load a JWK Set (``{"keys": [...]}``) given as a mapping or JSON text."""
        doc = _as_json_doc(jwks, "JWKS")
        if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
            raise KeyRejectedError('a JWKS must be an object with a "keys" array')
        keys = [dict(k) if isinstance(k, Mapping) else k for k in doc["keys"]]
        return cls(keys, allow_mixed=allow_mixed, backend=backend)

    @classmethod
    def from_jwk(
        cls,
        jwk: Mapping[str, Any] | str | bytes,
        *,
        alg: str | None = None,
        kid: str | None = None,
        backend: BackendName | None = None,
    ) -> KeySet:
        """Load one JWK; ``alg``/``kid`` fill in members the JWK lacks."""
        doc = _as_json_doc(jwk, "JWK")
        if not isinstance(doc, dict):
            raise KeyRejectedError("a JWK must be a JSON object")
        return cls([_with(doc, alg, kid)], backend=backend)

    @classmethod
    def from_pem(
        cls,
        pem: str | bytes,
        *,
        alg: str,
        kid: str | None = None,
        backend: BackendName | None = None,
    ) -> KeySet:
        """Load a PEM public key, certificate or private key (its public part)."""
        raw = pem.encode() if isinstance(pem, str) else pem
        return cls([_with(public_jwk_of(_load_pem_public(raw)), alg, kid)], backend=backend)

    @classmethod
    def from_secret(
        cls,
        secret: str | bytes,
        *,
        alg: str = "HS256",
        kid: str | None = None,
        backend: BackendName | None = None,
    ) -> KeySet:
        """Load a raw HMAC secret (at least as long as the hash output)."""
        raw = secret.encode() if isinstance(secret, str) else bytes(secret)
        jwk: JWK = {"kty": "oct", "k": b64url_str(raw), "alg": alg}
        return cls([_with(jwk, None, kid)], backend=backend)

    @classmethod
    def combine(
        cls, *sets: KeySet, allow_mixed: bool = False, backend: BackendName | None = None
    ) -> KeySet:
        """One set holding every key of ``sets`` (kids must stay unique)."""
        chosen = backend if backend is not None else (sets[0].backend if sets else None)
        return cls(
            [dict(j) for s in sets for j in s._jwks], allow_mixed=allow_mixed, backend=chosen
        )

    @property
    def kids(self) -> list[str | None]:
        return list(self._impl.kids())

    @property
    def algorithms(self) -> list[str]:
        return list(self._impl.algs())

    def __len__(self) -> int:
        return len(self._impl)

    def __repr__(self) -> str:
        return f"<KeySet backend={self.backend} kids={self.kids!r}>"

    def to_jwks(self) -> dict[str, list[JWK]]:
        """The public JWKS of this set: HMAC secrets and private members left out."""
        public = []
        for jwk in self._jwks:
            if jwk.get("kty") == "oct":
                continue
            public.append({k: v for k, v in jwk.items() if k not in _PRIVATE_MEMBERS})
        return {"keys": public}


class SigningKey:
    """A private key (or HMAC secret) bound to one algorithm, for :func:`tokenward.sign`."""

    __slots__ = ("_impl", "_private", "alg", "backend", "kid")

    def __init__(
        self,
        private: Any,
        *,
        alg: str,
        kid: str | None = None,
        backend: BackendName | None = None,
    ) -> None:
        if alg not in ALGORITHMS:
            raise KeyRejectedError(f"unsupported algorithm {alg!r}")
        name, module = _backend.module(backend)
        if isinstance(private, bytes):
            material = private
        else:
            material = private.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        self._impl: Any = module.SigningKey(alg, material)
        self._private = private
        self.alg = alg
        self.backend: BackendName = name
        if kid is None and not isinstance(private, bytes):
            kid = thumbprint(public_jwk_of(private))
        self.kid = kid

    @classmethod
    def generate(
        cls, alg: str, *, kid: str | None = None, backend: BackendName | None = None
    ) -> SigningKey:
        """A fresh key: RSA-2048, the algorithm's EC curve, Ed25519, or a random secret."""
        private: Any
        if alg in _HMAC_BYTES:
            private = os.urandom(_HMAC_BYTES[alg])
            while hmac_secret_problem(private, alg):  # vanishingly rare, but never fail
                private = os.urandom(_HMAC_BYTES[alg])
        elif alg[:2] in ("RS", "PS"):
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg in _CURVE_OF_ALG:
            private = ec.generate_private_key(_CURVE_OF_ALG[alg]())
        elif alg == "EdDSA":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise KeyRejectedError(f"unsupported algorithm {alg!r}")
        return cls(private, alg=alg, kid=kid, backend=backend)

    @classmethod
    def from_pem(
        cls,
        pem: str | bytes,
        *,
        alg: str,
        kid: str | None = None,
        password: bytes | None = None,
        backend: BackendName | None = None,
    ) -> SigningKey:
        raw = pem.encode() if isinstance(pem, str) else pem
        try:
            private = serialization.load_pem_private_key(raw, password=password)
        except (ValueError, TypeError) as e:
            raise KeyRejectedError("not a PEM private key (or wrong password)") from e
        return cls(private, alg=alg, kid=kid, backend=backend)

    @classmethod
    def from_secret(
        cls,
        secret: str | bytes,
        *,
        alg: str = "HS256",
        kid: str | None = None,
        backend: BackendName | None = None,
    ) -> SigningKey:
        raw = secret.encode() if isinstance(secret, str) else bytes(secret)
        if alg not in _HMAC_BYTES:
            raise KeyRejectedError(f"{alg} is not an HMAC algorithm")
        return cls(raw, alg=alg, kid=kid, backend=backend)

    @classmethod
    def from_jwk(
        cls, jwk: Mapping[str, Any] | str | bytes, *, backend: BackendName | None = None
    ) -> SigningKey:
        """A private JWK (RSA/EC/OKP with ``d``) or an ``oct`` JWK; ``alg`` is required."""
        doc = _as_json_doc(jwk, "JWK")
        if not isinstance(doc, dict) or not isinstance(doc.get("alg"), str):
            raise KeyRejectedError("a signing JWK must be an object with an 'alg'")
        alg, kid = doc["alg"], doc.get("kid")
        if doc.get("kty") == "oct":
            try:
                secret = b64url_decode(str(doc.get("k", "")).encode())
            except ValueError as e:
                raise KeyRejectedError("'k' is not canonical base64url") from e
            return cls.from_secret(secret, alg=alg, kid=kid, backend=backend)
        from jwcrypto import jwk as jwcrypto_jwk

        try:
            pem = jwcrypto_jwk.JWK(**doc).export_to_pem(private_key=True, password=None)
        except Exception as e:  # jwcrypto raises a zoo of types for bad input
            raise KeyRejectedError(f"not a usable private JWK: {e}") from e
        return cls.from_pem(pem, alg=alg, kid=kid, backend=backend)

    def public_jwk(self) -> JWK:
        """The public JWK to publish (``kid``, ``alg``, ``use: sig``)."""
        if isinstance(self._private, bytes):
            raise KeyRejectedError("an HMAC secret has no public key to publish")
        jwk = public_jwk_of(self._private)
        jwk.update({"kid": self.kid, "alg": self.alg, "use": "sig"})
        return jwk

    def private_pem(self) -> bytes:
        """PKCS#8 PEM, unencrypted: encrypt it before it leaves memory (the service does)."""
        if isinstance(self._private, bytes):
            raise KeyRejectedError("an HMAC secret has no PEM form")
        pem: bytes = self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return pem

    def keyset(self) -> KeySet:
        """The verification key set for tokens this key signs (same backend)."""
        if isinstance(self._private, bytes):
            return KeySet.from_secret(
                self._private, alg=self.alg, kid=self.kid, backend=self.backend
            )
        return KeySet([self.public_jwk()], backend=self.backend)

    def sign_bytes(self, message: bytes) -> bytes:
        """The raw JWS signature of ``message`` (the JWS signing input)."""
        signature: bytes = self._impl.sign(message)
        return signature

    def __repr__(self) -> str:
        return f"<SigningKey alg={self.alg} kid={self.kid!r} backend={self.backend}>"


__all__ = ["ALGORITHMS", "KeySet", "SigningKey", "public_jwk_of", "thumbprint"]
