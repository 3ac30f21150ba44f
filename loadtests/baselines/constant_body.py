"""The framework's own ceiling: aiohttp + uvloop answering every POST with a constant body.

python loadtests/baselines/constant_body.py --port 8092
"""

from __future__ import annotations

import argparse

import uvloop
from aiohttp import web

BODY = b'{"active":true,"scope":"read:orders","client_id":"ceiling","token_type":"Bearer"}'


async def constant(request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8092)
    a = p.parse_args()
    app = web.Application()
    app.router.add_post("/oauth2/introspect", constant)
    app.router.add_post("/oauth2/introspect/batch", constant)
    web.run_app(
        app, host=a.host, port=a.port, access_log=None, print=None, loop=uvloop.new_event_loop()
    )


if __name__ == "__main__":
    main()
