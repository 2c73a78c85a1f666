"""OData text that ports' callers write themselves ($filter expressions for Dataverse
and BC): literals quoted as both services parse them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal


def quote_literal(value: object) -> str:
    """An OData literal for `value`: strings quoted with apostrophes doubled."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"
