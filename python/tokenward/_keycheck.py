"""Key-material rules shared by the pure-Python backend (docs/semantics.md §2).

The Rust core implements the same rules in ``rust_core/src/keys.rs``; the
differential tests hold the two together.
"""

from __future__ import annotations

from ._json import StrictJsonError, loads_strict

HMAC_MIN_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
RSA_MIN_BITS = 2048
RSA_MAX_BITS = 8192
RSA_MAX_EXPONENT = 2**32 - 1
MAX_KID_BYTES = 256

_ASYMMETRIC_MARKERS = (b"-----BEGIN", b"ssh-", b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-")
_ASYMMETRIC_WORDS = (b"PUBLIC KEY", b"PRIVATE KEY", b"CERTIFICATE")
_ASYMMETRIC_OIDS = (
    bytes.fromhex("2A864886F70D010101"),  # rsaEncryption
    bytes.fromhex("2A8648CE3D0201"),  # id-ecPublicKey
    bytes.fromhex("2B6570"),  # id-Ed25519
)


def hmac_secret_problem(secret: bytes, alg: str) -> str | None:
    """Why ``secret`` may not be an HMAC key for ``alg``, or None if it may."""
    minimum = HMAC_MIN_BYTES[alg]
    if len(secret) < minimum:
        return f"{alg} secret must be at least {minimum} bytes (RFC 7518 §3.2), got {len(secret)}"
    stripped = secret.strip(b" \t\r\n\f\v")
    if stripped.startswith(_ASYMMETRIC_MARKERS) or any(w in secret for w in _ASYMMETRIC_WORDS):
        return "HMAC secret looks like public-key material (PEM/OpenSSH)"
    if stripped.startswith(b"{") and _is_json_object(stripped):
        return "HMAC secret is a JSON object (a JWK/JWKS document?)"
    if secret.startswith(b"\x30") and any(oid in secret for oid in _ASYMMETRIC_OIDS):
        return "HMAC secret looks like a DER-encoded key"
    return None


def _is_json_object(data: bytes) -> bool:
    try:
        return isinstance(loads_strict(data), dict)
    except StrictJsonError:
        return False


def _roca_subgroups() -> list[tuple[int, frozenset[int]]]:
    """For each small prime p, the residues of the subgroup <65537> mod p.

    Infineon's flawed generator (ROCA, CVE-2017-15361) only makes moduli n with
    n mod p inside this subgroup for every one of these primes; a random
    modulus is in all of them with negligible probability.
    """
    primes = [3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71]
    primes += [73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149]
    primes += [151, 157, 163, 167]
    groups = []
    for p in primes:
        residues = {1}
        x = 65537 % p
        while x not in residues:
            residues.add(x)
            x = (x * 65537) % p
        groups.append((p, frozenset(residues)))
    return groups


_ROCA = _roca_subgroups()


def is_roca_modulus(n: int) -> bool:
    return all(n % p in residues for p, residues in _ROCA)


def rsa_problem(n: int, e: int) -> str | None:
    bits = n.bit_length()
    if bits < RSA_MIN_BITS or bits > RSA_MAX_BITS:
        return f"RSA modulus must be {RSA_MIN_BITS}..{RSA_MAX_BITS} bits, got {bits}"
    if n % 2 == 0:
        return "RSA modulus is even"
    if e < 3 or e % 2 == 0 or e > RSA_MAX_EXPONENT:
        return "RSA public exponent must be odd and in 3..2^32-1"
    if is_roca_modulus(n):
        return "RSA modulus has the ROCA fingerprint (CVE-2017-15361)"
    return None


_ED25519_P = 2**255 - 19
_ED25519_D = (-121665 * pow(121666, -1, _ED25519_P)) % _ED25519_P


def ed25519_point_ok(encoded: bytes) -> bool:
    """Whether 32 bytes are a canonical Ed25519 point encoding (RFC 8032 §5.1.3).

    OpenSSL only notices a bad point when verifying; we refuse it at load time.
    """
    p = _ED25519_P
    y = int.from_bytes(encoded, "little") & ((1 << 255) - 1)
    sign = encoded[31] >> 7
    if y >= p:
        return False
    u, v = (y * y - 1) % p, (_ED25519_D * y * y + 1) % p
    x2 = u * pow(v, -1, p) % p
    if x2 == 0:
        return sign == 0
    return pow(x2, (p - 1) // 2, p) == 1
