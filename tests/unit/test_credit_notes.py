"""Project Operations invoices and their revisions → BC, on fakes (product document 001):
confirmed invoices to BC with the project dimension; Correct Invoice in both modes
(Cancel invoice: BC's cancel or a posted credit memo; Create credit memo: left unposted
and picked up once posted), partial credits on and off, per-line quantity differences,
cancel transactions ("Deleted"), every pre-check, auto confirm, the activation toggle,
redelivery and lost answers, and the non-changeable fields sent to BC."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from shared.domain.credit_notes import (
    CHARGEABLE,
    PO_CONFIRMED,
    PO_DRAFT,
    CorrectMessage,
    CorrectMode,
    CreditNoteSetup,
)
from shared.domain.invoices import DocumentKind
from shared.errors import (
    ConfigurationError,
    RejectedError,
    TransientError,
    UncertainWriteError,
    ValidationError,
)
from shared.flows.credit_notes import correct_invoices, handle_correct_message, note_dead_letter
from shared.flows.deps import Deps
from shared.flows.project_invoices import document_id
from shared.flows.project_poll import process_confirmed_invoices, run_project_invoices
from shared.registry import Queue
from shared.sync.couplings import Coupling, Couplings
from shared.sync.project_staging import credit_memo_staging, invoice_staging
from tests.fakes.bus import InMemoryBus
from tests.fakes.business_central import FakeBusinessCentral
from tests.fakes.credit_memos import FakeCreditMemos
from tests.fakes.dataverse import FakeDataverse
from tests.fakes.ecppro import FakeEcpPro
from tests.fakes.store import InMemoryStagingStore
from tests.unit.crm_fixtures import guid

ACCOUNT, BASE, PROJECT, CATEGORY = guid(1), guid(2), guid(3), guid(4)
SETUP = CreditNoteSetup(integration_active=True, revenue_account="6410", dimension="PROJECT")
TODAY = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class World:
    deps: Deps
    crm: FakeDataverse
    bc: FakeBusinessCentral
    memos: FakeCreditMemos
    bus: InMemoryBus

    def invoice(self, key: int, lines: list[tuple[str, float, float]], *,
                status: int = PO_CONFIRMED, billing: int = CHARGEABLE) -> str:  # fmt: skip
        invoice_id = guid(100 + key)
        self.crm.add("invoices", {"invoiceid": invoice_id, "invoicenumber": f"PI-{1000 + key}",
                                  "name": f"Project invoice {key}", "_customerid_value": ACCOUNT,
                                  "_transactioncurrencyid_value": BASE,
                                  "msdyn_invoicedate": "2025-02-28", "totalamount": 0,
                                  "msdyn_projectinvoicestatus": status})  # fmt: skip
        for n, (text, quantity, price) in enumerate(lines, start=1):
            self.crm.add("msdyn_invoicelinetransactions", {
                "msdyn_invoicelinetransactionid": detail(key, n), "msdyn_description": text,
                "msdyn_quantity": quantity, "msdyn_price": price, "msdyn_amount": quantity * price,
                "msdyn_billingtype": billing, "msdyn_transactionclassification": 192350000,
                "_msdyn_invoice_value": invoice_id, "_msdyn_project_value": PROJECT,
                "_msdyn_transactioncategory_value": CATEGORY, "createdon": f"2025-02-0{n}",
                "msdyn_documentdate": f"2025-02-0{n}",
            })  # fmt: skip
        return invoice_id

    def revise(self, key: int, original: int, kept: Mapping[int, float], *,
               status: int = PO_CONFIRMED, lines: int = 2) -> str:  # fmt: skip
        """A revision of invoice `original`; `kept`: line no. → quantity still billed
        (lines not named are credited whole)."""
        revision_id = guid(100 + key)
        self.crm.add("invoices", {"invoiceid": revision_id, "invoicenumber": f"PI-{1000 + key}",
                                  "_customerid_value": ACCOUNT, "msdyn_hascorrections": True,
                                  "_transactioncurrencyid_value": BASE,
                                  "msdyn_invoicedate": "2025-03-01",
                                  "msdyn_projectinvoicestatus": status})  # fmt: skip
        for n in range(1, lines + 1):
            source = self.crm.get("msdyn_invoicelinetransactions", detail(original, n))
            self.crm.add("msdyn_invoicelinetransactions", {
                **source, "msdyn_invoicelinetransactionid": detail(key, n),
                "_msdyn_invoice_value": revision_id, "msdyn_correction": True,
                "_msdyn_originalinvoicelinedetail_value": detail(original, n),
                "msdyn_quantity": kept.get(n, 0),
            })  # fmt: skip
        return revision_id

    def bc_invoice(self, original: int) -> Any:
        return self.bc.documents[document_id("invoice", guid(100 + original))]

    def post(self, original: int) -> None:
        self.bc.post_document(self.bc_invoice(original).view())

    def credit(self, revision: int) -> dict[str, Any]:
        return credit_memo_staging(self.deps.store).get(guid(100 + revision))

    def staged(self, original: int) -> dict[str, Any]:
        return invoice_staging(self.deps.store).get(guid(100 + original))


def detail(key: int, n: int) -> str:
    return guid(1000 + key * 10 + n)


def world(**setup: Any) -> World:
    crm, bc, bus = FakeDataverse(), FakeBusinessCentral(), InMemoryBus()
    memos = FakeCreditMemos(bc)
    store = InMemoryStagingStore()
    deps = Deps(store=store, bus=bus, ecppro=FakeEcpPro({}), bc=bc, dataverse=crm,
                bc_credit_memos=memos, credit_notes=replace(SETUP, **setup),
                clock=lambda: TODAY)  # fmt: skip
    bc.add_customer("C00010")
    bc.accounts["6410"] = False
    memos.add_dimension_value("PROJECT", "ADATUM-CLOUD", "Adatum Cloud Migration")
    crm.add("accounts", {"accountid": ACCOUNT, "name": "Adatum"})
    crm.add("transactioncurrencies", {"transactioncurrencyid": BASE, "isocurrencycode": "GBP"})
    crm.add(
        "msdyn_projects", {"msdyn_projectid": PROJECT, "msdyn_subject": "Adatum Cloud Migration"}
    )
    crm.add("msdyn_transactioncategories", {"msdyn_transactioncategoryid": CATEGORY,
                                            "msdyn_name": "Consulting Hours"})  # fmt: skip
    Couplings(store).save_many([Coupling("customers", guid(50), ACCOUNT, "C00010"),
                                Coupling("currencies", guid(51), BASE, "")])  # fmt: skip
    return World(deps, crm, bc, memos, bus)


LINES = [("Week 1 consulting", 20, 120.0), ("Travel to London", 1, 350.0)]


def posted_world(**setup: Any) -> World:
    w = world(**setup)
    w.invoice(1, LINES)
    process_confirmed_invoices(w.deps)
    w.post(1)
    return w


def drain(w: World) -> list[str]:
    """Run the queued Correct Invoice messages, as the queue trigger does."""
    done = []
    for queue, message in list(w.bus.sent):
        if queue == Queue.PROJECT_CREDIT_NOTES:
            body = CorrectMessage.model_validate_json(message.body)
            done.append(handle_correct_message(w.deps, body).value)
    w.bus.sent.clear()
    return done


# --- the original invoices -------------------------------------------------------------------
def test_a_confirmed_invoice_is_one_bc_invoice_with_the_project_on_every_line() -> None:
    w = world()
    invoice_id = w.invoice(1, [*LINES, ("Internal review", 2, 0.0)])
    w.crm.upsert("msdyn_invoicelinetransactions", detail(1, 3),
                 {"msdyn_billingtype": 192350000})  # Non Chargeable  # fmt: skip
    report = process_confirmed_invoices(w.deps)
    document = w.bc_invoice(1)
    assert (report.staged, report.created) == (1, 1)
    assert (document.kind, document.party_number, document.reference, document.currency_code) == (
        DocumentKind.SALES_INVOICE, "C00010", "PI-1001", "")  # fmt: skip
    assert [(x.line_type, x.number, x.quantity, x.unit_amount, x.dimensions) for x in document.lines] == [
        ("Account", "6410", 20, 120.0, {"PROJECT": "ADATUM-CLOUD"}),
        ("Account", "6410", 1, 350.0, {"PROJECT": "ADATUM-CLOUD"}),
    ]  # the non-chargeable detail is staged but bills nothing  # fmt: skip
    staged = w.staged(1)
    assert (staged["Status"], staged["BcUnpostedInvoiceNo"], staged["CustomerAccountNumber"]) == (
        "Created in BC", document.number, "C00010")  # fmt: skip
    lines = invoice_staging(w.deps.store).lines(invoice_id)
    first = lines[0]
    assert (first["Description"], first["TransactionCategory"], first["DimensionCode"],
            first["DimensionValue"], first["ImportSequenceNumber"]) == (
        "Week 1 consulting", "Consulting Hours", "Adatum Cloud Migration", PROJECT, 1)  # fmt: skip
    [mirror] = w.crm.all("bcs_bcinvoicestagings")
    assert (mirror["bcs_name"], mirror["bcs_status"], mirror["bcs_bcunpostedinvoiceno"]) == (
        "PI-1001", 100000001, document.number)  # fmt: skip
    assert len(w.crm.all("bcs_bcinvoicestaginglines")) == 3
    assert process_confirmed_invoices(w.deps).read == 0  # done with: not read again
    written_back = w.crm.get("invoices", invoice_id)
    assert (written_back["bcs_bcinvoiceno"], written_back["bcs_bcintegrationstatus"]) == (
        document.number, 100000001)  # fmt: skip


def test_an_invoice_whose_create_answer_was_lost_is_found_not_made_twice() -> None:
    w = world()
    w.invoice(1, LINES)
    original_create = w.bc.create_document

    def create_then_lose(document: Any) -> Any:
        original_create(document)
        raise UncertainWriteError("connection reset after BC wrote it")

    w.bc.create_document = create_then_lose  # type: ignore[method-assign]
    first = process_confirmed_invoices(w.deps)
    assert (first.waiting, w.staged(1)["Status"]) == (1, "New")
    w.bc.create_document = original_create  # type: ignore[method-assign]
    process_confirmed_invoices(w.deps)
    assert len(w.bc.of_kind(DocumentKind.SALES_INVOICE)) == 1
    assert w.staged(1)["Status"] == "Created in BC"


def test_many_invoices_at_once_each_get_their_own_lines() -> None:
    """Line details are read for several invoices a request; each invoice gets its own."""
    w = world()
    for key in range(1, 21):
        w.invoice(key, [(f"Work for invoice {key}", key, 100.0)])
    report = process_confirmed_invoices(w.deps)
    assert report.created == 20
    for key in range(1, 21):
        [line] = w.bc_invoice(key).lines
        assert (line.line.description, line.quantity) == (f"Work for invoice {key}", key)


def test_a_project_without_a_dimension_value_is_an_error_naming_it_and_nothing_is_written() -> None:
    w = world()
    w.memos.dimension_values.clear()
    w.invoice(1, LINES)
    report = process_confirmed_invoices(w.deps)
    assert report.failed == 1 and not w.bc.documents
    assert (
        "project 'Adatum Cloud Migration' has no value in BC dimension PROJECT"
        in w.staged(1)["Error"]
    )


def test_the_hubs_own_write_back_does_not_retrigger_an_invoice_in_error_for_ever() -> None:
    """Its write to the Project Operations invoice comes back through change tracking once;
    the same outcome is not written again, so the invoice is not processed again and again."""
    w = world()
    w.memos.dimension_values.clear()
    invoice_id = w.invoice(1, LINES)
    run_project_invoices(w.deps)
    assert w.crm.get("invoices", invoice_id)["bcs_bcintegrationstatus"] == 100000005
    run_project_invoices(w.deps)  # sees its own write-back: tried again, same error
    attempts = w.staged(1)["Attempts"]
    assert run_project_invoices(w.deps).read == 0
    assert w.staged(1)["Attempts"] == attempts


def test_an_account_not_coupled_yet_waits_and_no_revenue_account_is_fatal() -> None:
    w = world()
    Couplings(w.deps.store).remove(Coupling("customers", guid(50), ACCOUNT, "C00010"))
    w.invoice(1, LINES)
    assert process_confirmed_invoices(w.deps).waiting == 1
    assert "is not in BC yet" in w.staged(1)["Error"]
    w2 = world(revenue_account="")
    w2.invoice(1, LINES)
    with pytest.raises(ConfigurationError) as raised:
        process_confirmed_invoices(w2.deps)
    assert list(raised.value.settings) == ["PROJECT_REVENUE_ACCOUNT"]


def test_the_timer_has_nothing_to_poll_without_dataverse() -> None:
    w = world()
    report = run_project_invoices(replace(w.deps, dataverse=None))
    assert report.skipped == "DATAVERSE_URL is not set"
    with pytest.raises(ConfigurationError) as raised:  # an operator's run is told what to set
        run_project_invoices(replace(w.deps, dataverse=None), automatic=False)
    assert list(raised.value.settings) == ["DATAVERSE_URL"]


def test_an_invoice_posted_in_bc_is_picked_up() -> None:
    w = world(integration_active=False)
    w.invoice(1, LINES)
    process_confirmed_invoices(w.deps)
    w.post(1)
    report = run_project_invoices(w.deps)
    assert report.posted == 1
    assert (w.staged(1)["Status"], w.staged(1)["BcPostedInvoiceNo"]) == (
        "Posted in BC",
        w.bc_invoice(1).number,
    )


# --- Correct Invoice ------------------------------------------------------------------------
def test_full_reversal_in_cancel_invoice_mode_uses_bcs_own_cancel() -> None:
    w = posted_world()
    revision_id = w.revise(2, 1, {})
    assert run_project_invoices(w.deps).queued == 1
    assert drain(w) == ["Posted"]
    invoice = w.memos.sales_invoice(w.bc_invoice(1).id)
    assert invoice is not None and invoice.status == "Canceled"
    [memo] = w.memos.credit_memos_of(w.bc_invoice(1).id)
    assert memo.status == "Corrective" and f"cancel {w.bc_invoice(1).id}" in w.memos.calls
    credit = w.credit(2)
    assert (credit["Status"], credit["Coupled"], credit["BcPostedCreditMemoId"]) == (
        "Posted",
        True,
        memo.number,
    )
    assert w.staged(1)["Status"] == "Credited" and w.staged(1)["IsCorrectionInvoice"] is True
    assert w.staged(1)["CreditNoteInvoiceId"] == revision_id
    po = w.crm.get("invoices", revision_id)
    assert (po["bcs_bccreditmemono"], po["bcs_bccreditmemoposted"], po["bcs_bcintegrationstatus"]) == (
        memo.number, True, 100000003)  # fmt: skip


def test_full_reversal_in_create_credit_memo_mode_is_left_unposted_then_picked_up() -> None:
    w = posted_world(correct_mode=CorrectMode.CREATE_CREDIT_MEMO)
    w.revise(2, 1, {})
    run_project_invoices(w.deps)
    assert drain(w) == ["Created"]
    [memo] = w.memos.credit_memos_of(w.bc_invoice(1).id)
    assert memo.status == "Draft" and [x.quantity for x in memo.lines] == [20, 1]
    assert w.credit(2)["BcUnpostedCreditMemoId"] == memo.number
    w.bc.post_document(memo.view())  # the user posts it in BC
    assert run_project_invoices(w.deps).posted == 1
    assert (w.credit(2)["Status"], w.credit(2)["BcPostedCreditMemoId"]) == ("Posted", memo.number)


def test_a_partial_revision_credits_the_differences_with_the_project_dimension() -> None:
    w = posted_world()
    w.revise(2, 1, {1: 12})  # 12 of 20 hours kept; travel credited whole
    run_project_invoices(w.deps)
    assert drain(w) == ["Posted"]
    [memo] = w.memos.credit_memos_of(w.bc_invoice(1).id)
    assert [(x.quantity, x.unit_amount, x.dimensions) for x in memo.lines] == [
        (8, 120.0, {"PROJECT": "ADATUM-CLOUD"}), (1, 350.0, {"PROJECT": "ADATUM-CLOUD"})]  # fmt: skip
    assert memo.status == "Open" and memo.reference == "PI-1002"
    invoice = w.memos.sales_invoice(w.bc_invoice(1).id)
    assert invoice is not None and invoice.remaining_amount == 2750.0 - 1310.0
    lines = credit_memo_staging(w.deps.store).lines(guid(102))
    assert [(x["Quantity"], x["RevisedQuantity"], x["LineAmount"], x["Coupled"]) for x in lines] == [
        (8, 12, 960.0, True), (1, 0, 350.0, True)]  # fmt: skip


def test_partial_credits_off_refuses_a_partial_revision_with_a_readable_error() -> None:
    w = posted_world(allow_partial=False)
    revision_id = w.revise(2, 1, {1: 12})
    run_project_invoices(w.deps)
    assert drain(w) == ["Refused"]
    assert (
        "partial credit notes are not allowed (PROJECT_ALLOW_PARTIAL_CREDIT_NOTES)"
        in w.credit(2)["Error"]
    )
    assert not w.memos.credit_memos_of(w.bc_invoice(1).id)
    assert w.crm.get("invoices", revision_id)["bcs_bcintegrationstatus"] == 100000005
    w.revise(3, 1, {})  # a full reversal is still allowed
    run_project_invoices(w.deps)
    assert drain(w) == ["Posted"]


def test_cancel_transactions_delete_the_unposted_invoice_and_say_deleted() -> None:
    w = world()
    w.invoice(1, LINES)
    process_confirmed_invoices(w.deps)
    bc_id = w.bc_invoice(1).id
    w.revise(2, 1, {})
    run_project_invoices(w.deps)
    assert drain(w) == ["Deleted"]
    assert bc_id not in w.bc.documents
    credit = w.credit(2)
    assert (credit["BcUnpostedInvoiceNo"], credit["Status"], credit["Coupled"]) == (
        "Deleted",
        "Deleted",
        True,
    )
    assert w.staged(1)["Status"] == "Cancelled"


def test_a_partial_revision_of_an_unposted_invoice_bills_the_kept_part_anew() -> None:
    w = world()
    w.invoice(1, LINES)
    process_confirmed_invoices(w.deps)
    w.revise(2, 1, {1: 12})
    run_project_invoices(w.deps)
    assert drain(w) == ["Deleted"]
    [rebilled] = w.bc.of_kind(DocumentKind.SALES_INVOICE)
    assert rebilled.reference == "PI-1002" and [x.quantity for x in rebilled.lines] == [12]
    assert w.staged(2)["IsCorrectionInvoice"] is True and w.staged(2)["Status"] == "Created in BC"


def test_a_refused_rebill_is_the_revisions_error_and_process_confirmed_writes_it_later() -> None:
    """Cancel transactions with a kept part: BC refuses the new invoice; the old one is
    deleted (Deleted), the revision's own BC Invoice Staging row says why, and Process
    Confirmed Invoices writes it once BC takes it."""
    w = world()
    w.invoice(1, LINES)
    process_confirmed_invoices(w.deps)
    w.revise(2, 1, {1: 12})
    w.bc.fail_on["create"] = RejectedError("Account '6410' is blocked", status=400)
    run_project_invoices(w.deps)
    assert drain(w) == ["Deleted"]
    assert (w.staged(2)["Status"], w.staged(2)["Error"]) == (
        "Error", "project invoice PI-1002: Account '6410' is blocked")  # fmt: skip
    assert not w.bc.of_kind(DocumentKind.SALES_INVOICE)
    process_confirmed_invoices(w.deps)
    [rebilled] = w.bc.of_kind(DocumentKind.SALES_INVOICE)
    assert rebilled.reference == "PI-1002" and w.staged(2)["Status"] == "Created in BC"


@pytest.mark.parametrize(
    "case", ["paid", "partly paid", "cancelled", "corrected", "closed", "blocked"]
)
def test_each_pre_check_refuses_before_bc_would(case: str) -> None:
    w = posted_world()
    invoice = w.bc_invoice(1)
    expected = {
        "paid": "already paid or partly applied (2750.00 of 2750.00 settled)",
        "partly paid": "already paid or partly applied (100.00 of 2750.00 settled)",
        "cancelled": "is already cancelled in BC",
        "corrected": "was already corrected in BC by credit memo",
        "closed": "2025-03-01 is in the closed period March 2025",
        "blocked": "customer C00010 is blocked in BC",
    }[case]
    if case == "paid":
        w.memos.pay(invoice.id, 2750.0)
    elif case == "partly paid":
        w.memos.pay(invoice.id, 100.0)
    elif case == "cancelled":
        w.memos.cancel_invoice(invoice.id)
    elif case == "corrected":
        from shared.ports.business_central import NewDocument, NewLine

        w.bc.create_document(NewDocument(DocumentKind.SALES_CREDIT_MEMO, "C00010", None, None, "",
                                         "BY HAND", [NewLine("Account", "6410", "x", 1, 10.0)],
                                         applies_to_invoice_id=invoice.id))  # fmt: skip
    elif case == "closed":
        w.memos.closed_through = date(2025, 3, 31)
    else:
        w.bc.customers["C00010"] = replace(w.bc.customers["C00010"], blocked=True)
    before = len(w.bc.documents)
    w.revise(2, 1, {})
    run_project_invoices(w.deps)
    assert drain(w) == ["Refused"]
    assert expected in w.credit(2)["Error"]
    assert len(w.bc.documents) == before


def test_a_customer_blocked_for_invoices_only_still_gets_its_credit_memo() -> None:
    """BC stops a credit memo only for Blocked = All (Ship and Invoice stop other documents)."""
    w = posted_world()
    w.memos.blocked["C00010"] = "Invoice"
    w.revise(2, 1, {})
    run_project_invoices(w.deps)
    assert drain(w) == ["Posted"]


def test_a_revision_crediting_more_than_was_invoiced_is_refused() -> None:
    """A revision states the new quantity: below zero credits more than was invoiced;
    above what is billed now (after earlier credit notes) would bill more."""
    w = posted_world()
    w.revise(2, 1, {1: 12, 2: 1})  # 8 hours credited: 12 billed now
    run_project_invoices(w.deps)
    assert drain(w) == ["Posted"]
    w.revise(3, 1, {1: -5, 2: 1})
    run_project_invoices(w.deps)
    assert drain(w) == ["Refused"]
    assert "cannot credit more than was invoiced" in w.credit(3)["Error"]
    w.revise(4, 1, {1: 14, 2: 1})
    run_project_invoices(w.deps)
    assert drain(w) == ["Refused"]
    assert ("raises the quantity from 12 (of 20 invoiced, after earlier credit notes) to 14"
            in w.credit(4)["Error"])  # fmt: skip


def test_a_revision_of_a_revision_credits_what_it_takes_back_from_the_one_before() -> None:
    """Revising the revision: its corrective details point at the revision's, which point
    at the original's; BC's invoice is the original's, and the new credit memo takes back
    only the difference to what the first revision kept."""
    w = posted_world()
    w.revise(2, 1, {1: 12})  # 8 hours and the travel taken back
    run_project_invoices(w.deps)
    assert drain(w) == ["Posted"]
    w.revise(3, 2, {1: 4})  # of the 12 hours still billed, 4 are kept
    run_project_invoices(w.deps)
    assert drain(w) == ["Posted"]
    _, second = sorted(w.memos.credit_memos_of(w.bc_invoice(1).id), key=lambda m: m.number)
    assert [(x.line.description, x.quantity) for x in second.lines] == [("Week 1 consulting", 8)]
    assert w.credit(3)["InvoiceId"] == guid(101)
    invoice = w.memos.sales_invoice(w.bc_invoice(1).id)
    assert invoice is not None and invoice.remaining_amount == 2750.0 - 1310.0 - 960.0


def test_auto_confirm_confirms_a_draft_revision_which_then_is_corrected() -> None:
    w = posted_world(auto_confirm=True)
    revision_id = w.revise(2, 1, {}, status=PO_DRAFT)
    report = run_project_invoices(w.deps)
    assert report.confirmed == 1
    assert w.crm.get("invoices", revision_id)["msdyn_projectinvoicestatus"] == PO_CONFIRMED
    assert drain(w) == ["Posted"]


def test_without_auto_confirm_a_draft_revision_waits() -> None:
    w = posted_world()
    w.revise(2, 1, {}, status=PO_DRAFT)
    report = run_project_invoices(w.deps)
    assert (report.confirmed, report.revisions, drain(w)) == (0, 0, [])


def test_integration_off_process_confirmed_stages_and_correct_invoice_corrects() -> None:
    w = posted_world(integration_active=False)
    revision_id = w.revise(2, 1, {})
    assert run_project_invoices(w.deps).revisions == 0  # the timer leaves it to the button
    report = process_confirmed_invoices(w.deps)
    assert (report.revisions, report.queued) == (1, 0)
    assert w.credit(2)["Status"] == "New" and not w.memos.credit_memos_of(w.bc_invoice(1).id)
    result = correct_invoices(w.deps, [revision_id])
    assert result["records"][0]["status"] == "Posted"


def test_a_redelivered_message_links_instead_of_creating() -> None:
    w = posted_world(correct_mode=CorrectMode.CREATE_CREDIT_MEMO)
    w.revise(2, 1, {1: 12})
    run_project_invoices(w.deps)
    [(_, message)] = [m for m in w.bus.sent if m[0] == Queue.PROJECT_CREDIT_NOTES]
    drain(w)
    body = CorrectMessage.model_validate_json(message.body)
    assert handle_correct_message(w.deps, body).value == "Created"  # delivered again
    assert len(w.memos.credit_memos_of(w.bc_invoice(1).id)) == 1


def test_the_same_message_delivered_twice_at_once_makes_one_credit_memo() -> None:
    """Two workers take the same Correct Invoice message at the same moment: the lease per
    revision lets one write; the other waits, then finds it done."""
    w = posted_world(correct_mode=CorrectMode.CREATE_CREDIT_MEMO)
    w.revise(2, 1, {1: 12})
    run_project_invoices(w.deps)
    [(_, message)] = [m for m in w.bus.sent if m[0] == Queue.PROJECT_CREDIT_NOTES]
    body = CorrectMessage.model_validate_json(message.body)
    w.bc.latency = 0.05  # widens the race: each BC write waits before it lands
    start, outcomes = threading.Barrier(2), []

    def worker() -> None:
        start.wait()
        outcomes.append(handle_correct_message(w.deps, body).value)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["Created", "Created"]
    assert len(w.memos.credit_memos_of(w.bc_invoice(1).id)) == 1


def test_a_credit_memo_made_by_an_attempt_whose_answer_was_lost_is_linked() -> None:
    w = posted_world(correct_mode=CorrectMode.CREATE_CREDIT_MEMO)
    w.revise(2, 1, {1: 12})
    original_create = w.bc.create_document

    def create_then_lose(document: Any) -> Any:
        original_create(document)
        raise UncertainWriteError("connection reset after BC wrote it")

    w.bc.create_document = create_then_lose  # type: ignore[method-assign]
    run_project_invoices(w.deps)
    with pytest.raises(UncertainWriteError):
        drain(w)
    w.bc.create_document = original_create  # type: ignore[method-assign]
    assert correct_invoices(w.deps, [guid(102)])["records"][0]["status"] == "Created"
    [memo] = w.memos.credit_memos_of(w.bc_invoice(1).id)
    assert w.memos.marks[memo.id][0] == guid(102)


def test_non_changeable_fields_are_sent_to_bc_before_correcting() -> None:
    w = posted_world(non_changeable_fields=("postingDate", "lines/quantity"))
    revision_id = w.revise(2, 1, {})
    correct_invoices(w.deps, [revision_id])
    assert w.memos.non_changeable == ("postingDate", "lines/quantity")


def test_a_non_changeable_field_changed_in_bc_is_reported_on_the_row() -> None:
    """BC refuses the change while the setting names the field; one made before (or with
    the setting off) is found when the poll looks at the unposted credit memo."""
    w = posted_world(correct_mode=CorrectMode.CREATE_CREDIT_MEMO,
                     non_changeable_fields=("postingDate", "lines/quantity"))  # fmt: skip
    revision_id = w.revise(2, 1, {})
    correct_invoices(w.deps, [revision_id])
    [memo] = w.memos.credit_memos_of(w.bc_invoice(1).id)
    run_project_invoices(w.deps)
    assert w.credit(2)["Error"] == ""  # nothing changed yet
    memo.posting_date = date(2025, 3, 9)  # a BC user's change
    run_project_invoices(w.deps)
    credit = w.credit(2)
    assert credit["Status"] == "Created"
    assert "postingDate '2025-03-01' → '2025-03-09'" in credit["Error"]
    assert (
        "PROJECT_NON_CHANGEABLE_FIELDS"
        in w.crm.get("invoices", revision_id)["bcs_bcintegrationmessage"]
    )


def test_a_customer_uncoupled_since_is_transient_for_correct_invoice() -> None:
    """The queue handler gets a transient error (the message comes back later), not a
    crash, and the row waits as New."""
    w = posted_world(correct_mode=CorrectMode.CREATE_CREDIT_MEMO)
    w.revise(2, 1, {1: 12})
    run_project_invoices(w.deps)
    Couplings(w.deps.store).remove(Coupling("customers", guid(50), ACCOUNT, "C00010"))
    with pytest.raises(TransientError, match="is not in BC yet"):
        drain(w)
    assert w.credit(2)["Status"] == "New" and not w.memos.credit_memos_of(w.bc_invoice(1).id)


def test_a_dead_lettered_correction_says_so_on_its_row_and_how_to_replay_it() -> None:
    w = posted_world(integration_active=False)
    revision_id = w.revise(2, 1, {})
    process_confirmed_invoices(w.deps)
    note_dead_letter(w.deps, revision_id, Queue.PROJECT_CREDIT_NOTES, "BC unavailable",
                     timedelta(hours=4))  # fmt: skip
    row = w.credit(2)
    assert row["Status"] == "New" and row["Error"].startswith(
        "dead-lettered after failing for 4.0 h: BC unavailable. Once the cause is fixed"
    )
    assert "hub dead-letters replay project-credit-notes" in row["Error"]


def test_correct_invoice_refuses_an_invoice_that_is_no_revision() -> None:
    w = world()
    invoice_id = w.invoice(1, LINES)
    with pytest.raises(ValidationError) as raised:
        correct_invoices(w.deps, [invoice_id])
    assert raised.value.field == "msdyn_correction"


def test_a_revision_that_keeps_everything_credits_nothing() -> None:
    w = posted_world()
    w.revise(2, 1, {1: 20, 2: 1})
    run_project_invoices(w.deps)
    assert drain(w) == ["Nothing to credit"]
    assert not w.memos.credit_memos_of(w.bc_invoice(1).id)
