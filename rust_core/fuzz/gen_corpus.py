"""Regenerate the fuzz key set and seed corpora (run from the repo root):

    .venv/bin/python rust_core/fuzz/gen_corpus.py

Keys are the fixture keys of the hostile-input recipes (tests/helpers/keys.py:
hs-1, rsa-1 = RFC 7515 A.2, ec-1 = RFC 7515 A.3, ed-1 = RFC 8037 A.1, ec-521 =
RFC 7520) plus fixed extra keys so that every algorithm has exactly one entry.
Tokens are built with tests/helpers/jose.py (pyca/cryptography), never with
tokenward itself. Output is deterministic except for the randomized RSA-PSS and
ECDSA signatures; keep the corpus small (< 2 MB).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402
from helpers import keys as K  # noqa: E402
from helpers.jose import b64u, b64u_decode, json_bytes, make_token, raw_signature  # noqa: E402

FUZZ = Path(__file__).resolve().parent
T = 1_750_000_000
C0 = {
    "iss": "https://issuer.example",
    "aud": "api://tokensvc",
    "sub": "user-1",
    "scope": "read",
    "iat": T,
    "nbf": T,
    "exp": T + 300,
    "jti": "j-1",
}
HS384_SECRET = bytes(range(100, 148))
HS512_SECRET = bytes(range(150, 214))
TESTDATA = ROOT / "tests" / "data"


def signers() -> dict[str, tuple[str, object]]:
    """kid -> (alg, private key); one entry per algorithm."""
    rsa1 = K.rsa1_private()
    return {
        "hs-1": ("HS256", K.HS1_SECRET),
        "hs-384": ("HS384", HS384_SECRET),
        "hs-512": ("HS512", HS512_SECRET),
        "rsa-1": ("RS256", rsa1),
        "rsa-rs384": ("RS384", rsa1),
        "rsa-rs512": ("RS512", rsa1),
        "rsa-ps256": ("PS256", rsa1),
        "rsa-ps384": ("PS384", rsa1),
        "rsa-ps512": ("PS512", rsa1),
        "ec-1": ("ES256", K.ec1_private()),
        "ec-384": ("ES384", K.p384_private()),
        "ec-521": ("ES512", K.ec521_private()),
        "ed-1": ("EdDSA", K.ed1_private()),
    }


def fuzz_jwks() -> dict[str, object]:
    out = []
    for kid, (alg, key) in signers().items():
        if isinstance(key, bytes):
            out.append({"kty": "oct", "kid": kid, "alg": alg, "k": b64u(key)})
        else:
            out.append(K.public_jwk(key, kid=kid, alg=alg))
    return {"keys": out}


def rfc_jwks() -> dict[str, object]:
    """RFC 7515 A.1-A.4 and RFC 8037 keys, one per algorithm, kids a1..a5."""
    examples = json.loads((TESTDATA / "rfc_jws_examples.json").read_text())
    out, seen = [], set()
    for i, ex in enumerate(examples):
        if ex["alg"] in seen or ex["source"].startswith("RFC 7520"):
            continue
        seen.add(ex["alg"])
        jwk = {k: v for k, v in ex["jwk"].items() if k not in ("kid", "use")}
        out.append({**jwk, "kid": f"a{i + 1}", "alg": ex["alg"]})
    return {"keys": out}


def write(target: str, name: str, data: bytes) -> None:
    d = FUZZ / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}-{hashlib.sha256(data).hexdigest()[:10]}").write_bytes(data)


def raw_token(h: bytes, p: bytes, kid: str) -> str:
    alg, key = signers()[kid]
    return make_token(h, p, key, alg)


def jws_seeds() -> None:
    t = "jws_verify"
    for kid, (alg, key) in signers().items():
        write(t, f"valid-{alg}", make_token({"alg": alg, "kid": kid}, C0, key).encode())
    write(t, "valid-nokid", make_token({"alg": "HS512"}, C0, HS512_SECRET).encode())
    typ = {"alg": "HS256", "kid": "hs-1", "typ": "at+jwt"}
    write(t, "typ-scopes", make_token(typ, {**C0, "scope": "read write"}, K.HS1_SECRET).encode())
    write(t, "scp", make_token(typ, {**C0, "scp": ["read", "write"]}, K.HS1_SECRET).encode())
    for ex in json.loads((TESTDATA / "rfc_jws_examples.json").read_text()):
        write(t, "rfc", ex["token"].encode())
    hs = make_token({"alg": "HS256", "kid": "hs-1"}, C0, K.HS1_SECRET)
    h, p, s = hs.split(".")
    c0 = b64u(json_bytes(C0))
    hostile = {
        "none": f"eyJhbGciOiJub25lIn0.{c0}.",
        "NONE-padded": f"eyJhbGciOiJOT05FIn0=.{c0}.",
        "crit": raw_token(
            b'{"alg":"HS256","kid":"hs-1","crit":["urn:x"],"urn:x":1}', json_bytes(C0), "hs-1"
        ),
        "crit-empty": raw_token(b'{"alg":"HS256","kid":"hs-1","crit":[]}', json_bytes(C0), "hs-1"),
        "dup-alg": raw_token(b'{"alg":"HS256","alg":"HS512","kid":"hs-1"}', json_bytes(C0), "hs-1"),
        "dup-esc": raw_token(
            b'{"alg":"HS256","\\u0061lg":"none","kid":"hs-1"}', json_bytes(C0), "hs-1"
        ),
        "noncanon-sig": f"{h}.{p}.{s[:-1]}{'Z' if s[-1] != 'Z' else 'Y'}",
        "whitespace": f"{h} . {p} . {s}",
        "trailing-dot": f"{hs}.",
        "jwe5": f"{h}.{p}.{s}.AA.AA",
        "dots": "." * 200,
        "es-zero": b64u(b'{"alg":"ES256","kid":"ec-1"}') + f".{c0}." + "A" * 86,
        "kid-path": make_token({"alg": "HS256", "kid": "../../../../dev/null"}, C0, b"\0" * 32),
        "kid-long": make_token({"alg": "HS256", "kid": "k" * 300}, C0, K.HS1_SECRET),
        "nbf-str": make_token({"alg": "HS256", "kid": "hs-1"}, {**C0, "nbf": "9"}, K.HS1_SECRET),
        "exp-list": make_token({"alg": "HS256", "kid": "hs-1"}, {**C0, "exp": [T]}, K.HS1_SECRET),
        "aud-list": make_token(
            {"alg": "HS256", "kid": "hs-1"}, {**C0, "aud": ["x", "api://tokensvc"]}, K.HS1_SECRET
        ),
        "iss-sub": make_token({"alg": "HS256", "kid": "hs-1"}, {**C0, "iss": "http"}, K.HS1_SECRET),
        "expired": make_token(
            {"alg": "HS256", "kid": "hs-1"}, {**C0, "exp": T - 3600}, K.HS1_SECRET
        ),
        "numbers": raw_token(
            b'{"alg":"HS256","kid":"hs-1"}',
            json_bytes(C0)[:-1] + b',"a":1e400,"b":-0,"c":18446744073709551616,"d":1.5e-320}',
            "hs-1",
        ),
        "surrogate": raw_token(b'{"alg":"HS256","kid":"hs-1"}', b'{"x":"\\ud800"}', "hs-1"),
        "deep": raw_token(
            b'{"alg":"HS256","kid":"hs-1"}', b'{"x":' + b"[" * 40 + b"]" * 40 + b"}", "hs-1"
        ),
        "bom": raw_token(b'{"alg":"HS256","kid":"hs-1"}', b"\xef\xbb\xbf" + json_bytes(C0), "hs-1"),
        "zip": raw_token(b'{"alg":"HS256","kid":"hs-1","zip":"DEF"}', b"\xcb\x48\x05\x00", "hs-1"),
        "embedded-jwk": make_token(
            {"alg": "ES256", "kid": "ec-1", "jwk": K.public_jwk(K.atk_ec_private())},
            C0,
            K.atk_ec_private(),
        ),
        "hs-with-rsa-kid": make_token(
            {"alg": "HS256", "kid": "rsa-1"}, C0, K.spki_pem(K.rsa1_private())
        ),
    }
    for name, tok in hostile.items():
        write(t, name, tok.encode())
    ec = make_token({"alg": "ES256", "kid": "ec-1"}, C0, K.ec1_private())
    eh, ep, es = ec.split(".")
    raw = b64u_decode(es)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    write(t, "es-der", f"{eh}.{ep}.{b64u(der)}".encode())
    write(t, "es-65", f"{eh}.{ep}.{b64u(bytes(1) + raw)}".encode())


def claims_seeds() -> None:
    """claims_resigned: [selector] header-json 0xFF payload-json (re-signed by the target)."""
    t = "claims_resigned"
    hdr = b'{"alg":"HS256","kid":"hs-1"}'
    payloads = {
        "c0": json_bytes(C0),
        "typ": json_bytes({**C0, "scope": "read write"}),
        "scp": json_bytes({**C0, "scp": ["read", "write"], "scope": None}),
        "odd-numbers": b'{"exp":1e400,"nbf":-0,"iat":-0.0,"n":18446744073709551616,'
        b'"m":-9223372036854775809}',
        "big-exp": b'{"exp":9007199254740992,"iss":"https://issuer.example","aud":"api://tokensvc"}',
        "long-num": b'{"exp":' + b"1" * 4301 + b"}",
        "dup": b'{"exp":1,"exp":2}',
        "dup-esc": b'{"iss":"a","\\u0069ss":"b"}',
        "aud-types": b'{"aud":[1,null,"api://tokensvc"],"exp":1e10,"iss":"https://issuer.example"}',
        "deep": b'{"a":' + b'{"a":' * 33 + b"1" + b"}" * 34,
        "surrogates": b'{"sub":"\\ud83d\\ude00","x":"\\udc00"}',
        "ws": b' \t\r\n{ "exp" : 1 } \n',
        "bool-exp": b'{"exp":true}',
    }
    for i, (name, p) in enumerate(payloads.items()):
        write(t, f"p-{name}", bytes([i % 6]) + hdr + b"\xff" + p)
    headers = {
        "typ": b'{"alg":"HS256","kid":"hs-1","typ":"application/AT+JWT"}',
        "crit": b'{"alg":"HS256","crit":["exp"]}',
        "kid-num": b'{"alg":"HS256","kid":7}',
        "alg-none": b'{"alg":"none"}',
        "b64": b'{"alg":"HS384","kid":"hs-384","b64":false}',
    }
    for name, h in headers.items():
        write(t, f"h-{name}", b"\x01" + h + b"\xff" + json_bytes(C0))


def jwk_seeds() -> None:
    t = "jwk_parse"
    write(t, "fuzz-jwks", json_bytes(fuzz_jwks()))
    write(t, "rfc-jwks", json_bytes(rfc_jwks()))
    for key in fuzz_jwks()["keys"]:  # type: ignore[union-attr]
        write(t, f"one-{key['kid']}", json_bytes({"keys": [key]}))
    ed = K.public_jwk(K.ed1_private(), kid="x")
    odd = {
        "empty": b'{"keys":[]}',
        "dup-kid": json_bytes({"keys": [ed, ed]}),
        "oct-pem": json_bytes(
            {"keys": [{"kty": "oct", "alg": "HS256", "k": b64u(K.spki_pem(K.rsa1_private()))}]}
        ),
        "oct-jwk": json_bytes(
            {"keys": [{"kty": "oct", "alg": "HS256", "k": b64u(json_bytes(ed) * 2)}]}
        ),
        "rsa-e1": json_bytes({"keys": [{"kty": "RSA", "alg": "RS256", "n": K.RSA1_N, "e": "AQ"}]}),
        "ec-offcurve": json_bytes(
            {"keys": [{"kty": "EC", "crv": "P-256", "x": K.EC1_X, "y": K.EC1_X}]}
        ),
        "use-enc": json_bytes({"keys": [{**ed, "use": "enc"}]}),
        "key-ops": json_bytes({"keys": [{**ed, "key_ops": ["sign"]}]}),
        "mixed": json_bytes(
            {"keys": [ed, {"kty": "oct", "alg": "HS256", "k": b64u(K.HS1_SECRET)}]}
        ),
        "private": json_bytes({"keys": [K.private_jwk(K.ec1_private(), kid="p")]}),
    }
    for name, data in odd.items():
        write(t, name, data)
    wk = json.loads((TESTDATA / "wycheproof" / "json_web_key_test.json").read_text())
    for i, group in enumerate(wk.get("testGroups", [])):
        for field in ("private", "public"):
            v = group.get(field)
            if isinstance(v, dict):
                doc = v if "keys" in v else {"keys": [v]}
                write(t, f"wycheproof-g{i}-{field}", json_bytes(doc))


def json_seeds() -> None:
    t = "json_strict"
    docs = [
        json_bytes(C0),
        b'{"a":[1,2.5,-0,1e400,true,false,null,"\\u00e9\\ud83d\\ude00"]}',
        b'{"a":1,"a":2}',
        b'{"a":1,"\\u0061":2}',
        b"[" * 33 + b"]" * 33,
        b"[" * 32 + b"]" * 32,
        b"1" * 4300,
        b"1" * 4301,
        b"-" + b"9" * 30 + b".5e-400",
        b"18446744073709551615",
        b"18446744073709551616",
        b"-9223372036854775808",
        b"-9223372036854775809",
        b'"\\ud800"',
        b'"\\udc00\\ud800"',
        b"\xef\xbb\xbf{}",
        b"{} ",
        b"{},",
        b"[1,]",
        b"NaN",
        b'{"a":"\xff"}',
        b"/*c*/{}",
        b'{"k":"' + b"\\\\" * 50 + b'"}',
    ]
    for i, d in enumerate(docs):
        write(t, f"doc{i}", d)


def main() -> None:
    keys_dir = FUZZ / "keys"
    keys_dir.mkdir(exist_ok=True)
    (keys_dir / "fuzz_jwks.json").write_text(json.dumps(fuzz_jwks(), indent=1) + "\n")
    (keys_dir / "rfc_jwks.json").write_text(json.dumps(rfc_jwks(), indent=1) + "\n")
    secrets = {"HS256": K.HS1_SECRET, "HS384": HS384_SECRET, "HS512": HS512_SECRET}
    (keys_dir / "hmac_secrets.json").write_text(
        json.dumps({a: b64u(s) for a, s in secrets.items()}, indent=1) + "\n"
    )
    shutil.rmtree(FUZZ / "corpus", ignore_errors=True)
    jws_seeds()
    claims_seeds()
    jwk_seeds()
    json_seeds()
    _ = raw_signature  # re-exported for ad-hoc use


if __name__ == "__main__":
    main()
