"""Validation and signing entry points (docs/semantics.md §1, §4, §5)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._b64 import b64url_encode
from ._keys import ALGORITHMS, KeySet, SigningKey
from .exceptions import InvalidConfigError, InvalidTokenError

DEFAULT_MAX_TOKEN_BYTES = 8192
MAX_LEEWAY_SECONDS = 300

Claims = dict[str, Any]
Token = str | bytes


def _algorithms(algorithms: Iterable[str]) -> list[str]:
    if isinstance(algorithms, str):
        algorithms = [algorithms]
    chosen = list(dict.fromkeys(algorithms))
    unknown = [a for a in chosen if a not in ALGORITHMS]
    if not chosen or unknown:
        raise InvalidConfigError(
            f"algorithms must be a non-empty subset of {ALGORITHMS}; got {unknown or chosen}"
        )
    return chosen


def _string_set(value: str | Iterable[str], what: str) -> list[str]:
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, Iterable) and not isinstance(value, bytes | Mapping):
        items = list(value)
    else:
        raise InvalidConfigError(f"{what} must be a string or a non-empty list of strings")
    if not items or not all(isinstance(i, str) for i in items):
        raise InvalidConfigError(f"{what} must be a string or a non-empty list of strings")
    return items


def _max_bytes(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 64 <= value <= 1 << 20:
        raise InvalidConfigError("max_token_bytes must be an int within 64..1048576")
    return value


def _check_now(now: float) -> None:
    # A NaN clock would make every time comparison false, i.e. every token current.
    if isinstance(now, bool) or not isinstance(now, int | float) or not math.isfinite(now):
        raise InvalidConfigError("now must be a finite number of seconds since the epoch")


def _scopes(scopes: Iterable[str] | None) -> list[str] | None:
    if scopes is None:
        return None
    if isinstance(scopes, str):
        scopes = scopes.split()
    return list(scopes)


class Validator:
    """Validates JWTs: signature under a trusted key, then the claims.

    ``audience`` is required: a validator that ignores ``aud`` accepts tokens
    meant for other services (RFC 7519 §4.1.3). Only an authorization server
    reporting on its own tokens (introspection) should pass
    ``danger_skip_audience=True`` instead.
    """

    __slots__ = ("_impl", "backend", "keys")

    def __init__(
        self,
        keys: KeySet,
        *,
        algorithms: Iterable[str],
        issuer: str | Iterable[str] | None,
        audience: str | Iterable[str] | None = None,
        leeway: float = 0,
        require: Iterable[str] = ("exp",),
        typ: str | None = None,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        danger_skip_audience: bool = False,
    ) -> None:
        if not isinstance(keys, KeySet):
            raise InvalidConfigError("keys must be a tokenward.KeySet")
        if isinstance(leeway, bool) or not isinstance(leeway, int | float):
            raise InvalidConfigError("leeway must be a number of seconds")
        if not (math.isfinite(leeway) and 0 <= leeway <= MAX_LEEWAY_SECONDS):
            raise InvalidConfigError(f"leeway must be within 0..{MAX_LEEWAY_SECONDS} seconds")
        if danger_skip_audience:
            if audience is not None:
                raise InvalidConfigError("audience and danger_skip_audience contradict each other")
            audiences = None
        elif audience is None:
            raise InvalidConfigError(
                "audience is required (pass danger_skip_audience=True only for introspection)"
            )
        else:
            audiences = _string_set(audience, "audience")
        issuers = None if issuer is None else _string_set(issuer, "issuer")
        required = [require] if isinstance(require, str) else list(require)
        if not all(isinstance(r, str) for r in required):
            raise InvalidConfigError("require must be a list of claim names")
        if typ is not None and not isinstance(typ, str):
            raise InvalidConfigError("typ must be a string")
        self.keys = keys
        self.backend = keys.backend
        self._impl: Any = keys._impl_module().Validator(
            keys._impl,
            _algorithms(algorithms),
            issuers,
            audiences,
            float(leeway),
            required,
            typ,
            _max_bytes(max_token_bytes),
        )

    def validate(
        self, token: Token, *, scopes: Iterable[str] | None = None, now: float | None = None
    ) -> Claims:
        """The claims of a valid token, or raise an :class:`InvalidTokenError` subclass.

        ``scopes``: every one must be granted (``scope`` or ``scp`` claim).
        ``now``: the clock, in seconds since the epoch (default: the system clock).
        """
        claims: Claims
        if scopes is None and now is None:  # the common call: nothing to normalize
            claims = self._impl.validate(token, None, None)
            return claims
        if now is not None:
            _check_now(now)
        claims = self._impl.validate(token, _scopes(scopes), now)
        return claims

    def validate_many(
        self,
        tokens: Sequence[Token],
        *,
        scopes: Iterable[str] | None = None,
        now: float | None = None,
        threads: int | None = None,
    ) -> list[Claims | InvalidTokenError]:
        """One result per token, in order: its claims, or the error it would raise.

        A bad token never raises here. The Rust backend validates the batch
        without holding the GIL, spread over ``threads`` cores (default: all).
        """
        if threads is not None and (isinstance(threads, bool) or not 1 <= threads <= 256):
            raise InvalidConfigError("threads must be within 1..256")
        if now is not None:
            _check_now(now)
        if isinstance(tokens, str | bytes):
            raise TypeError("validate_many takes a sequence of tokens, not one token")
        try:
            batch = list(tokens)
        except TypeError:
            raise TypeError("validate_many takes a sequence of tokens") from None
        results: list[Claims | InvalidTokenError] = self._impl.validate_many(
            batch, _scopes(scopes), now, threads
        )
        return results

    def __repr__(self) -> str:
        return f"<Validator backend={self.backend} keys={self.keys.kids!r}>"


def verify_jws(
    token: Token,
    keys: KeySet,
    *,
    algorithms: Iterable[str],
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
) -> bytes:
    """Verify a compact JWS and return its payload bytes (no claims checks).

    The same parsing, key selection and signature rules as :class:`Validator`.
    """
    payload: bytes = keys._impl_module().verify_jws(
        token, keys._impl, _algorithms(algorithms), _max_bytes(max_token_bytes)
    )
    return payload


def verify_signature(
    keys: KeySet, *, alg: str, message: bytes, signature: bytes, kid: str | None = None
) -> None:
    """Check one raw signature (no token parsing); raises BadSignatureError on mismatch.

    Key selection and algorithm binding are those of token verification.
    """
    keys._impl_module().verify_signature(keys._impl, kid, alg, bytes(message), bytes(signature))


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
            "utf-8"
        )
    except (TypeError, ValueError) as e:
        raise InvalidConfigError(f"not JSON-serializable: {e}") from e


def sign(
    claims: Mapping[str, Any],
    key: SigningKey | str | bytes | Mapping[str, Any],
    *,
    algorithm: str | None = None,
    kid: str | None = None,
    headers: Mapping[str, Any] | None = None,
    typ: str | None = None,
) -> str:
    """A compact JWS over ``claims``.

    ``key`` is a :class:`SigningKey`, or PEM text / an HMAC secret with
    ``algorithm``, or a private JWK. ``typ`` goes into the header (``at+jwt``
    for RFC 9068 access tokens; default ``JWT``).
    """
    if not isinstance(key, SigningKey):
        if isinstance(key, Mapping):
            key = SigningKey.from_jwk(key)
        elif algorithm is None:
            raise InvalidConfigError("algorithm is required unless key is a SigningKey or JWK")
        elif algorithm.startswith("HS"):
            key = SigningKey.from_secret(key, alg=algorithm, kid=kid)
        else:
            key = SigningKey.from_pem(key, alg=algorithm, kid=kid)
    elif algorithm is not None and algorithm != key.alg:
        raise InvalidConfigError(f"key is bound to {key.alg}, not {algorithm}")
    header: dict[str, Any] = {"alg": key.alg, "typ": typ or "JWT"}
    key_id = kid if kid is not None else key.kid
    if key_id is not None:
        header["kid"] = key_id
    for name, value in (headers or {}).items():
        if name in ("alg", "crit"):
            raise InvalidConfigError(f"header {name!r} cannot be overridden")
        header[name] = value
    signing_input = b64url_encode(_json_bytes(header)) + b"." + b64url_encode(_json_bytes(claims))
    signature = key.sign_bytes(signing_input)
    return (signing_input + b"." + b64url_encode(signature)).decode("ascii")


__all__ = ["Validator", "sign", "verify_jws", "verify_signature"]
