"""The entity registry: run order puts parents first, names are unique, every map's
lookups and setup needs refer to things that exist, and the README's entity table lists
exactly the registered entities and document types."""

from __future__ import annotations

import re
from pathlib import Path

from shared.domain.crm import DEFAULT_PRICE_LIST, DEFAULT_UNIT, DEFAULT_UNIT_GROUP, AutoSync
from shared.entities.documents import DOCUMENTS
from shared.entities.nightly import FEEDS
from shared.entities.posted_invoices import NAME as POSTED_INVOICES
from shared.entities.registry import BY_NAME, ENTITIES, entities
from shared.sync.maps import Direction

README = Path(__file__).resolve().parents[2] / "README.md"


def test_names_are_unique_and_parents_run_first() -> None:
    assert len(BY_NAME) == len(ENTITIES)
    seen: set[str] = set()
    for entity in ENTITIES:
        assert set(entity.depends_on) <= seen, f"{entity.name} runs before {entity.depends_on}"
        seen.add(entity.name)


def test_toggles_and_setup_needs_name_real_settings() -> None:
    toggles = set(AutoSync.__dataclass_fields__)
    for entity in ENTITIES:
        assert entity.auto_sync is None or entity.auto_sync in toggles, entity.name
        assert set(entity.setup) <= {DEFAULT_UNIT_GROUP, DEFAULT_UNIT, DEFAULT_PRICE_LIST}


def test_a_selection_keeps_run_order() -> None:
    picked = entities(Direction.BC_TO_CRM, ["items", "units-of-measure"])
    assert [e.name for e in picked] == ["units-of-measure", "items"]


def test_the_readme_entity_table_lists_every_registered_entity() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## CRM ⇄ BC: the entity-sync engine", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE))
    assert listed == set(BY_NAME) | set(DOCUMENTS) | set(FEEDS) | {POSTED_INVOICES}


def test_document_lookups_name_coupled_entities() -> None:
    coupled = {e.coupled_as for e in ENTITIES} | {"salespersons", "currencies"}  # Map CRM Data
    for document in DOCUMENTS.values():
        for entity_map in (document.header, document.line):
            assert set(entity_map.depends_on) <= coupled, entity_map.name
