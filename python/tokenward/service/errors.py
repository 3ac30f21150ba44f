"""OAuth error responses (RFC 6749 §5.2, RFC 7662, RFC 7009) and the error middleware."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web
from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError

log = logging.getLogger("tokenward.service")

STORE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    BusyLoadingError,
    OSError,
)


class OAuthError(Exception):
    status = 400
    error = "invalid_request"

    def __init__(
        self,
        description: str = "",
        *,
        error: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        if error is not None:
            self.error = error
        if status is not None:
            self.status = status
        self.headers = headers or {}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    status = 401
    error = "invalid_client"

    def __init__(self, description: str = "client authentication failed") -> None:
        super().__init__(
            description, headers={"WWW-Authenticate": 'Basic realm="tokenward", charset="UTF-8"'}
        )


class InvalidGrant(OAuthError):
    error = "invalid_grant"


class InvalidScope(OAuthError):
    error = "invalid_scope"


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"


class TooLarge(OAuthError):
    status = 413
    error = "invalid_request"


class UnsupportedMediaType(OAuthError):
    status = 415
    error = "invalid_request"


class SlowDown(OAuthError):
    status = 429
    error = "slow_down"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too many failed attempts; retry later", headers={"Retry-After": str(retry_after)}
        )


class Unavailable(OAuthError):
    status = 503
    error = "temporarily_unavailable"


def error_response(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = {"error": error, "error_description": description} if description else {"error": error}
    h = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    h.update(headers or {})
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=h
    )


_HTTP_ERRORS = {
    404: ("not_found", "no such endpoint"),
    405: ("method_not_allowed", "method not allowed"),
    413: ("invalid_request", "request body too large"),
    415: ("invalid_request", "unsupported media type"),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_for(request: web.Request, exc: Exception) -> web.Response:
    """The JSON error response for an exception escaping a handler (HTTP redirects,
    status < 400, are re-raised)."""
    if isinstance(exc, OAuthError):
        return error_response(exc.status, exc.error, exc.description, exc.headers)
    if isinstance(exc, web.HTTPException):
        if exc.status < 400:
            raise exc
        error, desc = _HTTP_ERRORS.get(exc.status, ("invalid_request", exc.reason))
        headers = {}
        if exc.status == 405 and "Allow" in exc.headers:
            headers["Allow"] = exc.headers["Allow"]
        return error_response(exc.status, error, desc, headers)
    if isinstance(exc, STORE_ERRORS):
        log.warning("store unavailable: %s", type(exc).__name__)
        return error_response(
            503,
            "temporarily_unavailable",
            "the token store is unavailable; retry later",
            {"Retry-After": "1"},
        )
    # A bug on our side. Never echo details (they may contain request data).
    log.error("internal error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", "internal error")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Exception as exc:
        return error_for(request, exc)
