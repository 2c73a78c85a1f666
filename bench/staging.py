"""Staging writes: the store's batched upsert against one request per row, same data, one run.

Prints `staging: rows=<n> requests_ratio=<x> time_ratio=<y>` (baseline ÷ hub).
"""

from __future__ import annotations

import argparse
import time

from azure.data.tables import TableServiceClient, UpdateMode

from hub.azurite import running_azurite
from shared.adapters.table_store import MAX_BATCH, TableStagingStore, to_table_row
from shared.ports.store import Entity


def rows(count: int, partitions: int) -> list[Entity]:
    return [
        Entity(
            f"list{i % partitions}", f"id-{i:07}", {"DisplayName": f"Row {i}", "N": i, "Ok": True}
        )
        for i in range(count)
    ]


def run(count: int = 5000, partitions: int = 5) -> str:
    data = rows(count, partitions)
    with running_azurite() as azurite:
        store = TableStagingStore.from_connection_string(azurite.connection_string, prefix="bench")
        baseline_table = TableServiceClient.from_connection_string(
            azurite.connection_string
        ).create_table_if_not_exists("benchbaseline")
        started = time.perf_counter()
        for entity in data:  # what a naive port of the BC job queue does: one upsert per row
            baseline_table.upsert_entity(to_table_row(entity), mode=UpdateMode.MERGE)
        baseline_seconds = time.perf_counter() - started
        store.table("rows")  # create the table outside the timed part, as for the baseline
        started = time.perf_counter()
        store.upsert_many("rows", data)
        hub_seconds = time.perf_counter() - started
    hub_requests = sum(-(-(count // partitions) // MAX_BATCH) for _ in range(partitions))
    return (
        f"staging: rows={count} requests_ratio={count / hub_requests:.1f} "
        f"time_ratio={baseline_seconds / hub_seconds:.1f} "
        f"(baseline {baseline_seconds:.1f}s, hub {hub_seconds:.1f}s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    print(run(args.rows))


if __name__ == "__main__":
    main()
