"""Business Central master data and request plumbing shared by the typed client.

Quirks handled:
- Master data is cached for a minute per worker (thousands of invoices share a handful
  of customers and items); a miss is never cached, so a customer created in BC to fix a
  failed invoice is seen at once.
- Dimension values in API v2.0 carry the dimension's id, not its code: the id is looked
  up first.
- `blocked` is the blank member when not blocked (`"_x0020_"` as BC escapes it, " " in
  the docs); Ship only stops shipping, everything else blocks invoicing.
- A `$batch` answers 200 even when inner requests failed; the first real failure is
  raised as the typed error a direct call would have raised. A batch holds at most 100
  requests: `_transactions` packs larger work into several, keeping what must succeed
  together (a line and its dimensions) in one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from shared.adapters.business_central.wire import MAX_BATCH, enum_member, first_failure, pack
from shared.adapters.http import HttpClient
from shared.adapters.odata import ODataClient, eq_filter
from shared.errors import ContractError, ValidationError
from shared.ports.business_central import BcParty

ITEM_NUMBER_LENGTH = 20  # Item No. is a Code[20]

T = TypeVar("T")
CACHE_SECONDS = 60.0


class BusinessCentralMasterData:
    """Master data of one company. `http` is rooted at `…/v2.0/{tenant}/{environment}/`."""

    def __init__(
        self,
        http: HttpClient,
        *,
        company_id: str,
        api_path: str = "api/v2.0",
        companion_path: str = "api/ecppro/hub/v1.0",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.odata = ODataClient(http, page_size=1000)
        self.api_path = api_path
        self.companion_path = companion_path
        self.company = f"companies({company_id})"
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}

    # --- master data ----------------------------------------------------------------------
    def find_customer(self, number: str) -> BcParty | None:
        return self._cached("customers", number, lambda: self._party("customers", number))

    def find_vendor(self, number: str) -> BcParty | None:
        return self._cached("vendors", number, lambda: self._party("vendors", number))

    def currency_exists(self, code: str) -> bool:
        return self._cached("currencies", code, lambda: self._exists("currencies", code=code))

    def existing_items(self, numbers: Iterable[str]) -> set[str]:
        return {number for number in numbers if self._item_id(number)}

    def account_usable(self, number: str) -> bool:
        def read() -> bool:
            rows = self._list("accounts", eq_filter(number=number))
            return bool(rows) and not rows[0].get("blocked")

        return self._cached("accounts", number, read)

    def customer_default_dimensions(self, customer_id: str) -> dict[str, str]:
        def read() -> dict[str, str]:
            rows = self._list(f"customers({customer_id})/defaultDimensions")
            return {
                r["dimensionCode"]: r["dimensionValueCode"]
                for r in rows
                if r.get("dimensionValueCode")
            }

        return dict(self._cached("defaultDimensions", customer_id, read))

    def dimension_value_exists(self, dimension: str, value: str) -> bool:
        # API v2.0 dimension values carry the dimension's id, not its code: find the id first.
        def read() -> bool:
            dimensions = self._list("dimensions", eq_filter(code=dimension))
            if not dimensions:
                return False
            values = self._list(
                f"dimensions({dimensions[0]['id']})/dimensionValues", eq_filter(code=value)
            )
            return bool(values) and not values[0].get("blocked")

        return self._cached("dimensionValues", f"{dimension}/{value}", read)

    def _item_id(self, number: str) -> str:
        if len(number) > ITEM_NUMBER_LENGTH:  # longer than an Item No.: cannot be an item
            return ""

        def read() -> str:
            rows = self._list("items", eq_filter(number=number))
            return str(rows[0]["id"]) if rows else ""

        return self._cached("items", number, read)

    def _dimension_id(self, code: str) -> str:
        def read() -> str:
            rows = self._list("dimensions", eq_filter(code=code))
            if not rows:
                raise ValidationError(
                    f"dimension {code} does not exist in Business Central", field=code
                )
            return str(rows[0]["id"])

        return self._cached("dimensions", code, read)

    def _default_codes(self, path: str) -> set[str]:
        def read() -> frozenset[str]:
            return frozenset(
                r["dimensionCode"] for r in self._list(path) if r.get("dimensionValueCode")
            )

        return set(self._cached("defaults", path, read))

    # --- plumbing ---------------------------------------------------------------------------
    def _batch(
        self, requests: list[dict[str, Any]], *, root: str | None = None
    ) -> list[dict[str, Any]]:
        """One all-or-nothing transaction of at most 100 requests (callers `pack` them).

        Raises the typed error of the request that failed it.
        """
        assert len(requests) <= MAX_BATCH, "pack() the requests into transactions first"
        for index, request in enumerate(requests):
            request["id"] = str(index + 1)
        response = self.http.request(
            "POST", f"{root or self.api_path}/$batch", json={"requests": requests},
            headers={"Isolation": "snapshot", "Content-Type": "application/json"},
        )  # fmt: skip
        answers = response.json().get("responses")
        if not isinstance(answers, list) or len(answers) != len(requests):
            raise ContractError(
                f"Business Central answered a $batch of {len(requests)} requests with "
                f"{len(answers) if isinstance(answers, list) else 'no'} responses"
            )
        failure = first_failure(answers)
        if failure is not None:
            raise failure
        return answers

    def _transactions(
        self, groups: Sequence[Sequence[dict[str, Any]]], *, root: str | None = None
    ) -> None:
        """Groups of requests in as few transactions as they fit, each group kept whole."""
        for batch in pack(groups):
            self._batch(batch, root=root)

    def _path(self, path: str) -> str:
        return f"{self.api_path}/{self.company}/{path}"

    def _list(
        self, path: str, filter: str | None = None, *, expand: str | None = None
    ) -> list[dict[str, Any]]:
        return list(self.odata.list(self._path(path), filter=filter, expand=expand))

    def _party(self, entity_set: str, number: str) -> BcParty | None:
        rows = self._list(entity_set, eq_filter(number=number))
        if not rows:
            return None
        row = rows[0]
        # " " is not blocked; Ship / Invoice / Payment / All block invoicing in some way.
        blocked = enum_member(row.get("blocked")).strip() not in ("", "Ship")
        return BcParty(row["id"], row["number"], row.get("displayName", ""), blocked)

    def _exists(self, entity_set: str, **fields: str) -> bool:
        return bool(self._list(entity_set, eq_filter(**fields)))

    def _cached(self, kind: str, key: str, read: Callable[[], T]) -> T:
        """`read()` once a minute per key; misses (None, False, "") are never kept."""
        now = self._clock()
        hit = self._cache.get((kind, key))
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]  # type: ignore[no-any-return]
        value = read()
        if value is not None and value is not False and value != "":
            self._cache[(kind, key)] = (now, value)
        return value
