"""Interop: tokens from PyJWT, jwcrypto and joserfc verify with tokenward, and
tokens from ``tokenward.sign`` verify with PyJWT and jwcrypto, for every algorithm."""

from __future__ import annotations

import json
import warnings
from typing import Any

import jwt as pyjwt
import pytest
from helpers import keys as K
from helpers.backends import T
from helpers.jose import b64u, b64u_decode
from joserfc import jwt as joserfc_jwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
from jwcrypto import jwk as cjwk
from jwcrypto import jws as cjws
from jwcrypto import jwt as cjwt

ISS = "https://issuer.example"
AUD = "api://tokensvc"
# exp far in the future so the peers (which use the real clock) accept our tokens too.
CLAIMS = {"iss": ISS, "aud": AUD, "sub": "user-1", "iat": T, "nbf": T, "exp": 4_000_000_000}

ALGS = [
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
HS_SECRETS = {
    "HS256": K.HS1_SECRET,
    "HS384": bytes(range(100, 148)),
    "HS512": bytes(range(64, 128)),
}


def private_key(alg: str) -> Any:
    if alg.startswith("HS"):
        return HS_SECRETS[alg]
    if alg[:2] in ("RS", "PS"):
        return K.rsa1_private()
    return {
        "ES256": K.ec1_private,
        "ES384": K.p384_private,
        "ES512": K.ec521_private,
        "EdDSA": K.ed1_private,
    }[alg]()


def private_jwk(alg: str, kid: str) -> dict[str, Any]:
    key = private_key(alg)
    if alg.startswith("HS"):
        return {"kty": "oct", "k": b64u(key), "alg": alg, "kid": kid}
    return K.private_jwk(key, kid=kid, alg=alg)


def public_jwk(alg: str, kid: str) -> dict[str, Any]:
    if alg.startswith("HS"):
        return private_jwk(alg, kid)
    return K.public_jwk(private_key(alg), kid=kid, alg=alg)


def our_validator(tokenward: Any, alg: str, backend: str) -> tuple[Any, Any]:
    keys = tokenward.KeySet.from_jwk(public_jwk(alg, "k1"), backend=backend)
    v = tokenward.Validator(keys, algorithms=[alg], issuer=ISS, audience=AUD)
    return keys, v


# ---------------------------------------------------------------------------
# Peers → tokenward
# ---------------------------------------------------------------------------
def make_pyjwt(alg: str) -> str:
    return pyjwt.encode(CLAIMS, private_key(alg), algorithm=alg, headers={"kid": "k1"})


def make_jwcrypto(alg: str) -> str:
    key = cjwk.JWK(**private_jwk(alg, "k1"))
    token = cjwt.JWT(header={"alg": alg, "kid": "k1", "typ": "JWT"}, claims=CLAIMS)
    token.make_signed_token(key)
    return str(token.serialize())


def make_joserfc(alg: str) -> str:
    jwk = private_jwk(alg, "k1")
    cls = {"oct": OctKey, "RSA": RSAKey, "EC": ECKey, "OKP": OKPKey}[jwk["kty"]]
    key = cls.import_key(jwk)
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" as deprecated by RFC 9864 (in favour of "Ed25519"); the
        # JWS is still the RFC 8037 one we support.
        warnings.simplefilter("ignore")
        return str(joserfc_jwt.encode({"alg": alg, "kid": "k1"}, CLAIMS, key, algorithms=[alg]))


PEERS = {"pyjwt": make_pyjwt, "jwcrypto": make_jwcrypto, "joserfc": make_joserfc}


@pytest.mark.parametrize("alg", ALGS)
@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_tokens_verify(tokenward: Any, errors: Any, backend: str, peer: str, alg: str) -> None:
    token = PEERS[peer](alg)
    header = json.loads(b64u_decode(token.split(".")[0]))
    assert header["alg"] == alg
    keys, v = our_validator(tokenward, alg, backend)
    assert v.validate(token, now=T) == CLAIMS
    assert json.loads(tokenward.verify_jws(token, keys, algorithms=[alg])) == CLAIMS
    # And a one-bit change in the signature is caught.
    h, p, s = token.split(".")
    raw = bytearray(b64u_decode(s))
    raw[len(raw) // 2] ^= 0x10
    with pytest.raises(errors.BadSignatureError):
        v.validate(f"{h}.{p}.{b64u(bytes(raw))}", now=T)


# ---------------------------------------------------------------------------
# tokenward → peers
# ---------------------------------------------------------------------------
def _our_token(tokenward: Any, alg: str, backend: str) -> str:
    sk = tokenward.SigningKey.from_jwk(private_jwk(alg, "k1"), backend=backend)
    token = tokenward.sign(CLAIMS, sk, algorithm=alg, kid="k1")
    assert isinstance(token, str)
    return token


@pytest.mark.parametrize("alg", ALGS)
def test_ours_verify_with_pyjwt(tokenward: Any, backend: str, alg: str) -> None:
    token = _our_token(tokenward, alg, backend)
    key: Any = private_key(alg)
    if not alg.startswith("HS"):
        key = key.public_key()
    decoded = pyjwt.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS)
    assert decoded == CLAIMS
    header = pyjwt.get_unverified_header(token)
    assert header["alg"] == alg
    assert header["kid"] == "k1"


@pytest.mark.parametrize("alg", ALGS)
def test_ours_verify_with_jwcrypto(tokenward: Any, backend: str, alg: str) -> None:
    token = _our_token(tokenward, alg, backend)
    key = cjwk.JWK(**public_jwk(alg, "k1"))
    verifier = cjws.JWS()
    verifier.deserialize(token)
    verifier.verify(key, alg=alg)
    assert json.loads(verifier.payload) == CLAIMS
    checked = cjwt.JWT(jwt=token, key=key, algs=[alg], expected_type="JWS")
    assert json.loads(checked.claims) == CLAIMS


@pytest.mark.parametrize("alg", ALGS)
def test_ours_roundtrip_with_typ_and_headers(tokenward: Any, backend: str, alg: str) -> None:
    sk = tokenward.SigningKey.from_jwk(private_jwk(alg, "k1"), backend=backend)
    token = tokenward.sign(CLAIMS, sk, typ="at+jwt", headers={"x-extra": "1"})
    header = json.loads(b64u_decode(token.split(".")[0]))
    assert header["alg"] == alg
    assert header["typ"] == "at+jwt"
    assert header["x-extra"] == "1"
    keys = tokenward.KeySet.from_jwk(public_jwk(alg, "k1"), backend=backend)
    v = tokenward.Validator(keys, algorithms=[alg], issuer=ISS, audience=AUD, typ="at+jwt")
    assert v.validate(token, now=T) == CLAIMS
    decoded = pyjwt.decode(
        token,
        private_key(alg) if alg.startswith("HS") else private_key(alg).public_key(),
        algorithms=[alg],
        audience=AUD,
    )
    assert decoded == CLAIMS
