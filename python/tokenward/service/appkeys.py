"""Typed application state keys."""

from __future__ import annotations

from aiohttp import web

from .auth import Authenticator
from .keys import KeyRing
from .settings import Settings
from .store import Store
from .tokens import TokenService

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
KEYRING = web.AppKey("keyring", KeyRing)
AUTH = web.AppKey("auth", Authenticator)
TOKENS = web.AppKey("tokens", TokenService)
SECRETS = web.AppKey("secrets", dict)
