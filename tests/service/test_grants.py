# ruff: noqa: PT018
"""Every grant and client authentication method of POST /oauth2/token."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from svc_util import ISSUER, basic


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    h, p, _ = token.split(".")

    def dec(s: str) -> dict[str, Any]:
        value: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
        return value

    return dec(h), dec(p)


async def test_client_credentials_basic(api: Any, creds: tuple[str, str]) -> None:
    status, body, headers = await api.post_form(
        "/oauth2/token", {"grant_type": "client_credentials", "scope": "read:orders"}, creds
    )
    assert status == 200, body
    assert headers["Cache-Control"] == "no-store"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["scope"] == "read:orders"
    assert "refresh_token" not in body  # RFC 6749 §4.4.3
    header, claims = jwt_parts(body["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256" and header["kid"]
    assert claims["iss"] == ISSUER and claims["aud"] == ISSUER
    assert claims["sub"] == creds[0] == claims["client_id"]
    assert claims["exp"] - claims["iat"] == 900
    assert {"jti", "nbf", "scope"} <= claims.keys()
    assert "fid" not in claims


async def test_client_credentials_post(api: Any, creds: tuple[str, str]) -> None:
    status, body, _ = await api.post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials", "client_id": creds[0], "client_secret": creds[1]},
    )
    assert status == 200, body
    assert body["scope"] == "read:orders write:orders"  # default: everything allowed


async def test_password_grant_basic_and_post(api: Any, creds: tuple[str, str]) -> None:
    body = await api.password_grant(creds)
    _, claims = jwt_parts(body["access_token"])
    assert claims["sub"] == "alice" and claims["client_id"] == creds[0] and claims["fid"]
    status, body2, _ = await api.post_form(
        "/oauth2/token",
        {
            "grant_type": "password",
            "username": "alice",
            "password": "correct horse",
            "client_id": creds[0],
            "client_secret": creds[1],
            "scope": "write:orders",
        },
    )
    assert status == 200 and body2["scope"] == "write:orders"


@pytest.mark.parametrize(
    ("user", "password"), [("alice", "wrong"), ("mallory", "correct horse"), ("alice", "")]
)
async def test_password_grant_bad_credentials(
    api: Any, creds: tuple[str, str], user: str, password: str
) -> None:
    status, body, _ = await api.post_form(
        "/oauth2/token",
        {"grant_type": "password", "username": user, "password": password},
        creds,
    )
    assert status == 400
    assert body["error"] in ("invalid_grant", "invalid_request")


async def test_bad_client_auth(api: Any, creds: tuple[str, str]) -> None:
    form = {"grant_type": "client_credentials"}
    for c in [(creds[0], "x" * 43), ("tw_unknown", creds[1]), (creds[0], "")]:
        status, body, headers = await api.post_form("/oauth2/token", form, c)
        assert status == 401, body
        assert body["error"] == "invalid_client"
        assert headers["WWW-Authenticate"].startswith("Basic")
    status, body, _ = await api.post_form("/oauth2/token", form)
    assert status == 401 and body["error"] == "invalid_client"
    # two methods at once
    status, body, _ = await api.post_form(
        "/oauth2/token", {**form, "client_id": creds[0], "client_secret": creds[1]}, creds
    )
    assert status == 400 and body["error"] == "invalid_request"
    for header in ["Bearer abc", "Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode()]:
        status, body, _ = await api.post_form(
            "/oauth2/token", form, headers={"Authorization": header}
        )
        assert status == 401 and body["error"] == "invalid_client"


async def test_scope_and_grant_policy(api: Any) -> None:
    cc_only = await api.create_client("svc", "read:orders", grant_types=("client_credentials",))
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "client_credentials", "scope": "admin"}, cc_only
    )
    assert status == 400 and body["error"] == "invalid_scope"
    status, body, _ = await api.post_form(
        "/oauth2/token",
        {"grant_type": "password", "username": "alice", "password": "x"},
        cc_only,
    )
    assert status == 400 and body["error"] == "unauthorized_client"
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "authorization_code", "code": "x"}, cc_only
    )
    assert status == 400 and body["error"] == "unsupported_grant_type"
    status, body, _ = await api.post_form("/oauth2/token", {"scope": "x"}, cc_only)
    assert status == 400 and body["error"] == "invalid_request"


async def test_audience_policy(api: Any) -> None:
    c = await api.create_client("aud", "read", audiences=("api://a", "api://b"))
    status, body, _ = await api.post_form("/oauth2/token", {"grant_type": "client_credentials"}, c)
    assert status == 200 and jwt_parts(body["access_token"])[1]["aud"] == "api://a"
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "client_credentials", "resource": "api://b"}, c
    )
    assert status == 200 and jwt_parts(body["access_token"])[1]["aud"] == "api://b"
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "client_credentials", "audience": "api://evil"}, c
    )
    assert status == 400 and body["error"] == "invalid_target"


async def test_refresh_rotation_and_reuse_revokes_family(api: Any, creds: tuple[str, str]) -> None:
    first = await api.password_grant(creds)
    rt1 = first["refresh_token"]
    status, second, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": rt1}, creds
    )
    assert status == 200, second
    rt2 = second["refresh_token"]
    assert rt2 != rt1
    assert jwt_parts(second["access_token"])[1]["fid"] == jwt_parts(first["access_token"])[1]["fid"]
    assert (await api.introspect(creds, second["access_token"]))["active"] is True
    # narrower scope on refresh; wider is refused
    status, third, _ = await api.post_form(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": rt2, "scope": "read:orders"},
        creds,
    )
    assert status == 200 and third["scope"] == "read:orders"
    rt3 = third["refresh_token"]
    status, body, _ = await api.post_form(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": rt3, "scope": "admin"},
        creds,
    )
    assert status == 400 and body["error"] == "invalid_scope"
    # the refused request did not consume rt3; now replay rt1 (already rotated)
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": rt1}, creds
    )
    assert status == 400 and body["error"] == "invalid_grant"
    # the whole family is revoked: the latest refresh token and every access token
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": rt3}, creds
    )
    assert status == 400 and body["error"] == "invalid_grant"
    for tok in (first, second, third):
        assert await api.introspect(creds, tok["access_token"]) == {"active": False}
    # a new login is unaffected
    fresh = await api.password_grant(creds)
    assert (await api.introspect(creds, fresh["access_token"]))["active"] is True


async def test_refresh_token_bound_to_client(api: Any, creds: tuple[str, str]) -> None:
    other = await api.create_client("other", "read:orders")
    rt = (await api.password_grant(creds))["refresh_token"]
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": rt}, other
    )
    assert status == 400 and body["error"] == "invalid_grant"
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": rt}, creds
    )
    assert status == 200  # the foreign attempt neither consumed nor revoked it
    for bad in ["x", "a.b.c", "A" * 43, "é" * 10]:
        status, body, _ = await api.post_form(
            "/oauth2/token", {"grant_type": "refresh_token", "refresh_token": bad}, creds
        )
        assert status == 400 and body["error"] == "invalid_grant"


async def test_opaque_access_tokens(api: Any) -> None:
    c = await api.create_client("opaque", "read write", token_format="opaque", access_ttl=60)
    await api.create_user("bob", "pw-bob-123")
    tok = await api.password_grant(c, "bob", "pw-bob-123", scope="read")
    assert tok["access_token"].count(".") == 0 and len(tok["access_token"]) >= 43
    assert tok["expires_in"] == 60
    body = await api.introspect(c, tok["access_token"])
    assert body["active"] is True and body["username"] == "bob" and body["scope"] == "read"
    assert "rsk" not in body and "fid" not in body
    # stored hashed: the raw token is not a key or value in the store
    raw_keys = [k async for k in api.store.redis.scan_iter("*")]
    assert not any(tok["access_token"].encode() in k for k in raw_keys)
    status, _, _ = await api.post_form("/oauth2/revoke", {"token": tok["access_token"]}, c)
    assert status == 200
    assert await api.introspect(c, tok["access_token"]) == {"active": False}


async def test_client_secret_basic_urlencoded(api: Any) -> None:
    cid, secret = await api.create_client("x", "read")
    # RFC 6749 §2.3.1: id and secret are form-urlencoded inside Basic
    status, body, _ = await api.post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        headers={"Authorization": basic(cid, secret)},
    )
    assert status == 200, body
