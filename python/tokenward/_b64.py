"""Strict base64url (RFC 7515 §2): unpadded, URL alphabet only, canonical.

"Canonical" means the unused low bits of the last character are zero, so each
byte string has exactly one encoding (hostile-inputs BR-20).
"""

from __future__ import annotations

import base64
import re

_ALPHABET = re.compile(rb"[A-Za-z0-9_-]*")


class Base64Error(ValueError):
    """Not canonical unpadded base64url."""


def is_b64url_alphabet(data: bytes) -> bool:
    return _ALPHABET.fullmatch(data) is not None


def b64url_decode(data: bytes) -> bytes:
    """Decode canonical unpadded base64url or raise :class:`Base64Error`."""
    if len(data) % 4 == 1 or not is_b64url_alphabet(data):
        raise Base64Error("invalid base64url")
    decoded = base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
    if b64url_encode(decoded) != data:
        raise Base64Error("non-canonical base64url (unused bits set)")
    return decoded


def b64url_encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def b64url_str(data: bytes) -> str:
    return b64url_encode(data).decode("ascii")
