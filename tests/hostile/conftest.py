"""Fixtures of the hostile HTTP tests: the service suite's own app factory and store.

The service fixtures live in ``tests/service/conftest.py`` (owned by the service
suite); they are loaded here under another module name and re-exported, so the
hostile tests run against exactly the app and store set-up the service tests use.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_SERVICE = Path(__file__).resolve().parents[1] / "service"
if str(_SERVICE) not in sys.path:
    sys.path.insert(0, str(_SERVICE))


def _load_service_conftest() -> object:
    name = "tokenward_service_test_conftest"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _SERVICE / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_svc = _load_service_conftest()
redis_url = _svc.redis_url  # type: ignore[attr-defined]
clean_redis = _svc.clean_redis  # type: ignore[attr-defined]
clock = _svc.clock  # type: ignore[attr-defined]
make_settings = _svc.make_settings  # type: ignore[attr-defined]
settings = _svc.settings  # type: ignore[attr-defined]
make_api = _svc.make_api  # type: ignore[attr-defined]
api = _svc.api  # type: ignore[attr-defined]
creds = _svc.creds  # type: ignore[attr-defined]
