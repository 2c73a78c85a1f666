"""The two ends of a sync, behind the ports: where records come from and go to.

- `BcSource` reads a BC entity set by `lastModifiedDateTime` (v2.0 or companion API).
- `DataverseTarget` finds target rows by natural key (GETs in one `$batch`) and writes
  records as upserts by the id the hub chose, each record with its extras in one change
  set, many records per `$batch` (`odata.continue-on-error`: one refused record does not
  stop the others).
- `BcWriteBack` writes the CRM id onto the BC record (companion `crmIds`), many per
  `$batch`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from shared.errors import HubError
from shared.ports.business_central import BcWrite, BusinessCentralRecords
from shared.ports.dataverse import ChangeSet, Dataverse, Operation
from shared.ports.odata import quote_literal
from shared.sync.maps import EntityMap, Row
from shared.sync.planner import Write
from shared.sync.runner import Outcome, Written

MATCH_KEYS_PER_QUERY = 25  # natural keys per GET: keeps URLs far below their limits


def parse_modified(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def odata_datetime(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class BcSource:
    """Changed records of a BC entity set."""

    modified_field = "lastModifiedDateTime"

    def __init__(self, bc: BusinessCentralRecords) -> None:
        self.bc = bc

    def changed(self, entity: EntityMap, since: datetime | None) -> Iterator[Row]:
        filter_ = f"{self.modified_field} gt {odata_datetime(since)}" if since else None
        yield from self.bc.records(entity.source_set, api=entity.source_api, filter=filter_)

    def modified(self, row: Row) -> datetime | None:
        return parse_modified(row.get(self.modified_field))

    def settle(self, entity: EntityMap, outcomes: Sequence[Outcome]) -> None:
        """BC keeps no staging of its own: the log and the couplings say it all."""


class DataverseTarget:
    """Rows of a Dataverse table, found by natural key and written in bulk."""

    def __init__(self, dataverse: Dataverse) -> None:
        self.dataverse = dataverse

    def match(self, entity: EntityMap, keys: Sequence[str], context: Any) -> dict[str, str]:
        """Natural key (upper case) → id of the target row that has it."""
        wanted = sorted({k for k in keys if k})
        if not wanted:
            return {}
        id_column = f"{entity.target_table}id"
        scope = entity.match_scope(context) if entity.match_scope else ""
        operations = []
        for start in range(0, len(wanted), MATCH_KEYS_PER_QUERY):
            chunk = wanted[start : start + MATCH_KEYS_PER_QUERY]
            alternatives = " or ".join(f"{entity.target_key} eq {quote_literal(k)}" for k in chunk)
            condition = f"({alternatives})" + (f" and {scope}" if scope else "")
            path = (
                f"{entity.target_set}?$select={id_column},{entity.target_key}&$filter={condition}"
            )
            operations.append(Operation("GET", path))
        found: dict[str, str] = {}
        for result in self.dataverse.execute(operations):
            if result.error is not None:
                raise result.error
            for row in (result.body or {}).get("value", []):
                found.setdefault(str(row[entity.target_key]).upper(), str(row[id_column]))
        return found

    def write(self, entity: EntityMap, writes: Sequence[Write], context: Any) -> dict[str, Written]:
        """Source id → how its write went (with the row as written, for two-way maps)."""
        if not writes:
            return {}
        # A two-way map needs the row as CRM now holds it (to recognise its echo later).
        headers = {"Prefer": "return=representation"} if entity.reverse else {}
        change_sets = []
        for write in writes:
            operations = [Operation("PATCH", f"{entity.target_set}({write.target_id})", write.body,
                                    headers=headers)]  # fmt: skip
            if write.operation == "Create":
                for extra in entity.extras:
                    extra_id = str(uuid.uuid5(uuid.UUID(write.target_id), extra.name))
                    values = extra.values(write.payload, write.target_id, context)
                    operations.append(Operation("PATCH", f"{extra.target_set}({extra_id})", values))
            change_sets.append(ChangeSet(operations))
        results = iter(self.dataverse.execute(change_sets, continue_on_error=True))
        outcome: dict[str, Written] = {}
        for write, change_set in zip(writes, change_sets, strict=True):
            answers = [next(results) for _ in change_set.operations]
            error = next((a.error for a in answers if a.error is not None), None)
            row = answers[0].body if isinstance(answers[0].body, Mapping) else None
            outcome[write.source_id] = Written(error if isinstance(error, HubError) else None,
                                               row)  # fmt: skip
        return outcome

    def current(self, entity: EntityMap, target_ids: Sequence[str]) -> dict[str, Row]:
        """Target id → the row as CRM holds it now (one `$batch` of GETs)."""
        if not target_ids:
            return {}
        answers = self.dataverse.execute(
            [Operation("GET", f"{entity.target_set}({target_id})") for target_id in target_ids],
            continue_on_error=True,
        )
        found: dict[str, Row] = {}
        for target_id, answer in zip(target_ids, answers, strict=True):
            if answer.error is None and isinstance(answer.body, Mapping):
                found[target_id.lower()] = answer.body
        return found


class BcWriteBack:
    """The CRM id onto the BC record ("BCS CRM ID"), through the companion `crmIds`."""

    def __init__(self, bc: BusinessCentralRecords) -> None:
        self.bc = bc

    def write_back(
        self, entity: EntityMap, written: Mapping[str, tuple[str, Row | None]]
    ) -> dict[str, HubError | None]:
        """BC id → (CRM id, CRM row) written; answers BC id → None when written back."""
        return self.crm_ids({bc_id: crm_id for bc_id, (crm_id, _) in written.items()})

    def crm_ids(self, pairs: Mapping[str, str]) -> dict[str, HubError | None]:
        """BC id → CRM id; answers BC id → None when written, else the error."""
        ids = list(pairs)
        writes = [BcWrite("PATCH", f"crmIds({bc_id})", {"crmId": pairs[bc_id]}, api="companion")
                  for bc_id in ids]  # fmt: skip
        results = self.bc.write_many(writes)
        return {bc_id: result.error for bc_id, result in zip(ids, results, strict=True)}
