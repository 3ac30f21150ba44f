"""POST /oauth2/token (RFC 6749): password, client_credentials, refresh_token."""

from __future__ import annotations

from aiohttp import web

from ..appkeys import AUTH, SETTINGS, TOKENS
from ..errors import InvalidRequest, UnauthorizedClient, UnsupportedGrantType
from .common import authenticate, client_addr, json_response, read_form

GRANTS = ("password", "client_credentials", "refresh_token")


def _param(form: dict[str, str], name: str, *, max_len: int = 1024) -> str:
    value = form.get(name)
    if value is None or value == "":
        raise InvalidRequest(f"missing parameter: {name}")
    if len(value) > max_len:
        raise InvalidRequest(f"parameter too long: {name}")
    return value


async def token(request: web.Request) -> web.Response:
    form = await read_form(request)
    grant = form.get("grant_type")
    if not grant:
        raise InvalidRequest("missing parameter: grant_type")
    client = await authenticate(request, form)
    if grant not in GRANTS:
        raise UnsupportedGrantType("grant_type not supported")
    if grant not in client.get("grant_types", GRANTS):
        raise UnauthorizedClient("this client may not use this grant type")
    svc = request.app[TOKENS]
    scope = form.get("scope")
    if scope is not None and len(scope) > 2048:
        raise InvalidRequest("scope too long")
    audience = form.get("audience", form.get("resource"))
    if grant == "refresh_token":
        rt = _param(form, "refresh_token", max_len=request.app[SETTINGS].max_token_bytes)
        body = await svc.refresh(client, rt, scope)
    elif grant == "client_credentials":
        body = await svc.token_response(
            client,
            sub=client["client_id"],
            scope=svc.grant_scope(client, scope),
            aud=svc.audience(client, audience),
            username=None,
            refresh=False,
        )
    else:
        username = _param(form, "username", max_len=256)
        password = _param(form, "password", max_len=1024)
        granted = svc.grant_scope(client, scope)
        aud = svc.audience(client, audience)
        await request.app[AUTH].user(username, password, client_addr(request))
        body = await svc.token_response(
            client,
            sub=username,
            scope=granted,
            aud=aud,
            username=username,
            refresh="refresh_token" in client.get("grant_types", GRANTS),
        )
    return json_response(body)
