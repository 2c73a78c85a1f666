"""EcpPro REST API simulator (the contract is written down in ECPPRO_API.md).

Quirks of the contract that clients must handle, all reproduced here:

- every request carries `X-Customer-Id` and `X-Secret-Key`; a missing or wrong one is
  401 `InvalidCredentials` (the same answer for both, so callers cannot probe ids),
- lists are paged with `page` (from 1) and `pageSize` (1..1000, default 100); anything
  else is 400 `InvalidPaging`; a page past the end is an empty `items` array with the
  real `totalCount`; items are sorted by `id`,
- pages are computed when asked: records changed between two page requests shift, so a
  client must treat a list as a snapshot and tolerate overlap,
- an unknown list is 404 `NotFound`,
- injected faults: 429 `TooManyRequests` with `Retry-After`, 503 `ServiceUnavailable`.

Sandbox-only admin routes (no auth, no faults): `PUT /_sandbox/credentials`,
`POST /_sandbox/{list}` (JSON array, upsert by id), `DELETE /_sandbox/{list}/{id}`.
The same operations in-process: `state.upsert`, `state.delete`, `set_credentials`.
"""

from __future__ import annotations

import copy
import hmac
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox.ecppro.seed import LISTS, EcpProSeed, Record, generate
from sandbox.faults import Fault, FaultInjector
from sandbox.server import ServiceError, Simulator, json_response, read_json

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


Page = tuple[list[Record], int]


class UnknownList(KeyError):
    pass


class EcpProState:
    """The lists behind the API, thread-safe. Reads return copies."""

    def __init__(self, data: Mapping[str, Iterable[Record]]) -> None:
        self._lock = threading.Lock()
        self._lists: dict[str, dict[str, Record]] = {name: {} for name in LISTS}
        for name, rows in data.items():
            self.upsert(name, rows)

    def _list(self, name: str) -> dict[str, Record]:
        if name not in self._lists:
            raise UnknownList(name)
        return self._lists[name]

    def list(self, name: str) -> list[Record]:
        """Every record of a list, sorted by id. Raises UnknownList."""
        with self._lock:
            rows = self._list(name)
            return [copy.deepcopy(rows[key]) for key in sorted(rows)]

    def page(self, name: str, page: int, page_size: int) -> Page:
        """One page (from 1) and the total count. Raises UnknownList."""
        with self._lock:
            rows = self._list(name)
            keys = sorted(rows)[(page - 1) * page_size : page * page_size]
            return [copy.deepcopy(rows[key]) for key in keys], len(rows)

    def get(self, name: str, record_id: str) -> Record | None:
        with self._lock:
            found = self._list(name).get(record_id)
            return copy.deepcopy(found) if found is not None else None

    def upsert(self, name: str, records: Record | Iterable[Record]) -> int:
        """Create records, or merge their fields into the records with the same id.

        Raises UnknownList, or ValueError naming the first invalid record (then nothing
        is written).
        """
        batch = [records] if isinstance(records, Mapping) else list(records)
        for position, record in enumerate(batch):
            _validate(name, position, record)
        with self._lock:
            rows = self._list(name)
            for record in batch:
                rows[record["id"]] = {**rows.get(record["id"], {}), **copy.deepcopy(dict(record))}
        return len(batch)

    def delete(self, name: str, record_id: str) -> bool:
        """Remove a record; False when there was none. Raises UnknownList."""
        with self._lock:
            return self._list(name).pop(record_id, None) is not None


def _validate(name: str, position: int, record: Any) -> None:
    if not isinstance(record, Mapping):
        raise ValueError(f"record {position} of '{name}' is not a JSON object")
    if not isinstance(record.get("id"), str) or not record["id"]:
        raise ValueError(f"record {position} of '{name}' needs a non-empty string 'id'")
    if name != "tenants" and not isinstance(record.get("tenantId"), str):
        raise ValueError(
            f"record {position} ('{record['id']}') of '{name}' needs a string 'tenantId'"
        )


class EcpProSimulator(Simulator):
    """The EcpPro API for one customer account."""

    name = "ecppro"

    def __init__(
        self,
        customer_id: str,
        secret_key: str,
        seed: EcpProSeed | None = None,
        faults: FaultInjector | None = None,
    ) -> None:
        self._credentials = (customer_id, secret_key)
        self.state = EcpProState(generate(seed or EcpProSeed()))
        super().__init__(faults)

    @property
    def customer_id(self) -> str:
        return self._credentials[0]

    @property
    def secret_key(self) -> str:
        return self._credentials[1]

    def set_credentials(self, customer_id: str, secret_key: str) -> None:
        """Make another Customer ID / Secret Key pair the only valid one."""
        self._credentials = (customer_id, secret_key)

    def rules(self) -> Iterable[Rule]:
        return [Rule(f"{API_PREFIX}/<list_name>", endpoint=self.on_list, methods=["GET"])]

    def admin_rules(self) -> Iterable[Rule]:
        return [
            Rule("/_sandbox/credentials", endpoint=self.on_credentials, methods=["PUT"]),
            Rule("/_sandbox/<list_name>", endpoint=self.on_upsert, methods=["POST"]),
            Rule("/_sandbox/<list_name>/<record_id>", endpoint=self.on_delete, methods=["DELETE"]),
        ]

    def fault_error(self, fault: Fault) -> ServiceError:
        if fault.status == 429:
            return ServiceError(429, "TooManyRequests", "Too many requests. Retry later.")
        return ServiceError(
            fault.status, "ServiceUnavailable", "The service is temporarily unavailable."
        )

    def on_list(self, request: Request, list_name: str) -> Response:
        self._authenticate(request)
        page, page_size = _paging(request)
        try:
            items, total = self.state.page(list_name, page, page_size)
        except UnknownList:
            raise _unknown_list(list_name) from None
        return json_response(
            {"items": items, "page": page, "pageSize": page_size, "totalCount": total}
        )

    def _authenticate(self, request: Request) -> None:
        customer = request.headers.get("X-Customer-Id", "")
        secret = request.headers.get("X-Secret-Key", "")
        expected_customer, expected_secret = self._credentials
        # Both comparisons always run so timing does not tell which part was wrong.
        customer_ok = hmac.compare_digest(customer.encode(), expected_customer.encode())
        secret_ok = hmac.compare_digest(secret.encode(), expected_secret.encode())
        if not (customer_ok and secret_ok):
            raise ServiceError(
                401, "InvalidCredentials", "The Customer ID or Secret Key is not valid."
            )

    def on_credentials(self, request: Request) -> Response:
        body = read_json(request)
        if not (
            isinstance(body, dict)
            and isinstance(body.get("customerId"), str) and body["customerId"]
            and isinstance(body.get("secretKey"), str) and body["secretKey"]
        ):  # fmt: skip
            raise ServiceError(
                400, "InvalidCredentialsBody", 'Send {"customerId": "...", "secretKey": "..."}.'
            )
        self.set_credentials(body["customerId"], body["secretKey"])
        return Response(status=204)

    def on_upsert(self, request: Request, list_name: str) -> Response:
        body = read_json(request)
        if not isinstance(body, list):
            raise ServiceError(400, "InvalidRecords", "Send a JSON array of records.")
        try:
            count = self.state.upsert(list_name, body)
        except UnknownList:
            raise _unknown_list(list_name) from None
        except ValueError as exc:
            raise ServiceError(400, "InvalidRecords", str(exc)) from None
        return json_response({"upserted": count})

    def on_delete(self, request: Request, list_name: str, record_id: str) -> Response:
        try:
            removed = self.state.delete(list_name, record_id)
        except UnknownList:
            raise _unknown_list(list_name) from None
        if not removed:
            raise ServiceError(404, "NotFound", f"No record '{record_id}' in '{list_name}'.")
        return Response(status=204)


def _paging(request: Request) -> tuple[int, int]:
    page_text = request.args.get("page", "1")
    size_text = request.args.get("pageSize", str(DEFAULT_PAGE_SIZE))
    if not (page_text.isdigit() and size_text.isdigit()):
        raise ServiceError(400, "InvalidPaging", "page and pageSize must be whole numbers.")
    page, page_size = int(page_text), int(size_text)
    if page < 1:
        raise ServiceError(400, "InvalidPaging", "page starts at 1.")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ServiceError(400, "InvalidPaging", f"pageSize must be between 1 and {MAX_PAGE_SIZE}.")
    return page, page_size


def _unknown_list(name: str) -> ServiceError:
    return ServiceError(404, "NotFound", f"There is no list '{name}'. Lists: {', '.join(LISTS)}.")
