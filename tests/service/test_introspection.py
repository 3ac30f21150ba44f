# ruff: noqa: PT018
"""Introspection (single, batch), /v1/validate, revocation (BR-38, BR-39)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

INACTIVE = {"active": False}


async def test_introspection_members(api: Any, creds: tuple[str, str]) -> None:
    tok = await api.password_grant(creds, scope="read:orders")
    body = await api.introspect(creds, tok["access_token"])
    assert body["active"] is True
    for member in ("scope", "client_id", "username", "token_type", "exp", "iat", "nbf", "sub"):
        assert member in body, member
    assert {"aud", "iss", "jti"} <= body.keys()
    assert body["token_type"] == "Bearer"
    assert "fid" not in body


async def test_br38_revocation_then_introspection(api: Any, creds: tuple[str, str]) -> None:
    tok = await api.password_grant(creds)
    access, refresh = tok["access_token"], tok["refresh_token"]
    assert (await api.introspect(creds, access))["active"] is True
    status, body, headers = await api.post_form("/oauth2/revoke", {"token": access}, creds)
    assert status == 200
    assert headers["Cache-Control"] == "no-store"
    # immediately inactive, also through a second app instance ("replica") on the same store
    assert await api.introspect(creds, access) == INACTIVE
    status, body, _ = await api.post_json("/oauth2/introspect/batch", {"tokens": [access]}, creds)
    assert body == {"results": [INACTIVE]}
    # (b) a refresh token is never an active access token
    assert await api.introspect(creds, refresh) == INACTIVE
    assert await api.introspect(creds, refresh, token_type_hint="access_token") == INACTIVE
    status, body, _ = await api.post_json(
        "/v1/validate", {"tokens": [refresh], "audience": "http://tokenward.test"}, creds
    )
    assert body["results"][0]["valid"] is False
    # with the hint, only its own client sees it active (policy), as a refresh token
    rt_info = await api.introspect(creds, refresh, token_type_hint="refresh_token")
    assert rt_info["active"] is True and rt_info["token_type"] == "refresh_token"
    other = await api.create_client("other", "read:orders")
    assert await api.introspect(other, refresh, token_type_hint="refresh_token") == INACTIVE
    # (c) log out with the refresh token, then try to refresh with it
    status, _, _ = await api.post_form(
        "/oauth2/revoke", {"token": refresh, "token_type_hint": "refresh_token"}, creds
    )
    assert status == 200
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": refresh}, creds
    )
    assert status == 400 and body["error"] == "invalid_grant"
    assert await api.introspect(creds, refresh, token_type_hint="refresh_token") == INACTIVE


async def test_br38_second_replica_sees_revocation(
    api: Any, make_api: Any, settings: Any, creds: tuple[str, str]
) -> None:
    replica = await make_api(settings)
    tok = await api.password_grant(creds)
    assert (await replica.introspect(creds, tok["access_token"]))["active"] is True
    await api.post_form("/oauth2/revoke", {"token": tok["access_token"]}, creds)
    assert await replica.introspect(creds, tok["access_token"]) == INACTIVE


async def test_revoke_only_own_tokens(api: Any, creds: tuple[str, str]) -> None:
    other = await api.create_client("other", "read:orders")
    tok = await api.password_grant(creds)
    for t in (tok["access_token"], tok["refresh_token"]):
        status, body, _ = await api.post_form("/oauth2/revoke", {"token": t}, other)
        assert status == 200, body
    assert (await api.introspect(creds, tok["access_token"]))["active"] is True
    status, _, _ = await api.post_form(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
        creds,
    )
    assert status == 200
    # unknown / garbage tokens: 200 (RFC 7009 §2.2)
    for t in ["nonsense", "a.b.c", "x" * 9000]:
        status, _, _ = await api.post_form("/oauth2/revoke", {"token": t}, creds)
        assert status == 200
    status, body, _ = await api.post_form("/oauth2/revoke", {}, creds)
    assert status == 400 and body["error"] == "invalid_request"


async def test_br39_expiry_computed_at_request_time(
    make_api: Any, make_settings: Any, clock: Any
) -> None:
    api = await make_api(make_settings(access_ttl=10))
    creds = await api.create_client()
    await api.create_user()
    jwt = (await api.password_grant(creds))["access_token"]
    opaque_client = await api.create_client("o", "read", token_format="opaque", access_ttl=10)
    opaque = (await api.password_grant(opaque_client))["access_token"]
    for t in (jwt, opaque):
        assert (await api.introspect(creds, t))["active"] is True
    # exp = int(issue time) + 10, so up to 9 s of real time may pass before this check
    # (with a 2 s lifetime, the truncation and a slow machine made it flaky)
    clock.advance(5)
    for t in (jwt, opaque):
        assert (await api.introspect(creds, t))["active"] is True
    clock.advance(5)  # now >= exp: expired (exp <= now)
    for t in (jwt, opaque):
        assert await api.introspect(creds, t) == INACTIVE
    clock.advance(3600)
    for t in (jwt, opaque):
        assert await api.introspect(creds, t) == INACTIVE
    _, body, _ = await api.post_json(
        "/v1/validate", {"tokens": [jwt, opaque], "audience": "http://tokenward.test"}, creds
    )
    assert [r["error"]["code"] for r in body["results"]] == ["expired", "expired"]
    # not yet valid: move the clock back before nbf
    clock.advance(-3600 - 10 - 60)
    assert await api.introspect(creds, jwt) == INACTIVE


async def test_batch_order_and_partial_failures(api: Any, creds: tuple[str, str]) -> None:
    a = (await api.password_grant(creds, scope="read:orders"))["access_token"]
    b = (await api.password_grant(creds, scope="write:orders"))["access_token"]
    c = (await api.password_grant(creds))["access_token"]
    await api.post_form("/oauth2/revoke", {"token": c}, creds)
    tampered = a[:-4] + ("AAAA" if not a.endswith("AAAA") else "BBBB")
    tokens: list[Any] = [a, "garbage", b, c, tampered, 42, None, "", "x" * 10000, b, {"a": 1}]
    status, body, _ = await api.post_json("/oauth2/introspect/batch", {"tokens": tokens}, creds)
    assert status == 200
    res = body["results"]
    assert len(res) == len(tokens)
    assert res[0]["active"] is True and res[0]["scope"] == "read:orders"
    assert res[2]["active"] is True and res[2]["scope"] == "write:orders"
    assert res[9] == res[2]
    for i in (1, 3, 4, 5, 6, 7, 8, 10):
        assert res[i] == INACTIVE, (i, res[i])
    status, body, _ = await api.post_json("/oauth2/introspect/batch", {"tokens": []}, creds)
    assert status == 200 and body == {"results": []}


async def _setup_round_trip(api: Any, creds: tuple[str, str]) -> list[str]:
    tokens = [(await api.password_grant(creds))["access_token"] for _ in range(3)]
    opaque_client = await api.create_client("o", "read", token_format="opaque")
    tokens.append((await api.password_grant(opaque_client))["access_token"])
    return tokens


async def _commands_for(
    api: Any, creds: tuple[str, str], r: aioredis.Redis, batch: list[str]
) -> dict[str, int]:
    await r.config_resetstat()
    status, body, _ = await api.post_json("/oauth2/introspect/batch", {"tokens": batch}, creds)
    assert status == 200
    assert all(x["active"] for x in body["results"])
    stats = await r.info("commandstats")
    return {
        k.removeprefix("cmdstat_"): v["calls"]
        for k, v in stats.items()
        # (config/info: this test; hgetall: the background signing-key refresh)
        if not k.startswith(("cmdstat_config", "cmdstat_info", "cmdstat_hgetall"))
    }


async def test_batch_revocation_one_round_trip(
    make_api: Any, make_settings: Any, redis_url: str
) -> None:
    # the client-record cache off: every request authenticates against the store
    api = await make_api(make_settings(client_cache_ttl=0))
    creds = await api.create_client()
    await api.create_user()
    tokens = await _setup_round_trip(api, creds)
    r = aioredis.Redis.from_url(redis_url)
    try:
        small = await _commands_for(api, creds, r, tokens[:1])
        big = await _commands_for(api, creds, r, tokens * 100)
    finally:
        await r.aclose()
    # commandstats also counts the GETs a script runs server-side; the client sends:
    # client auth (ONE MGET: rate counters + client record) and ONE script call for the batch.
    assert big["evalsha"] == small["evalsha"] == 1, (small, big)
    assert big["mget"] == small["mget"] == 1
    assert set(big) == set(small) == {"evalsha", "mget", "get"}
    assert big["get"] >= 400  # 4 keys per token, read inside the one script call


async def test_cached_client_one_round_trip(
    api: Any, creds: tuple[str, str], redis_url: str
) -> None:
    # default client cache: the first request reads the client record, the next ones
    # only send the revocation script (the secret is still verified on each)
    tokens = await _setup_round_trip(api, creds)
    r = aioredis.Redis.from_url(redis_url)
    try:
        first = await _commands_for(api, creds, r, tokens[:1])
        again = await _commands_for(api, creds, r, tokens * 100)
    finally:
        await r.aclose()
    assert first["evalsha"] == first["mget"] == 1, first
    assert again["evalsha"] == 1 and set(again) == {"evalsha", "get"}, again


async def test_validate_endpoint_codes(api: Any, creds: tuple[str, str]) -> None:
    aud = "http://tokenward.test"
    tok = (await api.password_grant(creds, scope="read:orders"))["access_token"]
    revoked = (await api.password_grant(creds))["access_token"]
    await api.post_form("/oauth2/revoke", {"token": revoked}, creds)
    p = tok.split(".")[1]
    forged_none = "eyJhbGciOiJub25lIn0." + p + "."
    cases = [tok, revoked, tok[:-3] + "abc", forged_none, "a.b", 7]
    status, body, _ = await api.post_json(
        "/v1/validate", {"tokens": cases, "audience": aud, "scopes": ["read:orders"]}, creds
    )
    assert status == 200, body
    res = body["results"]
    assert res[0]["valid"] is True and res[0]["claims"]["sub"] == "alice"
    codes = [r["error"]["code"] for r in res[1:]]
    assert codes[0] == "revoked"
    assert codes[1] in ("bad_signature", "malformed")
    assert codes[2] == "unsupported_alg"
    assert codes[3] == "malformed"
    assert codes[4] == "malformed"
    status, body, _ = await api.post_json(
        "/v1/validate", {"tokens": [tok], "audience": "api://other"}, creds
    )
    assert body["results"][0]["error"]["code"] == "bad_audience"
    status, body, _ = await api.post_json(
        "/v1/validate", {"tokens": [tok], "audience": aud, "scopes": ["write:orders"]}, creds
    )
    assert body["results"][0]["error"]["code"] == "insufficient_scope"
    # BR-27: no validation profile without an audience
    for bad in (
        {"tokens": [tok]},
        {"tokens": [tok], "audience": ""},
        {"tokens": [tok], "audience": []},
    ):
        status, body, _ = await api.post_json("/v1/validate", bad, creds)
        assert status == 400 and body["error"] == "invalid_request"


async def test_batch_endpoints_require_client_auth(api: Any, creds: tuple[str, str]) -> None:
    for path, kw in (
        ("/oauth2/introspect/batch", {"json": {"tokens": []}}),
        ("/v1/validate", {"json": {"tokens": [], "audience": "a"}}),
        ("/oauth2/introspect", {"data": {"token": "x"}}),
        ("/oauth2/revoke", {"data": {"token": "x"}}),
    ):
        resp = await api.http.post(path, **kw)
        assert resp.status == 401, path
        assert resp.headers["WWW-Authenticate"].startswith("Basic")
        assert (await resp.json())["error"] == "invalid_client"


async def test_revoke_user(api: Any, creds: tuple[str, str], clock: Any) -> None:
    opaque_client = await api.create_client("o", "read", token_format="opaque")
    t1 = await api.password_grant(creds)
    t2 = await api.password_grant(opaque_client)
    await api.create_user("bob", "pw")
    t3 = await api.password_grant(creds, "bob", "pw")
    n = await api.app[
        __import__("tokenward.service.appkeys", fromlist=["TOKENS"]).TOKENS
    ].revoke_user("alice")
    assert n == 2
    for t in (t1, t2):
        assert await api.introspect(creds, t["access_token"]) == INACTIVE
        status, body, _ = await api.post_form(
            "/oauth2/token",
            {"grant_type": "refresh_token", "refresh_token": t["refresh_token"]},
            creds if t is t1 else opaque_client,
        )
        assert status == 400 and body["error"] == "invalid_grant"
    assert (await api.introspect(creds, t3["access_token"]))["active"] is True
    clock.advance(1.5)  # tokens issued after the revocation second are fine
    t4 = await api.password_grant(creds)
    assert (await api.introspect(creds, t4["access_token"]))["active"] is True
