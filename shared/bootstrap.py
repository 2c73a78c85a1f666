"""Composition root: the one place that builds real adapters from settings.

Clients are built once per worker (the first trigger that needs them) and reused, so
connection pools, MSAL token caches and the per-API in-flight caps are shared by every
invocation of the worker. Tests replace the whole set with `override(...)`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from pydantic import SecretStr

from shared.adapters.auth import EcpProKeyAuth, EntraTokenAuth
from shared.adapters.bus import ServiceBusBus, StorageQueueBus
from shared.adapters.business_central.client import BusinessCentralClient
from shared.adapters.business_central.credit_memos import BcCreditMemosClient
from shared.adapters.business_central.sales_documents import CompanionSalesDocuments
from shared.adapters.business_central.wire import ERROR_CODES as BC_ERROR_CODES
from shared.adapters.dataverse.client import DataverseClient, scope_for
from shared.adapters.ecppro import EcpProClient
from shared.adapters.http import AuthProvider, HttpClient, RetryPolicy, new_session
from shared.adapters.odata import ODataClient
from shared.adapters.table_store import TableStagingStore
from shared.config import Settings, load_settings
from shared.domain.credit_notes import CorrectMode, CreditNoteSetup
from shared.domain.crm import AutoSync, CrmSetup
from shared.errors import ConfigurationError, HubError
from shared.flows.deps import Deps, InvoiceOptions
from shared.flows.redelivery import RedeliveryPolicy
from shared.ports.bus import Bus
from shared.ports.store import StagingStore

_lock = threading.Lock()
_deps: Deps | None = None

# The settings an operator fixes when a service refuses the hub (named in fatal errors).
ENTRA_CREDENTIALS = ("HUB_TENANT_ID", "HUB_CLIENT_ID", "HUB_CLIENT_SECRET")
ECPPRO_CREDENTIALS = ("ECPPRO_CUSTOMER_ID", "ECPPRO_SECRET_KEY")


def _verify(settings: Settings) -> str | bool:
    return settings.ca_bundle or True


def _http(
    settings: Settings,
    base_url: str,
    *,
    api_name: str,
    max_in_flight: int,
    auth: AuthProvider | None = None,
    credential_settings: tuple[str, ...] = (),
    error_codes: Mapping[str, type[HubError]] | None = None,
) -> HttpClient:
    return HttpClient(
        base_url,
        auth,
        api_name=api_name,
        max_in_flight=max_in_flight,
        credential_settings=credential_settings,
        error_codes=error_codes,
        timeout=(settings.http_connect_timeout, settings.http_read_timeout),
        retry=RetryPolicy(
            max_attempts=settings.http_max_attempts,
            budget_seconds=settings.http_retry_budget_seconds,
        ),
        session=new_session(verify=_verify(settings), pool_size=max(max_in_flight, 4)),
    )


def _managed_identity() -> Any:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def build_store(settings: Settings) -> StagingStore:
    """Table Storage by connection string (Azurite, keys) or managed identity."""
    if settings.storage_connection is not None:
        return TableStagingStore.from_connection_string(
            settings.storage_connection.get_secret_value(), prefix=settings.table_prefix
        )
    assert settings.storage_account_name  # guaranteed by Settings validation
    return TableStagingStore.from_account(
        settings.storage_account_name, _managed_identity(), prefix=settings.table_prefix
    )


def build_bus(settings: Settings) -> Bus:
    """Service Bus in Azure (connection string, or the managed identity when it is empty);
    locally the Storage-queue bus on Azurite, by connection string.

    Raises ConfigurationError for `storagequeue` without HUB_STORAGE_CONNECTION: that bus
    only stands in for Service Bus on a developer machine, where Azurite has no identity.
    """
    if settings.bus_kind == "servicebus":
        connection = settings.servicebus_connection
        return ServiceBusBus.from_settings(
            connection_string=connection.get_secret_value() if connection else None,
            fully_qualified_namespace=settings.servicebus_namespace,
            max_delivery_count=settings.max_delivery_count,
        )
    if settings.storage_connection is None:
        raise ConfigurationError(
            "HUB_BUS_KIND=storagequeue is the local stand-in for Service Bus and needs "
            "HUB_STORAGE_CONNECTION (Azurite); in Azure use HUB_BUS_KIND=servicebus",
            settings=("HUB_BUS_KIND", "HUB_STORAGE_CONNECTION"),
        )
    return StorageQueueBus(
        settings.storage_connection.get_secret_value(),
        max_delivery_count=settings.max_delivery_count,
        table_prefix=settings.table_prefix,
    )


def build_ecppro(settings: Settings) -> EcpProClient:
    auth = EcpProKeyAuth(
        settings.ecppro_customer_id, _secret(settings.ecppro_secret_key, "ECPPRO_SECRET_KEY")
    )
    http = _http(
        settings,
        _required(settings.ecppro_base_url, "ECPPRO_BASE_URL"),
        api_name="EcpPro",
        max_in_flight=settings.ecppro_max_in_flight,
        auth=auth,
        credential_settings=ECPPRO_CREDENTIALS,
    )
    return EcpProClient(http, page_size=settings.ecppro_page_size)


def build_bc_odata(settings: Settings) -> ODataClient:
    """Plain OData access rooted at the configured BC company (master-data flows, tools)."""
    base = f"{settings.bc_api_url.rstrip('/')}/companies({settings.bc_company_id})/"
    return ODataClient(_bc_http(settings, base))


def build_business_central(settings: Settings) -> BusinessCentralClient:
    """The typed Business Central client of the invoice flows."""
    api_url = _required(settings.bc_api_url, "BC_API_URL").rstrip("/")
    if not api_url.endswith("/api/v2.0"):
        raise ConfigurationError(
            f"BC_API_URL must end in /api/v2.0 (got {api_url!r})", settings=("BC_API_URL",)
        )
    root = api_url.removesuffix("api/v2.0")
    company = _required(settings.bc_company_id, "BC_COMPANY_ID")
    return BusinessCentralClient(_bc_http(settings, root), company_id=company)


def _bc_http(settings: Settings, base_url: str) -> HttpClient:
    auth = _entra(settings, settings.bc_scope)
    return _http(
        settings,
        base_url,
        api_name="Business Central",
        max_in_flight=settings.bc_max_in_flight,
        auth=auth,
        credential_settings=ENTRA_CREDENTIALS,
        error_codes=BC_ERROR_CODES,
    )


def invoice_options(settings: Settings) -> InvoiceOptions:
    return InvoiceOptions(
        post_sales_documents=settings.ecppro_post_sales_documents,
        create_purchase_invoice=settings.ecppro_create_purchase_invoice,
        post_purchase_documents=settings.ecppro_post_purchase_documents,
        apply_cost_centre_dimension=settings.ecppro_apply_cost_centre_dimension,
        cost_centre_dimension=settings.ecppro_cost_centre_dimension,
        sales_account_number=settings.ecppro_sales_account_number,
        purchase_account_number=settings.ecppro_purchase_account_number,
        web_client_url=settings.bc_web_client_url,
        company_name=settings.bc_company_name,
    )


def build_dataverse(settings: Settings) -> DataverseClient:
    """The Dataverse Web API v9.2 client of the environment at DATAVERSE_URL."""
    root = _required(settings.dataverse_url, "DATAVERSE_URL").rstrip("/")
    http = _http(
        settings,
        f"{root}/api/data/v9.2/",
        api_name="Dataverse",
        max_in_flight=settings.dataverse_max_in_flight,
        auth=_entra(settings, scope_for(root)),
        credential_settings=ENTRA_CREDENTIALS,
    )
    return DataverseClient(http)


def _entra(settings: Settings, scope: str) -> EntraTokenAuth:
    return EntraTokenAuth(
        authority_host=settings.authority_host,
        tenant_id=settings.tenant_id,
        client_id=settings.client_id,
        client_secret=_secret(settings.client_secret, "HUB_CLIENT_SECRET"),
        scope=scope,
        session=new_session(verify=_verify(settings)),
        credential_settings=ENTRA_CREDENTIALS,
        authority_setting="HUB_AUTHORITY_HOST",
    )


def _secret(value: SecretStr | None, name: str) -> SecretStr:
    if value is None:
        raise ConfigurationError(f"{name} is not set", settings=(name,))
    return value


def _required(value: str, name: str) -> str:
    if not value.strip():
        raise ConfigurationError(f"{name} is not set", settings=(name,))
    return value


def build_deps(settings: Settings | None = None, *, bus: Bus | None = None) -> Deps:
    """Every port from settings; `bus` when the caller (a local host) already holds one."""
    settings = settings or load_settings()
    bus = bus or build_bus(settings)
    bc = build_business_central(settings)
    deps = Deps(
        store=build_store(settings),
        bus=bus,
        dead_letters=bus,
        redelivery=RedeliveryPolicy(
            first_delay=timedelta(seconds=settings.retry_first_delay_seconds),
            max_delay=timedelta(seconds=settings.retry_max_delay_seconds),
            window=timedelta(minutes=settings.retry_window_minutes),
        ),
        ecppro=build_ecppro(settings),
        bc=bc,
        bc_records=bc,
        bc_sales=CompanionSalesDocuments(bc),
        invoice_options=invoice_options(settings),
        dataverse=build_dataverse(settings) if settings.dataverse_url.strip() else None,
        crm_setup=crm_setup(settings),
        crm_sync_overlap_seconds=settings.crm_sync_overlap_seconds,
        bc_credit_memos=BcCreditMemosClient(bc.http, company_id=settings.bc_company_id),
        credit_notes=credit_note_setup(settings),
    )
    return deps


def credit_note_setup(settings: Settings) -> CreditNoteSetup:
    """The credit-notes parameters (Dataverse integration setup) from settings."""
    fields = (f.strip() for f in settings.project_non_changeable_fields.split(","))
    return CreditNoteSetup(
        allow_partial=settings.project_allow_partial_credit_notes,
        auto_confirm=settings.project_auto_confirm_credit_notes,
        integration_active=settings.project_bc_invoice_integration,
        correct_mode=CorrectMode(settings.project_correct_posted_invoice),
        revenue_account=settings.project_revenue_account.strip(),
        dimension=settings.project_dimension.strip(),
        non_changeable_fields=tuple(f for f in fields if f),
    )


def crm_setup(settings: Settings) -> CrmSetup:
    """The CRM Integration Setup from settings."""
    return CrmSetup(
        enabled=settings.crm_integration_enabled,
        crm_url=settings.dataverse_url.strip(),
        sales_order_no_series=settings.crm_sales_order_no_series,
        sales_quote_no_series=settings.crm_sales_quote_no_series,
        keep_order_no=settings.crm_keep_order_no,
        keep_quote_no=settings.crm_keep_quote_no,
        do_not_modify_orders=settings.crm_do_not_modify_orders,
        do_not_modify_quotes=settings.crm_do_not_modify_quotes,
        default_unit_group_id=settings.crm_default_unit_group_id,
        default_unit_id=settings.crm_default_unit_id,
        default_price_list_id=settings.crm_default_price_list_id,
        default_unit_group_name=settings.crm_default_unit_group_name,
        default_price_list_name=settings.crm_default_price_list_name,
        auto_sync=AutoSync(
            customers=settings.crm_auto_sync_customers,
            contacts_to_bc=settings.crm_auto_sync_contacts_to_bc,
            posted_invoices=settings.crm_auto_sync_posted_invoices,
            contacts_to_crm=settings.crm_auto_sync_contacts_to_crm,
            items=settings.crm_auto_sync_items,
            units_of_measure=settings.crm_auto_sync_units_of_measure,
            countries=settings.crm_auto_sync_countries,
        ),
    )


def deps() -> Deps:
    """The worker's dependencies, built on first use."""
    global _deps
    with _lock:
        if _deps is None:
            _deps = build_deps()
        return _deps


@contextmanager
def override(replacement: Deps) -> Iterator[Deps]:
    """Use `replacement` for the length of a `with` block (tests, the demo)."""
    global _deps
    with _lock:
        previous, _deps = _deps, replacement
    try:
        yield replacement
    finally:
        with _lock:
            _deps = previous
