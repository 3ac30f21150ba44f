"""Backend selection and the pinned clock, shared by conftest.py and the test modules.

(Test modules import these from here, not from ``conftest``: with several
``conftest.py`` files under tests/, ``import conftest`` is ambiguous.)
"""

from __future__ import annotations

import functools
import importlib
import os

BACKENDS = ("rust", "python")

#: The validator's pinned clock for every claims test (hostile-inputs.md "T").
T = 1_750_000_000


@functools.cache
def rust_import_error() -> str | None:
    """None when ``tokenward._core`` imports and may be used, else why not.

    ``TOKENWARD_BACKEND=python`` is the run "with the extension disabled": then
    nothing in the suite touches the Rust backend, not even the comparisons.
    """
    if os.environ.get("TOKENWARD_BACKEND", "").strip().lower() == "python":
        return "disabled by TOKENWARD_BACKEND=python"
    try:
        importlib.import_module("tokenward._core")
    except Exception as exc:  # ImportError, or a broken build
        return f"{type(exc).__name__}: {exc}"
    return None


def selected_backends() -> tuple[str, ...]:
    """Both backends, or only ``TOKENWARD_BACKEND`` when it is set."""
    forced = os.environ.get("TOKENWARD_BACKEND", "").strip().lower()
    if forced:
        if forced not in BACKENDS:
            raise ValueError(f"TOKENWARD_BACKEND={forced!r}: expected one of {BACKENDS}")
        return (forced,)
    return BACKENDS
