"""Every name the hub shares with its infrastructure, each kind declared once.

- `Queue`: the message queues flows send to and triggers listen on. `infra/main.bicep`
  creates exactly these (a test fails when the two differ).
- `Schedule`: the app settings that hold a timer's NCRONTAB schedule; a trigger binds to
  `Schedule.X.binding` (`%NAME%`), which the Functions host (and `hub serve`) resolves.
- `Flow`: flows that keep a status row (last success, last fatal failure and the setting
  to fix), read by `GET /api/status` and `hub status`.
- `Table`: the staging tables (each prefixed with `HUB_TABLE_PREFIX` by the store).

EcpPro's own list names are EcpPro's vocabulary, declared in `shared.domain.ecppro`.
"""

from __future__ import annotations

from enum import StrEnum


class Queue(StrEnum):
    """Service Bus queues (Storage queues locally)."""

    ECPPRO_REFRESH = "ecppro-refresh"
    INVOICE_SALES = "invoice-sales"
    INVOICE_PURCHASE = "invoice-purchase"
    PROJECT_CREDIT_NOTES = "project-credit-notes"


class Schedule(StrEnum):
    """App settings holding NCRONTAB schedules (6 fields, seconds first, UTC)."""

    ECPPRO_REFRESH = "ECPPRO_REFRESH_SCHEDULE"
    INVOICE_IMPORT = "ECPPRO_INVOICE_IMPORT_SCHEDULE"
    INVOICE_STATUS_SYNC = "ECPPRO_STATUS_SYNC_SCHEDULE"
    CRM_BC_TO_CRM = "CRM_BC_TO_CRM_SCHEDULE"
    CRM_TO_BC = "CRM_CRM_TO_BC_SCHEDULE"
    CRM_DOCUMENTS = "CRM_DOCUMENTS_SCHEDULE"
    CRM_CLE = "CRM_CLE_SCHEDULE"
    CRM_INVENTORY = "CRM_INVENTORY_SCHEDULE"
    PROJECT_INVOICES = "PROJECT_INVOICES_SCHEDULE"

    @property
    def binding(self) -> str:
        """The `%SETTING%` form a timer trigger's `schedule` takes."""
        return f"%{self.value}%"


class Flow(StrEnum):
    """Flows with a status row."""

    ECPPRO_REFRESH = "ecppro-refresh"
    INVOICE_IMPORT = "invoice-import"
    INVOICE_SALES = "invoice-sales"
    INVOICE_PURCHASE = "invoice-purchase"
    INVOICE_STATUS_SYNC = "invoice-status-sync"
    CRM_BC_TO_CRM = "crm-bc-to-crm"
    CRM_TO_BC = "crm-crm-to-bc"
    CRM_MAPPING = "crm-mapping"
    CRM_DOCUMENTS = "crm-documents"
    CRM_POSTED_INVOICES = "crm-posted-invoices"
    CRM_CUSTOMER_LEDGER = "crm-customer-ledger"
    CRM_INVENTORY = "crm-inventory"
    PROJECT_INVOICES = "project-invoices"
    PROJECT_CREDIT_NOTES = "project-credit-notes"


class Table(StrEnum):
    """Staging tables (the store prefixes each with HUB_TABLE_PREFIX)."""

    ECPPRO_ROWS = "ecppro"
    STATUS = "syncstatus"
    INVOICES = "invoices"
    INVOICE_LINES = "invoicelines"
    INVOICE_MAPPING = "invoicemapping"
    DOCUMENT_WRITES = "documentwrites"
    LOCKS = "locks"
    QUARANTINE = "quarantine"
    COUPLINGS = "couplings"  # BC record ⇄ CRM record, per entity (shared.sync.couplings)
    WATERMARKS = "watermarks"  # how far each entity's sync has read its source
    BC_TO_CRM_LOG = "bctocrmlog"  # the product's "BC to CRM Log"
    CRM_TO_BC_LOG = "crmtobclog"  # the product's "CRM to BC Log"
    CRM_SETUP = "crmsetup"  # GUIDs the Setup actions looked up in CRM
    CRM_CUSTOMERS = "crmcustomers"  # CRM Data: accounts staged for BC
    CRM_CONTACTS = "crmcontacts"  # CRM Data: person contacts staged for BC
    CRM_SHIP_TO_ADDRESSES = "crmshiptoaddresses"  # CRM Data: ship-to addresses staged for BC
    CRM_SALES_QUOTES = "crmsalesquotes"  # CRM Data: quote headers staged for BC
    CRM_SALES_QUOTE_LINES = "crmsalesquotelines"  # CRM Data: their lines (G/L for write-ins)
    CRM_SALES_ORDERS = "crmsalesorders"  # CRM Data: confirmed order headers staged for BC
    CRM_SALES_ORDER_LINES = "crmsalesorderlines"  # CRM Data: their lines
    CRM_SNAPSHOTS = "crmsnapshots"  # the nightly feeds: what CRM holds, by BC key and hash
    CRM_POSTED_INVOICES = "crmpostedinvoices"  # BC posted sales invoices and their CRM invoice
    PROJECT_INVOICES = "projectinvoices"  # BC Invoice Stagings: confirmed project invoices
    PROJECT_INVOICE_LINES = "projectinvoicelines"  # their line details
    PROJECT_CREDIT_MEMOS = "projectcreditmemos"  # Dataverse Credit Memos: confirmed revisions
    PROJECT_CREDIT_MEMO_LINES = "projectcreditmemolines"  # what each takes back, per line
