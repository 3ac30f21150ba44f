"""Validator benchmark: tokenward (Rust and Python backends) against the Python JWT libraries.

Per algorithm (RS256, PS256, ES256, EdDSA, HS256) a pool of distinct tokens (distinct
``jti``/``sub``, signed once with PyJWT so no library signs its own input) is validated by
every library the idiomatic way, keys parsed once, full validation (signature + exp + iss +
aud). Each measurement walks the whole pool; the figure is the median of ``--repeats``
walks, and the libraries are interleaved per repeat so that background noise lands on all
of them alike. Next to the speed, each library is checked to accept every valid token and
to reject a forged and an expired one.

Two floors bound what is possible: the ``cryptography`` verify call alone on pre-split
(message, signature) pairs, and the Rust crate's verify alone (``cargo run --release
--example verify_floor``, no parsing, no Python).

    python benchmarks/bench_validate.py            # full run (about 2-4 minutes)
    python benchmarks/bench_validate.py --quick    # 200 tokens, 3 repeats, no cargo
    python benchmarks/bench_validate.py --json out.json
"""

from __future__ import annotations

import argparse
import base64
import collections
import functools
import hmac
import itertools
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ALGS = ("RS256", "PS256", "ES256", "EdDSA", "HS256")
ISS = "https://issuer.example"
AUD = "api://orders"
KID = "k1"

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", message=".*[Ee]d[Dd][Ss][Aa].*")
warnings.filterwarnings("ignore", module="authlib.*")
warnings.filterwarnings("ignore", module="joserfc.*")

Validate = Callable[[str], Any]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(seg: str) -> bytes:
    return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


# --------------------------------------------------------------------------- keys, tokens


@dataclass
class AlgFixture:
    alg: str
    private_key: Any  # cryptography private key, or the HMAC secret (bytes)
    public_key: Any  # cryptography public key, or the HMAC secret (bytes)
    jwk: dict[str, Any]  # public JWK (oct JWK for HS256), with alg/kid/use
    tokens: list[str] = field(default_factory=list)
    expired: str = ""
    forged: str = ""


def make_fixture(alg: str, n: int) -> AlgFixture:
    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from jwcrypto import jwk as jwcrypto_jwk

    if alg in ("RS256", "PS256"):
        priv: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif alg == "ES256":
        priv = ec.generate_private_key(ec.SECP256R1())
    elif alg == "EdDSA":
        priv = ed25519.Ed25519PrivateKey.generate()
    else:
        # ASCII secret of 64 bytes: above the 32-byte minimum of RFC 7518 3.2 and never
        # mistakable for key material.
        priv = secrets.token_urlsafe(48).encode()
    if isinstance(priv, bytes):
        pub: Any = priv
        jwk = {"kty": "oct", "k": b64url(priv)}
    else:
        pub = priv.public_key()
        jwk = jwcrypto_jwk.JWK.from_pyca(pub).export_public(as_dict=True)
    jwk.update({"alg": alg, "kid": KID, "use": "sig"})
    fx = AlgFixture(alg, priv, pub, jwk)

    now = int(time.time())
    run = secrets.token_hex(4)
    for i in range(n):
        claims = {
            "iss": ISS,
            "sub": f"user-{run}-{i}",
            "aud": AUD,
            "iat": now,
            "exp": now + 3600,
            "jti": f"{run}-{i:06d}-{secrets.token_hex(8)}",
            "client_id": "bench-client",
            "scope": "read:orders write:orders",
        }
        fx.tokens.append(pyjwt.encode(claims, priv, algorithm=alg, headers={"kid": KID}))
    expired_claims = {
        "iss": ISS,
        "sub": "late",
        "aud": AUD,
        "iat": now - 7200,
        "exp": now - 3600,
        "jti": "expired",
    }
    fx.expired = pyjwt.encode(expired_claims, priv, algorithm=alg, headers={"kid": KID})
    head, payload, sig = fx.tokens[0].split(".")
    raw = bytearray(b64url_decode(sig))
    raw[len(raw) // 2] ^= 0x01
    fx.forged = f"{head}.{payload}.{b64url(bytes(raw))}"
    return fx


# --------------------------------------------------------------------------- libraries
# Each factory returns (validate, version) where validate(token) returns the claims or
# raises; a factory raising ImportError/Exception marks the library as unavailable.


def _tokenward_validator(fx: AlgFixture, backend: str) -> Any:
    import tokenward

    keys = tokenward.KeySet.from_jwks({"keys": [fx.jwk]}, backend=backend)
    return tokenward.Validator(keys, algorithms=[fx.alg], issuer=ISS, audience=AUD, leeway=0)


def lib_tokenward_rust(fx: AlgFixture) -> tuple[Validate, str]:
    import tokenward

    return _tokenward_validator(fx, "rust").validate, getattr(tokenward, "__version__", "")


def lib_tokenward_python(fx: AlgFixture) -> tuple[Validate, str]:
    import tokenward

    return _tokenward_validator(fx, "python").validate, getattr(tokenward, "__version__", "")


def fastest_form(
    fx: AlgFixture, make: Callable[[Any], Validate], forms: dict[str, Any]
) -> tuple[Validate, str]:
    """Build the validator with each idiomatic key form and keep the fastest, so a peer is
    never measured on a slow path it did not have to take."""
    best: tuple[float, Validate, str] | None = None
    sample = fx.tokens[:50]
    for label, key in forms.items():
        try:
            fn = make(key)
            fn(sample[0])
        except Exception:
            continue
        dt = min(walk(fn, sample) for _ in range(2))
        if best is None or dt < best[0]:
            best = (dt, fn, label)
    if best is None:
        raise RuntimeError("no key form accepted")
    return best[1], best[2]


def key_forms(fx: AlgFixture, pyjwk: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization

    if isinstance(fx.public_key, bytes):
        return {"secret": fx.public_key, "PyJWK": pyjwk(fx.jwk)}
    pem = fx.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {"PyJWK": pyjwk(fx.jwk), "PEM": pem, "key object": fx.public_key}


def lib_pyjwt(fx: AlgFixture) -> tuple[Validate, str]:
    import jwt

    def make(key: Any) -> Validate:
        return functools.partial(
            jwt.decode,
            key=key,
            algorithms=[fx.alg],
            audience=AUD,
            issuer=ISS,
            options={"require": ["exp", "iss", "aud"]},
        )

    fn, form = fastest_form(fx, make, key_forms(fx, jwt.PyJWK))
    return fn, f"{jwt.__version__} ({form})"


def lib_pyjwt_rs(fx: AlgFixture) -> tuple[Validate, str]:
    import jwt_rs

    def make(key: Any) -> Validate:
        return functools.partial(
            jwt_rs.decode,
            key=key,
            algorithms=[fx.alg],
            audience=AUD,
            issuer=ISS,
            options={"require": ["exp", "iss", "aud"]},
        )

    fn, form = fastest_form(fx, make, key_forms(fx, jwt_rs.PyJWK))
    return fn, f"{jwt_rs.__pyjwt_rs_version__} ({form})"


def lib_oxyjwt(fx: AlgFixture) -> tuple[Validate, str]:
    import oxyjwt

    key = oxyjwt.DecodingKey.from_jwk(fx.jwk)
    # exp is validated (and required) by default; keyword set chosen so oxyjwt takes its
    # documented fast path (leeway 0, no options).
    fn = functools.partial(oxyjwt.decode, key=key, algorithms=[fx.alg], audience=AUD, issuer=ISS)
    return fn, oxyjwt.__version__


def lib_jwcrypto(fx: AlgFixture) -> tuple[Validate, str]:
    from importlib.metadata import version

    from jwcrypto import jwk, jwt

    key = jwk.JWK(**fx.jwk)
    check = {"iss": ISS, "aud": AUD, "exp": None}
    algs = [fx.alg]

    def validate(token: str) -> Any:
        t = jwt.JWT(jwt=token, key=key, algs=algs, check_claims=check, expected_type="JWS")
        return json.loads(t.claims)

    return validate, version("jwcrypto")


def lib_joserfc(fx: AlgFixture) -> tuple[Validate, str]:
    from importlib.metadata import version

    from joserfc import jwt
    from joserfc.jwk import import_key

    key = import_key(fx.jwk)
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISS},
        aud={"essential": True, "value": AUD},
        exp={"essential": True},
    )
    algs = [fx.alg]

    def validate(token: str) -> Any:
        tok = jwt.decode(token, key, algorithms=algs)
        registry.validate(tok.claims)
        return tok.claims

    return validate, version("joserfc")


def lib_authlib(fx: AlgFixture) -> tuple[Validate, str]:
    from importlib.metadata import version

    from authlib.jose import JsonWebKey, JsonWebToken

    key = JsonWebKey.import_key(fx.jwk)
    decoder = JsonWebToken([fx.alg])
    opts = {
        "iss": {"essential": True, "value": ISS},
        "aud": {"essential": True, "value": AUD},
        "exp": {"essential": True},
    }

    def validate(token: str) -> Any:
        claims = decoder.decode(token, key, claims_options=opts)
        claims.validate()
        return claims

    return validate, version("authlib")


def lib_cryptography_floor(fx: AlgFixture) -> tuple[Validate, str]:
    """The bare verify call on (message, signature) pairs split and decoded beforehand."""
    from importlib.metadata import version

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    def split(token: str) -> tuple[bytes, bytes]:
        signing_input, _, sig = token.rpartition(".")
        raw = b64url_decode(sig)
        if fx.alg == "ES256":
            raw = encode_dss_signature(
                int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
            )
        return signing_input.encode(), raw

    pub = fx.public_key
    sha256 = hashes.SHA256()
    if fx.alg == "RS256":
        pad: Any = padding.PKCS1v15()
        verify: Callable[[bytes, bytes], None] = lambda m, s: pub.verify(s, m, pad, sha256)  # noqa: E731
    elif fx.alg == "PS256":
        pad = padding.PSS(mgf=padding.MGF1(sha256), salt_length=32)
        verify = lambda m, s: pub.verify(s, m, pad, sha256)  # noqa: E731
    elif fx.alg == "ES256":
        ecdsa = ec.ECDSA(sha256)
        verify = lambda m, s: pub.verify(s, m, ecdsa)  # noqa: E731
    elif fx.alg == "EdDSA":
        verify = lambda m, s: pub.verify(s, m)  # noqa: E731
    else:
        secret = pub
        digest, compare = hmac.digest, hmac.compare_digest

        def verify(m: bytes, s: bytes) -> None:
            if not compare(digest(secret, m, "sha256"), s):
                raise InvalidSignature

    return Floor(verify, split), version("cryptography")


class Floor:
    """A verify primitive timed on inputs split beforehand (``walk`` uses ``starmap``)."""

    def __init__(self, verify: Callable[..., None], split: Callable[[str], tuple[Any, ...]]):
        self.verify, self.split = verify, split

    def __call__(self, token: str) -> bool:
        self.verify(*self.split(token))
        return True


def lib_ryjwt(fx: AlgFixture) -> tuple[Validate, str]:
    """ryjwt (Python >= 3.12 only): runs in the worker interpreter, see ``run_ryjwt``."""
    from importlib.metadata import version

    import ryjwt

    if isinstance(fx.public_key, bytes):
        key = ryjwt.SecretKey(fx.public_key, algorithms=[fx.alg], audience=AUD, issuer=ISS)
        return key.decode, version("ryjwt")
    from cryptography.hazmat.primitives import serialization

    pem = fx.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forms = {
        "JWKS": ryjwt.PublicKey.from_jwks(
            {"keys": [fx.jwk]}, algorithms=[fx.alg], audience=AUD, issuer=ISS
        ),
        "PEM": ryjwt.PublicKey(pem, algorithms=[fx.alg], audience=AUD, issuer=ISS),
    }
    fn, form = fastest_form(fx, lambda k: k.decode, forms)
    return fn, f"{version('ryjwt')} ({form})"


LIBRARIES: dict[str, Callable[[AlgFixture], tuple[Validate, str]]] = {
    "tokenward rust": lib_tokenward_rust,
    "tokenward python": lib_tokenward_python,
    "PyJWT": lib_pyjwt,
    "pyjwt-rs": lib_pyjwt_rs,
    "oxyjwt": lib_oxyjwt,
    "jwcrypto": lib_jwcrypto,
    "joserfc": lib_joserfc,
    "authlib": lib_authlib,
    "cryptography verify (floor)": lib_cryptography_floor,
}
# Peers whose single-token call is run from 2 Python threads to see who releases the GIL.
THREADED = ("tokenward rust", "oxyjwt", "pyjwt-rs", "PyJWT")


# --------------------------------------------------------------------------- measurement


def walk(fn: Validate, pool: Sequence[Any]) -> float:
    """Seconds to validate the whole pool once (map + deque: minimal loop overhead)."""
    if isinstance(fn, Floor):
        pool = [fn.split(t) for t in pool]
        t0 = time.perf_counter()
        collections.deque(itertools.starmap(fn.verify, pool), maxlen=0)
        return time.perf_counter() - t0
    t0 = time.perf_counter()
    collections.deque(map(fn, pool), maxlen=0)
    return time.perf_counter() - t0


def walk_threads(fn: Validate, pool: Sequence[str], threads: int) -> float:
    chunks = [pool[i::threads] for i in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def work(chunk: Sequence[str]) -> None:
        barrier.wait()
        collections.deque(map(fn, chunk), maxlen=0)

    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    barrier.wait()
    t0 = time.perf_counter()
    for w in workers:
        w.join()
    return time.perf_counter() - t0


def check(fn: Validate, fx: AlgFixture) -> dict[str, Any]:
    """Correctness next to speed: every valid token accepted, forged and expired refused."""
    accepted = 0
    first_error = ""
    for t in fx.tokens:
        try:
            r = fn(t)
            if r is True or (hasattr(r, "get") and r.get("iss") == ISS):
                accepted += 1
            elif not first_error:
                first_error = f"unexpected result {type(r).__name__}"
        except Exception as exc:
            first_error = first_error or f"{type(exc).__name__}: {exc}"
    out: dict[str, Any] = {"accepted": accepted, "of": len(fx.tokens)}
    for name, tok in (("forged_rejected", fx.forged), ("expired_rejected", fx.expired)):
        try:
            fn(tok)
            out[name] = False
        except Exception:
            out[name] = True
    if first_error:
        out["first_error"] = first_error[:160]
    return out


@dataclass
class Row:
    lib: str
    alg: str
    version: str = ""
    samples: list[float] = field(default_factory=list)  # µs/token per repeat
    check: dict[str, Any] = field(default_factory=dict)
    unavailable: str = ""
    threads2_us: float | None = None  # µs/token (wall) when 2 Python threads share the pool

    @property
    def us(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")


def rust_floor(timeout: float) -> tuple[dict[str, float], str]:
    """Run the Rust engineer's verify_floor example; returns ({alg: µs}, note)."""
    cmd = ["cargo", "run", "--quiet", "--release", "--example", "verify_floor"]
    try:
        proc = subprocess.run(
            cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {}, f"not run: {exc}"
    floors = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"\s*floor\s+(\S+)\s+([0-9.]+)", line)
        if m:
            floors[m.group(1)] = float(m.group(2))
    if not floors:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {}, f"unavailable (exit {proc.returncode}: {tail[:120]})"
    return floors, "cargo run --release --example verify_floor"


PY312_VENV = Path.home() / ".cache" / "tokenward-bench" / "py312"


def fixture_to_json(fx: AlgFixture) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization

    if isinstance(fx.public_key, bytes):
        key = {"secret": b64url(fx.public_key)}
    else:
        key = {
            "pem": fx.public_key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode()
        }
    return {
        "alg": fx.alg,
        "jwk": fx.jwk,
        "tokens": fx.tokens,
        "expired": fx.expired,
        "forged": fx.forged,
        **key,
    }


def fixture_from_json(d: dict[str, Any]) -> AlgFixture:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    pub: Any = (
        b64url_decode(d["secret"]) if "secret" in d else load_pem_public_key(d["pem"].encode())
    )
    return AlgFixture(d["alg"], None, pub, d["jwk"], d["tokens"], d["expired"], d["forged"])


def ryjwt_worker(src: Path, dst: Path, repeats: int, threads: bool) -> None:
    """Inside the Python >= 3.12 venv: ryjwt and the cryptography floor on the same tokens."""
    out: dict[str, Any] = {"python": sys.version.split()[0]}
    for d in json.loads(src.read_text()):
        fx = fixture_from_json(d)
        res: dict[str, Any] = {}
        try:
            fn, ver = lib_ryjwt(fx)
        except Exception as exc:
            out[fx.alg] = {"unavailable": f"{type(exc).__name__}: {exc}"[:160]}
            continue
        floor, _ = lib_cryptography_floor(fx)
        res["check"] = check(fn, fx)
        res["version"] = ver
        rs, fl = [], []
        for _ in range(repeats):
            rs.append(walk(fn, fx.tokens) / len(fx.tokens) * 1e6)
            fl.append(walk(floor, fx.tokens) / len(fx.tokens) * 1e6)
        res.update(samples_us=rs, us=statistics.median(rs), floor_us=statistics.median(fl))
        if threads:
            res["threads2_us"] = statistics.median(
                walk_threads(fn, fx.tokens, 2) / len(fx.tokens) * 1e6
                for _ in range(max(3, repeats // 2))
            )
        out[fx.alg] = res
    dst.write_text(json.dumps(out))


def find_py312() -> tuple[Path | None, str]:
    """An interpreter >= 3.12 with ryjwt: $TOKENWARD_BENCH_PY312, else a venv made once."""
    env = os.environ.get("TOKENWARD_BENCH_PY312")
    if env:
        return Path(env), env
    venv_py = PY312_VENV / "bin" / "python"
    if venv_py.exists():
        return venv_py, str(PY312_VENV)
    candidates = sorted(Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python3"))
    candidates += [
        Path(p) for p in (shutil.which(n) for n in ("python3.14", "python3.13", "python3.12")) if p
    ]
    for py in candidates:
        probe = subprocess.run(
            [py, "-c", "import sys; print(sys.version_info >= (3, 12))"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.stdout.strip() != "True":
            continue
        print(f"# creating {PY312_VENV} from {py} for ryjwt", file=sys.stderr)
        made = subprocess.run([py, "-m", "venv", str(PY312_VENV)], check=False)
        if (
            made.returncode == 0
            and subprocess.run(
                [venv_py, "-m", "pip", "install", "-q", "ryjwt", "cryptography"], check=False
            ).returncode
            == 0
        ):
            return venv_py, str(PY312_VENV)
        return None, f"could not set up a venv from {py}"
    return None, (f"skipped: needs Python >= 3.12, this machine has only {sys.version.split()[0]}")


def run_ryjwt(fixtures: list[AlgFixture], args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    py, where = find_py312()
    if py is None:
        return {}, where
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "fixtures.json", Path(tmp) / "out.json"
        src.write_text(json.dumps([fixture_to_json(fx) for fx in fixtures]))
        cmd = [
            str(py),
            __file__,
            "--ryjwt-worker",
            str(src),
            str(dst),
            "--repeats",
            str(args.repeats),
        ]
        if args.no_threads:
            cmd.append("--no-threads")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not dst.exists():
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {}, f"worker failed: {tail[:160]}"
        out = json.loads(dst.read_text())
    return out, f"run in a Python {out.pop('python')} venv ({where}) on the same tokens"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def bench(args: argparse.Namespace) -> dict[str, Any]:
    # The Rust floor binary runs before, between and after the Python measurements; the
    # median per algorithm counts, so it sees the same background load as the rest.
    floor_runs: list[dict[str, float]] = []
    floor_note = "skipped (--no-cargo)"

    def sample_floor() -> None:
        nonlocal floor_note
        if not args.no_cargo:
            got, floor_note = rust_floor(args.cargo_timeout)
            if got:
                floor_runs.append(got)

    sample_floor()
    rows: dict[tuple[str, str], Row] = {}
    many: dict[tuple[str, int], list[float]] = {}
    many_check: dict[str, dict[str, Any]] = {}
    algs = [a for a in ALGS if not args.algs or a in args.algs]
    libs = [name for name in LIBRARIES if not args.libs or name in args.libs]
    fixtures = []
    for alg in algs:
        t0 = time.perf_counter()
        fx = make_fixture(alg, args.tokens)
        fixtures.append(fx)
        fns: dict[str, Validate] = {}
        for name in libs:
            row = rows[(name, alg)] = Row(name, alg)
            try:
                fn, row.version = LIBRARIES[name](fx)
                row.check = check(fn, fx)
                row.check["floor"] = isinstance(fn, Floor)
                fns[name] = fn
            except Exception as exc:
                row.unavailable = f"{type(exc).__name__}: {exc}"[:160]
        batch = None
        if "tokenward rust" in fns:
            batch = _tokenward_validator(fx, "rust")
            res = batch.validate_many(fx.tokens, threads=1)
            ok = sum(1 for r in res if isinstance(r, dict))
            many_check[alg] = {"accepted": ok, "of": len(fx.tokens)}
        for _ in range(args.repeats):
            for name, fn in fns.items():
                rows[(name, alg)].samples.append(walk(fn, fx.tokens) / len(fx.tokens) * 1e6)
            if batch is not None:
                for threads in (1, 2):
                    t = time.perf_counter()
                    batch.validate_many(fx.tokens, threads=threads)
                    dt = time.perf_counter() - t
                    many.setdefault((alg, threads), []).append(dt / len(fx.tokens) * 1e6)
        if not args.no_threads:
            for name in THREADED:
                if name in fns:
                    samples = [
                        walk_threads(fns[name], fx.tokens, 2) / len(fx.tokens) * 1e6
                        for _ in range(max(3, args.repeats // 2))
                    ]
                    rows[(name, alg)].threads2_us = statistics.median(samples)
        print(f"# {alg}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        sample_floor()

    ryjwt: dict[str, Any] = {}
    ryjwt_note = "skipped (--no-ryjwt)"
    if not args.no_ryjwt:
        ryjwt, ryjwt_note = run_ryjwt(fixtures, args)
    floors = {
        alg: statistics.median(run[alg] for run in floor_runs if alg in run)
        for alg in {a for run in floor_runs for a in run}
    }
    if floor_runs:
        floor_note += f", median of {len(floor_runs)} runs spread over the benchmark"

    return {
        "meta": {
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "python": sys.version.split()[0],
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "loadavg_at_end": os.getloadavg(),
            "tokens_per_pool": args.tokens,
            "repeats": args.repeats,
            "rust_floor": floor_note,
            "ryjwt": ryjwt_note,
        },
        "rows": [
            {
                "lib": r.lib,
                "alg": r.alg,
                "version": r.version,
                "us_per_token": r.us,
                "samples_us": [round(s, 3) for s in r.samples],
                "check": r.check,
                "unavailable": r.unavailable,
                "threads2_us": r.threads2_us,
            }
            for r in rows.values()
        ],
        "validate_many": [
            {
                "alg": alg,
                "threads": th,
                "us_per_token": statistics.median(s),
                "samples_us": [round(x, 3) for x in s],
                "check": many_check.get(alg, {}),
            }
            for (alg, th), s in many.items()
        ],
        "rust_floor_us": floors,
        "ryjwt": ryjwt,
    }


# --------------------------------------------------------------------------- report

REF = {  # issue 2, µs/token measured before any code existed, on this kind of machine
    "ryjwt": {
        "RS256": (20, 21),
        "PS256": (21, 25),
        "ES256": (61, 69),
        "EdDSA": (43, 43),
        "HS256": (3.1, 3.5),
    },
    "floor": {
        "RS256": (21, 24),
        "PS256": (28, 30),
        "ES256": (67, 72),
        "EdDSA": (118, 128),
        "HS256": (2.4, 2.6),
    },
}


def fmt_us(us: float) -> str:
    if us != us:  # NaN
        return "n/a"
    return f"{us:.2f}" if us < 10 else f"{us:.1f}" if us < 100 else f"{us:.0f}"


def fmt_rate(us: float) -> str:
    return "n/a" if us != us or us <= 0 else f"{1e6 / us:,.0f}"


def check_cell(c: dict[str, Any]) -> str:
    if not c:
        return ""
    s = f"{c.get('accepted', 0)}/{c.get('of', 0)}"
    if c.get("floor"):
        s += " ok" if c["forged_rejected"] else " **ACCEPTS FORGED**"
    elif "forged_rejected" in c:
        s += " ok" if c["forged_rejected"] and c["expired_rejected"] else " **ACCEPTS BAD**"
    return s


def report(res: dict[str, Any]) -> str:
    meta = res["meta"]
    rows = res["rows"]
    many = {(m["alg"], m["threads"]): m for m in res["validate_many"]}
    floors = res["rust_floor_us"]
    algs = [a for a in ALGS if any(r["alg"] == a for r in rows)]
    out = [
        f"Validator benchmark — {meta['when']}; Python {meta['python']}; {meta['cpu']}, "
        f"{meta['cores']} cores; load average at end {meta['loadavg_at_end'][0]:.2f}",
        "",
        f"Pool of {meta['tokens_per_pool']} distinct tokens per algorithm; median of "
        f"{meta['repeats']} walks of the pool; ratio = µs/token ÷ tokenward rust's "
        "(>1 = slower than tokenward rust). Check = valid tokens accepted / pool, "
        "'ok' = forged and expired tokens refused.",
        f"ryjwt: {meta['ryjwt']}. Rust floor: {meta['rust_floor']}.",
        "",
    ]
    out += noise_line(res, algs)
    out += matrix(res, algs)
    for alg in algs:
        by_lib = {r["lib"]: r for r in rows if r["alg"] == alg}
        base = by_lib.get("tokenward rust", {}).get("us_per_token", float("nan"))
        out += [
            f"### {alg}",
            "",
            "| library | µs/token | tokens/s | ratio | 2 threads µs/token (speed-up) | check |",
            "|---|---:|---:|---:|---:|---|",
        ]
        entries: list[tuple[str, float, str, str]] = []
        for name, r in by_lib.items():
            if r["unavailable"]:
                out.append(f"| {name} | n/a | n/a | | | {r['unavailable']} |")
                continue
            t2 = ""
            if r["threads2_us"]:
                t2 = f"{fmt_us(r['threads2_us'])} ({r['us_per_token'] / r['threads2_us']:.2f}x)"
            entries.append(
                (f"{name} {r['version']}".strip(), r["us_per_token"], t2, check_cell(r["check"]))
            )
        for th in (1, 2):
            if (alg, th) in many:
                m = many[(alg, th)]
                entries.append(
                    (
                        f"tokenward rust validate_many (threads={th})",
                        m["us_per_token"],
                        "",
                        check_cell(m["check"]),
                    )
                )
        if alg in floors:
            entries.append(("Rust crate verify alone (floor)", floors[alg], "", ""))
        ry = res["ryjwt"].get(alg)
        crypto = by_lib.get("cryptography verify (floor)")
        if ry and "us" in ry and crypto and not crypto["unavailable"]:
            scale = crypto["us_per_token"] / ry["floor_us"]
            t2 = ""
            if ry.get("threads2_us"):
                t2 = f"{fmt_us(ry['threads2_us'] * scale)} ({ry['us'] / ry['threads2_us']:.2f}x)"
            entries.append(
                (
                    f"ryjwt {ry['version']} †: {fmt_us(ry['us'])} µs raw, floor "
                    f"{fmt_us(ry['floor_us'])} there",
                    ry["us"] * scale,
                    t2,
                    check_cell(ry["check"]),
                )
            )
        elif ry:
            out.append(f"| ryjwt | n/a | n/a | | | {ry.get('unavailable', '')} |")
        for label, us, t2, chk in sorted(entries, key=lambda e: e[1]):
            ratio = f"{us / base:.2f}x" if base == base else ""
            out.append(f"| {label} | {fmt_us(us)} | {fmt_rate(us)} | {ratio} | {t2} | {chk} |")
        out.append("")
    if res["ryjwt"]:
        out += [
            "† ryjwt needs Python ≥ 3.12 and ran in a separate interpreter on the same "
            "tokens; its µs/token here is scaled by (cryptography floor in this run ÷ "
            "cryptography floor in that run), as issue 2 asks.",
            "",
        ]
    out += targets(res)
    return "\n".join(out)


def noise_line(res: dict[str, Any], algs: list[str]) -> list[str]:
    """How loaded the machine was: our cryptography floor against issue 2's quiet-machine one."""
    parts = []
    for r in res["rows"]:
        if r["lib"] == "cryptography verify (floor)" and not r["unavailable"]:
            lo, hi = REF["floor"][r["alg"]]
            parts.append(f"{r['alg']} {r['us_per_token'] / ((lo + hi) / 2):.2f}x")
    if not parts:
        return []
    return [
        "Machine load: the cryptography floor ran at " + ", ".join(parts) + " of its time on "
        "the quiet machine of issue 2 (1.00x = as quiet; larger = slowed by other work).",
        "",
    ]


def matrix(res: dict[str, Any], algs: list[str]) -> list[str]:
    """One table for the README: µs/token per library and algorithm (ratio to tokenward rust)."""
    cells: dict[str, dict[str, float]] = {}
    for r in res["rows"]:
        if not r["unavailable"]:
            cells.setdefault(r["lib"], {})[r["alg"]] = r["us_per_token"]
    for m in res["validate_many"]:
        cells.setdefault(f"tokenward rust validate_many ({m['threads']} thr)", {})[m["alg"]] = m[
            "us_per_token"
        ]
    crypto = cells.get("cryptography verify (floor)", {})
    for alg, ry in res["ryjwt"].items():
        if "us" in ry and alg in crypto:
            cells.setdefault("ryjwt (Python 3.12, floor-scaled)", {})[alg] = (
                ry["us"] * crypto[alg] / ry["floor_us"]
            )
    for alg, us in res["rust_floor_us"].items():
        cells.setdefault("Rust crate verify alone (floor)", {})[alg] = us
    base = cells.get("tokenward rust", {})
    out = [
        "### Summary: µs per validated token (ratio to tokenward rust)",
        "",
        "| library | " + " | ".join(algs) + " |",
        "|---|" + "---:|" * len(algs),
    ]
    for lib, by_alg in cells.items():
        row = []
        for alg in algs:
            us = by_alg.get(alg)
            if us is None:
                row.append("n/a")
            elif alg in base and lib != "tokenward rust":
                row.append(f"{fmt_us(us)} ({us / base[alg]:.2f}x)")
            else:
                row.append(fmt_us(us))
        out.append(f"| {lib} | " + " | ".join(row) + " |")
    return [*out, ""]


def targets(res: dict[str, Any]) -> list[str]:
    rows = {(r["lib"], r["alg"]): r for r in res["rows"] if not r["unavailable"]}
    many = {(m["alg"], m["threads"]): m["us_per_token"] for m in res["validate_many"]}
    floors = res["rust_floor_us"]
    lines = ["### Targets (issue 2)", "", "| target | measured | verdict |", "|---|---|---|"]

    def add(target: str, measured: str, ok: bool | None) -> None:
        verdict = "n/a" if ok is None else "met" if ok else "**missed**"
        lines.append(f"| {target} | {measured} | {verdict} |")

    for alg in ALGS:
        tw = rows.get(("tokenward rust", alg))
        if not tw:
            continue
        us = tw["us_per_token"]
        crypto = rows.get(("cryptography verify (floor)", alg))
        ry = res["ryjwt"].get(alg, {})
        if crypto and "us" in ry:
            # Both divided by the cryptography floor of their own interpreter's run.
            ours, theirs = us / crypto["us_per_token"], ry["us"] / ry["floor_us"]
            add(
                f"{alg} validate at least as fast as ryjwt",
                f"{fmt_us(us)} vs {fmt_us(ry['us'] * crypto['us_per_token'] / ry['floor_us'])}"
                f" µs (÷ floor: {ours:.2f} vs {theirs:.2f}); {theirs / ours:.2f}x",
                ours <= theirs,
            )
        else:
            lo, hi = REF["ryjwt"][alg]
            add(
                f"{alg} validate ≤ ryjwt ({lo}-{hi} µs, issue 2 reference)",
                f"{fmt_us(us)} µs",
                us <= hi,
            )
        if alg in ("RS256", "HS256") and ("oxyjwt", alg) in rows:
            ox = rows[("oxyjwt", alg)]["us_per_token"]
            add(
                f"{alg} validate ≥ 1.2x faster than oxyjwt",
                f"{ox / us:.2f}x ({fmt_us(ox)} µs)",
                ox / us >= 1.2,
            )
        if alg == "HS256":
            add("HS256 validate < 3 µs", f"{fmt_us(us)} µs", us < 3)
        m1 = many.get((alg, 1))
        m2 = many.get((alg, 2))
        if m1 and alg != "HS256":
            if alg in floors:
                add(
                    f"{alg} validate_many ≤ 1.15x Rust verify floor",
                    f"{m1 / floors[alg]:.2f}x ({fmt_us(m1)} vs {fmt_us(floors[alg])} µs)",
                    m1 / floors[alg] <= 1.15,
                )
            else:
                add(f"{alg} validate_many ≤ 1.15x Rust verify floor", "floor not measured", None)
        if m1 and m2 and alg != "HS256":
            add(f"{alg} validate_many 2 threads ≥ 1.8x 1 thread", f"{m1 / m2:.2f}x", m1 / m2 >= 1.8)
        if m1 and alg == "HS256":
            add(
                "HS256 validate_many ≥ 400,000 tokens/s on one core",
                f"{1e6 / m1:,.0f}/s",
                1e6 / m1 >= 400_000,
            )
    lines.append("")
    return lines


def ensure_peers() -> None:
    """Install the peer libraries (benchmarks/requirements.txt) into this venv if missing."""
    import importlib.util

    modules = ("jwt", "jwt_rs", "oxyjwt", "jwcrypto", "joserfc", "authlib", "cryptography")
    if all(importlib.util.find_spec(m) for m in modules):
        return
    req = Path(__file__).with_name("requirements.txt")
    print(f"# installing benchmark peers from {req}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(req)], check=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--quick", action="store_true", help="200 tokens, 3 repeats, no cargo floor, no thread runs"
    )
    p.add_argument("--tokens", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--algs", nargs="*", choices=ALGS)
    p.add_argument("--libs", nargs="*", choices=list(LIBRARIES))
    p.add_argument("--no-cargo", action="store_true", help="skip the Rust verify floor")
    p.add_argument("--no-threads", action="store_true", help="skip the 2-thread GIL runs")
    p.add_argument("--cargo-timeout", type=float, default=900)
    p.add_argument(
        "--no-ryjwt",
        action="store_true",
        help="skip ryjwt (it runs in a separate Python >= 3.12 venv)",
    )
    p.add_argument("--json", type=Path, help="also write the raw results here")
    p.add_argument(
        "--ryjwt-worker", nargs=2, type=Path, metavar=("IN", "OUT"), help=argparse.SUPPRESS
    )
    args = p.parse_args(argv)
    if args.ryjwt_worker:
        ryjwt_worker(*args.ryjwt_worker, repeats=args.repeats, threads=not args.no_threads)
        return 0
    if args.quick:
        args.tokens, args.repeats, args.no_cargo, args.no_threads = 200, 3, True, True
    if args.repeats < 5 and not args.quick:
        p.error("--repeats must be at least 5 (medians of fewer are not reported)")
    ensure_peers()
    res = bench(args)
    print(report(res))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=2))
    bad = [
        r
        for r in res["rows"]
        if r["lib"].startswith("tokenward")
        and r["check"]
        and (
            r["check"]["accepted"] != r["check"]["of"]
            or not r["check"]["forged_rejected"]
            or not r["check"]["expired_rejected"]
        )
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.append(str(REPO / "python"))  # fallback when tokenward is not installed
    sys.exit(main())
