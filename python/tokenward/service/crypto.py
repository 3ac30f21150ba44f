"""Local secrets: the client-secret pepper and the key-encryption key (KEK).

Both are 32 random bytes, taken from the environment (``TOKENWARD_PEPPER`` /
``TOKENWARD_KEK``, urlsafe base64) or from 0600 files in the data dir, created on
first use. Operators running several hosts against one Redis must give every host
the same values (environment, or the same files).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _load_or_create(data_dir: Path, name: str, env: str) -> bytes:
    raw = os.environ.get(env)
    if raw:
        value = b64d(raw.strip())
        if len(value) < 32:
            raise ValueError(f"{env} must hold at least 32 bytes (urlsafe base64)")
        return value
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / name
    if not path.exists():
        tmp = data_dir / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(b64e(secrets.token_bytes(32)) + "\n")
        try:
            os.link(tmp, path)  # atomic: the first writer wins, others read its value
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} must not be accessible by group/others (chmod 600)")
    value = b64d(path.read_text().strip())
    if len(value) < 32:
        raise ValueError(f"{path} is too short")
    return value


def load_pepper(data_dir: Path) -> bytes:
    return _load_or_create(data_dir, "pepper", "TOKENWARD_PEPPER")


def load_kek(data_dir: Path) -> bytes:
    return _load_or_create(data_dir, "kek", "TOKENWARD_KEK")


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


_BLOCK = 64  # SHA-256 block size
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


@functools.lru_cache(maxsize=8)
def _hmac_pads(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states after the inner / outer HMAC key pads (RFC 2104), computed once
    per key: each HMAC is then two state copies, about 5x cheaper than ``hmac.new``
    or ``hmac.digest`` (which fetch the digest from OpenSSL on every call)."""
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


def hash_client_secret(pepper: bytes, secret: str) -> str:
    """Keyed fast hash for high-entropy, server-generated secrets: HMAC-SHA256(pepper)."""
    inner, outer = _hmac_pads(pepper)
    inner = inner.copy()
    inner.update(secret.encode("utf-8"))
    outer = outer.copy()
    outer.update(inner.digest())
    return str(outer.hexdigest())


def verify_client_secret(pepper: bytes, secret: str, stored: str) -> bool:
    return hmac.compare_digest(hash_client_secret(pepper, secret), stored)


def token_hash(token: str) -> str:
    """SHA-256 of an opaque token (refresh or opaque access): the store never sees the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def encrypt(kek: bytes, plaintext: bytes, aad: bytes) -> str:
    nonce = secrets.token_bytes(12)
    return b64e(nonce + AESGCM(kek[:32]).encrypt(nonce, plaintext, aad))


def decrypt(kek: bytes, blob: str, aad: bytes) -> bytes:
    raw = b64d(blob)
    return AESGCM(kek[:32]).decrypt(raw[:12], raw[12:], aad)


def wipe(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
