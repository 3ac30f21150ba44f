"""Mint the token pool for a load test, before the run, so the run measures validation.

Creates (through the ``tokenward`` CLI, on the same data dir / store as the running
service) a resource-server client, a short-lived client for expired tokens, and a user
for the refresh flow; then mints tokens through the HTTP API:

* valid    - ``client_credentials`` access tokens (RFC 9068 JWTs)
* expired  - issued to a client whose access-token lifetime is 1 s, then waited out
* revoked  - issued, then revoked through ``/oauth2/revoke``
* forged   - a valid token with one signature bit flipped, and a token re-signed with a
             foreign RSA key under the service's ``kid`` (half each)

in the ratio ``--ratio valid,expired,revoked,forged`` (default 85,5,5,5: most tokens a
resource server sees are good). The refresh flow logs in as the user it creates.
Writes everything to a JSON pool file read by ``locustfile.py`` and ``run.py``.

    python loadtests/prepare.py --base-url http://127.0.0.1:8080 --data-dir .tokenward \
        --out pool.json
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parent.parent
KINDS = ("valid", "expired", "revoked", "forged")
SCOPES = "read:orders write:orders"


def tokenward_cmd() -> list[str]:
    """The installed ``tokenward`` script, else the CLI module from the source tree."""
    script = Path(sys.executable).parent / "tokenward"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from tokenward.cli import main; sys.exit(main())"]


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "python"), env.get("PYTHONPATH", "")) if p
    )
    return env


def cli(data_dir: Path, *args: str, stdin: str | None = None) -> Any:
    out = subprocess.run(
        [*tokenward_cmd(), "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(),
        check=False,
        timeout=120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"tokenward {' '.join(args)} failed: {out.stderr.strip()[-400:]}")
    return json.loads(out.stdout)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def split_counts(total: int, ratio: dict[str, int]) -> dict[str, int]:
    return {k: max(1, total * w // sum(ratio.values())) if w else 0 for k, w in ratio.items()}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(seg: str) -> bytes:
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


def forge(valid: list[str], n: int) -> list[str]:
    """Half: one flipped signature bit; half: re-signed with a foreign key, same header."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    out = []
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    for i in range(n):
        head, payload, sig = valid[i % len(valid)].split(".")
        if i % 2 == 0:
            raw = bytearray(b64url_decode(sig))
            raw[len(raw) // 2] ^= 0x04
            out.append(f"{head}.{payload}.{b64url(bytes(raw))}")
            continue
        # Fresh claims (new jti) so the forgery is not simply a known token.
        claims = json.loads(b64url_decode(payload))
        claims["jti"] = secrets.token_hex(16)
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        msg = f"{head}.{payload}".encode()
        alg = json.loads(b64url_decode(head))["alg"]
        if alg.startswith("RS"):
            signature = rsa_key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
        else:
            from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

            r, s = decode_dss_signature(ec_key.sign(msg, ec.ECDSA(hashes.SHA256())))
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        out.append(f"{head}.{payload}.{b64url(signature)}")
    return out


async def mint(
    base_url: str,
    client: tuple[str, str],
    expiring: tuple[str, str],
    user: tuple[str, str],
    counts: dict[str, int],
) -> dict[str, list[str]]:
    auth = basic(*client)
    sem = asyncio.Semaphore(16)
    connector = aiohttp.TCPConnector(limit=16)
    async with aiohttp.ClientSession(base_url, connector=connector) as http:

        async def token(form: dict[str, str], who: str) -> dict[str, Any]:
            async with (
                sem,
                http.post("/oauth2/token", data=form, headers={"Authorization": who}) as r,
            ):
                body = await r.json()
                if r.status != 200:
                    raise RuntimeError(f"/oauth2/token {r.status}: {body}")
                return body

        cc = {"grant_type": "client_credentials", "scope": "read:orders"}
        expired_t0 = time.time()
        expired = await asyncio.gather(
            *(token(cc, basic(*expiring)) for _ in range(counts["expired"]))
        )
        valid = await asyncio.gather(*(token(cc, auth) for _ in range(counts["valid"])))
        revoked = await asyncio.gather(*(token(cc, auth) for _ in range(counts["revoked"])))

        async def revoke(tok: str) -> None:
            async with (
                sem,
                http.post(
                    "/oauth2/revoke", data={"token": tok}, headers={"Authorization": auth}
                ) as r,
            ):
                if r.status != 200:
                    raise RuntimeError(f"/oauth2/revoke {r.status}: {await r.text()}")

        await asyncio.gather(*(revoke(t["access_token"]) for t in revoked))
        pw = {"grant_type": "password", "username": user[0], "password": user[1]}
        await token(pw, auth)  # the refresh flow's user can log in
        # Expired tokens: 1 s lifetime, no leeway; wait until every one is past exp.
        await asyncio.sleep(max(0.0, expired_t0 + 2.2 - time.time()))

    tokens = {
        "valid": [t["access_token"] for t in valid],
        "expired": [t["access_token"] for t in expired],
        "revoked": [t["access_token"] for t in revoked],
    }
    tokens["forged"] = forge(tokens["valid"], counts["forged"])
    return tokens


def prepare(
    base_url: str,
    data_dir: Path,
    out: Path,
    *,
    total: int = 1000,
    ratio: dict[str, int] | None = None,
) -> dict[str, Any]:
    ratio = ratio or {"valid": 85, "expired": 5, "revoked": 5, "forged": 5}
    tag = secrets.token_hex(3)
    client = cli(data_dir, "clients", "create", f"loadtest-{tag}", "--scopes", SCOPES)
    expiring = cli(
        data_dir,
        "clients",
        "create",
        f"loadtest-expiring-{tag}",
        "--scopes",
        SCOPES,
        "--grant-types",
        "client_credentials",
        "--access-ttl",
        "1",
    )
    username, password = f"lt-user-{tag}", secrets.token_urlsafe(18)
    cli(data_dir, "users", "create", username, "--password-stdin", stdin=password)
    counts = split_counts(total, ratio)
    tokens = asyncio.run(
        mint(
            base_url,
            (client["client_id"], client["client_secret"]),
            (expiring["client_id"], expiring["client_secret"]),
            (username, password),
            counts,
        )
    )
    claims = json.loads(b64url_decode(tokens["valid"][0].split(".")[1]))
    aud = claims["aud"][0] if isinstance(claims["aud"], list) else claims["aud"]
    pool = {
        "target": "tokenward",
        "base_url": base_url,
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
        "issuer": claims["iss"],
        "audience": aud,
        "alg": json.loads(b64url_decode(tokens["valid"][0].split(".")[0]))["alg"],
        "ratio": ratio,
        "tokens": tokens,
        # A throwaway user of this load test's own data dir; the refresh flow logs in as it.
        "username": username,
        "password": password,
        "created": int(time.time()),
    }
    out.write_text(json.dumps(pool))
    return pool


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base-url", default="http://127.0.0.1:8080")
    p.add_argument("--data-dir", type=Path, default=Path(".tokenward"))
    p.add_argument("--out", type=Path, default=Path("pool.json"))
    p.add_argument("--total", type=int, default=1000, help="tokens in the pool")
    p.add_argument("--ratio", default="85,5,5,5", help="valid,expired,revoked,forged")
    a = p.parse_args()
    ratio = dict(zip(KINDS, (int(x) for x in a.ratio.split(",")), strict=True))
    pool = prepare(a.base_url, a.data_dir, a.out, total=a.total, ratio=ratio)
    sizes = {k: len(v) for k, v in pool["tokens"].items()}
    print(f"wrote {a.out}: {sizes}")


if __name__ == "__main__":
    main()
