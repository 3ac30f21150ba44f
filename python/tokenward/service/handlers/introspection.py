"""POST /oauth2/introspect (RFC 7662), /oauth2/introspect/batch and /v1/validate."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tokenward.exceptions import InvalidTokenError

from ..appkeys import KEYRING, TOKENS
from ..errors import InvalidRequest
from .common import authenticate, json_response, read_form, read_json, token_list


async def introspect(request: web.Request) -> web.Response:
    form = await read_form(request)
    caller = await authenticate(request, form, cached=True)
    token = form.get("token")
    if not token:
        raise InvalidRequest("missing parameter: token")
    hint = form.get("token_type_hint")
    [result] = await request.app[TOKENS].introspect([token], caller=caller, hint=hint)
    return json_response(result)


async def introspect_batch(request: web.Request) -> web.Response:
    body = await read_json(request)
    client = await authenticate(request, cached=True)
    tokens = token_list(body, request)
    results = await request.app[TOKENS].introspect(tokens, caller=client)
    return json_response({"results": results})


def _audience(body: dict[str, Any]) -> tuple[str, ...]:
    aud = body.get("audience")
    if isinstance(aud, str) and aud:
        return (aud,)
    if (
        isinstance(aud, list)
        and aud
        and len(aud) <= 16
        and all(isinstance(a, str) and a for a in aud)
    ):
        return tuple(aud)
    raise InvalidRequest("'audience' (a string or non-empty array of strings) is required")


async def validate(request: web.Request) -> web.Response:
    body = await read_json(request)
    await authenticate(request, cached=True)
    tokens = token_list(body, request)
    audience = _audience(body)
    scopes = body.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise InvalidRequest("'scopes' must be an array of strings")
    if len(scopes) > 64:
        raise InvalidRequest("too many scopes")
    if any(len(a) > 1024 for a in audience) or any(len(s) > 256 for s in scopes):
        raise InvalidRequest("audience or scope too long")
    validator = request.app[KEYRING].validator_for(audience)
    results = await request.app[TOKENS].evaluate(
        tokens, validator=validator, scopes=scopes, audience=audience
    )
    out: list[dict[str, Any]] = []
    for res in results:
        if isinstance(res, InvalidTokenError):
            out.append({"valid": False, "error": {"code": res.code, "message": res.message}})
        else:
            out.append({"valid": True, "claims": res})
    return json_response({"results": out})
