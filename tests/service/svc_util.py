"""Service test helpers (imported by conftest and the tests).

The store is the embedded valkey-server (started once per session in a temp dir)
unless ``TOKENWARD_TEST_REDIS_URL`` names an external server (CI: Debian's
redis-server). Every test starts from an empty database (FLUSHDB).
"""

from __future__ import annotations

import base64
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tokenward.service  # noqa: F401
except ImportError:  # not installed: run from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))

from aiohttp.test_utils import TestClient
from tokenward.service.appkeys import AUTH, STORE
from tokenward.service.store import Store

PYTHON_DIR = Path(__file__).resolve().parents[2] / "python"
ISSUER = "http://tokenward.test"


class Clock:
    """Injectable clock: real time plus an offset the test can move."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def short_tmpdir() -> Path:
    """Unix-socket paths are limited to ~107 bytes: keep data dirs short."""
    return Path(tempfile.mkdtemp(prefix="tw-", dir="/tmp"))


@dataclass
class Api:
    """The app under test, with helpers to create clients/users and call endpoints."""

    http: TestClient[Any, Any]
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def app(self) -> Any:
        return self.http.app

    @property
    def store(self) -> Store:
        return self.app[STORE]  # type: ignore[no-any-return]

    async def create_client(
        self,
        name: str = "orders-api",
        scopes: str = "read:orders write:orders",
        *,
        grant_types: tuple[str, ...] = ("password", "client_credentials", "refresh_token"),
        token_format: str = "jwt",
        access_ttl: int | None = None,
        audiences: tuple[str, ...] = (),
    ) -> tuple[str, str]:
        client_id = "tw_" + secrets.token_urlsafe(9)
        secret = secrets.token_urlsafe(32)
        record = {
            "client_id": client_id,
            "name": name,
            "secret_hash": self.app[AUTH].hash_secret(secret),
            "scopes": scopes.split(),
            "grant_types": list(grant_types),
            "audiences": list(audiences),
            "token_format": token_format,
            "access_ttl": access_ttl,
        }
        assert await self.store.create_client(client_id, record)
        return client_id, secret

    async def create_user(self, name: str = "alice", password: str = "correct horse") -> None:
        auth = self.app[AUTH]
        await self.store.put_user(
            name, {"name": name, "hash": auth.hasher.hash(password)}, replace=True
        )

    async def post_form(
        self, path: str, data: dict[str, str], creds: tuple[str, str] | None = None, **kw: Any
    ) -> tuple[int, Any, Any]:
        headers = dict(kw.pop("headers", {}))
        if creds is not None:
            headers["Authorization"] = basic(*creds)
        resp = await self.http.post(path, data=data, headers=headers, **kw)
        return resp.status, await resp.json(content_type=None), resp.headers

    async def post_json(
        self, path: str, body: Any, creds: tuple[str, str] | None = None, **kw: Any
    ) -> tuple[int, Any, Any]:
        headers = dict(kw.pop("headers", {}))
        if creds is not None:
            headers["Authorization"] = basic(*creds)
        resp = await self.http.post(path, json=body, headers=headers, **kw)
        return resp.status, await resp.json(content_type=None), resp.headers

    async def password_grant(
        self,
        creds: tuple[str, str],
        user: str = "alice",
        password: str = "correct horse",
        **extra: str,
    ) -> dict[str, Any]:
        status, body, _ = await self.post_form(
            "/oauth2/token",
            {"grant_type": "password", "username": user, "password": password, **extra},
            creds,
        )
        assert status == 200, body
        return body  # type: ignore[no-any-return]

    async def introspect(self, creds: tuple[str, str], token: str, **extra: str) -> dict[str, Any]:
        status, body, _ = await self.post_form(
            "/oauth2/introspect", {"token": token, **extra}, creds
        )
        assert status == 200, body
        return body  # type: ignore[no-any-return]


def basic(client_id: str, secret: str) -> str:
    from urllib.parse import quote

    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode()
