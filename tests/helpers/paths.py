"""Run one token through every public path and demand the same error everywhere."""

from __future__ import annotations

from typing import Any

from .asserts import raises_exactly

#: Codes raised before the claims layer: verify_jws must raise them too.
JWS_LAYER_CODES = {
    "malformed",
    "too_large",
    "unsupported_alg",
    "key_not_found",
    "bad_signature",
    "unsupported_crit",
}


def assert_rejected_everywhere(
    validator: Any,
    keys: Any,
    token: str | bytes,
    cls: type[BaseException],
    *,
    now: float,
    algorithms: list[str] | None = None,
    max_token_bytes: int = 8192,
    what: str = "",
) -> None:
    """``validate``, ``validate_many`` and (for JWS-level errors) ``verify_jws`` all refuse
    ``token`` with exactly ``cls``; no path returns claims or payload."""
    import tokenward

    with raises_exactly(cls, what=f"validate {what}"):
        validator.validate(token, now=now)
    (result,) = validator.validate_many([token], now=now)
    assert type(result) is cls, f"validate_many {what}: expected {cls.__name__}, got {result!r}"
    code = getattr(cls, "code", "")
    if code in JWS_LAYER_CODES:
        algs = algorithms if algorithms is not None else list(tokenward.ALGORITHMS)
        with raises_exactly(cls, what=f"verify_jws {what}"):
            tokenward.verify_jws(token, keys, algorithms=algs, max_token_bytes=max_token_bytes)
