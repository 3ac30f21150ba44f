# ruff: noqa: PT018
"""Findings of a fresh-eyes review (2026-12-04), each kept as a test of its whole kind:
parser errors that quoted secrets into the log, bad client TTLs reaching the store,
the embedded store not coming back after it died, ambiguous requests (two
Authorization headers, repeated JSON members, non-UTF-8 JSON), the admin API's
token strength and rate limit, and CLI input that could never work."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
from typing import Any

import pytest
import redis
from svc_util import PYTHON_DIR, basic, short_tmpdir
from tokenward.service.embedded import EmbeddedServer


# -- 1. aiohttp's parser errors must not quote credentials or tokens into the log -------
async def _raw_request(api: Any, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(api.http.host, api.http.port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), timeout=10)
    finally:
        writer.close()


@pytest.mark.parametrize("where", ["authorization", "request_line", "other_header"])
async def test_parser_errors_do_not_log_secrets(
    api: Any, creds: tuple[str, str], caplog: pytest.LogCaptureFixture, where: str
) -> None:
    caplog.set_level(logging.DEBUG)
    secret_header = basic(*creds)
    marker = "eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-MARKER"
    pad = "A" * 9000
    if where == "authorization":
        req = f"POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: {secret_header}{pad}\r\n"
    elif where == "request_line":
        req = f"GET /healthz?access_token={marker}{pad} HTTP/1.1\r\nHost: x\r\n"
    else:
        req = f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Token: {marker}{pad}\r\n"
    reply = await _raw_request(api, (req + "Content-Length: 0\r\n\r\n").encode())
    assert reply.split(b"\r\n", 1)[0].endswith(b" 400 Bad Request"), reply[:100]
    text = caplog.text
    assert secret_header not in text and secret_header[6:30] not in text
    assert creds[1] not in text and marker not in text
    assert "rejected a malformed HTTP request" in text


# -- 2. a client's TTLs never reach the store out of range -----------------------------
async def test_out_of_range_client_ttls_are_clamped(api: Any) -> None:
    cid, secret = await api.create_client()
    await api.create_user()
    rec = await api.store.get_client(cid)
    rec.update(refresh_ttl=-5, access_ttl=-5)
    await api.store.redis.set(f"tw:client:{cid}", __import__("orjson").dumps(rec))
    tok = await api.password_grant((cid, secret))
    assert tok["expires_in"] == 1
    status, body, _ = await api.post_form(
        "/oauth2/token",
        {"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
        (cid, secret),
    )
    assert status == 200, body


def _cli(data_dir: Any, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    return subprocess.run(
        [sys.executable, "-m", "tokenward.cli", *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_cli_refuses_settings_that_cannot_work() -> None:
    d = short_tmpdir()
    try:
        for bad in (
            ["clients", "create", "c", "--refresh-ttl=-5"],
            ["clients", "create", "c", "--access-ttl=0"],
            ["clients", "create", "c", "--access-ttl=999999999"],
            ["clients", "create", ""],
            ["clients", "create", "c", "--scopes", 'a "b'],
        ):
            proc = _cli(d, *bad)
            assert proc.returncode != 0 and proc.stderr.strip(), bad
            assert "Traceback" not in proc.stderr, bad
        proc = _cli(d, "users", "create", "tw_abc", "--password-stdin", stdin="long-password")
        assert proc.returncode != 0 and "reserved" in proc.stderr
        proc = _cli(d, "users", "create", "bob", "--password-stdin", stdin="a\x00b")
        assert proc.returncode != 0 and "NUL" in proc.stderr
        ok = _cli(d, "clients", "create", "c", "--scopes", "b a b", "--access-ttl", "60")
        assert ok.returncode == 0, ok.stderr
        assert '"scopes": [\n    "b",\n    "a"\n  ]' in ok.stdout
    finally:
        shutil.rmtree(d, ignore_errors=True)


# -- 3. the embedded store comes back by itself after it dies --------------------------
def test_supervised_embedded_store_restarts_after_a_crash() -> None:
    d = short_tmpdir()
    server = EmbeddedServer(d, supervise=True)
    url = server.start()
    try:
        r = redis.Redis.from_url(url, socket_timeout=2)
        r.set("k", "kept")
        r.execute_command("CONFIG", "SET", "appendfsync", "always")
        r.set("k2", "kept too")
        assert server.proc is not None
        old_pid = server.proc.pid
        os.kill(old_pid, signal.SIGKILL)
        for _ in range(200):
            if server.restarts >= 1:
                break
            asyncio.run(asyncio.sleep(0.05))
        assert server.restarts == 1 and server.proc is not None and server.proc.pid != old_pid
        r = redis.Redis.from_url(url, socket_timeout=2)
        assert r.get("k2") == b"kept too"  # same socket, same AOF
        r.close()
    finally:
        server.stop()
        shutil.rmtree(d, ignore_errors=True)
    assert server.proc is None  # stop() does not race a restart


# -- 4. ambiguous requests are refused --------------------------------------------------
async def test_two_authorization_headers_are_refused(api: Any, creds: tuple[str, str]) -> None:
    good, bad = basic(*creds), basic(creds[0], "wrong")
    for first, second in ((good, bad), (bad, good)):
        resp = await api.http.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers=[("Authorization", first), ("Authorization", second)],
        )
        body = await resp.json()
        assert resp.status == 400 and body["error"] == "invalid_request", body


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"tokens":["a"],"tokens":["b"]}', 400),
        (b'{"tokens":["a"],"tok\\u0065ns":["b"]}', 400),
        (b'{"tokens":["tokens", "x"]}', 200),  # a value spelled like a name is no repeat
        (b'{"tokens":[{"a":1,"a":2}]}', 200),  # a bad item fails alone
    ],
)
async def test_repeated_json_members_are_refused(
    api: Any, creds: tuple[str, str], body: bytes, status: int
) -> None:
    resp = await api.http.post(
        "/oauth2/introspect/batch",
        data=body,
        headers={"Authorization": basic(*creds), "Content-Type": "application/json"},
    )
    out = await resp.json()
    assert resp.status == status, out
    if status == 400:
        assert out["error"] == "invalid_request"
    else:
        assert all(r == {"active": False} for r in out["results"])


async def test_json_bodies_must_be_utf8(api: Any, creds: tuple[str, str]) -> None:
    resp = await api.http.post(
        "/oauth2/introspect/batch",
        data=b'{"tokens":[]}',
        headers={
            "Authorization": basic(*creds),
            "Content-Type": "application/json; charset=utf-16",
        },
    )
    assert resp.status == 415 and (await resp.json())["error"] == "invalid_request"


# -- 6. the admin API: a real token, and guessing is rate-limited ----------------------
async def test_admin_token_strength_and_rate_limit(
    make_api: Any, make_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = await make_api(make_settings(rate_max_per_addr=5, rate_max_per_subject_addr=5))
    monkeypatch.setenv("TOKENWARD_ADMIN_TOKEN", "a")
    status, _, _ = await api.post_json("/admin/revoke-user", {"username": "alice"})
    assert status == 404  # too short: disabled
    doc = await (await api.http.get("/openapi.json")).json()
    assert "/admin/revoke-user" not in doc["paths"]

    token = "admin-token-" + "x" * 20
    monkeypatch.setenv("TOKENWARD_ADMIN_TOKEN", token)
    doc = await (await api.http.get("/openapi.json")).json()
    assert "/admin/revoke-user" in doc["paths"]
    statuses = []
    for _ in range(7):
        status, _, headers = await api.post_json(
            "/admin/revoke-user", {"username": "alice"}, headers={"Authorization": "Bearer no"}
        )
        statuses.append(status)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429], statuses
    assert "Retry-After" in headers
    status, _, _ = await api.post_json(
        "/admin/revoke-user", {"username": "alice"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 429  # blocked from this address, right token or not
