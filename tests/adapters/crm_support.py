"""The hub's ports for CRM connector tests against both simulators over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.dataverse.client import DataverseClient
from shared.bootstrap import build_business_central, build_dataverse, crm_setup
from shared.config import Settings
from shared.flows.crm_setup import get_default_price_list, get_default_units
from shared.flows.deps import Deps
from tests.fakes.bus import InMemoryBus
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore


def connector_deps(sandbox_settings: Settings) -> Deps:
    """The integration on, staging in memory, and the default unit group, unit and price
    list found in CRM (the Setup actions), as an operator's first run would have them."""
    settings = sandbox_settings.model_copy(update={"crm_integration_enabled": True})
    bc = build_business_central(settings)
    deps = Deps(store=InMemoryStagingStore(), bus=InMemoryBus(), ecppro=FakeEcpPro({}), bc=bc,
                bc_records=bc, dataverse=build_dataverse(settings), crm_setup=crm_setup(settings),
                clock=lambda: datetime.now(UTC))  # fmt: skip
    get_default_units(deps)
    get_default_price_list(deps)
    return deps


def clients(deps: Deps) -> tuple[BusinessCentralClient, DataverseClient]:
    assert isinstance(deps.bc, BusinessCentralClient)
    assert isinstance(deps.dataverse, DataverseClient)
    return deps.bc, deps.dataverse
