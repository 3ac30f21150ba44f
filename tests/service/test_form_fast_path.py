"""The escape-free form fast path gives exactly what parse_qsl gives (or the same error)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenward.service.errors import InvalidRequest
from tokenward.service.handlers.common import _simple_form

MAX_FIELDS = 32


def _reference(text: str) -> dict[str, str] | str:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        return "too many"
    form: dict[str, str] = {}
    for k, v in pairs:
        if k in form:
            return "repeated"
        form[k] = v
    return form


def _fast(text: str) -> dict[str, str] | str:
    try:
        return _simple_form(text, MAX_FIELDS)
    except InvalidRequest as exc:
        return "too many" if "too many" in exc.description else "repeated"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab=&.-_~xyz019", max_size=80))
def test_fast_path_matches_parse_qsl(text: str) -> None:
    assert _fast(text) == _reference(text)


@pytest.mark.parametrize(
    "text",
    ["", "&", "token=", "=x", "token", "a=1&&b=2", "a=b=c", "a=1&a=2", "&".join(["x"] * 33)],
)
def test_fast_path_edge_cases(text: str) -> None:
    assert _fast(text) == _reference(text)
