"""Service test fixtures: a real Redis-protocol server, the app, clients and users.

The store is the embedded valkey-server (started once per session in a temp dir)
unless ``TOKENWARD_TEST_REDIS_URL`` names an external server (CI: Debian's
redis-server). Every test starts from an empty database (FLUSHDB).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from svc_util import ISSUER, Api, Clock, short_tmpdir
from tokenward.service import Settings, create_app
from tokenward.service.embedded import EmbeddedServer


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    external = os.environ.get("TOKENWARD_TEST_REDIS_URL")
    if external:
        yield external
        return
    d = short_tmpdir()
    server = EmbeddedServer(d)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def clean_redis(redis_url: str) -> str:
    r = redis.Redis.from_url(redis_url, socket_timeout=10, socket_connect_timeout=10)
    r.flushdb()
    r.close()
    return redis_url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_settings(clean_redis: str, clock: Clock, tmp_path: Path) -> Callable[..., Settings]:
    base: dict[str, Any] = {
        "data_dir": tmp_path,
        "redis_url": clean_redis,
        "issuer": ISSUER,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "argon2_parallelism": 1,
        "kek": secrets.token_bytes(32),
        "pepper": secrets.token_bytes(32),
        "clock": clock,
        "key_refresh_interval": 0.2,
        "rate_max_per_addr": 10_000,
        "rate_max_per_subject_addr": 1_000,
    }

    def make(**overrides: Any) -> Settings:
        return Settings(**{**base, **overrides})

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
async def make_api(aiohttp_client: Any) -> Callable[[Settings], Any]:
    async def make(settings: Settings) -> Api:
        return Api(await aiohttp_client(create_app(settings)))

    return make


@pytest.fixture
async def api(make_api: Callable[[Settings], Any], settings: Settings) -> Api:
    return await make_api(settings)  # type: ignore[no-any-return]


@pytest.fixture
async def creds(api: Api) -> tuple[str, str]:
    c = await api.create_client()
    await api.create_user()
    return c
