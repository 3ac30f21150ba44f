"""Request parsing shared by the handlers: bounded bodies, strict forms, JSON."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web
from multidict import CIMultiDict

from ..appkeys import AUTH, SETTINGS
from ..errors import InvalidRequest, OAuthError, TooLarge, UnsupportedMediaType

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_JSON_NO_STORE = CIMultiDict(
    {
        "Content-Type": "application/json",
        "X-Content-Type-Options": "nosniff",
        **NO_STORE,
    }
)
_JSON = CIMultiDict({"Content-Type": "application/json", "X-Content-Type-Options": "nosniff"})


def json_response(body: Any, *, status: int = 200, cache: bool = False) -> web.Response:
    # headers prebuilt once (the Response copies them)
    return web.Response(
        status=status, body=orjson.dumps(body), headers=_JSON if cache else _JSON_NO_STORE
    )


def client_addr(request: web.Request) -> str:
    return request.remote or "local"


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge(f"request body larger than {limit} bytes")
    content = request.content
    if content.is_eof():
        # the whole body is already buffered (the usual case for small requests):
        # nothing to wait for, so no timer
        body = content.read_nowait(limit + 1)
        if len(body) > limit:
            raise TooLarge(f"request body larger than {limit} bytes")
        return body
    try:
        async with asyncio.timeout(request.app[SETTINGS].body_timeout):
            body = await request.content.read(limit + 1)
            while len(body) <= limit:
                chunk = await request.content.read(limit + 1 - len(body))
                if not chunk:
                    break
                body += chunk
    except TimeoutError:
        raise OAuthError(
            "request body not received in time",
            status=408,
            headers={"Connection": "close"},
        ) from None
    except web.HTTPRequestEntityTooLarge:
        raise TooLarge(f"request body larger than {limit} bytes") from None
    if len(body) > limit:
        raise TooLarge(f"request body larger than {limit} bytes")
    return body


async def read_form(request: web.Request) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` only; each parameter at most once (RFC 6749 §3.1)."""
    settings = request.app[SETTINGS]
    if request.content_type != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("expected application/x-www-form-urlencoded")
    body = await _read_body(request, settings.max_body_bytes)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("form body is not valid UTF-8") from None
    if "%" not in text and "+" not in text and "\x00" not in text:
        return _simple_form(text, settings.max_form_fields)
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=settings.max_form_fields,
            errors="strict",
        )
    except UnicodeDecodeError:
        raise InvalidRequest("form body is not valid UTF-8") from None
    except ValueError:
        raise InvalidRequest("too many form fields") from None
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise InvalidRequest(f"parameter {key!r} repeated"[:100])
        if "\x00" in value or "\x00" in key:
            raise InvalidRequest("NUL byte in a parameter")
        form[key] = value
    return form


def _simple_form(text: str, max_fields: int) -> dict[str, str]:
    """``parse_qsl(keep_blank_values=True)`` for bodies without escapes (nothing to
    unquote), with the same field limit and the same repeated-parameter rule."""
    if 1 + text.count("&") > max_fields:
        raise InvalidRequest("too many form fields")
    form: dict[str, str] = {}
    for field in text.split("&"):
        if not field:
            continue
        key, _, value = field.partition("=")
        if key in form:
            raise InvalidRequest(f"parameter {key!r} repeated"[:100])
        form[key] = value
    return form


async def read_json(request: web.Request) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    if request.content_type != "application/json":
        raise UnsupportedMediaType("expected application/json")
    _utf8_only(request)
    body = await _read_body(request, settings.max_batch_body_bytes)
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest("body is not valid JSON") from None
    if not isinstance(value, dict):
        raise InvalidRequest("body must be a JSON object")
    if _may_repeat_members(body, value) and _has_duplicate_members(body):
        raise InvalidRequest("duplicate member name in the JSON body")
    return value


def _utf8_only(request: web.Request) -> None:
    charset = request.charset
    if charset is not None and charset.lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("JSON bodies must be UTF-8 (RFC 8259)")


def _may_repeat_members(body: bytes, value: dict[str, Any]) -> bool:
    """Cheap pre-check (orjson silently keeps the last of repeated names). A body can
    hide a repeated name only behind an escape, or by spelling one of its names twice;
    batch bodies have neither (tokens contain no backslash), so they skip the full check."""
    if b"\\" in body:
        return True
    return any(body.count(orjson.dumps(name)) > 1 for name in value)


def _has_duplicate_members(body: bytes) -> bool:
    """Whether the top-level object repeats a name (nested objects are the items'
    business: a bad batch item fails alone)."""
    repeated: list[bool] = []

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        repeated.append(len({k for k, _ in pairs}) != len(pairs))  # outermost comes last
        return dict(pairs)

    try:
        json.loads(body, object_pairs_hook=pairs_hook)
    except (ValueError, RecursionError):
        return False  # orjson accepted it: not ours to judge beyond duplicates
    return bool(repeated) and repeated[-1]


def token_list(body: dict[str, Any], request: web.Request) -> list[object]:
    tokens = body.get("tokens")
    if not isinstance(tokens, list):
        raise InvalidRequest("'tokens' must be an array")
    limit = request.app[SETTINGS].max_batch
    if len(tokens) > limit:
        raise TooLarge(f"at most {limit} tokens per batch")
    return tokens


async def authenticate(
    request: web.Request, form: dict[str, str] | None = None, *, cached: bool = False
) -> dict[str, Any]:
    """``cached=True`` only on the resource-server endpoints (see ``Authenticator.client``)."""
    values = request.headers.getall("Authorization", [])
    if len(values) > 1:  # which one wins differs between parsers and proxies: refuse
        raise InvalidRequest("more than one Authorization header")
    auth = values[0] if values else None
    if auth is not None and len(auth) > 2048:
        raise InvalidRequest("authorization header too large")
    return await request.app[AUTH].client(
        authorization=auth, form=form or {}, addr=client_addr(request), cached=cached
    )
