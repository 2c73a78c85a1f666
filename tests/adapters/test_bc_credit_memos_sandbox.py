"""BcCreditMemosClient against the BC simulator over real HTTP: what the Project Operations
credit-notes flow reads and writes (sandbox/BC_CUSTOM_API.md `projectCreditMemos`,
`projectCreditMemoSetup`; v2.0 salesInvoices, salesCreditMemos, accountingPeriods)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from sandbox.business_central.admin import BusinessCentralAdmin
from sandbox.run import RunningSandbox
from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.business_central.credit_memos import BcCreditMemosClient
from shared.bootstrap import build_business_central
from shared.config import Settings
from shared.domain.invoices import DocumentKind
from shared.errors import RejectedError
from shared.ports.business_central import BcDocument, NewDocument, NewLine
from shared.ports.credit_memos import BcCreditMemos
from tests.sandbox.bc_documents import credit_memo_admin

pytestmark = pytest.mark.sandbox

LAST_YEAR = date.today().year - 1
PROJECT = {"PROJECT": "ADATUM-CLOUD"}


@pytest.fixture
def bc(sandbox_settings: Settings) -> BusinessCentralClient:
    return build_business_central(sandbox_settings)


@pytest.fixture
def memos(bc: BusinessCentralClient, sandbox_settings: Settings) -> BcCreditMemosClient:
    return BcCreditMemosClient(bc.http, company_id=str(sandbox_settings.bc_company_id))


@pytest.fixture
def admin(sandbox: RunningSandbox) -> Iterator[BusinessCentralAdmin]:
    """The simulator's admin API; periods reopened and nothing locked afterwards."""
    yield from credit_memo_admin(sandbox)


def document(
    kind: DocumentKind, amount: float, *, posting: date | None = None, applies_to: str = ""
) -> NewDocument:
    line = NewLine("Account", "6100", "Project revenue", 1, amount, dimensions=PROJECT)
    return NewDocument(
        kind, "C00010", posting or date.today(), None, "", f"PO-{uuid.uuid4().hex[:10]}",
        [line], applies_to_invoice_id=applies_to,
    )  # fmt: skip


def posted_invoice(
    bc: BusinessCentralClient, amount: float, posting: date | None = None
) -> BcDocument:
    created = bc.create_document(document(DocumentKind.SALES_INVOICE, amount, posting=posting))
    return bc.post_document(created)


def line_dimensions(bc: BusinessCentralClient, credit_memo_id: str) -> list[dict[str, str]]:
    path = f"{bc.api_path}/{bc.company}/salesCreditMemos({credit_memo_id})/salesCreditMemoLines"
    lines: list[dict[str, Any]] = bc.http.get_json(path, params={"$expand": "dimensionSetLines"})[
        "value"
    ]
    return [{d["code"]: d["valueCode"] for d in line["dimensionSetLines"]} for line in lines]


def test_the_client_is_the_port(memos: BcCreditMemosClient) -> None:
    port: BcCreditMemos = memos
    assert port is memos


def test_a_credit_memo_applied_to_an_invoice_shrinks_what_remains(
    bc: BusinessCentralClient, memos: BcCreditMemosClient
) -> None:
    invoice = posted_invoice(bc, 1000)
    before = memos.sales_invoice(invoice.id)
    assert before is not None and before.posted
    assert (before.status, before.remaining_amount, before.total_including_tax) == (
        "Open",
        1000,
        1000,
    )
    credit = bc.create_document(
        document(DocumentKind.SALES_CREDIT_MEMO, 300, applies_to=invoice.id)
    )
    [dimensions] = line_dimensions(bc, credit.id)  # the customer's defaults and PROJECT
    assert dimensions["PROJECT"] == "ADATUM-CLOUD"
    bc.post_document(credit)
    after = memos.sales_invoice(invoice.id)
    assert after is not None and (after.status, after.remaining_amount) == ("Open", 700)
    [found] = memos.credit_memos_for_invoice(invoice.id)
    assert (found.id, found.invoice_id, found.posted, found.total_including_tax) == (
        credit.id, invoice.id, True, 300)  # fmt: skip
    assert memos.sales_invoice(str(uuid.uuid4())) is None


def test_cancel_returns_the_corrective_credit_memo_even_when_asked_twice(
    bc: BusinessCentralClient, memos: BcCreditMemosClient
) -> None:
    invoice = posted_invoice(bc, 250)
    corrective = memos.cancel_invoice(invoice.id)
    assert (corrective.status, corrective.invoice_id, corrective.total_including_tax) == (
        "Corrective", invoice.id, 250)  # fmt: skip
    state = memos.sales_invoice(invoice.id)
    assert state is not None and (state.status, state.remaining_amount) == ("Canceled", 0)
    # BC refuses a second cancel ("already been cancelled"): the first one is the answer.
    assert memos.cancel_invoice(invoice.id).id == corrective.id


def test_cancel_is_refused_for_a_paid_invoice(
    bc: BusinessCentralClient, memos: BcCreditMemosClient, admin: BusinessCentralAdmin
) -> None:
    invoice = posted_invoice(bc, 90)
    admin.settle("C00010", invoice.number)
    state = memos.sales_invoice(invoice.id)
    assert state is not None and (state.status, state.remaining_amount) == ("Paid", 0)
    with pytest.raises(RejectedError, match="fully or partially paid"):
        memos.cancel_invoice(invoice.id)


def test_a_closed_period_is_reported_and_refuses_posting(
    bc: BusinessCentralClient, memos: BcCreditMemosClient, admin: BusinessCentralAdmin
) -> None:
    admin.close_periods(date(LAST_YEAR, 4, 30))
    assert memos.closed_period(date(LAST_YEAR, 4, 15)) == "April"
    assert memos.closed_period(date(LAST_YEAR, 1, 1)) == "January"
    assert memos.closed_period(date(LAST_YEAR, 5, 1)) is None
    assert memos.closed_period(date(1990, 1, 1)) is None  # before the first period
    draft = bc.create_document(
        document(DocumentKind.SALES_INVOICE, 40, posting=date(LAST_YEAR, 4, 10))
    )
    with pytest.raises(RejectedError, match="not within your range of allowed posting dates"):
        bc.post_document(draft)


def test_the_lock_refuses_a_users_change_and_the_revision_finds_the_credit_memo(
    bc: BusinessCentralClient, memos: BcCreditMemosClient, admin: BusinessCentralAdmin
) -> None:
    memos.set_non_changeable_fields(["postingDate", "lines/quantity"])
    invoice = posted_invoice(bc, 500)
    credit = bc.create_document(
        document(DocumentKind.SALES_CREDIT_MEMO, 100, applies_to=invoice.id)
    )
    revision, po_invoice = str(uuid.uuid4()), str(uuid.uuid4())
    memos.mark_credit_memo(credit.id, revision, po_invoice)
    path = f"{bc.api_path}/{bc.company}/salesCreditMemos({credit.id})"
    with pytest.raises(RejectedError, match="You cannot change Posting Date on Sales Credit Memo"):
        bc.http.request(
            "PATCH", path, json={"postingDate": "2026-01-05"}, headers={"If-Match": "*"}
        )
    found = memos.credit_memo_for_revision(revision)
    assert found is not None and (found.id, found.project_revision_id) == (credit.id, revision)
    assert not found.posted and found.invoice_id == invoice.id
    assert memos.credit_memo_for_revision(str(uuid.uuid4())) is None
    with pytest.raises(RejectedError, match="lines/colour"):
        memos.set_non_changeable_fields(["lines/colour"])


def test_deleting_an_unposted_invoice_twice_and_a_posted_one(
    bc: BusinessCentralClient, memos: BcCreditMemosClient
) -> None:
    draft = bc.create_document(document(DocumentKind.SALES_INVOICE, 15))
    memos.delete_unposted_invoice(draft.id)
    assert memos.sales_invoice(draft.id) is None
    memos.delete_unposted_invoice(draft.id)  # gone already: nothing to do
    posted = posted_invoice(bc, 15)
    with pytest.raises(RejectedError, match="Allow Document Deletion Before"):
        memos.delete_unposted_invoice(posted.id)


def test_project_dimension_values_by_code_or_name(memos: BcCreditMemosClient) -> None:
    assert memos.project_dimension_value("PROJECT", "adatum cloud migration") == "ADATUM-CLOUD"
    assert memos.project_dimension_value("PROJECT", "Mueller-ERP") == "MUELLER-ERP"
    assert memos.project_dimension_value("PROJECT", "Müller ERP Rollout") == "MUELLER-ERP"
    assert memos.project_dimension_value("PROJECT", "Fabrikam Website") is None
    assert memos.project_dimension_value("PROGRAMME", "Adatum Cloud Migration") is None
