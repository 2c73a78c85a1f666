"""Project Operations invoices for the sandbox: made with lines and details, and revised.

Making one (`create_project_invoice`, `POST /_sandbox/project-invoices`) stands in for
the app's invoice run over approved actuals: a Draft invoice for an account and a project
(work based, in the given currency, the base one by default) whose lines group the
given details by transaction class, category and price; each detail becomes an invoice
line detail of type Billed Sales. With `confirm` the invoice is then confirmed by the
same update a client sends (`msdyn_projectinvoicestatus` → Confirmed).

Revising (correcting) a confirmed Project Operations invoice, as
dynamics-365-project-operations `proforma-invoicing/revise-project-invoices` describes
it: only a Confirmed (or paid) invoice can be revised; the revision is a new Draft invoice
with copies of the invoice lines and line details, every quantity set to zero (the
original is fully credited) unless the corrector keeps part of it; the copied details
have Correction = Yes and point at the detail they correct; the new invoice has Has
corrections = Yes. The Web API documents no message for this (the app's Revise button
runs it), so the sandbox offers it in-process (`revise_project_invoice`) and as
`POST /_sandbox/invoices/<id>/revise`; `confirm` also confirms the revision, as the
product's "Auto confirm credit note invoice" parameter does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandbox.dataverse import errors
from sandbox.dataverse.body import Body, copy_columns
from sandbox.dataverse.context import Call
from sandbox.dataverse.tables import Catalog
from sandbox.dataverse.tables.project import BILLING_TYPES, TRANSACTION_CLASSES
from sandbox.dataverse.tables.sales import WRITE_BACK_COLUMNS
from sandbox.dataverse.writes import Writer
from sandbox.odata.store import Record, RecordNotFound

DRAFT, CONFIRMED, PAID = 192350000, 192350002, 192350003
TIME, CHARGEABLE, BILLED_SALES = 192350000, 192350001, 192350006
WORK_BASED, TIME_AND_MATERIAL, PROJECT_SERVICE_LINE = 192350001, 192350000, 690970000
DETAILS = "msdyn_invoice_msdyn_invoicelinetransaction_Invoice"


def _option(options: Mapping[int, str], value: Any) -> int:
    """A choice value given as its value or its label (case-insensitive)."""
    if isinstance(value, int) and value in options:
        return value
    for option, label in options.items():
        if isinstance(value, str) and label.lower() == value.lower():
            return option
    raise ValueError(f"{value!r} is none of {sorted(options.values())}")


class ProjectInvoiceDetail(BaseModel):
    """One invoice line detail: what was done, its category and class, quantity and price."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    category: str | None = None  # transaction category name; made when missing
    transaction_class: int = TIME  # value or label: "Time", "Expense", "Material", …
    billing_type: int = CHARGEABLE  # value or label: "Chargeable", "Non Chargeable", …
    quantity: float
    price: float

    @field_validator("transaction_class", mode="before")
    @classmethod
    def _class(cls, value: Any) -> int:
        return _option(TRANSACTION_CLASSES, value)

    @field_validator("billing_type", mode="before")
    @classmethod
    def _billing(cls, value: Any) -> int:
        return _option(BILLING_TYPES, value)


class NewProjectInvoice(BaseModel):
    """Body of `POST /_sandbox/project-invoices`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    number: str = Field(min_length=1, max_length=100)
    account_id: str
    project_id: str
    currency: str | None = None  # ISO code; the base currency when None
    invoice_date: date | None = None  # today when None
    confirm: bool = False
    name: str | None = None  # "<project> <number>" when None
    details: tuple[ProjectInvoiceDetail, ...] = Field(min_length=1)


def create_project_invoice(
    writer: Writer, catalog: Catalog, call: Call, new: NewProjectInvoice
) -> tuple[Record, list[Record]]:
    """The new invoice and its line details in the order given.

    Raises ServiceError: 404 for an unknown account, project or currency, 412 for an
    invoice number in use, 400 for a value a column refuses.
    """
    store = writer.store
    project = _get(writer, "msdyn_project", new.project_id)
    _get(writer, "account", new.account_id)
    currency = _currency(writer, new.currency)
    when = (new.invoice_date or datetime.now(UTC).date()).isoformat()
    invoices = catalog.by_name("invoice")
    with store.atomic():
        invoice, _ = writer.create(call, invoices, {
            "name": new.name or f"{project['msdyn_subject']} {new.number}",
            "invoicenumber": new.number, "msdyn_invoicedate": when,
            "customerid_account@odata.bind": f"/accounts({new.account_id})",
            "transactioncurrencyid@odata.bind": currency,
            "msdyn_projectinvoicestatus": DRAFT, "msdyn_ordertype": WORK_BASED,
        })  # fmt: skip
        shared = {"transactioncurrencyid@odata.bind": currency,
                  "msdyn_Project@odata.bind": f"/msdyn_projects({project['msdyn_projectid']})"}  # fmt: skip
        details = _add_lines(writer, catalog, call, invoice["invoiceid"], new, shared, when)
        if new.confirm:
            writer.update(call, invoices, invoice["invoiceid"],
                          {"msdyn_projectinvoicestatus": CONFIRMED}, if_match=None)  # fmt: skip
        return store.get("invoices", invoice["invoiceid"])[0], details


def _add_lines(
    writer: Writer, catalog: Catalog, call: Call, invoice_id: str, new: NewProjectInvoice,
    shared: Record, when: str,
) -> list[Record]:  # fmt: skip
    """One invoice line per transaction class, category and price; a detail per given one."""
    groups: dict[tuple[int, str | None, float], list[ProjectInvoiceDetail]] = {}
    for given in new.details:
        key = (given.transaction_class, given.category, given.price)
        groups.setdefault(key, []).append(given)
    made: dict[ProjectInvoiceDetail, list[Record]] = {}
    lines = catalog.by_name("invoicedetail")
    details = catalog.by_name("msdyn_invoicelinetransaction")
    for number, ((_, category, price), members) in enumerate(groups.items(), start=1):
        line, _ = writer.create(call, lines, {
            **shared, "invoiceid@odata.bind": f"/invoices({invoice_id})", "lineitemnumber": number,
            "isproductoverridden": True, "productdescription": category or members[0].description,
            "ispriceoverridden": True, "priceperunit": price,
            "quantity": sum(d.quantity for d in members),
            "msdyn_billingmethod": TIME_AND_MATERIAL, "msdyn_linetype": PROJECT_SERVICE_LINE,
        })  # fmt: skip
        for detail in members:
            row, _ = writer.create(call, details, {
                **shared, "msdyn_description": detail.description,
                "msdyn_quantity": detail.quantity, "msdyn_price": detail.price,
                "msdyn_amount": round(detail.quantity * detail.price, 4),
                "msdyn_billingtype": detail.billing_type,
                "msdyn_transactionclassification": detail.transaction_class,
                "msdyn_transactiontypecode": BILLED_SALES, "msdyn_documentdate": when,
                "msdyn_Invoice@odata.bind": f"/invoices({invoice_id})",
                "msdyn_InvoiceLineId@odata.bind": f"/invoicedetails({line['invoicedetailid']})",
                "msdyn_TransactionCategory@odata.bind": _category(writer, catalog, call, category),
            })  # fmt: skip
            made.setdefault(detail, []).append(row)
    return [made[detail].pop(0) for detail in new.details]


def _get(writer: Writer, logical_name: str, key: str) -> Record:
    table = writer.catalog.by_name(logical_name)
    try:
        return writer.store.get(table.entity_set, key.lower())[0]
    except RecordNotFound:
        raise errors.not_found(logical_name, key) from None


def _currency(writer: Writer, code: str | None) -> str:
    """The bind URL of a currency by ISO code (the base currency for None)."""
    if code is None:
        return f"/transactioncurrencies({writer.base_currency})"
    found = writer.store.find("transactioncurrencies", "isocurrencycode", code)
    if not found:
        raise errors.not_found_by_key("transactioncurrency")
    return f"/transactioncurrencies({found[0][0]['transactioncurrencyid']})"


def _category(writer: Writer, catalog: Catalog, call: Call, name: str | None) -> str | None:
    """The bind URL of a transaction category by name, made when missing."""
    if name is None:
        return None
    found = writer.store.find("msdyn_transactioncategories", "msdyn_name", name)
    if found:
        return f"/msdyn_transactioncategories({found[0][0]['msdyn_transactioncategoryid']})"
    table = catalog.by_name("msdyn_transactioncategory")
    row, _ = writer.create(call, table, {"msdyn_name": name})
    return f"/msdyn_transactioncategories({row['msdyn_transactioncategoryid']})"


def revise_project_invoice(
    writer: Writer, catalog: Catalog, call: Call, invoice_id: str, *, confirm: bool = False,
    kept: Mapping[str, float] | None = None,
) -> Record:  # fmt: skip
    """The new corrective invoice. `kept`: original line detail id → quantity still billed.

    Raises ServiceError: 404 for an unknown invoice, 400 `0x80040233` for one that is not
    confirmed or paid.
    """
    store = writer.store
    invoices, lines = catalog.by_name("invoice"), catalog.by_name("invoicedetail")
    details = catalog.by_name("msdyn_invoicelinetransaction")
    try:
        original, _ = store.get("invoices", invoice_id)
    except RecordNotFound:
        raise errors.not_found("invoice", invoice_id) from None
    if original.get("msdyn_projectinvoicestatus") not in (CONFIRMED, PAID):
        raise errors.invalid_state()
    today = datetime.now(UTC).date().isoformat()
    with store.atomic():
        header = copy_columns(invoices, original, invoices)
        for name in WRITE_BACK_COLUMNS:  # the revision is not in BC yet
            header.pop(name, None)
        header.update({"msdyn_projectinvoicestatus": DRAFT, "msdyn_hascorrections": True,
                       "msdyn_invoicedate": today})  # fmt: skip
        revision, _ = writer.insert(call, invoices, Body(header), {})
        new_id = revision["invoiceid"]
        for line, _ in store.find("invoicedetails", "_invoiceid_value", invoice_id):
            line_fields = {
                **copy_columns(lines, line, lines),
                "_invoiceid_value": new_id,
                "invoiceidtype": "invoice",
            }
            new_line, _ = writer.insert(call, lines, Body(line_fields), {})
            billed = 0.0
            for detail, _ in store.find(
                details.entity_set, "_msdyn_invoicelineid_value", line["invoicedetailid"]
            ):
                quantity = float((kept or {}).get(detail["msdyn_invoicelinetransactionid"], 0))
                billed += quantity * float(detail.get("msdyn_price") or 0)
                fields = {
                    **copy_columns(details, detail, details),
                    **_corrective(detail, new_id, new_line, quantity),
                }
                writer.insert(call, details, Body(fields), {})
            line_quantity = (
                billed / float(line["priceperunit"]) if line.get("priceperunit") else 0.0
            )
            writer.update(call, lines, new_line["invoicedetailid"], {}, if_match=None,
                          internal={"quantity": round(line_quantity, 4)})  # fmt: skip
        if confirm:
            writer.update(call, invoices, new_id, {}, if_match=None,
                          internal={"msdyn_projectinvoicestatus": CONFIRMED})  # fmt: skip
        return store.get("invoices", new_id)[0]


def _corrective(detail: Record, invoice_id: str, line: Record, quantity: float) -> Record:
    price = float(detail.get("msdyn_price") or 0)
    return {
        "_msdyn_invoice_value": invoice_id, "msdyn_invoicetype": "invoice",
        "_msdyn_invoicelineid_value": line["invoicedetailid"], "msdyn_invoicelineidtype": "invoicedetail",
        "_msdyn_originalinvoicelinedetail_value": detail["msdyn_invoicelinetransactionid"],
        "msdyn_originalinvoicelinedetailtype": "msdyn_invoicelinetransaction",
        "msdyn_correction": True, "msdyn_quantity": quantity,
        "msdyn_amount": round(quantity * price, 4),
    }  # fmt: skip
