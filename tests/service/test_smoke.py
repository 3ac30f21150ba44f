from __future__ import annotations

from typing import Any


async def test_password_introspect_revoke(api: Any, creds: tuple[str, str]) -> None:
    tok = await api.password_grant(creds, scope="read:orders")
    assert tok["token_type"] == "Bearer"
    assert "refresh_token" in tok
    body = await api.introspect(creds, tok["access_token"])
    assert body["active"] is True
    assert body["scope"] == "read:orders"
    assert body["username"] == "alice"
    status, _, _ = await api.post_form("/oauth2/revoke", {"token": tok["access_token"]}, creds)
    assert status == 200
    assert await api.introspect(creds, tok["access_token"]) == {"active": False}
