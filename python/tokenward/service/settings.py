"""Service settings: one frozen dataclass, filled from CLI flags and the environment."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = Path("./.tokenward")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    """Everything the service needs; built by the CLI, or directly by tests."""

    data_dir: Path = DEFAULT_DATA_DIR
    #: ``redis://``, ``rediss://`` or ``unix://`` URL; ``None`` = embedded server in data_dir.
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    #: Issuer (``iss``); default derived from host/port.
    issuer: str = ""
    #: ``aud`` for clients that configure no audience; default = issuer.
    default_audience: str = ""
    signing_alg: str = "ES256"
    access_ttl: int = 15 * 60
    refresh_ttl: int = 14 * 24 * 3600
    #: Upper bound for any per-client access-token lifetime (also the key retention).
    max_access_ttl: int = 24 * 3600
    #: Delay between ``keys rotate`` publishing a key and signing with it.
    rotation_delay: int = 600
    leeway: int = 0
    #: How often each worker re-reads the signing keys from the store (seconds).
    key_refresh_interval: float = 2.0
    max_body_bytes: int = 64 * 1024
    max_batch_body_bytes: int = 1024 * 1024
    max_batch: int = 1000
    max_token_bytes: int = 8192
    max_form_fields: int = 32
    #: Failed-credential limits (per window).
    rate_window: int = 300
    rate_max_per_subject_addr: int = 10
    rate_max_per_addr: int = 100
    #: argon2id parameters for *new* user hashes (verification reads them from the hash).
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    #: Hex/urlsafe-b64 overrides; otherwise 0600 files in data_dir.
    kek: bytes | None = None
    pepper: bytes | None = None
    store_timeout: float = 2.0
    #: Seconds a store-checked client record may be reused by the introspection and
    #: validation endpoints (0 = read the store on every request). Disabling a client
    #: takes effect there within this time.
    client_cache_ttl: float = 1.0
    #: Seconds a connection may stall before/while sending a request (slowloris bound).
    idle_timeout: float = 8.0
    body_timeout: float = 8.0
    clock: Callable[[], float] = field(default=time.time, compare=False, repr=False)

    @property
    def effective_issuer(self) -> str:
        return self.issuer or f"http://{self.host}:{self.port}"

    @property
    def effective_audience(self) -> str:
        return self.default_audience or self.effective_issuer

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then ``TOKENWARD_*`` environment variables, then explicit overrides."""
        env: dict[str, object] = {}
        if os.environ.get("TOKENWARD_DATA_DIR"):
            env["data_dir"] = Path(os.environ["TOKENWARD_DATA_DIR"])
        if os.environ.get("TOKENWARD_REDIS_URL"):
            env["redis_url"] = os.environ["TOKENWARD_REDIS_URL"]
        if os.environ.get("TOKENWARD_ISSUER"):
            env["issuer"] = os.environ["TOKENWARD_ISSUER"]
        if os.environ.get("TOKENWARD_SIGNING_ALG"):
            env["signing_alg"] = os.environ["TOKENWARD_SIGNING_ALG"]
        for name, attr in (
            ("TOKENWARD_ACCESS_TTL", "access_ttl"),
            ("TOKENWARD_REFRESH_TTL", "refresh_ttl"),
            ("TOKENWARD_ROTATION_DELAY", "rotation_delay"),
            ("TOKENWARD_WORKERS", "workers"),
        ):
            if os.environ.get(name):
                env[attr] = _env_int(name, 0)
        if os.environ.get("TOKENWARD_CLIENT_CACHE_TTL"):
            env["client_cache_ttl"] = client_cache_ttl(os.environ["TOKENWARD_CLIENT_CACHE_TTL"])
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]


#: Longest accepted client-record cache lifetime: it bounds how long a disabled client
#: keeps passing introspection, so it must stay short and finite.
MAX_CLIENT_CACHE_TTL = 60.0


def client_cache_ttl(text: str) -> float:
    """Parse ``--client-cache-ttl`` / ``TOKENWARD_CLIENT_CACHE_TTL``: 0 (off) to 60 s."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"client cache TTL {text!r} is not a number") from None
    if not 0.0 <= value <= MAX_CLIENT_CACHE_TTL:  # also refuses nan and inf
        raise ValueError(f"client cache TTL must be within 0..{MAX_CLIENT_CACHE_TTL:g} seconds")
    return value
