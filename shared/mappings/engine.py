"""Field maps as data: `FieldMap(source, target, transform)` entries applied by `apply_mapping`.

Adding a field to a flow is one line in its mapping tuple. Transforms are small pure
functions that raise ValueError; `apply_mapping` turns that into a ValidationError naming
the record and the source field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from shared.errors import ValidationError

Transform = Callable[[Any], Any]


class Direction(StrEnum):
    """Which way a field flows; the EcpPro lists only read."""

    TO_HUB = "to-hub"
    FROM_HUB = "from-hub"
    BOTH = "both"


def text(value: Any) -> str:
    if isinstance(value, dict | list):
        raise ValueError("expected text, got a structure")
    return str(value).strip()


def integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, got true/false")
    number = float(value)
    if not number.is_integer():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def count(value: Any) -> int:
    number = integer(value)
    if number < 0:
        raise ValueError(f"expected a count ≥ 0, got {value!r}")
    return number


def decimal(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number, got true/false")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def percent(value: Any) -> float:
    number = decimal(value)
    if not 0 <= number <= 100:
        raise ValueError(f"expected a percentage from 0 to 100, got {value!r}")
    return round(number, 2)


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"expected true or false, got {value!r}")


def timestamp(value: Any) -> datetime:
    """ISO-8601; a value without offset is taken as UTC."""
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class FieldMap:
    """One field: where it comes from, where it goes, how it is converted."""

    source: str
    target: str
    transform: Transform = text
    required: bool = False
    direction: Direction = Direction.TO_HUB
    max_length: int | None = None  # of the text the target holds
    target_label: str = ""  # how messages name the target (e.g. BC's field caption)


def apply_mapping(
    mapping: Sequence[FieldMap], record: Mapping[str, Any], *, record_label: str
) -> dict[str, Any]:
    """Map `record` onto target fields. Raises ValidationError naming record and field.

    A missing or null optional field maps to None; a missing required one is an error.
    """
    result: dict[str, Any] = {}
    for entry in mapping:
        value = record.get(entry.source)
        # An empty string is a missing value except for optional text, where it is the text.
        if value is None or (value == "" and (entry.required or entry.transform is not text)):
            if entry.required:
                raise ValidationError(
                    f"{record_label}: required field '{entry.source}' is missing",
                    record=record_label,
                    field=entry.source,
                )
            result[entry.target] = None
            continue
        try:
            result[entry.target] = entry.transform(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"{record_label}: field '{entry.source}' has an invalid value {value!r}: {exc}",
                record=record_label,
                field=entry.source,
            ) from exc
        _check_length(entry, result[entry.target], record_label)
    return result


def _check_length(entry: FieldMap, value: Any, record_label: str) -> None:
    if entry.max_length is None or not isinstance(value, str) or len(value) <= entry.max_length:
        return
    holder = entry.target_label or entry.target
    raise ValidationError(
        f"{record_label}: field '{entry.source}' has {len(value)} characters; {holder} holds "
        f"at most {entry.max_length}",
        record=record_label,
        field=entry.source,
    )
