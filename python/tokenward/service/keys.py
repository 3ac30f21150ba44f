"""Signing keys: generation, encrypted storage, rotation, JWKS, cached validators.

A key record (``tw:keys`` hash, see store.py) is
``{kid, alg, public_jwk, private (AES-GCM under the KEK, AAD = kid), created, activate_at}``.
State is computed from timestamps at the moment of use, so every worker agrees:

* *current*: the key with the latest ``activate_at <= now`` — signs new tokens;
* *next*: ``activate_at > now`` — already published in the JWKS;
* *retired*: superseded at ``retired_at`` (the successor's ``activate_at``) and
  still published until ``retired_at + max_access_ttl + leeway + 60`` — every
  token it signed has expired by then; afterwards it is deleted.
"""

from __future__ import annotations

import datetime as _dt
import secrets
import time
from dataclasses import dataclass
from typing import Any

import tokenward

from .crypto import decrypt, encrypt
from .settings import Settings
from .store import Store

_RETIRE_SLACK = 60
_MAX_AUD_VALIDATORS = 256


def new_kid() -> str:
    day = _dt.datetime.now(_dt.UTC).strftime("%Y%m%d")
    return f"{day}-{secrets.token_hex(4)}"


def make_key_record(
    alg: str, kek: bytes, *, now: float, activate_at: float, kid: str | None = None
) -> tuple[str, dict[str, Any]]:
    kid = kid or new_kid()
    key = tokenward.SigningKey.generate(alg, kid=kid)
    jwk = dict(key.public_jwk())
    jwk.setdefault("kid", kid)
    jwk.setdefault("alg", alg)
    jwk.setdefault("use", "sig")
    record = {
        "kid": kid,
        "alg": alg,
        "public_jwk": jwk,
        "private": encrypt(kek, key.private_pem(), kid.encode()),
        "created": now,
        "activate_at": activate_at,
    }
    return kid, record


async def ensure_initial_key(store: Store, settings: Settings, kek: bytes) -> None:
    if await store.get_keys():
        return
    now = settings.clock()
    kid, record = make_key_record(settings.signing_alg, kek, now=now, activate_at=0.0)
    await store.init_key(kid, record)


async def rotate(
    store: Store, settings: Settings, kek: bytes, *, delay: int | None = None
) -> dict[str, Any]:
    """Publish a new key now; it signs from ``now + delay``."""
    now = settings.clock()
    delay = settings.rotation_delay if delay is None else delay
    kid, record = make_key_record(settings.signing_alg, kek, now=now, activate_at=now + delay)
    await store.add_key(kid, record)
    return {"kid": kid, "alg": record["alg"], "activate_at": record["activate_at"]}


@dataclass(frozen=True)
class KeyView:
    current: dict[str, Any]
    published: list[dict[str, Any]]
    expired: list[str]


def classify(records: dict[str, dict[str, Any]], now: float, retention: float) -> KeyView:
    ordered = sorted(records.values(), key=lambda r: (r["activate_at"], r["created"]))
    live = [r for r in ordered if r["activate_at"] <= now]
    current = live[-1] if live else ordered[0]
    published: list[dict[str, Any]] = []
    expired: list[str] = []
    for i, rec in enumerate(ordered):
        if rec["activate_at"] <= now and rec is not current:
            retired_at = ordered[i + 1]["activate_at"]
            if now >= retired_at + retention:
                expired.append(rec["kid"])
                continue
        published.append(rec)
    return KeyView(current=current, published=published, expired=expired)


class KeyRing:
    """One worker's in-memory view of the signing keys, refreshed from the store."""

    def __init__(self, settings: Settings, kek: bytes) -> None:
        self.settings = settings
        self.kek = kek
        self.records: dict[str, dict[str, Any]] = {}
        self._signers: dict[str, Any] = {}
        self._fingerprint: tuple[str, ...] = ()
        self.keyset: Any = None
        self.introspection_validator: Any = None
        self._aud_validators: dict[tuple[str, ...], Any] = {}
        self.loaded_at = 0.0

    @property
    def retention(self) -> float:
        return self.settings.max_access_ttl + self.settings.leeway + _RETIRE_SLACK

    @property
    def ready(self) -> bool:
        return self.keyset is not None

    async def refresh(self, store: Store) -> None:
        records = await store.get_keys()
        now = self.settings.clock()
        if not records:
            return
        view = classify(records, now, self.retention)
        if view.expired:
            await store.delete_keys(view.expired)
        self.records = {r["kid"]: r for r in view.published}
        fp = tuple(sorted(self.records))
        if fp != self._fingerprint or self.keyset is None:
            jwks = {"keys": [r["public_jwk"] for r in view.published]}
            self.keyset = tokenward.KeySet.from_jwks(jwks)
            algs = sorted({r["alg"] for r in view.published})
            self.introspection_validator = tokenward.Validator(
                self.keyset,
                algorithms=algs,
                issuer=self.settings.effective_issuer,
                audience=None,
                danger_skip_audience=True,
                leeway=self.settings.leeway,
                typ="at+jwt",
                max_token_bytes=self.settings.max_token_bytes,
            )
            self._aud_validators.clear()
            self._signers = {k: v for k, v in self._signers.items() if k in self.records}
            self._fingerprint = fp
        self.loaded_at = time.monotonic()

    def jwks(self) -> dict[str, Any]:
        return {"keys": [r["public_jwk"] for r in self.records.values()]}

    def signer(self) -> Any:
        view = classify(self.records, self.settings.clock(), self.retention)
        rec = view.current
        kid = rec["kid"]
        key = self._signers.get(kid)
        if key is None:
            pem = decrypt(self.kek, rec["private"], kid.encode())
            key = tokenward.SigningKey.from_pem(pem, alg=rec["alg"], kid=kid)
            self._signers[kid] = key
        return key

    def validator_for(self, audience: tuple[str, ...]) -> Any:
        v = self._aud_validators.get(audience)
        if v is None:
            if len(self._aud_validators) >= _MAX_AUD_VALIDATORS:
                self._aud_validators.pop(next(iter(self._aud_validators)))
            v = tokenward.Validator(
                self.keyset,
                algorithms=sorted({r["alg"] for r in self.records.values()}),
                issuer=self.settings.effective_issuer,
                audience=list(audience),
                leeway=self.settings.leeway,
                typ="at+jwt",
                max_token_bytes=self.settings.max_token_bytes,
            )
            self._aud_validators[audience] = v
        return v
