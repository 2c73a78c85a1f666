"""Instance annotations asked for with `Prefer: odata.include-annotations`, and formatted values.

From compose-http-requests-handle-errors#request-annotations and query/select-columns:

- the preference names annotations comma-separated, with `*` as a wildcard
  (`"*"`, `"OData.Community.Display.V1.FormattedValue"`, `"Microsoft.Dynamics.CRM.*"`); the
  answer confirms it with `Preference-Applied`,
- `<property>@OData.Community.Display.V1.FormattedValue`: the label of a choice, yes/no,
  status or status reason; the primary name of the row a lookup points at; a money value
  with the currency symbol of the row's currency; a date in the user's time zone
  (`4/7/2023 2:59 PM`, date-only columns `4/7/2023`),
- `_x_value@Microsoft.Dynamics.CRM.lookuplogicalname` (the target table) and
  `_x_value@Microsoft.Dynamics.CRM.associatednavigationproperty` (the single-valued
  navigation property to `$expand`, e.g. `customerid_account`).

The sandbox's users are in UTC and write US English; money has the currency's precision
(2 when it has none) and a leading minus when negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from sandbox.dataverse.schema import CHOICE_KINDS, Column, Kind, Table
from sandbox.dataverse.tables import Catalog
from sandbox.dataverse.values import parse_datetime
from sandbox.odata.store import EntityStore, Record, RecordNotFound

FORMATTED = "OData.Community.Display.V1.FormattedValue"
NAVIGATION = "Microsoft.Dynamics.CRM.associatednavigationproperty"
LOGICAL_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
TOTAL_COUNT = "Microsoft.Dynamics.CRM.totalrecordcount"
COUNT_EXCEEDED = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"
ERROR_DETAILS = "Microsoft.PowerApps.CDS.HelpLink"


@dataclass(frozen=True)
class Requested:
    """The annotation patterns of one request (empty: none)."""

    patterns: tuple[str, ...] = ()
    header: str | None = None  # the preference as sent, for Preference-Applied

    @classmethod
    def from_prefer(cls, value: str | None) -> Requested:
        if not value:
            return cls()
        text = value.strip().strip('"')
        patterns = tuple(part.strip() for part in text.split(",") if part.strip())
        return cls(patterns, f'odata.include-annotations="{text}"')

    def wants(self, term: str) -> bool:
        return any(fnmatchcase(term, pattern) for pattern in self.patterns)

    def __bool__(self) -> bool:
        return bool(self.patterns)


class Formatter:
    """Formatted values, which may read other rows (lookup names, currencies)."""

    def __init__(self, catalog: Catalog, store: EntityStore) -> None:
        self.catalog = catalog
        self.store = store

    def value(self, table: Table, column: Column, row: Record) -> str | None:
        value = row.get(column.property_name)
        if value is None:
            return None
        if column.kind in CHOICE_KINDS:
            label = column.options.get(value)
            return None if label is None else str(label)
        if column.is_lookup:
            return self.lookup_name(column, row)
        if column.kind == Kind.MONEY:
            return self.money(float(value), row.get("_transactioncurrencyid_value"))
        if column.kind == Kind.DATETIME:
            parsed = parse_datetime(str(value))
            return None if parsed is None else _us_datetime(parsed.hour, parsed.minute, parsed)
        if column.kind == Kind.DATEONLY:
            day = date.fromisoformat(str(value))
            return f"{day.month}/{day.day}/{day.year}"
        return None

    def lookup_name(self, column: Column, row: Record) -> str | None:
        target = self.target(column, row)
        table = self.catalog.by_name(target)
        try:
            record, _ = self.store.get(table.entity_set, row[column.property_name])
        except RecordNotFound:
            return None
        name = record.get(table.primary_name)
        return None if name is None else str(name)

    def target(self, column: Column, row: Record) -> str:
        """The table a lookup points at (multi-table lookups keep it beside the id)."""
        stored = row.get(column.type_field)
        return str(stored) if stored else column.targets[0]

    def money(self, amount: float, currency_id: Any) -> str:
        symbol, precision = "", 2
        if currency_id:
            try:
                currency, _ = self.store.get("transactioncurrencies", str(currency_id))
                symbol = str(currency.get("currencysymbol") or "")
                precision = int(currency.get("currencyprecision") or 2)
            except RecordNotFound:
                pass
        sign = "-" if amount < 0 else ""
        return f"{sign}{symbol}{abs(amount):,.{precision}f}"

    def annotate(self, table: Table, column: Column, row: Record, wanted: Requested) -> Record:
        """The annotations of one property, in the order Dataverse writes them."""
        out: Record = {}
        name = column.property_name
        if wanted.wants(FORMATTED):
            formatted = self.value(table, column, row)
            if formatted is not None:
                out[f"{name}@{FORMATTED}"] = formatted
        if column.is_lookup and row.get(name) is not None:
            target = self.target(column, row)
            navigation = next(n for n, t in column.navigations().items() if t == target)
            if wanted.wants(NAVIGATION):
                out[f"{name}@{NAVIGATION}"] = navigation
            if wanted.wants(LOGICAL_NAME):
                out[f"{name}@{LOGICAL_NAME}"] = target
        return out


def _us_datetime(hour: int, minute: int, moment: Any) -> str:
    half = "AM" if hour < 12 else "PM"
    return f"{moment.month}/{moment.day}/{moment.year} {hour % 12 or 12}:{minute:02d} {half}"
