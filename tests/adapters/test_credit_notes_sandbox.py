"""Project Operations invoices and their revisions → BC, against both simulators over real
HTTP (product document 001): the Dataverse simulator's project invoices, revisions and
BC Invoice Stagings as the source, the BC simulator's v2.0 sales invoices and credit
memos with the companion `projectCreditMemos` / `projectCreditMemoSetup`
(sandbox/BC_CUSTOM_API.md) as the target.

Every test makes its own account (a fresh BC customer) and invoices with fresh numbers,
and looks at its own records only; what it changes for everyone (closed periods, the
non-changeable fields) it puts back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest

from sandbox.business_central.project_credit_memos import SETUP, SETUP_ID
from sandbox.run import RunningSandbox
from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.business_central.credit_memos import BcCreditMemosClient
from shared.adapters.dataverse.client import DataverseClient
from shared.config import Settings
from shared.domain.credit_notes import (
    INTEGRATION_STATUS,
    PO_CONFIRMED,
    CorrectMessage,
    CorrectMode,
    CreditNoteSetup,
)
from shared.domain.invoices import DocumentKind
from shared.entities.project_invoices import HEADER_COLUMNS
from shared.errors import RejectedError
from shared.flows.credit_notes import correct_invoices, handle_correct_message
from shared.flows.crm_mapping import MappingJob, map_crm_data
from shared.flows.crm_sync import run_bc_to_crm
from shared.flows.deps import Deps
from shared.flows.project_invoices import document_id
from shared.flows.project_poll import WATERMARK, process_confirmed_invoices, run_project_invoices
from shared.registry import Queue
from shared.sync.maps import Direction
from shared.sync.project_staging import credit_memo_staging, invoice_staging
from shared.sync.watermarks import Watermarks
from tests.adapters.crm_support import clients, connector_deps
from tests.adapters.test_crm_documents_sandbox import account
from tests.fakes.bus import InMemoryBus

pytestmark = pytest.mark.sandbox

PROJECT = {"PROJECT": "ADATUM-CLOUD"}  # BC's value of the Dataverse project on every line
STAGING_LINES = "bcs_bcs_bcinvoicestaging_bcs_bcinvoicestagingline_InvoiceStaging"
SETUP_ON = CreditNoteSetup(integration_active=True, revenue_account="6100", dimension="PROJECT")
WORK = [
    {"description": "Cloud design workshop", "category": "Consulting Hours", "quantity": 8,
     "price": 120},
    {"description": "Migration runbook", "category": "Consulting Hours", "quantity": 4,
     "price": 150},
]  # fmt: skip


@dataclass
class World:
    """One test's hub (staging in memory) on both simulators, with its own coupled account."""

    deps: Deps
    sandbox: RunningSandbox
    account_id: str
    customer: str  # the account's BC customer No.
    project_id: str  # Dataverse project "Adatum Cloud Migration" (BC value ADATUM-CLOUD)
    settings: Settings

    @property
    def bc(self) -> BusinessCentralClient:
        return clients(self.deps)[0]

    @property
    def crm(self) -> DataverseClient:
        return clients(self.deps)[1]

    def setup(self, **changes: Any) -> World:
        return replace(self, deps=replace(self.deps, credit_notes=replace(
            self.deps.credit_notes, **changes)))  # fmt: skip

    def invoice(self, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """A confirmed project invoice, its details (in order) under "details"."""
        row = self.sandbox.dataverse.create_project_invoice(
            f"PO-{uuid.uuid4().hex[:8].upper()}", self.account_id, self.project_id,
            details or WORK, confirm=True,
        )  # fmt: skip
        invoice = dict(row)
        invoice["details"] = list(self.crm.rows(
            "msdyn_invoicelinetransactions",
            filter=f"_msdyn_invoice_value eq {invoice['invoiceid']}"))  # fmt: skip
        invoice["details"].sort(key=lambda d: [w["description"] for w in (details or WORK)]
                                .index(d["msdyn_description"]))  # fmt: skip
        return invoice

    def in_bc(self, invoice: Mapping[str, Any]) -> dict[str, Any]:
        """The original written to BC (process), answered as the BC simulator holds it."""
        report = process_confirmed_invoices(self.deps, [invoice["invoiceid"]])
        assert report.created == 1, report.as_dict()
        return self.bc_invoice(invoice)

    def bc_invoice(self, invoice: Mapping[str, Any]) -> dict[str, Any]:
        return self.sandbox.business_central.admin.document(
            "salesInvoices", document_id("invoice", str(invoice["invoiceid"]))
        )

    def posted(self, invoice: Mapping[str, Any]) -> dict[str, Any]:
        """The original written to BC and posted there by a BC user."""
        created = self.in_bc(invoice)
        document = self.deps.bc.get_document(DocumentKind.SALES_INVOICE, created["id"])
        assert document is not None
        self.deps.bc.post_document(document)
        return self.bc_invoice(invoice)

    def revise(self, invoice: Mapping[str, Any], kept: Mapping[int, float] | None = None,
               *, confirm: bool = True) -> str:  # fmt: skip
        """A revision keeping `kept` (detail index → quantity); everything else credited."""
        details = invoice["details"]
        revision = self.sandbox.dataverse.revise_project_invoice(
            invoice["invoiceid"], confirm=confirm,
            kept={details[i]["msdyn_invoicelinetransactionid"]: q
                  for i, q in (kept or {}).items()},
        )  # fmt: skip
        return str(revision["invoiceid"])

    def correct(self, revision_id: str) -> dict[str, Any]:
        outcome = correct_invoices(self.deps, [revision_id])
        [record] = outcome["records"]
        return dict(credit_memo_staging(self.deps.store).get(revision_id)) | {"outcome": record}

    def staged(self, invoice: Mapping[str, Any]) -> dict[str, Any]:
        return invoice_staging(self.deps.store).get(str(invoice["invoiceid"]))

    def credit_memo(self, credit_memo_id: str) -> dict[str, Any]:
        return self.sandbox.business_central.admin.document("salesCreditMemos", credit_memo_id)


@pytest.fixture
def world(sandbox_settings: Settings, sandbox: RunningSandbox) -> Iterator[World]:
    """The integration active in Cancel invoice mode; currencies mapped; a fresh account
    made a BC customer by the CRM → BC customers flow (so coupled); the poll's change
    tracking starting now, so a poll reads this test's changes, not the session's."""
    deps = connector_deps(sandbox_settings)
    bc, crm = clients(deps)
    memos = BcCreditMemosClient(bc.http, company_id=str(sandbox_settings.bc_company_id))
    deps = replace(deps, bc_credit_memos=memos, credit_notes=SETUP_ON)
    run_bc_to_crm(deps, ["payment-terms", "countries-regions"])
    map_crm_data(deps, MappingJob.CURRENCIES)
    account_id = account(deps)
    customer = str(crm.get("accounts", account_id)["bcs_bccustomerno"])
    project = next(crm.rows("msdyn_projects", filter="msdyn_subject eq 'Adatum Cloud Migration'"))
    feed = crm.changes("invoices", select=HEADER_COLUMNS, delta_link=None)
    list(feed)
    assert feed.delta_link
    Watermarks(deps.store).keep_token(Direction.CRM_TO_BC, WATERMARK, feed.delta_link,
                                      deps.clock())  # fmt: skip
    yield World(deps, sandbox, account_id, customer, str(project["msdyn_projectid"]),
                sandbox_settings)  # fmt: skip
    admin = sandbox.business_central.admin
    admin.upsert(SETUP, {"id": SETUP_ID, "nonChangeableFields": ""})


def dataverse_staging(world: World, invoice_id: str) -> dict[str, Any]:
    """The BC Invoice Staging row Project Operations users see, with its lines."""
    return world.crm.get("bcs_bcinvoicestagings", document_id("staging", invoice_id),
                         expand=STAGING_LINES)  # fmt: skip


def write_back(world: World, invoice_id: str) -> dict[str, Any]:
    return world.crm.get("invoices", invoice_id, select=[
        "bcs_bcinvoiceno", "bcs_bccreditmemono", "bcs_bccreditmemoposted",
        "bcs_bcintegrationstatus", "bcs_bcintegrationmessage", "msdyn_projectinvoicestatus",
    ])  # fmt: skip


def bc_lines(document: Mapping[str, Any], lines: str) -> list[tuple[Any, ...]]:
    """(account, description, quantity, unit price, dimensions), sorted (the order itself
    is pinned by its own test)."""
    return sorted(
        (line["lineObjectNumber"], line["description"], line["quantity"], line["unitPrice"],
         {d["code"]: d["valueCode"] for d in line["dimensionSetLines"]})
        for line in document[lines]
    )  # fmt: skip


def test_bc_lines_follow_the_invoice_lines_then_the_details_descriptions(world: World) -> None:
    """The BC invoice shows the details as the project invoice groups them: by its lines
    (Line Item Number: one per class, category and price here), then by description, not
    in the order Dataverse happens to return details made in the same instant."""
    invoice = world.invoice([
        {"description": "Delta workshop", "category": "Consulting Hours", "quantity": 2, "price": 120},
        {"description": "Bravo travel", "category": "Travel Expenses", "transaction_class": "Expense",
         "quantity": 1, "price": 90},
        {"description": "Alpha workshop", "category": "Consulting Hours", "quantity": 3, "price": 120},
    ])  # fmt: skip
    created = world.in_bc(invoice)
    lines = sorted(created["salesInvoiceLines"], key=lambda line: line["sequence"])
    assert [line["description"] for line in lines] == [
        "Alpha workshop", "Delta workshop", "Bravo travel"]  # fmt: skip


def remaining(world: World, bc_invoice_id: str) -> float:
    """The invoice's remaining amount as v2.0 reads it (its open ledger entry)."""
    memos = world.deps.bc_credit_memos
    assert memos is not None
    state = memos.sales_invoice(bc_invoice_id)
    assert state is not None
    return state.remaining_amount


def credit_memos_of(world: World, bc_invoice_id: str) -> list[dict[str, Any]]:
    memos = world.deps.bc_credit_memos
    assert memos is not None
    return [world.credit_memo(memo.id) for memo in memos.credit_memos_for_invoice(bc_invoice_id)]


def end_of_this_month() -> date:
    today = date.today()
    first_of_next = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


# --- originals --------------------------------------------------------------------------------
def test_a_confirmed_invoice_reaches_bc_and_the_dataverse_staging(world: World) -> None:
    """Process Confirmed Invoices: one BC sales invoice on the revenue account with the
    project's dimension value on each line; the staging row and its lines in Dataverse;
    the BC number on the Project Operations invoice. Posted by a BC user, the poll
    brings Posted in BC back."""
    invoice = world.invoice()
    created = world.in_bc(invoice)

    assert (created["externalDocumentNumber"], created["customerNumber"], created["status"]) == (
        invoice["invoicenumber"], world.customer, "Draft")  # fmt: skip
    assert {line["lineType"] for line in created["salesInvoiceLines"]} == {"Account"}
    assert bc_lines(created, "salesInvoiceLines") == [
        ("6100", "Cloud design workshop", 8, 120, PROJECT),
        ("6100", "Migration runbook", 4, 150, PROJECT)]  # fmt: skip
    assert created["totalAmountIncludingTax"] == 1560
    staged = world.staged(invoice)
    assert (staged["Status"], staged["BcUnpostedInvoiceNo"], staged["CustomerAccountNumber"]) == (
        "Created in BC", created["number"], world.customer)  # fmt: skip
    mirror = dataverse_staging(world, invoice["invoiceid"])
    assert (mirror["bcs_name"], mirror["bcs_status"], mirror["bcs_bcunpostedinvoiceno"],
            mirror["bcs_customeraccountnumber"], mirror["_bcs_invoice_value"]) == (
        invoice["invoicenumber"], 100000001, created["number"], world.customer,
        invoice["invoiceid"])  # fmt: skip
    project = ("Adatum Cloud Migration", world.project_id)  # the project's name and id
    assert sorted((line["bcs_description"], line["bcs_quantity"], line["bcs_unitprice"],
                   (line["bcs_dimensioncode"], line["bcs_dimensionvalue"]), line["bcs_coupled"])
                  for line in mirror[STAGING_LINES]) == [
        ("Cloud design workshop", 8, 120, project, True),
        ("Migration runbook", 4, 150, project, True)]  # fmt: skip
    back = write_back(world, invoice["invoiceid"])
    assert (back["bcs_bcinvoiceno"], back["bcs_bcintegrationstatus"]) == (
        created["number"], INTEGRATION_STATUS["Created"])  # fmt: skip

    again = process_confirmed_invoices(world.deps, [invoice["invoiceid"]])
    copies = [d for d, _ in world.sandbox.business_central.admin.store.snapshot("salesInvoices")
              if d["externalDocumentNumber"] == invoice["invoicenumber"]]  # fmt: skip
    assert again.created == 0 and len(copies) == 1
    document = world.deps.bc.get_document(DocumentKind.SALES_INVOICE, created["id"])
    assert document is not None
    world.deps.bc.post_document(document)
    report = run_project_invoices(world.deps)
    posted = world.bc_invoice(invoice)
    assert report.posted >= 1, report.as_dict()
    assert (world.staged(invoice)["Status"], world.staged(invoice)["BcPostedInvoiceNo"]) == (
        "Posted in BC", posted["number"])  # fmt: skip
    mirror = dataverse_staging(world, invoice["invoiceid"])
    assert (mirror["bcs_status"], mirror["bcs_bcpostedinvoiceno"]) == (100000002, posted["number"])
    assert write_back(world, invoice["invoiceid"])["bcs_bcinvoiceno"] == posted["number"]


# --- Correct Invoice of a posted invoice ----------------------------------------------------
def test_a_full_revision_cancels_the_posted_invoice_in_bc(world: World) -> None:
    """Cancel invoice mode, everything taken back: BC's own correction (cancel) posts a
    Corrective credit memo applied to the invoice; both stagings and both Project
    Operations invoices learn its number. A redelivered message makes nothing more."""
    invoice = world.invoice()
    posted = world.posted(invoice)
    revision_id = world.revise(invoice)

    row = world.correct(revision_id)

    after = world.bc_invoice(invoice)
    [memo] = credit_memos_of(world, posted["id"])
    assert (row["Status"], row["Coupled"], row["Error"]) == ("Posted", True, "")
    assert after["status"] == "Canceled" and memo["status"] == "Corrective"
    assert (memo["invoiceId"], memo["totalAmountIncludingTax"]) == (posted["id"], 1560)
    assert (row["BcPostedCreditMemoId"], row["BcPostedInvoiceNo"], row["InvoiceId"]) == (
        memo["number"], posted["number"], invoice["invoiceid"])  # fmt: skip
    assert sorted((line["Quantity"], line["Coupled"]) for line in credit_memo_staging(
        world.deps.store).lines(revision_id)) == [(4, True), (8, True)]  # fmt: skip
    staged = world.staged(invoice)
    assert (staged["Status"], staged["IsCorrectionInvoice"], staged["CreditNoteInvoiceId"],
            staged["BcPostedCreditMemoId"], staged["BcPostedInvoiceNo"]) == (
        "Credited", True, revision_id, memo["number"], posted["number"])  # fmt: skip
    mirror = dataverse_staging(world, invoice["invoiceid"])
    assert (mirror["bcs_status"], mirror["bcs_iscorrectioninvoice"],
            mirror["bcs_creditnoteinvoiceid"], mirror["bcs_bcpostedcreditmemoid"],
            mirror["bcs_bcpostedinvoiceno"]) == (
        100000003, True, revision_id, memo["number"], posted["number"])  # fmt: skip
    revision = write_back(world, revision_id)
    assert (revision["bcs_bccreditmemono"], revision["bcs_bccreditmemoposted"],
            revision["bcs_bcintegrationstatus"]) == (memo["number"], True,
                                                     INTEGRATION_STATUS["Credited"])  # fmt: skip
    memos = world.deps.bc_credit_memos
    assert memos is not None
    marked = memos.credit_memo_for_revision(revision_id)
    assert marked is not None and marked.id == memo["id"]

    redelivered = handle_correct_message(world.deps, CorrectMessage(revision_id=revision_id))
    assert redelivered.value == "Posted" and len(credit_memos_of(world, posted["id"])) == 1


def test_a_partial_revision_posts_a_credit_memo_of_the_differences(world: World) -> None:
    """Part taken back (Allow Partial Credit Notes on): a credit memo applied to the
    invoice, a line per changed line with original − revised quantity and the project
    dimension, posted; the invoice's remaining amount shrinks by it. A second Correct
    Invoice after the hub lost its record links the credit memo BC has, makes none."""
    invoice = world.invoice()
    posted = world.posted(invoice)
    revision_id = world.revise(invoice, {0: 5})  # 8 → 5 hours; the runbook (4) taken back

    row = world.correct(revision_id)

    [memo] = credit_memos_of(world, posted["id"])
    assert (row["Status"], row["Coupled"], row["Error"]) == ("Posted", True, ""), row
    assert memo["status"] == "Paid"  # posted and applied in full to the invoice
    assert memo["number"] == row["BcPostedCreditMemoId"]
    assert (memo["externalDocumentNumber"], memo["customerNumber"]) == (
        row["RevisionNumber"], world.customer)  # fmt: skip
    assert bc_lines(memo, "salesCreditMemoLines") == [
        ("6100", "Cloud design workshop", 3, 120, PROJECT),
        ("6100", "Migration runbook", 4, 150, PROJECT)]  # fmt: skip
    assert memo["totalAmountIncludingTax"] == row["TotalAmount"] == 3 * 120 + 4 * 150
    assert row["TotalTax"] == memo["totalTaxAmount"]  # BC's, as the staging shows it
    assert remaining(world, posted["id"]) == 1560 - 960
    lines = credit_memo_staging(world.deps.store).lines(revision_id)
    assert sorted((line["OriginalQuantity"], line["RevisedQuantity"], line["Quantity"],
                   line["LineAmount"]) for line in lines) == [
        (4, 0, 4, 600), (8, 5, 3, 360)]  # fmt: skip
    assert world.staged(invoice)["Status"] == "Credited"

    credit_memo_staging(world.deps.store).save(revision_id, Status="New", Coupled=False)
    again = world.correct(revision_id)
    assert (again["Status"], again["BcCreditMemoId"]) == ("Posted", memo["id"])
    assert len(credit_memos_of(world, posted["id"])) == 1


def test_a_revision_of_a_revision_takes_back_the_difference_from_the_one_before(
    world: World,
) -> None:
    """The simulator's revise of a confirmed revision: corrective details pointing at the
    revision's. The second credit memo is applied to the original BC invoice and takes
    back only what the second revision no longer keeps (revise-project-invoices)."""
    invoice = world.invoice()
    posted = world.posted(invoice)
    first = world.revise(invoice, {0: 5})  # 8 → 5 hours; the runbook taken back
    assert world.correct(first)["Status"] == "Posted"
    revised = dict(world.crm.get("invoices", first)) | {"invoiceid": first}
    revised["details"] = sorted(
        world.crm.rows("msdyn_invoicelinetransactions", filter=f"_msdyn_invoice_value eq {first}"),
        key=lambda d: [w["description"] for w in WORK].index(d["msdyn_description"]))  # fmt: skip
    second = world.revise(revised, {0: 2, 1: 0})  # of the 5 hours, 2 kept

    row = world.correct(second)

    assert (row["Status"], row["InvoiceId"]) == ("Posted", invoice["invoiceid"]), row
    memos = sorted(credit_memos_of(world, posted["id"]), key=lambda m: m["number"])
    assert bc_lines(memos[-1], "salesCreditMemoLines") == [
        ("6100", "Cloud design workshop", 3, 120, PROJECT)]  # fmt: skip
    assert remaining(world, posted["id"]) == 1560 - 960 - 360


def test_create_credit_memo_mode_leaves_it_for_the_user_then_the_poll_finds_it_posted(
    world: World,
) -> None:
    world = world.setup(correct_mode=CorrectMode.CREATE_CREDIT_MEMO)
    invoice = world.invoice()
    posted = world.posted(invoice)
    revision_id = world.revise(invoice)  # everything, but this mode never posts itself

    row = world.correct(revision_id)

    [memo] = credit_memos_of(world, posted["id"])
    assert (row["Status"], row["Coupled"], row["BcUnpostedCreditMemoId"]) == (
        "Created", True, memo["number"])  # fmt: skip
    assert memo["status"] == "Draft" and world.bc_invoice(invoice)["status"] == "Open"
    revision = write_back(world, revision_id)
    assert (revision["bcs_bccreditmemono"], revision["bcs_bccreditmemoposted"]) == (
        memo["number"], False)  # fmt: skip
    document = world.deps.bc.get_document(DocumentKind.SALES_CREDIT_MEMO, memo["id"])
    assert document is not None
    world.deps.bc.post_document(document)  # the BC user posts it

    report = run_project_invoices(world.deps)

    row = credit_memo_staging(world.deps.store).get(revision_id)
    number = world.credit_memo(memo["id"])["number"]
    assert report.posted >= 1 and (row["Status"], row["BcPostedCreditMemoId"]) == (
        "Posted", number), report.as_dict()  # fmt: skip
    revision = write_back(world, revision_id)
    assert (revision["bcs_bccreditmemono"], revision["bcs_bccreditmemoposted"]) == (number, True)
    assert remaining(world, posted["id"]) == 0


def test_the_non_changeable_fields_lock_the_unposted_credit_memo_in_bc(world: World) -> None:
    """PROJECT_NON_CHANGEABLE_FIELDS goes to BC before Correct Invoice; BC then refuses a
    user's v2.0 change of such a field on the credit memo from Project Operations."""
    world = world.setup(correct_mode=CorrectMode.CREATE_CREDIT_MEMO,
                        non_changeable_fields=("postingDate", "lines/quantity"))  # fmt: skip
    invoice = world.invoice()
    world.posted(invoice)
    row = world.correct(world.revise(invoice, {1: 1}))
    bc = world.bc
    setup = bc.http.get_json(f"{bc.companion_path}/{bc.company}/projectCreditMemoSetup")["value"]
    assert [r["nonChangeableFields"] for r in setup] == ["postingDate,lines/quantity"]

    v2 = f"{bc.api_path}/{bc.company}/salesCreditMemos"
    memo = bc.odata.get(v2, row["BcCreditMemoId"])
    later = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(RejectedError, match="You cannot change Posting Date"):
        bc.odata.update(v2, memo["id"], {"postingDate": later}, etag=memo["@odata.etag"])
    lines = f"{v2}({memo['id']})/salesCreditMemoLines"
    line = bc.http.get_json(lines)["value"][0]
    with pytest.raises(RejectedError, match="You cannot change Quantity"):
        bc.odata.update(lines, line["id"], {"quantity": 1}, etag=line["@odata.etag"])
    bc.odata.update(v2, memo["id"], {"phoneNumber": "0113 496 0000"},
                    etag=memo["@odata.etag"])  # other fields stay the user's  # fmt: skip
    assert world.credit_memo(row["BcCreditMemoId"])["postingDate"] == date.today().isoformat()


# --- refusals ------------------------------------------------------------------------------
def assert_refused(world: World, row: Mapping[str, Any], posted: Mapping[str, Any],
                   reason: str) -> None:  # fmt: skip
    assert (row["Status"], row["Coupled"]) == ("Refused", False), row
    assert reason in row["Error"]
    assert credit_memos_of(world, str(posted["id"])) == []
    revision = write_back(world, str(row["Id"]))
    assert revision["bcs_bcintegrationstatus"] == INTEGRATION_STATUS["Error"]
    assert reason in str(revision["bcs_bcintegrationmessage"])


def test_a_partial_revision_is_refused_when_partial_credit_notes_are_off(world: World) -> None:
    world = world.setup(allow_partial=False)
    invoice = world.invoice()
    posted = world.posted(invoice)
    row = world.correct(world.revise(invoice, {0: 5}))
    assert_refused(world, row, posted, "PROJECT_ALLOW_PARTIAL_CREDIT_NOTES")
    assert remaining(world, posted["id"]) == 1560


def test_a_paid_invoice_is_refused(world: World) -> None:
    invoice = world.invoice()
    posted = world.posted(invoice)
    world.sandbox.business_central.admin.settle(world.customer, posted["number"], 100)
    row = world.correct(world.revise(invoice))
    assert_refused(world, row, posted, "already paid or partly applied (100.00 of 1560.00")
    assert row["RefusedField"] == "remainingAmount"


def test_a_closed_period_is_refused(world: World) -> None:
    invoice = world.invoice()
    posted = world.posted(invoice)
    revision_id = world.revise(invoice)
    admin = world.sandbox.business_central.admin
    admin.close_periods(end_of_this_month())
    try:
        row = world.correct(revision_id)
    finally:
        admin.reopen_periods()
    assert_refused(world, row, posted, "closed period")
    assert world.bc_invoice(invoice)["status"] == "Open"


def test_a_blocked_customer_is_refused(world: World) -> None:
    invoice = world.invoice()
    posted = world.posted(invoice)
    revision_id = world.revise(invoice)
    admin = world.sandbox.business_central.admin
    admin.block("customers", world.customer, "All")
    try:  # read fresh by Correct Invoice, even right after this worker looked the customer up
        row = world.correct(revision_id)
    finally:
        admin.block("customers", world.customer, " ")
    assert_refused(world, row, posted, f"customer {world.customer} is blocked")


# --- cancel transactions, auto confirm -----------------------------------------------------
def test_a_revision_of_an_unposted_invoice_deletes_it_in_bc(world: World) -> None:
    """Cancel transactions: the BC invoice was never posted, so it is deleted and the
    revision recorded with BC Unposted Invoice Number = Deleted."""
    invoice = world.invoice()
    created = world.in_bc(invoice)
    revision_id = world.revise(invoice)

    row = world.correct(revision_id)

    memos = world.deps.bc_credit_memos
    assert memos is not None and memos.sales_invoice(created["id"]) is None
    assert (row["Status"], row["Coupled"], row["BcUnpostedInvoiceNo"]) == (
        "Deleted", True, "Deleted")  # fmt: skip
    assert world.staged(invoice)["Status"] == "Cancelled"
    assert dataverse_staging(world, invoice["invoiceid"])["bcs_status"] == 100000004
    assert write_back(world, revision_id)["bcs_bcintegrationstatus"] == INTEGRATION_STATUS[
        "Cancelled"]  # fmt: skip


def test_a_partial_revision_of_an_unposted_invoice_bills_the_kept_part_anew(world: World) -> None:
    invoice = world.invoice()
    created = world.in_bc(invoice)
    revision_id = world.revise(invoice, {0: 5})

    row = world.correct(revision_id)

    memos = world.deps.bc_credit_memos
    assert memos is not None and memos.sales_invoice(created["id"]) is None
    assert row["Status"] == "Deleted"
    anew = world.sandbox.business_central.admin.document(
        "salesInvoices", document_id("invoice", revision_id)
    )
    assert bc_lines(anew, "salesInvoiceLines") == [
        ("6100", "Cloud design workshop", 5, 120, PROJECT)
    ]
    assert anew["customerNumber"] == world.customer
    billed = invoice_staging(world.deps.store).get(revision_id)
    assert (billed["Status"], billed["IsCorrectionInvoice"], billed["BcUnpostedInvoiceNo"]) == (
        "Created in BC", True, anew["number"])  # fmt: skip


def test_the_poll_confirms_a_draft_revision_and_queues_its_correction(world: World) -> None:
    """Auto Confirm Credit Note Invoice: the poll confirms the draft revision in Project
    Operations, stages it and queues Correct Invoice; the queue's handler credits it."""
    world = world.setup(auto_confirm=True)
    invoice = world.invoice()
    posted = world.posted(invoice)
    revision_id = world.revise(invoice, confirm=False)

    report = run_project_invoices(world.deps)

    assert (report.confirmed, report.revisions, report.queued) == (1, 1, 1), report.as_dict()
    assert write_back(world, revision_id)["msdyn_projectinvoicestatus"] == PO_CONFIRMED
    assert credit_memo_staging(world.deps.store).get(revision_id)["Status"] == "New"
    bus = world.deps.bus
    assert isinstance(bus, InMemoryBus)
    [message] = bus.receive(Queue.PROJECT_CREDIT_NOTES)
    status = handle_correct_message(world.deps, CorrectMessage.model_validate_json(message.body))
    bus.complete(message)
    assert status.value == "Posted"
    assert world.bc_invoice(invoice)["status"] == "Canceled"
    assert len(credit_memos_of(world, posted["id"])) == 1
    assert run_project_invoices(world.deps).queued == 0  # its write-backs queue nothing more
