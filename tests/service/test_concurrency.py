# ruff: noqa: PT018
"""BR-36: 32 concurrent refreshes of one refresh token, 50 times — exactly one wins."""

from __future__ import annotations

import asyncio
from typing import Any

from svc_util import basic

RUNS = 50
PARALLEL = 32


async def test_concurrent_refresh_exactly_one_wins(api: Any, creds: tuple[str, str]) -> None:
    for run in range(RUNS):
        rt = (await api.password_grant(creds))["refresh_token"]
        gate = asyncio.Event()
        ready = 0

        async def one() -> tuple[int, Any]:
            nonlocal ready
            ready += 1
            await gate.wait()
            resp = await api.http.post(
                "/oauth2/token",
                data={"grant_type": "refresh_token", "refresh_token": rt},
                headers={"Authorization": basic(*creds)},
            )
            return resp.status, await resp.json()

        tasks = [asyncio.create_task(one()) for _ in range(PARALLEL)]
        while ready < PARALLEL:
            await asyncio.sleep(0)
        gate.set()  # the barrier: all 32 requests are released together
        results = await asyncio.gather(*tasks)
        winners = [b for s, b in results if s == 200]
        losers = [b for s, b in results if s != 200]
        assert len(winners) == 1, (run, [s for s, _ in results])
        assert all(b["error"] == "invalid_grant" for b in losers), losers
        # replay after rotation: invalid_grant (and the family is revoked)
        status, body, _ = await api.post_form(
            "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": rt}, creds
        )
        assert status == 400 and body["error"] == "invalid_grant"
        status, body, _ = await api.post_form(
            "/oauth2/token",
            {"grant_type": "refresh_token", "refresh_token": winners[0]["refresh_token"]},
            creds,
        )
        assert status == 400 and body["error"] == "invalid_grant"
        assert await api.introspect(creds, winners[0]["access_token"]) == {"active": False}
