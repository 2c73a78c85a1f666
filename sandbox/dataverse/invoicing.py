"""Revising (correcting) a confirmed Project Operations invoice.

As dynamics-365-project-operations `proforma-invoicing/revise-project-invoices` describes
it: only a Confirmed (or paid) invoice can be revised; the revision is a new Draft invoice
with copies of the invoice lines and line details, every quantity set to zero (the
original is fully credited) unless the corrector keeps part of it; the copied details
have Correction = Yes and point at the detail they correct; the new invoice has Has
corrections = Yes. The Web API documents no message for this (the app's Revise button
runs it), so the sandbox offers it in-process (`revise_project_invoice`) and as
`POST /_sandbox/invoices(<id>)/revise`; `confirm` also confirms the revision, as the
product's "Auto confirm credit note invoice" parameter does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sandbox.dataverse import errors
from sandbox.dataverse.body import Body, copy_columns
from sandbox.dataverse.context import Call
from sandbox.dataverse.tables import Catalog
from sandbox.dataverse.writes import Writer
from sandbox.odata.store import Record, RecordNotFound

DRAFT, CONFIRMED, PAID = 192350000, 192350002, 192350003


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
