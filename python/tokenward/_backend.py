"""Which implementation runs: the Rust extension or its pure-Python twin.

``TOKENWARD_BACKEND`` chooses the default (``rust`` or ``python``); unset, the
Rust extension is used when it is importable. Every key object remembers the
backend it was built with, so both can be used side by side (the tests do).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Literal

BackendName = Literal["rust", "python"]


def _rust_module() -> ModuleType | None:
    try:
        return importlib.import_module("tokenward._core")
    except ImportError:
        return None


def _default() -> BackendName:
    wanted = os.environ.get("TOKENWARD_BACKEND", "").strip().lower()
    if wanted == "python":
        return "python"
    if wanted == "rust":
        if _rust_module() is None:
            raise ImportError("TOKENWARD_BACKEND=rust but the tokenward._core extension is missing")
        return "rust"
    if wanted:
        raise ImportError(f"TOKENWARD_BACKEND must be 'rust' or 'python', not {wanted!r}")
    return "rust" if _rust_module() is not None else "python"


DEFAULT: BackendName = _default()


def available() -> list[BackendName]:
    names: list[BackendName] = ["python"]
    if _rust_module() is not None:
        names.insert(0, "rust")
    return names


def module(name: BackendName | None) -> tuple[BackendName, ModuleType]:
    """Resolve ``name`` (None → the default) to its implementation module."""
    chosen = DEFAULT if name is None else name
    if chosen == "rust":
        core = _rust_module()
        if core is None:
            raise ImportError("the tokenward._core extension is not available")
        return "rust", core
    if chosen == "python":
        from . import _python

        return "python", _python
    raise ValueError(f"backend must be 'rust' or 'python', not {name!r}")
