"""`hub status`: each flow's health, and the settings to fix when one is failing."""

from __future__ import annotations

import click


@click.command("status")
def status() -> None:
    """Show each flow's last success and last fatal failure; exit 1 when one is failing."""
    from shared.bootstrap import deps
    from shared.flows.flow_status import flow_statuses

    flows = flow_statuses(deps())
    for flow in flows:
        click.echo(f"{flow['flow']:<22} {flow['state']:<8} ok={flow['lastSucceededOn'] or '-'} "
                   f"failed={flow['lastFailedOn'] or '-'}")  # fmt: skip
        if flow["state"] == "failing":
            click.echo(f"    {flow['lastError']}")
            click.echo(f"    fix: {', '.join(flow['settings']) or 'see the error'}")
    if any(flow["state"] == "failing" for flow in flows):
        raise SystemExit(1)
