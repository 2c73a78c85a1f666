"""Resource paths and the keys inside them, as the Web API addresses rows.

- `accounts(<guid>)` or `accounts(accountid=<guid>)`: the primary key,
- `accounts(accountnumber='C00010')`: a single-column alternate key,
- `bcs_shiptoaddresses(bcs_customerno='C00010',bcs_code='MAIN')`: a multi-part key,
- `bcs_inventories(_bcs_productid_value=<guid>,bcs_locationcode='BLUE')`: a key with a
  lookup part, named by its lookup property,
- string literals in single quotes with an apostrophe doubled (`'O''Neil'`); a `/` or `)`
  inside quotes does not end the segment,
- names that match no alternate key of the table → 400 with the documented message; text
  compares case-insensitively, as SQL does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.dataverse import errors
from sandbox.dataverse.schema import Table
from sandbox.odata.spec import is_guid
from sandbox.odata.store import EntityStore, Record, RecordNotFound

_NAME = re.compile(r"^[A-Za-z_$][\w.$]*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Segment:
    name: str
    key: str | None  # the text between the parentheses, unparsed


def split_path(path: str) -> list[Segment] | None:
    """`accounts(1)/contact_customer_accounts` → segments; None when malformed."""
    segments: list[Segment] = []
    for part in _split_outside_quotes(path.strip("/"), "/"):
        name, _, rest = part.partition("(")
        if not _NAME.match(name) or (rest and not rest.endswith(")")):
            return None
        segments.append(Segment(name, rest[:-1] if rest else None))
    return segments


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == "'":
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def literal(text: str) -> Any:
    """An OData literal: 'text', a GUID, a number, true/false or null. Raises ValueError."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if is_guid(text):
        return text.lower()
    if _NUMBER.match(text):
        return float(text) if "." in text else int(text)
    keywords = {"true": True, "false": False, "null": None}
    if text in keywords:
        return keywords[text]
    raise ValueError(text)


def parse_key(table: Table, raw: str) -> str | dict[str, Any]:
    """The primary key (str) or alternate key values (name → value). Raises ServiceError."""
    try:
        if "=" not in raw:
            value = literal(raw)
            if isinstance(value, str) and is_guid(value):
                return value
            raise ValueError(raw)
        values: dict[str, Any] = {}
        for part in _split_outside_quotes(raw, ","):
            name, _, text = part.partition("=")
            values[name.strip()] = literal(text)
    except ValueError:
        raise errors.bad_query(f"Bad Request - Error in query syntax: the key '{raw}'.") from None
    primary = values.get(table.primary_id)
    if len(values) == 1 and isinstance(primary, str) and is_guid(primary):
        return primary
    if _matching_key(table, values) is None:
        raise errors.invalid_key(table.entity_type)
    return values


def _matching_key(table: Table, values: dict[str, Any]) -> str | None:
    names = set(values)
    return next((key.name for key in table.keys if set(key.columns) == names), None)


def find(store: EntityStore, table: Table, key: str | dict[str, Any]) -> tuple[Record, str] | None:
    """The row (a copy) and its ETag, or None."""
    if isinstance(key, str):
        try:
            return store.get(table.entity_set, key)
        except RecordNotFound:
            return None
    found = store.find_all(table.entity_set, list(key.items()))
    if not found:
        return None
    row, etag = found[0]
    return dict(row), etag


def describe(key: str | dict[str, Any]) -> str:
    """How a key reads in a message."""
    if isinstance(key, str):
        return key
    return ",".join(f"{name}={value!r}" for name, value in key.items())
