"""`hub invoices …`: import, process, inspect and repair staged EcpPro invoices.

Runs the same handlers as the Functions, against the configured storage, EcpPro and BC.
`sales` and `purchase` process in this process (one invoice at a time, like the queue
workers); `--queue` hands them to the queue workers instead.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import click

from hub.operator import guarded, operator_deps


@click.group("invoices")
def invoices() -> None:
    """EcpPro invoices → Business Central sales and purchase documents."""


@invoices.command("import")
def import_command() -> None:
    """Stage every EcpPro invoice (applies the invoice mapping)."""
    from shared.flows.invoice_import import handle_import

    click.echo(json.dumps(guarded(lambda: handle_import(operator_deps()).as_dict())))


@invoices.command("sales")
@click.option("--queue", "use_queue", is_flag=True, help="Queue instead of processing here.")
def sales_command(use_queue: bool) -> None:
    """Create sales documents for every staged invoice with sales status New."""
    from shared.flows.invoice_actions import queue_sales
    from shared.flows.invoice_sales import handle_sales
    from shared.flows.invoice_staging import iter_headers

    if use_queue:
        queued = guarded(lambda: queue_sales(operator_deps()))
        click.echo(f"queued {len(queued.invoice_ids)} invoices on {queued.queue}")
        return
    for header in list(iter_headers(operator_deps().store, SalesStatus="New")):
        result = guarded(partial(handle_sales, header.id, operator_deps()))
        click.echo(
            f"{header.invoice_number:<20} {result.sales.status.value:<24} "
            f"{result.sales.document_number or result.sales.error}"
        )


@invoices.command("purchase")
@click.option("--queue", "use_queue", is_flag=True, help="Queue instead of processing here.")
def purchase_command(use_queue: bool) -> None:
    """Create purchase documents for every eligible staged invoice."""
    from shared.flows.invoice_actions import eligible_for_purchase, queue_purchase
    from shared.flows.invoice_purchase import handle_purchase

    if use_queue:
        queued = guarded(lambda: queue_purchase(operator_deps()))
        click.echo(f"queued {len(queued.invoice_ids)} invoices on {queued.queue}")
        return
    for invoice in guarded(lambda: eligible_for_purchase(operator_deps())):
        result = guarded(partial(handle_purchase, invoice.id, operator_deps()))
        click.echo(
            f"{result.invoice_number:<20} {result.purchase.status.value:<28} "
            f"{result.purchase.document_number or result.purchase.error}"
        )


@invoices.command("sync-status")
def sync_status_command() -> None:
    """Pick up documents posted (or deleted) in Business Central after the hub created them."""
    from shared.flows.invoice_status import sync_statuses

    click.echo(json.dumps(guarded(lambda: sync_statuses(operator_deps()).as_dict())))


@invoices.command("list")
@click.option(
    "--view",
    type=click.Choice(
        ["sales-created", "sales-error", "purchase-created", "purchase-error", "all"]
    ),
    default="all",
    show_default=True,
)
@click.option("--limit", default=50, show_default=True)
def list_command(view: str, limit: int) -> None:
    """Staged invoices of one view with both legs' status, document and error."""
    from shared.domain.invoices import InvoiceView
    from shared.flows.invoice_views import read_view

    page = guarded(lambda: read_view(operator_deps(), InvoiceView(view), size=limit))
    for row in page.rows:
        sales, purchase = row["sales"], row["purchase"]
        click.echo(
            f"{row['invoiceNumber']:<18} sales={sales['status']:<24} {sales['documentNumber'] or '':<12} "
            f"purchase={purchase['status']:<28} {purchase['documentNumber'] or ''} "
            f"{sales['error'] or purchase['error'] or ''}"
        )


@invoices.command("reprocess-sales")
@click.argument("invoice_id")
def reprocess_sales_command(invoice_id: str) -> None:
    """Clear the sales link and set the sales status back to New."""
    from shared.flows.invoice_actions import reprocess_sales

    result = guarded(lambda: reprocess_sales(operator_deps(), invoice_id))
    click.echo(f"{result.invoice_number}: sales status {result.sales.status.value}")


@invoices.command("reprocess-purchase")
@click.argument("invoice_id")
def reprocess_purchase_command(invoice_id: str) -> None:
    """Clear the purchase link and set the purchase status back to New."""
    from shared.flows.invoice_actions import reprocess_purchase

    result = guarded(lambda: reprocess_purchase(operator_deps(), invoice_id))
    click.echo(f"{result.invoice_number}: purchase status {result.purchase.status.value}")


@invoices.command("force-delete")
@click.argument("invoice_id")
def force_delete_command(invoice_id: str) -> None:
    """Delete the invoice's unposted purchase document (clearing its posting number)."""
    from shared.flows.invoice_actions import force_delete

    affected = guarded(lambda: force_delete(operator_deps(), invoice_id))
    click.echo(f"deleted; invoices to reprocess: {', '.join(affected)}")


@invoices.group("mapping")
def mapping() -> None:
    """The BC Invoice Mapping (EcpPro field → BC field)."""


@mapping.command("show")
def mapping_show() -> None:
    from shared.flows.invoice_import import load_mapping

    for entry in guarded(lambda: load_mapping(operator_deps().store)):
        click.echo(f"{entry.ecppro_field:<28} -> {entry.bc_field}")


@mapping.command("set")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def mapping_set(file: Path) -> None:
    """Replace the mapping from a JSON file: {"mapping": [{"ecpproField", "bcField"}, ...]}."""
    from shared.domain.invoices import InvoiceMappingBody
    from shared.flows.invoice_import import save_mapping
    from shared.mappings.invoice_mapping import MappingEntry

    body = InvoiceMappingBody.model_validate_json(file.read_text())
    entries = [MappingEntry(row.ecppro_field, row.bc_field) for row in body.mapping]
    guarded(lambda: save_mapping(operator_deps().store, entries))
    click.echo(f"mapping saved: {len(entries)} fields")
