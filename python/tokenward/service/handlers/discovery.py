"""GET /.well-known/jwks.json, /.well-known/oauth-authorization-server (RFC 8414), /openapi.json."""

from __future__ import annotations

from aiohttp import web

from ..appkeys import KEYRING, SETTINGS
from ..openapi import openapi_document
from .common import json_response


async def jwks(request: web.Request) -> web.Response:
    resp = json_response(request.app[KEYRING].jwks(), cache=True)
    resp.headers["Cache-Control"] = "public, max-age=60"
    return resp


def metadata_document(issuer: str) -> dict[str, object]:
    auth_methods = ["client_secret_basic", "client_secret_post"]
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/oauth2/token",
        "introspection_endpoint": f"{issuer}/oauth2/introspect",
        "revocation_endpoint": f"{issuer}/oauth2/revoke",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "grant_types_supported": ["password", "client_credentials", "refresh_token"],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "service_documentation": f"{issuer}/openapi.json",
    }


async def metadata(request: web.Request) -> web.Response:
    resp = json_response(metadata_document(request.app[SETTINGS].effective_issuer), cache=True)
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


async def openapi(request: web.Request) -> web.Response:
    return json_response(openapi_document(request.app[SETTINGS]), cache=True)
