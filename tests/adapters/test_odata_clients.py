"""BC and Dataverse OData clients through MSAL (HTTPS, sandbox CA) against the simulators."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from sandbox.run import RunningSandbox
from shared.adapters.odata import eq_filter
from shared.bootstrap import build_bc_odata, build_dataverse
from shared.config import Settings
from shared.errors import AuthError, ConflictError, NotFound

pytestmark = pytest.mark.sandbox


def test_bc_reads_with_token_paging_and_quoted_filters(
    sandbox: RunningSandbox, sandbox_settings: Settings
) -> None:
    bc = build_bc_odata(sandbox_settings)
    customers = list(bc.list("customers", page_size=2))
    assert len(customers) >= 3
    assert bc.http.requests_sent >= 2  # followed @odata.nextLink
    name = customers[0]["displayName"]
    found = list(bc.list("customers", filter=eq_filter(displayName=name)))
    assert customers[0]["id"] in [c["id"] for c in found]  # other tests may add namesakes
    assert all(c["displayName"] == name for c in found)
    assert list(bc.list("customers", filter=eq_filter(displayName="O'Neil & Sons #1"))) == []


def test_bc_tokens_are_cached_across_requests(
    sandbox: RunningSandbox, sandbox_settings: Settings
) -> None:
    bc = build_bc_odata(sandbox_settings)
    before = sandbox.entra.tokens_issued
    list(bc.list("items"))
    list(bc.list("vendors"))
    assert sandbox.entra.tokens_issued == before + 1


def test_bc_update_needs_a_current_etag(
    sandbox: RunningSandbox, sandbox_settings: Settings
) -> None:
    bc = build_bc_odata(sandbox_settings)
    customer = next(iter(bc.list("customers")))
    updated = bc.update(
        "customers", customer["id"], {"phoneNumber": "+1 555 0100"}, etag=customer["@odata.etag"]
    )
    assert updated["phoneNumber"] == "+1 555 0100"
    with pytest.raises(ConflictError):
        bc.update("customers", customer["id"], {"phoneNumber": "x"}, etag=customer["@odata.etag"])
    with pytest.raises(NotFound):
        bc.get("customers", "00000000-0000-4000-8000-000000000000")


def test_dataverse_create_read_delete(sandbox: RunningSandbox, sandbox_settings: Settings) -> None:
    dataverse = build_dataverse(sandbox_settings)
    created = dataverse.create("accounts", {"name": "Hub Test Ltd"})
    account = dataverse.get("accounts", created)
    assert account["name"] == "Hub Test Ltd" and account["accountid"] == created
    dataverse.delete("accounts", created, etag=account["@odata.etag"])
    with pytest.raises(NotFound):
        dataverse.get("accounts", created)


def test_wrong_client_secret_names_the_settings(sandbox_settings: Settings) -> None:
    bc = build_bc_odata(sandbox_settings.model_copy(update={"client_secret": SecretStr("bad")}))
    with pytest.raises(AuthError, match="HUB_CLIENT_SECRET"):
        list(bc.list("customers"))
