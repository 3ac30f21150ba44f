"""The tokenward HTTP service (aiohttp): ``create_app(Settings(...))``."""

from __future__ import annotations

from .app import create_app
from .settings import Settings

__all__ = ["Settings", "create_app"]
