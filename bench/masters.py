"""BC masters to CRM: the entity-sync engine against one request per record, limits on.

Both sides sync the same BC records to Dataverse in one run: 5,000 items (Inventory,
Service and Non-Inventory, each on one of the new units) and 1,000 code-table records
spread over payment terms, shipment methods, shipping agents, tax areas, locations,
countries/regions and units of measure, on top of the seed's masters (codes and texts as
long as BC's fields allow, codes upper case as BC keeps them):
- engine: `run_bc_to_crm`, natural keys matched with GETs in one `$batch` per chunk, rows
  written as Dataverse change sets many to a `$batch`, CRM ids written back to BC in
  `$batch`es of 100;
- per record: what the old Power Automate flows did, one request at a time and no
  `$batch`, through the hub's own clients (the same retries and `Retry-After` handling):
  upsert the row by its alternate key (a unit has none: it is looked up by name in the
  unit group, then created), POST a new product's price list item, then PATCH the CRM
  id onto the BC record (`crmIds`).

Fairness: each side gets its own sandbox, started in this process on free ports, with
the same BC records under the same ids and a Dataverse fresh from the same seed. One
Dataverse for both would not do: the alternate keys are the natural keys, so the side
that ran second would find every row there and only update it; and the service
protection limits count per user over a 5-minute window, so it would also pay for the
first side's requests. Both simulators' limits are on at their documented defaults.
Both sides may wait out a whole window (`HTTP_RETRY_BUDGET_SECONDS=330`): with the
default 120 s the per-record side gives up at its first long `Retry-After`.

Counted: requests sent by each side's BC and Dataverse clients (retries included), and
wall time. Checked afterwards on both sides: every record is in CRM once (rows counted by
natural key) and carries that row's id in BC, every product has one price list item in
the default price list; and a second engine run writes nothing.

Prints `masters: requests_ratio=<x> time_ratio=<y>` last (per record ÷ engine). Goal: ≥ 50.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hub.azurite import start_azurite
from sandbox.business_central import companion_masters
from sandbox.business_central import masters as bc_tables
from sandbox.business_central.schema import EMPTY_GUID, EntitySchema
from sandbox.business_central.seed import ITEMS_SCHEMA
from sandbox.catalog import stable_id
from sandbox.run import RunningSandbox, SandboxConfig, start_sandbox
from shared import bootstrap
from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.dataverse.client import DataverseClient
from shared.bootstrap import build_business_central, build_dataverse
from shared.config import Settings
from shared.domain.crm import DEFAULT_PRICE_LIST, CrmSetup
from shared.entities import masters as maps
from shared.entities.context import EntityContext
from shared.entities.items import ITEMS, UNITS_OF_MEASURE
from shared.entities.registry import entities
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.deps import Deps
from shared.ports.odata import quote_literal
from shared.sync.couplings import Coupling, key_of
from shared.sync.maps import Direction, EntityMap, Lookup, Row
from shared.sync.planner import Filtered, Wait, map_payload

# Where the new code-table records go, each with its BC schema (field lengths) and code prefix.
SPREAD: tuple[tuple[EntityMap, EntitySchema, str], ...] = (
    (maps.PAYMENT_TERMS, bc_tables.PAYMENT_TERMS_SCHEMA, "PT"),
    (maps.SHIPMENT_METHODS, bc_tables.SHIPMENT_METHODS_SCHEMA, "SM"),
    (maps.SHIPPING_AGENTS, companion_masters.SHIPPING_AGENTS_SCHEMA, "SA"),
    (maps.TAX_AREAS, bc_tables.TAX_AREAS_SCHEMA, "TAX-AREA-"),
    (maps.LOCATIONS, bc_tables.LOCATIONS_SCHEMA, "LOC"),
    (maps.COUNTRIES, bc_tables.COUNTRIES_SCHEMA, "CR"),
    (UNITS_OF_MEASURE, bc_tables.UNITS_OF_MEASURE_SCHEMA, "U"),
)
ITEM_TYPES = ("Inventory", "Service", "Non-Inventory")
# Dataverse has no alternate key on a unit's name: found by name in the group, else created.
FIND_THEN_CREATE = frozenset({UNITS_OF_MEASURE.name})
# Long enough to wait out a whole 5-minute window of the limits (both sides alike).
RETRY_BUDGET_SECONDS = 330


def length(schema: EntitySchema, name: str) -> int:
    found = next(prop.length for prop in schema.props if prop.name == name)
    assert found is not None, f"{schema.name}.{name} has no length"
    return found


def text(label: str, number: int, limit: int) -> str:
    """A text within BC's length; every fifth one exactly as long as the field allows."""
    value = f"{label} {number}"
    return value.ljust(limit, ".") if number % 5 == 0 else value[:limit]


def master_records(count: int) -> dict[str, list[Row]]:
    """`count` code-table records spread over SPREAD, by BC entity set."""
    records: dict[str, list[Row]] = {}
    for index in range(count):
        entity, schema, prefix = SPREAD[index % len(SPREAD)]
        number = index // len(SPREAD) + 1
        code = f"{prefix}{number:0{length(schema, 'code') - len(prefix)}d}".upper()
        records.setdefault(entity.source_set, []).append({
            "id": stable_id("bc", entity.source_set, code), "code": code,
            "displayName": text(entity.label, number, length(schema, "displayName")),
        })  # fmt: skip
    return records


def item_records(count: int, units: list[str]) -> list[Row]:
    """Items of the three types (Inventory ones in a group whose items go to CRM)."""
    items: list[Row] = []
    for index in range(count):
        number = f"BENCH-{index + 1:0{length(ITEMS_SCHEMA, 'number') - 6}d}"
        kind, unit = ITEM_TYPES[index % len(ITEM_TYPES)], units[index % len(units)]
        group = "RESALE" if kind == "Inventory" else ""
        items.append({
            "id": stable_id("bc", "items", number), "number": number, "type": kind,
            "displayName": text("Bench item", index, length(ITEMS_SCHEMA, "displayName")),
            "displayName2": text("variant", index, length(ITEMS_SCHEMA, "displayName2")),
            "baseUnitOfMeasureId": stable_id("bc", "unitsOfMeasure", unit),
            "baseUnitOfMeasureCode": unit, "inventoryPostingGroupCode": group,
            "inventoryPostingGroupId": stable_id("bc", "inventoryPostingGroups", group)
            if group else EMPTY_GUID,
            "unitPrice": 10 + index % 90, "blocked": False,
        })  # fmt: skip
    return items


def add_to_bc(sandbox: RunningSandbox, items: int, masters: int) -> int:
    """Add the records through the simulator's admin (no HTTP); answers how many."""
    admin, added = sandbox.business_central.admin, 0
    by_set = master_records(masters)
    units = [str(row["code"]) for row in by_set.get(UNITS_OF_MEASURE.source_set, [])] or ["PCS"]
    by_set[ITEMS.source_set] = item_records(items, units)
    for entity_set, rows in by_set.items():
        for row in rows:
            admin.upsert(entity_set, row)
            added += 1
    return added


def limits_on(sandbox: RunningSandbox) -> str:
    """Both simulators' service protection at their documented defaults; says which."""
    sandbox.dataverse.limits.reset()
    dataverse = sandbox.dataverse.limits.settings
    said = (f"Dataverse {dataverse.requests} requests per {dataverse.window_seconds:g} s, "
            f"{dataverse.concurrent} concurrent")  # fmt: skip
    bc_limits = getattr(sandbox.business_central, "limits", None)
    if bc_limits is None:  # a simulator without them: BC limits are on wherever it has them
        return f"{said}; Business Central: none in this simulator"
    bc_limits.reset()
    bc = bc_limits.settings
    return (f"{said}; Business Central {bc.requests} requests per {bc.window_seconds:g} s, "
            f"{bc.concurrent} processed at once")  # fmt: skip


def crm_defaults(dataverse: DataverseClient) -> CrmSetup:
    """The setup with the seed's Default unit group, its base unit and Default price list."""
    group = next(dataverse.rows("uomschedules", filter="name eq 'Default'"))["uomscheduleid"]
    unit = next(dataverse.rows(
        "uoms", filter=f"_uomscheduleid_value eq {group} and isschedulebaseuom eq true"
    ))  # fmt: skip
    prices = next(dataverse.rows("pricelevels", filter="name eq 'Default'"))
    return CrmSetup(
        enabled=True,
        default_unit_group_id=str(group),
        default_unit_id=str(unit["uomid"]),
        default_price_list_id=str(prices["pricelevelid"]),
    )


@dataclass
class Side:
    """One side's sandbox, settings and what it measured."""

    name: str
    sandbox: RunningSandbox
    settings: Settings
    setup: CrmSetup
    seconds: float = 0.0
    bc_requests: int = 0
    dataverse_requests: int = 0

    @property
    def requests(self) -> int:
        return self.bc_requests + self.dataverse_requests

    def line(self) -> str:
        return (f"{self.name}: {self.requests} requests (BC {self.bc_requests}, Dataverse "
                f"{self.dataverse_requests}) in {self.seconds:.1f} s")  # fmt: skip


def prepared_side(name: str, storage: str, items: int, masters: int, stack: ExitStack) -> Side:
    """A sandbox of its own with the bench's records in BC and the limits on."""
    state = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    sandbox = stack.enter_context(start_sandbox(SandboxConfig(state_dir=state).on_free_ports()))
    settings = Settings.model_validate({
        **sandbox.client_settings(), "HUB_STORAGE_CONNECTION": storage,
        "HUB_BUS_KIND": "storagequeue", "HUB_TABLE_PREFIX": "bench" + name.replace("-", ""),
        "CRM_INTEGRATION_ENABLED": "true",
        "HTTP_RETRY_BUDGET_SECONDS": str(RETRY_BUDGET_SECONDS),
    })  # fmt: skip
    added = add_to_bc(sandbox, items, masters)
    setup = replace(crm_defaults(build_dataverse(settings)), crm_url=settings.dataverse_url)
    print(f"{name}: sandbox ready, {added} records added to BC; limits on: {limits_on(sandbox)}")
    return Side(name, sandbox, settings, setup)


# --- the engine ---------------------------------------------------------------------------
def engine_deps(side: Side) -> tuple[Deps, BusinessCentralClient, DataverseClient]:
    """Deps as the composition root builds them, with the two clients whose requests count."""
    bc, dataverse = build_business_central(side.settings), build_dataverse(side.settings)
    deps = Deps(store=bootstrap.build_store(side.settings), bus=bootstrap.build_bus(side.settings),
                ecppro=bootstrap.build_ecppro(side.settings), bc=bc, bc_records=bc,
                dataverse=dataverse, crm_setup=side.setup)  # fmt: skip
    return deps, bc, dataverse


def run_engine(side: Side) -> None:
    deps, bc, dataverse = engine_deps(side)
    began = time.perf_counter()
    report = run_bc_to_crm(deps, correlation_id="bench-masters")
    side.seconds = time.perf_counter() - began
    side.bc_requests, side.dataverse_requests = bc.http.requests_sent, dataverse.http.requests_sent
    for r in report.results:
        print(f"  engine {r.entity}: read {r.read}, created {r.created}, coupled {r.coupled}, "
              f"updated {r.updated}, filtered {r.filtered}, waiting {r.waiting}, failed "
              f"{r.failed}, written back {r.written_back}" + "".join(r.errors[:1]))  # fmt: skip


def second_engine_run(side: Side) -> str:
    deps, bc, dataverse = engine_deps(side)
    began = time.perf_counter()
    report = run_bc_to_crm(deps, correlation_id="bench-masters-again")
    seconds = time.perf_counter() - began
    return (f"second engine run: written={report.written} unchanged="
            f"{sum(r.unchanged for r in report.results)} ({bc.http.requests_sent} BC and "
            f"{dataverse.http.requests_sent} Dataverse requests in {seconds:.1f} s)")  # fmt: skip


# --- one request per record -----------------------------------------------------------------
def run_per_record(side: Side) -> None:
    bc, dataverse = build_business_central(side.settings), build_dataverse(side.settings)
    context = EntityContext(side.setup, bc)
    crm_ids: dict[str, dict[str, str]] = {}  # entity → natural key → CRM id (for lookups)

    def resolve(lookup: Lookup, key: str) -> Coupling | None:
        crm_id = crm_ids.get(lookup.entity, {}).get(key_of(key))
        return Coupling(lookup.entity, "", crm_id) if crm_id else None

    began = time.perf_counter()
    for entity in entities(Direction.BC_TO_CRM):
        done = crm_ids.setdefault(entity.name, {})
        for row in bc.records(entity.source_set, api=entity.source_api):
            if entity.include is not None and not entity.include(row, context):
                continue
            payload = map_payload(entity, row, resolve)
            if isinstance(payload, Wait):
                raise RuntimeError(payload.reason)
            if isinstance(payload, Filtered):  # skipped by the engine too
                continue
            crm_id = write_one(dataverse, entity, payload, context)
            bc.http.request("PATCH", f"{bc.companion_path}/{bc.company}/crmIds({row['id']})",
                            json={"crmId": crm_id}, headers={"If-Match": "*"})  # fmt: skip
            done[key_of(row.get(entity.source_key))] = crm_id
        elapsed = time.perf_counter() - began
        print(f"  per record {entity.name}: {len(done)} written, {elapsed:.0f} s so far")
    side.seconds = time.perf_counter() - began
    side.bc_requests, side.dataverse_requests = bc.http.requests_sent, dataverse.http.requests_sent


def write_one(
    dataverse: DataverseClient, entity: EntityMap, payload: dict[str, Any], context: Any
) -> str:
    """Create or update one record's row (and a new product's price list item): its id."""
    on_create = entity.on_create(context) if callable(entity.on_create) else entity.on_create
    body = {**on_create, **payload}
    key = payload[entity.target_key]
    if entity.name in FIND_THEN_CREATE:
        scope = f" and {entity.match_scope(context)}" if entity.match_scope else ""
        found = list(dataverse.rows(
            entity.target_set, filter=f"{entity.target_key} eq {quote_literal(key)}{scope}",
            select=[f"{entity.target_table}id"],
        ))  # fmt: skip
        if found:
            return str(found[0][f"{entity.target_table}id"])
        return dataverse.create(entity.target_set, body)
    written = dataverse.upsert(entity.target_set, {entity.target_key: key}, body)
    if written.created:
        for extra in entity.extras:
            dataverse.create(extra.target_set, extra.values(payload, written.id, context))
    return written.id


# --- checks ---------------------------------------------------------------------------------
def check(side: Side) -> list[str]:
    """What is wrong with the side's result (nothing when every record is in CRM once,
    with its CRM id on the BC record and, for a product, one price list item)."""
    limits_on(side.sandbox)  # forget the run's windows: the checks are not measured
    bc, dataverse = build_business_central(side.settings), build_dataverse(side.settings)
    context = EntityContext(side.setup, bc)
    crm_id_of = {str(r["id"]).lower(): str(r["crmId"]).lower()
                 for r in bc.records("crmIds", api="companion")}  # fmt: skip
    problems: list[str] = []
    for entity in entities(Direction.BC_TO_CRM):
        id_column = f"{entity.target_table}id"
        scope = entity.match_scope(context) if entity.match_scope else None
        rows = list(dataverse.rows(entity.target_set, filter=scope,
                                   select=[id_column, entity.target_key]))  # fmt: skip
        count = Counter(key_of(row[entity.target_key]) for row in rows)
        row_id = {key_of(row[entity.target_key]): str(row[id_column]).lower() for row in rows}
        for record in bc.records(entity.source_set, api=entity.source_api):
            if entity.include is not None and not entity.include(record, context):
                continue
            key = key_of(record.get(entity.source_key))
            if count[key] != 1:
                problems.append(f"{entity.label} {key}: {count[key]} rows in CRM")
            elif crm_id_of.get(str(record["id"]).lower()) != row_id[key]:
                problems.append(f"{entity.label} {key}: BC does not carry its CRM id")
    price_list = side.setup.required(DEFAULT_PRICE_LIST)
    items = Counter(str(row["_productid_value"]).lower() for row in dataverse.rows(
        "productpricelevels", filter=f"_pricelevelid_value eq {price_list}",
        select=["_productid_value"]))  # fmt: skip
    for product in dataverse.rows("products", select=["productid", "productnumber"]):
        if items[str(product["productid"]).lower()] != 1:
            problems.append(f"Product {product['productnumber']}: "
                            f"{items[str(product['productid']).lower()]} price list items")  # fmt: skip
    return problems


def checked(side: Side) -> str:
    problems = check(side)
    if problems:
        return f"{side.name} check: {len(problems)} problems, first: {'; '.join(problems[:5])}"
    return (f"{side.name} check: every record in CRM once, its CRM id on the BC record, "
            "one price list item per product")  # fmt: skip


def run(items: int = 5000, masters: int = 1000) -> str:
    with ExitStack() as stack:
        azurite = start_azurite()
        stack.callback(azurite.stop)
        storage = azurite.connection_string
        engine = prepared_side("engine", storage, items, masters, stack)
        naive = prepared_side("per-record", storage, items, masters, stack)
        run_engine(engine)
        print(engine.line())
        run_per_record(naive)
        print(naive.line())
        print(checked(engine))
        print(checked(naive))
        print(second_engine_run(engine))
    return (
        f"masters: requests_ratio={naive.requests / engine.requests:.1f} "
        f"time_ratio={naive.seconds / engine.seconds:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=5000, help="new BC items (default 5000)")
    parser.add_argument(
        "--masters", type=int, default=1000, help="new code-table records (default 1000)"
    )
    args = parser.parse_args()
    print(run(args.items, args.masters))


if __name__ == "__main__":
    main()
