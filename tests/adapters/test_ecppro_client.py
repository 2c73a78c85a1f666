"""EcpProClient against the EcpPro simulator: paging, credentials, throttling, snapshots."""

from __future__ import annotations

import pytest

from sandbox.run import RunningSandbox
from shared.bootstrap import build_ecppro
from shared.config import Settings
from shared.errors import AuthError, TransientError, ValidationError

pytestmark = pytest.mark.sandbox


def test_reads_every_page_of_a_large_list(
    sandbox: RunningSandbox, sandbox_settings: Settings
) -> None:
    client = build_ecppro(sandbox_settings.model_copy(update={"ecppro_page_size": 250}))
    users = list(client.list_records("users"))
    expected = sandbox.ecppro.state.list("users")
    assert len(users) == len(expected) > 1000
    assert len({u["id"] for u in users}) == len(users)
    assert client.http.requests_sent == -(-len(users) // 250)


def test_wrong_secret_names_the_settings_to_check(
    sandbox: RunningSandbox, sandbox_settings: Settings
) -> None:
    from pydantic import SecretStr

    client = build_ecppro(
        sandbox_settings.model_copy(update={"ecppro_secret_key": SecretStr("nope")})
    )
    with pytest.raises(AuthError) as error:
        list(client.list_records("tenants"))
    assert "ECPPRO_CUSTOMER_ID" in error.value.message
    assert "ECPPRO_SECRET_KEY" in error.value.message
    assert "nope" not in error.value.message
    assert client.http.requests_sent == 1  # static keys: no pointless retry


def test_throttling_is_retried_after_retry_after(
    sandbox: RunningSandbox, sandbox_settings: Settings
) -> None:
    sandbox.ecppro.faults.fail_next(2, status=429, retry_after=0)
    client = build_ecppro(sandbox_settings)
    assert len(list(client.list_records("licenses"))) == len(sandbox.ecppro.state.list("licenses"))
    assert client.http.requests_sent >= 3


def test_a_list_that_changes_mid_read_is_not_taken_as_a_snapshot(
    sandbox: RunningSandbox, sandbox_settings: Settings
) -> None:
    client = build_ecppro(sandbox_settings.model_copy(update={"ecppro_page_size": 100}))
    records = client.list_records("users")
    first = next(records)
    sandbox.ecppro.state.delete("users", first["id"])
    try:
        with pytest.raises(TransientError, match="changed while being read"):
            list(records)
    finally:
        sandbox.ecppro.state.upsert("users", first)


def test_unknown_list_is_refused_before_any_request(sandbox_settings: Settings) -> None:
    client = build_ecppro(sandbox_settings)
    with pytest.raises(ValidationError):
        list(client.list_records("printers"))
    assert client.http.requests_sent == 0
