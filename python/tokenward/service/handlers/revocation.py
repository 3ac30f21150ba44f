"""POST /oauth2/revoke (RFC 7009) and the admin revoke-user API."""

from __future__ import annotations

import hmac
import os

from aiohttp import web

from ..appkeys import TOKENS
from ..errors import InvalidClient, InvalidRequest
from .common import authenticate, json_response, read_form, read_json


async def revoke(request: web.Request) -> web.Response:
    form = await read_form(request)
    client = await authenticate(request, form)
    token = form.get("token")
    if token is None or token == "":
        raise InvalidRequest("missing parameter: token")
    await request.app[TOKENS].revoke(client, token, form.get("token_type_hint"))
    return json_response({})


async def admin_revoke_user(request: web.Request) -> web.Response:
    """``POST /admin/revoke-user`` with ``Authorization: Bearer $TOKENWARD_ADMIN_TOKEN``.

    Disabled (404) unless the environment variable is set.
    """
    expected = os.environ.get("TOKENWARD_ADMIN_TOKEN", "")
    if not expected:
        raise web.HTTPNotFound()
    auth = request.headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        value.strip().encode(), expected.encode()
    ):
        raise InvalidClient("admin token required")
    body = await read_json(request)
    sub = body.get("username")
    if not isinstance(sub, str) or not sub or len(sub) > 256:
        raise InvalidRequest("'username' must be a non-empty string")
    n = await request.app[TOKENS].revoke_user(sub)
    return json_response({"revoked_families": n})
