"""`hub quarantine`: records the hub refused, with the field and the reason."""

from __future__ import annotations

import click


@click.command("quarantine")
@click.option(
    "--source", default=None, help="Only this source (e.g. ecppro.users, invoice-queues)."
)
@click.option("--limit", default=50, show_default=True)
@click.option("--payload", is_flag=True, help="Also print each kept payload.")
def quarantine(source: str | None, limit: int, payload: bool) -> None:
    """List quarantined records, newest first."""
    from shared.bootstrap import deps
    from shared.flows.quarantine import list_quarantine

    for row in list_quarantine(deps(), source=source, limit=limit):
        click.echo(f"{row['receivedOn'] or '':<28} {row['source']:<18} {row['key']:<40} "
                   f"{row['field'] or '-':<14} {row['error']}")  # fmt: skip
        if payload:
            click.echo(f"    {row['payload']}")
