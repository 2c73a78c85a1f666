"""The demo's running pieces: a fresh Azurite, the sandbox and the local host, wired together."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from hub.azurite import start_azurite
from hub.demo.credit_notes import DEMO_PROJECT_SETTINGS
from hub.demo.crm import DEMO_CRM_SETTINGS
from hub.host import LocalHost
from sandbox.run import RunningSandbox, SandboxConfig, start_sandbox
from shared import bootstrap
from shared.config import Settings, get_settings

DEMO_INVOICE_SETTINGS = {
    "ECPPRO_POST_SALES_DOCUMENTS": "true",
    "ECPPRO_CREATE_PURCHASE_INVOICE": "true",
    "ECPPRO_APPLY_COST_CENTRE_DIMENSION": "true",
    "ECPPRO_SALES_ACCOUNT_NUMBER": "6100",
    "ECPPRO_PURCHASE_ACCOUNT_NUMBER": "7100",
    "ECPPRO_INVOICE_IMPORT_SCHEDULE": "0 */15 * * * *",
    "ECPPRO_STATUS_SYNC_SCHEDULE": "0 */30 * * * *",
    "CRM_BC_TO_CRM_SCHEDULE": "0 */2 * * * *",
    "CRM_CRM_TO_BC_SCHEDULE": "0 */5 * * * *",
    "CRM_DOCUMENTS_SCHEDULE": "*/30 * * * * *",
    "CRM_CLE_SCHEDULE": "0 0 1 * * *",
    "CRM_INVENTORY_SCHEDULE": "0 30 1 * * *",
    "PROJECT_INVOICES_SCHEDULE": "0 */2 * * * *",
    # Back-off in seconds rather than minutes, and little retrying inside one attempt, so
    # the demo's outage is over in moments.
    "HUB_RETRY_FIRST_DELAY_SECONDS": "2",
    "HUB_RETRY_MAX_DELAY_SECONDS": "4",
    "HTTP_MAX_ATTEMPTS": "2",
    "HTTP_RETRY_BUDGET_SECONDS": "2",
}


@contextmanager
def demo_environment(state_dir: Path) -> Iterator[tuple[LocalHost, RunningSandbox, Settings]]:
    """Azurite, the sandbox and the local host wired together; all stopped on exit."""
    with ExitStack() as stack:
        azurite = start_azurite()
        stack.callback(azurite.stop)
        sandbox = stack.enter_context(
            start_sandbox(SandboxConfig(state_dir=state_dir).on_free_ports())
        )
        values = {
            **sandbox.client_settings(),
            "HUB_STORAGE_CONNECTION": azurite.connection_string,
            "HUB_BUS_KIND": "storagequeue",
            "ECPPRO_REFRESH_SCHEDULE": "0 0 */4 * * *",
            "BC_COMPANY_NAME": sandbox.config.bc_company_name,
            "BC_WEB_CLIENT_URL": "https://businesscentral.dynamics.com/"
            f"{sandbox.config.tenant_id}/{sandbox.config.bc_environment}",
            **DEMO_INVOICE_SETTINGS,
            **DEMO_CRM_SETTINGS,
            **DEMO_PROJECT_SETTINGS,
        }
        stack.enter_context(_environment(values))
        get_settings.cache_clear()
        settings = get_settings()
        bus = bootstrap.build_bus(settings)
        deps = bootstrap.build_deps(settings, bus=bus)
        stack.enter_context(bootstrap.override(deps))
        host = LocalHost("function_app", bus=bus, timers=False, http_port=0)
        host.start()
        stack.callback(host.stop)
        yield host, sandbox, settings
    get_settings.cache_clear()


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
