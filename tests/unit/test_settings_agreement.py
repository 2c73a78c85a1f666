"""The app-setting names agree across `shared/config.py`, `local.settings.example.json` and
`infra/main.bicep`, and the deployment keeps its promises about secrets and delivery counts.

The Bicep file is read with a small scanner that drops comments and masks string contents, so
brackets inside strings or comments cannot confuse it; it fails loudly when the `appSettings`
array is missing or shaped differently, rather than finding no names and passing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from shared.config import Settings

ROOT = Path(__file__).resolve().parents[2]
BICEP = ROOT / "infra" / "main.bicep"
BICEP_PARAMETERS = ROOT / "infra" / "main.parameters.json"
EXAMPLE = ROOT / "local.settings.example.json"
HOST_JSON = ROOT / "host.json"

# Read by the Functions host or the Azure SDKs, never by `Settings`.
RUNTIME_NAMES = frozenset(
    {
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_EXTENSION_VERSION",
        "AzureWebJobsStorage",
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "ServiceBusConnection__credential",
        "ServiceBusConnection__clientId",
        "AZURE_CLIENT_ID",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
    }
)

# Secret settings left empty in Azure on purpose: the managed identity replaces the connection
# string, and the named setting must tell it where to go.
IDENTITY_INSTEAD_OF_SECRET = {
    "HUB_STORAGE_CONNECTION": "HUB_STORAGE_ACCOUNT_NAME",
    "ServiceBusConnection": "ServiceBusConnection__fullyQualifiedNamespace",
}

KEY_VAULT_REFERENCE = re.compile(r"^'@Microsoft\.KeyVault\(SecretUri=\S+\)'$")


def describe_difference(left: str, a: Iterable[str], right: str, b: Iterable[str]) -> str:
    """'X vs Y: only in X: [...]; only in Y: [...]' for two sets of names."""
    a, b = set(a), set(b)
    parts = []
    if a - b:
        parts.append(f"only in {left}: {sorted(a - b)}")
    if b - a:
        parts.append(f"only in {right}: {sorted(b - a)}")
    return f"{left} vs {right}: " + "; ".join(parts)


# --- reading the Bicep file ---------------------------------------------------------------


def mask_bicep(text: str) -> tuple[str, str]:
    """(code, masked): comments blanked in both; string contents also blanked in `masked`.

    Offsets are preserved, so a span found in `masked` can be read in `code`. Handles escaped
    quotes and `${...}` interpolations holding strings of their own.
    """
    code, masked = list(text), list(text)
    stack: list[str] = ["code"]  # "code", "string" or "interp"
    braces: list[int] = []
    i = 0

    def blank(start: int, end: int, *, in_code: bool) -> None:
        for k in range(start, end):
            if text[k] != "\n":
                masked[k] = " "
                if in_code:
                    code[k] = " "

    while i < len(text):
        state, ch, pair = stack[-1], text[i], text[i : i + 2]
        if state == "string":
            if pair == "${":
                stack.append("interp")
                braces.append(0)
                blank(i, i + 2, in_code=False)
                i += 2
                continue
            if ch == "\\":
                blank(i, i + 2, in_code=False)
                i += 2
                continue
            if ch == "'":
                stack.pop()
            else:
                blank(i, i + 1, in_code=False)
            i += 1
            continue
        if pair == "//":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            blank(i, end, in_code=True)
            i = end
            continue
        if pair == "/*":
            end = text.find("*/", i)
            if end < 0:
                raise AssertionError(f"{BICEP.name}: unterminated /* comment")
            blank(i, end + 2, in_code=True)
            i = end + 2
            continue
        if state == "interp":
            blank(i, i + 1, in_code=False)
            if ch == "{":
                braces[-1] += 1
            elif ch == "}":
                if braces[-1] == 0:
                    stack.pop()
                    braces.pop()
                else:
                    braces[-1] -= 1
        if ch == "'":
            if text.startswith("'''", i):
                raise AssertionError(f"{BICEP.name}: multi-line strings are not expected here")
            stack.append("string")
        i += 1
    if stack != ["code"]:
        raise AssertionError(f"{BICEP.name}: unterminated string or interpolation")
    return "".join(code), "".join(masked)


def matching_close(masked: str, open_at: int) -> int:
    """Offset of the bracket closing the one at `open_at` (string contents already masked)."""
    pairs = {"[": "]", "{": "}", "(": ")"}
    stack = [pairs[masked[open_at]]]
    for k in range(open_at + 1, len(masked)):
        ch = masked[k]
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]}":
            if ch != stack.pop():
                raise AssertionError(f"{BICEP.name}: unbalanced '{ch}' at offset {k}")
            if not stack:
                return k
    raise AssertionError(f"{BICEP.name}: bracket at offset {open_at} is never closed")


def top_level_objects(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the `{...}` objects directly inside the array between `start` and `end`."""
    spans, k = [], start
    while k < end:
        if masked[k] == "{":
            close = matching_close(masked, k)
            spans.append((k, close + 1))
            k = close + 1
        elif masked[k] in "[(":
            k = matching_close(masked, k) + 1
        else:
            k += 1
    return spans


def property_values(code: str, masked: str, key: str, start: int = 0, end: int = -1) -> list[str]:
    """Source text of every `key: value` between `start` and `end` (not in strings or comments).

    A value ends at a line break, comma or closing brace outside the brackets it opens.
    """
    end = len(masked) if end < 0 else end
    values = []
    for found in re.compile(rf"(?<![\w.]){re.escape(key)}\s*:").finditer(masked, start, end):
        stop, depth = found.end(), 0
        while stop < end and not (depth == 0 and masked[stop] in "\n,}"):
            depth += (masked[stop] in "[{(") - (masked[stop] in "]})")
            stop += 1
        values.append(code[found.end() : stop].strip())
    return values


@cache
def bicep_source() -> tuple[str, str]:
    return mask_bicep(BICEP.read_text(encoding="utf-8"))


@cache
def bicep_app_settings() -> tuple[tuple[str, str], ...]:
    """(name, value expression) of every entry of the Function App's `appSettings` array."""
    code, masked = bicep_source()
    arrays = [m.end() - 1 for m in re.finditer(r"\bappSettings\s*:\s*\[", masked)]
    assert len(arrays) == 1, (
        f"{BICEP.name} must hold exactly one 'appSettings: [ ... ]' array of "
        f"{{ name: '...', value: ... }} objects; found {len(arrays)}"
    )
    close = matching_close(masked, arrays[0])
    entries = []
    for start, end in top_level_objects(masked, arrays[0] + 1, close):
        names, values = (
            property_values(code, masked, key, start, end) for key in ("name", "value")
        )
        entry = code[start:end].strip()
        assert len(names) == 1 and re.fullmatch(r"'[^'$]+'", names[0]), (
            f"{BICEP.name}: an appSettings entry needs one literal name: {entry!r}"
        )
        assert len(values) == 1 and values[0], f"{BICEP.name}: one value needed: {entry!r}"
        entries.append((names[0].strip("'"), values[0]))
    assert entries, f"{BICEP.name}: the appSettings array is empty"
    return tuple(entries)


@cache
def bicep_parameters() -> dict[str, tuple[str, str | None]]:
    """name -> (type, default source text or None) of every `param`."""
    code, _ = bicep_source()
    pattern = re.compile(r"^param\s+(\w+)\s+(\w+)(?:\s*=\s*(.+?))?\s*$", re.MULTILINE)
    return {m[1]: (m[2], m[3]) for m in pattern.finditer(code)}


def bicep_property_values(key: str) -> list[str]:
    return property_values(*bicep_source(), key)


def bicep_settings_dict() -> dict[str, str]:
    return dict(bicep_app_settings())


def parameter_reference(expression: str) -> str | None:
    """The parameter an app-setting value is, directly or through string(...)."""
    match = re.fullmatch(r"(?:string\(\s*(\w+)\s*\)|(\w+))", expression)
    if not match:
        return None
    name = match[1] or match[2]
    return name if name in bicep_parameters() else None


# --- reading the example settings ------------------------------------------------------


def reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"{EXAMPLE.name} repeats keys {duplicates}"
    return dict(pairs)


@cache
def example_values() -> dict[str, str]:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"), object_pairs_hook=reject_duplicate_keys)
    assert data.get("IsEncrypted") is False, f"{EXAMPLE.name}: IsEncrypted must be false"
    values = data.get("Values")
    assert isinstance(values, dict), f"{EXAMPLE.name}: 'Values' must be an object"
    not_strings = sorted(name for name, value in values.items() if not isinstance(value, str))
    assert not not_strings, f"{EXAMPLE.name}: values must be strings: {not_strings}"
    return values


# --- the tests ----------------------------------------------------------------------------


def test_every_settings_field_has_a_description() -> None:
    undescribed = sorted(
        name
        for name, field in Settings.model_fields.items()
        if not (field.description and field.description.strip())
    )
    assert not undescribed, f"Settings fields without a description: {undescribed}"


def test_example_names_are_the_settings_names() -> None:
    names = set(example_values())
    settings = Settings.setting_names()
    unknown = sorted(names - settings - RUNTIME_NAMES)
    assert not unknown, f"{EXAMPLE.name} has names neither Settings nor the runtime read: {unknown}"
    assert names - RUNTIME_NAMES == settings, describe_difference(
        EXAMPLE.name, names - RUNTIME_NAMES, "Settings", settings
    )
    for runtime in ("FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage"):
        assert runtime in names, f"{EXAMPLE.name} lacks the runtime setting {runtime}"


def test_bicep_names_are_the_settings_names() -> None:
    names = [name for name, _ in bicep_app_settings()]
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert not repeated, f"{BICEP.name} sets {repeated} more than once"
    settings = Settings.setting_names()
    unknown = sorted(set(names) - settings - RUNTIME_NAMES)
    assert not unknown, f"{BICEP.name} sets names neither Settings nor the runtime read: {unknown}"
    assert set(names) - RUNTIME_NAMES == settings, describe_difference(
        BICEP.name, set(names) - RUNTIME_NAMES, "Settings", settings
    )
    assert "AzureWebJobsStorage__accountName" in names, "the Functions host needs its storage"
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in names, "telemetry goes nowhere"


def test_bicep_secrets_are_key_vault_references_or_left_to_the_identity() -> None:
    settings = bicep_settings_dict()
    problems = []
    for name in sorted(Settings.secret_names()):
        value = settings.get(name)
        if name in IDENTITY_INSTEAD_OF_SECRET:
            companion = IDENTITY_INSTEAD_OF_SECRET[name]
            if value != "''":
                problems.append(f"{name} must stay '' (managed identity), is {value}")
            if settings.get(companion) in (None, "''"):
                problems.append(f"{name} is empty, so {companion} must be set")
        elif value is None or not KEY_VAULT_REFERENCE.match(value):
            problems.append(f"{name} must be '@Microsoft.KeyVault(SecretUri=...)', is {value}")
    assert not problems, f"{BICEP.name}: " + "; ".join(problems)


def test_max_delivery_count_comes_from_one_bicep_parameter() -> None:
    value = bicep_settings_dict().get("HUB_MAX_DELIVERY_COUNT", "")
    parameter = parameter_reference(value)
    assert parameter, f"HUB_MAX_DELIVERY_COUNT must be a parameter (or string(param)), is {value!r}"
    assert bicep_parameters()[parameter][0] == "int", f"parameter {parameter} must be an int"
    used = bicep_property_values("maxDeliveryCount")
    assert used, f"{BICEP.name} sets no queue maxDeliveryCount"
    others = sorted(set(used) - {parameter})
    assert not others, (
        f"queue maxDeliveryCount must be parameter {parameter} (as HUB_MAX_DELIVERY_COUNT), "
        f"found {others}"
    )


def test_bicep_queues_detect_duplicates_and_dead_letter_expired_messages() -> None:
    expected = {
        "requiresDuplicateDetection": "true",
        "deadLetteringOnMessageExpiration": "true",
        "duplicateDetectionHistoryTimeWindow": "'PT10M'",
        "lockDuration": "'PT1M'",
    }
    for key, wanted in expected.items():
        found = set(bicep_property_values(key))
        assert found == {wanted}, f"{BICEP.name}: queues must set {key}: {wanted}, found {found}"


def test_bicep_parameter_defaults_match_settings_defaults() -> None:
    """A parameter feeding a setting defaults to what Settings would use without it."""
    by_alias = {
        str(field.validation_alias.choices[0]): field  # type: ignore[union-attr]
        for field in Settings.model_fields.values()
    }
    drift = []
    for name, expression in bicep_app_settings():
        parameter = parameter_reference(expression)
        if name not in by_alias or parameter is None:
            continue
        default = bicep_parameters()[parameter][1]
        if default is None or not re.fullmatch(r"'[^'$\\]*'|-?\d+(?:\.\d+)?", default):
            continue  # required, or computed at deployment (tenant(), environment())
        field = by_alias[name]
        literal = default.strip("'")
        annotation: Any = field.annotation
        parsed = TypeAdapter(annotation).validate_python(literal)
        if parsed != field.default:
            drift.append(
                f"{name}: param {parameter} = {default}, Settings default {field.default!r}"
            )
    assert not drift, f"{BICEP.name} parameter defaults differ from Settings: " + "; ".join(drift)


def test_delivery_count_agrees_across_settings_example_bicep_and_host_json() -> None:
    host = json.loads(HOST_JSON.read_text(encoding="utf-8"))
    parameter = parameter_reference(bicep_settings_dict()["HUB_MAX_DELIVERY_COUNT"])
    assert parameter is not None
    counts = {
        "Settings default": Settings.model_fields["max_delivery_count"].default,
        f"{EXAMPLE.name}": int(example_values()["HUB_MAX_DELIVERY_COUNT"]),
        f"{BICEP.name} param {parameter}": int(bicep_parameters()[parameter][1] or 0),
        f"{HOST_JSON.name} queues.maxDequeueCount": host["extensions"]["queues"]["maxDequeueCount"],
    }
    assert len(set(counts.values())) == 1, f"delivery counts differ: {counts}"


def test_parameters_file_names_bicep_parameters_and_every_required_one() -> None:
    given = set(json.loads(BICEP_PARAMETERS.read_text(encoding="utf-8"))["parameters"])
    declared = bicep_parameters()
    required = {name for name, (_, default) in declared.items() if default is None}
    unknown = sorted(given - set(declared))
    assert not unknown, f"{BICEP_PARAMETERS.name} names parameters {BICEP.name} lacks: {unknown}"
    missing = sorted(required - given)
    assert not missing, f"{BICEP_PARAMETERS.name} lacks required parameters: {missing}"


def test_settings_build_from_the_example(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.setting_names() | RUNTIME_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in example_values().items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.bus_kind == "storagequeue"
    assert settings.storage_connection is not None
    assert settings.storage_connection.get_secret_value() == "UseDevelopmentStorage=true"
    assert settings.max_delivery_count == int(example_values()["HUB_MAX_DELIVERY_COUNT"])


def test_scanner_ignores_brackets_in_comments_and_strings() -> None:
    source = "x: [ // ] not this\n  {\n    name: 'a]}'\n    value: '${f('}')}'\n  }\n]\n"
    code, masked = mask_bicep(source)
    assert "not this" not in code
    open_at = masked.index("[")
    assert matching_close(masked, open_at) == source.rindex("]")
    ((start, end),) = top_level_objects(masked, open_at + 1, source.rindex("]"))
    assert property_values(code, masked, "name", start, end) == ["'a]}'"]
    assert property_values(code, masked, "value", start, end) == ["'${f('}')}'"]
