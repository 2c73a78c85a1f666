"""`hub ecppro …`: refresh and inspect the staged EcpPro lists from a terminal.

Runs the same handlers the Functions run, against the configured storage and EcpPro.
"""

from __future__ import annotations

import json

import click

from shared.domain.ecppro import EcpProList, RefreshList
from shared.errors import HubError

LIST_CHOICE = click.Choice([name.value for name in EcpProList])


@click.group("ecppro")
def ecppro() -> None:
    """EcpPro lists: tenants, users, contacts, groups, licenses."""


@ecppro.command("refresh")
@click.argument("list_name", type=LIST_CHOICE, required=False)
def refresh(list_name: str | None) -> None:
    """Refresh one list (or all five) from EcpPro now."""
    from shared.bootstrap import deps
    from shared.flows.ecppro_lists import handle_refresh

    names = [EcpProList(list_name)] if list_name else list(EcpProList)
    for name in names:
        try:
            result = handle_refresh(RefreshList(list=name, reason="cli"), deps())
        except HubError as exc:
            raise click.ClickException(f"{name.value}: {exc.message}") from exc
        click.echo(
            f"{name.value:<9} inserted={result.inserted} updated={result.updated} "
            f"unchanged={result.unchanged} removed={result.removed} restored={result.restored} "
            f"quarantined={result.quarantined} active={result.active}"
        )


@ecppro.command("status")
def status() -> None:
    """Last refresh of every list: result, error, counts."""
    from shared.bootstrap import deps
    from shared.flows.ecppro_list_view import read_status

    click.echo(f"{'list':<9} {'result':<24} {'active':>7} {'last attempt':<26} error")
    for name in EcpProList:
        row = read_status(deps(), name)
        click.echo(
            f"{name.value:<9} {row.get('lastResult', 'never refreshed'):<24} "
            f"{row.get('active', ''):>7} {row.get('lastAttemptOn', ''):<26} "
            f"{row.get('lastError', '')}"
        )


@ecppro.command("show")
@click.argument("list_name", type=LIST_CHOICE)
@click.option("--limit", default=20, show_default=True, help="Rows to print.")
@click.option("--include-removed", is_flag=True, help="Also rows EcpPro no longer returns.")
def show(list_name: str, limit: int, include_removed: bool) -> None:
    """Print staged rows of a list as JSON lines (fetches first when the list is empty)."""
    from shared.bootstrap import deps
    from shared.flows.ecppro_list_view import read_list

    try:
        page = read_list(deps(), EcpProList(list_name), size=limit, include_removed=include_removed)
    except HubError as exc:
        raise click.ClickException(exc.message) from exc
    for item in page.items:
        click.echo(json.dumps(item, default=str))
