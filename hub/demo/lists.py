"""The EcpPro list part of `hub demo`: keys, Refresh, the timer through the queue, a refused
credential and the staged rows."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
import requests

from hub.demo.walker import all_items, call
from hub.host import LocalHost
from sandbox.run import RunningSandbox
from shared.domain.ecppro import EcpProList

Say = Callable[[str], None]


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
    failing = flow_state(host, "ecppro-refresh")
    say(
        f"  GET /api/status: ecppro-refresh {failing['state']}, fix {', '.join(failing['settings'])}"
    )
    call(host, "POST", "ecppro/groups/refresh")  # the secret is back: the next refresh works
    healthy = flow_state(host, "ecppro-refresh")
    say(f"  secret restored, refresh again -> ecppro-refresh {healthy['state']}")
    if (failing["state"], healthy["state"]) != ("failing", "healthy"):
        raise click.ClickException(f"the flow status did not follow: {failing} then {healthy}")


def flow_state(host: LocalHost, flow: str) -> dict[str, Any]:
    """One flow's row of `GET /api/status`."""
    flows = call(host, "GET", "status").json()["flows"]
    return dict(next(row for row in flows if row["flow"] == flow))


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
