"""The OpenAPI 3.1 document served at /openapi.json (kept next to the routes it describes)."""

from __future__ import annotations

from typing import Any

from .handlers.revocation import admin_token
from .settings import Settings

_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _err(desc: str) -> dict[str, Any]:
    return {"description": desc, "content": {_JSON: {"schema": _ref("Error")}}}


_COMMON_ERRORS = {
    "400": _err("invalid_request and other RFC 6749 §5.2 errors"),
    "401": {
        **_err("invalid_client (with WWW-Authenticate: Basic)"),
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    },
    "405": _err("method not allowed"),
    "413": _err("body, batch or token too large"),
    "415": _err("unsupported media type"),
    "429": {
        **_err("too many failed credential attempts (slow_down)"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    "503": _err("temporarily_unavailable: the store is down"),
}

_SECURITY: list[dict[str, list[str]]] = [{"clientBasic": []}]


def _form_op(summary: str, schema: str, ok: dict[str, Any], op_id: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": op_id,
            "summary": summary,
            "security": _SECURITY,
            "requestBody": {"required": True, "content": {_FORM: {"schema": _ref(schema)}}},
            "responses": {"200": ok, **_COMMON_ERRORS},
        }
    }


def _json_op(summary: str, schema: str, ok: dict[str, Any], op_id: str) -> dict[str, Any]:
    return {
        "post": {
            "operationId": op_id,
            "summary": summary,
            "security": [{"clientBasic": []}],
            "requestBody": {"required": True, "content": {_JSON: {"schema": _ref(schema)}}},
            "responses": {"200": ok, **_COMMON_ERRORS},
        }
    }


def _ok(schema: str, desc: str = "OK") -> dict[str, Any]:
    return {"description": desc, "content": {_JSON: {"schema": _ref(schema)}}}


def openapi_document(settings: Settings) -> dict[str, Any]:
    str_ = {"type": "string"}
    int_ = {"type": "integer"}
    claims_time = {"type": "integer"}
    nonempty = {"type": "string", "minLength": 1}
    _scope_aud: dict[str, Any] = {
        "scope": {"type": "string", "maxLength": 2048},
        "audience": {"type": "string", "minLength": 1},
        "resource": {"type": "string", "minLength": 1},
    }
    any_tokens = {
        "type": "array",
        "maxItems": settings.max_batch,
        "items": {},
        "description": "Access tokens. Any element that is not a valid token (including "
        "non-strings) gets its own negative result; it never fails the batch.",
    }
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": str_, "error_description": str_},
        },
        "TokenRequest": {
            "description": "One of the three grants. Client authentication: HTTP Basic, or "
            "client_id + client_secret as form parameters (client_secret_post) - never both. "
            "Unrecognised parameters are ignored (RFC 6749 section 3.2).",
            "oneOf": [
                {
                    "type": "object",
                    "required": ["grant_type", "username", "password"],
                    "properties": {
                        "grant_type": {"const": "password"},
                        "username": {"type": "string", "minLength": 1, "maxLength": 256},
                        "password": {"type": "string", "minLength": 1, "maxLength": 1024},
                        **_scope_aud,
                    },
                },
                {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {"grant_type": {"const": "client_credentials"}, **_scope_aud},
                },
                {
                    "type": "object",
                    "required": ["grant_type", "refresh_token"],
                    "properties": {
                        "grant_type": {"const": "refresh_token"},
                        "refresh_token": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": settings.max_token_bytes,
                        },
                        "scope": _scope_aud["scope"],
                    },
                },
            ],
        },
        "TokenResponse": {
            "type": "object",
            "required": ["access_token", "token_type", "expires_in"],
            "properties": {
                "access_token": str_,
                "token_type": {"const": "Bearer"},
                "expires_in": int_,
                "scope": str_,
                "refresh_token": str_,
            },
        },
        "IntrospectRequest": {
            "type": "object",
            "required": ["token"],
            "properties": {
                "token": nonempty,
                "token_type_hint": {"enum": ["access_token", "refresh_token"]},
            },
        },
        "Introspection": {
            "description": 'RFC 7662 §2.2. Inactive tokens are exactly {"active": false}.',
            "type": "object",
            "required": ["active"],
            "properties": {
                "active": {"type": "boolean"},
                "scope": str_,
                "client_id": str_,
                "username": str_,
                "token_type": str_,
                "exp": claims_time,
                "iat": claims_time,
                "nbf": claims_time,
                "sub": str_,
                "aud": {"oneOf": [str_, {"type": "array", "items": str_}]},
                "iss": str_,
                "jti": str_,
            },
        },
        "BatchRequest": {
            "type": "object",
            "required": ["tokens"],
            "properties": {"tokens": any_tokens},
        },
        "BatchIntrospection": {
            "type": "object",
            "required": ["results"],
            "properties": {"results": {"type": "array", "items": _ref("Introspection")}},
        },
        "ValidateRequest": {
            "type": "object",
            "required": ["tokens", "audience"],
            "properties": {
                "tokens": {"type": "array", "items": str_, "maxItems": settings.max_batch},
                "audience": {"oneOf": [str_, {"type": "array", "items": str_, "minItems": 1}]},
                "scopes": {"type": "array", "items": str_},
            },
        },
        "ValidateResult": {
            "oneOf": [
                {
                    "type": "object",
                    "required": ["valid", "claims"],
                    "properties": {"valid": {"const": True}, "claims": {"type": "object"}},
                },
                {
                    "type": "object",
                    "required": ["valid", "error"],
                    "properties": {
                        "valid": {"const": False},
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {"code": str_, "message": str_},
                        },
                    },
                },
            ]
        },
        "ValidateResponse": {
            "type": "object",
            "required": ["results"],
            "properties": {"results": {"type": "array", "items": _ref("ValidateResult")}},
        },
        "RevokeRequest": {
            "type": "object",
            "required": ["token"],
            "properties": {"token": nonempty, "token_type_hint": str_},
        },
        "JWKS": {
            "type": "object",
            "required": ["keys"],
            "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
        },
        "Health": {"type": "object", "properties": {"status": str_}},
        "Readiness": {
            "type": "object",
            "properties": {
                "status": str_,
                "store": {"type": "boolean"},
                "keys": {"type": "boolean"},
            },
        },
    }

    def get(op_id: str, summary: str, schema: str) -> dict[str, Any]:
        return {
            "get": {"operationId": op_id, "summary": summary, "responses": {"200": _ok(schema)}}
        }

    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "tokenward", "version": "0.1.0"},
        "servers": [{"url": settings.effective_issuer}],
        "paths": {
            "/oauth2/token": _form_op(
                "Issue tokens (RFC 6749)", "TokenRequest", _ok("TokenResponse"), "token"
            ),
            "/oauth2/introspect": _form_op(
                "Introspect one token (RFC 7662)",
                "IntrospectRequest",
                _ok("Introspection"),
                "introspect",
            ),
            "/oauth2/introspect/batch": _json_op(
                "Introspect many tokens",
                "BatchRequest",
                _ok("BatchIntrospection"),
                "introspectBatch",
            ),
            "/v1/validate": _json_op(
                "Validate tokens for an audience, with reasons",
                "ValidateRequest",
                _ok("ValidateResponse"),
                "validate",
            ),
            "/oauth2/revoke": _form_op(
                "Revoke a token (RFC 7009)",
                "RevokeRequest",
                {"description": "revoked, or nothing to revoke"},
                "revoke",
            ),
            "/.well-known/jwks.json": get("jwks", "Published verification keys", "JWKS"),
            "/.well-known/oauth-authorization-server": {
                "get": {
                    "operationId": "metadata",
                    "summary": "RFC 8414 metadata",
                    "responses": {"200": {"description": "metadata", "content": {_JSON: {}}}},
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {_JSON: {}}}},
                }
            },
            "/healthz": get("healthz", "Liveness", "Health"),
            "/readyz": {
                "get": {
                    "operationId": "readyz",
                    "summary": "Readiness: store reachable and keys loaded",
                    "responses": {
                        "200": _ok("Readiness"),
                        "503": _ok("Readiness", "not ready"),
                    },
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "clientBasic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "client_secret_basic. The form endpoints also accept "
                    "client_secret_post (client_id + client_secret form parameters) instead.",
                },
            },
        },
    }
    if admin_token() is not None:
        doc["paths"]["/admin/revoke-user"] = {
            "post": {
                "operationId": "adminRevokeUser",
                "summary": "Revoke every token of one user (password reset, disabled account)",
                "security": [{"adminBearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {_JSON: {"schema": _ref("AdminRevokeUserRequest")}},
                },
                "responses": {
                    "200": _ok("AdminRevokeUserResponse"),
                    "400": _err("bad request"),
                    "401": _err("admin token missing or wrong"),
                    "429": _err("too many failed attempts"),
                },
            }
        }
        schemas["AdminRevokeUserRequest"] = {
            "type": "object",
            "required": ["username"],
            "properties": {"username": {"type": "string", "minLength": 1, "maxLength": 256}},
        }
        schemas["AdminRevokeUserResponse"] = {
            "type": "object",
            "required": ["revoked_families"],
            "properties": {"revoked_families": {"type": "integer", "minimum": 0}},
        }
        doc["components"]["securitySchemes"]["adminBearer"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "TOKENWARD_ADMIN_TOKEN (the admin API exists only when it is set)",
        }
    return doc
