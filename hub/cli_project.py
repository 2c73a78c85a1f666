"""`hub project …`: Project Operations invoices and credit notes → BC from the command line.

Runs the same handlers as the Functions, in this process, against the configured
storage, Business Central and Dataverse.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from hub.operator import guarded, operator_deps

if TYPE_CHECKING:
    from shared.sync.project_staging import Staging


@click.group("project")
def project() -> None:
    """Project Operations → BC: confirmed invoices, revisions (Correct Invoice), stagings."""


@project.command("run")
def run_command() -> None:
    """The poll now: auto confirm, confirmed invoices when the integration is active, and
    BC's outcomes back."""
    from shared.flows.project_poll import run_project_invoices

    report = guarded(lambda: run_project_invoices(operator_deps(), automatic=False))
    click.echo(json.dumps(report.as_dict()))


@project.command("process")
@click.argument("ids", nargs=-1)
def process_command(ids: tuple[str, ...]) -> None:
    """Process Confirmed Invoices: IDS (Project Operations invoice ids), or every confirmed
    invoice not processed yet."""
    from shared.flows.project_poll import process_confirmed_invoices

    report = guarded(lambda: process_confirmed_invoices(operator_deps(), ids))
    click.echo(json.dumps(report.as_dict()))


@project.command("correct")
@click.argument("ids", nargs=-1)
def correct_command(ids: tuple[str, ...]) -> None:
    """Correct Invoice: the revisions IDS (their invoice ids), or every staged one waiting."""
    from shared.flows.credit_notes import correct_invoices

    click.echo(json.dumps(guarded(lambda: correct_invoices(operator_deps(), ids))))


@project.command("invoices")
@click.argument("invoice_id", required=False)
@click.option("--status", default=None, help="Only rows with this status (e.g. Error).")
def invoices_command(invoice_id: str | None, status: str | None) -> None:
    """BC Invoice Stagings: every row (one JSON line each), or INVOICE_ID with its lines."""
    from shared.sync.project_staging import invoice_staging

    _show(lambda: invoice_staging(operator_deps().store), invoice_id, status)


@project.command("credit-memos")
@click.argument("revision_id", required=False)
@click.option("--status", default=None, help="Only rows with this status (e.g. Refused).")
def credit_memos_command(revision_id: str | None, status: str | None) -> None:
    """Dataverse Credit Memos: every row (one JSON line each), or REVISION_ID with its lines."""
    from shared.sync.project_staging import credit_memo_staging

    _show(lambda: credit_memo_staging(operator_deps().store), revision_id, status)


def _show(staging_of: Callable[[], Staging], key: str | None, status: str | None) -> None:
    from shared.sync.project_staging import view

    def rows() -> list[dict[str, object]]:
        staging = staging_of()
        if key:
            return [view(staging.get(key), staging.lines(key))]
        found = staging.rows(Status=status) if status else staging.rows()
        return [view(row) for row in found]

    for row in guarded(rows):
        click.echo(json.dumps(row, default=str))
