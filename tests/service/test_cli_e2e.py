# ruff: noqa: PT018
"""The README quickstart against a real ``tokenward serve`` process, restarts included."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import jwt as pyjwt
import pytest
from svc_util import PYTHON_DIR, basic, short_tmpdir

# fixed: the port changes between the two runs; the issuer must not
ISSUER = "http://tokenward.e2e"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PYTHON_DIR), env.get("PYTHONPATH")]))
    return env


def cli(data_dir: Path, *args: str, stdin: str | None = None) -> Any:
    proc = subprocess.run(
        [sys.executable, "-m", "tokenward.cli", *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


class Server:
    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tokenward.cli",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(self.port),
                "--issuer",
                ISSUER,
                *extra,
            ],
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    async def ready(self, http: aiohttp.ClientSession) -> None:
        for _ in range(300):
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.stderr.read().decode() if self.proc.stderr else "")
            try:
                async with http.get(self.base + "/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise AssertionError("server did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()


@pytest.fixture
def data_dir() -> Iterator[Path]:
    d = short_tmpdir() / "data"
    yield d
    shutil.rmtree(d.parent, ignore_errors=True)


async def form(
    http: aiohttp.ClientSession, url: str, data: dict[str, str], creds: tuple[str, str]
) -> tuple[int, Any]:
    async with http.post(url, data=data, headers={"Authorization": basic(*creds)}) as resp:
        return resp.status, await resp.json()


async def test_quickstart_and_restart(data_dir: Path) -> None:
    server = Server(data_dir)
    async with aiohttp.ClientSession() as http:
        try:
            await server.ready(http)
            base = server.base
            # admin commands while the server runs: they use its embedded store
            client = cli(
                data_dir, "clients", "create", "orders-api", "--scopes", "read:orders write:orders"
            )
            assert client["client_id"] and len(client["client_secret"]) >= 43
            assert client["scopes"] == ["read:orders", "write:orders"]
            creds = (client["client_id"], client["client_secret"])
            assert cli(
                data_dir, "users", "create", "alice", "--password-stdin", stdin="s3cret pw\n"
            )
            pw = {"grant_type": "password", "username": "alice", "password": "s3cret pw"}
            status, tok = await form(
                http, base + "/oauth2/token", {**pw, "scope": "read:orders"}, creds
            )
            assert status == 200, tok
            access = tok["access_token"]
            status, body = await form(http, base + "/oauth2/introspect", {"token": access}, creds)
            assert body["active"] is True and body["username"] == "alice"
            status, _ = await form(http, base + "/oauth2/revoke", {"token": access}, creds)
            assert status == 200
            status, body = await form(http, base + "/oauth2/introspect", {"token": access}, creds)
            assert body == {"active": False}

            # our tokens verify with PyJWT against our JWKS
            status, keep = await form(http, base + "/oauth2/token", pw, creds)
            async with http.get(base + "/.well-known/jwks.json") as resp:
                jwks = await resp.json()
            kid = pyjwt.get_unverified_header(keep["access_token"])["kid"]
            key = next(k for k in pyjwt.PyJWKSet.from_dict(jwks).keys if k.key_id == kid)
            pyjwt.decode(
                keep["access_token"],
                key=key.key,
                algorithms=["ES256"],
                audience=ISSUER,
                issuer=ISSUER,
            )

            # key rotation through the CLI, picked up by the running server
            rotated = cli(data_dir, "keys", "rotate", "--delay", "0")
            for _ in range(100):
                status, t2 = await form(http, base + "/oauth2/token", pw, creds)
                if pyjwt.get_unverified_header(t2["access_token"])["kid"] == rotated["kid"]:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("rotation not picked up")
            status, body = await form(
                http, base + "/oauth2/introspect", {"token": keep["access_token"]}, creds
            )
            assert body["active"] is True  # signed by the previous key, still valid
        finally:
            server.stop()
        assert server.proc.returncode == 0
        assert not (data_dir / "embedded.json").exists()  # embedded store stopped too

        # admin command with no server running: starts the embedded store briefly
        bob = cli(data_dir, "users", "create", "bob", "--password-stdin", stdin="pw-bob\n")
        assert bob["username"] == "bob"

        # restart (two workers this time): nothing lost
        server = Server(data_dir, "--workers", "2")
        try:
            await server.ready(http)
            base2 = server.base
            status, body = await form(http, base2 + "/oauth2/introspect", {"token": access}, creds)
            assert body == {"active": False}  # revocation survived
            status, body = await form(
                http, base2 + "/oauth2/introspect", {"token": keep["access_token"]}, creds
            )
            assert body["active"] is True  # old key still published after restart
            status, body = await form(
                http,
                base2 + "/oauth2/token",
                {"grant_type": "refresh_token", "refresh_token": keep["refresh_token"]},
                creds,
            )
            assert status == 200, body  # refresh family survived
            assert pyjwt.get_unverified_header(body["access_token"])["kid"] == rotated["kid"]
            status, body = await form(
                http,
                base2 + "/oauth2/token",
                {**pw, "username": "bob", "password": "pw-bob"},
                creds,
            )
            assert status == 200
            # revoke-user from the CLI while the server runs
            out = cli(data_dir, "revoke-user", "alice")
            assert out["revoked_families"] >= 1
            status, body = await form(
                http, base2 + "/oauth2/introspect", {"token": t2["access_token"]}, creds
            )
            assert body == {"active": False}
        finally:
            server.stop()
    assert (data_dir / "pepper").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "kek").stat().st_mode & 0o777 == 0o600
    assert any(data_dir.glob("appendonly*"))


async def test_admin_cli_with_redis_url(
    api: Any, settings: Any, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Admin commands against an external store (--redis-url), pepper from the environment."""
    import base64

    monkeypatch.setenv("TOKENWARD_PEPPER", base64.urlsafe_b64encode(settings.pepper).decode())
    monkeypatch.setenv("TOKENWARD_KEK", base64.urlsafe_b64encode(settings.kek).decode())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tokenward.cli",
            "--data-dir",
            str(tmp_path),
            "--redis-url",
            redis_url,
            *("clients", "create", "ext", "--scopes", "read", "--opaque"),
        ],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        check=True,
    )
    client = json.loads(proc.stdout)
    assert client["token_format"] == "opaque"
    creds = (client["client_id"], client["client_secret"])
    status, body, _ = await api.post_form(
        "/oauth2/token", {"grant_type": "client_credentials"}, creds
    )
    assert status == 200, body
    assert "." not in body["access_token"]
    assert not (tmp_path / "embedded.json").exists()  # no embedded store was started
    # users created with default argon2id parameters verify in the service
    cli(
        tmp_path,
        "users",
        "create",
        "carol",
        "--password-stdin",
        "--redis-url",
        redis_url,
        stdin="pw-c\n",
    )
    tok = await api.password_grant(creds, "carol", "pw-c")
    assert (await api.introspect(creds, tok["access_token"]))["active"] is True
    rotated = cli(tmp_path, "keys", "rotate", "--delay", "0", "--redis-url", redis_url)
    listed = cli(tmp_path, "keys", "list", "--redis-url", redis_url)
    assert rotated["kid"] in [k["kid"] for k in listed]
