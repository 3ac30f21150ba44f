"""POST /oauth2/revoke (RFC 7009) and the admin revoke-user API."""

from __future__ import annotations

import logging
import os

from aiohttp import web

from ..appkeys import AUTH, TOKENS
from ..errors import InvalidRequest
from .common import authenticate, client_addr, json_response, read_form, read_json

#: Shorter admin tokens leave the admin API disabled (with a warning): it can revoke anyone.
ADMIN_TOKEN_MIN_LENGTH = 24
log = logging.getLogger("tokenward.service")
_warned: set[int] = set()


def admin_token() -> str | None:
    """``TOKENWARD_ADMIN_TOKEN`` if it is set and long enough, else None (API disabled)."""
    value = os.environ.get("TOKENWARD_ADMIN_TOKEN", "")
    if not value:
        return None
    if len(value) < ADMIN_TOKEN_MIN_LENGTH:
        if len(value) not in _warned:
            _warned.add(len(value))
            log.warning(
                "TOKENWARD_ADMIN_TOKEN is shorter than %d characters: admin API disabled",
                ADMIN_TOKEN_MIN_LENGTH,
            )
        return None
    return value


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

    Disabled (404) unless the environment variable holds a token of at least
    ``ADMIN_TOKEN_MIN_LENGTH`` characters; wrong tokens are rate-limited per address.
    """
    expected = admin_token()
    if expected is None:
        raise web.HTTPNotFound()
    await request.app[AUTH].admin(
        authorization=request.headers.get("Authorization"),
        expected=expected,
        addr=client_addr(request),
    )
    body = await read_json(request)
    sub = body.get("username")
    if not isinstance(sub, str) or not sub or len(sub) > 256:
        raise InvalidRequest("'username' must be a non-empty string")
    n = await request.app[TOKENS].revoke_user(sub)
    return json_response({"revoked_families": n})
