"""Dataverse Web API v9.2 client (implements `shared.ports.dataverse.Dataverse`), rooted at
`https://<org>.crm.dynamics.com/api/data/v9.2/`.

Quirks handled (on top of `shared.adapters.odata` and the HTTP layer):
- Every request says which OData version it speaks (`OData-MaxVersion`, `OData-Version`).
- A page holds at most 5,000 rows; `Prefer: odata.maxpagesize` asks for that and
  `@odata.nextLink` is followed exactly as given. Formatted values and lookup annotations
  come only with `Prefer: odata.include-annotations="*"` (`annotations=True`).
- Rows are addressed by id `accounts(<guid>)` or alternate key `bcs_paymentterms(bcs_code='NET30')`
  (text quoted, apostrophes doubled).
- A PATCH without `If-Match` creates the row when it does not exist (an upsert);
  `If-None-Match: *` makes it create-only and `If-Match: *` update-only. With
  `Prefer: return=representation` the answer is 201 for a create and 200 for an update.
- `$batch` is multipart/mixed (see `batch`), at most 1,000 requests; bigger work is split
  into several batches, never inside a change set. Without `odata.continue-on-error` a
  failed request answers the batch with 400 and the responses up to it.
- Change tracking: `Prefer: odata.track-changes` on the first read gives `@odata.deltaLink`
  on the last page; following it returns rows changed since, deleted rows as
  `{"@odata.context": "…$deletedEntity", "id": …, "reason": "deleted"}`.
- Error codes: a duplicate (0x80040237, 0x80060892 for an alternate key) is a ConflictError;
  a missing row referred to by a write (0x80040217 by id, 0x80060891 by alternate key, on
  POST or upsert) is DependencyNotSynced, transient until its parent
  is synced; service protection limits answer 429 with Retry-After (the HTTP layer waits).
- Tokens are for the environment's own scope (`https://<org>.crm.dynamics.com/.default`).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from shared.adapters.dataverse.batch import (
    MAX_OPERATIONS,
    count_operations,
    decode_batch,
    encode_batch,
)
from shared.adapters.http import HttpClient, error_class_for
from shared.adapters.odata import quote_literal
from shared.errors import ConflictError, ContractError, DependencyNotSynced, HubError, NotFound
from shared.ports.dataverse import Change, ChangeSet, Operation, OperationResult, RowKey, Upserted

MAX_PAGE_SIZE = 5000
ODATA_HEADERS = {"OData-MaxVersion": "4.0", "OData-Version": "4.0", "Accept": "application/json"}
ALL_ANNOTATIONS = 'odata.include-annotations="*"'
# A row does not exist: by id (0x80040217) or by alternate key (0x80060891).
MISSING_ROW = frozenset({"0x80040217", "0x80060891"})

# Dataverse error codes whose meaning is more than their HTTP status says.
ERROR_CODES: Mapping[str, type[HubError]] = {
    "0x80040237": ConflictError,  # a row with this key (or alternate key) exists already
    "0x80060882": ConflictError,  # the row changed since its ETag was read
    "0x80060892": ConflictError,  # another row holds these alternate key values
}


class DataverseClient:
    """Rows of one Dataverse environment. `http` is rooted at `…/api/data/v9.2/`."""

    def __init__(self, http: HttpClient, *, page_size: int = MAX_PAGE_SIZE) -> None:
        http.error_codes = {**ERROR_CODES, **http.error_codes}
        self.http = http
        self.page_size = min(page_size, MAX_PAGE_SIZE)
        self.headers = dict(ODATA_HEADERS)

    # --- reads ------------------------------------------------------------------------------
    def get(
        self,
        entity_set: str,
        key: object,
        *,
        expand: str | None = None,
        select: Sequence[str] = (),
        annotations: bool = False,
    ) -> dict[str, Any]:
        params = {"$select": ",".join(select)} if select else {}
        if expand:
            params["$expand"] = expand
        result: dict[str, Any] = self.http.get_json(
            f"{entity_set}{row_key(key)}", params=params or None, headers=self._prefer(annotations)
        )
        return result

    def rows(
        self,
        entity_set: str,
        *,
        filter: str | None = None,
        select: Sequence[str] = (),
        expand: str | None = None,
        order_by: str | None = None,
        annotations: bool = False,
    ) -> Iterator[dict[str, Any]]:
        params = {name: value for name, value in (("$filter", filter), ("$select", ",".join(select)),
                  ("$expand", expand), ("$orderby", order_by)) if value}  # fmt: skip
        prefer = f"odata.maxpagesize={self.page_size}" + (
            f",{ALL_ANNOTATIONS}" if annotations else ""
        )
        for page in self._pages(entity_set, params, {**self.headers, "Prefer": prefer}):
            yield from page.get("value", [])

    # --- writes -----------------------------------------------------------------------------
    def create(self, entity_set: str, values: Mapping[str, Any]) -> str:
        """POST a row; its id (client-chosen when `values` holds the primary key)."""
        with _parents_first():
            response = self.http.request(
                "POST", entity_set, json=dict(values), headers=self.headers
            )
        return _entity_id(response.headers.get("OData-EntityId", ""))

    def upsert(
        self,
        entity_set: str,
        key: RowKey,
        values: Mapping[str, Any],
        *,
        mode: Literal["upsert", "create", "update"] = "upsert",
    ) -> Upserted:
        headers = {**self.headers, "Prefer": "return=representation"}
        if mode == "create":
            headers["If-None-Match"] = "*"
        elif mode == "update":
            headers["If-Match"] = "*"
        with _parents_first(creates=mode != "update"):
            response = self.http.request(
                "PATCH", f"{entity_set}{row_key(key)}", json=dict(values), headers=headers
            )
        row = response.json() if response.content else {}
        location = response.headers.get("OData-EntityId") or str(row.get("@odata.id", ""))
        entity_id = _entity_id(location) or (row.get(_primary_key(row, entity_set)) if row else "")
        return Upserted(str(entity_id or _key_text(key)), response.status_code == 201, row)

    def delete(self, entity_set: str, key: object, *, etag: str = "*") -> None:
        self.http.request(
            "DELETE", f"{entity_set}{row_key(key)}", headers={**self.headers, "If-Match": etag}
        )

    # --- $batch -----------------------------------------------------------------------------
    def execute(
        self, items: Sequence[Operation | ChangeSet], *, continue_on_error: bool = False
    ) -> list[OperationResult]:
        results: list[OperationResult] = []
        for chunk in _batches(items):
            answers = self._send_batch(chunk, continue_on_error)
            results += answers
            if not continue_on_error and any(answer.error for answer in answers):
                break
        return results

    def _send_batch(
        self, items: Sequence[Operation | ChangeSet], continue_on_error: bool
    ) -> list[OperationResult]:
        content_type, body = encode_batch(items, self.http.base_url)
        headers = {**self.headers, "Content-Type": content_type}
        if continue_on_error:
            headers["Prefer"] = "odata.continue-on-error"
        # A failure stops the batch with 400, and the body still holds what was answered.
        response = self.http.request("POST", "$batch", data=body, headers=headers, keep={400})
        content_type = response.headers.get("Content-Type", "")
        if response.status_code == 400 and not content_type.startswith("multipart"):
            raise self.http.error_for("POST", response.url or "$batch", response)
        answers = iter(decode_batch(content_type, response.content))
        results: list[OperationResult] = []
        for item in items:
            first = next(answers, None)
            if first is None:  # the batch stopped at an earlier failure
                break
            if not isinstance(item, ChangeSet):
                results.append(self._result(first, item))
            elif first.status < 400:  # a change set that succeeded answers every request
                rest = [first, *itertools.islice(answers, len(item.operations) - 1)]
                if len(rest) < len(item.operations):
                    raise ContractError(
                        f"Dataverse answered {len(rest)} responses for a change set of "
                        f"{len(item.operations)} requests that succeeded"
                    )
                results += [
                    self._result(a, op) for a, op in zip(rest, item.operations, strict=True)
                ]
            else:
                results += self._rolled_back(item, first)
        return results

    def _rolled_back(self, change_set: ChangeSet, answer: Any) -> list[OperationResult]:
        """A failed change set answers only its failing request; the others were rolled
        back with it and are reported 424 (Failed Dependency) carrying the same error."""
        ids = [op.content_id or str(number) for number, op in enumerate(change_set.operations, 1)]
        failing = ids.index(answer.content_id) if answer.content_id in ids else len(ids) - 1
        failed = self._result(answer, change_set.operations[failing])
        rolled_back = OperationResult(424, {}, None, failed.error)
        return [failed if index == failing else rolled_back for index in range(len(ids))]

    def _result(self, answer: Any, operation: Operation) -> OperationResult:
        error = None
        if answer.status >= 400:
            detail = answer.body.get("error", {}) if isinstance(answer.body, dict) else {}
            code, message = str(detail.get("code", "")), str(detail.get("message", answer.body))
            cls = self.http.error_codes.get(code) or error_class_for(answer.status)
            if code in MISSING_ROW and operation.method in {"POST", "PATCH", "PUT"}:
                cls = DependencyNotSynced
            error = cls(f"Dataverse $batch request answered {answer.status} {code}: {message}",
                        status=answer.status, detail=code)  # fmt: skip
        return OperationResult(answer.status, dict(answer.headers), answer.body, error)

    # --- change tracking -------------------------------------------------------------------
    def changes(
        self, entity_set: str, *, select: Sequence[str], delta_link: str | None = None
    ) -> ChangeFeed:
        return ChangeFeed(self, entity_set, select, delta_link)

    # --- plumbing ---------------------------------------------------------------------------
    def _prefer(self, annotations: bool) -> dict[str, str]:
        return {**self.headers, "Prefer": ALL_ANNOTATIONS} if annotations else dict(self.headers)

    def _pages(
        self, url: str, params: Mapping[str, str] | None, headers: Mapping[str, str]
    ) -> Iterator[dict[str, Any]]:
        next_url: str | None = url
        query: Mapping[str, str] | None = params or None
        while next_url:
            body = self.http.get_json(next_url, params=query, headers=headers)
            yield body
            next_url, query = body.get("@odata.nextLink"), None


class ChangeFeed:
    """Changed rows of one table, streamed page by page; `delta_link` once exhausted."""

    def __init__(
        self,
        client: DataverseClient,
        entity_set: str,
        select: Sequence[str],
        delta_link: str | None,
    ) -> None:
        self._client, self._entity_set, self._select = client, entity_set, select
        self._start = delta_link
        self.delta_link: str | None = None

    def __iter__(self) -> Iterator[Change]:
        client = self._client
        prefer = f"odata.track-changes,odata.maxpagesize={client.page_size}"
        headers = {**client.headers, "Prefer": prefer}
        params = None if self._start else {"$select": ",".join(self._select)}
        key_column = None
        for page in client._pages(self._start or self._entity_set, params, headers):
            for row in page.get("value", []):
                if "$deletedEntity" in str(row.get("@odata.context", "")):
                    yield Change("deleted", str(row["id"]))
                    continue
                key_column = key_column or _primary_key(row, self._entity_set)
                yield Change("updated", str(row[key_column]), row)
            if "@odata.deltaLink" in page:
                self.delta_link = page["@odata.deltaLink"]


def row_key(key: object) -> str:
    """`(<guid>)` for an id, `(a='x',b=2)` for an alternate key."""
    if isinstance(key, Mapping):
        parts = ",".join(f"{name}={quote_literal(value)}" for name, value in key.items())
        return f"({parts})"
    text = str(key)
    try:
        return f"({uuid.UUID(text)})"
    except ValueError:
        return f"({quote_literal(text)})"


def _batches(items: Sequence[Operation | ChangeSet]) -> Iterator[list[Operation | ChangeSet]]:
    """Items in batches of at most 1,000 operations, each change set kept whole."""
    batch: list[Operation | ChangeSet] = []
    for item in items:
        size = count_operations([item])
        if size > MAX_OPERATIONS:
            raise ValueError(
                f"a change set of {size} operations does not fit one $batch of {MAX_OPERATIONS}"
            )
        if count_operations(batch) + size > MAX_OPERATIONS:
            yield batch
            batch = []
        batch.append(item)
    if batch:
        yield batch


def _entity_id(location: str) -> str:
    return location.rsplit("(", 1)[1].rstrip(")") if "(" in location else ""


def _key_text(key: RowKey) -> str:
    return str(key) if not isinstance(key, Mapping) else ""


def _primary_key(row: Mapping[str, Any], entity_set: str) -> str:
    """The id column of a row: `<table>id` (accounts → accountid, bcs_paymentterms → bcs_paymenttermid)."""
    singular = entity_set[:-3] + "y" if entity_set.endswith("ies") else entity_set.removesuffix("s")
    for candidate in (f"{singular}id", f"{entity_set}id"):
        if candidate in row:
            return candidate
    ids = [name for name in row if name.endswith("id") and not name.startswith("_")]
    if not ids:
        raise KeyError(f"no id column in a {entity_set} row")
    return ids[0]


@contextmanager
def _parents_first(*, creates: bool = True) -> Iterator[None]:
    """On a write that creates, Dataverse's 'row does not exist' means a row it refers to
    (a lookup's target) is missing: transient until that parent is synced."""
    try:
        yield
    except NotFound as error:
        if creates and error.detail in MISSING_ROW:
            raise DependencyNotSynced(
                f"{error.message} (a row this one refers to does not exist yet)",
                status=error.status, detail=error.detail,
            ) from error  # fmt: skip
        raise


def scope_for(environment_url: str) -> str:
    """The OAuth scope of a Dataverse environment."""
    return f"{environment_url.rstrip('/')}/.default"
