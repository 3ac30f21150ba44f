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
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import redis.asyncio as aioredis
from redis.asyncio.client import Redis

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


@dataclass(frozen=True)
class RevocationQuery:
    """What to look up for one token in the batched revocation check."""

    jti: str | None = None
    fid: str | None = None
    sub: str | None = None
    opaque_hash: str | None = None


@dataclass(frozen=True)
class RevocationState:
    jti_revoked: bool = False
    fam_revoked: bool = False
    sub_revoked_upto: float | None = None
    opaque: dict[str, Any] | None = None


def _loads(raw: bytes | str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    value = orjson.loads(raw)
    return value if isinstance(value, dict) else None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Store:
    """Async access to the shared state (redis-py asyncio, hiredis parser)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._rotate = redis.register_script(ROTATE_LUA)
        self._revoke_family = redis.register_script(REVOKE_FAMILY_LUA)
        self._revoke_user = redis.register_script(REVOKE_USER_LUA)
        self._init_key = redis.register_script(INIT_KEY_LUA)
        self._rate_fail = redis.register_script(RATE_FAIL_LUA)
        self._lookup = redis.register_script(LOOKUP_LUA)

    @classmethod
    def from_url(cls, url: str, timeout: float = 2.0) -> Store:
        # Blocking pool: a burst beyond max_connections waits (up to ``timeout``) for a
        # free connection instead of failing the request.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=128,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=0,
        )
        return cls(aioredis.Redis(connection_pool=pool))

    async def close(self) -> None:
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
        for q in queries:
            keys.append(k_rev_jti(q.jti) if q.jti is not None else "-")
            keys.append(k_rev_fam(q.fid) if q.fid is not None else "-")
            keys.append(k_rev_sub(q.sub) if q.sub is not None else "-")
            keys.append(k_oat(q.opaque_hash) if q.opaque_hash is not None else "-")
        raw: list[Any] = await self._lookup(keys=keys, args=[f"{PREFIX}rev:fam:"])
        out: list[RevocationState] = []
        for i in range(len(queries)):
            jti_v, fam_v, sub_v, oat_v = raw[4 * i : 4 * i + 4]
            out.append(
                RevocationState(
                    jti_revoked=bool(jti_v),
                    fam_revoked=bool(fam_v),
                    sub_revoked_upto=float(sub_v) if sub_v else None,
                    opaque=_loads(oat_v) if oat_v else None,
                )
            )
        return out

    # -- failed-credential rate limiting --------------------------------------
    async def rate_blocked(
        self, limits: Sequence[tuple[str, int]], *, also_get: str | None = None
    ) -> tuple[int, dict[str, Any] | None]:
        """(seconds to wait if any counter reached its limit else 0, the record at
        ``also_get``) — one round trip: the counters and the record come in one MGET."""
        keys = [k for k, _ in limits]
        fetched: list[bytes | str | None] = await self.redis.mget(
            [*keys, also_get] if also_get is not None else keys
        )
        record = _loads(fetched[-1]) if also_get is not None else None
        values = fetched[: len(keys)]
        over = [k for (k, lim), v in zip(limits, values, strict=True) if v and int(v) >= lim]
        if not over:
            return 0, record
        ttls = [int(await self.redis.ttl(k)) for k in over]
        return max(1, *ttls), record

    async def rate_fail(self, keys: Sequence[str], window: int) -> None:
        await self._rate_fail(keys=list(keys), args=[window])
