"""GET /healthz (alive) and GET /readyz (store reachable, keys loaded)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..appkeys import KEYRING, STORE
from ..errors import STORE_ERRORS
from .common import json_response


async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    store_ok = False
    try:
        store_ok = await asyncio.wait_for(request.app[STORE].ping(), timeout=1.0)
    except STORE_ERRORS:
        store_ok = False
    keys_ok = request.app[KEYRING].ready
    ready = store_ok and keys_ok
    return json_response(
        {"status": "ready" if ready else "unavailable", "store": store_ok, "keys": keys_ok},
        status=200 if ready else 503,
    )
