"""`FakeBcRecords`: the BusinessCentralRecords port on dicts, as BC's API v2.0 and the
companion API serve records.

Each entity set is a list of rows with `id` and `lastModifiedDateTime`; `records` filters
`lastModifiedDateTime gt <time>` as BC does (anything else it refuses, so a test cannot
rely on a filter BC would not run). `write_many` carries out PATCHes of companion
`crmIds(<id>)` (the CRM id onto the record, which moves its `lastModifiedDateTime`, as
BC does) and of any row by id; `fail_write_back` makes chosen write-backs fail.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.errors import HubError, NotFound, RejectedError
from shared.ports.business_central import BcApi, BcWrite, BcWriteResult

_SINCE = re.compile(r"^lastModifiedDateTime gt (\S+)$")
_PATH = re.compile(r"^(?P<set>\w+)\((?P<id>[0-9a-fA-F-]{36})\)$")
START = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class FakeBcRecords:
    def __init__(self) -> None:
        self.sets: dict[tuple[BcApi, str], list[dict[str, Any]]] = {}
        self.reads = 0
        self.batches = 0
        self.failing: dict[str, HubError] = {}  # record id → the error its write-back gets
        self._clock = itertools.count(1)

    # --- test helpers ---------------------------------------------------------------------
    def add(
        self, entity_set: str, row: Mapping[str, Any], *, api: BcApi = "v2.0"
    ) -> dict[str, Any]:
        stored = {"lastModifiedDateTime": self.tick(), "crmId": "", **row}
        self.sets.setdefault((api, entity_set), []).append(stored)
        return stored

    def change(self, entity_set: str, record_id: str, **values: Any) -> None:
        """Edit a record in BC (its `lastModifiedDateTime` moves)."""
        row = self._row(record_id)
        row.update(values, lastModifiedDateTime=self.tick())

    def tick(self) -> str:
        return stamp(START + timedelta(minutes=next(self._clock)))

    def crm_id(self, record_id: str) -> str:
        return str(self._row(record_id).get("crmId") or "")

    # --- the port -------------------------------------------------------------------------
    def records(
        self,
        entity_set: str,
        *,
        api: BcApi = "v2.0",
        filter: str | None = None,
        select: Sequence[str] = (),
    ) -> Iterator[dict[str, Any]]:
        self.reads += 1
        since = None
        if filter:
            matched = _SINCE.match(filter)
            if matched is None:
                raise RejectedError(f"the fake filters only by lastModifiedDateTime: {filter}")
            since = matched.group(1)
        for row in self.sets.get((api, entity_set), []):
            if since is None or row["lastModifiedDateTime"] > since:
                yield copy.deepcopy(row)

    def write_many(self, writes: Sequence[BcWrite]) -> list[BcWriteResult]:
        self.batches += -(-len(writes) // 100)
        results = []
        for write in writes:
            matched = _PATH.match(write.path)
            if write.method != "PATCH" or matched is None:
                results.append(BcWriteResult(405, None, RejectedError("not faked")))
                continue
            record_id = matched.group("id")
            if record_id in self.failing:
                results.append(BcWriteResult(400, None, self.failing[record_id]))
                continue
            try:
                row = self._row(record_id)
            except NotFound as error:
                results.append(BcWriteResult(404, None, error))
                continue
            row.update(write.body or {}, lastModifiedDateTime=self.tick())
            results.append(BcWriteResult(200, copy.deepcopy(row)))
        return results

    def _row(self, record_id: str) -> dict[str, Any]:
        for rows in self.sets.values():
            for row in rows:
                if row["id"].lower() == record_id.lower():
                    return row
        raise NotFound(f"record {record_id} does not exist", status=404)
