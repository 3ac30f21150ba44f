"""Strict JSON for token headers and payloads (docs/semantics.md §6).

The Rust core parses with serde_json plus a duplicate-rejecting, depth-bounded
visitor; this module makes CPython's ``json`` give the very same answers:
unique member names, depth ≤ 32, no NaN/Infinity, no lone surrogates, integers
in the 64-bit range as ``int`` and everything else as a correctly rounded
finite ``float``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 32
MAX_NUMBER_LITERAL = 4300
_I64_MIN = -(2**63)
_U64_MAX = 2**64 - 1
_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class StrictJsonError(ValueError):
    """The bytes are not strict JSON."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise StrictJsonError("duplicate member name")
    return obj


def _reject_constant(name: str) -> Any:
    raise StrictJsonError(f"{name} is not JSON")


def _parse_int(literal: str) -> int | float:
    if len(literal) > MAX_NUMBER_LITERAL:
        raise StrictJsonError("number literal too long")
    value = int(literal)
    if _I64_MIN <= value <= _U64_MAX:
        return value
    return _parse_float(literal)


def _parse_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_LITERAL:
        raise StrictJsonError("number literal too long")
    value = float(literal)
    if not math.isfinite(value):
        raise StrictJsonError("number out of range")
    return value


def _check_depth(text: str) -> None:
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise StrictJsonError("nesting too deep")
        elif ch in "]}":
            depth -= 1


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def loads_strict(data: bytes) -> Any:
    """Parse UTF-8 JSON bytes strictly, or raise :class:`StrictJsonError`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StrictJsonError("not UTF-8") from exc
    # Counting is C-fast; the exact scan only runs when nesting could be deep.
    if text.count("[") + text.count("{") > MAX_DEPTH:
        _check_depth(text)
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except StrictJsonError:
        raise
    except (ValueError, RecursionError) as exc:
        raise StrictJsonError("invalid JSON") from exc
    if _LONE_SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise StrictJsonError("lone surrogate in string")
    return value
