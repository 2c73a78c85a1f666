"""The four document kinds of the BC simulator, their entity sets and navigations, as data.

Fields follow the API v2.0 resource pages (salesInvoice, salesCreditMemo,
purchaseInvoice, purchaseCreditMemo and their lines, dimensionSetLine). Quirks kept:

- one entity set holds unposted and posted documents, told apart by `status`,
- `postingNumber` (the header's "Posting No.") is stored but no v2.0 page shows it,
- lines have no `lastModifiedDateTime`; amounts, totals, names and `status` are read-only,
- `dimensionSetLines` hang off sales invoices, sales credit memos, purchase invoices and
  their lines, but not off purchase credit memos or their lines (v2.0 docs), although
  those have dimensions too (the companion API reaches them); a dimension set line is
  addressed by its dimension's id under its parent,
- `shortcutDimension1Code`/`2Code` show the document's values of the two global
  dimensions (here DEPARTMENT and AREA).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sandbox.business_central.dialect import dialog
from sandbox.catalog import stable_id
from sandbox.odata.spec import EntitySetSpec

MODIFIED = "lastModifiedDateTime"
GLOBAL_DIMENSIONS = ("DEPARTMENT", "AREA")  # shortcutDimension1Code, shortcutDimension2Code
DIMENSION_SET_LINES = "dimensionSetLines"
DRAFT = "Draft"
POSTED = "Open"  # posted and not paid
FIRST_NUMBER = 1001
LOCAL_CURRENCY = "GBP"  # the company's LCY: documents in it have currencyCode ""


@dataclass(frozen=True)
class DocumentKind:
    """One document type: where it lives in the API and how BC treats it."""

    header_set: str
    line_set: str
    caption: str  # "Sales Invoice": dimension set line parentType, error texts
    noun: str  # "invoice" / "credit memo"
    side: str  # "sales" / "purchase"
    date_field: str  # invoiceDate / creditMemoDate
    external_field: str  # externalDocumentNumber / vendorInvoiceNumber / vendorCreditMemoNumber
    external_caption: str  # the field's caption in BC's own messages
    draft_prefix: str  # S-INV: unposted numbers
    posted_prefix: str  # PS-INV: posted numbers
    api_dimension_lines: bool = True  # v2.0 exposes dimensionSetLines for this kind

    @property
    def line_caption(self) -> str:
        return f"{self.caption} Line"

    @property
    def is_credit(self) -> bool:
        return self.noun == "credit memo"

    @property
    def party(self) -> str:
        return "customer" if self.side == "sales" else "vendor"

    @property
    def price_field(self) -> str:
        return "unitPrice" if self.side == "sales" else "unitCost"


SALES_INVOICE = DocumentKind(
    "salesInvoices", "salesInvoiceLines", "Sales Invoice", "invoice", "sales",
    "invoiceDate", "externalDocumentNumber", "External Document No.", "S-INV", "PS-INV",
)  # fmt: skip
SALES_CREDIT_MEMO = DocumentKind(
    "salesCreditMemos", "salesCreditMemoLines", "Sales Credit Memo", "credit memo", "sales",
    "creditMemoDate", "externalDocumentNumber", "External Document No.", "S-CR", "PS-CR",
)  # fmt: skip
PURCHASE_INVOICE = DocumentKind(
    "purchaseInvoices", "purchaseInvoiceLines", "Purchase Invoice", "invoice", "purchase",
    "invoiceDate", "vendorInvoiceNumber", "Vendor Invoice No.", "P-INV", "PP-INV",
)  # fmt: skip
PURCHASE_CREDIT_MEMO = DocumentKind(
    "purchaseCreditMemos", "purchaseCreditMemoLines", "Purchase Credit Memo", "credit memo",
    "purchase", "creditMemoDate", "vendorCreditMemoNumber", "Vendor Cr. Memo No.",
    "P-CR", "PP-CR", api_dimension_lines=False,
)  # fmt: skip
KINDS = (SALES_INVOICE, SALES_CREDIT_MEMO, PURCHASE_INVOICE, PURCHASE_CREDIT_MEMO)
BY_HEADER = {kind.header_set: kind for kind in KINDS}
BY_LINES = {kind.line_set: kind for kind in KINDS}
BY_CAPTION = {kind.caption: kind for kind in KINDS}
BY_LINE_CAPTION = {kind.line_caption: kind for kind in KINDS}

_TOTALS = (
    "discountAmount", "discountAppliedBeforeTax", "totalAmountExcludingTax", "totalTaxAmount",
    "totalAmountIncludingTax",
)  # fmt: skip
_SALES_PARTY = (
    "customerId", "customerNumber", "customerName", "billToName", "billToCustomerId",
    "billToCustomerNumber",
)  # fmt: skip
_PURCHASE_PARTY = (
    "vendorId", "vendorNumber", "vendorName", "payToName", "payToContact", "payToVendorId",
    "payToVendorNumber",
)  # fmt: skip
_COMMON = (
    "currencyId", "currencyCode", "pricesIncludeTax", "paymentTermsId", "shipmentMethodId",
    "shortcutDimension1Code", "shortcutDimension2Code", *_TOTALS, "status",
)  # fmt: skip
# Deviation: BC takes a header `discountAmount` (an invoice discount spread over the
# lines); the sandbox computes no discounts, so it refuses the field instead of ignoring it.
_HEADER_READ_ONLY = frozenset({
    "discountAmount", "number", "customerName", "billToName", "vendorName", "payToName", "payToContact",
    "shortcutDimension1Code", "shortcutDimension2Code", "discountAppliedBeforeTax",
    "totalAmountExcludingTax", "totalTaxAmount", "totalAmountIncludingTax", "status",
    "remainingAmount", "orderId", "orderNumber", MODIFIED,
})  # fmt: skip
_HEADER_FIELDS = {
    SALES_INVOICE: ("number", "externalDocumentNumber", "invoiceDate", "postingDate", "dueDate",
                    "customerPurchaseOrderReference", *_SALES_PARTY, *_COMMON, "salesperson",
                    "orderId", "orderNumber", "remainingAmount", MODIFIED),
    SALES_CREDIT_MEMO: ("number", "externalDocumentNumber", "creditMemoDate", "postingDate",
                        "dueDate", *_SALES_PARTY, *_COMMON, "salesperson", "invoiceId",
                        "invoiceNumber", "customerReturnReasonId", MODIFIED),
    PURCHASE_INVOICE: ("number", "invoiceDate", "postingDate", "dueDate", "vendorInvoiceNumber",
                       *_PURCHASE_PARTY, *_COMMON, "purchaser", "orderId", "orderNumber",
                       MODIFIED),
    PURCHASE_CREDIT_MEMO: ("number", "creditMemoDate", "postingDate", "dueDate",
                           "vendorCreditMemoNumber", *_PURCHASE_PARTY, *_COMMON, "purchaser",
                           "invoiceId", "invoiceNumber", "vendorReturnReasonId", MODIFIED),
}  # fmt: skip
_LINE_AMOUNTS = (
    "discountAppliedBeforeTax", "amountExcludingTax", "taxPercent", "totalTaxAmount",
    "amountIncludingTax", "invoiceDiscountAllocation", "netAmount", "netTaxAmount",
    "netAmountIncludingTax",
)  # fmt: skip


def _line_fields(kind: DocumentKind) -> tuple[str, ...]:
    when = "shipmentDate" if kind.side == "sales" else "expectedReceiptDate"
    return (
        "documentId", "sequence", "itemId", "accountId", "lineType", "lineObjectNumber",
        "description", "description2", "unitOfMeasureId", "unitOfMeasureCode", "quantity",
        kind.price_field, "discountAmount", "discountPercent", *_LINE_AMOUNTS, "taxCode", when,
        "itemVariantId", "locationId",
    )  # fmt: skip


EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
BLANK_DATE = "0001-01-01"
_TEXT_FIELDS = frozenset({"taxCode", "status", "lineType"})


def _defaults(fields: tuple[str, ...]) -> dict[str, object]:
    """What BC shows for a field nobody set: blanks, zero, the empty GUID, 0001-01-01."""
    defaults: dict[str, object] = {}
    for name in fields:
        if name.endswith("Id"):
            defaults[name] = EMPTY_GUID
        elif name.endswith("Date"):
            defaults[name] = BLANK_DATE
        elif name in ("pricesIncludeTax", "discountAppliedBeforeTax"):
            defaults[name] = False
        elif name in _TEXT_FIELDS or not _is_amount(name):
            defaults[name] = ""
        else:
            defaults[name] = 0
    return defaults


def _is_amount(name: str) -> bool:
    words = ("amount", "Amount", "quantity", "unitPrice", "unitCost", "Percent", "sequence",
             "Allocation")  # fmt: skip
    return any(word in name for word in words)


def header_spec(kind: DocumentKind) -> EntitySetSpec:
    navigations = (
        (kind.line_set, DIMENSION_SET_LINES) if kind.api_dimension_lines else (kind.line_set,)
    )
    return EntitySetSpec(
        kind.header_set, f"Microsoft.NAV.{kind.header_set[:-1]}", fields=_HEADER_FIELDS[kind],
        modified_field=MODIFIED, hidden=frozenset({"postingNumber"}),
        read_only=_HEADER_READ_ONLY, navigations=navigations,
        defaults={**_defaults(_HEADER_FIELDS[kind]), "postingNumber": ""},
    )  # fmt: skip


def line_spec(kind: DocumentKind) -> EntitySetSpec:
    navigations = (DIMENSION_SET_LINES,) if kind.api_dimension_lines else ()
    return EntitySetSpec(
        kind.line_set, f"Microsoft.NAV.{kind.line_set[:-1]}", fields=_line_fields(kind),
        read_only=frozenset(_LINE_AMOUNTS), navigations=navigations,
        defaults=_defaults(_line_fields(kind)),
    )  # fmt: skip


DIMENSION_SET_LINES_SET = EntitySetSpec(
    DIMENSION_SET_LINES, "Microsoft.NAV.dimensionSetLine", key="systemKey",
    fields=("id", "code", "consolidationCode", "parentId", "parentType", "displayName",
            "valueId", "valueCode", "valueConsolidationCode", "valueDisplayName"),
    hidden=frozenset({"systemKey"}),
    read_only=frozenset({"consolidationCode", "parentId", "parentType", "valueConsolidationCode"}),
)  # fmt: skip


def dimension_line_key(parent_id: str, dimension_id: str) -> str:
    """Storage key of a dimension set line: one per dimension under one parent."""
    return stable_id("bc", DIMENSION_SET_LINES, parent_id.lower(), dimension_id.lower())


def document_sets() -> list[EntitySetSpec]:
    """Headers, lines and dimension set lines (registered without rows)."""
    specs = [spec for kind in KINDS for spec in (header_spec(kind), line_spec(kind))]
    return [*specs, DIMENSION_SET_LINES_SET]


@dataclass(frozen=True)
class Navigation:
    """A related set reached from a parent row: `parent(id)/<name>`."""

    child: str
    link: str  # the child's field that holds the parent's id
    fixed: Mapping[str, str] = field(default_factory=dict)  # e.g. parentType
    url_key: str | None = None  # property naming a child in URLs, when not its storage key

    def scope(self, parent_id: str) -> dict[str, str]:
        return {self.link: parent_id, **self.fixed}


def _navigations() -> dict[tuple[str, str], Navigation]:
    table = {
        ("dimensions", "dimensionValues"): Navigation("dimensionValues", "dimensionId"),
        **{
            (parent, "defaultDimensions"): Navigation(
                "defaultDimensions", "parentId", {"parentType": caption}
            )
            for parent, caption in (("customers", "Customer"), ("vendors", "Vendor"),
                                    ("items", "Item"))
        },
    }  # fmt: skip
    for kind in KINDS:
        table[(kind.header_set, kind.line_set)] = Navigation(kind.line_set, "documentId")
        if kind.api_dimension_lines:
            for parent, caption in ((kind.header_set, kind.caption),
                                    (kind.line_set, kind.line_caption)):  # fmt: skip
                table[(parent, DIMENSION_SET_LINES)] = Navigation(
                    DIMENSION_SET_LINES, "parentId", {"parentType": caption}, url_key="id"
                )
    return table


NAVIGATIONS = _navigations()


def ensure_draft(kind: DocumentKind, header: Mapping[str, object]) -> None:
    """Posted documents are read-only: headers, lines and dimensions alike."""
    if header.get("status") != DRAFT:
        raise dialog(f"The {kind.noun} has been posted and can no longer be modified.")
