"""Typed stub of the compiled core (``rust_core/src/py``). Private: import ``tokenward``."""

from collections.abc import Iterable, Sequence
from typing import final

from tokenward.exceptions import InvalidTokenError

__all__ = ["ERROR_CODES", "KeySet", "SigningKey", "Validator", "verify_jws", "verify_signature"]

ERROR_CODES: list[str]

@final
class KeySet:
    @staticmethod
    def from_jwks_json(data: bytes, allow_mixed: bool = False) -> KeySet: ...
    def kids(self) -> list[str | None]: ...
    def algs(self) -> list[str]: ...
    def __len__(self) -> int: ...

@final
class Validator:
    def __new__(
        cls,
        keys: KeySet,
        algorithms: Sequence[str],
        issuers: Sequence[str] | None,
        audiences: Sequence[str] | None,
        leeway: float,
        required: Sequence[str],
        typ: str | None,
        max_token_bytes: int,
    ) -> Validator: ...
    def validate(
        self,
        token: str | bytes,
        scopes: Sequence[str] | None = None,
        now: float | None = None,
    ) -> dict[str, object]: ...
    def validate_many(
        self,
        tokens: Iterable[object],
        scopes: Sequence[str] | None = None,
        now: float | None = None,
        threads: int | None = None,
    ) -> list[dict[str, object] | InvalidTokenError]: ...

@final
class SigningKey:
    def __new__(cls, alg: str, key: bytes) -> SigningKey: ...
    @property
    def alg(self) -> str: ...
    def sign(self, message: bytes) -> bytes: ...

def verify_jws(
    token: str | bytes,
    keys: KeySet,
    algorithms: Sequence[str],
    max_token_bytes: int = 8192,
) -> bytes: ...
def verify_signature(
    keys: KeySet,
    kid: str | None,
    alg: str,
    message: bytes,
    signature: bytes,
) -> None: ...
