"""The ``tokenward`` command: ``serve`` and the admin commands.

Every command takes ``--data-dir`` (default ``./.tokenward``) and ``--redis-url``.
Admin commands act on the same store as ``serve``: the given Redis, else the
running embedded server of the data dir, else an embedded server started just
for the command.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from tokenward.service.settings import DEFAULT_DATA_DIR, Settings

GRANTS = ("password", "client_credentials", "refresh_token")
#: Every generated client_id starts with this; user names may not.
CLIENT_ID_PREFIX = "tw_"


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default,
        help="data directory (embedded store, secrets); default ./.tokenward "
        "or $TOKENWARD_DATA_DIR",
    )
    parser.add_argument(
        "--redis-url",
        default=default,
        help="redis://, rediss:// or unix:// URL of an external store "
        "(default: embedded server in the data dir; or $TOKENWARD_REDIS_URL)",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tokenward", description="Token authentication service")
    _common(p, top=True)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="run the HTTP service")
    _common(s, top=False)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--workers", type=int, default=None, help="SO_REUSEPORT worker processes")
    s.add_argument("--issuer", default=None, help="iss of issued tokens (default http://HOST:PORT)")
    s.add_argument("--audience", default=None, help="default aud (default: the issuer)")
    s.add_argument("--signing-alg", default=None, help="algorithm of new signing keys (ES256)")
    s.add_argument("--access-ttl", type=int, default=None, help="seconds (900)")
    s.add_argument("--refresh-ttl", type=int, default=None, help="seconds (1209600)")
    s.add_argument("--rotation-delay", type=int, default=None, help="seconds (600)")
    s.add_argument("--leeway", type=int, default=None, help="seconds of clock skew (0)")
    s.add_argument("--max-batch", type=int, default=None, help="tokens per batch (1000)")
    s.add_argument(
        "--client-cache-ttl",
        type=_cache_ttl_arg,
        default=None,
        help="seconds introspection/validation may reuse a checked client record (1; 0 = off)",
    )
    s.add_argument("--access-log", action="store_true")

    c = sub.add_parser("clients", help="manage clients").add_subparsers(
        dest="action", required=True
    )
    cc = c.add_parser("create", help="create a client; prints its secret once (JSON)")
    _common(cc, top=False)
    cc.add_argument("name")
    cc.add_argument("--scopes", default="", help='space-separated, e.g. "read:x write:x"')
    cc.add_argument("--grant-types", default=" ".join(GRANTS))
    cc.add_argument("--audience", action="append", default=[], help="allowed aud (repeatable)")
    cc.add_argument("--opaque", action="store_true", help="issue opaque access tokens")
    cc.add_argument("--access-ttl", type=int, default=None)
    cc.add_argument("--refresh-ttl", type=int, default=None)

    u = sub.add_parser("users", help="manage users").add_subparsers(dest="action", required=True)
    uc = u.add_parser("create", help="create (or --replace) a user; password from stdin")
    _common(uc, top=False)
    uc.add_argument("name")
    uc.add_argument("--password-stdin", action="store_true", required=True)
    uc.add_argument("--replace", action="store_true", help="replace an existing user's password")

    k = sub.add_parser("keys", help="signing keys").add_subparsers(dest="action", required=True)
    kr = k.add_parser("rotate", help="publish a new signing key; sign with it after --delay")
    _common(kr, top=False)
    kr.add_argument("--delay", type=int, default=None, help="seconds before signing (600)")
    kr.add_argument("--signing-alg", default=None)
    kl = k.add_parser("list", help="list signing keys")
    _common(kl, top=False)

    r = sub.add_parser("revoke-user", help="revoke every token of a user")
    _common(r, top=False)
    r.add_argument("name")
    return p


def _cache_ttl_arg(text: str) -> float:
    from tokenward.service.settings import client_cache_ttl

    try:
        return client_cache_ttl(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    data_dir = getattr(args, "data_dir", None)
    if data_dir is None:
        env_dir = os.environ.get("TOKENWARD_DATA_DIR")
        data_dir = Path(env_dir) if env_dir else DEFAULT_DATA_DIR
    return Settings.from_env(data_dir=data_dir, redis_url=getattr(args, "redis_url", None), **extra)


def _admin(settings: Settings, fn: Callable[[Any, Settings], Awaitable[Any]]) -> Any:
    from tokenward.service.embedded import admin_store_url
    from tokenward.service.store import Store

    async def go(url: str) -> Any:
        store = Store.from_url(url, timeout=settings.store_timeout)
        try:
            return await fn(store, settings)
        finally:
            await store.close()

    with admin_store_url(settings.data_dir, settings.redis_url) as url:
        return asyncio.run(go(url))


def _print(obj: Any) -> None:
    sys.stdout.write(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode() + "\n")
    sys.stdout.flush()


def cmd_clients_create(args: argparse.Namespace) -> int:
    from tokenward.service.crypto import hash_client_secret, load_pepper, new_secret

    settings = _settings(args)
    grants = list(dict.fromkeys(g for g in args.grant_types.replace(",", " ").split() if g))
    bad = [g for g in grants if g not in GRANTS]
    if bad or not grants:
        raise SystemExit(f"unknown grant types: {bad}; choose from {list(GRANTS)}")
    _check_name(args.name, "client name")
    scopes = list(dict.fromkeys(s for s in args.scopes.split(" ") if s))
    if any(not _SCOPE_TOKEN.fullmatch(s) for s in scopes):
        raise SystemExit("scopes must be RFC 6749 scope tokens (printable ASCII, no '\\' or '\"')")
    from tokenward.service.tokens import MAX_REFRESH_TTL

    _check_ttl(args.access_ttl, "--access-ttl", settings.max_access_ttl)
    _check_ttl(args.refresh_ttl, "--refresh-ttl", MAX_REFRESH_TTL)
    pepper = settings.pepper or load_pepper(settings.data_dir)
    client_id = CLIENT_ID_PREFIX + new_secret(12)
    secret = new_secret(32)
    record: dict[str, Any] = {
        "client_id": client_id,
        "name": args.name,
        "secret_hash": hash_client_secret(pepper, secret),
        "scopes": scopes,
        "grant_types": grants,
        "audiences": list(args.audience),
        "token_format": "opaque" if args.opaque else "jwt",
        "access_ttl": args.access_ttl,
        "refresh_ttl": args.refresh_ttl,
        "created": int(time.time()),
    }

    async def create(store: Any, _s: Settings) -> bool:
        return bool(await store.create_client(client_id, record))

    if not _admin(settings, create):
        raise SystemExit("client id collision; try again")
    out = {k: v for k, v in record.items() if k != "secret_hash" and v is not None}
    out["client_secret"] = secret
    _print(out)
    return 0


_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}")


def _check_name(name: str, what: str) -> None:
    if not name or len(name) > 256 or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise SystemExit(f"invalid {what}: 1 to 256 characters, no control characters")


def _check_ttl(value: int | None, flag: str, maximum: int) -> None:
    if value is not None and not 1 <= value <= maximum:
        raise SystemExit(f"{flag} must be within 1..{maximum} seconds")


def _read_password() -> str:
    data = sys.stdin.buffer.read(4097)
    if len(data) > 4096:
        raise SystemExit("password too long")
    text = data.decode("utf-8")
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise SystemExit("empty password")
    if "\x00" in text:
        raise SystemExit("the password contains a NUL byte (it could never be sent in a form)")
    return text


def cmd_users_create(args: argparse.Namespace) -> int:
    from tokenward.service.auth import make_hasher

    settings = _settings(args)
    name = args.name
    _check_name(name, "user name")
    if name.startswith(CLIENT_ID_PREFIX):
        # client_credentials tokens carry sub = client_id: a user of that name would share
        # a subject with a client (and revoke-user would hit the client's tokens)
        raise SystemExit(f"user names starting with {CLIENT_ID_PREFIX!r} are reserved for clients")
    password = _read_password()
    record = {
        "name": name,
        "hash": make_hasher(settings).hash(password),
        "created": int(time.time()),
    }

    async def put(store: Any, _s: Settings) -> bool:
        return bool(await store.put_user(name, record, replace=args.replace))

    if not _admin(settings, put):
        raise SystemExit(f"user {name!r} exists (use --replace)")
    _print({"username": name, "created": True})
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from tokenward.service.crypto import load_kek
    from tokenward.service.keys import ensure_initial_key, rotate

    settings = _settings(args, signing_alg=args.signing_alg)
    kek = settings.kek or load_kek(settings.data_dir)

    async def go(store: Any, s: Settings) -> Any:
        await ensure_initial_key(store, s, kek)
        return await rotate(store, s, kek, delay=args.delay)

    _print(_admin(settings, go))
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    async def go(store: Any, s: Settings) -> Any:
        keys = await store.get_keys()
        return [
            {k: r[k] for k in ("kid", "alg", "created", "activate_at")}
            for r in sorted(keys.values(), key=lambda r: r["activate_at"])
        ]

    _print(_admin(_settings(args), go))
    return 0


def cmd_revoke_user(args: argparse.Namespace) -> int:
    from tokenward.service.keys import KeyRing
    from tokenward.service.tokens import TokenService

    async def go(store: Any, s: Settings) -> int:
        svc = TokenService(s, store, KeyRing(s, b"\0" * 32))
        return await svc.revoke_user(args.name)

    n = _admin(_settings(args), go)
    _print({"username": args.name, "revoked_families": n})
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from tokenward.service.runner import serve

    settings = _settings(
        args,
        host=args.host,
        port=args.port,
        workers=args.workers,
        issuer=args.issuer,
        default_audience=args.audience,
        signing_alg=args.signing_alg,
        access_ttl=args.access_ttl,
        refresh_ttl=args.refresh_ttl,
        rotation_delay=args.rotation_delay,
        leeway=args.leeway,
        max_batch=args.max_batch,
        client_cache_ttl=args.client_cache_ttl,
    )
    return serve(settings, access_log=args.access_log)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; an operational failure is one line on stderr and exit status 1."""
    from redis.exceptions import RedisError

    from tokenward.exceptions import TokenwardError

    try:
        return _dispatch(build_parser().parse_args(argv))
    except (RuntimeError, OSError, ValueError, RedisError, TokenwardError) as exc:
        sys.stderr.write(f"tokenward: error: {_one_line(exc)}\n")
        return 1


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return cmd_serve(args)
    if args.command == "clients":
        return cmd_clients_create(args)
    if args.command == "users":
        return cmd_users_create(args)
    if args.command == "keys":
        return cmd_keys_rotate(args) if args.action == "rotate" else cmd_keys_list(args)
    if args.command == "revoke-user":
        return cmd_revoke_user(args)
    raise SystemExit(2)


if __name__ == "__main__":
    sys.exit(main())
