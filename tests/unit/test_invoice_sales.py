"""Sales leg scenarios: sign, copied fields, posting option, bad input, crashes, duplicates."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.domain.invoices import DocumentKind, SalesStatus
from shared.errors import RejectedError, TransientError
from shared.flows.invoice_sales import handle_sales
from shared.flows.invoice_staging import load_invoice
from tests.fakes.business_central import throttled
from tests.unit.invoice_fixtures import OPTIONS, bc_of, imported, invoice, line, make_deps


def test_positive_total_becomes_a_sales_invoice_with_copied_fields() -> None:
    deps = make_deps(invoice("i1", "INV-1", line(10000), line(20000, "SUPPORT-HRS", 2, 85.0, None),
                             currency="EUR"))  # fmt: skip
    imported(deps, "i1")
    staged = handle_sales("i1", deps)
    assert staged.sales.status is SalesStatus.CREATED
    assert staged.sales.document_kind is DocumentKind.SALES_INVOICE
    document = bc_of(deps).documents[staged.sales.document_id]
    assert (document.party_number, document.reference, document.currency_code) == (
        "C00010",
        "INV-1",
        "EUR",
    )
    assert [(ln.line_type, ln.number, ln.quantity, ln.unit_amount) for ln in document.lines] == [
        ("Item", "SPE_E3", 10, 33.75),
        ("Account", "6100", 2, 85.0),
    ]
    assert staged.sales.document_number == document.number == "S-INV1001"


def test_negative_total_becomes_a_credit_memo_with_positive_quantities() -> None:
    deps = make_deps(invoice("i1", "CR-1", line(10000, quantity=-3)))
    imported(deps, "i1")
    staged = handle_sales("i1", deps)
    assert staged.sales.document_kind is DocumentKind.SALES_CREDIT_MEMO
    assert bc_of(deps).documents[staged.sales.document_id].lines[0].quantity == 3


@pytest.mark.parametrize(
    ("total_lines", "expected"),
    [
        ((line(10000),), SalesStatus.POSTED_INVOICE),
        ((line(10000, quantity=-1),), SalesStatus.POSTED_CREDIT_MEMO),
    ],
)
def test_create_and_post_records_the_posted_status(
    total_lines: tuple, expected: SalesStatus
) -> None:
    deps = make_deps(
        invoice("i1", "INV-1", *total_lines), options=replace(OPTIONS, post_sales_documents=True)
    )
    imported(deps, "i1")
    staged = handle_sales("i1", deps)
    assert staged.sales.status is expected
    assert staged.sales.document_number.startswith("PS-")


def test_failed_posting_leaves_the_document_created_with_the_reason() -> None:
    deps = make_deps(invoice("i1", "INV-1"), options=replace(OPTIONS, post_sales_documents=True))
    imported(deps, "i1")
    bc_of(deps).fail_on["post"] = RejectedError("Customer C00010 is blocked for posting")
    staged = handle_sales("i1", deps)
    assert staged.sales.status is SalesStatus.CREATED
    assert staged.sales.document_number == "S-INV1001"
    assert "posting failed: Customer C00010 is blocked" in staged.sales.error
    retried = handle_sales("i1", deps)  # a redelivery resumes the owed posting
    assert retried.sales.status is SalesStatus.POSTED_INVOICE
    assert retried.sales.error == ""


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (invoice("i1", "INV-2", customer="C99999"), "Sell-to Customer No. 'C99999' does not exist"),
        (invoice("i1", "INV-2", currency="GBP"), "Currency Code 'GBP' does not exist"),
        (invoice("i1", "INV-2", line(10000, quantity=0)), "Total Amount is 0"),
        (invoice("i1", "INV-2", line(10000, "UNKNOWN-SKU")), "line 10000: No. 'UNKNOWN-SKU'"),
    ],
)
def test_bad_input_is_an_error_naming_invoice_and_field_and_creates_nothing(
    raw: dict, fragment: str
) -> None:
    deps = make_deps(raw, options=replace(OPTIONS, sales_account_number=""))
    imported(deps, "i1")
    staged = handle_sales("i1", deps)
    assert staged.sales.status is SalesStatus.ERROR
    assert "INV-2" in staged.sales.error and fragment in staged.sales.error
    assert bc_of(deps).documents == {}


def test_blocked_customer_is_an_error() -> None:
    deps = make_deps(invoice("i1", "INV-3", customer="C00020"))
    bc_of(deps).add_customer("C00020", blocked=True)
    imported(deps, "i1")
    assert "blocked" in handle_sales("i1", deps).sales.error


def test_crash_between_create_and_record_links_the_document_next_time() -> None:
    deps = make_deps(invoice("i1", "INV-4"))
    imported(deps, "i1")
    store_update = deps.store.update

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("worker died")

    deps.store.update = crash  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        handle_sales("i1", deps)
    assert (
        len(bc_of(deps).documents) == 1
        and load_invoice(deps.store, "i1").sales.status is SalesStatus.NEW
    )
    deps.store.update = store_update  # type: ignore[method-assign]
    staged = handle_sales("i1", deps)
    assert staged.sales.status is SalesStatus.CREATED
    assert len(bc_of(deps).documents) == 1
    assert [c for c in bc_of(deps).calls if c.startswith("create")] == [
        "create Sales Invoice INV-4"
    ]


def test_second_delivery_creates_nothing_new() -> None:
    deps = make_deps(invoice("i1", "INV-5"))
    imported(deps, "i1")
    first = handle_sales("i1", deps)
    second = handle_sales("i1", deps)
    assert second.sales.document_id == first.sales.document_id
    assert len(bc_of(deps).calls) == 1


def test_throttling_keeps_the_invoice_new_records_the_attempt_and_raises() -> None:
    deps = make_deps(invoice("i1", "INV-6"))
    imported(deps, "i1")
    bc_of(deps).fail_next = [throttled()]
    with pytest.raises(TransientError):
        handle_sales("i1", deps)
    staged = load_invoice(deps.store, "i1")
    assert staged.sales.status is SalesStatus.NEW and staged.sales.attempts == 1
    assert "will retry" in staged.sales.error
    assert handle_sales("i1", deps).sales.status is SalesStatus.CREATED


def test_error_invoices_wait_for_reprocess() -> None:
    deps = make_deps(invoice("i1", "INV-7", customer="C99999"))
    imported(deps, "i1")
    handle_sales("i1", deps)
    bc_of(deps).add_customer("C99999")
    assert handle_sales("i1", deps).sales.status is SalesStatus.ERROR


def test_a_reused_invoice_number_is_an_error_naming_both_invoices() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-1", line(10000, quantity=4)))
    imported(deps, "i1")
    first = handle_sales("i1", deps)
    assert first.sales.status is SalesStatus.CREATED
    second = handle_sales("i2", deps)
    assert second.sales.status is SalesStatus.ERROR
    assert "(i1)" in second.sales.error and "(i2)" in second.sales.error
    assert first.sales.document_number in second.sales.error
    assert "External Document No. 'INV-1'" in second.sales.error
    assert len(bc_of(deps).documents) == 1


def test_a_namesake_that_crashed_before_recording_still_owns_its_document() -> None:
    deps = make_deps(invoice("i1", "INV-1"), invoice("i2", "INV-1", line(10000, quantity=4)))
    imported(deps, "i1")
    update = deps.store.update

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("worker died")

    deps.store.update = crash  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        handle_sales("i1", deps)  # BC has i1's document; staging never heard of it
    deps.store.update = update  # type: ignore[method-assign]
    assert handle_sales("i2", deps).sales.status is SalesStatus.ERROR
    assert handle_sales("i1", deps).sales.status is SalesStatus.CREATED  # i1 links its own
    assert len(bc_of(deps).documents) == 1
