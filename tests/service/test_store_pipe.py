# ruff: noqa: PT018
"""The hot-path store client (``store.Pipe``): auto-pipelining under concurrency,
coalesced revocation lookups, timeouts, reconnect after a store restart, script-cache
loss, db selection — all against the real Redis-protocol server."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from typing import Any

import pytest
import redis.asyncio as aioredis
from svc_util import short_tmpdir
from tokenward.service.embedded import EmbeddedServer
from tokenward.service.errors import STORE_ERRORS
from tokenward.service.store import (
    Pipe,
    RevocationQuery,
    Store,
    k_rev_fam,
    k_rev_jti,
    k_rev_sub,
)


def _with_db(url: str, db: int) -> str:
    if url.startswith("unix://"):
        return f"{url.split('?')[0]}?db={db}"
    base, _, _ = url.rpartition("/")
    return f"{base}/{db}"


async def _commandstats(r: aioredis.Redis) -> dict[str, int]:
    stats = await r.info("commandstats")
    return {
        k.removeprefix("cmdstat_"): v["calls"]
        for k, v in stats.items()
        if not k.startswith(("cmdstat_config", "cmdstat_info", "cmdstat_hgetall"))
    }


async def test_pipelined_replies_match_requests_under_concurrency(clean_redis: str) -> None:
    pipe = Pipe(clean_redis, timeout=5.0)
    try:
        # large and small payloads mixed: replies split across reads and many per read
        payloads = [secrets.token_bytes(1 + (i * 7919) % 200_000) for i in range(400)]
        echoed = await asyncio.gather(*(pipe.execute("ECHO", p) for p in payloads))
        assert echoed == payloads
        n = await asyncio.gather(*(pipe.execute("INCR", "tw:test:n") for _ in range(1000)))
        assert sorted(n) == list(range(1, 1001))
        assert n == sorted(n)  # one connection, FIFO: issued order = execution order
    finally:
        pipe.close()


async def test_reply_error_is_raised_to_its_caller_only(clean_redis: str) -> None:
    pipe = Pipe(clean_redis, timeout=5.0)
    try:
        await pipe.execute("SET", "tw:test:s", "x")
        ok, bad, ok2 = await asyncio.gather(
            pipe.execute("GET", "tw:test:s"),
            pipe.execute("INCR", "tw:test:s"),  # not an integer
            pipe.execute("ECHO", "after"),
            return_exceptions=True,
        )
        assert ok == b"x" and ok2 == b"after"
        assert isinstance(bad, Exception) and not isinstance(bad, STORE_ERRORS)
    finally:
        pipe.close()


async def test_selects_the_url_database(clean_redis: str) -> None:
    url = _with_db(clean_redis, 5)
    pipe = Pipe(url, timeout=5.0)
    r5 = aioredis.Redis.from_url(url)
    r0 = aioredis.Redis.from_url(clean_redis)
    try:
        await r5.delete("tw:test:db")
        await pipe.execute("SET", "tw:test:db", "five")
        assert await r5.get("tw:test:db") == b"five"
        assert await r0.get("tw:test:db") is None
    finally:
        await r5.delete("tw:test:db")
        pipe.close()
        await r5.aclose()
        await r0.aclose()


async def test_concurrent_revocation_lookups_coalesce_into_one_script_call(
    clean_redis: str,
) -> None:
    store = Store.from_url(clean_redis, timeout=5.0)
    r = aioredis.Redis.from_url(clean_redis)
    try:
        await store.revoke_jti("j3", 60)
        await r.set(k_rev_fam("f5"), "1")
        await r.set(k_rev_sub("s7"), "1234")
        await store.revocation_lookup([RevocationQuery(jti="warm")])  # connected, loaded
        queries = [
            [RevocationQuery(jti=f"j{i}", fid=f"f{i}", sub=f"s{i}")] * (1 + i % 3)
            for i in range(50)
        ]
        await r.config_resetstat()
        results = await asyncio.gather(*(store.revocation_lookup(q) for q in queries))
        stats = await _commandstats(r)
        assert stats.get("evalsha") == 1, stats  # 50 requests, one script call
        for i, states in enumerate(results):
            assert len(states) == 1 + i % 3
            for st in states:
                assert st.jti_revoked == (i == 3)
                assert st.fam_revoked == (i == 5)
                assert st.sub_revoked_upto == (1234.0 if i == 7 else None)
        # a revocation is visible to the very next lookup (nothing cached)
        await r.set(k_rev_jti("j9"), "1")
        [st] = await store.revocation_lookup([RevocationQuery(jti="j9")])
        assert st.jti_revoked
    finally:
        await store.close()
        await r.aclose()


async def test_script_cache_flushed_falls_back_to_eval(clean_redis: str) -> None:
    store = Store.from_url(clean_redis, timeout=5.0)
    r = aioredis.Redis.from_url(clean_redis)
    try:
        await store.revoke_jti("gone", 60)
        [st] = await store.revocation_lookup([RevocationQuery(jti="gone")])
        assert st.jti_revoked
        await r.script_flush()
        many = await asyncio.gather(
            *(store.revocation_lookup([RevocationQuery(jti="gone")]) for _ in range(5))
        )
        assert all(s[0].jti_revoked for s in many)
        await store.rate_fail(["tw:rl:test"], 60)  # the other pipe script
        assert await r.get("tw:rl:test") == b"1"
    finally:
        await store.close()
        await r.aclose()


async def test_unanswered_commands_time_out_then_recover(clean_redis: str) -> None:
    pipe = Pipe(clean_redis, timeout=0.3)
    r = aioredis.Redis.from_url(clean_redis)
    try:
        assert await pipe.execute("PING") == b"PONG"
        await r.execute_command("CLIENT", "PAUSE", "1200")  # the server stops answering
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        outcome = await asyncio.gather(
            *(pipe.execute("ECHO", str(i)) for i in range(20)), return_exceptions=True
        )
        elapsed = loop.time() - t0
        assert all(isinstance(x, STORE_ERRORS) for x in outcome), outcome
        assert elapsed < 1.0
        await asyncio.sleep(1.2)
        assert await pipe.execute("ECHO", "back") == b"back"  # reconnected by itself
    finally:
        await r.execute_command("CLIENT", "UNPAUSE")
        pipe.close()
        await r.aclose()


async def test_reconnects_after_store_restart() -> None:
    d = short_tmpdir()
    server = EmbeddedServer(d)
    loop = asyncio.get_running_loop()
    url = await loop.run_in_executor(None, server.start)
    store = Store.from_url(url, timeout=0.5)
    try:
        await store.revoke_jti("r1", 600)
        [st] = await store.revocation_lookup([RevocationQuery(jti="r1")])
        assert st.jti_revoked
        await loop.run_in_executor(None, server.stop)
        for _ in range(3):
            with pytest.raises(STORE_ERRORS):
                await store.revocation_lookup([RevocationQuery(jti="r1")])
            with pytest.raises(STORE_ERRORS):
                await store.rate_blocked([("tw:rl:x", 3)])
        await loop.run_in_executor(None, server.start)  # AOF replayed, script cache empty
        states: Any = None
        for _ in range(50):
            try:
                states = await store.revocation_lookup([RevocationQuery(jti="r1")])
                break
            except STORE_ERRORS:
                await asyncio.sleep(0.1)
        assert states is not None and states[0].jti_revoked
        assert await store.rate_blocked([("tw:rl:x", 3)]) == (0, None)
    finally:
        await store.close()
        await loop.run_in_executor(None, server.stop)
        shutil.rmtree(d, ignore_errors=True)


async def test_refused_handshake_is_a_store_error(clean_redis: str) -> None:
    # the test servers have no password: AUTH is refused, which must read as "store
    # unavailable" (503), never as a bug (500)
    if clean_redis.startswith("unix://"):
        url = f"{clean_redis.split('?')[0]}?password=wrong"
    else:
        url = clean_redis.replace("redis://", "redis://:wrong@", 1)
    pipe = Pipe(url, timeout=2.0)
    try:
        with pytest.raises(STORE_ERRORS):
            await pipe.execute("PING")
    finally:
        pipe.close()


async def test_a_lookup_that_cannot_be_sent_fails_alone(clean_redis: str) -> None:
    """Review finding: a key that could not be packed made the coalesced flush raise in
    a loop callback, and every request of that tick waited forever (no timer covers a
    command that was never sent)."""
    store = Store.from_url(clean_redis, timeout=1.0)
    try:
        await store.revocation_lookup([RevocationQuery(jti="warm")])
        good, bad = await asyncio.wait_for(
            asyncio.gather(
                store.revocation_lookup([RevocationQuery(jti="some-jti")]),
                store.revocation_lookup([RevocationQuery(fid="fam\ud800")]),
                return_exceptions=True,
            ),
            timeout=5,
        )
        assert not isinstance(good, BaseException) and not good[0].jti_revoked
        assert isinstance(bad, UnicodeEncodeError)
    finally:
        await store.close()


async def test_unavailable_replies_are_store_errors(clean_redis: str) -> None:
    """-NOAUTH / -READONLY / ... mean the store is unusable now: 503, like redis-py."""
    import hiredis
    from tokenward.service.store import _reply_error  # the one mapping

    for msg in ("NOAUTH Authentication required.", "READONLY You can't write", "WRONGPASS x"):
        assert isinstance(_reply_error(hiredis.ReplyError(msg)), STORE_ERRORS), msg
    assert not isinstance(_reply_error(hiredis.ReplyError("ERR wrong type")), STORE_ERRORS)


@pytest.mark.parametrize("bad", ["inf", "nan", "-1", "61", "x"])
def test_client_cache_ttl_must_be_short_and_finite(bad: str) -> None:
    from tokenward.service.settings import client_cache_ttl

    with pytest.raises(ValueError, match="client cache TTL"):
        client_cache_ttl(bad)
    assert client_cache_ttl("0") == 0.0 and client_cache_ttl("2.5") == 2.5
