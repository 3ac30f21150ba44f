"""Client and user authentication, with failed-attempt rate limiting.

Client secrets are server-generated 256-bit values stored as HMAC-SHA256 under
the server pepper: verifying one costs microseconds and uses
``hmac.compare_digest``. User passwords are argon2id (argon2-cffi), verified in a
small thread pool; an unknown user costs one verification against a dummy hash.

Failed attempts are counted per (subject, address) and per address — never per
subject alone — so nobody can lock a user or client out from elsewhere.

The resource-server endpoints (introspection, batch, /v1/validate) may use a small
in-process cache of client records, keyed by (client_id, address), filled only by a
full store-checked authentication and kept ``client_cache_ttl`` seconds (default 1).
A hit still verifies the secret (keyed HMAC, constant-time compare); a miss or a
wrong secret takes the full path (rate limits, failure counting) and a wrong secret
also evicts the entry. Disabling a client or its lockout from another worker thus
takes effect within the TTL. ``/oauth2/token`` never uses the cache.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .crypto import hash_client_secret, verify_client_secret
from .errors import InvalidClient, InvalidGrant, InvalidRequest, SlowDown
from .settings import Settings
from .store import Store, k_client, k_rl, k_user

_DUMMY_CLIENT_HASH = "0" * 64
_CACHE_MAX = 4096


def make_hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def parse_basic(header: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1: Basic with form-urlencoded id and secret."""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise InvalidClient("unsupported authorization scheme")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidClient("malformed basic credentials") from None
    cid, sep, secret = decoded.partition(":")
    if not sep:
        raise InvalidClient("malformed basic credentials")
    return unquote(cid), unquote(secret)


class Authenticator:
    def __init__(self, settings: Settings, store: Store, pepper: bytes) -> None:
        self.settings = settings
        self.store = store
        self.pepper = pepper
        self.hasher = make_hasher(settings)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        #: (client_id, address) → (monotonic expiry, client record)
        self._clients: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _limits(self, kind: str, subject: str, addr: str) -> list[tuple[str, int]]:
        s = self.settings
        return [
            (k_rl(kind, subject, addr), s.rate_max_per_subject_addr),
            (k_rl("addr", addr), s.rate_max_per_addr),
        ]

    async def _check_rate(
        self, limits: list[tuple[str, int]], also_get: str | None = None
    ) -> dict[str, Any] | None:
        retry, record = await self.store.rate_blocked(limits, also_get=also_get)
        if retry:
            raise SlowDown(retry)
        return record

    async def _fail(self, limits: list[tuple[str, int]]) -> None:
        await self.store.rate_fail([k for k, _ in limits], self.settings.rate_window)

    async def client(
        self,
        *,
        authorization: str | None,
        form: dict[str, str],
        addr: str,
        cached: bool = False,
    ) -> dict[str, Any]:
        """Authenticate the calling client (client_secret_basic or client_secret_post).

        ``cached``: a recently store-checked record of this client (for this address)
        may be used instead of reading the store; the secret is verified either way."""
        form_id = form.get("client_id")
        form_secret = form.get("client_secret")
        if authorization is not None:
            if form_secret is not None:
                raise InvalidRequest("use exactly one client authentication method")
            cid, secret = parse_basic(authorization)
            if form_id is not None and form_id != cid:
                raise InvalidRequest("client_id does not match the authenticated client")
        elif form_id is not None and form_secret is not None:
            cid, secret = form_id, form_secret
        else:
            raise InvalidClient("client authentication required")
        if not cid or len(cid) > 256 or len(secret) > 512:
            raise InvalidClient()
        ttl = self.settings.client_cache_ttl
        key = (cid, addr)
        if cached and ttl > 0:
            hit = self._clients.get(key)
            if hit is not None:
                if hit[0] > time.monotonic() and verify_client_secret(
                    self.pepper, secret, hit[1]["secret_hash"]
                ):
                    return hit[1]
                del self._clients[key]  # expired, or a wrong secret: the full path
        limits = self._limits("client", cid, addr)
        record = await self._check_rate(limits, also_get=k_client(cid))
        stored = record["secret_hash"] if record else _DUMMY_CLIENT_HASH
        ok = verify_client_secret(self.pepper, secret, stored)
        if not ok or record is None or record.get("disabled"):
            await self._fail(limits)
            raise InvalidClient()
        if cached and ttl > 0:
            if len(self._clients) >= _CACHE_MAX:
                self._clients.pop(next(iter(self._clients)))  # oldest entry
            self._clients[key] = (time.monotonic() + ttl, record)
        return record

    async def admin(self, *, authorization: str | None, expected: str, addr: str) -> None:
        """``Authorization: Bearer <admin token>``; failures are rate-limited per address
        like client and user credentials."""
        scheme, _, value = (authorization or "").partition(" ")
        limits = self._limits("admin", "admin", addr)
        await self._check_rate(limits)
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode("utf-8", "surrogatepass"), expected.encode()
        ):
            await self._fail(limits)
            raise InvalidClient("admin token required")

    def hash_secret(self, secret: str) -> str:
        return hash_client_secret(self.pepper, secret)

    async def user(self, username: str, password: str, addr: str) -> dict[str, Any]:
        """Check a password once (password grant). Raises invalid_grant on any failure."""
        limits = self._limits("user", username, addr)
        record = await self._check_rate(limits, also_get=k_user(username))
        stored = record["hash"] if record else self._dummy_hash
        ok = await asyncio.get_running_loop().run_in_executor(
            self._pool, self._verify, stored, password
        )
        if not ok or record is None or record.get("disabled"):
            await self._fail(limits)
            raise InvalidGrant("invalid resource owner credentials")
        return record

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(stored, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
