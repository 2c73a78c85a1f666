"""Importing EcpPro invoices into staging through the BC Invoice Mapping."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.domain.invoices import SalesStatus
from shared.errors import ValidationError
from shared.flows.invoice_import import handle_import, load_mapping, save_mapping
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import PARTITION, load_invoice, save_invoice
from shared.flows.quarantine import list_quarantine
from shared.mappings.invoice_mapping import DEFAULT_MAPPING, MappingEntry, validate_mapping
from shared.registry import Table
from tests.unit.invoice_fixtures import imported, invoice, line, make_deps, source_of


def test_import_stages_header_and_lines_once() -> None:
    deps = make_deps(invoice("i1", "INV-1", line(10000), line(20000, "SUPPORT-HRS", cost=None)))
    assert handle_import(deps).imported == 1
    again = handle_import(deps)
    assert (again.imported, again.unchanged) == (0, 1)
    assert len(list(deps.store.query(Table.INVOICES, partition=PARTITION))) == 1
    staged = load_invoice(deps.store, "i1")
    assert (staged.invoice_number, staged.customer_number, staged.vendor_invoice_number) == (
        "INV-1",
        "C00010",
        "V00010-202505-1",
    )
    assert str(staged.posting_date) == "2025-05-10" and str(staged.due_date) == "2025-06-09"
    assert [(ln.line_no, ln.number, ln.unit_cost) for ln in staged.lines] == [
        (10000, "SPE_E3", 30.38),
        (20000, "SUPPORT-HRS", None),
    ]
    assert staged.sales.status is SalesStatus.NEW and staged.total == 337.5 + 337.5


def test_changed_invoice_is_refreshed_while_new_and_locked_once_processed() -> None:
    deps = make_deps(invoice("i1", "INV-1"))
    handle_import(deps)
    source_of(deps).lists["invoices"][0]["lines"][0]["quantity"] = 12
    assert handle_import(deps).refreshed == 1
    assert load_invoice(deps.store, "i1").lines[0].quantity == 12
    staged = load_invoice(deps.store, "i1")
    staged.sales.status, staged.sales.document_id = SalesStatus.CREATED, "doc-1"
    save_invoice(deps.store, staged)
    source_of(deps).lists["invoices"][0]["lines"][0]["quantity"] = 99
    assert handle_import(deps).locked == 1
    assert load_invoice(deps.store, "i1").lines[0].quantity == 12


def test_line_without_price_is_staged_as_error_naming_invoice_line_and_field() -> None:
    deps = make_deps(invoice("i1", "INV-7", line(10000), line(20000, price=None)))
    assert handle_import(deps).failed == 1
    staged = load_invoice(deps.store, "i1")
    assert staged.sales.status is SalesStatus.ERROR
    assert "EcpPro invoice INV-7 line 20000" in staged.sales.error
    assert "unitPrice" in staged.sales.error


def test_mapping_to_a_field_ecppro_does_not_send_is_an_error_per_invoice() -> None:
    deps = make_deps(invoice("i1", "INV-8"))
    mapping = [e if e.bc_field != "Sell-to Customer No." else MappingEntry("custNo", e.bc_field)
               for e in DEFAULT_MAPPING]  # fmt: skip
    save_mapping(deps.store, mapping)
    handle_import(deps)
    staged = load_invoice(deps.store, "i1")
    assert staged.sales.status is SalesStatus.ERROR
    assert "custNo" in staged.sales.error and "INV-8" in staged.sales.error
    save_mapping(deps.store, DEFAULT_MAPPING)  # fixed: the next import recovers it
    assert handle_import(deps).refreshed == 1
    assert load_invoice(deps.store, "i1").sales.status is SalesStatus.NEW


def test_mapping_is_editable_and_applied() -> None:
    raw = invoice("i1", "INV-9")
    raw["buyer"] = raw.pop("customerNumber")
    deps = make_deps(raw)
    mapping = [MappingEntry("buyer", e.bc_field) if e.bc_field == "Sell-to Customer No." else e
               for e in DEFAULT_MAPPING]  # fmt: skip
    save_mapping(deps.store, mapping)
    assert load_mapping(deps.store) != list(DEFAULT_MAPPING)
    handle_import(deps)
    assert load_invoice(deps.store, "i1").customer_number == "C00010"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (MappingEntry("invoiceNumber", "Your Reference"), "does not exist"),
        (MappingEntry("lines.quantity", "Posting Date"), "header field"),
        (MappingEntry("quantity", "Quantity"), "line field"),
        (MappingEntry("bad name!", "Customer Name"), "not a field name"),
    ],
)
def test_bad_mappings_are_refused_with_a_clear_message(change: MappingEntry, reason: str) -> None:
    mapping = [e for e in DEFAULT_MAPPING if e.bc_field != change.bc_field] + [change]
    with pytest.raises(ValidationError, match=reason):
        validate_mapping(mapping)


def test_duplicate_and_missing_required_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="mapped twice"):
        validate_mapping([*DEFAULT_MAPPING, replace(DEFAULT_MAPPING[0], ecppro_field="other")])
    with pytest.raises(ValidationError, match=r"Sell-to Customer No\."):
        validate_mapping([e for e in DEFAULT_MAPPING if e.bc_field != "Sell-to Customer No."])


def test_a_refused_mapping_changes_nothing() -> None:
    deps = make_deps()
    with pytest.raises(ValidationError):
        save_mapping(deps.store, [MappingEntry("x", "Nope")])
    assert load_mapping(deps.store) == list(DEFAULT_MAPPING)


def test_a_re_import_keeps_what_the_legs_recorded() -> None:
    deps = make_deps(invoice("i1", "INV-1", customer="C99999"))
    imported(deps, "i1")
    assert handle_sales("i1", deps).sales.status is SalesStatus.ERROR
    again = handle_import(deps)
    assert (again.unchanged, again.refreshed) == (1, 0)
    staged = load_invoice(deps.store, "i1")
    assert (staged.sales.status, staged.sales.attempts) == (SalesStatus.ERROR, 1)
    assert "C99999" in staged.sales.error


def test_a_changed_invoice_is_refreshed_but_its_legs_keep_their_state() -> None:
    deps = make_deps(invoice("i1", "INV-1", customer="C99999"))
    imported(deps, "i1")
    handle_sales("i1", deps)
    source_of(deps).lists["invoices"][0]["lines"][0]["quantity"] = 12
    assert handle_import(deps).refreshed == 1
    staged = load_invoice(deps.store, "i1")
    assert staged.lines[0].quantity == 12
    assert (staged.sales.status, staged.sales.attempts) == (SalesStatus.ERROR, 1)
    assert deps.store.get(Table.INVOICES, PARTITION, "i1").data["LineCount"] == 1


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (invoice("x" * 600, "INV-X"), "id"),
        (invoice("i2", "INV-2", line(10000), line(10000, "SPE_E5")), "lineNo"),
        ({**invoice("i3", "INV-3"), "lines": [line(10000), "not a line"]}, "lines"),
        ({**invoice("i4", "INV-4"), "lines": "10000"}, "lines"),
        ({**invoice("i5", "INV-5"), "id": 17}, "id"),
    ],
)
def test_one_bad_record_is_quarantined_with_its_field_and_the_others_are_staged(
    bad: dict, field: str
) -> None:
    deps = make_deps(invoice("a", "INV-A"), bad, invoice("z", "INV-Z"))
    result = handle_import(deps)
    assert (result.imported, result.failed) == (2, 1)
    kept = list_quarantine(deps, source="ecppro.invoices")
    assert [row["field"] for row in kept] == [field]
    assert load_invoice(deps.store, "a").invoice_number == "INV-A"
    assert load_invoice(deps.store, "z").invoice_number == "INV-Z"
