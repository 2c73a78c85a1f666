"""Companion API `noSeries`: the company's number series (BC_CUSTOM_API.md).

AL: a read-only API page over table 308 "No. Series" (with its No. Series Line): `code`,
`description`, `startingNumber` and `lastNumberUsed`, the last No. drawn ("" before the
first). BC behaviour reproduced:

- one counter per series: every No. drawn from it, by API v2.0 (a new quote takes the
  next S-QUO…, an order S-ORD…) or by the companion API (`crmSalesQuotes` with
  `noSeriesCode`, or without a `number`), is the next one, and `lastNumberUsed` moves,
- a series' numbers are its prefix and a counter, zero-padded to its width: S-QUO1001,
  S-QUO1002…; CQ00001, CQ00002… (CRM-QUO), CO00001… (CRM-ORD),
- drawing is part of the transaction that uses the number: a failed write (or a
  snapshot `$batch` that fails) hands the number back, as BC rolls back the No. Series
  Line with the transaction,
- POST, PATCH, DELETE → 405 (the route refuses them).

Each row keeps, hidden, the counter it draws from (`counter`, the prefix), the first
value and the width, so v2.0's draws (by prefix) and the companion's (by code) share one
counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.business_central.schema import EntitySchema, code, text
from sandbox.business_central.seed import master_id
from sandbox.odata.store import EntityStore, Record

COMPANION_DOC = "sandbox/BC_CUSTOM_API.md"
NO_SERIES = "noSeries"
FIRST_NUMBER = 1001  # the v2.0 document series start at …1001
_HIDDEN: dict[str, Any] = {"counter": "", "first": FIRST_NUMBER, "digits": 0}

NO_SERIES_SCHEMA = EntitySchema(
    NO_SERIES, "noSeries", (
        code("code", 20), text("description", 100), code("startingNumber", 20),
        code("lastNumberUsed", 20),
    ), modified=False, hidden=_HIDDEN, doc=COMPANION_DOC,
)  # fmt: skip


@dataclass(frozen=True)
class Series:
    """One No. Series: its code, and its numbers as prefix + counter (zero-padded)."""

    code: str
    description: str
    prefix: str
    first: int = FIRST_NUMBER
    digits: int = 0

    def number(self, value: int) -> str:
        return format_number(self.prefix, value, self.digits)


# S-QUO and S-ORD are the prefixes v2.0's sales quotes and orders draw from (documents.py).
SERIES = (
    Series("S-QUO", "Sales quotes", "S-QUO"),
    Series("S-ORD", "Sales orders", "S-ORD"),
    Series("CRM-QUO", "Sales quotes from CRM", "CQ", first=1, digits=5),
    Series("CRM-ORD", "Sales orders from CRM", "CO", first=1, digits=5),
)


def format_number(prefix: str, value: int, digits: int) -> str:
    return f"{prefix}{value:0{digits}d}"


def no_series_sets() -> list[tuple[EntitySchema, list[Record]]]:
    rows = [{"id": master_id(NO_SERIES, s.code), "code": s.code, "description": s.description,
             "startingNumber": s.number(s.first), "lastNumberUsed": "", "counter": s.prefix,
             "first": s.first, "digits": s.digits} for s in SERIES]  # fmt: skip
    return [(NO_SERIES_SCHEMA, rows)]


def draw(store: EntityStore, prefix: str, first: int = FIRST_NUMBER, digits: int = 0) -> str:
    """The next No. of the counter `prefix`; the series drawing from it note it as used."""
    number = format_number(prefix, store.next_number(prefix, first), digits)
    for row, _ in store.find(NO_SERIES, "counter", prefix):
        if row["counter"] == prefix:
            store.update(NO_SERIES, row["id"], {"lastNumberUsed": number})
    return number


def find_series(store: EntityStore, series_code: str) -> Record | None:
    found = [row for row, _ in store.find(NO_SERIES, "code", series_code)
             if row["code"] == series_code]  # fmt: skip
    return dict(found[0]) if found else None


def draw_from(store: EntityStore, series: Record) -> str:
    """The next No. of a `noSeries` row."""
    return draw(store, str(series["counter"]), int(series["first"]), int(series["digits"]))
