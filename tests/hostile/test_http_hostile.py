"""Hostile input over HTTP (issue #5): every recipe of shared/hostile-inputs.md that can
reach the service, sent to the real app (the service suite's own app factory and
store), plus the request limits, slow clients, and a log scan for secrets.

Rules checked on every response: never a 5xx; introspection of anything bad is
exactly ``{"active": false}``; ``/v1/validate`` reports the same error code the
library contract (docs/semantics.md) gives; revoking a forged token never revokes
the genuine token it was forged from; a forged refresh is ``invalid_grant``.

Recipes are built from a real token the service issued: the header/claims are
edited as raw bytes and, where the recipe needs a *good* signature, re-signed with
the service's own current signing key (taken from its key ring), so the claims
layer is what decides.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import socket
import time
from typing import Any

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from helpers import keys as K
from helpers.jose import b64u, b64u_decode, json_bytes, make_token
from svc_util import ISSUER, basic
from tokenward.service.appkeys import KEYRING, SETTINGS

#: The introspection answer for anything that is not an active token (RFC 7662 §2.2).
INACTIVE = {"active": False}


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
class Service:
    """The app under test with a client, a user, one genuine token and the signing key."""

    def __init__(self, api: Any, creds: tuple[str, str], tok: dict[str, Any]) -> None:
        self.api = api
        self.creds = creds
        self.access = tok["access_token"]
        self.refresh = tok.get("refresh_token")
        h, p, _ = self.access.split(".")
        self.header = json.loads(b64u_decode(h))
        self.claims = json.loads(b64u_decode(p))
        signer = api.app[KEYRING].signer()
        self.alg: str = signer.alg
        self.kid: str = signer.kid
        self.private = serialization.load_pem_private_key(signer.private_pem(), password=None)
        self.jwks = api.app[KEYRING].jwks()
        self.audience = self.claims["aud"]

    def sign(self, header: dict[str, Any] | bytes, claims: dict[str, Any] | bytes) -> str:
        """Re-sign exact header/claims bytes with the service's own key (good signature)."""
        return make_token(header, claims, self.private, self.alg)

    def hdr(self, **extra: Any) -> dict[str, Any]:
        return {"alg": self.alg, "kid": self.kid, "typ": "at+jwt", **extra}

    async def post(self, path: str, **kw: Any) -> tuple[int, Any, Any]:
        resp = await self.api.http.post(path, **kw)
        raw = await resp.read()
        assert resp.status < 500, f"{path}: {resp.status} {raw[:300]!r}"
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        return resp.status, body, resp.headers

    async def introspect(self, token: str) -> Any:
        status, body, _ = await self.post(
            "/oauth2/introspect", data={"token": token}, headers={"Authorization": self.basic}
        )
        return status, body

    async def validate(self, tokens: list[Any], **extra: Any) -> tuple[int, Any]:
        status, body, _ = await self.post(
            "/v1/validate",
            json={"tokens": tokens, "audience": self.audience, **extra},
            headers={"Authorization": self.basic},
        )
        return status, body

    @property
    def basic(self) -> str:
        return basic(*self.creds)


@pytest.fixture
async def svc(api: Any, creds: tuple[str, str]) -> Service:
    tok = await api.password_grant(creds, scope="read:orders")
    return Service(api, creds, tok)


def _pem_text(key: Any) -> bytes:
    return K.spki_pem(key)


def _hs(header: dict[str, Any] | bytes, claims: dict[str, Any], key: bytes) -> str:
    return make_token(header, claims, key, "HS256")


def hostile_tokens(s: Service) -> list[tuple[str, str, set[str]]]:
    """(recipe id, token, acceptable /v1/validate error codes). Contract: docs/semantics.md."""
    c = dict(s.claims)
    pub = s.private.public_key()  # type: ignore[union-attr]
    h, p, sig = s.access.split(".")
    c0 = b64u(json_bytes(c))
    out: list[tuple[str, str, set[str]]] = []
    add = out.append
    # BR-01: alg none in every spelling, empty signature; padded header.
    for alg in ("none", "NONE", "None", "nOnE"):
        for extra in ({}, {"kid": s.kid}):
            hb = b64u(json_bytes({"alg": alg, **extra}))
            add((f"BR-01 {alg} {extra}", f"{hb}.{c0}.", {"unsupported_alg"}))
    add(("BR-01 padded", f"eyJhbGciOiJOT05FIn0=.{c0}.", {"malformed"}))
    # BR-03 / BR-05: the service's public key material as an HMAC secret.
    secrets_: list[bytes] = [
        _pem_text(pub),
        _pem_text(pub).rstrip(b"\n"),
        json_bytes(s.jwks),
        json_bytes(s.jwks["keys"][0]),
        json.dumps(s.jwks["keys"][0], indent=2).encode(),
    ]
    for i, secret in enumerate(secrets_):
        add(
            (
                f"BR-03/05 kid #{i}",
                _hs({"alg": "HS256", "kid": s.kid}, c, secret),
                {"unsupported_alg"},
            )
        )
        add((f"BR-03/05 no kid #{i}", _hs({"alg": "HS256"}, c, secret), {"unsupported_alg"}))
    # BR-06: all-zero / out-of-range ECDSA signatures.
    if s.alg.startswith("ES"):
        size = {"ES256": 32, "ES384": 48, "ES512": 66}[s.alg]
        add(("BR-06 zero", f"{h}.{p}.{b64u(bytes(2 * size))}", {"bad_signature"}))
        r0s1 = b64u(bytes(2 * size - 1) + bytes([1]))
        add(("BR-06 r=0,s=1", f"{h}.{p}.{r0s1}", {"bad_signature"}))
        raw = b64u_decode(sig)
        r, s_ = int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big")
        # BR-07: DER, 63-byte and 65-byte forms of a genuine signature.
        add(("BR-07 DER", f"{h}.{p}.{b64u(encode_dss_signature(r, s_))}", {"bad_signature"}))
        add(("BR-07 +00", f"{h}.{p}.{b64u(bytes(1) + raw)}", {"bad_signature"}))
        add(("BR-07 short", f"{h}.{p}.{b64u(raw[1:])}", {"bad_signature"}))
    # BR-09: attacker key embedded in the header.
    atk = K.atk_ec_private()
    atk_jwk = K.public_jwk(atk)
    add(
        (
            "BR-09 jwk+kid",
            make_token({"alg": "ES256", "kid": s.kid, "typ": "at+jwt", "jwk": atk_jwk}, c, atk),
            {"bad_signature", "unsupported_alg"},
        )
    )
    add(
        (
            "BR-09 jwk",
            make_token({"alg": "ES256", "typ": "at+jwt", "jwk": atk_jwk}, c, atk),
            {"bad_signature", "key_not_found", "unsupported_alg"},
        )
    )
    # BR-12 / BR-13: kid games with weak HMAC keys.
    for kid in ("../../../../../../dev/null", "/dev/null", f"{s.kid}/../{s.kid}", "x' OR '1'='1"):
        add((f"BR-12 {kid}", _hs({"alg": "HS256", "kid": kid}, c, b""), {"unsupported_alg"}))
        add(
            (
                f"BR-12 {kid} right alg",
                make_token({"alg": s.alg, "kid": kid, "typ": "at+jwt"}, c, atk, s.alg)
                if s.alg == "ES256"
                else _hs({"alg": "HS256", "kid": kid}, c, b""),
                {"key_not_found", "unsupported_alg"},
            )
        )
    add(("BR-12 long kid", s.sign(s.hdr(kid="k" * 300), c), {"key_not_found"}))
    add(("BR-12 10k kid", s.sign(s.hdr(kid="k" * 10_000), c), {"too_large"}))
    add(
        (
            "BR-13 empty key",
            _hs({"alg": "HS256", "kid": "does-not-exist"}, c, b""),
            {"unsupported_alg"},
        )
    )
    # BR-16: crit, validly signed.
    add(
        (
            "BR-16 crit",
            s.sign(s.hdr(crit=["urn:example:policy"], **{"urn:example:policy": True}), c),
            {"unsupported_crit"},
        )
    )
    # BR-18: duplicate header members (also via an escape), validly signed.
    kid_json = json.dumps(s.kid)
    for raw_h in (
        f'{{"alg":"{s.alg}","alg":"HS512","kid":{kid_json},"typ":"at+jwt"}}',
        f'{{"kid":{kid_json},"alg":"{s.alg}","kid":"rsa-1","typ":"at+jwt"}}',
        f'{{"alg":"{s.alg}","\\u0061lg":"none","kid":{kid_json},"typ":"at+jwt"}}',
    ):
        add((f"BR-18 {raw_h[:30]}", s.sign(raw_h.encode(), c), {"malformed"}))
    # BR-20: non-canonical base64url (unused bits) in each segment.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for idx in range(3):
        segs = [h, p, sig]
        seg = segs[idx]
        if len(seg) % 4 in (2, 3):
            segs[idx] = seg[:-1] + alphabet[alphabet.index(seg[-1]) | 1]
            if segs[idx] != seg:
                add((f"BR-20 seg{idx}", ".".join(segs), {"malformed"}))
    # BR-22: whitespace inside the token.
    add(("BR-22 spaces", f"{h} . {p} . {sig}", {"malformed"}))
    add(("BR-22 tab", f"{h}.\t{p}.{sig}", {"malformed"}))
    add(("BR-22 nbsp", f"{h}.{p[:5]}\u00a0{p[5:]}.{sig}", {"malformed"}))
    add(("BR-22 newline", f"{h}.{p}.{sig}\n", {"malformed"}))
    add(("BR-22 leading", f" {h}.{p}.{sig}", {"malformed"}))
    # BR-23: dots.
    add(("BR-23 4 parts", f"{h}.{p}.{sig}.x", {"malformed"}))
    add(("BR-23 trailing dot", f"{h}.{p}.{sig}.", {"malformed"}))
    add(("BR-23 5 parts", f"{h}.{p}.{sig}.AA.AA", {"malformed"}))
    add(("BR-23 8k dots", "." * 8000, {"malformed"}))
    add(("BR-23 9k dots", "." * 9000, {"too_large"}))
    # BR-24: issuer near misses, validly signed.
    for iss in ("http", "tokenward", "", ISSUER + "/", ISSUER.upper()):
        add((f"BR-24 iss={iss!r}", s.sign(s.hdr(), {**c, "iss": iss}), {"bad_issuer"}))
    add(("BR-24 iss list", s.sign(s.hdr(), {**c, "iss": [ISSUER]}), {"claim_type"}))
    # BR-26: aud shapes.
    for aud in (["other-api"], [], "", None, 42):
        add(
            (
                f"BR-26 aud={aud!r}",
                s.sign(s.hdr(), {**c, "aud": aud}),
                {"bad_audience", "claim_type"},
            )
        )
    no_aud = {k: v for k, v in c.items() if k != "aud"}
    add(("BR-26 no aud", s.sign(s.hdr(), no_aud), {"missing_claim"}))
    # BR-28: time claims of the wrong type.
    for name, value in (
        ("nbf", "99999999999"),
        ("exp", "never"),
        ("exp", {"t": 1}),
        ("exp", [c["exp"]]),
        ("iat", "yesterday"),
        ("exp", True),
        ("exp", -1),
        ("exp", 2**53),
    ):
        add((f"BR-28 {name}={value!r}", s.sign(s.hdr(), {**c, name: value}), {"claim_type"}))
    # BR-31: expired and forged → the forgery wins.
    expired = {**c, "exp": c["iat"] - 3600, "nbf": c["iat"] - 7200, "iat": c["iat"] - 7200}
    forged = s.sign(s.hdr(), expired)
    fh, fp_, fs = forged.split(".")
    flipped = fs[:10] + ("A" if fs[10] != "A" else "B") + fs[11:]
    add(("BR-31 expired+forged", f"{fh}.{fp_}.{flipped}", {"bad_signature"}))
    add(("BR-31 expired+kid", s.sign(s.hdr(kid="nope"), expired), {"key_not_found"}))
    none_h = b64u(b'{"alg":"none"}')
    add(("BR-31 expired+none", f"{none_h}.{b64u(json_bytes(expired))}.", {"unsupported_alg"}))
    add(("BR-31 expired (control)", forged, {"expired"}))
    # BR-34: JWE shape; zip on a JWS.
    jwe_h = b64u(json_bytes({"alg": "dir", "enc": "A128GCM", "zip": "DEF"}))
    add(("BR-34 JWE", f"{jwe_h}..AAAA.AAAA.AAAA", {"malformed"}))
    import zlib

    deflated = zlib.compress(json_bytes(c))[2:-4]
    add(("BR-34 zip", s.sign(json_bytes(s.hdr(zip="DEF")), deflated), {"malformed"}))
    # BR-38 (b): wrong token type.
    add(
        (
            "BR-38 typ JWT",
            s.sign({"alg": s.alg, "kid": s.kid, "typ": "JWT"}, c),
            {"wrong_token_type"},
        )
    )
    add(
        (
            "BR-38 typ rt+jwt",
            s.sign({"alg": s.alg, "kid": s.kid, "typ": "rt+jwt"}, c),
            {"wrong_token_type"},
        )
    )
    add(("BR-38 no typ", s.sign({"alg": s.alg, "kid": s.kid}, c), {"wrong_token_type"}))
    # Strict JSON in the claims, validly signed.
    raw_c = json_bytes(c)
    add(("JSON dup claim", s.sign(s.hdr(), raw_c[:-1] + b',"exp":1}'), {"malformed"}))
    add(("JSON surrogate", s.sign(s.hdr(), raw_c[:-1] + b',"x":"\\ud800"}'), {"malformed"}))
    add(("JSON bom", s.sign(s.hdr(), b"\xef\xbb\xbf" + raw_c), {"malformed"}))
    add(("JSON 1e400", s.sign(s.hdr(), raw_c[:-1] + b',"x":1e400}'), {"malformed"}))
    add(
        (
            "JSON depth",
            s.sign(s.hdr(), raw_c[:-1] + b',"x":' + b"[" * 40 + b"]" * 40 + b"}"),
            {"malformed"},
        )
    )
    add(
        (
            "JSON long number",
            s.sign(s.hdr(), raw_c[:-1] + b',"x":' + b"1" * 4301 + b"}"),
            {"malformed", "too_large"},
        )
    )
    return out


# ---------------------------------------------------------------------------
# Hostile tokens through every endpoint that takes a token.
# ---------------------------------------------------------------------------
async def test_genuine_token_is_accepted_everywhere(svc: Service) -> None:
    """Control: the rejections below mean something."""
    status, body = await svc.introspect(svc.access)
    assert status == 200
    assert body["active"] is True
    status, body = await svc.validate([svc.access])
    assert status == 200
    assert body["results"][0]["valid"] is True


async def test_hostile_tokens_over_http(svc: Service) -> None:
    cases = hostile_tokens(svc)
    assert len(cases) > 80
    tokens = [t for _, t, _ in cases]
    # /v1/validate: one batch, exact codes.
    status, body = await svc.validate(tokens)
    assert status == 200, body
    wrong = []
    for (name, _tok, codes), res in zip(cases, body["results"], strict=True):
        if res.get("valid") is not False or res.get("error", {}).get("code") not in codes:
            wrong.append((name, codes, res))
    assert not wrong, wrong
    # Introspection is the AS reporting on its *own* tokens: it skips the audience by
    # design (danger_skip_audience), so BR-26 tokens re-signed with the service's own
    # key may be active there. Everything else must be exactly inactive.
    expect = [None if name.startswith("BR-26") else INACTIVE for name, _, _ in cases]
    # /oauth2/introspect/batch
    status, body, _ = await svc.post(
        "/oauth2/introspect/batch", json={"tokens": tokens}, headers={"Authorization": svc.basic}
    )
    assert status == 200, body
    for (name, _, _), want, got in zip(cases, expect, body["results"], strict=True):
        assert want is None or got == want, (name, got)
    # /oauth2/introspect one by one (form encoding, hints too).
    for (name, tok, _), want in zip(cases, expect, strict=True):
        for hint in (None, "access_token", "refresh_token"):
            data = {"token": tok} if hint is None else {"token": tok, "token_type_hint": hint}
            status, body, _ = await svc.post(
                "/oauth2/introspect", data=data, headers={"Authorization": svc.basic}
            )
            assert status == 200, (name, hint, status, body)
            assert want is None or body == want, (name, hint, body)
    # Refresh with a hostile token: invalid_grant, never a new token.
    for name, tok, _ in cases[:: max(1, len(cases) // 25)]:
        status, body, _ = await svc.post(
            "/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": tok},
            headers={"Authorization": svc.basic},
        )
        assert status == 400, (name, status, body)
        assert body["error"] == "invalid_grant", (name, status, body)
    # Revoking forged tokens (which carry the genuine jti/sub) must not revoke the genuine one.
    for name, tok, codes in cases:
        if "expired" in codes or name.startswith("BR-26"):
            continue  # genuinely signed by the service for this client: revocable
        status, body, _ = await svc.post(
            "/oauth2/revoke", data={"token": tok}, headers={"Authorization": svc.basic}
        )
        assert status == 200, (name, status, body)
    status, body = await svc.introspect(svc.access)
    assert body["active"] is True, "a forged token revoked the genuine one"


async def test_no_outbound_fetch_for_jku_x5u(svc: Service) -> None:
    """BR-11: jku / x5u / x5c never cause a fetch (a local listener sees no connection)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    atk = K.atk_ec_private()
    try:
        toks = []
        for extra in (
            {"jku": f"http://127.0.0.1:{port}/jwks.json"},
            {"x5u": f"http://127.0.0.1:{port}/cert"},
            {"jku": "file:///etc/hostname"},
            {"x5c": ["MIIB"]},
        ):
            toks.append(make_token({"alg": "ES256", "typ": "at+jwt", **extra}, svc.claims, atk))
            toks.append(
                make_token(
                    {"alg": "ES256", "kid": svc.kid, "typ": "at+jwt", **extra}, svc.claims, atk
                )
            )
        status, body = await svc.validate(toks)
        assert status == 200
        assert all(r["valid"] is False for r in body["results"])
        for t in toks:
            assert await svc.introspect(t) == (200, INACTIVE)
        await asyncio.sleep(0.2)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()


async def test_expired_token_introspects_exactly_inactive(svc: Service, clock: Any) -> None:
    """BR-39: after exp, introspection is exactly {"active": false}."""
    clock.advance(svc.claims["exp"] - svc.claims["iat"] + 1)
    assert await svc.introspect(svc.access) == (200, INACTIVE)


async def test_refresh_token_is_not_an_access_token(svc: Service) -> None:
    """BR-38 (b): the refresh token is refused where an access token is expected."""
    assert svc.refresh
    assert await svc.introspect(svc.refresh) == (200, INACTIVE)
    status, body = await svc.validate([svc.refresh])
    assert status == 200
    assert body["results"][0]["valid"] is False


async def test_validate_requires_an_audience(svc: Service) -> None:
    """BR-27: no profile without an audience over HTTP."""
    for extra in ({"audience": None}, {"audience": ""}, {"audience": []}, {"audience": [1]}):
        status, body, _ = await svc.post(
            "/v1/validate",
            json={"tokens": [svc.access], **extra},
            headers={"Authorization": svc.basic},
        )
        assert status == 400, (extra, body)
        assert body["error"] == "invalid_request", (extra, body)


async def test_non_string_tokens_in_batches(svc: Service) -> None:
    weird: list[Any] = [None, 1, 1.5, True, [], {}, ["a.b.c"], "", "x" * 10]
    status, body = await svc.validate(weird)
    assert status == 200
    assert [r["valid"] for r in body["results"]] == [False] * len(weird)
    assert all(r["error"]["code"] == "malformed" for r in body["results"][:7])
    status, body, _ = await svc.post(
        "/oauth2/introspect/batch", json={"tokens": weird}, headers={"Authorization": svc.basic}
    )
    assert status == 200
    assert body["results"] == [INACTIVE] * len(weird)


# ---------------------------------------------------------------------------
# Limits: each with a clear 4xx.
# ---------------------------------------------------------------------------
async def test_form_body_too_large(svc: Service) -> None:
    limit = svc.api.app[SETTINGS].max_body_bytes
    for path in ("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"):
        status, body, _ = await svc.post(
            path,
            data={"token": "x" * (limit + 10)},
            headers={"Authorization": svc.basic},
        )
        assert status == 413, (path, status, body)
        assert body["error"] == "invalid_request", (path, status, body)


async def test_form_body_too_large_chunked(svc: Service) -> None:
    """No Content-Length (chunked): the cap still holds while reading."""
    limit = svc.api.app[SETTINGS].max_body_bytes

    async def gen() -> Any:
        yield b"token="
        for _ in range(limit // 4096 + 2):
            yield b"A" * 4096

    status, body, _ = await svc.post(
        "/oauth2/introspect",
        data=gen(),
        headers={
            "Authorization": svc.basic,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert status == 413, (status, body)


async def test_json_body_too_large(svc: Service) -> None:
    limit = svc.api.app[SETTINGS].max_batch_body_bytes
    big = json.dumps({"tokens": ["a" * (limit + 10)], "audience": "x"}).encode()
    for path in ("/v1/validate", "/oauth2/introspect/batch"):
        status, body, _ = await svc.post(
            path,
            data=io.BytesIO(big),
            headers={"Authorization": svc.basic, "Content-Type": "application/json"},
        )
        assert status == 413, (path, status, body)


async def test_lying_content_length(svc: Service) -> None:
    """Declared length over the cap: refused before reading."""
    limit = svc.api.app[SETTINGS].max_body_bytes
    host, port = svc.api.http.host, svc.api.http.port
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(
            (
                "POST /oauth2/introspect HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {limit * 100}\r\n\r\ntoken=abc"
            ).encode()
        )
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        assert line.split()[1] == b"413", line
    finally:
        writer.close()


async def test_too_many_form_fields(svc: Service) -> None:
    n = svc.api.app[SETTINGS].max_form_fields
    data = {f"f{i}": "1" for i in range(n + 1)}
    data["token"] = svc.access
    status, body, _ = await svc.post(
        "/oauth2/introspect", data=data, headers={"Authorization": svc.basic}
    )
    assert status == 400, body
    assert body["error"] == "invalid_request", body
    # A thousand empty separators are not fields but still bounded.
    status, body, _ = await svc.post(
        "/oauth2/introspect",
        data="&" * 5000 + f"token={svc.access}",
        headers={"Authorization": svc.basic, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status in (200, 400), (status, body)


async def test_repeated_and_bad_form_parameters(svc: Service) -> None:
    ct = {"Authorization": svc.basic, "Content-Type": "application/x-www-form-urlencoded"}
    for raw in (
        f"token={svc.access}&token=x",
        "token=%00abc",
        "token=%ff%fe",
        "grant_type=password&grant_type=client_credentials",
    ):
        for path in ("/oauth2/introspect", "/oauth2/token"):
            status, body, _ = await svc.post(path, data=raw, headers=ct)
            assert status == 400, (path, raw, body)
            assert body["error"] == "invalid_request", (path, raw, body)


async def test_wrong_media_type_and_method(svc: Service) -> None:
    status, body, _ = await svc.post(
        "/oauth2/introspect", json={"token": svc.access}, headers={"Authorization": svc.basic}
    )
    assert status == 415, body
    status, body, _ = await svc.post(
        "/v1/validate", data={"tokens": svc.access}, headers={"Authorization": svc.basic}
    )
    assert status == 415, body
    resp = await svc.api.http.get("/oauth2/token")
    assert resp.status == 405
    resp = await svc.api.http.request("PROPFIND", "/v1/validate")
    assert 400 <= resp.status < 500


async def test_huge_headers(svc: Service) -> None:
    for headers in (
        {"X-Big": "a" * 9000},
        {"Authorization": "Basic " + "A" * 9000},
        {"Authorization": "Basic " + "A" * 3000},
        {f"X-H{i}": "v" * 100 for i in range(300)},
    ):
        try:
            resp = await svc.api.http.post(
                "/oauth2/introspect", data={"token": "x"}, headers=headers
            )
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            continue  # dropping the connection outright is an acceptable answer too
        assert 400 <= resp.status < 500, (list(headers)[:1], resp.status)


async def test_bad_client_authentication(svc: Service) -> None:
    cid, secret = svc.creds
    for auth in (
        "Basic",
        "Basic !!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic " + base64.b64encode(f"{cid}:{secret}x".encode()).decode(),
        "Basic " + base64.b64encode(f"{cid}\x00:{secret}".encode()).decode(),
        "Bearer " + svc.access,
        "Digest x",
        basic(cid, secret) + " trailing",
    ):
        status, body, headers = await svc.post(
            "/oauth2/introspect", data={"token": svc.access}, headers={"Authorization": auth}
        )
        assert status in (400, 401), (auth[:40], status, body)
        assert body["error"] in ("invalid_client", "invalid_request"), body
        if status == 401:
            assert "WWW-Authenticate" in headers
        assert secret not in json.dumps(body)


async def test_batch_too_large(svc: Service) -> None:
    n = svc.api.app[SETTINGS].max_batch
    for path, extra in (
        ("/v1/validate", {"audience": svc.audience}),
        ("/oauth2/introspect/batch", {}),
    ):
        status, body, _ = await svc.post(
            path,
            json={"tokens": ["x"] * (n + 1), **extra},
            headers={"Authorization": svc.basic},
        )
        assert status == 413, (path, status, body)
        assert body["error"] == "invalid_request", (path, status, body)
        status, body, _ = await svc.post(
            path, json={"tokens": ["x"] * n, **extra}, headers={"Authorization": svc.basic}
        )
        assert status == 200, (path, status)


async def test_token_over_8k(svc: Service) -> None:
    cap = svc.api.app[SETTINGS].max_token_bytes
    h, p, s = svc.access.split(".")
    long_tok = f"{h}.{p}{'A' * (cap - len(svc.access) + 4)}.{s}"
    assert len(long_tok) > cap
    assert await svc.introspect(long_tok) == (200, INACTIVE)
    status, body = await svc.validate([long_tok, "é" * (cap // 2 + 1)])
    assert [r["error"]["code"] for r in body["results"]] == ["too_large", "too_large"]
    status, body, _ = await svc.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "r" * (cap + 1)},
        headers={"Authorization": svc.basic},
    )
    assert status == 400, body


async def test_deep_json_bodies(svc: Service) -> None:
    for depth in (100, 2000, 200_000):
        raw = '{"tokens":' + "[" * depth + "]" * depth + ',"audience":"a"}'
        status, body, _ = await svc.post(
            "/v1/validate",
            data=raw,
            headers={"Authorization": svc.basic, "Content-Type": "application/json"},
        )
        assert status in (200, 400, 413), (depth, status, body)
    for raw in (
        "[]",
        "null",
        '"x"',
        "1e999999",
        '{"tokens":"abc"}',
        "{",
        "\ufeff{}",
        '{"tokens":[],"audience":"a"}',
    ):
        status, body, _ = await svc.post(
            "/v1/validate",
            data=raw.encode(),
            headers={"Authorization": svc.basic, "Content-Type": "application/json"},
        )
        assert status in (200, 400), (raw, status, body)


async def test_scope_and_audience_bounds(svc: Service) -> None:
    for extra in (
        {"scopes": ["s"] * 65},
        {"scopes": ["s" * 257]},
        {"scopes": "read"},
        {"scopes": [1]},
        {"audience": ["a" * 1025]},
        {"audience": ["a"] * 17},
    ):
        status, body, _ = await svc.post(
            "/v1/validate",
            json={"tokens": [svc.access], "audience": svc.audience, **extra},
            headers={"Authorization": svc.basic},
        )
        assert status == 400, (extra, status, body)
    status, body, _ = await svc.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "s " * 2000},
        headers={"Authorization": svc.basic},
    )
    assert status == 400, body
    status, body, _ = await svc.post(
        "/oauth2/token",
        data={"grant_type": "password", "username": "u" * 257, "password": "p"},
        headers={"Authorization": svc.basic},
    )
    assert status == 400, body


# ---------------------------------------------------------------------------
# Slow / stalled clients.
# ---------------------------------------------------------------------------
#: A stalled request must be dropped (or answered 408) within this many seconds.
STALL_BOUND = 10.0


async def _stalled(svc: Service, payload: bytes) -> tuple[float, bytes]:
    """Send ``payload`` and stall; return (seconds until the server gave up, what it sent)."""
    reader, writer = await asyncio.open_connection(svc.api.http.host, svc.api.http.port)
    start = time.monotonic()
    try:
        writer.write(payload)
        await writer.drain()
        try:
            data = await asyncio.wait_for(reader.read(4096), STALL_BOUND + 2)
        except TimeoutError:
            return float("inf"), b""
        return time.monotonic() - start, data
    finally:
        writer.close()


async def test_stalled_headers_and_body_are_timed_out(svc: Service) -> None:
    """With the *default* settings: stalls mid-headers, mid-body and before the first
    byte are all dropped (or answered 408) within STALL_BOUND (run concurrently)."""
    settings = svc.api.app[SETTINGS]
    assert max(settings.idle_timeout, settings.body_timeout) < STALL_BOUND
    results = await asyncio.gather(
        _stalled(svc, b"POST /oauth2/introspect HTTP/1.1\r\nHost: x\r\nX-A: "),
        _stalled(
            svc,
            b"POST /oauth2/introspect HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
            b"token=ab",
        ),
        _stalled(svc, b""),
        _stalled(svc, b"POST /oauth2/introspect HTTP/1.1\r\n"),
    )
    for (elapsed, data), what in zip(
        results, ("mid-headers", "mid-body", "silent", "request line only"), strict=True
    ):
        assert elapsed <= STALL_BOUND, f"stalled client ({what}) not timed out"
        assert data == b"" or data.split()[1] in (b"408", b"400"), (what, data[:80])


async def test_many_idle_connections_do_not_block_service(svc: Service) -> None:
    """Idle connections must not starve a normal request (single event loop)."""
    conns = []
    try:
        for _ in range(50):
            conns.append(await asyncio.open_connection(svc.api.http.host, svc.api.http.port))
            conns[-1][1].write(b"POST /oauth2/introspect HTTP/1.1\r\nHost: x\r\n")
        start = time.monotonic()
        status, body = await svc.introspect(svc.access)
        assert status == 200
        assert body["active"] is True
        assert time.monotonic() - start < 5
    finally:
        for _, w in conns:
            w.close()


# ---------------------------------------------------------------------------
# Secrets never reach logs or error messages.
# ---------------------------------------------------------------------------
async def test_logs_and_errors_never_contain_secrets(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "Tr0ub4dor&3-very-secret-pw"
    wrong_password = "wrong-pw-4f3b2a1c9e8d"
    await api.create_user("mallory", password)
    cid, secret = await api.create_client("log-scan")
    sensitive: list[str] = [password, wrong_password, secret, secret[:-1] + "x"]
    bodies: list[str] = []

    async def call(path: str, **kw: Any) -> Any:
        resp = await api.http.post(path, **kw)
        text = await resp.text()
        bodies.append(text)
        assert resp.status < 500, (path, resp.status, text)
        return json.loads(text) if text else None

    auth = {"Authorization": basic(cid, secret)}
    tok = await call(
        "/oauth2/token",
        data={"grant_type": "password", "username": "mallory", "password": password},
        headers=auth,
    )
    at, rt = tok["access_token"], tok["refresh_token"]
    sensitive += [at, rt]
    await call("/oauth2/introspect", data={"token": at}, headers=auth)
    await call("/v1/validate", json={"tokens": [at, at + "x"], "audience": "a"}, headers=auth)
    tok2 = await call(
        "/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": rt}, headers=auth
    )
    sensitive += [tok2["access_token"], tok2["refresh_token"]]
    # Reuse of the rotated refresh token, wrong password, wrong secret, unknown user.
    await call(
        "/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": rt}, headers=auth
    )
    await call(
        "/oauth2/token",
        data={"grant_type": "password", "username": "mallory", "password": wrong_password},
        headers=auth,
    )
    await call(
        "/oauth2/token",
        data={"grant_type": "password", "username": "nobody", "password": wrong_password},
        headers=auth,
    )
    await call(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic(cid, secret[:-1] + "x")},
    )
    await call(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": cid,
            "client_secret": secret[:-1] + "x",
        },
    )
    await call(
        "/oauth2/token",
        data={
            "grant_type": "password",
            "username": "mallory",
            "password": password,
            "password ": password,
        },
        headers=auth,
    )
    await call("/oauth2/revoke", data={"token": tok2["refresh_token"]}, headers=auth)
    await call("/oauth2/revoke", data={"token": at}, headers=auth)
    await call("/oauth2/introspect", data={"token": at}, headers=auth)
    # Client errors that echo input: parameter names, bad media types.
    await call(
        "/oauth2/introspect",
        data=f"token={at}&token={at}",
        headers={**auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    await call("/oauth2/introspect", json={"token": at}, headers=auth)

    log_text = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )
    for value in sensitive:
        assert value not in log_text, f"secret/token leaked into the logs: {value[:12]}…"
        for body in bodies:
            if value in (at, rt, tok2["access_token"], tok2["refresh_token"]):
                continue  # token responses legitimately contain the tokens they issue
            assert value not in body, f"secret leaked into a response: {value[:12]}…"
    # JWT signature segments alone are enough to replay: none in the logs either.
    for t in (at, tok2["access_token"]):
        assert t.split(".")[2] not in log_text


async def test_access_log_never_records_query_string_tokens(
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
    log_text = "\n".join(r.getMessage() for r in caplog.records)
    assert at.split(".")[2] not in log_text, "full token in the access log"
