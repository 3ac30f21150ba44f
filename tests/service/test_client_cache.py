# ruff: noqa: PT018
"""The in-process client-record cache of the resource-server endpoints."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import redis.asyncio as aioredis
from tokenward.service.store import k_client

INTROSPECT = "/oauth2/introspect"


async def test_disabled_client_takes_effect_within_the_ttl(
    make_api: Any, make_settings: Any, redis_url: str
) -> None:
    api = await make_api(make_settings(client_cache_ttl=0.4))
    creds = await api.create_client()
    await api.create_user()
    tok = (await api.password_grant(creds))["access_token"]
    assert (await api.introspect(creds, tok))["active"] is True  # now cached
    r = aioredis.Redis.from_url(redis_url)
    try:
        rec = orjson.loads(await r.get(k_client(creds[0])))
        await r.set(k_client(creds[0]), orjson.dumps({**rec, "disabled": True}))
    finally:
        await r.aclose()
    # the token endpoint reads the store every time: refused at once
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "client_credentials"}, creds
    )
    assert status == 401 and body["error"] == "invalid_client"
    await asyncio.sleep(0.45)
    for path, kw in (
        (INTROSPECT, {"data": {"token": tok}}),
        ("/oauth2/introspect/batch", {"json": {"tokens": [tok]}}),
        ("/v1/validate", {"json": {"tokens": [tok], "audience": "http://tokenward.test"}}),
    ):
        status, body, headers = await (
            api.post_form(path, kw["data"], creds)
            if "data" in kw
            else api.post_json(path, kw["json"], creds)
        )
        assert status == 401 and body["error"] == "invalid_client", path
        assert headers["WWW-Authenticate"].startswith("Basic")


async def test_wrong_secret_with_cached_client_fails_and_counts(
    make_api: Any, make_settings: Any
) -> None:
    api = await make_api(make_settings(rate_max_per_subject_addr=3, client_cache_ttl=60))
    creds = await api.create_client()
    await api.create_user()
    tok = (await api.password_grant(creds))["access_token"]
    assert (await api.introspect(creds, tok))["active"] is True  # cached from here on
    wrong = (creds[0], creds[1][:-2] + ("AA" if not creds[1].endswith("AA") else "BB"))
    for _ in range(3):
        status, body, _ = await api.post_form(INTROSPECT, {"token": tok}, wrong)
        assert status == 401 and body["error"] == "invalid_client"
    # three failures counted: locked out, also with the right secret (cache evicted)
    status, body, headers = await api.post_form(INTROSPECT, {"token": tok}, creds)
    assert status == 429 and body["error"] == "slow_down" and "Retry-After" in headers


async def test_cache_is_per_client_and_address_and_checks_the_secret(
    make_api: Any, make_settings: Any
) -> None:
    api = await make_api(make_settings(client_cache_ttl=60))
    a = await api.create_client("a", "read")
    b = await api.create_client("b", "read")
    await api.create_user()
    tok = (await api.password_grant(a))["access_token"]
    assert (await api.introspect(a, tok))["active"] is True
    # b's id with a's secret, a's id with b's secret: refused although a is cached
    for creds in ((b[0], a[1]), (a[0], b[1])):
        status, _, _ = await api.post_form(INTROSPECT, {"token": tok}, creds)
        assert status == 401, creds
    assert (await api.introspect(b, tok))["active"] is True
    assert (await api.introspect(a, tok))["active"] is True


async def test_cache_off_reads_the_store_each_time(
    make_api: Any, make_settings: Any, redis_url: str
) -> None:
    api = await make_api(make_settings(client_cache_ttl=0))
    creds = await api.create_client()
    await api.create_user()
    tok = (await api.password_grant(creds))["access_token"]
    assert (await api.introspect(creds, tok))["active"] is True
    r = aioredis.Redis.from_url(redis_url)
    try:
        await r.delete(k_client(creds[0]))
    finally:
        await r.aclose()
    status, _, _ = await api.post_form(INTROSPECT, {"token": tok}, creds)
    assert status == 401


def test_client_secret_hash_is_hmac_sha256() -> None:
    import hashlib
    import hmac
    import secrets

    from tokenward.service.crypto import hash_client_secret, verify_client_secret

    for key_len in (1, 32, 64, 65, 200):
        pepper = secrets.token_bytes(key_len)
        for secret in ("", "s", secrets.token_urlsafe(32), "ü" * 300):
            want = hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()
            assert hash_client_secret(pepper, secret) == want
            assert verify_client_secret(pepper, secret, want)
            assert not verify_client_secret(pepper, secret + "x", want)
