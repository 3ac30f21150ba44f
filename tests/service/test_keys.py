# ruff: noqa: PT018
"""Signing keys: JWKS, rotation with old tokens still valid, PyJWT interop, encryption at rest."""

from __future__ import annotations

from typing import Any

import jwt as pyjwt
import pytest
from svc_util import ISSUER
from tokenward.service.appkeys import KEYRING, SECRETS, SETTINGS
from tokenward.service.keys import rotate


async def jwks(api: Any) -> dict[str, Any]:
    resp = await api.http.get("/.well-known/jwks.json")
    assert resp.status == 200
    return await resp.json()  # type: ignore[no-any-return]


def kid_of(token: str) -> str:
    return str(pyjwt.get_unverified_header(token)["kid"])


async def test_tokens_verify_with_pyjwt(api: Any, creds: tuple[str, str]) -> None:
    tok = (await api.password_grant(creds))["access_token"]
    keyset = pyjwt.PyJWKSet.from_dict(await jwks(api))
    key = next(k for k in keyset.keys if k.key_id == kid_of(tok))
    claims = pyjwt.decode(tok, key=key.key, algorithms=["ES256"], audience=ISSUER, issuer=ISSUER)
    assert claims["sub"] == "alice"
    assert pyjwt.get_unverified_header(tok)["typ"] == "at+jwt"


@pytest.mark.parametrize(("alg", "pyjwt_alg"), [("RS256", "RS256"), ("EdDSA", "EdDSA")])
async def test_other_signing_algorithms(
    make_api: Any, make_settings: Any, alg: str, pyjwt_alg: str
) -> None:
    api = await make_api(make_settings(signing_alg=alg))
    creds = await api.create_client()
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "client_credentials"}, creds
    )
    assert status == 200
    tok = body["access_token"]
    keyset = pyjwt.PyJWKSet.from_dict(await jwks(api))
    key = next(k for k in keyset.keys if k.key_id == kid_of(tok))
    pyjwt.decode(tok, key=key.key, algorithms=[pyjwt_alg], audience=ISSUER, issuer=ISSUER)
    assert (await api.introspect(creds, tok))["active"] is True


async def test_rotation_keeps_old_tokens_valid(
    api: Any, creds: tuple[str, str], clock: Any
) -> None:
    app = api.app
    old = (await api.password_grant(creds))["access_token"]
    old_kid = kid_of(old)
    assert [k["kid"] for k in (await jwks(api))["keys"]] == [old_kid]
    info = await rotate(api.store, app[SETTINGS], app[SECRETS]["kek"], delay=30)
    await app[KEYRING].refresh(api.store)
    published = [k["kid"] for k in (await jwks(api))["keys"]]
    assert published == [old_kid, info["kid"]]  # next key published at once
    # still signing with the old key until the delay has passed
    assert kid_of((await api.password_grant(creds))["access_token"]) == old_kid
    clock.advance(31)
    await app[KEYRING].refresh(api.store)
    new = (await api.password_grant(creds))["access_token"]
    assert kid_of(new) == info["kid"]
    # both verify: the old key stays published while its tokens may live
    for t in (old, new):
        body = await api.introspect(creds, t)
        assert body["active"] is True, body
    clock.advance(14 * 60)  # old token still within its 15 minutes
    assert (await api.introspect(creds, old))["active"] is True
    assert old_kid in [k["kid"] for k in (await jwks(api))["keys"]]
    # after max_access_ttl + slack the retired key is gone
    clock.advance(app[SETTINGS].max_access_ttl + 120)
    await app[KEYRING].refresh(api.store)
    assert [k["kid"] for k in (await jwks(api))["keys"]] == [info["kid"]]
    assert await api.introspect(creds, old) == {"active": False}


async def test_rotation_seen_by_other_workers(
    api: Any, make_api: Any, settings: Any, creds: tuple[str, str]
) -> None:
    replica = await make_api(settings)
    info = await rotate(api.store, settings, api.app[SECRETS]["kek"], delay=0)
    # the replica picks the new key up from the store within its refresh interval
    for _ in range(50):
        if info["kid"] in [k["kid"] for k in (await jwks(replica))["keys"]]:
            break
        await __import__("asyncio").sleep(0.05)
    else:
        raise AssertionError("replica never published the rotated key")
    await api.app[KEYRING].refresh(api.store)
    tok = (await api.password_grant(creds))["access_token"]
    assert kid_of(tok) == info["kid"]
    assert (await replica.introspect(creds, tok))["active"] is True


async def test_private_keys_encrypted_at_rest(api: Any) -> None:
    raw = await api.store.redis.hgetall("tw:keys")
    assert raw
    for blob in raw.values():
        assert b"PRIVATE KEY" not in blob
        assert b'"d"' not in blob


async def test_metadata_and_openapi(api: Any) -> None:
    resp = await api.http.get("/.well-known/oauth-authorization-server")
    meta = await resp.json()
    assert meta["issuer"] == ISSUER
    assert meta["jwks_uri"] == ISSUER + "/.well-known/jwks.json"
    assert "client_secret_basic" in meta["token_endpoint_auth_methods_supported"]
    resp = await api.http.get("/openapi.json")
    doc = await resp.json()
    assert doc["openapi"].startswith("3.1")
    # every documented path is routed, every routed path is documented
    routed = {
        r.resource.canonical
        for r in api.app.router.routes()
        if r.method != "HEAD" and not r.resource.canonical.startswith("/admin")
    }
    assert routed == set(doc["paths"])
    for path, ops in doc["paths"].items():
        for method in ops:
            resp = await api.http.request(method.upper(), path)
            assert resp.status != 404 and resp.status != 405, (method, path)
    resp = await api.http.get("/healthz")
    assert resp.status == 200
    resp = await api.http.get("/readyz")
    assert resp.status == 200 and (await resp.json())["store"] is True
