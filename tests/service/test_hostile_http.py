# ruff: noqa: PT018
"""hostile-inputs.md recipes sent over HTTP, and bad requests: the right 4xx JSON, never a 500."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import logging
import random
import time
from typing import Any

import pytest
import tokenward
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from svc_util import ISSUER, basic
from tokenward.service.appkeys import KEYRING

INACTIVE = {"active": False}


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256(header: dict[str, Any] | bytes, payload: dict[str, Any], key: bytes) -> str:
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    signing_input = b64u(h) + "." + b64u(json.dumps(payload).encode())
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64u(mac)


def es256_raw(header: bytes, payload: bytes, private_pem: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    signing_input = b64u(header) + "." + b64u(payload)
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return signing_input + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class Env:
    def __init__(self, api: Any, creds: tuple[str, str]) -> None:
        self.api = api
        self.creds = creds
        self.signer = api.app[KEYRING].signer()
        self.kid = self.signer.kid
        now = int(time.time())
        self.c0 = {
            "iss": ISSUER,
            "aud": ISSUER,
            "sub": "user-1",
            "scope": "read:orders",
            "iat": now,
            "nbf": now,
            "exp": now + 300,
            "jti": "j-1",
            "client_id": creds[0],
        }

    def sign(self, claims: dict[str, Any], **headers: Any) -> str:
        typ = headers.pop("typ", "at+jwt")
        return tokenward.sign(claims, self.signer, typ=typ, headers=headers or None)

    async def codes(self, tokens: list[Any], audience: str = ISSUER) -> list[str | None]:
        status, body, _ = await self.api.post_json(
            "/v1/validate", {"tokens": tokens, "audience": audience}, self.creds
        )
        assert status == 200, body
        out = [None if r["valid"] else r["error"]["code"] for r in body["results"]]
        # the same tokens never introspect active, one by one or as a batch
        status, batch, _ = await self.api.post_json(
            "/oauth2/introspect/batch", {"tokens": tokens}, self.creds
        )
        assert status == 200
        for code, res in zip(out, batch["results"], strict=True):
            if code not in (None, "bad_audience", "insufficient_scope"):
                assert res == INACTIVE, (code, res)
        return out

    async def rejected(self, tokens: list[Any], *allowed: str) -> None:
        for tok, code in zip(tokens, await self.codes(tokens), strict=True):
            assert code in allowed, (tok if isinstance(tok, str) else type(tok), code)
        for tok in tokens[:5]:
            if isinstance(tok, str) and len(tok) < 8000:
                assert await self.api.introspect(self.creds, tok) == INACTIVE


@pytest.fixture
async def env(api: Any, creds: tuple[str, str]) -> Env:
    return Env(api, creds)


async def test_control_token_is_valid(env: Env) -> None:
    assert await env.codes([env.sign(env.c0)]) == [None]


async def test_br01_alg_none(env: Env) -> None:
    p = b64u(json.dumps(env.c0).encode())
    toks = [
        b64u(json.dumps({"alg": a}).encode()) + "." + p + "."
        for a in ("none", "NONE", "None", "nOnE")
    ]
    toks.append(b64u(json.dumps({"alg": "none", "kid": env.kid}).encode()) + "." + p + ".")
    await env.rejected(toks, "unsupported_alg")
    await env.rejected(["eyJhbGciOiJub25lIn0=." + p + "."], "malformed")


async def test_br03_br05_public_key_as_hmac_secret(env: Env, api: Any) -> None:
    jwks = await (await api.http.get("/.well-known/jwks.json")).json()
    pem = env.signer.keyset().to_jwks()  # public only
    spki = (
        serialization.load_pem_private_key(env.signer.private_pem(), password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    secrets = [
        json.dumps(jwks).encode(),
        json.dumps(jwks["keys"][0]).encode(),
        json.dumps(jwks["keys"][0], indent=2).encode(),
        json.dumps(pem).encode(),
        spki,
        spki.rstrip(b"\n"),
    ]
    toks = []
    for secret in secrets:
        toks.append(hs256({"alg": "HS256", "kid": env.kid, "typ": "at+jwt"}, env.c0, secret))
        toks.append(hs256({"alg": "HS256", "typ": "at+jwt"}, env.c0, secret))
    await env.rejected(toks, "unsupported_alg", "key_not_found")


async def test_br09_br11_embedded_or_remote_keys_never_trusted(env: Env) -> None:
    attacker = tokenward.SigningKey.generate("ES256", kid=env.kid)
    jwk = attacker.public_jwk()
    toks = [
        tokenward.sign(env.c0, attacker, typ="at+jwt", headers={"jwk": jwk}),
        tokenward.sign(env.c0, attacker, typ="at+jwt", headers={"jku": "file:///etc/hostname"}),
        tokenward.sign(
            env.c0, attacker, typ="at+jwt", headers={"x5u": "http://169.254.169.254/latest/"}
        ),
    ]
    await env.rejected(toks, "bad_signature", "key_not_found")


async def test_br12_br13_kid_injection_and_empty_hmac(env: Env) -> None:
    toks = [
        hs256({"alg": "HS256", "kid": kid}, env.c0, b"")
        for kid in (
            "../../../../../../dev/null",
            "/dev/null",
            f"{env.kid}/../{env.kid}",
            f"{env.kid}' OR '1'='1",
            "k" * 10000,
            "does-not-exist",
        )
    ]
    toks.append(hs256({"alg": "HS256"}, {**env.c0, "scope": "admin"}, b""))
    await env.rejected(toks, "key_not_found", "unsupported_alg", "too_large")


async def test_br16_crit_and_br18_duplicate_members(env: Env) -> None:
    pem = env.signer.private_pem()
    payload = json.dumps(env.c0).encode()
    crit = es256_raw(
        json.dumps(
            {
                "alg": "ES256",
                "kid": env.kid,
                "typ": "at+jwt",
                "crit": ["urn:example:policy"],
                "urn:example:policy": True,
            }
        ).encode(),
        payload,
        pem,
    )
    await env.rejected([crit], "unsupported_crit")
    control = env.sign(env.c0, **{"urn:example:policy": True})
    assert await env.codes([control]) == [None]
    dups = [
        f'{{"alg":"ES256","alg":"HS256","kid":"{env.kid}","typ":"at+jwt"}}'.encode(),
        f'{{"kid":"{env.kid}","alg":"ES256","kid":"x","typ":"at+jwt"}}'.encode(),
        f'{{"alg":"ES256","\\u0061lg":"none","kid":"{env.kid}","typ":"at+jwt"}}'.encode(),
    ]
    toks = [es256_raw(h, payload, pem) for h in dups]
    toks.append(es256_raw(f'{{"alg":"ES256","kid":"{env.kid}"}}'.encode(), payload, pem))
    refresh_payload = json.dumps({**env.c0, "typ": "refresh"}).encode()
    toks.append(
        es256_raw(
            f'{{"alg":"ES256","kid":"{env.kid}","typ":"rt+jwt"}}'.encode(), refresh_payload, pem
        )
    )
    codes = await env.codes(toks)
    assert codes[:3] == ["malformed"] * 3
    # BR-38 (b): no typ, or a refresh-token typ, is not an access token
    assert codes[3:] == ["wrong_token_type", "wrong_token_type"]


async def test_br20_br22_br23_br34_framing(env: Env) -> None:
    good = env.sign(env.c0)
    h, p, s = good.split(".")
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    idx = last.index(s[-1])
    noncanon = [h + "." + p + "." + s[:-1] + last[idx ^ b] for b in (1, 2, 3)]
    spaced = [
        f"{h} . {p} . {s}",
        good + "\n",
        f"{h}.\t{p}.{s}",
        " " + good,
        f"{h}.{p[:5]}\u00a0{p[5:]}.{s}",
    ]
    shapes = [good + ".x", good + ".", "a.b.c.d.e", "." * 5000, "...", "", "a..b"]
    await env.rejected(noncanon + spaced + shapes, "malformed", "too_large")


async def test_br24_br26_br28_claims(env: Env) -> None:
    iss_bad = [env.sign({**env.c0, "iss": v}) for v in ("http", "issuer", "", ISSUER + "/")]
    await env.rejected(iss_bad, "bad_issuer")
    await env.rejected([env.sign({**env.c0, "iss": [ISSUER]})], "claim_type", "bad_issuer")
    aud_bad = [env.sign({**env.c0, "aud": v}) for v in (["other-api"], [], "")]
    assert set(await env.codes(aud_bad)) <= {"bad_audience"}
    assert set(await env.codes([env.sign({**env.c0, "aud": v}) for v in (None, 42)])) <= {
        "claim_type",
        "bad_audience",
    }
    ok = [env.sign({**env.c0, "aud": v}) for v in (ISSUER, ["other-api", ISSUER])]
    assert await env.codes(ok) == [None, None]
    types = [
        env.sign({**env.c0, **kv})
        for kv in (
            {"nbf": "99999999999"},
            {"exp": "never"},
            {"exp": {"t": 1}},
            {"exp": [env.c0["exp"]]},
            {"iat": "yesterday"},
        )
    ]
    await env.rejected(types, "claim_type")


async def test_br31_expired_and_forged(env: Env) -> None:
    expired = env.sign({**env.c0, "exp": int(time.time()) - 3600})
    h, p, s = expired.split(".")
    flipped = h + "." + p + "." + ("B" if s[0] == "A" else "A") + s[1:]
    assert await env.codes([expired]) == ["expired"]
    await env.rejected([flipped], "bad_signature")
    unknown_kid = hs256({"alg": "HS256", "kid": "nope"}, {**env.c0, "exp": 1}, b"k" * 32)
    # HS256 is not an algorithm of this service: refused before any key lookup
    await env.rejected([unknown_kid], "key_not_found", "unsupported_alg")


async def test_br32_oversized(env: Env, api: Any, creds: tuple[str, str]) -> None:
    big_header = "A" * 200_000 + ".e30.AA"
    await env.rejected([big_header, "x" * 9000], "too_large")
    # over the form limit: 413 before anything is decoded
    auth = {"Authorization": basic(*creds)}
    for path, ctype, raw in (
        ("/oauth2/introspect", "application/x-www-form-urlencoded", b"token=" + b"A" * 5_000_000),
        (
            "/oauth2/introspect/batch",
            "application/json",
            b'{"tokens": ["' + b"." * 2_000_000 + b'"]}',
        ),
    ):
        resp = await api.http.post(
            path, data=io.BytesIO(raw), headers={**auth, "Content-Type": ctype}
        )
        assert resp.status == 413
        assert (await resp.json())["error"] == "invalid_request"


async def test_http_errors_are_json_4xx(api: Any, creds: tuple[str, str]) -> None:
    http = api.http
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("GET", "/oauth2/token", {}, 405, "method_not_allowed"),
        ("PUT", "/oauth2/introspect", {}, 405, "method_not_allowed"),
        ("GET", "/nope", {}, 404, "not_found"),
        ("POST", "/oauth2/token", {"json": {"grant_type": "password"}}, 415, "invalid_request"),
        ("POST", "/oauth2/introspect/batch", {"data": {"tokens": "x"}}, 415, "invalid_request"),
        ("POST", "/oauth2/token", {"data": "a=" + "x" * 70_000}, 413, "invalid_request"),
        ("POST", "/oauth2/token", {"data": "a=" + "x" * 2_000_000}, 413, "invalid_request"),
    ]
    for method, path, kw, status, error in cases:
        if "data" in kw and isinstance(kw["data"], str):
            kw = {
                "data": io.BytesIO(kw["data"].encode()),
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            }
        resp = await http.request(method, path, **kw)
        assert resp.status == status, (method, path, resp.status)
        body = await resp.json()
        assert body["error"] == error
        if status == 405:
            assert "Allow" in resp.headers

    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    raw_forms = [
        b"grant_type=password&grant_type=client_credentials",  # repeated parameter
        b"grant_type=%ff%fe",  # not UTF-8
        "&".join(f"f{i}=1" for i in range(100)).encode(),  # too many fields
        b"grant_type=client_credentials&scope=\x00",
    ]
    for raw in raw_forms:
        resp = await http.post(
            "/oauth2/token",
            data=raw,
            headers={**form_headers, "Authorization": basic(*creds)},
        )
        assert resp.status == 400, raw[:40]
        assert (await resp.json())["error"] == "invalid_request"

    json_bodies = [b"{", b"[]", b'"x"', b'{"tokens": "x"}', b'{"tokens": {}}', b"\xff\xfe"]
    for raw in json_bodies:
        resp = await http.post(
            "/oauth2/introspect/batch",
            data=raw,
            headers={
                "Content-Type": "application/json",
                "Authorization": basic(*creds),
            },
        )
        assert resp.status == 400, raw
        assert (await resp.json())["error"] == "invalid_request"
    status, body, _ = await api.post_json(
        "/oauth2/introspect/batch", {"tokens": ["x"] * 1001}, creds
    )
    assert status == 413


async def test_fuzz_never_500(api: Any, creds: tuple[str, str]) -> None:
    rng = random.Random(1234)
    paths = ["/oauth2/token", "/oauth2/introspect", "/oauth2/introspect/batch", "/v1/validate"]
    ctypes = ["application/x-www-form-urlencoded", "application/json", "text/plain", ""]
    alphabet = 'ab=&%.{}[]":,\\ \x00é' + "\U0001f600"
    auth = basic(*creds)
    for _ in range(300):
        body = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        if rng.random() < 0.3:
            body = json.dumps({"tokens": [body, rng.randint(0, 9)], "audience": body})
        headers = {"Content-Type": rng.choice(ctypes)}
        if rng.random() < 0.7:
            headers["Authorization"] = auth
        resp = await api.http.post(
            rng.choice(paths), data=body.encode("utf-8", "surrogatepass"), headers=headers
        )
        assert resp.status < 500, (resp.status, body)
        if resp.status >= 400:
            assert "error" in await resp.json()


async def test_rate_limit_failed_passwords(make_api: Any, make_settings: Any) -> None:
    api = await make_api(make_settings(rate_max_per_subject_addr=3, rate_max_per_addr=6))
    creds = await api.create_client()
    await api.create_user("alice", "right")
    await api.create_user("bob", "right")
    form = {"grant_type": "password", "username": "alice", "password": "wrong"}
    for _ in range(3):
        status, body, _ = await api.post_form("/oauth2/token", form, creds)
        assert status == 400 and body["error"] == "invalid_grant"
    status, body, headers = await api.post_form(
        "/oauth2/token", {**form, "password": "right"}, creds
    )
    assert status == 429 and body["error"] == "slow_down"
    assert 1 <= int(headers["Retry-After"]) <= 300
    # the (user, address) limit does not lock out another user from this address
    status, _, _ = await api.post_form(
        "/oauth2/token", {**form, "username": "bob", "password": "right"}, creds
    )
    assert status == 200
    # the per-address limit stops spraying across users
    for user in ("u1", "u2", "u3"):
        await api.post_form("/oauth2/token", {**form, "username": user}, creds)
    status, _, _ = await api.post_form(
        "/oauth2/token", {**form, "username": "bob", "password": "right"}, creds
    )
    assert status == 429


async def test_rate_limit_failed_client_secrets(make_api: Any, make_settings: Any) -> None:
    api = await make_api(make_settings(rate_max_per_subject_addr=2, rate_max_per_addr=100))
    cid, secret = await api.create_client()
    for _ in range(2):
        status, _, _ = await api.post_form(
            "/oauth2/token", {"grant_type": "client_credentials"}, (cid, "bad")
        )
        assert status == 401
    status, _, headers = await api.post_form(
        "/oauth2/token", {"grant_type": "client_credentials"}, (cid, secret)
    )
    assert status == 429 and "Retry-After" in headers


async def _stall(api: Any, payload: bytes, bound: float) -> tuple[float, bytes]:
    reader, writer = await asyncio.open_connection(api.http.host, api.http.port)
    start = time.monotonic()
    try:
        writer.write(payload)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(4096), bound)
        return time.monotonic() - start, data
    finally:
        writer.close()


async def test_stalled_clients_are_dropped(make_api: Any, make_settings: Any) -> None:
    api = await make_api(make_settings(idle_timeout=1.0, body_timeout=1.0))
    elapsed, data = await _stall(api, b"POST /oauth2/introspect HTTP/1.1\r\nHost: x\r\nX-A: ", 5)
    assert elapsed < 4 and data == b""
    elapsed, data = await _stall(
        api,
        b"POST /oauth2/introspect HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntoken=ab",
        5,
    )
    assert elapsed < 4
    assert data == b"" or data.split()[1] == b"408", data[:80]


async def test_access_log_has_no_query_string(
    api: Any, creds: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    at = (await api.password_grant(creds))["access_token"]
    resp = await api.http.post(
        f"/oauth2/introspect?token={at}",
        data={"token": at},
        headers={"Authorization": basic(*creds)},
    )
    assert resp.status == 200
    await resp.read()
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/oauth2/introspect" in text  # the access log is on in the test server
    assert at.split(".")[2] not in text
