"""The nightly feeds to CRM: the hub's mirror by difference against the product's
delete-everything-and-recreate, one run, both simulators' limits on.

Both sides mirror the same BC lists in Dataverse: 100,000 open customer ledger entries
(companion `customerLedgerEntries`) over 400 customers and 20,000 stock rows
(`locationInventories`, 4,000 items at 5 of 6 locations), every customer, item, location
and currency coupled to a CRM row that exists (accounts and products seeded in bulk):
- hub: `run_nightly(deps, ["customer-ledger-entries", "inventory"])`: BC's list and the
  hub's snapshot compared, only what differs written as Dataverse change sets of 1,000
  upserts, then the account Balances and product Inventories that changed;
- product: what its BC job queue does every night, one request at a time through the
  hub's own clients (the same retries and `Retry-After` handling): delete every row of
  the CRM table, create every row again (POST), then write every account's Balance and
  every product's Inventory. The product reads BC's tables inside BC; here it reads them
  through the companion API as the hub does (24 pages, counted).

Phases: (a) the first load, into a CRM that holds only the seed's old rows; (b) a night
on which 2 % of the rows changed (remaining amounts and quantities), plus 100 entries
closed and 100 added, 20 stock rows gone and 20 new.

Fairness: each side has its own sandbox (BC and Dataverse simulators, in this process
on free ports) with the same records under the same ids, and its own staging tables on
one Azurite. Each measured run is a child process of its own (`--worker`), so neither
side shares an interpreter lock with the simulators and the hub's peak resident memory
is its own. Before every measured run both simulators' limits are reset (empty windows)
and scaled in time by the same factor (`--time-factor`, default 30): every duration
divides by it (Dataverse's 5-minute window → 10 s with its 1,200 s of execution time →
40 s, BC's window likewise and its 8-minute queue timeout → 16 s) while every count
stays (6,000 requests per window, 52 and 5 concurrent). The request ceiling is thus 30×
the documented one (600 instead of 20 requests per second) and the execution-time
ceiling is unchanged; the product, one request at a time, is bound by that ceiling as it
is in production, the hub is not. Scaling shortens the product's nights by up to the
factor and leaves the hub's as they are, so the time ratio measured here understates the
real one (at the documented limits the product's night (b) takes hours; printed).

Counted: requests sent by each side's BC and Dataverse clients (retries included), wall
time, rows written (deleted + created + updated + totals), and that throughput as a share
of the limit-bound maximum (Dataverse requests per window × rows per request: 1,000 in a
hub change set, 1 for the product). Peak RSS: the hub child's `VmHWM`, on the first
load at 100,000 entries and, in a sandbox of its own, at 20,000 (all the data at one
fifth). Checked after each phase on both sides, from the simulators' stores: CRM holds
exactly BC's open entries and stock rows of coupled parents (counted by key, amounts
equal), every account's Balance and product's Inventory is the sum of its rows; and a
second hub run writes nothing.

Prints `nightly: requests_ratio=<x> time_ratio=<y> peak_rss_mb=<z>` last, the ratios
product ÷ hub on night (b). Goals: requests ≥ 50, time ≥ 20, peak RSS < 250 MB and flat.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.azurite import Azurite, azurite_binary, free_port, port_is_open
from sandbox.business_central.ledgers import LEDGER_ENTRIES, LOCATION_INVENTORIES, to_lcy
from sandbox.catalog import stable_id
from sandbox.dataverse.seed import Seeder, ref, row_id, unit_ref
from sandbox.run import RunningSandbox, SandboxConfig, start_sandbox
from shared import bootstrap
from shared.config import Settings
from shared.domain.crm import CrmSetup
from shared.entities.nightly import FEEDS, SnapshotFeed
from shared.errors import HubError
from shared.flows.crm_nightly import run_nightly
from shared.flows.deps import Deps
from shared.sync.couplings import Coupling, Couplings
from shared.sync.planner import Filtered, Wait, map_payload
from shared.sync.snapshot import CHANGE_SET, resolve_in

FEED_NAMES = ("customer-ledger-entries", "inventory")
LOCATIONS, PER_ITEM = 6, 5  # each item is stocked at 5 of the 6 locations
FIRST_ENTRY = 1_000_001
DEFAULT_TIME_FACTOR = 20.0
AZURITE_KEEP_ALIVE_SECONDS = 3600
ROOT = Path(__file__).resolve().parent.parent


# --- the data, the same for every sandbox ------------------------------------------------
@dataclass(frozen=True)
class Data:
    entries: int = 100_000
    inventory: int = 20_000
    customers: int = 400

    @property
    def items(self) -> int:
        return self.inventory // PER_ITEM

    def scaled(self, fraction: float) -> Data:
        return Data(int(self.entries * fraction), int(self.inventory * fraction), self.customers)


def customer(n: int) -> str:
    return f"NC{n:05d}"


def item(n: int) -> str:
    return f"NI{n:05d}"


def location(n: int) -> str:
    return f"NIGHT{n}"


def entry(data: Data, i: int) -> dict[str, Any]:
    """Open entry i: invoices mostly, every 10th a payment, every 25th a credit memo, every
    8th in EUR; some partly paid."""
    kind = "Payment" if i % 10 == 3 else "Credit Memo" if i % 25 == 4 else "Invoice"
    sign = 1 if kind == "Invoice" else -1
    amount = sign * round(50 + (i * 7919 % 995_000) / 100, 2)
    remaining = amount if i % 3 else round(amount / 2, 2)
    currency, number = ("EUR" if i % 8 == 5 else ""), customer(i % data.customers)
    day = 1 + i % 28
    return {
        "id": stable_id("bc", LEDGER_ENTRIES, str(i)), "entryNumber": FIRST_ENTRY + i,
        "customerId": stable_id("bc", "customers", number), "customerNumber": number,
        "postingDate": f"2026-{1 + i % 10:02d}-{day:02d}",
        "dueDate": f"2026-{2 + i % 10:02d}-{day:02d}", "documentType": kind,
        "documentNumber": f"PS-{i:08d}", "description": f"{kind} PS-{i:08d}",
        "currencyCode": currency, "amount": amount, "remainingAmount": remaining,
        "remainingAmountLCY": to_lcy(currency, remaining), "open": True,
    }  # fmt: skip


def stock(n: int, place: int, quantity: float) -> dict[str, Any]:
    number, code = item(n), location(place)
    return {
        "id": stable_id("bc", LOCATION_INVENTORIES, number, code),
        "itemId": stable_id("bc", "items", number), "itemNumber": number,
        "locationId": stable_id("bc", "locations", code), "locationCode": code,
        "quantity": quantity,
    }  # fmt: skip


def stock_rows(data: Data) -> Iterator[dict[str, Any]]:
    for n in range(data.items):
        for place in range(LOCATIONS):
            if place != n % LOCATIONS:  # the one location the item is not kept at
                yield stock(n, place, float(1 + (n * 31 + place * 17) % 500))


def add_to_bc(sandbox: RunningSandbox, data: Data) -> None:
    """Straight into the simulator's store (no HTTP)."""
    admin = sandbox.business_central.admin
    for n in range(data.customers):
        admin.add_customer(customer(n), f"Nightly customer {n}")
    for n in range(LOCATIONS):
        code = location(n)
        admin.upsert("locations", {"id": stable_id("bc", "locations", code), "code": code,
                                   "displayName": f"Night store {n}"})  # fmt: skip
    for n in range(data.items):
        admin.upsert("items", {"id": stable_id("bc", "items", item(n)), "number": item(n),
                               "displayName": f"Nightly item {n}", "type": "Inventory",
                               "baseUnitOfMeasureCode": "PCS", "blocked": False})  # fmt: skip
    for i in range(data.entries):
        admin.upsert(LEDGER_ENTRIES, entry(data, i))
    for row in stock_rows(data):
        admin.upsert(LOCATION_INVENTORIES, row)


def add_to_crm(sandbox: RunningSandbox, data: Data) -> None:
    """Accounts, products and locations through the simulator's seeding (as the system user)."""
    dataverse = sandbox.dataverse
    seed = Seeder(dataverse.tables, dataverse.writer, dataverse.system_call())
    for n in range(data.customers):
        seed.add("accounts", customer(n), {"name": f"Nightly customer {n}",
                                           "accountnumber": customer(n)})  # fmt: skip
    for n in range(LOCATIONS):
        seed.add("bcs_locations", location(n), {"bcs_code": location(n),
                                                "bcs_description": f"Night store {n}"})  # fmt: skip
    for n in range(data.items):
        seed.add("products", item(n), {
            "productnumber": item(n), "name": f"Nightly item {n}", "quantitydecimal": 2,
            "producttypecode": 1, "defaultuomscheduleid@odata.bind": ref("uomschedules", "Default"),
            "defaultuomid@odata.bind": unit_ref("PCS"),
        })  # fmt: skip


def couplings(data: Data) -> list[Coupling]:
    """Customers, items, locations and currencies ("" is BC's base currency, GBP in CRM)."""

    def coupled(entity: str, crm_set: str, codes: list[str], crm_keys: list[str]) -> list[Coupling]:
        return [Coupling(entity, stable_id("bc", entity, code or "LCY"), row_id(crm_set, key), code)
                for code, key in zip(codes, crm_keys, strict=True)]  # fmt: skip

    customers = [customer(n) for n in range(data.customers)]
    items, places = [item(n) for n in range(data.items)], [location(n) for n in range(LOCATIONS)]
    return [*coupled("customers", "accounts", customers, customers),
            *coupled("items", "products", items, items),
            *coupled("locations", "bcs_locations", places, places),
            *coupled("currencies", "transactioncurrencies", ["", "EUR"], ["GBP", "EUR"])]  # fmt: skip


def change_night(sandbox: RunningSandbox, data: Data) -> str:
    """Night (b): 2 % of the rows changed, a few closed or gone, a few new."""
    admin = sandbox.business_central.admin
    changed = closed = 0
    for i in range(data.entries):
        if i % 50 == 7:  # a partial payment: the remaining amount drops by a third
            row = entry(data, i)
            remaining = round(row["remainingAmount"] * 2 / 3, 2)
            admin.upsert(LEDGER_ENTRIES, {"id": row["id"], "remainingAmount": remaining,
                                          "remainingAmountLCY": to_lcy(row["currencyCode"], remaining)})  # fmt: skip
            changed += 1
        elif i % 1000 == 11:  # paid in full: the entry closes and leaves the open list
            admin.upsert(LEDGER_ENTRIES, {"id": entry(data, i)["id"], "remainingAmount": 0,
                                          "remainingAmountLCY": 0, "open": False})  # fmt: skip
            closed += 1
    added = data.entries // 1000
    for i in range(data.entries, data.entries + added):
        admin.upsert(LEDGER_ENTRIES, entry(data, i))
    moved = gone = 0
    for index, row in enumerate(stock_rows(data)):
        if index % 50 == 7:
            admin.upsert(LOCATION_INVENTORIES, {"id": row["id"], "quantity": row["quantity"] + 3})
            moved += 1
        elif index % 1000 == 11:
            admin.delete(LOCATION_INVENTORIES, row["id"])
            gone += 1
    new = min(data.items, data.inventory // 1000)
    for n in range(new):  # stock arrives where the item was not kept
        admin.upsert(LOCATION_INVENTORIES, stock(n, n % LOCATIONS, 12.0))
    return (f"{changed} remaining amounts changed, {closed} entries closed, {added} added; "
            f"{moved} quantities changed, {gone} stock rows gone, {new} new")  # fmt: skip


def start_azurite() -> Azurite:
    """Azurite as `hub.azurite.start_azurite` starts it, but keeping idle connections open
    for an hour instead of 5 s. With a feed's 100,000 snapshot rows in one partition each
    transaction blocks Azurite's event loop for a second or more; a connection whose 5 s
    ran out meanwhile is then closed with the client's next request unread (a reset), and
    the hub's store does not send a transaction again (see the module docstring)."""
    ports = [free_port() for _ in range(3)]
    names = ("blob", "queue", "table")
    command = [str(azurite_binary()), "--silent", "--inMemoryPersistence", "--disableTelemetry",
               "--skipApiVersionCheck", "--tableKeepAliveTimeout", str(AZURITE_KEEP_ALIVE_SECONDS),
               *(arg for name, port in zip(names, ports, strict=True)
                 for arg in (f"--{name}Host", "127.0.0.1", f"--{name}Port", str(port)))]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               cwd=ROOT, start_new_session=True)  # fmt: skip
    azurite = Azurite(ports[0], ports[1], ports[2], process)
    deadline = time.monotonic() + 20
    while not all(port_is_open(port) for port in ports):
        if process.poll() is not None or time.monotonic() > deadline:
            azurite.stop()
            raise RuntimeError(f"Azurite did not start ({' '.join(command)})")
        time.sleep(0.1)
    return azurite


# --- limits -------------------------------------------------------------------------------
def limits_on(sandbox: RunningSandbox, factor: float) -> str:
    """Both simulators' limits at their defaults with every duration divided by `factor`,
    and every window empty; says what they are."""
    dataverse, bc = sandbox.dataverse.limits, sandbox.business_central.limits
    dataverse.reset()
    bc.reset()
    dv = dataverse.configure(window_seconds=dataverse.settings.window_seconds / factor,
                             execution_seconds=dataverse.settings.execution_seconds / factor)  # fmt: skip
    b = bc.configure(window_seconds=bc.settings.window_seconds / factor,
                     queue_timeout_seconds=bc.settings.queue_timeout_seconds / factor)  # fmt: skip
    return (f"Dataverse {dv.requests} requests and {dv.execution_seconds:g} s of execution "
            f"per {dv.window_seconds:g} s, {dv.concurrent} concurrent; BC {b.requests} requests "
            f"per {b.window_seconds:g} s, {b.concurrent} at once")  # fmt: skip


def ceiling(sandbox: RunningSandbox) -> float:
    """Dataverse requests per second the (scaled) limits allow."""
    limits = sandbox.dataverse.limits.settings
    return limits.requests / limits.window_seconds


# --- the sides ----------------------------------------------------------------------------
@dataclass
class Measured:
    """What one child run measured."""

    bc: int
    dataverse: int
    seconds: float
    written: int
    peak_rss_mb: float
    before_rss_mb: float
    detail: list[str] = field(default_factory=list)
    refused: int = 0  # 429s the Dataverse simulator answered

    @property
    def requests(self) -> int:
        return self.bc + self.dataverse

    def plus(self, later: Measured) -> Measured:
        """Two runs as one night: counts added, memory the higher."""
        return Measured(self.bc + later.bc, self.dataverse + later.dataverse,
                        self.seconds + later.seconds, self.written + later.written,
                        max(self.peak_rss_mb, later.peak_rss_mb), self.before_rss_mb,
                        [*self.detail, *later.detail], self.refused + later.refused)  # fmt: skip


@dataclass
class Side:
    name: str
    sandbox: RunningSandbox
    settings: dict[str, str]
    phases: dict[str, Measured] = field(default_factory=dict)


def prepared_side(name: str, storage: str, data: Data, stack: ExitStack) -> Side:
    """A sandbox of its own with the data in BC and CRM and the couplings staged."""
    state = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    sandbox = stack.enter_context(start_sandbox(SandboxConfig(state_dir=state).on_free_ports()))
    settings = {**sandbox.client_settings(), "HUB_STORAGE_CONNECTION": storage,
                "HUB_BUS_KIND": "storagequeue", "HUB_TABLE_PREFIX": "bench" + name.replace("-", ""),
                "CRM_INTEGRATION_ENABLED": "true"}  # fmt: skip
    began = time.perf_counter()
    add_to_bc(sandbox, data)
    add_to_crm(sandbox, data)
    Couplings(bootstrap.build_store(Settings.model_validate(settings))).save_many(couplings(data))
    print(f"{name}: sandbox ready in {time.perf_counter() - began:.0f} s: {data.entries:,} "
          f"open entries over {data.customers} customers, {data.inventory:,} stock rows "
          f"({data.items:,} items × {PER_ITEM} of {LOCATIONS} locations), all coupled")  # fmt: skip
    return Side(name, sandbox, settings)


def measure(side: Side, role: str, factor: float) -> Measured:
    """Run `role` (hub, product) against the side's sandbox in a child process. A hub run
    that stops on an error is run once more, as the next timer would (it resumes where
    the first stopped); the two count as one night, the error is in the detail."""
    total: Measured | None = None
    for _ in range(2):
        limits_on(side.sandbox, factor)
        job = json.dumps({"role": role, "settings": side.settings})
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker"],
                              input=job, capture_output=True, text=True, check=False, cwd=ROOT)  # fmt: skip
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            raise RuntimeError(f"{side.name} {role} run failed ({done.returncode})")
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        error = answer.pop("error")
        measured = Measured(**answer, refused=side.sandbox.dataverse.limits.refused)
        total = measured if total is None else total.plus(measured)
        if not error:
            return total
        total.detail.append(f"STOPPED after {measured.seconds:.0f} s: {error}")
    assert total is not None
    return total


def line(phase: str, side: Side, measured: Measured, batch: int) -> str:
    """Requests, time, rows written and the share of the limit-bound maximum."""
    rate = measured.written / measured.seconds if measured.seconds else 0.0
    most = ceiling(side.sandbox) * batch
    return (f"({phase}) {side.name}: {measured.requests:,} requests (BC {measured.bc:,}, "
            f"Dataverse {measured.dataverse:,}; {measured.refused:,} answered 429) in "
            f"{measured.seconds:.1f} s, {measured.written:,} rows written, {rate:,.0f} rows/s "
            f"= {100 * rate / most:.2f} % of the limit-bound {most:,.0f} rows/s; peak RSS "
            f"{measured.peak_rss_mb:.0f} MB") + "".join(f"\n    {d}" for d in measured.detail)  # fmt: skip


# --- the child runs -----------------------------------------------------------------------
def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS) or its peak (VmHWM), in MB. Not `ru_maxrss`:
    Linux carries that over from the parent through fork and exec, sandboxes and all."""
    for text in Path("/proc/self/status").read_text().splitlines():
        if text.startswith(f"{field}:"):
            return int(text.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def worker(job: dict[str, Any]) -> dict[str, Any]:
    logging.getLogger("shared").setLevel(logging.ERROR)  # 429 retries are counted, not logged
    settings = Settings.model_validate(job["settings"])
    store = bootstrap.build_store(settings)
    bc, dataverse = bootstrap.build_business_central(settings), bootstrap.build_dataverse(settings)
    before = rss_mb()
    began, written, error = time.perf_counter(), 0, ""
    detail: list[str] = []
    try:
        if job["role"] == "hub":
            written, detail = hub_night(settings, store, bc, dataverse)
        else:
            for name in FEED_NAMES:
                rows, said = product_feed(FEEDS[name], bc, dataverse, store)
                written, detail = written + rows, [*detail, said]
    except HubError as failure:  # measured all the same; the parent decides
        error = f"{type(failure).__name__}: {failure}"
    return {"bc": bc.http.requests_sent, "dataverse": dataverse.http.requests_sent,
            "seconds": time.perf_counter() - began, "written": written,
            "peak_rss_mb": rss_mb("VmHWM"), "before_rss_mb": before, "detail": detail,
            "error": error}  # fmt: skip


def hub_night(settings: Settings, store: Any, bc: Any, dataverse: Any) -> tuple[int, list[str]]:
    deps = Deps(store=store, bus=bootstrap.build_bus(settings),
                ecppro=bootstrap.build_ecppro(settings), bc=bc, bc_records=bc,
                dataverse=dataverse, crm_setup=CrmSetup(enabled=True))  # fmt: skip
    report = run_nightly(deps, FEED_NAMES, correlation_id="bench-nightly")
    return report.written, [
        f"{r.feed}: " + ", ".join(f"{k} {v}" for k, v in r.as_dict().items() if k != "feed" and v)
        for r in report.results
    ]


def product_feed(feed: SnapshotFeed, bc: Any, dataverse: Any, store: Any) -> tuple[int, str]:
    """The product's night for one feed, one request per row."""
    couplings = Couplings(store)
    parents = {name: couplings.index(name)
               for name in {*feed.entity.depends_on, feed.total.coupling}}  # fmt: skip
    resolve, id_column = resolve_in(parents), f"{feed.entity.target_table}id"
    old = [str(row[id_column]) for row in dataverse.rows(feed.target_set, select=[id_column])]
    for row_id_ in old:
        dataverse.delete(feed.target_set, row_id_)
    created, sums = 0, defaultdict[str, float](float)
    for row in bc.records(feed.entity.source_set, api=feed.entity.source_api):
        mapped = map_payload(feed.entity, row, resolve)
        if isinstance(mapped, Filtered | Wait):
            continue  # its parent is not in CRM (the hub skips it too)
        sums[str(row.get(feed.total.group) or "").upper()] += float(row.get(feed.total.value) or 0)
        dataverse.create(feed.target_set, mapped)
        created += 1
    totals = parents[feed.total.coupling]["key"]
    for key, parent in totals.items():
        dataverse.upsert(feed.total.target_set, parent.crm_id,
                         {feed.total.column: round(sums.get(key, 0.0), 5)}, mode="update")  # fmt: skip
    said = f"{feed.name}: deleted {len(old)}, created {created}, totals written {len(totals)}"
    return len(old) + created + len(totals), said


# --- checks -------------------------------------------------------------------------------
def check(side: Side, data: Data) -> str:
    """CRM against BC, read from both simulators' stores (not measured)."""
    bc, crm = side.sandbox.business_central.state, side.sandbox.dataverse.state
    account = {row_id("accounts", customer(n)): customer(n) for n in range(data.customers)}
    product = {row_id("products", item(n)): item(n) for n in range(data.items)}
    entries = {f"{r['entryNumber']}": (r["customerNumber"], r["remainingAmountLCY"], r["remainingAmount"])
               for r, _ in bc.snapshot(LEDGER_ENTRIES) if r["open"] and r["customerNumber"] in account.values()}  # fmt: skip
    stocked = {f"{r['itemNumber']}|{r['locationCode']}": (r["itemNumber"], r["quantity"], r["quantity"])
               for r, _ in bc.snapshot(LOCATION_INVENTORIES) if r["itemNumber"] in product.values()}  # fmt: skip
    in_crm = [(f"{r['bcs_entryno']}", r["bcs_remainingamount"])
              for r, _ in crm.snapshot("bcs_customerledgerentries")]  # fmt: skip
    stock_crm = [(f"{product.get(str(r['_bcs_productid_value']), '?')}|{r['bcs_locationcode']}",
                  r["bcs_quantity"]) for r, _ in crm.snapshot("bcs_inventories")]  # fmt: skip
    problems = [*compare("entry", entries, in_crm), *compare("stock", stocked, stock_crm)]
    for parents, rows, column in (
        (account, entries, "bcs_balance"),
        (product, stocked, "bcs_inventory"),
    ):
        sums: dict[str, float] = defaultdict(float)
        for parent, total, _ in rows.values():
            sums[parent] += total
        entity_set = "accounts" if column == "bcs_balance" else "products"
        for crm_id, key in parents.items():
            shown = float(crm.get(entity_set, crm_id)[0][column] or 0)
            if abs(shown - sums[key]) > 0.005:
                problems.append(f"{key}: {column} {shown} in CRM, {sums[key]:.2f} in BC")
    if problems:
        return f"  {side.name} check: {len(problems)} problems, first: {'; '.join(problems[:5])}"
    return (f"  {side.name} check: CRM holds exactly BC's {len(entries):,} open entries and "
            f"{len(stocked):,} stock rows (by key, amounts equal); every Balance and Inventory "
            "is its rows' sum")  # fmt: skip


def compare(what: str, bc: dict[str, tuple[str, float, float]],
            crm: list[tuple[str, float]]) -> list[str]:  # fmt: skip
    count = Counter(key for key, _ in crm)
    problems = [
        f"{what} {key}: {n} rows in CRM" for key, n in count.items() if n != 1 or key not in bc
    ]
    problems += [f"{what} {key}: not in CRM" for key in bc if key not in count]
    problems += [f"{what} {key}: {value} in CRM, {bc[key][2]} in BC" for key, value in crm
                 if key in bc and abs(float(value or 0) - bc[key][2]) > 0.005]  # fmt: skip
    return problems


# --- the run ------------------------------------------------------------------------------
def second_run(side: Side, factor: float) -> str:
    again = measure(side, "hub", factor)
    verdict = "writes nothing" if again.written == 0 else f"WROTE {again.written} rows"
    return (f"  second hub run {verdict} ({again.bc} BC and {again.dataverse} Dataverse "
            f"requests in {again.seconds:.1f} s)")  # fmt: skip


def night(phase: str, sides: tuple[Side, Side], data: Data, factor: float) -> None:
    hub, product = sides
    for side, batch in ((hub, CHANGE_SET), (product, 1)):
        side.phases[phase] = measure(side, side.name, factor)
        print(line(phase, side, side.phases[phase], batch), flush=True)
    for side in sides:
        print(check(side, data), flush=True)
    print(second_run(hub, factor), flush=True)


def run(
    entries: int = 100_000, inventory: int = 20_000, factor: float = DEFAULT_TIME_FACTOR
) -> str:
    data = Data(entries, inventory)
    # Stopped with SIGTERM: unwind, so Azurite (a session of its own) and the sandboxes stop.
    signal.signal(signal.SIGTERM, lambda number, _: sys.exit(128 + number))
    with ExitStack() as stack:
        azurite = start_azurite()
        stack.callback(azurite.stop)
        storage = azurite.connection_string
        sides = (prepared_side("hub", storage, data, stack),
                 prepared_side("product", storage, data, stack))  # fmt: skip
        hub, product = sides
        print(f"limits, scaled in time by {factor:g}: {limits_on(hub.sandbox, factor)}")
        night("a", sides, data, factor)
        for side in sides:
            said = change_night(side.sandbox, data)
        print(f"night (b): {said}")
        night("b", sides, data, factor)
        small = prepared_side("hub-fifth", storage, data.scaled(0.2), stack)
        fifth = measure(small, "hub", factor)
    a, b = hub.phases["a"], hub.phases["b"]
    print(f"hub peak RSS, first load: {fifth.peak_rss_mb:.0f} MB at {data.scaled(0.2).entries:,} "
          f"entries, {a.peak_rss_mb:.0f} MB at {entries:,} ({a.before_rss_mb:.0f} MB before "
          f"the run); night (b) {b.peak_rss_mb:.0f} MB")  # fmt: skip
    slow = product.phases["b"].dataverse / (6000 / 300)
    print(f"at the documented limits the product's night (b) needs at least {slow / 3600:.1f} h "
          "of Dataverse's request ceiling alone")  # fmt: skip
    p = product.phases["b"]
    peak = max(a.peak_rss_mb, b.peak_rss_mb, fifth.peak_rss_mb)
    return (
        f"nightly: requests_ratio={p.requests / b.requests:.1f} "
        f"time_ratio={p.seconds / b.seconds:.1f} peak_rss_mb={peak:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--entries", type=int, default=100_000, help="open entries (100000)")
    parser.add_argument("--inventory", type=int, default=20_000, help="stock rows (20000)")
    parser.add_argument("--time-factor", type=float, default=DEFAULT_TIME_FACTOR,
                        help="divide the limits' durations by this (20)")  # fmt: skip
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(json.loads(sys.stdin.read()))))
        return
    print(run(args.entries, args.inventory, args.time_factor))


if __name__ == "__main__":
    main()
