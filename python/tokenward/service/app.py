"""The application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from .appkeys import AUTH, KEYRING, SECRETS, SETTINGS, STORE, TOKENS
from .auth import Authenticator
from .crypto import load_kek, load_pepper
from .embedded import EmbeddedServer
from .errors import STORE_ERRORS, Unavailable, error_for
from .handlers import discovery, health, introspection, revocation
from .handlers import token as token_handlers
from .keys import KeyRing, ensure_initial_key
from .settings import Settings
from .store import Store
from .tokens import TokenService

log = logging.getLogger("tokenward.service")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_NEEDS_KEYS = ("/oauth2/", "/v1/", "/.well-known/jwks.json")


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log without query strings or headers: nothing a client sends can leak."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %d %.1fms",
            request.remote or "-",
            request.method,
            request.path,
            response.status,
            time * 1000,
        )


class _RedactParserErrors(logging.Filter):
    """aiohttp logs a request it cannot parse (header or request line too long,
    duplicate Content-Length, ...) with a traceback whose message quotes the raw
    bytes, e.g. the start of an ``Authorization`` header or a query string
    carrying a token. Keep one line with the address and the error class."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else "-"
            record.msg = "rejected a malformed HTTP request from %s: %s (status %s)"
            record.args = (remote, type(exc).__name__, exc.code)
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


_REDACT = _RedactParserErrors()


@web.middleware
async def service_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """One layer (one coroutine per request instead of three): signing keys loaded for
    the endpoints that need them, errors as OAuth JSON, ``nosniff`` on every response."""
    try:
        if not request.app[KEYRING].ready and request.path.startswith(_NEEDS_KEYS):
            with contextlib.suppress(*STORE_ERRORS):
                await request.app[KEYRING].refresh(request.app[STORE])
            if not request.app[KEYRING].ready:
                raise Unavailable("signing keys not loaded yet (store unavailable?)")
        resp = await handler(request)
    except Exception as exc:
        resp = error_for(request, exc)
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    return resp


async def _embedded_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.redis_url is not None:
        yield
        return
    server = EmbeddedServer(settings.data_dir, supervise=True)
    url = await asyncio.get_running_loop().run_in_executor(None, server.start)
    app[SETTINGS] = replace(settings, redis_url=url)
    try:
        yield
    finally:
        await asyncio.get_running_loop().run_in_executor(None, server.stop)


async def _store_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    assert settings.redis_url is not None
    secrets = app[SECRETS]
    store = Store.from_url(settings.redis_url, timeout=settings.store_timeout)
    keyring = KeyRing(settings, secrets["kek"])
    auth = await asyncio.get_running_loop().run_in_executor(
        None, Authenticator, settings, store, secrets["pepper"]
    )
    app[STORE] = store
    app[KEYRING] = keyring
    app[AUTH] = auth
    app[TOKENS] = TokenService(settings, store, keyring)
    try:
        await ensure_initial_key(store, settings, secrets["kek"])
        await keyring.refresh(store)
    except STORE_ERRORS as exc:
        log.warning("store unavailable at startup (%s); will retry", type(exc).__name__)
    refresher = asyncio.create_task(_refresh_keys(app))
    try:
        yield
    finally:
        refresher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await refresher
        auth.close()
        await store.close()


async def _refresh_keys(app: web.Application) -> None:
    settings = app[SETTINGS]
    while True:
        await asyncio.sleep(settings.key_refresh_interval)
        try:
            if not app[KEYRING].ready:
                await ensure_initial_key(app[STORE], settings, app[SECRETS]["kek"])
            await app[KEYRING].refresh(app[STORE])
        except STORE_ERRORS:
            pass
        except Exception:
            log.exception("key refresh failed")


def create_app(settings: Settings) -> web.Application:
    """Build the aiohttp application; resources live in ``cleanup_ctx``."""
    logging.getLogger("aiohttp.server").addFilter(_REDACT)  # idempotent (same object)
    app = web.Application(
        middlewares=[service_middleware],
        client_max_size=settings.max_batch_body_bytes,
        handler_args={
            "max_field_size": 8190,
            "max_line_size": 8190,
            # closes a connection that stalls before a complete request (slowloris) or
            # idles between requests; body stalls are bounded in handlers.common
            "keepalive_timeout": settings.idle_timeout,
            "access_log_class": PathOnlyAccessLogger,
        },
    )
    app[SETTINGS] = settings
    app[SECRETS] = {
        "kek": settings.kek or load_kek(settings.data_dir),
        "pepper": settings.pepper or load_pepper(settings.data_dir),
    }
    app.cleanup_ctx.append(_embedded_ctx)
    app.cleanup_ctx.append(_store_ctx)
    r = app.router
    r.add_post("/oauth2/token", token_handlers.token)
    r.add_post("/oauth2/introspect", introspection.introspect)
    r.add_post("/oauth2/introspect/batch", introspection.introspect_batch)
    r.add_post("/v1/validate", introspection.validate)
    r.add_post("/oauth2/revoke", revocation.revoke)
    r.add_post("/admin/revoke-user", revocation.admin_revoke_user)
    r.add_get("/.well-known/jwks.json", discovery.jwks)
    r.add_get("/.well-known/oauth-authorization-server", discovery.metadata)
    r.add_get("/openapi.json", discovery.openapi)
    r.add_get("/healthz", health.healthz)
    r.add_get("/readyz", health.readyz)
    return app
