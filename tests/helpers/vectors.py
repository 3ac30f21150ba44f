"""The one loader for the Wycheproof and RFC test vectors, and the one list of overrides.

Every test that reads ``tests/data`` goes through this module, so the
places where we deliberately disagree with an upstream label are listed once,
here, with the reason (``OVERRIDES``), together with our policy for the
``acceptable`` label (``ACCEPTABLE_POLICY``) and for HMAC keys that are
shorter than the hash output (``hmac_key_too_short``).
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Vendored copy of the workplace's ``shared/testdata`` (Wycheproof is Apache-2.0), so a
#: clone tests itself wherever it is checked out (tests/data/README.md).
_TESTDATA = Path(__file__).resolve().parents[1] / "data"


def testdata_dir() -> Path:
    """``<repo>/tests/data``: the Wycheproof vectors and the RFC JWS examples."""
    return _TESTDATA


def wycheproof_dir() -> Path:
    return testdata_dir() / "wycheproof"


@functools.cache
def load_wycheproof_file(name: str) -> Mapping[str, Any]:
    with (wycheproof_dir() / name).open(encoding="utf-8") as fh:
        data: Mapping[str, Any] = json.load(fh)
    return data


# --------------------------------------------------------------------------
# Policy and overrides (the only place where expected results are changed).
# --------------------------------------------------------------------------
#: Our policy for Wycheproof's ``acceptable`` label. The only such cases in
#: the copied files are the RSA PKCS#1 v1.5 "MissingNull" tests (a DigestInfo
#: without the NULL parameter, tcId 8 of every ``rsa_signature_*`` file).
#: RFC 8017 §9.2 / RFC 7518 §3.3 give exactly one encoding; a strict JWS
#: verifier compares the re-encoded EM and rejects the other one.
ACCEPTABLE_POLICY = "invalid"
ACCEPTABLE_REASON = (
    "acceptable → rejected: PKCS#1 v1.5 DigestInfo without NULL (MissingNull) is not the "
    "encoding RFC 8017 §9.2 produces; tokenward compares the full encoding (strict)"
)

#: HMAC secrets shorter than the hash output are refused when the key is
#: loaded (RFC 7518 §3.2: "A key of the same size as the hash output ... or
#: larger MUST be used"). The Wycheproof HMAC files carry such groups (128-bit
#: key for HMAC-SHA256, 192 for SHA384, 256 for SHA512): for them we assert the
#: key loader raises ``KeyRejectedError``; the MAC primitive is therefore never
#: run with them (there is no entry point that would accept such a key).
HMAC_MIN_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


def hmac_key_too_short(alg: str, key: bytes) -> bool:
    return len(key) < HMAC_MIN_KEY_BYTES[alg]


@dataclass(frozen=True)
class Override:
    """An intended deviation from an upstream label."""

    expected: str  # "valid" | "invalid" (what we assert instead of the label)
    reason: str
    #: When set: the vector becomes valid if the JWK's ``alg`` member is removed
    #: and the key is loaded with this algorithm (None: inferred from the curve).
    valid_without_jwk_alg: str | None = None
    same_as: int | None = None  # tcId whose ``jws`` is byte-identical
    extra: Mapping[str, Any] = field(default_factory=dict)


_WC_ISSUE_236 = (
    "byte-identical to tcId 357 (ValidMac, labelled valid); both labels cannot hold "
    "(C2SP/wycheproof issue #236). We follow 357: the token is canonical and its MAC is good"
)
_STRICT_B64 = (
    "labelled valid upstream, but the segment contains '?', outside the base64url "
    "alphabet; RFC 7515 §5.2 and semantics §3.3 require rejection (intended deviation)"
)
_JWK_ALG_PS = (
    "labelled valid upstream, but the JWK says alg=PS256 and the token is PS384; "
    "semantics §2/§3.8 bind every key to its JWK alg (the ps512/Using* tests require "
    "the same binding). Valid again once the JWK alg is dropped and PS384 configured"
)
_JWK_ALG_ES521 = (
    "labelled valid upstream, but the JWK alg is the unregistered 'ES521'; semantics §2 "
    "refuses an alg outside ALGORITHMS (key_rejected). Valid again once the JWK alg is "
    "dropped (ES512 inferred from crv P-521)"
)

#: (file name, tcId) → Override
OVERRIDES: dict[tuple[str, int], Override] = {
    ("json_web_signature_test.json", 367): Override("valid", _WC_ISSUE_236, same_as=357),
    ("json_web_signature_test.json", 370): Override("valid", _WC_ISSUE_236, same_as=357),
    ("json_web_signature_test.json", 372): Override("invalid", _STRICT_B64),
    ("json_web_signature_test.json", 373): Override("invalid", _STRICT_B64),
    ("json_web_signature_test.json", 346): Override(
        "invalid", _JWK_ALG_PS, valid_without_jwk_alg="PS384"
    ),
    ("json_web_signature_test.json", 350): Override(
        "invalid", _JWK_ALG_PS, valid_without_jwk_alg="PS384"
    ),
    ("json_web_signature_test.json", 347): Override(
        "invalid", _JWK_ALG_ES521, valid_without_jwk_alg="ES512"
    ),
    ("json_web_signature_test.json", 351): Override(
        "invalid", _JWK_ALG_ES521, valid_without_jwk_alg="ES512"
    ),
}


#: Vectors whose upstream label is right by the RFCs but which our own contract
#: (docs/semantics.md) answers differently (none at present). They stay in the suite as strict
#: xfails, so the conflict shows in every run and turns into a failure the day the
#: contract (or the library) changes. Raised with the lead; not silently overridden.
CONTRACT_DEVIATIONS: dict[tuple[str, int], str] = {}


# --------------------------------------------------------------------------
# Wycheproof cases
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class WycheproofCase:
    file: str
    group: Mapping[str, Any]
    test: Mapping[str, Any]
    expected: str  # "valid" | "invalid" after policy and overrides
    why: str  # upstream comment, flags, and the override reason if any

    @property
    def tc_id(self) -> int:
        return int(self.test["tcId"])

    @property
    def id(self) -> str:
        return f"{self.file.removesuffix('_test.json')}-tc{self.tc_id}"

    @property
    def override(self) -> Override | None:
        return OVERRIDES.get((self.file, self.tc_id))

    @property
    def contract_deviation(self) -> str | None:
        return CONTRACT_DEVIATIONS.get((self.file, self.tc_id))

    def hex(self, name: str) -> bytes:
        return bytes.fromhex(self.test[name])


def _expected(file: str, test: Mapping[str, Any]) -> tuple[str, str]:
    label = str(test["result"])
    why = f"{test.get('comment', '')} flags={test.get('flags', [])} label={label}"
    override = OVERRIDES.get((file, int(test["tcId"])))
    if override is not None:
        return override.expected, f"{why}; OVERRIDE: {override.reason}"
    if label == "acceptable":
        return ACCEPTABLE_POLICY, f"{why}; POLICY: {ACCEPTABLE_REASON}"
    assert label in ("valid", "invalid"), label
    return label, why


def wycheproof_cases(file: str) -> list[WycheproofCase]:
    data = load_wycheproof_file(file)
    cases = []
    for group in data["testGroups"]:
        for test in group["tests"]:
            expected, why = _expected(file, test)
            cases.append(WycheproofCase(file, group, test, expected, why))
    return cases


def iter_groups(file: str) -> Iterator[tuple[Mapping[str, Any], list[WycheproofCase]]]:
    """Groups of ``file`` with their cases (cases carry policy/overrides)."""
    by_group: dict[int, list[WycheproofCase]] = {}
    groups: dict[int, Mapping[str, Any]] = {}
    for case in wycheproof_cases(file):
        by_group.setdefault(id(case.group), []).append(case)
        groups[id(case.group)] = case.group
    for key, cases in by_group.items():
        yield groups[key], cases


# --------------------------------------------------------------------------
# RFC examples
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class RfcExample:
    source: str
    alg: str
    jwk: Mapping[str, Any]
    token: str
    note: str

    @property
    def id(self) -> str:
        return self.source.replace(" ", "_").replace("/", "_")

    @property
    def payload(self) -> bytes:
        seg = self.token.split(".")[1]
        return base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


@functools.cache
def rfc_examples() -> tuple[RfcExample, ...]:
    with (testdata_dir() / "rfc_jws_examples.json").open(encoding="utf-8") as fh:
        raw = json.load(fh)
    out = []
    for entry in raw:
        assert entry["valid"] is True, entry["source"]
        out.append(
            RfcExample(
                entry["source"], entry["alg"], entry["jwk"], entry["token"], entry.get("note", "")
            )
        )
    return tuple(out)
