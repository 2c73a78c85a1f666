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
from tests.bicep import (
    BICEP,
    bicep_app_settings,
    bicep_parameters,
    bicep_property_values,
    bicep_settings_dict,
    mask_bicep,
    matching_close,
    parameter_reference,
    property_values,
    top_level_objects,
)

ROOT = Path(__file__).resolve().parents[2]
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


def test_a_crm_integration_without_its_url_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shared.config import get_settings, load_settings
    from shared.errors import ConfigurationError

    monkeypatch.setenv("HUB_STORAGE_CONNECTION", "UseDevelopmentStorage=true")
    monkeypatch.setenv("CRM_INTEGRATION_ENABLED", "true")
    monkeypatch.setenv("DATAVERSE_URL", "")

    def refused() -> ConfigurationError:
        get_settings.cache_clear()
        try:
            with pytest.raises(ConfigurationError) as error:
                load_settings()
        finally:
            get_settings.cache_clear()
        return error.value

    without_url = refused()
    assert without_url.settings == ("DATAVERSE_URL",)
    assert "CRM_INTEGRATION_ENABLED is true" in without_url.message
    monkeypatch.setenv("DATAVERSE_URL", "https://contoso.crm.dynamics.com")
    monkeypatch.setenv("CRM_DEFAULT_UNIT_ID", "not-a-guid")
    assert refused().settings == ("CRM_DEFAULT_UNIT_ID",)
