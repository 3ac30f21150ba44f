"""Token framing (semantics §3) and strict JSON (§6), on header and payload."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import keys as K
from helpers.asserts import raises_exactly
from helpers.backends import T
from helpers.jose import b64u, make_token
from helpers.paths import assert_rejected_everywhere

ISS = "https://issuer.example"
AUD = "api://tokensvc"
HDR = b'{"alg":"HS256","kid":"hs-1"}'


@pytest.fixture
def hs_keys(tokenward: Any, backend: str) -> Any:
    return tokenward.KeySet.from_jwk(K.HS1_JWK, backend=backend)


@pytest.fixture
def v(tokenward: Any, hs_keys: Any) -> Any:
    return tokenward.Validator(hs_keys, algorithms=["HS256"], issuer=ISS, audience=AUD, require=())


def mac(header: bytes, payload: bytes) -> str:
    return make_token(header, payload, K.HS1_SECRET, "HS256")


def claims_json(extra: str = "") -> bytes:
    return (f'{{"iss":"{ISS}","aud":"{AUD}","exp":{T + 60}{extra}}}').encode()


def code(v: Any, token: Any) -> str:
    from tokenward.exceptions import InvalidTokenError

    try:
        v.validate(token, now=T)
    except InvalidTokenError as exc:
        return exc.code
    return "ok"


# ---------------------------------------------------------------------------
# §3.1 input type and size cap
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "token", [None, 1, 1.5, ["a.b.c"], {"t": 1}, bytearray(b"a.b.c")], ids=repr
)
def test_non_str_bytes_input(errors: Any, v: Any, hs_keys: Any, token: Any) -> None:
    with raises_exactly(errors.MalformedTokenError):
        v.validate(token, now=T)
    (res,) = v.validate_many([token], now=T)
    assert type(res) is errors.MalformedTokenError


def _token_of_length(n: int) -> str:
    """A valid token of exactly n bytes (padding a claim)."""
    base = mac(HDR, claims_json(',"p":""'))
    pad = n - len(base)
    assert pad >= 0
    # every 3 payload bytes add 4 characters; adjust by trying pad lengths
    for extra in range(pad, -1, -1):
        t = mac(HDR, claims_json(f',"p":"{"x" * extra}"'))
        if len(t) == n:
            return t
        if len(t) < n:
            break
    raise AssertionError(f"cannot build a token of {n} bytes")


def test_size_cap_boundary(tokenward: Any, errors: Any, hs_keys: Any) -> None:
    checked = {"under": 0, "over": 0}
    for cap in (512, 8192):
        val = tokenward.Validator(
            hs_keys, algorithms=["HS256"], issuer=ISS, audience=AUD, max_token_bytes=cap
        )
        for n in range(cap - 3, cap + 1):
            try:
                tok = _token_of_length(n)
            except AssertionError:
                continue
            assert val.validate(tok, now=T)["iss"] == ISS
            checked["under"] += 1
            assert tokenward.verify_jws(tok, hs_keys, algorithms=["HS256"], max_token_bytes=cap)
        for n in range(cap + 1, cap + 5):
            try:
                tok = _token_of_length(n)
            except AssertionError:
                continue
            with raises_exactly(errors.TokenTooLargeError):
                val.validate(tok, now=T)
            checked["over"] += 1
            with raises_exactly(errors.TokenTooLargeError):
                tokenward.verify_jws(tok, hs_keys, algorithms=["HS256"], max_token_bytes=cap)
    assert checked["under"] >= 2
    assert checked["over"] >= 2


def test_size_is_utf8_bytes(tokenward: Any, errors: Any, hs_keys: Any) -> None:
    val = tokenward.Validator(
        hs_keys, algorithms=["HS256"], issuer=ISS, audience=AUD, max_token_bytes=64
    )
    # 40 characters but 80 bytes: too large, not malformed.
    assert code(val, "\u00e9" * 40) == "too_large"
    assert code(val, ("\u00e9" * 40).encode()) == "too_large"
    assert code(val, "\u00e9" * 32) == "malformed"  # 64 bytes: within the cap
    assert code(val, "\U0001f600" * 17) == "too_large"  # 68 bytes
    assert code(val, "\ud800" * 30) in ("too_large", "malformed")  # lone surrogates, 90 "bytes"


def test_default_cap_is_8_kib(tokenward: Any, errors: Any, hs_keys: Any) -> None:
    val = tokenward.Validator(hs_keys, algorithms=["HS256"], issuer=ISS, audience=AUD)
    assert code(val, "A" * 8192) == "malformed"
    assert code(val, "A" * 8193) == "too_large"
    with raises_exactly(errors.TokenTooLargeError):
        tokenward.verify_jws("A" * 8193, hs_keys, algorithms=["HS256"])


# ---------------------------------------------------------------------------
# §3.2-3.4 segments and base64url
# ---------------------------------------------------------------------------
def test_segment_rules(v: Any) -> None:
    good = mac(HDR, claims_json())
    h, p, s = good.split(".")
    assert code(v, good) == "ok"
    for bad in (
        f"{h}.{p}",
        f"{h}.{p}.{s}.",
        f"{h}..{s}",
        f".{p}.{s}",
        f"{h}.{p}.{s}A",  # length ≡ 1 (mod 4)... or just wrong: either way refused
        f"{h}A.{p}.{s}" if len(h) % 4 == 0 else f"{h}AA.{p}.{s}",
        f"{h}.{p}.{s[:-1]}*",
        f"{h}.{p}.{s}\u00ff",
        f"{h}+.{p}.{s}",
        f"{h}/.{p}.{s}",
    ):
        assert code(v, bad) in ("malformed", "bad_signature"), bad
    # exact classification for unambiguous cases
    assert code(v, f"{h}.{p}") == "malformed"
    assert code(v, f"{h}..{s}") == "bad_signature"  # empty payload is well-formed JWS
    assert code(v, f"{h}.{p}.{s[:-1]}*") == "malformed"


@pytest.mark.parametrize("extra", ["A", "AAAAA"])
def test_length_1_mod_4_is_malformed(v: Any, extra: str) -> None:
    good = mac(HDR, claims_json())
    h, p, s = good.split(".")
    seg = s + extra
    while len(seg) % 4 != 1:
        seg += "A"
    assert code(v, f"{h}.{p}.{seg}") == "malformed"


def test_empty_signature_with_hmac(v: Any) -> None:
    h, p, _ = mac(HDR, claims_json()).split(".")
    assert code(v, f"{h}.{p}.") == "bad_signature"


# ---------------------------------------------------------------------------
# §3.5-3.8 header
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "want"),
    [
        (b"[]", "malformed"),
        (b'"HS256"', "malformed"),
        (b"null", "malformed"),
        (b"1", "malformed"),
        (b"", "malformed"),
        (b"{", "malformed"),
        (b'{"alg":"HS256","kid":"hs-1"} ', "ok"),
        (b' \t\r\n{"alg":"HS256","kid":"hs-1"}', "ok"),
        (b'{"alg":"HS256","kid":"hs-1"}\x0c', "malformed"),
        (b'\xef\xbb\xbf{"alg":"HS256","kid":"hs-1"}', "malformed"),
        (b'{"alg":"HS256","kid":"hs-1",}', "malformed"),
        (b'{"alg":"HS256",/*c*/"kid":"hs-1"}', "malformed"),
        (b"{'alg':'HS256','kid':'hs-1'}", "malformed"),
        (b'{alg:"HS256","kid":"hs-1"}', "malformed"),
        (b'{"alg":"HS256","kid":"hs-1"}{}', "malformed"),
        (b'{"alg":"HS256","kid":"hs\xff1"}', "malformed"),
        (b'{"alg":"HS256","kid":"hs-1","x":"\\ud800"}', "malformed"),
        (b'{"alg":"HS256","kid":"hs-1","x":NaN}', "malformed"),
        (b'{"alg":"HS256","kid":"hs-1","x":"\x01"}', "malformed"),
        (b'{"alg":"HS256","kid":"hs-1","x":"\\u0000"}', "ok"),
        (b'{"alg":"HS\\u0032\\u0035\\u0036","kid":"hs-1"}', "ok"),  # escapes in values
        (b'{"alg":"HS256","kid":"hs-1","b64":false}', "ok"),  # without crit: ignored
        (b'{"alg":"HS256","kid":"hs-1","zip":"DEF"}', "ok"),
    ],
)
def test_header_json(v: Any, header: bytes, want: str) -> None:
    assert code(v, mac(header, claims_json())) == want


def test_header_depth(v: Any) -> None:
    # The header object is level 1; "x" holds 31 more levels → 32 total: fine; 33: malformed.
    ok = b'{"alg":"HS256","kid":"hs-1","x":' + b"[" * 31 + b"]" * 31 + b"}"
    bad = b'{"alg":"HS256","kid":"hs-1","x":' + b"[" * 32 + b"]" * 32 + b"}"
    assert code(v, mac(ok, claims_json())) == "ok"
    assert code(v, mac(bad, claims_json())) == "malformed"


# ---------------------------------------------------------------------------
# §6 strict JSON in the payload (claims layer) — verify_jws returns raw bytes.
# ---------------------------------------------------------------------------
def _nest(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("kind", ["array", "object"])
def test_payload_depth_32_vs_33(tokenward: Any, hs_keys: Any, v: Any, kind: str) -> None:
    # Top-level claims object = depth 1, so 31 nested levels reach 32.
    ok = claims_json(f',"n":{_nest(31, kind)}')
    bad = claims_json(f',"n":{_nest(32, kind)}')
    assert code(v, mac(HDR, ok)) == "ok"
    assert code(v, mac(HDR, bad)) == "malformed"
    deep = claims_json(f',"n":{_nest(100_000, kind)}')  # must not blow the stack
    roomy = tokenward.Validator(
        hs_keys, algorithms=["HS256"], issuer=ISS, audience=AUD, max_token_bytes=1 << 20
    )
    assert code(roomy, mac(HDR, deep)) == "malformed"


@pytest.mark.parametrize(
    ("fragment", "want"),
    [
        (',"x":"\\ud800"', "malformed"),
        (',"x":"\\udc00"', "malformed"),
        (',"x":"\\ude00\\ud83d"', "malformed"),
        (',"x":"\\ud83d"', "malformed"),
        (',"x":"\\ud83d\\u0041"', "malformed"),
        (',"\\ud800":1', "malformed"),
        (',"x":"\\ud83d\\ude00"', "ok"),
        (',"x":NaN', "malformed"),
        (',"x":Infinity', "malformed"),
        (',"x":-Infinity', "malformed"),
        (',"x":1e400', "malformed"),
        (',"x":-1e400', "malformed"),
        (',"x":1e-400', "ok"),
        (',"x":01', "malformed"),
        (',"x":+1', "malformed"),
        (',"x":.5', "malformed"),
        (',"x":1.', "malformed"),
        (',"x":0x10', "malformed"),
        (',"x":1,', "malformed"),
        (',"x":[1,]', "malformed"),
        (',"x":"\\x41"', "malformed"),
        (',"x":"\\u00"', "malformed"),
        (",\"x\":'a'", "malformed"),
        (',"x":true', "ok"),
        (',"x":True', "malformed"),
        (',"x":null', "ok"),
        (',"x":"a","x":"a"', "malformed"),
        (',"x":1,"\\u0078":1', "malformed"),
        (',"o":{"k":1,"\\u006b":2}', "malformed"),
        (',"o":[{"k":1},{"k":2}]', "ok"),
    ],
)
def test_payload_strict_json(v: Any, fragment: str, want: str) -> None:
    assert code(v, mac(HDR, claims_json(fragment))) == want


@pytest.mark.parametrize(
    "payload",
    [
        b"\xef\xbb\xbf" + claims_json(),  # BOM
        claims_json().replace(b'"iss"', b'"i\xc0\xafss"'),  # overlong UTF-8
        claims_json() + b"\x00",
        b"[" + claims_json() + b"]",
        b'"claims"',
        b"null",
        b"42",
    ],
)
def test_payload_not_a_strict_json_object(
    tokenward: Any, errors: Any, v: Any, hs_keys: Any, payload: bytes
) -> None:
    token = mac(HDR, payload)
    assert code(v, token) == "malformed"
    # The JWS layer does not interpret the payload: it hands back the signed bytes.
    assert tokenward.verify_jws(token, hs_keys, algorithms=["HS256"]) == payload


def test_payload_raw_invalid_utf8(tokenward: Any, v: Any, hs_keys: Any) -> None:
    payload = claims_json()[:-1] + b',"x":"\xed\xa0\x80"}'
    token = mac(HDR, payload)
    assert code(v, token) == "malformed"
    assert tokenward.verify_jws(token, hs_keys, algorithms=["HS256"]) == payload


def test_minus_zero_after_a_keyword(v: Any) -> None:
    # fuzz-found (json_strict, differential): the old Rust parser counted the 'e' of
    # true/false as a number literal, so a later -0 came back as the float -0.0
    frag = ',"a":[true,false,-0,1e0,-0],"b":-0'
    claims = v.validate(mac(HDR, claims_json(frag)), now=T)
    assert claims["a"] == [True, False, 0, 1.0, 0]
    assert [type(x) for x in claims["a"]] == [bool, bool, int, float, int]
    assert type(claims["b"]) is int


def test_numbers(v: Any) -> None:
    frag = (
        ',"i63":9223372036854775807,"n63":-9223372036854775808,"u64":18446744073709551615,'
        '"u64p1":18446744073709551616,"n63m1":-9223372036854775809,"f":0.1,"e":1E2,'
        '"z":-0,"fz":-0.0,"big":123456789012345678901234567890'
    )
    claims = v.validate(mac(HDR, claims_json(frag)), now=T)
    assert claims["i63"] == 2**63 - 1
    assert type(claims["i63"]) is int
    assert claims["n63"] == -(2**63)
    assert type(claims["n63"]) is int
    assert claims["u64"] == 2**64 - 1
    assert type(claims["u64"]) is int
    assert type(claims["u64p1"]) is float
    assert claims["u64p1"] == float(2**64)
    assert type(claims["n63m1"]) is float
    assert claims["n63m1"] == float(-(2**63) - 1)
    assert claims["f"] == 0.1
    assert type(claims["e"]) is float
    assert claims["e"] == 100.0
    assert claims["z"] == 0
    assert type(claims["z"]) is int
    assert type(claims["fz"]) is float
    assert claims["big"] == float(123456789012345678901234567890)  # correctly rounded


def test_number_literal_length_limit(v: Any) -> None:
    lit_4300 = "1." + "0" * 4298
    lit_4301 = "1." + "0" * 4299
    assert len(lit_4300) == 4300
    claims = v.validate(mac(HDR, claims_json(f',"x":{lit_4300}')), now=T)
    assert claims["x"] == 1.0
    assert code(v, mac(HDR, claims_json(f',"x":{lit_4301}'))) == "malformed"
    # A 4300-digit integer is a legal literal but overflows to infinity: malformed.
    assert code(v, mac(HDR, claims_json(f',"x":{"9" * 4300}'))) == "malformed"
    # 300 digits still fits a double: float.
    claims = v.validate(mac(HDR, claims_json(f',"x":{"9" * 300}')), now=T)
    assert claims["x"] == float("9" * 300)


def test_json_whitespace_and_escapes(v: Any) -> None:
    payload = (
        b' \r\n\t{ "iss" : "https:\\/\\/issuer.example" ,\n "aud":"api://tokensvc",'
        b'"exp":%d, "s":"\\"\\\\\\b\\f\\n\\r\\t\\u00e9" } \n' % (T + 60)
    )
    claims = v.validate(mac(HDR, payload), now=T)
    assert claims["iss"] == ISS
    assert claims["s"] == '"\\\b\f\n\r\t\u00e9'
    assert code(v, mac(HDR, payload + b"\x0b")) == "malformed"
    assert code(v, mac(HDR, payload.replace(b" ", "\u00a0".encode(), 1))) == "malformed"


def test_framing_precedence(tokenward: Any, errors: Any, v: Any, hs_keys: Any) -> None:
    """§3: too_large > malformed > crit > alg > key > signature; each step in order."""
    good = mac(HDR, claims_json())
    h, p, s = good.split(".")
    bad_json_header = b64u(b'{"alg":"none",')
    crit_none = b64u(json.dumps({"alg": "none", "crit": ["x"], "x": 1}).encode())
    none_unknown_kid = b64u(b'{"alg":"none","kid":"zz"}')
    hs384_unknown_kid = b64u(b'{"alg":"HS256","kid":"zz"}')
    cases = [
        (f"{bad_json_header}.{p}.{s}", errors.MalformedTokenError),
        (f"{crit_none}.{p}.{s}", errors.UnsupportedCritError),
        (f"{none_unknown_kid}.{p}.{s}", errors.UnsupportedAlgorithmError),
        (f"{hs384_unknown_kid}.{p}.{s}", errors.KeyNotFoundError),
        (f"{h}.{b64u(b'not json')}.{s}", errors.BadSignatureError),
        (f"{h}.{p}.{s}!", errors.MalformedTokenError),
        ("!" * 9000, errors.TokenTooLargeError),
    ]
    for token, cls in cases:
        assert_rejected_everywhere(v, hs_keys, token, cls, now=T, algorithms=["HS256"])
