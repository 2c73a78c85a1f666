"""A column value from a request body, checked against its column as Dataverse checks it.

- text longer than the column's maximum → 400 `0x80044331` naming the attribute, the
  table and the maximum,
- a value of the wrong JSON type → 400 `0x80048d19` ("Cannot convert the literal … to the
  expected type 'Edm.Int32'"); numbers may arrive as numeric strings (the OData reader
  converts them, as the Web API's own InitializeFrom example sends `"200"`),
- a choice, state or status value that is not one of the column's options, or a whole
  number outside Int32 → 400 `0x80044331` listing the accepted values,
- date-times are kept as UTC `YYYY-MM-DDTHH:MM:SSZ` (an offset is converted); date-only
  columns take `YYYY-MM-DD` (Edm.Date) only,
- GUIDs are kept in lower case.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sandbox.dataverse import errors
from sandbox.dataverse.schema import CHOICE_KINDS, Column, Kind, Table
from sandbox.odata.spec import is_guid

_INT32 = (-(2**31), 2**31 - 1)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def convert(table: Table, column: Column, value: Any) -> Any:
    """The stored form of `value` for `column`. Raises ServiceError."""
    if value is None:
        return None
    converter = _CONVERTERS.get(column.kind)
    if converter is None:  # lookups are written through navigation properties
        raise errors.lookup_property_written(table.entity_set)
    return converter(table, column, value)


def _text(table: Table, column: Column, value: Any) -> str:
    if not isinstance(value, str):
        raise errors.wrong_type(table.entity_set, value, column.edm_type)
    if column.max_length is not None and len(value) > column.max_length:
        raise errors.too_long(table.logical_name, column.name, column.max_length)
    return value


def _whole(table: Table, column: Column, value: Any) -> int:
    number = _numeric(table, column, value)
    if number != int(number):
        raise errors.wrong_type(table.entity_set, value, column.edm_type)
    whole = int(number)
    if column.kind in CHOICE_KINDS and whole not in column.options:
        accepted = ",".join(str(option) for option in column.options)
        raise errors.out_of_range(table.logical_name, column.name, whole, accepted)
    if column.kind != Kind.BIGINT and not _INT32[0] <= whole <= _INT32[1]:
        raise errors.out_of_range(
            table.logical_name, column.name, whole, f"{_INT32[0]} to {_INT32[1]}"
        )
    return whole


def _decimal(table: Table, column: Column, value: Any) -> float:
    return float(_numeric(table, column, value))


def _numeric(table: Table, column: Column, value: Any) -> float | int:
    if isinstance(value, bool):
        raise errors.wrong_type(table.entity_set, value, column.edm_type)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        text = value.strip()
        return int(text) if "." not in text else float(text)
    raise errors.wrong_type(table.entity_set, value, column.edm_type)


def _boolean(table: Table, column: Column, value: Any) -> bool:
    if not isinstance(value, bool):
        raise errors.wrong_type(table.entity_set, value, column.edm_type)
    return value


def _datetime(table: Table, column: Column, value: Any) -> str:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise errors.wrong_type(table.entity_set, value, column.edm_type)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(table: Table, column: Column, value: Any) -> str:
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise errors.wrong_type(table.entity_set, value, column.edm_type)


def _guid(table: Table, column: Column, value: Any) -> str:
    if not isinstance(value, str) or not is_guid(value):
        raise errors.wrong_type(table.entity_set, value, column.edm_type)
    return value.lower()


def parse_datetime(text: str) -> datetime | None:
    """An ISO-8601 date-time with an offset (or `Z`); without one it counts as UTC."""
    if "T" not in text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_CONVERTERS = {
    Kind.STRING: _text, Kind.MEMO: _text, Kind.INTEGER: _whole, Kind.BIGINT: _whole,
    Kind.PICKLIST: _whole, Kind.STATE: _whole, Kind.STATUS: _whole, Kind.DECIMAL: _decimal,
    Kind.MONEY: _decimal, Kind.BOOLEAN: _boolean, Kind.DATETIME: _datetime,
    Kind.DATEONLY: _date, Kind.UNIQUEIDENTIFIER: _guid,
}  # fmt: skip
