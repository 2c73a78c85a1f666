"""The BC simulator's seed obeys the rules its own API enforces: a seeded record could have
been written through the API (lengths, Code fields in upper case, enum members, types)."""

from __future__ import annotations

import pytest

from sandbox.business_central.registry import seeded_sets
from sandbox.business_central.schema import EntitySchema, check_value


@pytest.mark.parametrize(
    ("schema", "rows"),
    [(s, r) for s, r in seeded_sets() if r],
    ids=lambda v: getattr(v, "name", ""),
)
def test_every_seeded_record_fits_its_schema(schema: EntitySchema, rows: list[dict]) -> None:
    for row in rows:
        for name, value in row.items():
            prop = schema.prop(name)
            if prop is None or name == schema.key:
                continue
            assert check_value(prop, value) == value, f"{schema.name} {row.get('id')}: {name}"
