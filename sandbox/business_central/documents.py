"""The six document kinds of the BC simulator, their entity sets and navigations, as data.

Properties follow the API v2.0 resource pages (salesQuote, salesOrder, salesInvoice,
salesCreditMemo, purchaseInvoice, purchaseCreditMemo and their lines, dimensionSetLine)
and live in `business_central_document_schemas`. Quirks kept:

- one entity set holds unposted and posted invoices and credit memos, told apart by
  `status`; quotes and orders are never posted themselves (`makeOrder`, `shipAndInvoice`:
  see `business_central_sales_documents`),
- `postingNumber` (the header's "Posting No.") is stored but no v2.0 page shows it,
- lines have no `lastModifiedDateTime`; amounts, totals, names and `status` are read-only,
- `dimensionSetLines` hang off sales quotes, orders, invoices, credit memos, purchase
  invoices and their lines, but not off purchase credit memos or their lines (v2.0 docs), although
  those have dimensions too (the companion API reaches them); a dimension set line is
  addressed by its dimension's id under its parent,
- `shortcutDimension1Code`/`2Code` show the document's values of the two global
  dimensions (here DEPARTMENT and AREA),
- quotes and orders keep, hidden, the Sales Header and Sales Line fields that only the
  companion API's `crmSalesQuotes`/`crmSalesOrders` show (`business_central_crm_sales`):
  No. Series, Name 2, Work Description, the connector's CRM fields and lock; invoices
  keep the Sales Invoice Header fields the companion `crmPostedSalesInvoices` shows
  (Name 2, Shipping Agent, Location, Ship-to and Tax Area Codes: `posted_invoices`);
  sales credit memos keep the Project Operations revision and invoice they carry out
  (`project_credit_memos`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sandbox.business_central.dialect import dialog
from sandbox.business_central.document_schemas import HEADERS, LINES
from sandbox.business_central.schema import (
    BLANK_DATE,
    EntitySchema,
    code,
    enum,
    guid,
    ro,
    text,
)
from sandbox.business_central.schema import EMPTY_GUID as EMPTY_GUID
from sandbox.catalog import stable_id
from sandbox.odata.spec import EntitySetSpec

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
    posted_prefix: str  # PS-INV: posted numbers ("": never posted itself)
    api_dimension_lines: bool = True  # v2.0 exposes dimensionSetLines for this kind
    due_date: bool = True  # the header has a dueDate

    @property
    def postable(self) -> bool:
        return bool(self.posted_prefix)

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


SALES_QUOTE = DocumentKind(
    "salesQuotes", "salesQuoteLines", "Sales Quote", "quote", "sales", "documentDate",
    "externalDocumentNumber", "External Document No.", "S-QUO", "",
)  # fmt: skip
SALES_ORDER = DocumentKind(
    "salesOrders", "salesOrderLines", "Sales Order", "order", "sales", "orderDate",
    "externalDocumentNumber", "External Document No.", "S-ORD", "", due_date=False,
)  # fmt: skip
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
POSTABLE = (SALES_INVOICE, SALES_CREDIT_MEMO, PURCHASE_INVOICE, PURCHASE_CREDIT_MEMO)
KINDS = (SALES_QUOTE, SALES_ORDER, *POSTABLE)
CRM_DOCUMENTS = frozenset({"salesQuotes", "salesOrders", "salesInvoices"})  # carry a CRM id
# Sales Header fields no v2.0 page shows, written through the companion API (crm_sales).
# "CRM Complete" starts true (its InitValue): only the connector holds a document back.
CRM_HEADER_FIELDS: Mapping[str, Mapping[str, object]] = {
    kind_set: {
        "noSeriesCode": "", "crmRevisionNumber": 0, "customerName2": "",
        "shippingAgentCode": "", "locationCode": "", "shipToCode": "", "workDescription": "",
        "yourReference": "", "crmLocked": False, "crmComplete": True, **extra,
    }
    for kind_set, extra in (("salesQuotes", {"requestedDeliveryDate": BLANK_DATE}),
                            ("salesOrders", {"quoteNumber": ""}))
}  # fmt: skip
CRM_LINE_FIELDS: Mapping[str, object] = {"crmLineId": EMPTY_GUID}  # Sales Line, the CRM line
# Sales Invoice Header fields no v2.0 page shows, read by the companion
# `crmPostedSalesInvoices` (business_central_posted_invoices).
INVOICE_HEADER_FIELDS: Mapping[str, object] = {
    "customerName2": "", "shippingAgentCode": "", "locationCode": "", "shipToCode": "",
    "taxAreaCode": "",
}  # fmt: skip
# Sales Header / Sales Cr.Memo Header fields of the Project Operations extension, written
# by the companion `projectCreditMemos` (business_central_project_credit_memos).
PROJECT_CREDIT_MEMO_FIELDS: Mapping[str, object] = {
    "projectRevisionId": EMPTY_GUID, "projectInvoiceId": EMPTY_GUID,
}  # fmt: skip
BY_HEADER = {kind.header_set: kind for kind in KINDS}
BY_LINES = {kind.line_set: kind for kind in KINDS}
BY_CAPTION = {kind.caption: kind for kind in KINDS}
BY_LINE_CAPTION = {kind.line_caption: kind for kind in KINDS}


def header_schema(kind: DocumentKind) -> EntitySchema:
    navigations = (
        (kind.line_set, DIMENSION_SET_LINES) if kind.api_dimension_lines else (kind.line_set,)
    )
    hidden: dict[str, object] = {"postingNumber": ""} if kind.postable else {}
    if kind.header_set in CRM_DOCUMENTS:
        hidden["crmId"] = EMPTY_GUID
    hidden.update(CRM_HEADER_FIELDS.get(kind.header_set, {}))
    if kind.header_set == "salesInvoices":
        hidden.update(INVOICE_HEADER_FIELDS)
    if kind.header_set == "salesCreditMemos":
        hidden.update(PROJECT_CREDIT_MEMO_FIELDS)
    return EntitySchema(
        kind.header_set, kind.header_set[:-1], HEADERS[kind.header_set], hidden=hidden,
        navigations=navigations,
    )  # fmt: skip


def line_schema(kind: DocumentKind) -> EntitySchema:
    navigations = (DIMENSION_SET_LINES,) if kind.api_dimension_lines else ()
    hidden = CRM_LINE_FIELDS if kind.header_set in CRM_HEADER_FIELDS else {}
    return EntitySchema(
        kind.line_set, kind.line_set[:-1], LINES[kind.line_set], modified=False,
        navigations=navigations, hidden=hidden,
    )  # fmt: skip


def header_spec(kind: DocumentKind) -> EntitySetSpec:
    return header_schema(kind).spec()


def line_spec(kind: DocumentKind) -> EntitySetSpec:
    return line_schema(kind).spec()


# Key: one row per dimension under one parent (`dimension_line_key`); `id` is the dimension's.
DIMENSION_SET_LINES_SCHEMA = EntitySchema(
    DIMENSION_SET_LINES, "dimensionSetLine", (
        guid("id"), code("code", 20), ro(code("consolidationCode", 20)), ro(guid("parentId")),
        ro(enum("parentType", "dimensionSetEntryBufferParentType")), text("displayName", 30),
        guid("valueId"), code("valueCode", 20), ro(code("valueConsolidationCode", 20)),
        ro(text("valueDisplayName", 50)),
    ), key="systemKey", modified=False, hidden={"systemKey": ""},
)  # fmt: skip
DIMENSION_SET_LINES_SET = DIMENSION_SET_LINES_SCHEMA.spec()


def dimension_line_key(parent_id: str, dimension_id: str) -> str:
    """Storage key of a dimension set line: one per dimension under one parent."""
    return stable_id("bc", DIMENSION_SET_LINES, parent_id.lower(), dimension_id.lower())


def document_schemas() -> list[EntitySchema]:
    """Headers, lines and dimension set lines (registered without rows)."""
    schemas = [schema for kind in KINDS for schema in (header_schema(kind), line_schema(kind))]
    return [*schemas, DIMENSION_SET_LINES_SCHEMA]


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
    """Posted documents are read-only: headers, lines and dimensions alike (quotes and
    orders are never posted: a sent quote can still change)."""
    if kind.postable and header.get("status") != DRAFT:
        raise dialog(f"The {kind.noun} has been posted and can no longer be modified.")
