"""`hub crm …`: the CRM ⇄ BC connector from the command line.

Runs the same handlers as the Functions, in this process, against the configured
storage, Business Central and Dataverse.
"""

from __future__ import annotations

import json

import click

from hub.operator import guarded, operator_deps


@click.group("crm")
def crm() -> None:
    """CRM ⇄ Business Central: masters sync, logs, BC Data, Setup actions, Map CRM Data."""


@crm.command("sync")
@click.argument("entities", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every source type.")
@click.option("--full", is_flag=True, help="Read everything again, not only what changed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def sync_command(entities: tuple[str, ...], everything: bool, full: bool, as_json: bool) -> None:
    """Run BC to CRM Data Sync for ENTITIES (e.g. payment-terms items), or --all."""
    from shared.entities.registry import BY_NAME
    from shared.flows.crm_sync import run_bc_to_crm

    if not entities and not everything:
        raise click.UsageError(f"name entities ({', '.join(BY_NAME)}) or pass --all")
    report = guarded(
        lambda: run_bc_to_crm(operator_deps(), None if everything else entities, full=full)
    )
    if as_json:
        click.echo(json.dumps(report.as_dict()))
        return
    for result in report.results:
        click.echo(
            f"{result.entity:<26} read {result.read:>6}  created {result.created:>5}  "
            f"updated {result.updated:>5}  coupled {result.coupled:>5}  unchanged "
            f"{result.unchanged:>6}  waiting {result.waiting:>4}  failed {result.failed:>4}"
        )
        for error in result.errors[:5]:
            click.echo(f"  {error}")
    click.echo(f"written: {report.written}")


@crm.command("log")
@click.option("--direction", type=click.Choice(["bc-to-crm", "crm-to-bc"]), default="bc-to-crm")
@click.option("--entity", default=None, help="One entity's rows (else a summary).")
@click.option("--pending", is_flag=True, help="Only rows not yet updated in the target.")
def log_command(direction: str, entity: str | None, pending: bool) -> None:
    """The BC to CRM / CRM to BC log."""
    from shared.flows.crm_views import sync_log
    from shared.sync.maps import Direction

    view = guarded(lambda: sync_log(operator_deps(), Direction(direction), entity, pending=pending))
    click.echo(json.dumps(view, indent=2))


@crm.command("bc-data")
@click.argument("entity")
def bc_data_command(entity: str) -> None:
    """BC Data: ENTITY's synced records with their CRM id and link."""
    from shared.flows.crm_views import bc_data

    view = guarded(lambda: bc_data(operator_deps(), entity))
    for record in view["records"]:
        click.echo(f"{record['key']:<24} {record['crmId']}  {record['result']:<8} {record['link']}")
    click.echo(f"{view['count']} {view['label']} records")


@crm.group("setup")
def setup() -> None:
    """The Setup actions."""


@setup.command("defaults")
def defaults_command() -> None:
    """Get Default UOM GUIDs and Get Default List Price GUIDs (looked up in CRM by name)."""
    from shared.flows.crm_setup import get_default_price_list, get_default_units

    found = {**guarded(lambda: get_default_units(operator_deps())).as_dict(),
             **guarded(lambda: get_default_price_list(operator_deps())).as_dict()}  # fmt: skip
    for setting, value in found.items():
        click.echo(f"{setting} = {value}")


@crm.command("map")
@click.argument("job", type=click.Choice(["salespersons", "currencies", "customers"]))
@click.option("--dry-run", is_flag=True, help="List what would be coupled; write nothing.")
def map_command(job: str, dry_run: bool) -> None:
    """Map CRM Data: couple salespersons (by e-mail), currencies (code) or customers (name)."""
    from shared.flows.crm_mapping import MappingJob, map_crm_data

    report = guarded(lambda: map_crm_data(operator_deps(), MappingJob(job), dry_run=dry_run))
    for line in report.lines():
        click.echo(line)


@crm.command("stage")
@click.argument("entities", nargs=-1)
def stage_command(entities: tuple[str, ...]) -> None:
    """Stage CRM's changes (customers, contacts, ship-to-addresses, or all) in CRM Data."""
    from shared.flows.crm_to_bc import stage_crm_changes

    staged = guarded(lambda: stage_crm_changes(operator_deps(), entities or None))
    for entity, count in staged.items():
        click.echo(f"{entity:<20} {count} rows staged")


@crm.command("crm-data")
@click.argument("entity")
@click.option("--status", default=None, help="Only rows with this status (e.g. Error).")
def crm_data_command(entity: str, status: str | None) -> None:
    """CRM Data: ENTITY's staged rows with status, BC No. and error."""
    from shared.flows.crm_views import crm_data

    view = guarded(lambda: crm_data(operator_deps(), entity, status=status))
    for row in view["records"]:
        name = (
            row["fields"].get("displayName")
            or row["crm"].get("name")
            or row["crm"].get("lastname", "")
        )
        click.echo(f"{row['crmId']}  {row['status']:<14} {row['bcNo']:<10} {name}  {row['error']}")
    click.echo(f"{view['count']} rows: {view['statuses']}")


@crm.command("create-in-bc")
@click.argument("entity")
@click.argument("ids", nargs=-1)
def create_in_bc_command(entity: str, ids: tuple[str, ...]) -> None:
    """Create in BC: ENTITY's staged rows IDS (CRM ids), or every pending one."""
    from shared.flows.crm_to_bc import create_in_bc

    result = guarded(lambda: create_in_bc(operator_deps(), entity, ids or None, errors=True))
    click.echo(json.dumps(result.as_dict()))


@crm.group("documents")
def documents_group() -> None:
    """CRM quotes and orders → BC: run, CRM Data, Create in BC / Reprocess, G/L accounts."""


@documents_group.command("run")
@click.argument("entities", nargs=-1)
def documents_run_command(entities: tuple[str, ...]) -> None:
    """Stage and write quotes and/or orders now (ENTITIES: quotes, orders; none = both)."""
    from shared.flows.crm_documents import run_documents

    report = guarded(lambda: run_documents(operator_deps(), entities or None))
    click.echo(json.dumps(report.as_dict()))


@documents_group.command("list")
@click.argument("entity")
@click.option("--status", default=None, help="Only documents with this status.")
def documents_list_command(entity: str, status: str | None) -> None:
    """CRM Data: the staged quotes or orders with status, BC No. and error."""
    from shared.flows.crm_documents import documents, staging_for

    def rows() -> list[dict[str, object]]:
        [doc] = documents([entity])
        return [row.as_dict() for row in staging_for(operator_deps(), doc).rows(status=status)]

    for row in guarded(rows):
        click.echo(f"{row['number']:<22} rev {row['revision']:<2} {row['status']:<18} "
                   f"{row['bcNo']:<12} {row['error'] or row['changedInBc']}")  # fmt: skip


@documents_group.command("reprocess")
@click.argument("entity")
@click.argument("numbers", nargs=-1, required=True)
def documents_reprocess_command(entity: str, numbers: tuple[str, ...]) -> None:
    """Reprocess ENTITY's documents NUMBERS (in Error, or Changed in BC) from their CRM values."""
    from shared.flows.crm_documents import process_documents

    result = guarded(lambda: process_documents(operator_deps(), entity, numbers))
    click.echo(json.dumps(result.as_dict()))


@documents_group.command("create-in-bc")
@click.argument("entity")
@click.argument("numbers", nargs=-1)
def documents_create_command(entity: str, numbers: tuple[str, ...]) -> None:
    """Create in BC / Reprocess: ENTITY's documents NUMBERS (CRM numbers), or every pending one."""
    from shared.flows.crm_documents import process_documents

    result = guarded(lambda: process_documents(operator_deps(), entity, numbers or None))
    click.echo(json.dumps(result.as_dict()))


@documents_group.command("gl-account")
@click.argument("entity")
@click.argument("number")
@click.argument("line")
@click.argument("account")
def documents_gl_command(entity: str, number: str, line: str, account: str) -> None:
    """Set the G/L account of write-in LINE (its CRM line id) of document NUMBER."""
    from shared.flows.crm_documents import documents, staging_for

    def set_it() -> dict[str, object]:
        [doc] = documents([entity])
        return staging_for(operator_deps(), doc).set_gl_account(number, line, account).as_dict()

    click.echo(json.dumps(guarded(set_it)))


@crm.command("nightly")
@click.argument("feeds", nargs=-1)
def nightly_command(feeds: tuple[str, ...]) -> None:
    """Run the nightly feeds now (customer-ledger-entries, inventory; none = both)."""
    from shared.flows.crm_nightly import run_nightly

    report = guarded(lambda: run_nightly(operator_deps(), feeds or None))
    for feed in report.results:
        click.echo(json.dumps(feed.as_dict()))


@crm.group("posted-invoices")
def posted_invoices_group() -> None:
    """BC posted sales invoices → CRM invoices: the batch job and the staging table."""


@posted_invoices_group.command("run")
@click.argument("numbers", nargs=-1)
def posted_invoices_run_command(numbers: tuple[str, ...]) -> None:
    """Every changed or pending posted invoice, or the invoices NUMBERS written again."""
    from shared.flows.crm_posted_invoices import run_posted_invoices

    report = guarded(lambda: run_posted_invoices(operator_deps(), numbers or None))
    click.echo(json.dumps(report.as_dict()))


@posted_invoices_group.command("list")
@click.option("--status", default=None, help="Only invoices with this status (e.g. Error).")
def posted_invoices_list_command(status: str | None) -> None:
    """The Sales Invoice Header Staging Table: No., status, CRM invoice, error."""
    from shared.flows.crm_posted_invoices import staged_invoices

    for row in guarded(
        lambda: [r.as_dict() for r in staged_invoices(operator_deps(), status=status)]
    ):
        click.echo(f"{row.get('number', ''):<16} {row.get('status', ''):<10} "
                   f"{row.get('crmInvoiceId', '')}  {row.get('error', '')}")  # fmt: skip
