"""`FakeBcRecords`: the BusinessCentralRecords port on dicts, as BC's API v2.0 and the
companion API serve records.

Each entity set is a list of rows with `id` and `lastModifiedDateTime`; a row may nest
related rows (a document's `lines`), which `records` answers only when `expand` names
them. `records` filters as BC does the hub's filters: `lastModifiedDateTime gt <time>`,
and `field eq value` joined by `and` / `or` (anything else is refused, so a test cannot
rely on a filter BC would not run). `write_many` carries out POSTs (a client-chosen `id`; an id in use is BC's
Internal_EntityWithSameKeyExists; `numbering` gives a set's No. series and `on_create`
fills what BC fills, e.g. a customer's company contact) and PATCHes by id, including
companion `crmIds(<id>)` for a record of any set; each write moves the record's
`lastModifiedDateTime`, as BC does. `failing` makes chosen records' writes fail.
"""

from __future__ import annotations

import copy
import itertools
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.errors import ConflictError, HubError, NotFound, RejectedError
from shared.ports.business_central import BcApi, BcWrite, BcWriteResult

_SINCE = re.compile(r"^lastModifiedDateTime gt (\S+)$")
_EQ = re.compile(r"^(\w+) eq (.+)$")
_PATH = re.compile(r"^(?P<set>\w+)\((?P<id>[0-9a-fA-F-]{36})\)$")
START = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class FakeBcRecords:
    def __init__(self) -> None:
        self.sets: dict[tuple[BcApi, str], list[dict[str, Any]]] = {}
        self.reads = 0
        self.batches = 0
        self.failing: dict[str, HubError] = {}  # record id → the error its writes get
        self.numbering: dict[str, tuple[str, Iterator[int]]] = {}  # set → (prefix, counter)
        self.on_create: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}
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
        expand: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        self.reads += 1
        test = _filter(filter)
        for row in list(self.sets.get((api, entity_set), [])):
            if test(row):
                # Nested rows (a document's `lines`) come only when asked for, as in BC.
                yield {k: copy.deepcopy(v) for k, v in row.items()
                       if not isinstance(v, list) or k == expand}  # fmt: skip

    def write_many(self, writes: Sequence[BcWrite]) -> list[BcWriteResult]:
        self.batches += -(-len(writes) // 100)
        return [self._write(write) for write in writes]

    def _write(self, write: BcWrite) -> BcWriteResult:
        if write.method == "POST":
            return self._create(write)
        matched = _PATH.match(write.path)
        if write.method != "PATCH" or matched is None:
            return BcWriteResult(405, None, RejectedError("not faked"))
        record_id = matched.group("id")
        if record_id in self.failing:
            return BcWriteResult(400, None, self.failing[record_id])
        try:
            row = self._row(record_id)
        except NotFound as error:
            return BcWriteResult(404, None, error)
        row.update(write.body or {}, lastModifiedDateTime=self.tick())
        return BcWriteResult(200, copy.deepcopy(row))

    def _create(self, write: BcWrite) -> BcWriteResult:
        body = dict(write.body or {})
        record_id = str(body.get("id") or uuid.uuid4()).lower()
        if record_id in self.failing:
            return BcWriteResult(400, None, self.failing[record_id])
        if any(r["id"].lower() == record_id for rows in self.sets.values() for r in rows):
            error = ConflictError(
                f"The record already exists. Identification fields and values: Id='{record_id}'",
                status=400, detail="Internal_EntityWithSameKeyExists",
            )  # fmt: skip
            return BcWriteResult(400, None, error)
        series = self.numbering.get(write.path)
        if series is not None:
            prefix, counter = series
            body["number"] = f"{prefix}{next(counter):05d}"
        row = {**body, "id": record_id}
        hook = self.on_create.get(write.path)
        if hook is not None:
            try:
                row = hook(row)
            except HubError as error:
                return BcWriteResult(400, None, error)
        stored = self.add(write.path, row, api=write.api)
        return BcWriteResult(201, copy.deepcopy(stored))

    def _row(self, record_id: str) -> dict[str, Any]:
        for rows in self.sets.values():
            for row in rows:
                if row["id"].lower() == record_id.lower():
                    return row
        raise NotFound(f"record {record_id} does not exist", status=404)


def _filter(text: str | None) -> Callable[[dict[str, Any]], bool]:
    """The filters the hub sends BC: a modified-since, or eq's joined by and / or."""
    if not text:
        return lambda row: True
    since = _SINCE.match(text)
    if since is not None:
        moment = since.group(1)
        return lambda row: str(row.get("lastModifiedDateTime", "")) > moment
    for word, combine in ((" or ", any), (" and ", all)):
        if word in text:
            tests = [_filter(part) for part in text.split(word)]
            return lambda row: combine(t(row) for t in tests)
    equal = _EQ.match(text.strip())
    if equal is None:
        raise RejectedError(f"the fake BC does not filter like this: {text}")
    name, literal = equal.group(1), equal.group(2).strip()
    value = literal[1:-1].replace("''", "'") if literal.startswith("'") else literal
    return lambda row: str(row.get(name, "")).lower() == value.lower()
