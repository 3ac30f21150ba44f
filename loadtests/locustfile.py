"""Locust load test of the tokenward service (FastHttpUser).

The token pool is minted before the run by ``prepare.py`` (valid, expired, revoked and
forged tokens in a stated ratio, default 85/5/5/5), so the run measures validation, not
signing. Every response is checked: a valid token must come back active, every other
kind inactive (``active: false`` / ``valid: false`` with the expected error code); a
mismatch is a Locust failure.

User classes (pick one or more on the command line, e.g. ``locust ... IntrospectUser``):

* ``IntrospectUser``          a resource server introspecting one token per request
* ``BatchIntrospect10User``   ``/oauth2/introspect/batch`` with 10 tokens a call
* ``BatchIntrospect100User``  the same with 100 tokens a call
* ``ValidateUser``            ``/v1/validate`` with 10 tokens, error codes checked
* ``ClientCredentialsUser``   token issuance, ``grant_type=client_credentials``
* ``RefreshRotationUser``     refresh -> new pair -> introspect the new access token, repeat
* ``MixUser``                 the realistic mix: 70% single introspection, 10% batch of 10,
                              5% /v1/validate, 10% client_credentials, 5% refresh rotation

Environment: ``LOADTEST_POOL`` (pool JSON, default ``pool.json``), ``LOADTEST_USER_RATE``
(requests per second per user; unset = as fast as possible), ``LOADTEST_CHECKS`` (where
to write the per-kind outcome counts at the end), ``LOADTEST_INTROSPECT_PATH`` and
``LOADTEST_REVOCATION_AWARE=0`` (to point the single-introspection user at a baseline that
does not know about revocation).
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import random
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, between, constant_throughput, events, task

POOL: dict[str, Any] = json.loads(Path(os.environ.get("LOADTEST_POOL", "pool.json")).read_text())
AUTH = "Basic " + base64.b64encode(f"{POOL['client_id']}:{POOL['client_secret']}".encode()).decode()
FORM = {"Authorization": AUTH, "Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Authorization": AUTH, "Content-Type": "application/json"}
INTROSPECT_PATH = os.environ.get("LOADTEST_INTROSPECT_PATH", "/oauth2/introspect")
REVOCATION_AWARE = os.environ.get("LOADTEST_REVOCATION_AWARE", "1") != "0"
# Error code /v1/validate must give for each invalid kind.
EXPECTED_CODE = {"expired": {"expired"}, "revoked": {"revoked"}, "forged": {"bad_signature"}}


def _mix(seed: int = 7) -> list[tuple[str, str]]:
    """Every pool token once with its kind, shuffled: the pool's own ratio is the mix."""
    out = [(tok, kind) for kind, toks in POOL["tokens"].items() for tok in toks]
    random.Random(seed).shuffle(out)
    return out


MIX = _mix()
CHECKS: Counter[str] = Counter()


def expect_active(kind: str) -> bool:
    return kind == "valid" or (kind == "revoked" and not REVOCATION_AWARE)


def wait() -> Any:
    rate = os.environ.get("LOADTEST_USER_RATE")
    return constant_throughput(float(rate)) if rate else between(0, 0)


class TokenwardUser(FastHttpUser):
    abstract = True
    wait_time = wait()

    def on_start(self) -> None:
        # Each user walks the shuffled pool from its own offset.
        start = random.randrange(len(MIX))
        self.tokens = itertools.cycle(MIX[start:] + MIX[:start])

    def take(self, n: int) -> list[tuple[str, str]]:
        return [next(self.tokens) for _ in range(n)]

    # -- the request kinds -------------------------------------------------------------

    def introspect_one(self) -> None:
        token, kind = next(self.tokens)
        with self.client.post(
            INTROSPECT_PATH,
            data=f"token={token}",
            headers=FORM,
            catch_response=True,
            name="/oauth2/introspect",
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return
            active = resp.json().get("active")
            if active is not expect_active(kind):
                CHECKS["mismatch"] += 1
                resp.failure(f"{kind} token came back active={active}")
                return
            CHECKS["valid_active" if active else "invalid_inactive"] += 1

    def introspect_batch(self, n: int) -> None:
        batch = self.take(n)
        body = json.dumps({"tokens": [t for t, _ in batch]})
        with self.client.post(
            "/oauth2/introspect/batch",
            data=body,
            headers=JSON,
            catch_response=True,
            name=f"/oauth2/introspect/batch [{n}]",
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return
            results = resp.json().get("results", [])
            if len(results) != n:
                resp.failure(f"{len(results)} results for {n} tokens")
                return
            for (_, kind), res in zip(batch, results, strict=True):
                if res.get("active") is not expect_active(kind):
                    CHECKS["mismatch"] += 1
                    resp.failure(f"{kind} token came back active={res.get('active')}")
                    return
                CHECKS["valid_active" if kind == "valid" else "invalid_inactive"] += 1

    def validate(self, n: int = 10) -> None:
        batch = self.take(n)
        body = json.dumps({"tokens": [t for t, _ in batch], "audience": POOL["audience"]})
        with self.client.post(
            "/v1/validate",
            data=body,
            headers=JSON,
            catch_response=True,
            name=f"/v1/validate [{n}]",
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return
            for (_, kind), res in zip(batch, resp.json().get("results", []), strict=True):
                ok = (
                    res.get("valid") is True
                    if kind == "valid"
                    else (
                        res.get("valid") is False
                        and res.get("error", {}).get("code") in EXPECTED_CODE[kind]
                    )
                )
                if not ok:
                    CHECKS["mismatch"] += 1
                    resp.failure(f"{kind} token: {str(res)[:120]}")
                    return
                CHECKS["valid_active" if kind == "valid" else "invalid_inactive"] += 1

    def client_credentials(self) -> None:
        with self.client.post(
            "/oauth2/token",
            data="grant_type=client_credentials&scope=read%3Aorders",
            headers=FORM,
            catch_response=True,
            name="/oauth2/token [client_credentials]",
        ) as resp:
            if resp.status_code != 200 or "access_token" not in resp.json():
                resp.failure(f"HTTP {resp.status_code}: {resp.text[:120]}")

    def login(self) -> bool:
        """Password grant once per user (argon2id on the server): the start of a session."""
        form = urlencode(
            {
                "grant_type": "password",
                "username": POOL["username"],
                "password": POOL["password"],
                "scope": "read:orders",
            }
        )
        with self.client.post(
            "/oauth2/token",
            data=form,
            headers=FORM,
            catch_response=True,
            name="/oauth2/token [password, once per user]",
        ) as resp:
            body = resp.json() if resp.status_code == 200 else {}
            if "refresh_token" not in body:
                resp.failure(f"HTTP {resp.status_code}: {resp.text[:120]}")
                return False
        self.refresh_token = body["refresh_token"]
        return True

    def refresh_rotation(self) -> None:
        """Rotate this user's refresh token, then introspect the access token it got."""
        if not getattr(self, "refresh_token", None) and not self.login():
            return
        with self.client.post(
            "/oauth2/token",
            data=f"grant_type=refresh_token&refresh_token={self.refresh_token}",
            headers=FORM,
            catch_response=True,
            name="/oauth2/token [refresh_token]",
        ) as resp:
            body = resp.json() if resp.status_code == 200 else {}
            if "refresh_token" not in body or "access_token" not in body:
                self.refresh_token = None
                resp.failure(f"HTTP {resp.status_code}: {resp.text[:120]}")
                return
            self.refresh_token = body["refresh_token"]
        with self.client.post(
            "/oauth2/introspect",
            data=f"token={body['access_token']}",
            headers=FORM,
            catch_response=True,
            name="/oauth2/introspect [fresh from refresh]",
        ) as resp:
            if resp.status_code != 200 or resp.json().get("active") is not True:
                CHECKS["mismatch"] += 1
                resp.failure("freshly refreshed access token is not active")
            else:
                CHECKS["valid_active"] += 1


class IntrospectUser(TokenwardUser):
    @task
    def introspect(self) -> None:
        self.introspect_one()


class BatchIntrospect10User(TokenwardUser):
    @task
    def batch(self) -> None:
        self.introspect_batch(10)


class BatchIntrospect100User(TokenwardUser):
    @task
    def batch(self) -> None:
        self.introspect_batch(100)


class ValidateUser(TokenwardUser):
    @task
    def validate_tokens(self) -> None:
        self.validate(10)


class ClientCredentialsUser(TokenwardUser):
    @task
    def issue(self) -> None:
        self.client_credentials()


class RefreshRotationUser(TokenwardUser):
    @task
    def rotate(self) -> None:
        self.refresh_rotation()


class MixUser(TokenwardUser):
    @task(70)
    def introspect(self) -> None:
        self.introspect_one()

    @task(10)
    def batch10(self) -> None:
        self.introspect_batch(10)

    @task(5)
    def validate_tokens(self) -> None:
        self.validate(10)

    @task(10)
    def issue(self) -> None:
        self.client_credentials()

    @task(5)
    def rotate(self) -> None:
        self.refresh_rotation()


@events.quitting.add_listener
def _write_checks(environment: Any, **_kw: Any) -> None:
    path = os.environ.get("LOADTEST_CHECKS")
    if path:
        Path(path).write_text(json.dumps(dict(CHECKS)))
