"""The nightly feeds, BC → CRM: open customer ledger entries (§21) and inventory per
location (§22), each mirrored by difference (`shared.sync.snapshot`), then the parents'
totals (an account's Balance, a product's Inventory). Timers `%CRM_CLE_SCHEDULE%` and
`%CRM_INVENTORY_SCHEDULE%`, and on demand (HTTP, CLI). One run of a feed at a time (a
lease); a run stopped midway resumes on the next."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shared.entities.nightly import FEEDS, SnapshotFeed
from shared.errors import NotFound, ValidationError
from shared.flows.crm_setup import DISABLED, crm_ports, enabled_setup
from shared.flows.deps import Deps
from shared.flows.flow_status import tracked
from shared.flows.locks import hold_lock
from shared.ports.dataverse import Operation
from shared.registry import Flow
from shared.sync.couplings import Couplings
from shared.sync.maps import MappingProblem
from shared.sync.planner import Filtered, Wait, map_payload
from shared.sync.snapshot import (
    Change,
    SnapshotResult,
    Snapshots,
    SnapshotWriter,
    coupled_totals,
    digest,
    resolve_in,
    target_id,
)

FLOWS = {"customer-ledger-entries": Flow.CRM_CUSTOMER_LEDGER, "inventory": Flow.CRM_INVENTORY}


@dataclass
class NightlyReport:
    results: list[SnapshotResult] = field(default_factory=list)
    skipped: str = ""

    @property
    def written(self) -> int:
        return sum(r.written for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"written": self.written, "feeds": [r.as_dict() for r in self.results],
                **({"skipped": self.skipped} if self.skipped else {})}  # fmt: skip


def feeds(names: Iterable[str] | None = None) -> list[SnapshotFeed]:
    """The chosen feeds (all for None). Raises ValidationError naming an unknown one."""
    if names is None:
        return list(FEEDS.values())
    unknown = [n for n in names if n not in FEEDS]
    if unknown:
        raise ValidationError(f"unknown feed {', '.join(unknown)}; known: {', '.join(FEEDS)}",
                              field="feeds")  # fmt: skip
    return [FEEDS[n] for n in names]


def run_nightly(
    deps: Deps,
    names: Iterable[str] | None = None,
    *,
    automatic: bool = False,
    correlation_id: str = "",
) -> NightlyReport:
    """Mirror the chosen feeds in CRM. The timers do nothing while the integration is
    disabled; a manual run then is refused naming CRM_INTEGRATION_ENABLED."""
    report = NightlyReport()
    if enabled_setup(deps, automatic=automatic) is None:
        report.skipped = DISABLED
        return report
    for feed in feeds(names):
        with tracked(deps, FLOWS[feed.name]), hold_lock(deps, f"crm-nightly|{feed.name}",
                                                        wait=5.0):  # fmt: skip
            report.results.append(sync_feed(deps, feed))
    return report


def sync_feed(deps: Deps, feed: SnapshotFeed) -> SnapshotResult:
    """One feed: rows by difference, then the parents' totals that changed."""
    dataverse, bc = crm_ports(deps)
    couplings = Couplings(deps.store)
    parents = {
        name: couplings.index(name) for name in {*feed.entity.depends_on, feed.total.coupling}
    }
    resolve = resolve_in(parents)
    result, snapshots = SnapshotResult(feed.name), Snapshots(deps.store, feed.name)
    known = snapshots.load()
    before = snapshots.totals()
    sums: dict[str, float] = {}
    seen: set[str] = set()  # BC's keys this run (CRM's rows not among them are deleted)
    writer = SnapshotWriter(dataverse, snapshots, result, lambda key: f"{feed.label} {key}")
    target = feed.entity.target_set
    for row in bc.records(feed.entity.source_set, api=feed.entity.source_api):
        result.read += 1
        key = feed.key(row)
        group = str(row.get(feed.total.group) or "").upper()
        sums[group] = sums.get(group, 0.0) + float(row.get(feed.total.value) or 0)
        try:
            mapped = map_payload(feed.entity, row, resolve)
        except MappingProblem as problem:
            result.failed += 1
            result.errors.append(f"{feed.label} {key}: {problem.message}")
            seen.add(key)  # keep CRM's row as it is; retried next night
            continue
        if isinstance(mapped, Filtered | Wait):
            result.skipped += 1
            continue  # its parent is not in CRM; a row CRM had stays listed for deletion
        hashed = digest(mapped)
        seen.add(key)
        previous = known.get(key)
        if previous == hashed:
            result.unchanged += 1
            continue
        if previous is None:
            result.created += 1
        else:
            result.updated += 1
        path = f"{target}({target_id(feed.name, key)})"
        writer.add(Change(key, Operation("PATCH", path, mapped), hashed))
    for key in known.keys_not_in(seen):  # CRM has it, BC does not list it any more
        result.deleted += 1
        writer.add(Change(key, Operation("DELETE", f"{target}({target_id(feed.name, key)})"), ""))
    writer.finish()
    first = not snapshots.adopted()
    if first:
        _adopt(dataverse, feed, parents, result)
    index = parents[feed.total.coupling]
    if first:  # every coupled parent's total is written once: CRM's may be the product's
        sums = {**dict.fromkeys(index["key"], 0.0), **sums}
        before = {}
    _totals(deps, feed, sums, before, index, result)
    if first:
        snapshots.mark_adopted()
    return result


def _adopt(dataverse: Any, feed: SnapshotFeed, parents: Any, result: SnapshotResult) -> None:
    """The first run after the product's own job: CRM rows the hub did not write (other
    ids, e.g. from the product's delete-and-recreate) are deleted once the hub's rows are
    in, so CRM never shows an empty ledger and never shows a row twice."""
    id_column = f"{feed.entity.target_table}id"

    def bc_key(entity: str, crm_id: str) -> str:
        coupling = parents.get(entity, {}).get("crm", {}).get(crm_id.lower())
        return coupling.key if coupling is not None else ""

    foreign = [str(row[id_column]) for row in dataverse.rows(
        feed.target_set, select=[id_column, *feed.crm_columns])
        if str(row[id_column]).lower() != target_id(feed.name, feed.crm_key(row, bc_key))]  # fmt: skip
    deletes = [Operation("DELETE", f"{feed.target_set}({row_id})") for row_id in foreign]
    for start in range(0, len(deletes), 1000):
        result.requests += 1
        for answer in dataverse.execute(deletes[start : start + 1000], continue_on_error=True):
            if answer.error is None or isinstance(answer.error, NotFound):
                result.deleted += 1
            else:
                result.failed += 1
                result.errors.append(f"{feed.label}: a row written before the hub: {answer.error}")


def _totals(deps: Deps, feed: SnapshotFeed, sums: dict[str, float], before: dict[str, float],
            index: Any, result: SnapshotResult) -> None:  # fmt: skip
    """Write the parents' totals that changed (in change sets too), then record them."""
    dataverse, _ = crm_ports(deps)
    changed = list(coupled_totals(sums, before, lambda group: index["key"].get(group)))
    operations = [Operation("PATCH", f"{feed.total.target_set}({c.crm_id})",
                            {feed.total.column: total}) for _, c, total in changed]  # fmt: skip
    written: dict[str, float] = {}
    for start in range(0, len(operations), 1000):
        chunk = operations[start : start + 1000]
        result.requests += 1
        answers = dataverse.execute(chunk, continue_on_error=True)
        for (group, _, total), answer in zip(changed[start : start + 1000], answers, strict=False):
            if answer.error is None:
                written[group] = total
            else:
                result.failed += 1
                result.errors.append(f"{feed.total.target_set} {group}: {answer.error}")
    result.totals_written = len(written)
    Snapshots(deps.store, feed.name).save_totals(written)
