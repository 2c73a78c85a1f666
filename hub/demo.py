"""`hub demo`: the flows end to end on this machine, narrated.

Starts a fresh Azurite and the sandbox on free loopback ports, runs `function_app.py` in
the local host with the storage-queue bus, and drives it the way Power Automate and the
timers do: HTTP actions with the function key, a timer whose fan-out goes through the
queue, a refused credential. It prints what it did and ends with one summary line.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import requests

from hub.azurite import start_azurite
from hub.host import LocalHost
from sandbox.run import RunningSandbox, SandboxConfig, start_sandbox
from shared import bootstrap
from shared.config import Settings, get_settings
from shared.domain.ecppro import EcpProList

Say = Callable[[str], None]
DEMO_INVOICE_SETTINGS = {
    "ECPPRO_POST_SALES_DOCUMENTS": "true",
    "ECPPRO_CREATE_PURCHASE_INVOICE": "true",
    "ECPPRO_APPLY_COST_CENTRE_DIMENSION": "true",
    "ECPPRO_SALES_ACCOUNT_NUMBER": "6100",
    "ECPPRO_PURCHASE_ACCOUNT_NUMBER": "7100",
    "ECPPRO_INVOICE_IMPORT_SCHEDULE": "0 */15 * * * *",
    "ECPPRO_STATUS_SYNC_SCHEDULE": "0 */30 * * * *",
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
        }
        stack.enter_context(_environment(values))
        get_settings.cache_clear()
        settings = get_settings()
        deps = bootstrap.build_deps(settings)
        stack.enter_context(bootstrap.override(deps))
        host = LocalHost("function_app", bus=deps.bus, timers=False, http_port=0)
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


def call(
    host: LocalHost,
    method: str,
    route: str,
    *,
    key: bool = True,
    json_body: Any = None,
    **params: Any,
) -> requests.Response:
    headers = {"x-functions-key": host.function_key} if key else {}
    return requests.request(
        method, host.url(route), headers=headers, params=params, json=json_body, timeout=120
    )


def show_auth(host: LocalHost, say: Say) -> None:
    no_key = call(host, "POST", "ecppro/tenants/refresh", key=False)
    wrong = requests.post(host.url("ecppro/tenants/refresh"), params={"code": "wrong"}, timeout=30)
    say(
        f"  POST /api/ecppro/tenants/refresh without a key -> {no_key.status_code}; "
        f"with a wrong key -> {wrong.status_code} (nothing executed)"
    )
    if (no_key.status_code, wrong.status_code) != (401, 401):
        raise click.ClickException("the local host did not enforce the function key")


def refresh_all(host: LocalHost, say: Say) -> dict[str, dict[str, Any]]:
    results = {}
    for name in EcpProList:
        response = call(host, "POST", f"ecppro/{name.value}/refresh")
        body = response.json()
        if response.status_code != 200:
            raise click.ClickException(f"refresh of {name.value} failed: {body}")
        results[name.value] = body
        say(
            f"  {name.value:<9} inserted={body['inserted']:<5} active={body['active']:<5} "
            f"{body['durationMs']} ms"
        )
    return results


def change_ecppro_and_run_timer(host: LocalHost, sandbox: RunningSandbox, say: Say) -> None:
    state = sandbox.ecppro.state
    tenant = state.list("tenants")[0]
    state.upsert("tenants", {**tenant, "secureScore": 99.9})
    gone = state.list("users")[0]
    state.delete("users", gone["id"])
    say(
        f"  in EcpPro: tenant '{tenant['displayName']}' secure score -> 99.9, "
        f"user '{gone['displayName']}' deleted"
    )
    fired_at = datetime.now(UTC)
    host.fire_timer("ecppro_refresh_timer")
    say("  timer fired: one refresh message per list queued; the queue worker ran each")
    statuses = wait_for_refreshes(host, since=fired_at)
    users, tenants = statuses["users"], statuses["tenants"]
    say(
        f"  users: removed={users['removed']} unchanged={users['unchanged']}; "
        f"tenants: updated={tenants['updated']} unchanged={tenants['unchanged']}"
    )
    if users["removed"] != 1 or tenants["updated"] != 1:
        raise click.ClickException(f"unexpected refresh counts: users={users} tenants={tenants}")


def wait_for_refreshes(host: LocalHost, *, since: datetime, timeout: float = 120) -> dict[str, Any]:
    """Poll each list's status until all five were attempted after `since`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = {
            name.value: call(host, "GET", f"ecppro/{name.value}", pageSize=1).json()["status"]
            for name in EcpProList
        }
        if all(_after(status.get("lastAttemptOn"), since) for status in statuses.values()):
            return statuses
        time.sleep(0.5)
    raise click.ClickException(f"the queued refreshes did not finish within {timeout:.0f} s")


def _after(stamp: str | None, since: datetime) -> bool:
    return bool(stamp) and datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) >= since


def refused_credentials(host: LocalHost, sandbox: RunningSandbox, say: Say) -> None:
    customer, secret = sandbox.ecppro.customer_id, sandbox.ecppro.secret_key
    sandbox.ecppro.set_credentials(customer, "rotated-in-ecppro")
    try:
        response = call(host, "POST", "ecppro/groups/refresh")
        error = response.json()["error"]["message"]
        rows = call(host, "GET", "ecppro/groups", pageSize=1).json()
    finally:
        sandbox.ecppro.set_credentials(customer, secret)
    say(f"  secret rotated in EcpPro only -> {response.status_code}: {error}")
    say(
        f"  groups still staged: {rows['status']['active']} rows, "
        f"status shows lastResult={rows['status']['lastResult']}"
    )
    if response.status_code != 502 or rows["status"]["active"] == 0:
        raise click.ClickException("a refused credential must keep the staged rows")


def print_table(host: LocalHost, say: Say) -> int:
    say(f"  {'list':<9} {'active':>7} {'removed':>8}  first row")
    total = 0
    for name in EcpProList:
        active = call(host, "GET", f"ecppro/{name.value}", pageSize=1).json()
        every = len(all_items(host, f"ecppro/{name.value}", includeRemoved="true"))
        first = active["items"][0]["displayName"] if active["items"] else "-"
        removed = every - active["status"]["active"]
        total += every
        say(f"  {name.value:<9} {active['status']['active']:>7} {removed:>8}  {first}")
    return total


def all_items(host: LocalHost, route: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged GET, following its continuation token to the end."""
    items: list[dict[str, Any]] = []
    continuation = None
    while True:
        page = {
            **params,
            "pageSize": 1000,
            **({"continuation": continuation} if continuation else {}),
        }
        body = call(host, "GET", route, **page).json()
        items += body["items"]
        continuation = body["continuation"]
        if not continuation:
            return items


def run_demo(say: Say = click.echo) -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="hub-demo-") as state_dir:
        say("Starting Azurite, the sandbox (Entra, EcpPro, BC, Dataverse) and the local host ...")
        with demo_environment(Path(state_dir)) as (host, sandbox, _settings):
            say(f"  local host on {host.base_url} with {len(list(host.functions))} functions")
            say("1. Function keys are enforced")
            show_auth(host, say)
            say("2. Refresh action (Power Automate's HTTP call) for each EcpPro list")
            refresh_all(host, say)
            say("3. EcpPro changes; the timer refreshes every list through the queue")
            change_ecppro_and_run_timer(host, sandbox, say)
            say("4. EcpPro refuses the credentials")
            refused_credentials(host, sandbox, say)
            say("5. Staged rows (GET /api/ecppro/{list}, paged)")
            rows = print_table(host, say)
            say("6. EcpPro invoices -> Business Central sales and purchase documents")
            from hub.demo_invoices import run_invoice_demo

            invoices = run_invoice_demo(host, sandbox, say)
    seconds = time.monotonic() - started
    say(f"demo: ok lists={len(EcpProList)} rows={rows} invoices={invoices} seconds={seconds:.1f}")
