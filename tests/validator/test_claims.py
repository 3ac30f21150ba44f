"""Claims layer (semantics §4) and validate_many (§5), with exact boundaries."""

from __future__ import annotations

import math
from typing import Any

import pytest
from helpers import keys as K
from helpers.asserts import raises_exactly
from helpers.backends import T
from helpers.jose import make_token

ISS = "https://issuer.example"
AUD = "api://tokensvc"


@pytest.fixture
def hs_keys(tokenward: Any, backend: str) -> Any:
    return tokenward.KeySet.from_jwk(K.HS1_JWK, backend=backend)


@pytest.fixture
def make_validator(tokenward: Any, hs_keys: Any) -> Any:
    def make(**overrides: Any) -> Any:
        kwargs: dict[str, Any] = {
            "algorithms": ["HS256"],
            "issuer": ISS,
            "audience": AUD,
        }
        kwargs.update(overrides)
        return tokenward.Validator(hs_keys, **kwargs)

    return make


def tok(claims: dict[str, Any] | bytes, **header: Any) -> str:
    return make_token({"alg": "HS256", "kid": "hs-1", **header}, claims, K.HS1_SECRET)


def base(**extra: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"iss": ISS, "aud": AUD, "exp": T + 60}
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not _DROP}


_DROP = object()


def outcome(v: Any, token: str | bytes, errors: Any, **kwargs: Any) -> str:
    kwargs.setdefault("now", T)
    try:
        v.validate(token, **kwargs)
    except errors.InvalidTokenError as exc:
        return exc.code
    return "ok"


# ---------------------------------------------------------------------------
# Time claims
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("now", [float("nan"), float("inf"), -float("inf"), True, "1"])
def test_caller_clock_must_be_finite(make_validator: Any, errors: Any, now: Any) -> None:
    """A NaN clock makes every comparison false: an expired token would pass."""
    v = make_validator()
    expired = tok(base(exp=T - 3600))
    with pytest.raises(errors.InvalidConfigError):
        v.validate(expired, now=now)
    with pytest.raises(errors.InvalidConfigError):
        v.validate_many([expired], now=now)
    assert outcome(v, expired, errors) == "expired"


@pytest.mark.parametrize("leeway", [0, 1, 30, 300])
def test_exp_boundary(make_validator: Any, errors: Any, leeway: int) -> None:
    v = make_validator(leeway=leeway)
    assert outcome(v, tok(base(exp=T - leeway)), errors) == "expired"
    assert outcome(v, tok(base(exp=T - leeway + 1)), errors) == "ok"
    assert outcome(v, tok(base(exp=T - leeway - 1)), errors) == "expired"


@pytest.mark.parametrize("leeway", [0, 1, 30, 300])
def test_nbf_iat_boundary(make_validator: Any, errors: Any, leeway: int) -> None:
    v = make_validator(leeway=leeway)
    assert outcome(v, tok(base(nbf=T + leeway)), errors) == "ok"
    assert outcome(v, tok(base(nbf=T + leeway + 1)), errors) == "not_yet_valid"
    assert outcome(v, tok(base(iat=T + leeway)), errors) == "ok"
    assert outcome(v, tok(base(iat=T + leeway + 1)), errors) == "issued_in_future"
    assert outcome(v, tok(base(iat=0, nbf=0)), errors) == "ok"


def test_fractional_times_in_double(make_validator: Any, errors: Any) -> None:
    v = make_validator()
    assert outcome(v, tok(base(exp=T)), errors, now=T - 0.001) == "ok"
    assert outcome(v, tok(base(exp=T)), errors, now=T + 0.0) == "expired"
    assert outcome(v, tok(base(exp=T + 0.5)), errors, now=T + 0.25) == "ok"
    assert outcome(v, tok(base(exp=T + 0.5)), errors, now=T + 0.5) == "expired"
    assert outcome(v, tok(base(nbf=T + 0.5)), errors, now=T) == "not_yet_valid"
    v = make_validator(leeway=0.5)
    assert outcome(v, tok(base(nbf=T + 0.5)), errors, now=T) == "ok"
    assert outcome(v, tok(base(exp=T - 0.5)), errors, now=T) == "expired"


def test_error_precedence_among_claims(make_validator: Any, errors: Any) -> None:
    """§4 order: types (3) → required (4) → time (5) → iss (6) → aud (7) → scopes (8)."""
    v = make_validator()
    everything_wrong = base(exp=T - 100, iss="evil", aud="evil", sub=1)
    assert outcome(v, tok(everything_wrong), errors) == "claim_type"
    no_iss = base(iss=_DROP, exp=T - 100, aud="evil")
    assert outcome(v, tok(no_iss), errors) == "missing_claim"
    assert outcome(v, tok(base(exp=T - 100, iss="evil", aud="evil")), errors) == "expired"
    assert outcome(v, tok(base(nbf=T + 100, iss="evil", aud="evil")), errors) == "not_yet_valid"
    assert outcome(v, tok(base(iss="evil", aud="evil")), errors) == "bad_issuer"
    assert outcome(v, tok(base(aud="evil", scope="x")), errors, scopes={"y"}) == "bad_audience"
    assert outcome(v, tok(base(scope="x")), errors, scopes={"y"}) == "insufficient_scope"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0, "expired"),
        (1.0, "expired"),
        (9007199254740991, "ok"),
        (9007199254740991.0, "ok"),
        (9007199254740992, "claim_type"),
        (-1, "claim_type"),
        (-(2**63), "claim_type"),
        (2**64 - 1, "claim_type"),
        (2**64, "claim_type"),
        (10**30, "claim_type"),
        (True, "claim_type"),
        (False, "claim_type"),
        ("1", "claim_type"),
        (None, "claim_type"),
        ([1], "claim_type"),
        ({}, "claim_type"),
    ],
    ids=repr,
)
def test_exp_numeric_date_range(make_validator: Any, errors: Any, value: Any, code: str) -> None:
    assert outcome(make_validator(), tok(base(exp=value)), errors) == code


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize("value", [-1, 9007199254740992, True, "0", None, 1e300])
def test_nbf_iat_types(make_validator: Any, errors: Any, claim: str, value: Any) -> None:
    assert outcome(make_validator(), tok(base(**{claim: value})), errors) == "claim_type"


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("iss", 1),
        ("sub", 1),
        ("sub", None),
        ("jti", ["j"]),
        ("client_id", 7),
        ("scope", ["read"]),
        ("scope", None),
        ("scp", "read"),
        ("scp", ["read", 1]),
        ("scp", [["read"]]),
        ("aud", [AUD, None]),
    ],
    ids=repr,
)
def test_string_claim_types(make_validator: Any, errors: Any, claim: str, value: Any) -> None:
    assert outcome(make_validator(), tok(base(**{claim: value})), errors) == "claim_type"


def test_unregistered_claims_free_form(make_validator: Any) -> None:
    claims = base(sub="u", jti="j", client_id="c", scp=[], custom={"exp": "no"}, n=None)
    assert make_validator().validate(tok(claims), now=T) == claims


# ---------------------------------------------------------------------------
# Required claims / issuer / audience
# ---------------------------------------------------------------------------
def test_required_claims(make_validator: Any, errors: Any) -> None:
    assert outcome(make_validator(), tok(base(exp=_DROP)), errors) == "missing_claim"
    v = make_validator(require=())
    assert outcome(v, tok(base(exp=_DROP)), errors) == "ok"
    v = make_validator(require=("exp", "sub", "jti"))
    assert outcome(v, tok(base(sub="s")), errors) == "missing_claim"
    assert outcome(v, tok(base(sub="s", jti="j")), errors) == "ok"
    v = make_validator(require=("custom",))
    assert outcome(v, tok(base(custom=None)), errors) == "ok"  # present, even if null
    assert outcome(v, tok(base()), errors) == "missing_claim"


def test_issuer_and_audience_imply_required(make_validator: Any, errors: Any) -> None:
    v = make_validator(require=())
    assert outcome(v, tok(base(iss=_DROP)), errors) == "missing_claim"
    assert outcome(v, tok(base(aud=_DROP)), errors) == "missing_claim"
    v = make_validator(issuer=None, require=())
    assert outcome(v, tok(base(iss=_DROP)), errors) == "ok"
    assert outcome(v, tok(base(iss="anything")), errors) == "ok"
    assert outcome(v, tok(base(iss=1)), errors) == "claim_type"  # types are still checked
    v = make_validator(audience=None, danger_skip_audience=True, require=())
    assert outcome(v, tok(base(aud=_DROP)), errors) == "ok"
    assert outcome(v, tok(base(aud=5)), errors) == "claim_type"


@pytest.mark.parametrize(
    ("aud", "code"),
    [
        ("b", "ok"),
        (["x", "a"], "ok"),
        (["a", "b"], "ok"),
        (["x"], "bad_audience"),
        ([], "bad_audience"),
        ("c", "bad_audience"),
        ("a b", "bad_audience"),
        (["A"], "bad_audience"),
    ],
    ids=repr,
)
def test_audience_forms(make_validator: Any, errors: Any, aud: Any, code: str) -> None:
    v = make_validator(audience=["a", "b"])
    assert outcome(v, tok(base(aud=aud)), errors) == code
    v = make_validator(audience=("a", "b"))  # any non-empty iterable of str
    assert outcome(v, tok(base(aud=aud)), errors) == code


# ---------------------------------------------------------------------------
# typ (RFC 9068)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("configured", "header_typ", "code"),
    [
        ("at+jwt", "at+jwt", "ok"),
        ("at+jwt", "AT+JWT", "ok"),
        ("at+jwt", "application/at+jwt", "ok"),
        ("at+jwt", "Application/At+Jwt", "ok"),
        ("at+jwt", "APPLICATION/at+jwt", "ok"),
        ("application/at+jwt", "at+jwt", "ok"),
        ("AT+JWT", "application/at+jwt", "ok"),
        ("at+jwt", "application/application/at+jwt", "wrong_token_type"),
        ("at+jwt", "at+jwt ", "wrong_token_type"),
        ("at+jwt", "at+jwt; charset=utf-8", "wrong_token_type"),
        ("at+jwt", "JWT", "wrong_token_type"),
        ("at+jwt", "jwt", "wrong_token_type"),
        ("at+jwt", "rt+jwt", "wrong_token_type"),
        ("at+jwt", "application/", "wrong_token_type"),
        ("at+jwt", "AT+JWT\u0130", "wrong_token_type"),
        ("at+jwt", "\u0430t+jwt", "wrong_token_type"),  # Cyrillic a
        ("at+jwt", "at\u2010jwt", "wrong_token_type"),
        ("at+jwt", None, "wrong_token_type"),
        ("at+jwt", 1, "wrong_token_type"),
        ("at+jwt", ["at+jwt"], "wrong_token_type"),
        (None, "anything", "ok"),
        (None, None, "ok"),
        (None, 1, "ok"),
    ],
    ids=repr,
)
def test_typ(make_validator: Any, errors: Any, configured: Any, header_typ: Any, code: str) -> None:
    v = make_validator(typ=configured)
    header = {} if header_typ is None else {"typ": header_typ}
    assert outcome(v, tok(base(), **header), errors) == code


def test_typ_checked_after_signature(make_validator: Any, errors: Any) -> None:
    token = tok(base(), typ="JWT")
    h, p, s = token.split(".")
    forged = f"{h}.{p}.{'A' * len(s)}"
    assert outcome(make_validator(typ="at+jwt"), forged, errors) == "bad_signature"


# ---------------------------------------------------------------------------
# Scopes
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("claims", "requested", "code"),
    [
        ({"scope": "read write"}, {"read"}, "ok"),
        ({"scope": "read write"}, {"read", "write"}, "ok"),
        ({"scope": "read write"}, ["write", "read"], "ok"),
        ({"scope": "read write"}, {"admin"}, "insufficient_scope"),
        ({"scope": "read write"}, {"read", "admin"}, "insufficient_scope"),
        ({"scope": "  read   write  "}, {"read", "write"}, "ok"),
        ({"scope": "read\twrite"}, {"read"}, "insufficient_scope"),
        ({"scope": "read,write"}, {"read"}, "insufficient_scope"),
        ({"scope": "Read"}, {"read"}, "insufficient_scope"),
        ({"scope": ""}, {"read"}, "insufficient_scope"),
        ({"scope": ""}, set(), "ok"),
        ({"scp": ["read", "write"]}, {"read", "write"}, "ok"),
        ({"scp": ["read write"]}, {"read"}, "insufficient_scope"),
        ({"scp": []}, {"read"}, "insufficient_scope"),
        ({"scope": "read", "scp": ["admin"]}, {"admin"}, "insufficient_scope"),
        ({"scope": "admin", "scp": ["read"]}, {"admin"}, "ok"),
        ({}, {"read"}, "insufficient_scope"),
        ({}, None, "ok"),
        ({}, set(), "ok"),
    ],
    ids=repr,
)
def test_scopes(
    make_validator: Any, errors: Any, claims: dict[str, Any], requested: Any, code: str
) -> None:
    assert outcome(make_validator(), tok(base(**claims)), errors, scopes=requested) == code


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------
def test_result_is_payload_in_token_order(make_validator: Any) -> None:
    payload = (
        b'{"z":1,"exp":%d,"a":[1,2.5,"x",null,true],"aud":"api://tokensvc",'
        b'"iss":"https://issuer.example","m":{"b":2,"a":1},"big":18446744073709551615,'
        b'"neg":-9223372036854775808,"f":1e2,"u":"\\u00e9\\ud83d\\ude00"}'
    ) % (T + 60)
    claims = make_validator().validate(tok(payload), now=T)
    assert list(claims) == ["z", "exp", "a", "aud", "iss", "m", "big", "neg", "f", "u"]
    assert list(claims["m"]) == ["b", "a"]
    assert claims["a"] == [1, 2.5, "x", None, True]
    assert type(claims["big"]) is int
    assert claims["big"] == 2**64 - 1
    assert type(claims["neg"]) is int
    assert type(claims["f"]) is float
    assert claims["f"] == 100.0
    assert claims["u"] == "\u00e9\U0001f600"
    assert type(claims) is dict


def test_now_defaults_to_wall_clock(make_validator: Any, errors: Any) -> None:
    v = make_validator()
    assert outcome(v, tok(base(exp=4_000_000_000, nbf=1)), errors, now=None) == "ok"
    assert outcome(v, tok(base(exp=1_000_000_000)), errors, now=None) == "expired"


# ---------------------------------------------------------------------------
# Validator configuration
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "overrides",
    [
        {"algorithms": []},
        {"algorithms": ["none"]},
        {"algorithms": ["HS256", "HS257"]},
        {"algorithms": ["hs256"]},
        {"leeway": -0.001},
        {"leeway": 300.0001},
        {"leeway": math.nan},
        {"leeway": math.inf},
        {"leeway": True},
        {"leeway": 9007199254740991},
        {"leeway": 60000},
        {"leeway": -5},
        {"issuer": []},
        {"issuer": [1]},
        {"issuer": 1},
        {"audience": []},
        {"audience": [None]},
        {"audience": None},
        {"max_token_bytes": 63},
        {"max_token_bytes": (1 << 20) + 1},
        {"max_token_bytes": True},
        {"max_token_bytes": 100.0},
        {"require": [1]},
        {"require": ["exp", None]},
        {"typ": 1},
    ],
    ids=repr,
)
def test_invalid_config(make_validator: Any, errors: Any, overrides: dict[str, Any]) -> None:
    with raises_exactly(errors.InvalidConfigError):
        make_validator(**overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"leeway": 0},
        {"leeway": 300},
        {"leeway": 300.0},
        {"max_token_bytes": 64},
        {"max_token_bytes": 1 << 20},
        {"issuer": None},
        {"issuer": ("a", "b")},
        {"audience": None, "danger_skip_audience": True},
        {"require": ()},
        {"typ": "at+jwt"},
        {"algorithms": ("HS256", "HS256")},
    ],
    ids=repr,
)
def test_valid_config(make_validator: Any, overrides: dict[str, Any]) -> None:
    make_validator(**overrides)


# ---------------------------------------------------------------------------
# validate_many (§5)
# ---------------------------------------------------------------------------
def _batch() -> list[tuple[Any, str]]:
    good = tok(base(n=0))
    h, p, s = good.split(".")
    return [
        (good, "ok"),
        (tok(base(exp=T - 1000)), "expired"),
        (f"{h}.{p}.{'A' * len(s)}", "bad_signature"),
        (tok(base(n=1)).encode(), "ok"),
        ("not a token", "malformed"),
        (None, "malformed"),
        (12345, "malformed"),
        (["a.b.c"], "malformed"),
        (bytearray(good.encode()), "malformed"),
        ("x" * 9000, "too_large"),
        (make_token({"alg": "HS256", "kid": "zz"}, base(), K.HS1_SECRET), "key_not_found"),
        (tok(base(aud="other")), "bad_audience"),
        (tok(base(n=2)), "ok"),
        ("", "malformed"),
        (tok(base(scope="x")), "ok"),
    ]


@pytest.mark.parametrize("threads", [None, 1, 2])
@pytest.mark.parametrize("repeat", [1, 5])  # 15 and 75 items: below and above the 16 split
def test_validate_many_order_and_errors(
    make_validator: Any, errors: Any, threads: Any, repeat: int
) -> None:
    v = make_validator()
    batch = _batch() * repeat
    results = v.validate_many([t for t, _ in batch], now=T, threads=threads)
    assert len(results) == len(batch)
    for i, ((token, want), got) in enumerate(zip(batch, results, strict=True)):
        if want == "ok":
            assert isinstance(got, dict), (i, got)
            # the claims are exactly what validate() returns
            assert got == v.validate(token, now=T)
        else:
            assert isinstance(got, errors.InvalidTokenError), (i, got)
            assert type(got) is errors.ERRORS_BY_CODE[want], (i, want, got)
            assert got.code == want


def test_validate_many_matches_validate(make_validator: Any, errors: Any) -> None:
    v = make_validator()
    batch = [t for t, _ in _batch()] * 3
    for token, got in zip(batch, v.validate_many(batch, now=T, scopes={"x"}), strict=True):
        try:
            want: Any = v.validate(token, now=T, scopes={"x"})
        except errors.InvalidTokenError as exc:
            want = exc
        if isinstance(want, dict):
            assert got == want
        else:
            assert type(got) is type(want)


def test_validate_many_empty_and_iterables(make_validator: Any) -> None:
    v = make_validator()
    assert v.validate_many([], now=T) == []
    good = tok(base())
    assert v.validate_many((good, good), now=T) == [base(), base()]
    assert v.validate_many(iter([good]), now=T) == [base()]


@pytest.mark.parametrize("not_a_batch", ["tok.en.x", b"tok.en.x", None, 5])
def test_validate_many_refuses_a_single_token_or_non_sequence(
    make_validator: Any, not_a_batch: Any
) -> None:
    # a str is iterable: without the check it would be validated character by character
    with pytest.raises(TypeError, match="sequence of tokens"):
        make_validator().validate_many(not_a_batch, now=T)


def test_validate_many_large_batch(make_validator: Any, errors: Any) -> None:
    v = make_validator()
    tokens = [tok(base(i=i)) if i % 7 else f"bad{i}" for i in range(400)]
    results = v.validate_many(tokens, now=T, threads=2)
    for i, r in enumerate(results):
        if i % 7:
            assert r["i"] == i
        else:
            assert type(r) is errors.MalformedTokenError
