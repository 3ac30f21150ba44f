"""Baseline A: what a user would write instead of tokenward.

A minimal, honest RFC 7662 introspection endpoint: aiohttp + uvloop + orjson + PyJWT,
RS256 keys parsed once from the issuer's JWKS, HTTP Basic client authentication
against SHA-256 hashes of the client secrets (constant-time compare). It checks
signature, exp, iss and aud. It does *not* check revocation (a user writing this
would need a store round trip per request for that; tokenward does one).

    python loadtests/baselines/pyjwt_introspect.py --port 8091 --jwks jwks.json \
        --issuer ISS --audience AUD --clients clients.json
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
from pathlib import Path

import jwt
import orjson
import uvloop
from aiohttp import web

INACTIVE = orjson.dumps({"active": False})
UNAUTHORIZED = orjson.dumps({"error": "invalid_client"})
RFC7662_MEMBERS = (
    "scope",
    "client_id",
    "username",
    "exp",
    "iat",
    "nbf",
    "sub",
    "aud",
    "iss",
    "jti",
)


def build_app(jwks: dict, issuer: str, audience: str, clients: dict[str, str]) -> web.Application:
    keys = {
        k["kid"]: jwt.PyJWK(k, algorithm="RS256") for k in jwks["keys"] if k.get("kty") == "RSA"
    }
    client_hashes = {cid: hashlib.sha256(s.encode()).digest() for cid, s in clients.items()}

    def client_ok(header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            cid, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = client_hashes.get(cid)
        digest = hashlib.sha256(secret.encode()).digest()
        return expected is not None and hmac.compare_digest(digest, expected)

    def introspect_token(token: str) -> bytes:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = keys[kid]
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=audience,
                issuer=issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.InvalidTokenError, KeyError, TypeError):
            return INACTIVE
        body = {m: claims[m] for m in RFC7662_MEMBERS if m in claims}
        body["active"] = True
        body["token_type"] = "Bearer"
        return orjson.dumps(body)

    async def introspect(request: web.Request) -> web.Response:
        if not client_ok(request.headers.get("Authorization")):
            return web.Response(
                status=401,
                body=UNAUTHORIZED,
                content_type="application/json",
                headers={"WWW-Authenticate": 'Basic realm="introspection"'},
            )
        form = await request.post()
        token = form.get("token")
        body = introspect_token(token) if isinstance(token, str) else INACTIVE
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/oauth2/introspect", introspect)
    return app


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8091)
    p.add_argument("--jwks", type=Path, required=True, help="the issuer's JWKS (JSON file)")
    p.add_argument("--issuer", required=True)
    p.add_argument("--audience", required=True)
    p.add_argument("--clients", type=Path, required=True, help='JSON {"client_id": "secret"}')
    a = p.parse_args()
    app = build_app(
        json.loads(a.jwks.read_text()), a.issuer, a.audience, json.loads(a.clients.read_text())
    )
    web.run_app(
        app, host=a.host, port=a.port, access_log=None, print=None, loop=uvloop.new_event_loop()
    )


if __name__ == "__main__":
    main()
