"""Token issuance, evaluation (introspection / validation) and revocation.

Every JWT check goes through the library's ``tokenward.Validator`` (Rust core or
its Python twin). What the validator cannot know — revocations, refresh
families, opaque tokens — is fetched from the store for a whole batch in one
round trip, and "active" is always computed at request time.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import secrets
from collections.abc import Sequence
from typing import Any

import tokenward
from tokenward.exceptions import (
    BadAudienceError,
    ExpiredTokenError,
    InsufficientScopeError,
    InvalidTokenError,
    MalformedTokenError,
    NotYetValidError,
    RevokedTokenError,
    TokenTooLargeError,
)

from .crypto import token_hash
from .errors import InvalidGrant, InvalidScope
from .keys import KeyRing
from .settings import Settings
from .store import NOT_REVOKED, RevocationQuery, RevocationState, Store

_OPAQUE_RE = re.compile(r"[A-Za-z0-9_-]{16,512}")
_REV_SLACK = 60
_OFFLOAD_BATCH = 32
#: Longest refresh-token lifetime a client may be configured with (one year).
MAX_REFRESH_TTL = 366 * 24 * 3600
#: Offloading verification to a thread only pays when this process may run on more
#: than one core; pinned to one core it only adds thread hand-offs (~15 % more CPU
#: per batch of 100, measured).
_CAN_OFFLOAD = len(os.sched_getaffinity(0)) > 1 if hasattr(os, "sched_getaffinity") else True
INTROSPECTION_MEMBERS = (
    "scope",
    "client_id",
    "username",
    "token_type",
    "exp",
    "iat",
    "nbf",
    "sub",
    "aud",
    "iss",
    "jti",
)
INACTIVE: dict[str, Any] = {"active": False}

Result = dict[str, Any] | InvalidTokenError


def split_scope(scope: str | None) -> list[str]:
    return [s for s in (scope or "").split(" ") if s]


def looks_opaque(token: str) -> bool:
    return "." not in token and _OPAQUE_RE.fullmatch(token) is not None


class TokenService:
    def __init__(self, settings: Settings, store: Store, keyring: KeyRing) -> None:
        self.settings = settings
        self.store = store
        self.keyring = keyring

    @property
    def rev_fam_ttl(self) -> int:
        return self.settings.max_access_ttl + self.settings.leeway + _REV_SLACK

    # ------------------------------------------------------------------ issue
    def grant_scope(self, client: dict[str, Any], requested: str | None) -> str:
        allowed = list(client.get("scopes", []))
        if requested is None:
            return " ".join(allowed)
        wanted = split_scope(requested)
        if any(s not in allowed for s in wanted):
            raise InvalidScope("requested scope exceeds what the client may have")
        return " ".join(dict.fromkeys(wanted))

    def audience(self, client: dict[str, Any], requested: str | None) -> str:
        allowed: list[str] = list(client.get("audiences") or [])
        if requested is None:
            return allowed[0] if allowed else self.settings.effective_audience
        if requested not in allowed and not (
            not allowed and requested == self.settings.effective_audience
        ):
            raise InvalidGrant("audience not allowed for this client", error="invalid_target")
        return requested

    def refresh_ttl(self, client: dict[str, Any]) -> int:
        """The client's refresh lifetime, clamped like the access lifetime (a record
        written by hand or by an old CLI must never reach the store as a bad TTL)."""
        ttl = int(client.get("refresh_ttl") or self.settings.refresh_ttl)
        return max(1, min(ttl, MAX_REFRESH_TTL))

    def access_ttl(self, client: dict[str, Any]) -> int:
        ttl = int(client.get("access_ttl") or self.settings.access_ttl)
        return max(1, min(ttl, self.settings.max_access_ttl))

    async def issue_access(
        self,
        client: dict[str, Any],
        *,
        sub: str,
        scope: str,
        aud: str,
        fid: str | None,
        username: str | None,
    ) -> tuple[str, int]:
        now = int(self.settings.clock())
        ttl = self.access_ttl(client)
        claims: dict[str, Any] = {
            "iss": self.settings.effective_issuer,
            "sub": sub,
            "aud": aud,
            "exp": now + ttl,
            "iat": now,
            "nbf": now,
            "jti": secrets.token_urlsafe(16),
            "client_id": client["client_id"],
            "scope": scope,
        }
        if fid is not None:
            claims["fid"] = fid
        if client.get("token_format") == "opaque":
            token = secrets.token_urlsafe(32)
            if username is not None:
                claims["username"] = username
            await self.store.put_opaque(token_hash(token), claims, ttl)
            return token, ttl
        return tokenward.sign(claims, self.keyring.signer(), typ="at+jwt"), ttl

    async def token_response(
        self,
        client: dict[str, Any],
        *,
        sub: str,
        scope: str,
        aud: str,
        username: str | None,
        refresh: bool,
    ) -> dict[str, Any]:
        fid: str | None = None
        refresh_token: str | None = None
        if refresh:
            fid = secrets.token_urlsafe(16)
            refresh_token = secrets.token_urlsafe(32)
            ttl = self.refresh_ttl(client)
            now = int(self.settings.clock())
            record = self._refresh_record(client, fid, sub, scope, aud, username, now, ttl)
            await self.store.new_family(fid, token_hash(refresh_token), record, ttl)
        access, expires_in = await self.issue_access(
            client, sub=sub, scope=scope, aud=aud, fid=fid, username=username
        )
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": scope,
        }
        if refresh_token is not None:
            body["refresh_token"] = refresh_token
        return body

    @staticmethod
    def _refresh_record(
        client: dict[str, Any],
        fid: str,
        sub: str,
        scope: str,
        aud: str,
        username: str | None,
        now: int,
        ttl: int,
    ) -> dict[str, Any]:
        return {
            "fid": fid,
            "client_id": client["client_id"],
            "sub": sub,
            "username": username,
            "scope": scope,
            "aud": aud,
            "iat": now,
            "exp": now + ttl,
        }

    async def refresh(
        self, client: dict[str, Any], token: str, requested_scope: str | None
    ) -> dict[str, Any]:
        if not looks_opaque(token):
            raise InvalidGrant("invalid refresh token")
        old_hash = token_hash(token)
        record = await self.store.get_refresh(old_hash)
        now = int(self.settings.clock())
        if record is None or record.get("client_id") != client["client_id"]:
            raise InvalidGrant("invalid refresh token")
        if record["exp"] <= now:
            raise InvalidGrant("refresh token expired")
        granted = split_scope(record["scope"])
        if requested_scope is None:
            scope = record["scope"]
        else:
            wanted = split_scope(requested_scope)
            if any(s not in granted for s in wanted):
                raise InvalidScope("requested scope exceeds the original grant")
            scope = " ".join(dict.fromkeys(wanted))
        ttl = self.refresh_ttl(client)
        new_token = secrets.token_urlsafe(32)
        new_record = dict(record, iat=now, exp=now + ttl)  # family keeps the original grant
        status = await self.store.rotate_refresh(
            old_hash=old_hash,
            new_hash=token_hash(new_token),
            fid=record["fid"],
            client_id=client["client_id"],
            new_record=new_record,
            ttl=ttl,
            rev_fam_ttl=self.rev_fam_ttl,
        )
        if status == "reuse":
            raise InvalidGrant("refresh token reused; the token family has been revoked")
        if status != "ok":
            raise InvalidGrant("invalid refresh token")
        access, expires_in = await self.issue_access(
            client,
            sub=record["sub"],
            scope=scope,
            aud=record["aud"],
            fid=record["fid"],
            username=record.get("username"),
        )
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": scope,
            "refresh_token": new_token,
        }

    # --------------------------------------------------------------- evaluate
    async def evaluate(
        self,
        tokens: Sequence[object],
        *,
        validator: Any,
        scopes: Sequence[str] | None = None,
        audience: Sequence[str] | None = None,
    ) -> list[Result]:
        """Claims or the reason, per token, in order. One store round trip in total."""
        now = self.settings.clock()
        max_bytes = self.settings.max_token_bytes
        results: list[Result | None] = [None] * len(tokens)
        jwt_idx: list[int] = []
        jwt_tokens: list[str] = []
        queries: list[RevocationQuery] = []
        q_idx: list[int] = []
        for i, tok in enumerate(tokens):
            if not isinstance(tok, str):
                results[i] = MalformedTokenError("token must be a string")
            elif len(tok) * 4 > max_bytes and len(tok.encode("utf-8", "surrogatepass")) > max_bytes:
                results[i] = TokenTooLargeError("token too large")
            elif looks_opaque(tok):
                queries.append(RevocationQuery(opaque_hash=token_hash(tok)))
                q_idx.append(i)
            else:
                jwt_idx.append(i)
                jwt_tokens.append(tok)
        if jwt_tokens:
            want = list(scopes or []) or None
            if _CAN_OFFLOAD and len(jwt_tokens) >= _OFFLOAD_BATCH:
                # big batches: verify off the event loop (the Rust core releases the GIL)
                checked = await asyncio.get_running_loop().run_in_executor(
                    None,
                    functools.partial(validator.validate_many, jwt_tokens, scopes=want, now=now),
                )
            else:
                checked = validator.validate_many(jwt_tokens, scopes=want, now=now)
            add_query, add_idx = queries.append, q_idx.append
            for i, res in zip(jwt_idx, checked, strict=True):
                results[i] = res
                if isinstance(res, dict):
                    add_query(
                        RevocationQuery(
                            _str(res.get("jti")), _str(res.get("fid")), _str(res.get("sub"))
                        )
                    )
                    add_idx(i)
        states = await self.store.revocation_lookup(queries) if queries else []
        for i, state in zip(q_idx, states, strict=True):
            if state is NOT_REVOKED and results[i] is not None:
                continue  # a JWT none of whose keys is set (the usual case)
            current = results[i]
            if current is None:  # opaque
                results[i] = self._opaque_result(state, now, scopes, audience)
            elif isinstance(current, dict) and _revoked(current, state):
                results[i] = RevokedTokenError("token revoked")
        return [r if r is not None else MalformedTokenError("malformed") for r in results]

    def _opaque_result(
        self,
        state: RevocationState,
        now: float,
        scopes: Sequence[str] | None,
        audience: Sequence[str] | None,
    ) -> Result:
        rec = state.opaque
        if rec is None:
            return MalformedTokenError("unknown token")
        claims = {k: v for k, v in rec.items() if k != "rsk"}
        if state.fam_revoked or state.jti_revoked or _sub_revoked(claims, state):
            return RevokedTokenError("token revoked")
        leeway = self.settings.leeway
        if claims.get("exp", 0) <= now - leeway:
            return ExpiredTokenError("token expired")
        if claims.get("nbf", 0) > now + leeway:
            return NotYetValidError("token not yet valid")
        if audience is not None:
            aud = claims.get("aud")
            auds = aud if isinstance(aud, list) else [aud]
            if not any(a in audience for a in auds):
                return BadAudienceError("audience not accepted")
        if scopes:
            have = split_scope(claims.get("scope"))
            if any(s not in have for s in scopes):
                return InsufficientScopeError("insufficient scope")
        return claims

    async def introspect(
        self, tokens: Sequence[object], *, caller: dict[str, Any], hint: str | None = None
    ) -> list[dict[str, Any]]:
        results = await self.evaluate(tokens, validator=self.keyring.introspection_validator)
        out: list[dict[str, Any]] = []
        for tok, res in zip(tokens, results, strict=True):
            if isinstance(res, dict):
                out.append(introspection_body(res))
            elif hint == "refresh_token" and isinstance(tok, str) and looks_opaque(tok):
                out.append(await self._introspect_refresh(tok, caller))
            else:
                out.append(dict(INACTIVE))
        return out

    async def _introspect_refresh(self, token: str, caller: dict[str, Any]) -> dict[str, Any]:
        """Policy: a refresh token is active only for the client it was issued to,
        only when the caller says ``token_type_hint=refresh_token``."""
        h = token_hash(token)
        rec = await self.store.get_refresh(h)
        now = self.settings.clock()
        if rec is None or rec.get("client_id") != caller["client_id"] or rec["exp"] <= now:
            return dict(INACTIVE)
        if await self.store.family_current(rec["fid"]) != h:
            return dict(INACTIVE)
        body: dict[str, Any] = {
            "active": True,
            "token_type": "refresh_token",
            "client_id": rec["client_id"],
            "scope": rec["scope"],
            "sub": rec["sub"],
            "exp": rec["exp"],
            "iat": rec["iat"],
            "iss": self.settings.effective_issuer,
        }
        if rec.get("username"):
            body["username"] = rec["username"]
        return body

    # ----------------------------------------------------------------- revoke
    async def revoke(self, client: dict[str, Any], token: str, hint: str | None) -> None:
        """RFC 7009. Unknown / invalid / foreign tokens: nothing happens (200 anyway)."""
        if len(token.encode("utf-8", "surrogatepass")) > self.settings.max_token_bytes:
            return
        if looks_opaque(token):
            h = token_hash(token)
            rec = await self.store.get_refresh(h)
            if rec is not None and rec.get("client_id") == client["client_id"]:
                await self.store.revoke_family(rec["fid"], self.rev_fam_ttl)
                return
            opaque = await self.store.get_opaque(h)
            if opaque is not None and opaque.get("client_id") == client["client_id"]:
                await self.store.delete_opaque(h)
            return
        try:
            claims = self.keyring.introspection_validator.validate(token, now=self.settings.clock())
        except InvalidTokenError:
            return  # expired, forged or malformed: nothing to revoke
        if claims.get("client_id") != client["client_id"] or not isinstance(claims.get("jti"), str):
            return
        ttl = int(claims["exp"] - self.settings.clock()) + self.settings.leeway + 1
        await self.store.revoke_jti(claims["jti"], ttl)

    async def revoke_user(self, sub: str) -> int:
        return await self.store.revoke_user(sub, int(self.settings.clock()), self.rev_fam_ttl)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _sub_revoked(claims: dict[str, Any], state: RevocationState) -> bool:
    upto = state.sub_revoked_upto
    iat = claims.get("iat")
    return upto is not None and isinstance(iat, int | float) and iat <= upto


def _revoked(claims: dict[str, Any], state: RevocationState) -> bool:
    return state.jti_revoked or state.fam_revoked or _sub_revoked(claims, state)


def introspection_body(claims: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"active": True}
    body.update({name: claims[name] for name in INTROSPECTION_MEMBERS if name in claims})
    body.setdefault("token_type", "Bearer")
    if "username" not in body and claims.get("sub") not in (None, claims.get("client_id")):
        body["username"] = claims["sub"]
    return body
