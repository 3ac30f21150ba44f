"""Shared fixtures: the ``backend`` parametrization and the shared test data.

Every validator test takes ``backend`` and builds its keys with
``backend=backend``, so one process runs each test on the Rust core and on the
pure-Python twin. ``TOKENWARD_BACKEND=python|rust`` narrows the run to one
backend (CI runs the suite once per backend); when the Rust extension is not
importable, the ``rust`` instances are skipped with the import error as reason.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from helpers import keys as fixture_keys
from helpers.backends import T, rust_import_error, selected_backends
from helpers.vectors import testdata_dir


def require_backend(name: str) -> None:
    if name == "rust" and (err := rust_import_error()) is not None:
        pytest.skip(f"Rust extension tokenward._core not importable ({err})")


@pytest.fixture(params=selected_backends())
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    require_backend(name)
    return name


@pytest.fixture(scope="session")
def tokenward() -> Any:
    return importlib.import_module("tokenward")


@pytest.fixture(scope="session")
def errors() -> Any:
    return importlib.import_module("tokenward.exceptions")


@pytest.fixture(scope="session")
def shared_testdata() -> Path:
    """``tests/data``: the vendored test vectors."""
    path = testdata_dir()
    assert path.is_dir(), path
    return path


@pytest.fixture(scope="session")
def wycheproof_testdata(shared_testdata: Path) -> Path:
    return shared_testdata / "wycheproof"


# --------------------------------------------------------------------------
# Hostile-input fixtures (hostile-inputs.md): T, C0, S0.
# --------------------------------------------------------------------------
@pytest.fixture
def now() -> int:
    return T


@pytest.fixture
def c0() -> dict[str, Any]:
    return {
        "iss": "https://issuer.example",
        "aud": "api://tokensvc",
        "sub": "user-1",
        "scope": "read",
        "iat": T,
        "nbf": T,
        "exp": T + 300,
        "jti": "j-1",
    }


@pytest.fixture
def s0_keys(tokenward: Any, backend: str) -> Any:
    """The S0 trusted key set (mixed HMAC + asymmetric, so ``allow_mixed=True``)."""
    return tokenward.KeySet.from_jwks(
        fixture_keys.s0_public_jwks(), allow_mixed=True, backend=backend
    )


@pytest.fixture
def s0_validator(tokenward: Any, s0_keys: Any) -> Any:
    """S0: iss/aud pinned, leeway 30 s, exp/iss/aud required, 8 KiB cap, every algorithm."""
    return tokenward.Validator(
        s0_keys,
        algorithms=list(tokenward.ALGORITHMS),
        issuer="https://issuer.example",
        audience="api://tokensvc",
        leeway=30,
        require=("exp", "iss", "aud"),
        max_token_bytes=8192,
    )
