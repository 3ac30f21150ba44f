# ruff: noqa: PT018
"""Store down → 503 temporarily_unavailable; the service recovers by itself; AOF keeps data."""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

from svc_util import short_tmpdir
from tokenward.service.embedded import EmbeddedServer


async def test_store_down_then_back(make_api: Any, make_settings: Any) -> None:
    d = short_tmpdir()
    server = EmbeddedServer(d)
    loop = asyncio.get_running_loop()
    url = await loop.run_in_executor(None, server.start)
    try:
        api = await make_api(make_settings(redis_url=url, store_timeout=0.5))
        creds = await api.create_client()
        await api.create_user()
        tok = await api.password_grant(creds)
        await loop.run_in_executor(None, server.stop)

        for path, data in (
            ("/oauth2/token", {"grant_type": "client_credentials"}),
            ("/oauth2/introspect", {"token": tok["access_token"]}),
            ("/oauth2/revoke", {"token": tok["access_token"]}),
        ):
            status, body, headers = await api.post_form(path, data, creds)
            assert status == 503, (path, body)
            assert body["error"] == "temporarily_unavailable"
            assert "Retry-After" in headers
        resp = await api.http.get("/readyz")
        assert resp.status == 503 and (await resp.json())["store"] is False
        assert (await api.http.get("/healthz")).status == 200
        assert (await api.http.get("/.well-known/jwks.json")).status == 200  # from memory

        await loop.run_in_executor(None, server.start)  # same data dir: AOF replayed
        for _ in range(50):
            status, body, _ = await api.post_form(
                "/oauth2/token",
                {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
                creds,
            )
            if status != 503:
                break
            await asyncio.sleep(0.1)
        assert status == 200, body  # client, family and refresh token all survived
        assert (await api.introspect(creds, tok["access_token"]))["active"] is True
        assert (await api.http.get("/readyz")).status == 200
    finally:
        await loop.run_in_executor(None, server.stop)
        shutil.rmtree(d, ignore_errors=True)
