"""Assertions on tokenward errors: the exact class *and* its stable code."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest


@contextlib.contextmanager
def raises_exactly(cls: type[BaseException], *, what: str = "") -> Iterator[Any]:
    """Like ``pytest.raises`` but a subclass (e.g. too_large for malformed) does not count."""
    with pytest.raises(Exception) as info:
        yield info
    exc = info.value
    assert type(exc) is cls, (
        f"{what}: expected {cls.__name__}, got {type(exc).__name__}({exc!s:.200})"
    )
    assert getattr(exc, "code", None) == getattr(cls, "code", None)


def error_code(fn: Any, *args: Any, **kwargs: Any) -> str:
    """Run ``fn``; 'ok' when it returns, else the tokenward error code (other errors propagate)."""
    from tokenward.exceptions import TokenwardError

    try:
        fn(*args, **kwargs)
    except TokenwardError as exc:
        return exc.code
    return "ok"
