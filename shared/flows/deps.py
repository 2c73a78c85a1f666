"""What handlers get from the composition root: ports, options and a clock, nothing concrete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.domain.credit_notes import CreditNoteSetup
from shared.domain.crm import CrmSetup
from shared.flows.redelivery import RedeliveryPolicy
from shared.ports.bus import DeadLetters, MessageSender
from shared.ports.business_central import BusinessCentral, BusinessCentralRecords
from shared.ports.credit_memos import BcCreditMemos
from shared.ports.dataverse import Dataverse
from shared.ports.ecppro import EcpProSource
from shared.ports.sales_documents import BcSalesDocuments
from shared.ports.store import StagingStore


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class InvoiceOptions:
    """The setup of the EcpPro invoice flows (from settings)."""

    post_sales_documents: bool = False
    create_purchase_invoice: bool = False
    post_purchase_documents: bool = False
    apply_cost_centre_dimension: bool = False
    cost_centre_dimension: str = "COSTCENTRE"
    sales_account_number: str = ""
    purchase_account_number: str = ""
    web_client_url: str = "https://businesscentral.dynamics.com"
    company_name: str = ""


@dataclass
class Deps:
    """The ports a handler may use. Built once per worker by `shared.bootstrap`."""

    store: StagingStore
    bus: MessageSender
    ecppro: EcpProSource
    bc: BusinessCentral
    invoice_options: InvoiceOptions = field(default_factory=InvoiceOptions)
    clock: Callable[[], datetime] = field(default=utc_now)
    redelivery: RedeliveryPolicy = field(default_factory=RedeliveryPolicy)
    dead_letters: DeadLetters | None = None  # operator access; the host's bus in practice
    dataverse: Dataverse | None = None  # None where DATAVERSE_URL is not set
    bc_records: BusinessCentralRecords | None = None  # any entity set (the sync engine)
    crm_setup: CrmSetup = field(default_factory=CrmSetup)
    bc_sales: BcSalesDocuments | None = None  # quotes and orders from CRM (companion API)
    crm_sync_overlap_seconds: float = 60.0
    bc_credit_memos: BcCreditMemos | None = None  # the Project Operations credit-notes flow
    credit_notes: CreditNoteSetup = field(default_factory=CreditNoteSetup)
