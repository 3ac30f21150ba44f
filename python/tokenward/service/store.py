"""The one store module: every Redis key and every Lua script of the service.

Key layout (prefix ``tw:``; variable parts are ids we generate, SHA-256 hex of
opaque tokens, or — for user names and rate-limit subjects — SHA-256 hex too, so
no caller-supplied byte can collide two keys):

==============================  ===========================================================
``tw:client:<client_id>``       client record (JSON): secret HMAC, scopes, grants, TTLs …
``tw:user:<sha(username)>``     user record (JSON): name, argon2id hash
``tw:keys``                     hash kid → signing-key record (JSON, private key AES-GCM)
``tw:oat:<sha(token)>``         opaque access token → its claims (JSON), TTL = lifetime
``tw:rt:<sha(token)>``          refresh token → {fid, client_id, sub, scope, aud, exp}
                                kept after rotation until it expires (reuse detection)
``tw:fam:<fid>``                live refresh family: hash {current, client_id, sub}
``tw:ufam:<sha(sub)>``          set of a user's family ids (revoke-user)
``tw:rev:jti:<jti>``            revoked JWT id, TTL until the token's ``exp``
``tw:rev:fam:<fid>``            revoked family (its access tokens), TTL = max access lifetime
``tw:rev:sub:<sha(sub)>``       "revoke everything issued up to <t>" for one subject
``tw:rl:<kind>:<sha(subject)>`` failed-credential counters, TTL = window
==============================  ===========================================================

Everything that must be atomic is one Lua script (rotation + reuse detection,
family / user revocation, key initialisation, rate-limit counting).

Two clients, one module: the hot path of the resource-server endpoints (the
revocation lookup, the rate-limit read and fail count of client authentication)
goes through :class:`Pipe`, a lean auto-pipelining RESP client (one multiplexed
connection per worker, ``hiredis.Reader``); concurrent revocation lookups of one
loop tick are coalesced into one script call. Everything else (issuance,
rotation, revocation, keys, admin) stays on redis-py.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import socket
import ssl
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import hiredis
import orjson
import redis.asyncio as aioredis
from redis.asyncio.client import Redis
from redis.connection import parse_url
from redis.exceptions import (
    BusyLoadingError,
    NoScriptError,
    ResponseError,
)
from redis.exceptions import (
    ConnectionError as StoreConnectionError,
)
from redis.exceptions import (
    TimeoutError as StoreTimeoutError,
)

PREFIX = "tw:"


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def k_client(client_id: str) -> str:
    return f"{PREFIX}client:{client_id}"


def k_user(username: str) -> str:
    return f"{PREFIX}user:{_h(username)}"


K_KEYS = f"{PREFIX}keys"


def k_oat(token_hash: str) -> str:
    return f"{PREFIX}oat:{token_hash}"


def k_rt(token_hash: str) -> str:
    return f"{PREFIX}rt:{token_hash}"


def k_fam(fid: str) -> str:
    return f"{PREFIX}fam:{fid}"


def k_ufam(sub: str) -> str:
    return f"{PREFIX}ufam:{_h(sub)}"


def k_rev_jti(jti: str) -> str:
    return f"{PREFIX}rev:jti:{_h(jti)}"


def k_rev_fam(fid: str) -> str:
    return f"{PREFIX}rev:fam:{fid}"


@functools.lru_cache(maxsize=4096)  # a pure function of the subject; no state cached
def k_rev_sub(sub: str) -> str:
    return f"{PREFIX}rev:sub:{_h(sub)}"


def k_rl(kind: str, *parts: str) -> str:
    return f"{PREFIX}rl:{kind}:{_h(orjson.dumps(parts).decode())}"


# ---------------------------------------------------------------------------
# Lua scripts
# ---------------------------------------------------------------------------
#: KEYS: rt_old, fam, rt_new, rev_fam
#: ARGV: old_hash, new_hash, new_record_json, refresh_ttl, rev_fam_ttl, client_id, fid
#: → {"ok"} | {"invalid"} | {"reuse"}
ROTATE_LUA = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {'invalid'} end
local rec = cjson.decode(raw)
if rec['client_id'] ~= ARGV[6] or rec['fid'] ~= ARGV[7] then return {'invalid'} end
local cur = redis.call('HGET', KEYS[2], 'current')
if not cur then return {'invalid'} end
if cur ~= ARGV[1] then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[4], '1', 'EX', tonumber(ARGV[5]))
  return {'reuse'}
end
redis.call('HSET', KEYS[2], 'current', ARGV[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
redis.call('SET', KEYS[3], ARGV[3], 'EX', tonumber(ARGV[4]))
return {'ok'}
"""

#: KEYS: fam, rev_fam   ARGV: rev_fam_ttl
REVOKE_FAMILY_LUA = """
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[1]))
return 1
"""

#: KEYS: ufam, rev_sub   ARGV: now_int, rev_ttl, fam_prefix, rev_fam_prefix
REVOKE_USER_LUA = """
local fids = redis.call('SMEMBERS', KEYS[1])
for _, fid in ipairs(fids) do
  redis.call('DEL', ARGV[3] .. fid)
  redis.call('SET', ARGV[4] .. fid, '1', 'EX', tonumber(ARGV[2]))
end
redis.call('DEL', KEYS[1])
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local now = tonumber(ARGV[1])
if now > prev then prev = now end
redis.call('SET', KEYS[2], tostring(prev), 'EX', tonumber(ARGV[2]))
return #fids
"""

#: KEYS: 4 per token (rev_jti, rev_fam, rev_sub, oat; "-" = none)   ARGV: rev_fam_prefix
#: → 4 values per token ('' = absent). Opaque records carry their fid / rev-sub key.
LOOKUP_LUA = """
local out = {}
local function get(k)
  if k == '-' then return false end
  return redis.call('GET', k)
end
for i = 1, #KEYS, 4 do
  local j = get(KEYS[i])
  local f = get(KEYS[i + 1])
  local s = get(KEYS[i + 2])
  local o = get(KEYS[i + 3])
  if o then
    local rec = cjson.decode(o)
    if not f and type(rec['fid']) == 'string' then f = redis.call('GET', ARGV[1] .. rec['fid']) end
    if not s and type(rec['rsk']) == 'string' then s = redis.call('GET', rec['rsk']) end
  end
  out[#out + 1] = j or ''
  out[#out + 1] = f or ''
  out[#out + 1] = s or ''
  out[#out + 1] = o or ''
end
return out
"""

#: KEYS: keys_hash   ARGV: kid, record → 1 if installed (store had no key), else 0
INIT_KEY_LUA = """
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0
"""

#: KEYS: counters…   ARGV: window → 1
RATE_FAIL_LUA = """
for _, k in ipairs(KEYS) do
  local n = redis.call('INCR', k)
  if n == 1 then redis.call('EXPIRE', k, tonumber(ARGV[1])) end
end
return 1
"""


class RevocationQuery(NamedTuple):
    """What to look up for one token in the batched revocation check."""

    jti: str | None = None
    fid: str | None = None
    sub: str | None = None
    opaque_hash: str | None = None


class RevocationState(NamedTuple):
    jti_revoked: bool = False
    fam_revoked: bool = False
    sub_revoked_upto: float | None = None
    opaque: dict[str, Any] | None = None


#: The state of a token none of whose revocation keys is set (one shared instance).
NOT_REVOKED = RevocationState()


def _loads(raw: bytes | str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    value = orjson.loads(raw)
    return value if isinstance(value, dict) else None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


# ---------------------------------------------------------------------------
# The hot-path client: one multiplexed, auto-pipelining connection per worker
# ---------------------------------------------------------------------------
def _pack(args: tuple[Any, ...]) -> bytes:
    """One RESP command (hiredis' encoder; its stub types the tuple too narrowly)."""
    packed: bytes = hiredis.pack_command(args)
    return packed


def _reply_error(err: hiredis.ReplyError) -> Exception:
    msg = str(err)
    if msg.startswith("NOSCRIPT"):
        return NoScriptError(msg)
    if msg.startswith("LOADING"):
        return BusyLoadingError(msg)
    if msg.startswith(_UNAVAILABLE_REPLIES):
        # auth revoked by an ACL change, a read-only replica after failover, ...: the
        # store is unusable for us right now (503), like redis-py's ConnectionError family
        return StoreConnectionError(msg[:200])
    return ResponseError(msg)


_UNAVAILABLE_REPLIES = ("NOAUTH", "WRONGPASS", "NOPERM", "READONLY", "MASTERDOWN", "CLUSTERDOWN")


class _PipeProtocol(asyncio.Protocol):
    """One connection. Commands queued in a loop tick go out in one write; replies
    arrive in order and resolve the futures in order (RESP is strictly FIFO).

    Timeouts are one timer per connection, not one per command: when the oldest
    outstanding command is older than ``timeout`` the connection is aborted and
    every pending command fails with a store error (→ 503). The next command
    reconnects.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self._loop = loop
        self._timeout = timeout
        self._reader = hiredis.Reader(notEnoughData=False)
        self._pending: deque[tuple[asyncio.Future[Any], float]] = deque()
        self._out: list[bytes] = []
        self._flush_scheduled = False
        self._timer: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None
        self.closed = False
        self._error: Exception | None = None

    # -- asyncio.Protocol ------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # (uvloop: not a subclass)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        reader = self._reader
        reader.feed(data)
        pending = self._pending
        try:
            while True:
                reply = reader.gets()
                if reply is False:
                    break
                fut, _ = pending.popleft()
                if fut.done():  # caller gone (cancelled)
                    continue
                if isinstance(reply, hiredis.ReplyError):
                    fut.set_exception(_reply_error(reply))
                else:
                    fut.set_result(reply)
        except (hiredis.ProtocolError, IndexError):
            self._fail(StoreConnectionError("protocol error from the store"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(self._error or StoreConnectionError("connection to the store lost"))

    # -- commands --------------------------------------------------------------
    def send(self, packed: bytes) -> asyncio.Future[Any]:
        """Queue one packed command; its reply resolves the returned future."""
        fut: asyncio.Future[Any] = self._loop.create_future()
        if self.closed:
            fut.set_exception(self._error or StoreConnectionError("store connection closed"))
            return fut
        self._out.append(packed)
        self._pending.append((fut, self._loop.time()))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)
        if self._timer is None:
            self._timer = self._loop.call_at(self._loop.time() + self._timeout, self._check)
        return fut

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._out and self._transport is not None and not self.closed:
            data = b"".join(self._out) if len(self._out) > 1 else self._out[0]
            self._out.clear()
            self._transport.write(data)

    def _check(self) -> None:
        self._timer = None
        if not self._pending or self.closed:
            return
        deadline = self._pending[0][1] + self._timeout
        if self._loop.time() >= deadline:
            self._fail(StoreTimeoutError("store did not answer in time"))
        else:
            self._timer = self._loop.call_at(deadline, self._check)

    def _fail(self, exc: Exception) -> None:
        if not self.closed:
            self.closed = True
            self._error = exc
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._out.clear()
        while self._pending:
            fut, _ = self._pending.popleft()
            if not fut.done():
                fut.set_exception(exc)
        if self._transport is not None:
            self._transport.abort()

    def close(self) -> None:
        self._fail(StoreConnectionError("store connection closed"))


class Pipe:
    """Lean RESP client for the hot-path commands (``redis://``, ``rediss://``,
    ``unix://`` URLs with db, username and password as redis-py understands them).

    Connects lazily, reconnects by itself on the next command after a failure;
    every failure is a redis-py ``ConnectionError`` / ``TimeoutError`` /
    ``BusyLoadingError``, i.e. the store-error path that answers 503.
    """

    def __init__(self, url: str, timeout: float, preload: Sequence[str] = ()) -> None:
        self._params: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]
        self._tls = url.startswith("rediss://")
        self._timeout = timeout
        self._preload = list(preload)
        self._conn: _PipeProtocol | None = None
        self._connecting: asyncio.Task[_PipeProtocol] | None = None

    def connected(self) -> _PipeProtocol | None:
        conn = self._conn
        return conn if conn is not None and not conn.closed else None

    async def connection(self) -> _PipeProtocol:
        conn = self._conn
        if conn is not None and not conn.closed:
            return conn
        task = self._connecting
        if task is None or task.done():  # one connect attempt shared by all callers
            task = self._connecting = asyncio.ensure_future(self._connect())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return await asyncio.shield(task)

    async def _connect(self) -> _PipeProtocol:
        loop = asyncio.get_running_loop()
        p = self._params
        conn = _PipeProtocol(loop, self._timeout)
        try:
            async with asyncio.timeout(self._timeout):
                if "path" in p:
                    await loop.create_unix_connection(lambda: conn, p["path"])
                else:
                    await loop.create_connection(
                        lambda: conn,
                        p.get("host", "localhost"),
                        p.get("port", 6379),
                        ssl=ssl.create_default_context() if self._tls else None,
                    )
                hello: list[asyncio.Future[Any]] = []
                if p.get("password") is not None:
                    auth = (
                        [p["password"]]
                        if p.get("username") is None
                        else [p["username"], p["password"]]
                    )
                    hello.append(conn.send(_pack(("AUTH", *auth))))
                if p.get("db"):
                    hello.append(conn.send(_pack(("SELECT", p["db"]))))
                for script in self._preload:
                    hello.append(conn.send(_pack(("SCRIPT", "LOAD", script))))
                try:
                    for fut in hello:
                        await fut
                finally:
                    for fut in hello:  # mark every outcome as seen
                        if fut.done() and not fut.cancelled():
                            fut.exception()
        except TimeoutError:
            conn.close()
            raise StoreTimeoutError("timed out connecting to the store") from None
        except OSError as exc:
            conn.close()
            raise StoreConnectionError(f"cannot connect to the store: {exc}") from None
        except BusyLoadingError:
            conn.close()
            raise
        except ResponseError as exc:  # e.g. AUTH refused: a store error, not a bug
            conn.close()
            raise StoreConnectionError(f"store handshake failed: {exc}") from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    async def execute(self, *args: str | bytes | int | float) -> Any:
        conn = self.connected() or await self.connection()
        return await conn.send(_pack(args))

    async def script(self, script: Script, keys: Sequence[str], args: Sequence[Any]) -> Any:
        try:
            return await self.execute("EVALSHA", script.sha, len(keys), *keys, *args)
        except NoScriptError:  # script cache flushed: EVAL (loads it again)
            return await self.execute("EVAL", script.body, len(keys), *keys, *args)

    def close(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@dataclass(frozen=True)
class Script:
    body: str

    @property
    def sha(self) -> str:
        return _sha1(self.body)


@functools.cache
def _sha1(body: str) -> str:
    return hashlib.sha1(body.encode()).hexdigest()  # noqa: S324 (Redis script id)


_MAX_COALESCED_KEYS = 4096
_Waiters = list[tuple[int, int, asyncio.Future[list[Any]]]]


class _LookupCoalescer:
    """Revocation lookups of one loop tick → ONE script call; results split back.

    Nothing is cached: each request's keys are read by a script call sent after the
    request arrived, so a revocation is seen by the very next request.
    """

    def __init__(self, pipe: Pipe, script: Script, args: Sequence[str]) -> None:
        self._pipe = pipe
        self._script = script
        self._args = list(args)
        self._keys: list[str] = []
        self._waiters: _Waiters = []
        self._scheduled = False

    def lookup(self, keys: list[str]) -> asyncio.Future[list[Any]]:
        for key in keys:  # a key that cannot be sent fails its own caller, not the tick
            key.encode()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[list[Any]] = loop.create_future()
        start = len(self._keys)
        self._keys.extend(keys)
        self._waiters.append((start, len(self._keys), fut))
        if len(self._keys) >= _MAX_COALESCED_KEYS:
            self._flush()  # bound the work of one script call
        elif not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return fut

    def _flush(self) -> None:
        self._scheduled = False
        if not self._waiters:
            return
        keys, waiters = self._keys, self._waiters
        self._keys, self._waiters = [], []
        try:
            conn = self._pipe.connected()
            if conn is None:  # (re)connect first
                self._slow(keys, waiters)
                return
            packed = _pack(("EVALSHA", self._script.sha, len(keys), *keys, *self._args))
            conn.send(packed).add_done_callback(lambda f: self._done(f, keys, waiters))
        except Exception as exc:  # never leave a waiter pending: it has no timer of its own
            for _, _, fut in waiters:
                if not fut.done():
                    fut.set_exception(exc)

    def _done(self, f: asyncio.Future[Any], keys: list[str], waiters: _Waiters) -> None:
        if not f.cancelled() and isinstance(f.exception(), NoScriptError):
            self._slow(keys, waiters)  # script cache was flushed: EVAL once
        else:
            _distribute(f, waiters)

    def _slow(self, keys: list[str], waiters: _Waiters) -> None:
        task = asyncio.ensure_future(self._pipe.script(self._script, keys, self._args))
        task.add_done_callback(lambda t: _distribute(t, waiters))


def _distribute(task: asyncio.Future[Any], waiters: _Waiters) -> None:
    if task.cancelled():
        exc: BaseException | None = StoreConnectionError("store call cancelled")
    else:
        exc = task.exception()
    if exc is not None:
        for _, _, fut in waiters:
            if not fut.done():
                fut.set_exception(exc)
        return
    raw = task.result()
    for start, end, fut in waiters:
        if not fut.done():
            fut.set_result(raw[start:end])


class Store:
    """Async access to the shared state: :class:`Pipe` for the hot path (revocation
    lookup, client-auth rate limits), redis-py asyncio for everything else."""

    def __init__(self, redis: Redis, pipe: Pipe) -> None:
        self.redis = redis
        self.pipe = pipe
        self._rotate = redis.register_script(ROTATE_LUA)
        self._revoke_family = redis.register_script(REVOKE_FAMILY_LUA)
        self._revoke_user = redis.register_script(REVOKE_USER_LUA)
        self._init_key = redis.register_script(INIT_KEY_LUA)
        self._rate_fail = Script(RATE_FAIL_LUA)
        self._lookup = _LookupCoalescer(pipe, Script(LOOKUP_LUA), [f"{PREFIX}rev:fam:"])

    @classmethod
    def from_url(cls, url: str, timeout: float = 2.0) -> Store:
        # Cold paths: redis-py with a blocking pool (a burst beyond max_connections
        # waits, up to ``timeout``, for a free connection instead of failing).
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=128,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=0,
        )
        # Hot path: one multiplexed auto-pipelining connection (scripts preloaded).
        pipe = Pipe(url, timeout, preload=[LOOKUP_LUA, RATE_FAIL_LUA])
        return cls(aioredis.Redis(connection_pool=pool), pipe)

    async def close(self) -> None:
        self.pipe.close()
        await self.redis.aclose(close_connection_pool=True)

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    # -- clients ---------------------------------------------------------------
    async def create_client(self, client_id: str, record: dict[str, Any]) -> bool:
        return bool(await self.redis.set(k_client(client_id), orjson.dumps(record), nx=True))

    async def get_client(self, client_id: str) -> dict[str, Any] | None:
        return _loads(await self.redis.get(k_client(client_id)))

    # -- users -----------------------------------------------------------------
    async def put_user(self, username: str, record: dict[str, Any], *, replace: bool) -> bool:
        return bool(await self.redis.set(k_user(username), orjson.dumps(record), nx=not replace))

    async def get_user(self, username: str) -> dict[str, Any] | None:
        return _loads(await self.redis.get(k_user(username)))

    # -- signing keys ----------------------------------------------------------
    async def get_keys(self) -> dict[str, dict[str, Any]]:
        raw: dict[bytes | str, bytes | str] = await self.redis.hgetall(K_KEYS)
        out: dict[str, dict[str, Any]] = {}
        for kid, rec in raw.items():
            value = _loads(rec)
            if value is not None:
                out[_text(kid)] = value
        return out

    async def init_key(self, kid: str, record: dict[str, Any]) -> bool:
        return bool(await self._init_key(keys=[K_KEYS], args=[kid, orjson.dumps(record)]))

    async def add_key(self, kid: str, record: dict[str, Any]) -> None:
        await self.redis.hset(K_KEYS, kid, orjson.dumps(record))

    async def delete_keys(self, kids: Sequence[str]) -> None:
        if kids:
            await self.redis.hdel(K_KEYS, *kids)

    # -- opaque access tokens --------------------------------------------------
    async def put_opaque(self, token_hash: str, claims: dict[str, Any], ttl: int) -> None:
        record = dict(claims)
        if isinstance(claims.get("sub"), str):
            record["rsk"] = k_rev_sub(claims["sub"])  # followed by the lookup script
        await self.redis.set(k_oat(token_hash), orjson.dumps(record), ex=max(1, ttl))

    async def get_opaque(self, token_hash: str) -> dict[str, Any] | None:
        return _loads(await self.redis.get(k_oat(token_hash)))

    async def delete_opaque(self, token_hash: str) -> None:
        await self.redis.delete(k_oat(token_hash))

    # -- refresh tokens --------------------------------------------------------
    async def new_family(self, fid: str, token_hash: str, record: dict[str, Any], ttl: int) -> None:
        """Create a refresh family with its first token (one MULTI/EXEC)."""
        sub = str(record["sub"])
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                k_fam(fid),
                mapping={"current": token_hash, "client_id": record["client_id"], "sub": sub},
            )
            pipe.expire(k_fam(fid), ttl)
            pipe.set(k_rt(token_hash), orjson.dumps(record), ex=ttl)
            pipe.sadd(k_ufam(sub), fid)
            pipe.expire(k_ufam(sub), ttl)
            await pipe.execute()

    async def get_refresh(self, token_hash: str) -> dict[str, Any] | None:
        return _loads(await self.redis.get(k_rt(token_hash)))

    async def family_current(self, fid: str) -> str | None:
        cur = await self.redis.hget(k_fam(fid), "current")
        return _text(cur) if cur is not None else None

    async def rotate_refresh(
        self,
        *,
        old_hash: str,
        new_hash: str,
        fid: str,
        client_id: str,
        new_record: dict[str, Any],
        ttl: int,
        rev_fam_ttl: int,
    ) -> str:
        """Atomically rotate; → ``"ok"``, ``"invalid"`` or ``"reuse"`` (family now revoked)."""
        res = await self._rotate(
            keys=[k_rt(old_hash), k_fam(fid), k_rt(new_hash), k_rev_fam(fid)],
            args=[old_hash, new_hash, orjson.dumps(new_record), ttl, rev_fam_ttl, client_id, fid],
        )
        status = res[0]
        return status.decode() if isinstance(status, bytes) else str(status)

    async def revoke_family(self, fid: str, rev_fam_ttl: int) -> None:
        await self._revoke_family(keys=[k_fam(fid), k_rev_fam(fid)], args=[rev_fam_ttl])

    # -- revocation ------------------------------------------------------------
    async def revoke_jti(self, jti: str, ttl: int) -> None:
        await self.redis.set(k_rev_jti(jti), b"1", ex=max(1, ttl))

    async def revoke_user(self, sub: str, now: int, rev_ttl: int) -> int:
        """Revoke every refresh family of ``sub`` and every access token issued up to ``now``."""
        n = await self._revoke_user(
            keys=[k_ufam(sub), k_rev_sub(sub)],
            args=[now, rev_ttl, f"{PREFIX}fam:", f"{PREFIX}rev:fam:"],
        )
        return int(n)

    async def revocation_lookup(self, queries: Sequence[RevocationQuery]) -> list[RevocationState]:
        """Revocation state (and opaque-token records) of a whole batch in ONE round trip.

        One Lua call reads, per token, the ``jti`` / family / subject revocation
        keys and the opaque-token record; for an opaque token it also follows the
        record's family and subject to their revocation keys, server-side.
        """
        if not queries:
            return []
        keys: list[str] = []
        add = keys.append
        for jti, fid, sub, opaque_hash in queries:
            add(k_rev_jti(jti) if jti is not None else "-")
            add(k_rev_fam(fid) if fid is not None else "-")
            add(k_rev_sub(sub) if sub is not None else "-")
            add(k_oat(opaque_hash) if opaque_hash is not None else "-")
        raw: list[Any] = await self._lookup.lookup(keys)
        it = iter(raw)
        return [
            NOT_REVOKED
            if not (jti_v or fam_v or sub_v or oat_v)
            else RevocationState(
                bool(jti_v),
                bool(fam_v),
                float(sub_v) if sub_v else None,
                _loads(oat_v) if oat_v else None,
            )
            for jti_v, fam_v, sub_v, oat_v in zip(it, it, it, it, strict=True)
        ]

    # -- failed-credential rate limiting --------------------------------------
    async def rate_blocked(
        self, limits: Sequence[tuple[str, int]], *, also_get: str | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        """(seconds to wait if any counter reached its limit else 0, the record at
        ``also_get``) — one round trip: the counters and the record come in one MGET."""
        keys = [k for k, _ in limits]
        fetched: list[bytes | None] = await self.pipe.execute(
            "MGET", *keys, *([also_get] if also_get is not None else [])
        )
        record = _loads(fetched[-1]) if also_get is not None else None
        values = fetched[: len(keys)]
        over = [k for (k, lim), v in zip(limits, values, strict=True) if v and int(v) >= lim]
        if not over:
            return 0, record
        ttls = [int(await self.pipe.execute("TTL", k)) for k in over]
        return max(1, *ttls), record

    async def rate_fail(self, keys: Sequence[str], window: int) -> None:
        await self.pipe.script(self._rate_fail, list(keys), [window])
