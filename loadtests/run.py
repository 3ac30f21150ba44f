"""One command for the service load test and the side-by-side comparison (``make loadtest``).

What it does, in order:

1. starts ``tokenward serve`` the way an operator would: release build of the extension
   (``make build``), uvloop, ``--workers`` = number of server cores, RS256 signing keys,
   embedded store; the server (and its store) pinned with ``taskset`` to the server cores,
   every load generator to the other cores;
2. mints the token pool (``prepare.py``: valid/expired/revoked/forged, 85/5/5/5) and
   measures ``validate_many`` in-process on the same pool (the batch target's reference);
3. Locust (headless, FastHttpUser): single-token introspection at stepped offered loads
   (latency percentiles and throughput against offered load), then every user class of
   ``locustfile.py`` (realistic mix, batch 10/100, /v1/validate, client_credentials,
   refresh rotation);
4. starts the comparison servers on the same core — tokenward with the Python backend
   (same store, same tokens), baseline A (aiohttp + PyJWT), the constant-body aiohttp
   ceiling and baseline B (django-oauth-toolkit under gunicorn) — and runs ``wrk`` (64
   connections on the generator core) round robin over all of them, ``--wrk-repeats``
   rounds, single-token introspection and batches of 100; the median per server counts;
5. profiles the server under wrk load with py-spy (an extra, unmeasured run);
6. stops everything and writes ``results/<UTC timestamp>/``: Locust CSV + HTML,
   ``summary.md``, ``summary.json``, PNG plots.

``--smoke`` (about 10 s of load, for CI): tokenward only, every Locust user class at once;
fails unless valid tokens come back active and every invalid kind inactive, with zero
failures. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import prepare as prep

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
LOCUSTFILE = HERE / "locustfile.py"
WRK_LUA = HERE / "wrk" / "introspect.lua"
ALL_CLASSES = (
    "IntrospectUser",
    "BatchIntrospect10User",
    "BatchIntrospect100User",
    "ValidateUser",
    "ClientCredentialsUser",
    "RefreshRotationUser",
    "MixUser",
)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cpus: str | None, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", cpus, *cmd] if cpus and shutil.which("taskset") else cmd


# --------------------------------------------------------------------------- processes


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    url: str
    logfile: Path

    def cpu_seconds(self) -> float:
        """CPU time of the server and everything it started (workers, embedded store)."""
        import psutil

        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            # Our own process group (started with start_new_session): the server, its
            # workers and its embedded store, nothing else.
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass


@contextmanager
def server(
    name: str,
    cmd: list[str],
    *,
    cpus: str | None,
    ready_path: str,
    port: int,
    workdir: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    ready_method: str = "GET",
) -> Iterator[Server]:
    logfile = workdir / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.log"
    with logfile.open("wb") as out:
        proc = subprocess.Popen(
            pinned(cpus, cmd),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    srv = Server(name, proc, f"http://127.0.0.1:{port}", logfile)
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {logfile.read_text()[-800:]}")
            try:
                req = urllib.request.Request(srv.url + ready_path, method=ready_method)
                if ready_method == "POST":
                    req.data = b""
                urllib.request.urlopen(req, timeout=2).read()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"{name} not ready: {logfile.read_text()[-800:]}") from None
                time.sleep(0.25)
        yield srv
    finally:
        srv.stop()


def tokenward_server(
    backend: str,
    data_dir: Path,
    port: int,
    args: argparse.Namespace,
    workdir: Path,
    redis_url: str | None = None,
) -> Any:
    env = prep.cli_env()
    env["TOKENWARD_BACKEND"] = backend
    cmd = [
        *prep.tokenward_cmd(),
        "--data-dir",
        str(data_dir),
        *(["--redis-url", redis_url] if redis_url else []),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--signing-alg",
        "RS256",
    ]
    return server(
        f"tokenward ({backend})",
        cmd,
        cpus=args.server_cpus,
        ready_path="/readyz",
        port=port,
        workdir=workdir,
        env=env,
    )


def backend_available(backend: str) -> tuple[bool, str]:
    env = prep.cli_env()
    env["TOKENWARD_BACKEND"] = backend
    out = subprocess.run(
        [PY, "-c", "import tokenward; print(tokenward.BACKEND)"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    got = out.stdout.strip()
    if got == backend:
        return True, ""
    return False, (out.stderr.strip().splitlines() or [f"BACKEND={got}"])[-1][:200]


# --------------------------------------------------------------------------- measurements


@dataclass
class Measurement:
    server: str
    scenario: str
    tool: str
    offered_rps: float | None = None  # None = as fast as possible
    rps: float = 0.0
    tokens_per_req: int = 1
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    requests: int = 0
    failures: int = 0
    server_cpu_pct: float = 0.0
    generator_cpu_pct: float = 0.0
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens_per_s(self) -> float:
        return self.rps * self.tokens_per_req


def settle(srv: Server, idle_pct: float = 10.0, limit: float = 20.0) -> None:
    """Wait until the server is idle (e.g. argon2 logins of a previous run drained)."""
    deadline = time.time() + limit
    while time.time() < deadline:
        c0 = srv.cpu_seconds()
        time.sleep(0.5)
        if 100 * (srv.cpu_seconds() - c0) / 0.5 < idle_pct:
            return


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


@contextmanager
def cpu_meter(srv: Server, m: Measurement) -> Iterator[None]:
    """Server CPU from psutil (it keeps running); generator CPU from the reaped children."""
    settle(srv)
    s0, g0, t0 = srv.cpu_seconds(), children_cpu(), time.perf_counter()
    yield
    dt = time.perf_counter() - t0
    m.server_cpu_pct = 100 * (srv.cpu_seconds() - s0) / dt
    m.generator_cpu_pct = 100 * (children_cpu() - g0) / dt


def run_wrk(
    srv: Server,
    scenario: str,
    tokens_file: Path,
    auth: str,
    args: argparse.Namespace,
    *,
    path: str = "/oauth2/introspect",
    batch: int = 0,
    duration: float | None = None,
    connections: int | None = None,
    repeats: int | None = None,
) -> Measurement:
    """Median (by req/s) of ``repeats`` (default ``--wrk-repeats``) runs."""
    runs = []
    for _ in range(repeats or args.wrk_repeats):
        m = Measurement(srv.name, scenario, "wrk", tokens_per_req=max(batch, 1))
        env = dict(os.environ, WRK_TOKENS=str(tokens_file), WRK_AUTH=auth, WRK_PATH=path)
        env["WRK_BATCH"] = str(batch)
        cmd = [
            "wrk",
            f"-t{args.wrk_threads}",
            f"-c{connections or args.connections}",
            f"-d{duration or args.wrk_duration}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(WRK_LUA),
            srv.url,
        ]
        with cpu_meter(srv, m):
            out = subprocess.run(
                pinned(args.client_cpus, cmd), capture_output=True, text=True, env=env, check=False
            )
        line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
        if line is None:
            m.notes = f"wrk failed: {(out.stderr or out.stdout).strip()[-200:]}"
            runs.append(m)
            continue
        w = json.loads(line[len("WRKJSON ") :])
        m.requests = w["requests"]
        m.rps = w["requests"] / (w["duration_us"] / 1e6)
        m.p50_ms, m.p99_ms, m.max_ms = w["p50_us"] / 1e3, w["p99_us"] / 1e3, w["max_us"] / 1e3
        m.extra = {"p90_ms": w["p90_us"] / 1e3, "p999_ms": w["p999_us"] / 1e3}
        errors = sum(w[k] for k in w if k.startswith("errors_"))
        m.failures = errors
        if errors:
            m.notes = ", ".join(f"{k[7:]}={w[k]}" for k in w if k.startswith("errors_") and w[k])
        runs.append(m)
        log(f"  wrk {srv.name} / {scenario}: {m.rps:,.0f} req/s, p99 {m.p99_ms:.1f} ms")
    runs.sort(key=lambda m: m.rps)
    best = runs[len(runs) // 2]
    if len(runs) > 1:
        best.extra["rps_runs"] = [round(r.rps) for r in runs]
    return best


def profile_server(
    srv: Server, tokens_file: Path, auth: str, args: argparse.Namespace, outdir: Path
) -> list[str]:
    """py-spy the server under a wrk load (a separate, unmeasured run): where the time goes.

    Writes the raw samples and returns the summary lines (inclusive % per frame)."""
    pyspy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
    if not Path(pyspy).exists() or not shutil.which("wrk"):
        return ["(py-spy or wrk missing: no profile)"]
    env = dict(os.environ, WRK_TOKENS=str(tokens_file), WRK_AUTH=auth, WRK_BATCH="0")
    env["WRK_PATH"] = "/oauth2/introspect"
    secs = 6
    cmd = ["wrk", "-t1", f"-c{args.connections}", f"-d{secs + 2}s", "-s", str(WRK_LUA), srv.url]
    wrk = subprocess.Popen(
        pinned(args.client_cpus, cmd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    raw = outdir / f"profile_{re.sub(r'[^a-z0-9]+', '_', srv.name.lower()).strip('_')}.txt"
    try:
        time.sleep(1)
        subprocess.run(
            [
                pyspy,
                "record",
                "-p",
                str(srv.proc.pid),
                "--subprocesses",
                "-d",
                str(secs),
                "-r",
                "250",
                "-f",
                "raw",
                "-o",
                str(raw),
                "--nonblocking",
            ],
            capture_output=True,
            check=False,
            timeout=secs + 30,
        )
    finally:
        wrk.wait()
    if not raw.exists():
        return ["(py-spy produced no samples)"]
    total = 0
    loop_self = 0  # samples with no Python frame below the event loop: uvloop + syscalls
    incl: dict[str, int] = {}
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        frames = stack.split(";")
        if frames[-1].startswith("run_app "):
            loop_self += int(n)
        for frame in set(frames):
            name = re.sub(r"\s*\(.*?/((?:tokenward|aiohttp|redis|asyncio)/)", r" (\1", frame)
            incl[name] = incl.get(name, 0) + int(n)
    keep = [
        (f, n)
        for f, n in sorted(incl.items(), key=lambda kv: -kv[1])
        if any(k in f for k in ("tokenward/", "redis/", "aiohttp/web_protocol", "streams.py"))
        and not f.startswith(("<module>", "main ", "serve ", "run_worker", "cmd_serve"))
    ]
    top = keep[:14]
    top += [(f, n) for f, n in keep[14:] if "Validator." in f][:2]  # the Rust/Python validator
    if not total:
        return []
    head = (
        f"{100 * loop_self / total:5.1f}%  event loop and socket I/O in C (uvloop), no Python frame"
    )
    return [head, *(f"{100 * n / total:5.1f}%  {f}" for f, n in top)]


def locust_stats(prefix: Path) -> dict[str, dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def run_locust(
    srv: Server,
    scenario: str,
    classes: list[str],
    pool_file: Path,
    outdir: Path,
    args: argparse.Namespace,
    *,
    users: int,
    duration: float,
    rate: float | None = None,
    tokens_per_req: int = 1,
    extra_env: dict[str, str] | None = None,
) -> Measurement:
    slug = re.sub(r"[^a-z0-9]+", "_", scenario.lower()).strip("_")
    prefix = outdir / f"locust_{slug}"
    checks = outdir / f"locust_{slug}_checks.json"
    env = dict(os.environ, LOADTEST_POOL=str(pool_file), LOADTEST_CHECKS=str(checks))
    env.update(extra_env or {})
    if rate:
        env["LOADTEST_USER_RATE"] = str(rate / users)
    cmd = [
        PY,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "-u",
        str(users),
        "-r",
        str(users),  # all users within the first second
        "-t",
        f"{duration}s",
        "--stop-timeout",
        "2",
        "--host",
        srv.url,
        "--csv",
        str(prefix),
        "--html",
        f"{prefix}.html",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    m = Measurement(srv.name, scenario, "locust", offered_rps=rate, tokens_per_req=tokens_per_req)
    with cpu_meter(srv, m):
        out = subprocess.run(
            pinned(args.client_cpus, cmd), capture_output=True, text=True, env=env, check=False
        )
    (outdir / f"locust_{slug}.log").write_text(out.stdout + out.stderr)
    try:
        agg = locust_stats(prefix)["Aggregated"]
    except (OSError, KeyError) as exc:
        m.notes = f"locust failed ({exc}): {out.stderr.strip()[-300:]}"
        return m

    def num(key: str) -> float | None:
        try:
            return float(agg[key])
        except (KeyError, ValueError):
            return None

    m.requests = int(agg["Request Count"])
    m.failures = int(agg["Failure Count"])
    m.rps = num("Requests/s") or 0.0
    m.p50_ms, m.p95_ms, m.p99_ms, m.max_ms = (
        num("50%"),
        num("95%"),
        num("99%"),
        num("Max Response Time"),
    )
    m.extra["checks"] = json.loads(checks.read_text()) if checks.exists() else {}
    m.extra["csv"] = f"{prefix.name}_stats.csv"
    m.extra["html"] = f"{prefix.name}.html"
    log(
        f"  locust {scenario}: {m.rps:,.0f} req/s (offered {rate or 'max'}), "
        f"p50 {m.p50_ms} p99 {m.p99_ms} ms, failures {m.failures}"
    )
    return m


# --------------------------------------------------------------------------- the run


def write_tokens_file(pool: dict[str, Any], path: Path) -> None:
    toks = [t for kind in pool["tokens"].values() for t in kind]
    random.Random(11).shuffle(toks)
    path.write_text("\n".join(toks) + "\n")


def basic(
    pool: dict[str, Any], id_key: str = "client_id", secret_key: str = "client_secret"
) -> str:
    return prep.basic(pool[id_key], pool[secret_key])


def validate_many_rate(pool_file: Path, jwks_file: Path) -> None:
    """In-process reference for the batch target: tokens/s of ``validate_many`` on one
    thread over the same pool, in batches of 100 like the HTTP batch run (run pinned)."""
    import tokenward

    pool = json.loads(pool_file.read_text())
    keys = tokenward.KeySet.from_jwks(jwks_file.read_text())
    v = tokenward.Validator(
        keys, algorithms=[pool["alg"]], issuer=pool["issuer"], audience=pool["audience"]
    )
    toks = [t for kind in pool["tokens"].values() for t in kind]
    random.Random(11).shuffle(toks)
    batches = [toks[i : i + 100] for i in range(0, len(toks) - 99, 100)]
    rates = []
    for _ in range(5):
        t0 = time.perf_counter()
        for b in batches:
            v.validate_many(b, threads=1)
        rates.append(len(batches) * 100 / (time.perf_counter() - t0))
    print(json.dumps({"backend": tokenward.BACKEND, "tokens_per_s": statistics.median(rates)}))


def smoke(args: argparse.Namespace, outdir: Path, work: Path) -> int:
    backend = args.backend or ("rust" if backend_available("rust")[0] else "python")
    log(f"smoke: tokenward ({backend} backend)")
    port = free_port()
    data_dir = work / "data"
    with tokenward_server(backend, data_dir, port, args, work) as srv:
        pool_file = work / "pool.json"
        prep.prepare(srv.url, data_dir, pool_file, total=200)
        m = run_locust(
            srv,
            "smoke: all user classes",
            list(ALL_CLASSES),
            pool_file,
            outdir,
            args,
            users=len(ALL_CLASSES) + 3,
            duration=args.smoke_duration,
        )
    checks = m.extra.get("checks", {})
    problems = []
    if m.notes:
        problems.append(m.notes)
    if m.requests == 0:
        problems.append("no requests were made")
    if m.failures:
        problems.append(f"{m.failures} failures (see {m.extra.get('csv')} / the log)")
    if checks.get("mismatch"):
        problems.append(f"{checks['mismatch']} tokens came back with the wrong active state")
    if not checks.get("valid_active"):
        problems.append("no valid token was seen active")
    if not checks.get("invalid_inactive"):
        problems.append("no invalid token was seen inactive")
    summary = [
        f"# Load-test smoke run ({time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())})",
        "",
        f"tokenward, {backend} backend: {m.requests} requests, {m.failures} failures, "
        f"{m.rps:,.0f} req/s; valid tokens active: {checks.get('valid_active', 0)}, "
        f"invalid tokens (expired/revoked/forged) inactive: {checks.get('invalid_inactive', 0)}, "
        f"wrong answers: {checks.get('mismatch', 0)}.",
        "",
        "Result: " + ("**FAILED** — " + "; ".join(problems) if problems else "passed"),
    ]
    (outdir / "summary.md").write_text("\n".join(summary) + "\n")
    print("\n".join(summary))
    return 1 if problems else 0


@dataclass
class WrkTarget:
    srv: Server
    scenario: str
    tokens_file: Path
    auth: str
    path: str = "/oauth2/introspect"
    batch: int = 0
    connections: int | None = None
    note: str = ""


def peaks_round_robin(targets: list[WrkTarget], args: argparse.Namespace) -> list[Measurement]:
    """wrk on every target once per round, ``--wrk-repeats`` rounds; median per target.

    All servers are up at once (idle unless measured, all on the server core), so the
    background load of a shared machine falls on every one of them alike."""
    runs: list[list[Measurement]] = [[] for _ in targets]
    for rnd in range(args.wrk_repeats):
        log(f"wrk round {rnd + 1}/{args.wrk_repeats}")
        for t, acc in zip(targets, runs, strict=True):
            acc.append(
                run_wrk(
                    t.srv,
                    t.scenario,
                    t.tokens_file,
                    t.auth,
                    args,
                    path=t.path,
                    batch=t.batch,
                    connections=t.connections,
                    repeats=1,
                )
            )
    out = []
    for t, acc in zip(targets, runs, strict=True):
        acc.sort(key=lambda m: m.rps)
        m = acc[len(acc) // 2]
        if len(acc) > 1:
            m.extra["rps_runs"] = [round(r.rps) for r in acc]
        m.notes = "; ".join(x for x in (m.notes, t.note) if x)
        out.append(m)
    return out


def embedded_url(data_dir: Path) -> str | None:
    code = (
        "import sys; from pathlib import Path; "
        "from tokenward.service.embedded import EmbeddedServer; "
        "print(EmbeddedServer.running_url(Path(sys.argv[1])) or '')"
    )
    out = subprocess.run(
        [PY, "-c", code, str(data_dir)],
        capture_output=True,
        text=True,
        env=prep.cli_env(),
        check=False,
    )
    return out.stdout.strip() or None


def full(args: argparse.Namespace, outdir: Path, work: Path) -> int:
    results: list[Measurement] = []
    notes: list[str] = []
    data_dir = work / "data"
    tokens_file = work / "tokens.txt"
    pool_file = work / "pool.json"
    rust_ok, why = backend_available("rust")
    if not rust_ok:
        notes.append(f"tokenward Rust backend unavailable ({why}); Rust rows missing.")
    have_wrk = shutil.which("wrk") is not None
    if not have_wrk:
        notes.append("wrk not installed (apt-get install wrk): no peak-throughput rows.")
    first = "rust" if rust_ok else "python"
    profile: list[str] = []
    inproc_rate = 0.0

    with contextlib.ExitStack() as stack:
        srv = stack.enter_context(tokenward_server(first, data_dir, free_port(), args, work))
        log(f"preparing the token pool against {srv.name}")
        pool = prep.prepare(srv.url, data_dir, pool_file, total=args.pool)
        write_tokens_file(pool, tokens_file)
        auth = basic(pool)
        with urllib.request.urlopen(srv.url + "/.well-known/jwks.json") as r:
            jwks = json.loads(r.read())
        (work / "jwks.json").write_text(json.dumps(jwks))
        out = subprocess.run(
            pinned(
                args.server_cpus,
                [PY, __file__, "--validate-many-rate", str(pool_file), str(work / "jwks.json")],
            ),
            capture_output=True,
            text=True,
            env=dict(prep.cli_env(), TOKENWARD_BACKEND=first),
            check=False,
        )
        try:
            inproc = json.loads(out.stdout)
            inproc_rate = float(inproc["tokens_per_s"])
            log(f"in-process validate_many ({inproc['backend']}): {inproc_rate:,.0f} tokens/s")
        except (ValueError, KeyError):
            notes.append(f"in-process validate_many not measured: {out.stderr.strip()[-200:]}")

        results += locust_phase(srv, pool_file, outdir, args)

        if have_wrk:
            targets = [
                WrkTarget(srv, "introspect (peak)", tokens_file, auth),
                WrkTarget(
                    srv,
                    "batch of 100 (peak)",
                    tokens_file,
                    auth,
                    path="/oauth2/introspect/batch",
                    batch=100,
                    connections=args.batch_connections,
                ),
            ]
            if not args.no_baselines:
                targets += baseline_targets(stack, args, work, pool, jwks, first, notes)
            log("wrk: peak throughput, round robin over the servers")
            results += peaks_round_robin(targets, args)
            dot = next((t for t in targets if t.path == "/o/introspect/"), None)
            if dot is not None and not args.no_dot_hashed:
                dot_pool = json.loads((work / "dot_pool.json").read_text())
                m = run_wrk(
                    dot.srv,
                    "introspect, hashed client secret (peak)",
                    dot.tokens_file,
                    basic(dot_pool, "hashed_client_id", "hashed_client_secret"),
                    args,
                    path="/o/introspect/",
                    duration=min(args.wrk_duration, 6),
                    repeats=1,
                )
                m.notes = "; ".join(x for x in (m.notes, "DOT default: PBKDF2 per request") if x)
                results.append(m)
            if args.profile:
                log("profiling the server under wrk load (py-spy)")
                profile = profile_server(srv, tokens_file, auth, args, outdir)

    summary = summarize(results, notes, args, pool, inproc_rate, profile)
    (outdir / "summary.md").write_text(summary)
    (outdir / "summary.json").write_text(
        json.dumps(
            {"settings": vars_json(args), "notes": notes, "results": [r.__dict__ for r in results]},
            indent=2,
        )
    )
    plot(results, outdir)
    print(summary)
    return 0


def locust_phase(
    srv: Server, pool_file: Path, outdir: Path, args: argparse.Namespace
) -> list[Measurement]:
    results = []
    log("Locust: single-token introspection at stepped offered load")
    for rate in args.rates:
        results.append(
            run_locust(
                srv,
                f"introspect @ {rate:g} req/s offered",
                ["IntrospectUser"],
                pool_file,
                outdir,
                args,
                users=args.users,
                duration=args.step_duration,
                rate=rate,
            )
        )
    results.append(
        run_locust(
            srv,
            "introspect, closed loop (Locust max)",
            ["IntrospectUser"],
            pool_file,
            outdir,
            args,
            users=args.users,
            duration=args.step_duration,
        )
    )
    log("Locust: every user class")
    per_class = [
        ("mix (70% introspect, 10% batch 10, 5% validate, 10% issue, 5% refresh)", "MixUser", 1),
        ("batch introspection of 10", "BatchIntrospect10User", 10),
        ("batch introspection of 100", "BatchIntrospect100User", 100),
        ("/v1/validate, 10 tokens", "ValidateUser", 10),
        ("client_credentials issuance", "ClientCredentialsUser", 1),
        ("refresh rotation + introspect", "RefreshRotationUser", 1),
    ]
    for scenario, cls, per in per_class:
        results.append(
            run_locust(
                srv,
                scenario,
                [cls],
                pool_file,
                outdir,
                args,
                users=min(args.users, 16) if per > 1 or "Refresh" in cls else args.users,
                duration=args.class_duration,
                tokens_per_req=per,
            )
        )
    return results


def baseline_targets(
    stack: contextlib.ExitStack,
    args: argparse.Namespace,
    work: Path,
    pool: dict[str, Any],
    jwks: dict[str, Any],
    first: str,
    notes: list[str],
) -> list[WrkTarget]:
    """Start every comparison server (same core, same pool) and list what wrk runs on each."""
    tokens_file = work / "tokens.txt"
    auth = basic(pool)
    data_dir = work / "data"
    targets = []
    if first == "rust":
        url = embedded_url(data_dir)
        if url is None:
            notes.append("tokenward (python) not run: embedded store URL not found")
        else:
            # Same data dir (keys, pepper) and the same store, through --redis-url.
            py = stack.enter_context(
                tokenward_server("python", data_dir, free_port(), args, work, redis_url=url)
            )
            targets += [
                WrkTarget(py, "introspect (peak)", tokens_file, auth),
                WrkTarget(
                    py,
                    "batch of 100 (peak)",
                    tokens_file,
                    auth,
                    path="/oauth2/introspect/batch",
                    batch=100,
                    connections=args.batch_connections,
                ),
            ]
    (work / "clients.json").write_text(json.dumps({pool["client_id"]: pool["client_secret"]}))
    bport = free_port()
    cmd = [
        PY,
        str(HERE / "baselines" / "pyjwt_introspect.py"),
        "--port",
        str(bport),
        "--jwks",
        str(work / "jwks.json"),
        "--issuer",
        pool["issuer"],
        "--audience",
        pool["audience"],
        "--clients",
        str(work / "clients.json"),
    ]
    base_a = stack.enter_context(
        server(
            "baseline A (aiohttp + PyJWT)",
            cmd,
            cpus=args.server_cpus,
            ready_path="/oauth2/introspect",
            ready_method="POST",
            port=bport,
            workdir=work,
        )
    )
    targets.append(
        WrkTarget(base_a, "introspect (peak)", tokens_file, auth, note="no revocation check")
    )
    cport = free_port()
    ceiling = stack.enter_context(
        server(
            "aiohttp constant body (ceiling)",
            [PY, str(HERE / "baselines" / "constant_body.py"), "--port", str(cport)],
            cpus=args.server_cpus,
            ready_path="/oauth2/introspect",
            ready_method="POST",
            port=cport,
            workdir=work,
        )
    )
    targets.append(WrkTarget(ceiling, "introspect (peak)", tokens_file, auth))
    if not args.no_dot:
        targets += dot_target(stack, args, work, notes)
    return targets


def dot_target(
    stack: contextlib.ExitStack, args: argparse.Namespace, work: Path, notes: list[str]
) -> list[WrkTarget]:
    """Baseline B: django-oauth-toolkit's introspection under gunicorn (sync workers)."""
    dot_dir = HERE / "baselines" / "dot"
    env = dict(os.environ, DOT_DB=str(work / "dot.sqlite3"))
    pool_file = work / "dot_pool.json"
    out = subprocess.run(
        [PY, str(dot_dir / "dot_setup.py"), "--out", str(pool_file), "--total", str(args.pool)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        notes.append(f"django-oauth-toolkit baseline not run: {out.stderr.strip()[-300:]}")
        return []
    pool = json.loads(pool_file.read_text())
    tokens = work / "dot_tokens.txt"
    write_tokens_file(pool, tokens)
    port = free_port()
    # gunicorn's documented default sizing, (2 x cores) + 1, for the server cores we give it.
    workers = 2 * len(cpu_list(args.server_cpus)) + 1
    cmd = [
        PY,
        "-m",
        "gunicorn",
        "dot_wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--chdir",
        str(dot_dir),
    ]
    srv = stack.enter_context(
        server(
            f"django-oauth-toolkit (gunicorn, {workers} sync workers)",
            cmd,
            cpus=args.server_cpus,
            ready_path="/o/introspect/",
            port=port,
            workdir=work,
            env=env,
        )
    )
    return [
        WrkTarget(
            srv,
            "introspect (peak)",
            tokens,
            basic(pool),
            path="/o/introspect/",
            note="plain client secret",
        )
    ]


def cpu_list(spec: str | None) -> list[int]:
    if not spec:
        return list(range(os.cpu_count() or 1))
    out: list[int] = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def vars_json(args: argparse.Namespace) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}


# --------------------------------------------------------------------------- report


def fmt(x: float | None, nd: int = 1) -> str:
    return "-" if x is None else f"{x:,.{nd}f}"


def summarize(
    results: list[Measurement],
    notes: list[str],
    args: argparse.Namespace,
    pool: dict[str, Any],
    inproc_rate: float,
    profile: list[str] | None = None,
) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    load = os.getloadavg()
    ratio = pool.get("ratio", {})
    lines = [
        f"# tokenward load test — {when}",
        "",
        f"Machine: {os.cpu_count()} cores ({prep_cpu()}); server pinned to CPU "
        f"{args.server_cpus}, load generators to CPU {args.client_cpus}; tokenward "
        f"`--workers {args.workers}`, uvloop, RS256 access tokens, embedded store; load "
        f"average at the end {load[0]:.2f}/{load[1]:.2f}/{load[2]:.2f}.",
        f"Token pool: {sum(len(v) for v in pool.get('tokens', {}).values())} tokens, "
        + ", ".join(f"{k} {v}%" for k, v in ratio.items())
        + ". Valid tokens must come back active and every other kind inactive; a wrong "
        "answer counts as a failure in Locust.",
        f"wrk: {args.wrk_threads} thread, {args.connections} connections "
        f"({args.batch_connections} for batches), {args.wrk_duration} s, median of "
        f"{args.wrk_repeats} run(s). Locust: FastHttpUser, {args.users} users, "
        "latencies in whole ms (Locust rounds).",
        "",
    ]
    lines += [f"> {n}" for n in notes]
    if notes:
        lines.append("")

    peaks = [r for r in results if r.tool == "wrk"]
    rust_peak = next(
        (r for r in peaks if r.server == "tokenward (rust)" and r.scenario == "introspect (peak)"),
        None,
    )
    if peaks:
        lines += [
            "## Peak throughput (wrk)",
            "",
            "| server | scenario | req/s | tokens/s | p50 ms | p99 ms | max ms | server CPU | "
            "wrk CPU | vs tokenward (Rust) | notes |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in peaks:
            same = next(
                (p for p in peaks if p.server == "tokenward (rust)" and p.scenario == r.scenario),
                rust_peak,
            )
            rel = f"{r.tokens_per_s / same.tokens_per_s:.2f}x" if same and same.rps else "-"
            lines.append(
                f"| {r.server} | {r.scenario} | {r.rps:,.0f} | {r.tokens_per_s:,.0f} | "
                f"{fmt(r.p50_ms, 2)} | {fmt(r.p99_ms, 2)} | {fmt(r.max_ms)} | "
                f"{r.server_cpu_pct:.0f}% | {r.generator_cpu_pct:.0f}% | {rel} | {r.notes} |"
            )
        lines.append("")
    loc = [r for r in results if r.tool == "locust"]
    if loc:
        lines += [
            "## Locust",
            "",
            "| scenario | offered req/s | req/s | tokens/s | p50 | p95 | p99 | max (ms) | "
            "requests | failures | server CPU | Locust CPU |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in loc:
            lines.append(
                f"| {r.scenario} | {fmt(r.offered_rps, 0)} | {r.rps:,.0f} | "
                f"{r.tokens_per_s:,.0f} | {fmt(r.p50_ms, 0)} | {fmt(r.p95_ms, 0)} | "
                f"{fmt(r.p99_ms, 0)} | {fmt(r.max_ms, 0)} | {r.requests:,} | {r.failures} | "
                f"{r.server_cpu_pct:.0f}% | {r.generator_cpu_pct:.0f}% |"
                + (f" {r.notes}" if r.notes else "")
            )
        lines.append("")
    if inproc_rate:
        lines += [
            f"In-process reference: `validate_many` (threads=1, batches of 100, same pool, "
            f"pinned to the server core) {inproc_rate:,.0f} tokens/s.",
            "",
        ]
    lines += targets(results, inproc_rate)
    if profile:
        lines += [
            "## Where the time goes (py-spy, single-token introspection under wrk load)",
            "",
            "Inclusive share of samples of the server process, an unmeasured extra run:",
            "",
            "```",
            *profile,
            "```",
            "",
        ]
    lines += [
        "Files: `locust_*_stats.csv` / `_stats_history.csv` / `_failures.csv` and `locust_*.html`",
        "(Locust's own reports), `summary.json` (every number above), `latency.png`,",
        "`throughput.png`, `peaks.png`.",
        "",
    ]
    return "\n".join(lines)


def prep_cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "cpu unknown"


def targets(results: list[Measurement], inproc_rate: float = 0.0) -> list[str]:
    def peak(server: str, scenario: str = "introspect (peak)") -> Measurement | None:
        return next(
            (
                r
                for r in results
                if r.tool == "wrk" and r.server.startswith(server) and r.scenario == scenario
            ),
            None,
        )

    rust = peak("tokenward (rust)")
    rust_batch = peak("tokenward (rust)", "batch of 100 (peak)")
    base_a = peak("baseline A")
    ceiling = peak("aiohttp constant body")
    dot = peak("django-oauth-toolkit")
    at2000 = next(
        (
            r
            for r in results
            if r.tool == "locust" and r.server == "tokenward (rust)" and r.offered_rps == 2000
        ),
        None,
    )
    out = ["## Targets (issue 4)", "", "| target | measured | verdict |", "|---|---|---|"]

    def add(target: str, measured: str, ok: bool | None) -> None:
        verdict = "n/a" if ok is None else "met" if ok else "**missed**"
        out.append(f"| {target} | {measured} | {verdict} |")

    if rust:
        add(
            "single introspection ≥ 7,500 req/s at peak",
            f"{rust.rps:,.0f} req/s ({rust.rps / 7500:.2f} of target)",
            rust.rps >= 7500,
        )
        if base_a:
            add(
                "single introspection ≥ 2x baseline A",
                f"{rust.rps / base_a.rps:.2f}x",
                rust.rps >= 2 * base_a.rps,
            )
        if ceiling:
            add(
                "single introspection ≥ 50% of the constant-body ceiling (aim: 70%)",
                f"{100 * rust.rps / ceiling.rps:.0f}% of {ceiling.rps:,.0f} req/s",
                rust.rps >= 0.5 * ceiling.rps,
            )
        if dot:
            add(
                "≥ 30x django-oauth-toolkit's peak, at a lower p99",
                f"{rust.rps / dot.rps:.0f}x; p99 {fmt(rust.p99_ms, 1)} vs {fmt(dot.p99_ms, 0)} ms",
                rust.rps >= 30 * dot.rps and (rust.p99_ms or 0) < (dot.p99_ms or 0),
            )
    if at2000:
        add(
            "p99 < 5 ms at 2,000 req/s offered (Locust)",
            f"p99 {fmt(at2000.p99_ms, 0)} ms at {at2000.rps:,.0f} req/s achieved",
            at2000.p99_ms is not None and at2000.p99_ms < 5 and at2000.rps >= 1900,
        )
    if rust_batch:
        add(
            "batch of 100: ≥ 40,000 tokens/s on one core",
            f"{rust_batch.tokens_per_s:,.0f}",
            rust_batch.tokens_per_s >= 40_000,
        )
        if inproc_rate:
            add(
                "batch of 100: ≥ 80% of in-process validate_many on one core",
                f"{100 * rust_batch.tokens_per_s / inproc_rate:.0f}% of {inproc_rate:,.0f}",
                rust_batch.tokens_per_s >= 0.8 * inproc_rate,
            )
        if base_a:
            add(
                "batch of 100: ≥ 10x baseline A's tokens/s",
                f"{rust_batch.tokens_per_s / base_a.rps:.1f}x",
                rust_batch.tokens_per_s >= 10 * base_a.rps,
            )
    out.append("")
    return out


def plot(results: list[Measurement], outdir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = sorted(
        (
            r
            for r in results
            if r.tool == "locust"
            and r.offered_rps
            and r.server == results[0].server
            and r.scenario.startswith("introspect @")
        ),
        key=lambda r: r.offered_rps or 0,
    )
    if steps:
        x = [r.offered_rps for r in steps]
        fig, ax = plt.subplots(figsize=(7, 4.2))
        for key, label in (
            ("p50_ms", "p50"),
            ("p95_ms", "p95"),
            ("p99_ms", "p99"),
            ("max_ms", "max"),
        ):
            ax.plot(x, [getattr(r, key) for r in steps], marker="o", label=label)
        ax.axhline(5, color="grey", ls=":", lw=1, label="p99 target (5 ms)")
        ax.set_xlabel("offered load (req/s)")
        ax.set_ylabel("latency (ms, Locust)")
        ax.set_yscale("log")
        ax.set_title(f"Single-token introspection latency — {steps[0].server}")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(outdir / "latency.png", dpi=110)
        plt.close(fig)

        fig, ax = plt.subplots(figsize=(7, 4.2))
        ax.plot(x, [r.rps for r in steps], marker="o", label="achieved (Locust)")
        ax.plot(x, x, ls="--", color="grey", label="offered")
        for r in results:
            if (
                r.tool == "wrk"
                and r.server == steps[0].server
                and r.scenario == "introspect (peak)"
            ):
                ax.axhline(r.rps, color="tab:red", ls=":", label=f"wrk peak {r.rps:,.0f}")
        ax.set_xlabel("offered load (req/s)")
        ax.set_ylabel("throughput (req/s)")
        ax.set_title("Throughput against offered load")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(outdir / "throughput.png", dpi=110)
        plt.close(fig)

    peaks = [r for r in results if r.tool == "wrk" and r.scenario.startswith("introspect")]
    if peaks:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
        names = [f"{r.server}\n{r.scenario.replace(' (peak)', '')}" for r in peaks]
        a1.barh(names, [r.rps for r in peaks], color="tab:blue")
        a1.set_xscale("log")
        a1.set_xlabel("peak req/s (wrk, log scale)")
        a2.barh(names, [r.p99_ms or 0 for r in peaks], color="tab:orange")
        a2.set_xscale("log")
        a2.set_xlabel("p99 at peak (ms, log scale)")
        a2.set_yticklabels([])
        fig.suptitle("Single-token introspection at peak")
        fig.tight_layout()
        fig.savefig(outdir / "peaks.png", dpi=110)
        plt.close(fig)


def ensure_tools(smoke: bool) -> None:
    """Install what the run needs if missing: loadtests/requirements.txt, and wrk (Debian)."""
    import importlib.util

    modules = (
        ("locust", "psutil")
        if smoke
        else ("locust", "psutil", "matplotlib", "jwt", "gunicorn", "oauth2_provider")
    )
    no_pyspy = not (shutil.which("py-spy") or Path(PY).with_name("py-spy").exists())
    if not all(importlib.util.find_spec(m) for m in modules) or (not smoke and no_pyspy):
        log("installing loadtests/requirements.txt")
        subprocess.run(
            [PY, "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")], check=False
        )
    if not smoke and not shutil.which("wrk") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (apt-get)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true", help="about 10 s of load; CI's check")
    p.add_argument("--out", type=Path, help="results folder (default results/<UTC time>)")
    ncpu = os.cpu_count() or 1
    p.add_argument("--server-cpus", default="0", help="taskset list for the server (0)")
    p.add_argument(
        "--client-cpus",
        default=",".join(str(c) for c in range(1, ncpu)) or "0",
        help="taskset list for Locust and wrk (the other cores)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="tokenward worker processes (default: number of server cores)",
    )
    p.add_argument("--backend", choices=("rust", "python"), help="smoke: backend to test")
    p.add_argument("--pool", type=int, default=1000, help="tokens in the pool")
    p.add_argument("--users", type=int, default=32, help="Locust users")
    p.add_argument(
        "--rates",
        type=float,
        nargs="*",
        default=[250, 500, 1000, 2000],
        help="offered loads (req/s) of the single-introspection steps",
    )
    p.add_argument("--step-duration", type=int, default=6)
    p.add_argument("--class-duration", type=int, default=5)
    p.add_argument("--smoke-duration", type=int, default=10)
    p.add_argument("--wrk-duration", type=int, default=5)
    p.add_argument("--wrk-repeats", type=int, default=3, help="rounds over the servers")
    p.add_argument("--wrk-threads", type=int, default=1)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--batch-connections", type=int, default=8)
    p.add_argument("--no-baselines", action="store_true", help="tokenward only")
    p.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the py-spy profile of the server",
    )
    p.add_argument("--no-dot", action="store_true", help="skip django-oauth-toolkit")
    p.add_argument(
        "--no-dot-hashed", action="store_true", help="skip DOT with hashed client secrets"
    )
    p.add_argument("--validate-many-rate", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.validate_many_rate:
        validate_many_rate(*args.validate_many_rate)
        return 0
    ensure_tools(args.smoke)
    if args.workers is None:
        args.workers = len(cpu_list(args.server_cpus))
    outdir = args.out or REPO / "results" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    outdir.mkdir(parents=True, exist_ok=True)
    log(f"results in {outdir}")
    with tempfile.TemporaryDirectory(prefix="tokenward-loadtest-") as tmp:
        work = Path(tmp)
        try:
            rc = smoke(args, outdir, work) if args.smoke else full(args, outdir, work)
        finally:
            for f in work.glob("*.log"):
                shutil.copy(f, outdir / f"server-{f.name}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
