"""Property test: the Rust core and the Python twin agree on every (mutated) token.

Valid tokens for every algorithm are built from hypothesis-drawn claims and then
mutated: bit flips in each segment, segment swaps, header edits (alg, kid, crit,
typ, jwk ...) with or without re-signing, claim edits re-signed with the right
key, raw JSON re-signed, random bytes, truncations and insertions. Both backends
must return the same claims (same types: 1 and 1.0 differ) or the same error
code, through ``validate``, ``validate_many`` and ``verify_jws``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from helpers import keys as K
from helpers.backends import T, rust_import_error
from helpers.jose import b64u, b64u_decode, json_bytes, make_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(
    rust_import_error() is not None,
    reason=f"differential test needs both backends ({rust_import_error()})",
)

SETTINGS = settings(
    max_examples=int(os.environ.get("TOKENWARD_DIFF_EXAMPLES", "300")),
    deadline=None,
    derandomize=True,  # deterministic in CI; raise TOKENWARD_DIFF_EXAMPLES to explore
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)

ISS = "https://issuer.example"
AUD = "api://tokensvc"


def _signers() -> dict[str, tuple[str, Any]]:
    return {
        "hs-1": ("HS256", K.HS1_SECRET),
        "hs-384": ("HS384", bytes(range(100, 148))),
        "hs-512": ("HS512", bytes(range(64, 128))),
        "rsa-1": ("RS256", K.rsa1_private()),
        "rsa-384": ("RS384", K.rsa1_private()),
        "ps-256": ("PS256", K.rsa1_private()),
        "ps-512": ("PS512", K.rsa1_private()),
        "ec-1": ("ES256", K.ec1_private()),
        "ec-384": ("ES384", K.p384_private()),
        "ec-521": ("ES512", K.ec521_private()),
        "ed-1": ("EdDSA", K.ed1_private()),
    }


SIGNERS = _signers()


def _jwks() -> dict[str, Any]:
    keys = []
    for kid, (alg, key) in SIGNERS.items():
        if alg.startswith("HS"):
            keys.append({"kty": "oct", "kid": kid, "alg": alg, "k": b64u(key)})
        else:
            keys.append(K.public_jwk(key, kid=kid, alg=alg))
    return {"keys": keys}


class Pair:
    """The same key set and validators on both backends."""

    def __init__(self) -> None:
        import tokenward

        self.tw = tokenward
        self.keys = {
            b: tokenward.KeySet.from_jwks(_jwks(), allow_mixed=True, backend=b)
            for b in ("rust", "python")
        }
        self.validators = {
            b: tokenward.Validator(
                self.keys[b],
                algorithms=list(tokenward.ALGORITHMS),
                issuer=ISS,
                audience=AUD,
                leeway=30,
                require=("exp", "iss", "aud"),
            )
            for b in ("rust", "python")
        }
        self.typed = {
            b: tokenward.Validator(
                self.keys[b],
                algorithms=["HS256", "ES256", "EdDSA", "RS256"],
                issuer=[ISS, "other"],
                audience=[AUD, "x"],
                typ="at+jwt",
                require=(),
                max_token_bytes=1024,
            )
            for b in ("rust", "python")
        }


_PAIR: Pair | None = None


def pair() -> Pair:
    global _PAIR
    if _PAIR is None:
        _PAIR = Pair()
    return _PAIR


def tagged(x: Any) -> Any:
    """A comparison key that keeps JSON types apart (1 vs 1.0 vs True)."""
    if isinstance(x, dict):
        return ("dict", [(k, tagged(v)) for k, v in x.items()])
    if isinstance(x, list):
        return ("list", [tagged(v) for v in x])
    if isinstance(x, float):
        return ("float", x.hex())
    return (type(x).__name__, x)


def outcomes(token: Any, scopes: Any) -> dict[str, Any]:
    p = pair()
    from tokenward.exceptions import InvalidTokenError

    out: dict[str, Any] = {}
    for b in ("rust", "python"):
        res: list[Any] = []
        for v in (p.validators[b], p.typed[b]):
            try:
                res.append(("ok", tagged(v.validate(token, now=T, scopes=scopes))))
            except InvalidTokenError as exc:
                res.append(("err", exc.code, type(exc).__name__))
            (many,) = v.validate_many([token], now=T, scopes=scopes)
            if isinstance(many, dict):
                res.append(("ok", tagged(many)))
            else:
                res.append(("err", many.code, type(many).__name__))
        try:
            payload = p.tw.verify_jws(token, p.keys[b], algorithms=list(p.tw.ALGORITHMS))
            res.append(("ok", payload))
        except InvalidTokenError as exc:
            res.append(("err", exc.code, type(exc).__name__))
        out[b] = res
    return out


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------
times = st.one_of(
    st.integers(min_value=T - 400, max_value=T + 400),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([T, T - 30, T - 31, T + 30, T + 31, 2**53 - 1, 2**53, 0, -1]),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)
json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def claims_strategy(draw: st.DrawFn) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if draw(st.booleans()) or True:
        claims["iss"] = draw(st.sampled_from([ISS, "other", "http", ISS + "/", 1, [ISS]]))
    if draw(st.integers(0, 9)):
        claims["aud"] = draw(
            st.sampled_from([AUD, [AUD], ["x", AUD], [], "", None, 1, ["nope"], "x"])
        )
    for name in ("exp", "nbf", "iat"):
        roll = draw(st.integers(0, 9))
        if name == "exp" and roll:
            claims[name] = T + 60 if roll > 4 else draw(times)
        elif roll > 6:
            claims[name] = draw(times)
    if draw(st.booleans()):
        claims["scope"] = draw(st.sampled_from(["read", "read write", " read  ", "", 5]))
    if draw(st.booleans()):
        claims["scp"] = draw(st.sampled_from([["read"], [], ["read", 1], "read"]))
    if draw(st.booleans()):
        claims[draw(st.text(max_size=4))] = draw(json_value)
    return claims


HEADER_EDITS = st.sampled_from(
    [
        {"alg": "none"},
        {"alg": "NONE"},
        {"alg": "HS256"},
        {"alg": "RS256"},
        {"alg": "ES256"},
        {"alg": "EdDSA"},
        {"alg": "PS512"},
        {"alg": "hs256"},
        {"alg": None},
        {"alg": 1},
        {"kid": "nope"},
        {"kid": None},
        {"kid": 5},
        {"kid": "x" * 300},
        {"kid": "hs-1"},
        {"kid": "ec-1"},
        {"crit": ["x"], "x": 1},
        {"crit": []},
        {"crit": "x"},
        {"typ": "at+jwt"},
        {"typ": "application/AT+JWT"},
        {"typ": "JWT"},
        {"typ": 1},
        {"jwk": {"kty": "oct", "k": "AAAA"}},
        {"jku": "https://attacker.example"},
        {"b64": False},
        {"zip": "DEF"},
    ]
)


def _flip_bit(seg: str, data: st.DataObject) -> str:
    raw = bytearray(b64u_decode(seg)) if seg else bytearray()
    if not raw:
        return seg + "A"
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= 1 << data.draw(st.integers(0, 7))
    return b64u(bytes(raw))


@given(data=st.data())
@SETTINGS
def test_backends_agree(data: st.DataObject) -> None:
    kid = data.draw(st.sampled_from(sorted(SIGNERS)))
    alg, key = SIGNERS[kid]
    claims = data.draw(claims_strategy())
    header: dict[str, Any] = {"alg": alg}
    if data.draw(st.integers(0, 4)):
        header["kid"] = kid
    if data.draw(st.booleans()):
        header["typ"] = data.draw(st.sampled_from(["at+jwt", "JWT"]))
    token = make_token(header, claims, key, alg)
    h, p, s = token.split(".")
    op = data.draw(
        st.sampled_from(
            [
                "none",
                "flip-header",
                "flip-payload",
                "flip-signature",
                "flip-char",
                "swap",
                "header-edit",
                "header-edit-resign",
                "raw-json-resign",
                "random",
                "truncate",
                "insert",
                "wrong-key",
            ]
        )
    )
    if op == "flip-header":
        token = f"{_flip_bit(h, data)}.{p}.{s}"
    elif op == "flip-payload":
        token = f"{h}.{_flip_bit(p, data)}.{s}"
    elif op == "flip-signature":
        token = f"{h}.{p}.{_flip_bit(s, data)}"
    elif op == "flip-char":
        i = data.draw(st.integers(0, len(token) - 1))
        token = (
            token[:i] + chr(ord(token[i]) ^ (1 << data.draw(st.integers(0, 6)))) + token[i + 1 :]
        )
    elif op == "swap":
        segs = [h, p, s]
        order = data.draw(st.permutations([0, 1, 2]))
        token = ".".join(segs[i] for i in order)
    elif op in ("header-edit", "header-edit-resign"):
        edit = data.draw(HEADER_EDITS)
        new_header = {**header, **edit}
        new_header = {k: v for k, v in new_header.items() if v is not None or k in edit}
        hb = json_bytes(new_header)
        if op == "header-edit":
            token = f"{b64u(hb)}.{p}.{s}"
        else:
            token = make_token(hb, json_bytes(claims), key, alg)
    elif op == "raw-json-resign":
        raw = data.draw(
            st.one_of(
                st.binary(max_size=60),
                st.text(max_size=60).map(str.encode),
                st.sampled_from(
                    [
                        b'{"exp":1e400}',
                        b'{"exp":%d,"exp":1}' % (T + 60),
                        b'{"a":"\\ud800"}',
                        b"\xef\xbb\xbf{}",
                        b'{"exp":NaN}',
                        b"[" * 40 + b"]" * 40,
                        b'{"iss":"https://issuer.example","aud":"api://tokensvc","exp":%d}'
                        % (T + 60),
                        b'{"n":' + b"1" * 4301 + b"}",
                        b'{"n":18446744073709551616,"m":-9223372036854775809}',
                    ]
                ),
            )
        )
        target = data.draw(st.sampled_from(["payload", "header"]))
        if target == "payload":
            token = make_token(json_bytes(header), raw, key, alg)
        else:
            token = make_token(raw, json_bytes(claims), key, alg)
    elif op == "random":
        token = data.draw(
            st.one_of(
                st.text(alphabet="ABCabc012-_.=+/ \n", max_size=80),
                st.binary(max_size=80),
                st.text(max_size=40),
            )
        )
    elif op == "truncate":
        token = token[: data.draw(st.integers(0, len(token)))]
    elif op == "insert":
        i = data.draw(st.integers(0, len(token)))
        token = (
            token[:i] + data.draw(st.sampled_from([".", "=", " ", "A", "\u00e9", "\n"])) + token[i:]
        )
    elif op == "wrong-key":
        other_kid = data.draw(st.sampled_from(sorted(SIGNERS)))
        o_alg, o_key = SIGNERS[other_kid]
        token = make_token({**header, "alg": o_alg}, claims, o_key, o_alg)
    if data.draw(st.integers(0, 9)) == 0:
        token = token.encode() if isinstance(token, str) else token
    scopes = data.draw(st.sampled_from([None, set(), {"read"}, {"read", "write"}]))
    got = outcomes(token, scopes)
    assert got["rust"] == got["python"], (op, token if len(str(token)) < 400 else "...", got)


def test_pair_sanity() -> None:
    """The differential harness itself accepts a good token on both sides."""
    token = make_token(
        {"alg": "ES256", "kid": "ec-1", "typ": "at+jwt"},
        {"iss": ISS, "aud": AUD, "exp": T + 60},
        K.ec1_private(),
    )
    got = outcomes(token, None)
    assert got["rust"] == got["python"]
    assert got["rust"][0][0] == "ok"
    assert got["rust"][2][0] == "ok"
    assert json.loads(got["rust"][-1][1])["iss"] == ISS


# ---------------------------------------------------------------------------
# A fixed corpus of edge cases, so the default 300-example run still covers them.
# ---------------------------------------------------------------------------
def _corpus() -> list[tuple[str, Any]]:
    alg, key = SIGNERS["hs-1"]
    good_claims = {"iss": ISS, "aud": AUD, "exp": T + 60}
    payload = json_bytes(good_claims)

    def hs(header: bytes, body: bytes = payload) -> str:
        return make_token(header, body, key, alg)

    return [
        ("kid null", hs(b'{"alg":"HS256","kid":null}')),
        ("kid empty", hs(b'{"alg":"HS256","kid":""}')),
        ("kid 256 bytes", hs(b'{"alg":"HS256","kid":"' + b"k" * 256 + b'"}')),
        ("alg null", hs(b'{"alg":null,"kid":"hs-1"}')),
        ("typ null", hs(b'{"alg":"HS256","kid":"hs-1","typ":null}')),
        ("crit null", hs(b'{"alg":"HS256","kid":"hs-1","crit":null}')),
        ("crit empty", hs(b'{"alg":"HS256","kid":"hs-1","crit":[]}')),
        ("dup escaped", hs(b'{"alg":"HS256","\\u0061lg":"HS256","kid":"hs-1"}')),
        ("lone surrogate key", hs(b'{"alg":"HS256","kid":"hs-1","\\udfff":1}')),
        (
            "exp -0",
            hs(
                b'{"alg":"HS256","kid":"hs-1"}',
                b'{"exp":-0,"iss":"%s","aud":"%s"}' % (ISS.encode(), AUD.encode()),
            ),
        ),
        ("exp 1e2", hs(b'{"alg":"HS256","kid":"hs-1"}', b'{"exp":1e2}')),
        (
            "exp 2^53-1 float",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":9007199254740991.0}' % (ISS.encode(), AUD.encode()),
            ),
        ),
        (
            "exp 2^53 float",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":9.007199254740992e15}'
                % (ISS.encode(), AUD.encode()),
            ),
        ),
        (
            "u64",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":%d,"n":18446744073709551615,"m":18446744073709551616}'
                % (ISS.encode(), AUD.encode(), T + 60),
            ),
        ),
        (
            "i64 min-1",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":%d,"n":-9223372036854775809}'
                % (ISS.encode(), AUD.encode(), T + 60),
            ),
        ),
        (
            "float rounding",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":%d,"f":2.2250738585072011e-308,"g":0.1e1,"h":1E+2}'
                % (ISS.encode(), AUD.encode(), T + 60),
            ),
        ),
        (
            "depth 32",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":%d,"d":%s}'
                % (ISS.encode(), AUD.encode(), T + 60, b"[" * 31 + b"]" * 31),
            ),
        ),
        ("depth 33", hs(b'{"alg":"HS256"}', b'{"d":%s}' % (b"[" * 32 + b"]" * 32))),
        (
            "nul in string",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":%d,"s":"a\\u0000b"}'
                % (ISS.encode(), AUD.encode(), T + 60),
            ),
        ),
        (
            "del char raw",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":%d,"s":"\x7f"}'
                % (ISS.encode(), AUD.encode(), T + 60),
            ),
        ),
        ("bom payload", hs(b'{"alg":"HS256"}', b"\xef\xbb\xbf" + payload)),
        (
            "scope tabs",
            hs(
                b'{"alg":"HS256"}',
                b'{"iss":"%s","aud":"%s","exp":%d,"scope":"read\\twrite"}'
                % (ISS.encode(), AUD.encode(), T + 60),
            ),
        ),
        (
            "scope nbsp",
            hs(
                b'{"alg":"HS256"}',
                '{"iss":"%s","aud":"%s","exp":%d,"scope":"read\u00a0write read"}'.encode()
                % (ISS.encode(), AUD.encode(), T + 60),
            ),
        ),
        ("bytes token", hs(b'{"alg":"HS256","kid":"hs-1"}').encode()),
        ("latin-1 bytes", b"\xe9\xe9.\xe9.\xe9"),
        ("surrogate str", "\ud800.e30.AA"),
        ("typ Application", hs(b'{"alg":"HS256","kid":"hs-1","typ":"APPLICATION/AT+JWT"}')),
    ]


CORPUS = _corpus()


@pytest.mark.parametrize(("name", "token"), CORPUS, ids=[n for n, _ in CORPUS])
def test_backends_agree_on_corpus(name: str, token: Any) -> None:
    for scopes in (None, {"read"}):
        got = outcomes(token, scopes)
        assert got["rust"] == got["python"], (name, got)
