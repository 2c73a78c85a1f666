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

from shared.errors import ConflictError, HubError
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


class BcTarget:
    """BC records (v2.0 or companion API) written in `$batch`es: a new record by POST with
    the id the hub chose, an existing one by PATCH.

    A POST answered "already exists" was done before (its answer lost, or its worker
    died): the record is read back by that id and counts as written. When a record with
    the same natural key exists under another id (`EntityMap.find_existing`), it is
    updated and coupled instead of duplicated.
    """

    def __init__(self, bc: BusinessCentralRecords) -> None:
        self.bc = bc

    def match(self, entity: EntityMap, keys: Sequence[str], context: Any) -> dict[str, str]:
        wanted = sorted({k for k in keys if k})
        found: dict[str, str] = {}
        for start in range(0, len(wanted), MATCH_KEYS_PER_QUERY):
            chunk = wanted[start : start + MATCH_KEYS_PER_QUERY]
            condition = " or ".join(f"{entity.target_key} eq {quote_literal(k)}" for k in chunk)
            for row in self.bc.records(entity.target_set, api=entity.target_api, filter=condition):
                found.setdefault(str(row[entity.target_key]).upper(), str(row["id"]))
        return found

    def write(self, entity: EntityMap, writes: Sequence[Write], context: Any) -> dict[str, Written]:
        requests = [
            BcWrite("POST", entity.target_set, {**write.body, "id": write.target_id},
                    api=entity.target_api)
            if write.operation == "Create"
            else BcWrite("PATCH", f"{entity.target_set}({write.target_id})", dict(write.body),
                         api=entity.target_api)
            for write in writes
        ]  # fmt: skip
        outcome: dict[str, Written] = {}
        for write, result in zip(writes, self.bc.write_many(requests), strict=True):
            if isinstance(result.error, ConflictError) and write.operation == "Create":
                outcome[write.source_id] = self._existing(entity, write, result.error)
            else:
                row = result.body if isinstance(result.body, Mapping) else None
                outcome[write.source_id] = Written(result.error, row)
        return outcome

    def current(self, entity: EntityMap, target_ids: Sequence[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        for start in range(0, len(target_ids), MATCH_KEYS_PER_QUERY):
            chunk = target_ids[start : start + MATCH_KEYS_PER_QUERY]
            condition = " or ".join(f"id eq {i}" for i in chunk)
            for row in self.bc.records(entity.target_set, api=entity.target_api, filter=condition):
                found[str(row["id"]).lower()] = row
        return found

    def _existing(self, entity: EntityMap, write: Write, error: HubError) -> Written:
        """The record a POST collided with: ours (same id), or one with its natural key."""
        ours = self.current(entity, [write.target_id]).get(write.target_id.lower())
        if ours is not None:
            return Written(None, ours)
        if entity.find_existing is None:
            return Written(error)
        rows = list(self.bc.records(entity.target_set, api=entity.target_api,
                                    filter=entity.find_existing(write.body)))  # fmt: skip
        if len(rows) != 1:
            return Written(error)
        update = BcWrite("PATCH", f"{entity.target_set}({rows[0]['id']})", dict(write.body),
                         api=entity.target_api)  # fmt: skip
        [result] = self.bc.write_many([update])
        if result.error is not None:
            return Written(result.error)
        row = result.body if isinstance(result.body, Mapping) else rows[0]
        return Written(None, {**row, "id": rows[0]["id"]})


class DataverseWriteBack:
    """The BC key (a customer's No.) onto the CRM record it came from, in one `$batch`."""

    def __init__(self, dataverse: Dataverse) -> None:
        self.dataverse = dataverse

    def write_back(
        self, entity: EntityMap, written: Mapping[str, tuple[str, Row | None]]
    ) -> dict[str, HubError | None]:
        ids = [crm_id for crm_id, (_, row) in written.items() if row is not None]
        operations = [
            Operation("PATCH", f"{entity.source_set}({crm_id})",
                      {entity.write_back_field: str((written[crm_id][1] or {}).get(entity.target_key) or "")},
                      headers={"If-Match": "*"})
            for crm_id in ids
        ]  # fmt: skip
        answers = self.dataverse.execute(operations, continue_on_error=True) if operations else []
        errors: dict[str, HubError | None] = {crm_id: None for crm_id in written}
        for crm_id, answer in zip(ids, answers, strict=True):
            errors[crm_id] = answer.error if isinstance(answer.error, HubError) else None
        return errors


class DataverseChanges:
    """What changed in a Dataverse table since the last read (change tracking): rows as
    the entity's map reads them (each with its `id`), and ids of deleted rows."""

    def __init__(self, dataverse: Dataverse) -> None:
        self.dataverse = dataverse

    def read(
        self, entity: EntityMap, delta_link: str | None
    ) -> tuple[list[Row], list[str], str | None]:
        feed = self.dataverse.changes(entity.source_set, select=source_columns(entity),
                                      delta_link=delta_link)  # fmt: skip
        rows: list[Row] = []
        deleted: list[str] = []
        for change in feed:
            if change.kind == "deleted":
                deleted.append(change.id)
            else:
                rows.append({**change.row, "id": change.id})
        return rows, deleted, feed.delta_link


def source_columns(entity: EntityMap) -> list[str]:
    """The CRM columns an entity's map reads (fields, lookups, key, modified on)."""
    names = [name for f in entity.fields for name in f.source if name != "id"]
    names += [lookup.source for lookup in entity.lookups]
    names += [entity.source_key, "modifiedon"]
    if entity.write_back_field:
        names.append(entity.write_back_field)
    return list(dict.fromkeys(n for n in names if n))
