"""``tokenward serve``: embedded store (if needed), then one or N worker processes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import signal
import sys
from dataclasses import replace
from types import FrameType

from aiohttp import web

from .app import create_app
from .crypto import load_kek, load_pepper
from .embedded import EmbeddedServer
from .keys import ensure_initial_key
from .settings import Settings
from .store import Store

log = logging.getLogger("tokenward.service")


def _install_uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


async def _freeze_gc(app: web.Application) -> None:
    """After start-up (runs after the cleanup contexts): everything allocated so far
    lives as long as the worker; moved out of the collector's generations, full
    collections stop walking it (cyclic GC fell from ≈ 4 % to ≈ 2.6 % of the
    worker's CPU under load, perf)."""
    gc.collect()
    gc.freeze()


def run_worker(settings: Settings, access_log: bool = False) -> None:
    _install_uvloop()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(settings)
    app.on_startup.append(_freeze_gc)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        reuse_port=settings.workers > 1,
        access_log=logging.getLogger("aiohttp.access") if access_log else None,
        print=None,
        shutdown_timeout=5,
    )


async def _prepare(settings: Settings) -> None:
    assert settings.redis_url is not None
    store = Store.from_url(settings.redis_url, timeout=settings.store_timeout)
    try:
        kek = settings.kek or load_kek(settings.data_dir)
        await ensure_initial_key(store, settings, kek)
    finally:
        await store.close()


def serve(settings: Settings, *, access_log: bool = False) -> int:
    # Create the local secrets before any worker starts (no race between workers).
    settings = replace(
        settings,
        kek=settings.kek or load_kek(settings.data_dir),
        pepper=settings.pepper or load_pepper(settings.data_dir),
    )
    embedded: EmbeddedServer | None = None
    if settings.redis_url is None:
        embedded = EmbeddedServer(settings.data_dir, supervise=True)
        settings = replace(settings, redis_url=embedded.start())
    try:
        asyncio.run(_prepare(settings))
        where = settings.redis_url if embedded is None else f"embedded ({settings.data_dir})"
        print(
            f"tokenward listening on http://{settings.host}:{settings.port} "
            f"(workers={settings.workers}, store={where if embedded else 'redis'})",
            file=sys.stderr,
            flush=True,
        )
        if settings.workers <= 1:
            run_worker(settings, access_log)
            return 0
        return _run_workers(settings, access_log)
    finally:
        if embedded is not None:
            embedded.stop()


def _run_workers(settings: Settings, access_log: bool) -> int:
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=run_worker, args=(settings, access_log), daemon=False)
        for _ in range(settings.workers)
    ]
    for p in procs:
        p.start()
    stopping = False

    def _stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for p in procs:
            if p.is_alive() and p.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    import os

                    os.kill(p.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for p in procs:
        p.join()
    return 0 if stopping else 1
