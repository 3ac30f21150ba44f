# ruff: noqa: PT018
"""Admin revoke-user API; secrets and tokens never reach the logs."""

from __future__ import annotations

import logging
from typing import Any

import pytest


async def test_admin_api_disabled_without_token(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENWARD_ADMIN_TOKEN", raising=False)
    status, body, _ = await api.post_json("/admin/revoke-user", {"username": "alice"})
    assert status == 404 and body["error"] == "not_found"


async def test_admin_revoke_user_api(
    api: Any, creds: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENWARD_ADMIN_TOKEN", "admin-secret-value-0123456789")
    tok = await api.password_grant(creds)
    for auth in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        status, body, _ = await api.post_json(
            "/admin/revoke-user", {"username": "alice"}, headers=auth
        )
        assert status == 401 and body["error"] == "invalid_client"
    ok = {"Authorization": "Bearer admin-secret-value-0123456789"}
    status, body, _ = await api.post_json("/admin/revoke-user", {"username": 5}, headers=ok)
    assert status == 400
    status, body, _ = await api.post_json("/admin/revoke-user", {"username": "alice"}, headers=ok)
    assert status == 200 and body == {"revoked_families": 1}
    assert await api.introspect(creds, tok["access_token"]) == {"active": False}


async def test_no_secrets_or_tokens_in_logs(
    api: Any, creds: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tok = await api.password_grant(creds)
    await api.introspect(creds, tok["access_token"])
    await api.post_form(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
        creds,
    )
    await api.post_form("/oauth2/revoke", {"token": tok["access_token"]}, creds)
    await api.post_form(
        "/oauth2/token",
        {"grant_type": "password", "username": "alice", "password": "wrong-pw-xyz"},
        creds,
    )
    text = caplog.text
    for secret in (
        creds[1],
        tok["access_token"],
        tok["refresh_token"],
        "correct horse",
        "wrong-pw-xyz",
    ):
        assert secret not in text
