"""Every entity set of the BC simulator in one place: schema, seed rows, writer, API, view.

| API | entity sets | writes |
|---|---|---|
| v2.0 | customers, vendors, items, contacts, currencies | rules (references, keys, contacts) |
| v2.0 | paymentTerms, paymentMethods, shipmentMethods, taxAreas, taxGroups, locations, countriesRegions, unitsOfMeasure, itemCategories, salespeoplePurchasers | code tables |
| v2.0 | salesQuotes, salesOrders, salesInvoices, salesCreditMemos, purchaseInvoices, purchaseCreditMemos, their lines, dimensionSetLines | document rules |
| v2.0 | companies, accounts, dimensions, dimensionValues, defaultDimensions, generalProductPostingGroups, inventoryPostingGroups, accountingPeriods | read-only (405) |
| companion | shippingAgents, shipToAddresses | rules |
| companion | crmCustomers, crmContacts | GET POST PATCH: views of customers and person contacts, written through their rules |
| companion | crmIds, inventoryPostingGroupSettings | PATCH only: views of fields on other records |
| companion | purchaseDocuments, configurationTemplates, customerLedgerEntries, locationInventories | read-only (405) |
| companion | purchaseCreditMemoLineDimensions | GET, POST, DELETE |
| companion | crmSalesQuotes, crmSalesOrders, their lines | views of v2.0 quotes, orders and lines, written through their rules; `archive` |
| companion | salesDocumentArchives (+ lines), noSeries | read-only (405) |
| companion | crmPostedSalesInvoices (+ lines, crmPostedSalesInvoiceLines) | read-only (405): views of posted v2.0 sales invoices and lines |
| companion | projectCreditMemos, projectCreditMemoSetup | PATCH only: the Project Operations mark on v2.0 sales credit memos, the non-changeable fields |

v2.0's writes to quotes, orders and their lines pass the connector's lock
(`business_central_crm_locks`), and its `makeOrder`, `makeInvoice` and `shipAndInvoice`
wait for `crmComplete`; the companion API writes to the same records unlocked. v2.0's
writes to sales credit memos from Project Operations pass `business_central_project_locks`.
Both locks are policies behind the same writers (`business_central_locks`).

Reads of customers, items and sales invoices go through views that add what BC computes
on read (`balanceDue`, `taxAreaDisplayName`, `inventory`, `remainingAmount`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from sandbox.business_central import companion_views as views
from sandbox.business_central import project_credit_memos as project
from sandbox.business_central.accounting_periods import (
    ACCOUNTING_PERIODS,
    GL_SETUP,
    accounting_period_sets,
)
from sandbox.business_central.archives import ARCHIVE_LINES, ARCHIVES
from sandbox.business_central.companion_masters import SHIP_TO, ShipToRules, companion_master_sets
from sandbox.business_central.contacts import CONTACTS, CONTACTS_SCHEMA, ContactRules, contact_rows
from sandbox.business_central.crm_contacts import (
    CRM_CONTACTS,
    CRM_CONTACTS_SCHEMA,
    CrmContactRules,
    crm_contact_lookup,
    crm_contact_rows,
)
from sandbox.business_central.crm_customers import (
    CRM_CUSTOMERS,
    CRM_CUSTOMERS_SCHEMA,
    CrmCustomerRules,
    crm_customer_lookup,
    crm_customer_rows,
)
from sandbox.business_central.crm_locks import CrmLock, require_complete
from sandbox.business_central.crm_sales import (
    BY_CRM_HEADER,
    CRM_KINDS,
    CrmSalesLineRules,
    CrmSalesRules,
    archive_document,
    crm_header_lookup,
    crm_header_rows,
    crm_line_lookup,
    crm_line_rows,
    crm_lines_of,
    crm_sales_sets,
)
from sandbox.business_central.crm_sales import NAVIGATIONS as CRM_NAVIGATIONS
from sandbox.business_central.custom_api import (
    LINE_DIMENSIONS,
    PURCHASE_DOCUMENTS,
    LineDimensionRules,
    custom_document_sets,
    force_delete,
    line_dimension_rows,
    purchase_document_rows,
)
from sandbox.business_central.documents import (
    DIMENSION_SET_LINES,
    KINDS,
    NAVIGATIONS,
    POSTABLE,
    SALES_CREDIT_MEMO,
    SALES_INVOICE,
    SALES_ORDER,
    SALES_QUOTE,
    Navigation,
    document_schemas,
)
from sandbox.business_central.finance_seed import finance_sets
from sandbox.business_central.headers import HeaderRules
from sandbox.business_central.ledgers import (
    LEDGER_ENTRIES,
    LOCATION_INVENTORIES,
    invoice_view,
    ledger_sets,
    open_entries,
    with_remaining_amount,
)
from sandbox.business_central.locks import LockedHeaders, LockedLines
from sandbox.business_central.master_rules import (
    CUSTOMER_REFERENCES,
    ITEM_REFERENCES,
    VENDOR_REFERENCES,
    CodeTableRules,
    ComputedOnRead,
    ItemRules,
    PartyRules,
    computed_row,
    customer_view,
    item_view,
    with_customer_totals,
    with_inventory,
)
from sandbox.business_central.masters import master_sets
from sandbox.business_central.no_series import NO_SERIES, no_series_sets
from sandbox.business_central.posted_invoices import NAVIGATIONS as POSTED_NAVIGATIONS
from sandbox.business_central.posted_invoices import (
    POSTED_INVOICE_LINES,
    POSTED_INVOICES,
    cancel_invoice,
    posted_invoice_sets,
    posted_line_lookup,
    posted_line_rows,
    posted_lines_of,
    posted_lookup,
    posted_rows,
)
from sandbox.business_central.posting import post_document
from sandbox.business_central.project_locks import ProjectLock
from sandbox.business_central.sales_documents import make_from_quote, send_quote, ship_and_invoice
from sandbox.business_central.schema import EntitySchema
from sandbox.business_central.seed import party_sets
from sandbox.odata.store import EntityStore, EntityWrites, Record

CODE_TABLES = (
    "paymentTerms", "paymentMethods", "shipmentMethods", "taxAreas", "taxGroups", "locations",
    "countriesRegions", "unitsOfMeasure", "itemCategories", "salespeoplePurchasers",
    "currencies", "shippingAgents",
)  # fmt: skip
COMPANION_SETS = frozenset({
    PURCHASE_DOCUMENTS, LINE_DIMENSIONS, "shippingAgents", "configurationTemplates", SHIP_TO,
    LEDGER_ENTRIES, LOCATION_INVENTORIES, views.CRM_IDS, views.POSTING_GROUP_SETTINGS,
    CRM_CUSTOMERS, CRM_CONTACTS, *BY_CRM_HEADER, *(crm.line_set for crm in CRM_KINDS),
    ARCHIVES, NO_SERIES, POSTED_INVOICES, POSTED_INVOICE_LINES, project.PROJECT_CREDIT_MEMOS,
    project.SETUP,
})  # fmt: skip
# reached only as salesDocumentArchives' lines; the General Ledger Setup no API shows
HIDDEN_SETS = frozenset({ARCHIVE_LINES, GL_SETUP})
STANDARD_READ_ONLY = frozenset({
    "accounts", "dimensions", "dimensionValues", "defaultDimensions",
    "generalProductPostingGroups", "inventoryPostingGroups", ACCOUNTING_PERIODS,
})  # fmt: skip
COMPANION_READ_ONLY = frozenset({
    PURCHASE_DOCUMENTS, "configurationTemplates", LEDGER_ENTRIES, LOCATION_INVENTORIES,
    ARCHIVES, ARCHIVE_LINES, NO_SERIES, POSTED_INVOICES, POSTED_INVOICE_LINES,
})  # fmt: skip
COMPANION_PATCH_ONLY = frozenset({
    views.CRM_IDS, views.POSTING_GROUP_SETTINGS, project.PROJECT_CREDIT_MEMOS, project.SETUP,
})  # fmt: skip
COMPANION_NO_DELETE = frozenset({CRM_CUSTOMERS, CRM_CONTACTS})
View = Callable[[], list[tuple[Record, str]]]
ChildView = Callable[[str], list[tuple[Record, str]]]
Lookup = Callable[[str], tuple[Record, str] | None]
Action = Callable[[str], None]


def seeded_sets() -> list[tuple[EntitySchema, list[Record]]]:
    """Every company-scoped set with its seed rows, each row filled with BC's blanks."""
    sets = [
        *party_sets(), *finance_sets(), *master_sets(), (CONTACTS_SCHEMA, contact_rows()),
        *((schema, []) for schema in document_schemas()), *ledger_sets(),
        *companion_master_sets(), *views.companion_view_sets(), *custom_document_sets(),
        (CRM_CUSTOMERS_SCHEMA, []), (CRM_CONTACTS_SCHEMA, []),  # views of customers, contacts
        *crm_sales_sets(), *no_series_sets(), *posted_invoice_sets(),
        *accounting_period_sets(), *project.project_credit_memo_sets(),
    ]  # fmt: skip
    return [(schema, [{**schema.blanks(), **row} for row in rows]) for schema, rows in sets]


def write_rules(store: EntityStore, headers: HeaderRules) -> dict[str, EntityWrites]:
    """The writer of each set that has BC rules (the others write to the store as given)."""
    codes = CodeTableRules(store)
    customers, contacts = PartyRules(store, CUSTOMER_REFERENCES), ContactRules(store)
    crm_lines = CrmSalesLineRules(store, headers.lines)
    crm_lock, project_lock = CrmLock(), ProjectLock(store)
    return {
        **{kind.header_set: headers for kind in KINDS},
        **{kind.line_set: headers.lines for kind in KINDS},
        **{crm.kind.header_set: LockedHeaders(store, headers, crm_lock) for crm in CRM_KINDS},
        **{crm.kind.line_set: LockedLines(store, headers.lines, crm_lock) for crm in CRM_KINDS},
        **{crm.header_set: CrmSalesRules(store, headers, crm_lines) for crm in CRM_KINDS},
        **{crm.line_set: crm_lines for crm in CRM_KINDS},
        SALES_INVOICE.header_set: ComputedOnRead(headers, store, with_remaining_amount),
        SALES_CREDIT_MEMO.header_set: LockedHeaders(store, headers, project_lock),
        SALES_CREDIT_MEMO.line_set: LockedLines(store, headers.lines, project_lock),
        project.PROJECT_CREDIT_MEMOS: project.ProjectCreditMemoRules(store),
        project.SETUP: project.SetupRules(store),
        DIMENSION_SET_LINES: headers.dimensions,
        LINE_DIMENSIONS: LineDimensionRules(store),
        **dict.fromkeys(CODE_TABLES, codes),
        "customers": ComputedOnRead(customers, store, with_customer_totals),
        "vendors": PartyRules(store, VENDOR_REFERENCES),
        "items": ComputedOnRead(ItemRules(store, ITEM_REFERENCES), store, with_inventory),
        CONTACTS: contacts,
        SHIP_TO: ShipToRules(store),
        CRM_CUSTOMERS: CrmCustomerRules(store, customers),
        CRM_CONTACTS: CrmContactRules(store, contacts),
        views.CRM_IDS: views.CrmIdRules(store),
        views.POSTING_GROUP_SETTINGS: views.PostingGroupSettingRules(store),
    }


def standard_views(store: EntityStore) -> Mapping[str, View]:
    return {"customers": partial(customer_view, store), "items": partial(item_view, store),
            SALES_INVOICE.header_set: partial(invoice_view, store)}  # fmt: skip


def standard_lookups(store: EntityStore) -> Mapping[str, Lookup]:
    return {
        "customers": partial(computed_row, "customers", with_customer_totals, store),
        "items": partial(computed_row, "items", with_inventory, store),
        SALES_INVOICE.header_set: partial(
            computed_row, SALES_INVOICE.header_set, with_remaining_amount, store
        ),
    }


def companion_lookups(store: EntityStore) -> Mapping[str, Lookup]:
    return {
        views.CRM_IDS: partial(views.crm_id_row, store),
        views.POSTING_GROUP_SETTINGS: partial(views.posting_group_setting_row, store),
        CRM_CUSTOMERS: partial(crm_customer_lookup, store),
        CRM_CONTACTS: partial(crm_contact_lookup, store),
        **{crm.header_set: partial(crm_header_lookup, store, crm) for crm in CRM_KINDS},
        **{crm.line_set: partial(crm_line_lookup, store, crm) for crm in CRM_KINDS},
        POSTED_INVOICES: partial(posted_lookup, store),
        POSTED_INVOICE_LINES: partial(posted_line_lookup, store),
        project.PROJECT_CREDIT_MEMOS: partial(project.project_lookup, store),
    }


def companion_views(store: EntityStore) -> Mapping[str, View]:
    return {
        PURCHASE_DOCUMENTS: partial(purchase_document_rows, store),
        LINE_DIMENSIONS: partial(line_dimension_rows, store),
        views.CRM_IDS: partial(views.crm_id_rows, store),
        views.POSTING_GROUP_SETTINGS: partial(views.posting_group_setting_rows, store),
        LEDGER_ENTRIES: partial(open_entries, store),
        CRM_CUSTOMERS: partial(crm_customer_rows, store),
        CRM_CONTACTS: partial(crm_contact_rows, store),
        **{crm.header_set: partial(crm_header_rows, store, crm) for crm in CRM_KINDS},
        **{crm.line_set: partial(crm_line_rows, store, crm) for crm in CRM_KINDS},
        POSTED_INVOICES: partial(posted_rows, store),
        POSTED_INVOICE_LINES: partial(posted_line_rows, store),
        project.PROJECT_CREDIT_MEMOS: partial(project.project_rows, store),
    }


def navigations() -> Mapping[tuple[str, str], Navigation]:
    """v2.0's navigations and the companion API's (`lines` of its documents and archives)."""
    return {**NAVIGATIONS, **CRM_NAVIGATIONS, **POSTED_NAVIGATIONS}


def child_views(store: EntityStore) -> Mapping[str, ChildView]:
    """Rows of view sets reached through a navigation, under one parent."""
    return {**{crm.line_set: partial(crm_lines_of, store, crm) for crm in CRM_KINDS},
            POSTED_INVOICE_LINES: partial(posted_lines_of, store)}  # fmt: skip


def standard_actions(store: EntityStore, headers: HeaderRules) -> Mapping[tuple[str, str], Action]:
    actions: dict[tuple[str, str], Any] = {
        (kind.header_set, "post"): partial(post_document, store, kind) for kind in POSTABLE
    }
    actions[("salesQuotes", "send")] = partial(send_quote, store)
    for name, target in (("makeOrder", SALES_ORDER), ("makeInvoice", SALES_INVOICE)):
        actions[("salesQuotes", name)] = require_complete(
            store, SALES_QUOTE, partial(make_from_quote, store, headers, target)
        )
    actions[("salesOrders", "shipAndInvoice")] = require_complete(
        store, SALES_ORDER, partial(ship_and_invoice, store, headers)
    )
    actions[("salesInvoices", "cancel")] = partial(cancel_invoice, store, headers)
    return actions


def companion_actions(store: EntityStore, headers: HeaderRules) -> Mapping[tuple[str, str], Action]:
    return {
        (PURCHASE_DOCUMENTS, "forceDelete"): partial(force_delete, store, headers),
        **{(crm.header_set, "archive"): partial(archive_document, store, crm) for crm in CRM_KINDS},
    }


def schemas(sets: list[tuple[EntitySchema, list[Record]]]) -> dict[str, EntitySchema]:
    return {schema.name: schema for schema, _ in sets}
