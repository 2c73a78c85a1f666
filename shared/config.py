"""Hub settings: the one place that reads the environment.

Every field is an Azure Function App setting. The same names appear in
`local.settings.example.json` (Values) and in `infra/main.bicep` (appSettings);
`tests/unit/test_settings_agreement.py` fails when the three drift apart.
Secrets are `SecretStr` so they never print in logs, errors or staging rows.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import ConfigurationError


def _setting(default: Any, name: str, description: str, **kwargs: Any) -> Any:
    """A field read from the app setting `name` exactly as written there."""
    return Field(
        default,
        validation_alias=AliasChoices(name),
        description=description,
        **kwargs,
    )


class Settings(BaseSettings):
    """All app settings of the hub, with the name each one has in Azure."""

    model_config = SettingsConfigDict(
        case_sensitive=True, extra="ignore", populate_by_name=True, frozen=True
    )

    # --- staging store and local bus (Azure Storage) -------------------------------
    storage_connection: SecretStr | None = _setting(
        None,
        "HUB_STORAGE_CONNECTION",
        "Connection string of the storage account holding the staging tables "
        "(and, with HUB_BUS_KIND=storagequeue, the queues). 'UseDevelopmentStorage=true' "
        "for Azurite. Leave empty in Azure to use the managed identity with "
        "HUB_STORAGE_ACCOUNT_NAME.",
    )
    storage_account_name: str | None = _setting(
        None,
        "HUB_STORAGE_ACCOUNT_NAME",
        "Storage account name used with the managed identity when HUB_STORAGE_CONNECTION is empty.",
    )
    table_prefix: str = _setting(
        "hub",
        "HUB_TABLE_PREFIX",
        "Prefix of every staging table name, so several hubs can share one account.",
        pattern=r"^[A-Za-z][A-Za-z0-9]{0,20}$",
    )

    # --- message bus ----------------------------------------------------------------
    bus_kind: Literal["servicebus", "storagequeue"] = _setting(
        "servicebus",
        "HUB_BUS_KIND",
        "'servicebus' in Azure; 'storagequeue' runs the same queues on Azure Storage "
        "queues (Azurite locally).",
    )
    servicebus_connection: SecretStr | None = _setting(
        None,
        "ServiceBusConnection",
        "Service Bus connection string; leave empty in Azure to use the managed "
        "identity with ServiceBusConnection__fullyQualifiedNamespace.",
    )
    servicebus_namespace: str | None = _setting(
        None,
        "ServiceBusConnection__fullyQualifiedNamespace",
        "Fully qualified Service Bus namespace (<name>.servicebus.windows.net) used "
        "with the managed identity; also read by the Service Bus trigger.",
    )
    max_delivery_count: int = _setting(
        10,
        "HUB_MAX_DELIVERY_COUNT",
        "Deliveries before a message is dead-lettered. Must equal the queues' "
        "maxDeliveryCount in infra/main.bicep; the storage-queue bus enforces it itself.",
        ge=1,
        le=100,
    )

    retry_first_delay_seconds: int = _setting(
        30,
        "HUB_RETRY_FIRST_DELAY_SECONDS",
        "When a queued message fails for a passing reason (an outage, throttling, a refused "
        "credential), it is sent again this many seconds later, then twice as late each time.",
        ge=1,
        le=3600,
    )
    retry_max_delay_seconds: int = _setting(
        1800,
        "HUB_RETRY_MAX_DELAY_SECONDS",
        "The longest wait between two tries of a failing queued message.",
        ge=1,
        le=86_400,
    )
    retry_window_minutes: int = _setting(
        240,
        "HUB_RETRY_WINDOW_MINUTES",
        "How long a failing queued message keeps being tried before it is left to the "
        "dead-letter queue (its staging row says so; replay it once the cause is fixed).",
        ge=1,
        le=10_080,
    )

    # --- Entra ID (client credentials for Business Central and Dataverse) ------------
    tenant_id: str = _setting(
        "", "HUB_TENANT_ID", "Entra tenant id (GUID) of the app registration."
    )
    client_id: str = _setting(
        "", "HUB_CLIENT_ID", "Application (client) id of the hub's app registration."
    )
    client_secret: SecretStr | None = _setting(
        None,
        "HUB_CLIENT_SECRET",
        "Client secret of the app registration (a Key Vault reference in Azure).",
    )
    authority_host: str = _setting(
        "https://login.microsoftonline.com",
        "HUB_AUTHORITY_HOST",
        "Entra authority host; the sandbox token endpoint locally.",
    )
    ca_bundle: str | None = _setting(
        None,
        "HUB_CA_BUNDLE",
        "Optional PEM file of extra certificate authorities to trust (the sandbox CA "
        "locally). Empty in Azure.",
    )

    # --- Business Central ---------------------------------------------------------
    bc_api_url: str = _setting(
        "",
        "BC_API_URL",
        "Business Central API root, e.g. https://api.businesscentral.dynamics.com/"
        "v2.0/<tenant>/<environment>/api/v2.0",
    )
    bc_company_id: str = _setting("", "BC_COMPANY_ID", "Id (GUID) of the Business Central company.")
    bc_scope: str = _setting(
        "https://api.businesscentral.dynamics.com/.default",
        "BC_SCOPE",
        "OAuth scope requested for Business Central.",
    )
    bc_max_in_flight: int = _setting(
        5,
        "BC_MAX_IN_FLIGHT",
        "Requests in flight to Business Central per worker (BC processes 5 per identity).",
        ge=1,
        le=100,
    )

    # --- Dataverse ------------------------------------------------------------------
    dataverse_url: str = _setting(
        "",
        "DATAVERSE_URL",
        "Dataverse environment URL, e.g. https://contoso.crm.dynamics.com",
    )
    dataverse_max_in_flight: int = _setting(
        52,
        "DATAVERSE_MAX_IN_FLIGHT",
        "Requests in flight to Dataverse per worker (the service allows 52 per user).",
        ge=1,
        le=52,
    )

    # --- CRM ⇄ BC connector (product document 002, §2 CRM Integration Setup) ---------
    crm_integration_enabled: bool = _setting(
        False,
        "CRM_INTEGRATION_ENABLED",
        "Enable CRM Integration: nothing syncs between CRM and Business Central while false.",
    )
    crm_sales_order_no_series: str = _setting(
        "",
        "CRM_SALES_ORDER_NO_SERIES",
        "CRM Sales Order No. Series: the BC number series for sales orders created from "
        "CRM (empty: BC's standard series).",
    )
    crm_sales_quote_no_series: str = _setting(
        "",
        "CRM_SALES_QUOTE_NO_SERIES",
        "CRM Sales Quote No.: the BC number series for sales quotes created from CRM "
        "(empty: BC's standard series).",
    )
    crm_keep_order_no: bool = _setting(
        False,
        "CRM_KEEP_ORDER_NO",
        "Keep Sales Order No. same as CRM: a BC order from CRM takes the CRM order's number.",
    )
    crm_keep_quote_no: bool = _setting(
        False,
        "CRM_KEEP_QUOTE_NO",
        "Keep Sales Quote No. same as CRM: a BC quote from CRM takes the CRM quote's number.",
    )
    crm_do_not_modify_orders: bool = _setting(
        False,
        "CRM_DO_NOT_MODIFY_ORDERS",
        "Do Not Allow to Modify the Sales Order: integrated fields of orders from CRM are "
        "locked in BC (comment lines may still be added).",
    )
    crm_do_not_modify_quotes: bool = _setting(
        False,
        "CRM_DO_NOT_MODIFY_QUOTES",
        "Do Not Allow to Modify the Sales Quote: integrated fields of quotes from CRM are "
        "locked in BC (comment lines may still be added).",
    )
    crm_default_unit_group_id: str = _setting(
        "",
        "CRM_DEFAULT_UNIT_GROUP_ID",
        "Default Unit Group: GUID of the CRM unit group new products and units go under "
        "(empty: the one 'hub crm setup defaults' found by CRM_DEFAULT_UNIT_GROUP_NAME).",
    )
    crm_default_unit_id: str = _setting(
        "",
        "CRM_DEFAULT_UNIT_ID",
        "Default Unit: GUID of the base unit of that group, used for new units and for "
        "products whose item has no base unit (empty: looked up with the group).",
    )
    crm_default_price_list_id: str = _setting(
        "",
        "CRM_DEFAULT_PRICE_LIST_ID",
        "Default Price List: GUID of the CRM price list new products get an item at 0 in "
        "(empty: the one 'hub crm setup defaults' found by CRM_DEFAULT_PRICE_LIST_NAME).",
    )
    crm_default_unit_group_name: str = _setting(
        "Default",
        "CRM_DEFAULT_UNIT_GROUP_NAME",
        "Name of the CRM unit group 'Get Default UOM GUIDs' looks up.",
    )
    crm_default_price_list_name: str = _setting(
        "Default",
        "CRM_DEFAULT_PRICE_LIST_NAME",
        "Name of the CRM price list 'Get Default List Price GUIDs' looks up.",
    )
    crm_auto_sync_customers: bool = _setting(
        False, "CRM_AUTO_SYNC_CUSTOMERS", "Auto Synchronize Customer in BC (CRM accounts → BC)."
    )
    crm_auto_sync_contacts_to_bc: bool = _setting(
        False,
        "CRM_AUTO_SYNC_CONTACTS_TO_BC",
        "Auto Synchronize Contact Person in BC (CRM person contacts → BC).",
    )
    crm_auto_sync_posted_invoices: bool = _setting(
        False,
        "CRM_AUTO_SYNC_POSTED_INVOICES",
        "Auto Synchronize Posted Invoice CRM (BC posted sales invoices → CRM).",
    )
    crm_auto_sync_contacts_to_crm: bool = _setting(
        False,
        "CRM_AUTO_SYNC_CONTACTS_TO_CRM",
        "Auto Synchronize BC Contact Person in CRM (BC person contacts → CRM).",
    )
    crm_auto_sync_items: bool = _setting(
        False, "CRM_AUTO_SYNC_ITEMS", "Auto Synchronize Items to CRM (BC items → CRM products)."
    )
    crm_auto_sync_units_of_measure: bool = _setting(
        False, "CRM_AUTO_SYNC_UOM", "Auto Synchronize BC UOM to CRM."
    )
    crm_auto_sync_countries: bool = _setting(
        False, "CRM_AUTO_SYNC_COUNTRIES", "Auto Synchronize BC Country/Region to CRM."
    )
    crm_bc_to_crm_schedule: str = _setting(
        "0 */2 * * * *",
        "CRM_BC_TO_CRM_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of 'BC to CRM Data Sync' (the masters).",
    )
    crm_crm_to_bc_schedule: str = _setting(
        "0 */5 * * * *",
        "CRM_CRM_TO_BC_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of staging CRM's changes (accounts, "
        "contacts, ship-to addresses) and creating in BC the auto-synchronized ones.",
    )
    crm_documents_schedule: str = _setting(
        "*/30 * * * * *",
        "CRM_DOCUMENTS_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of CRM quotes and orders to BC: stage what "
        "changed, write the pending ones, report changes made in BC.",
    )
    crm_cle_schedule: str = _setting(
        "0 0 1 * * *",
        "CRM_CLE_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of the nightly customer ledger"
        " feed: open entries and account balances to CRM, by difference.",
    )
    crm_inventory_schedule: str = _setting(
        "0 30 1 * * *",
        "CRM_INVENTORY_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of the nightly inventory feed:"
        " stock per item and location and product totals to CRM, by difference.",
    )
    # --- Project Operations credit notes (product document 001) ---------------------
    project_allow_partial_credit_notes: bool = _setting(
        True,
        "PROJECT_ALLOW_PARTIAL_CREDIT_NOTES",
        "Allow Partial Credit Notes: off, only complete invoices can be reversed and a "
        "partial revision is refused.",
    )
    project_auto_confirm_credit_notes: bool = _setting(
        False,
        "PROJECT_AUTO_CONFIRM_CREDIT_NOTES",
        "Auto Confirm Credit Note Invoice: a draft revised invoice is confirmed in Project "
        "Operations by the hub.",
    )
    project_bc_invoice_integration: bool = _setting(
        False,
        "PROJECT_BC_INVOICE_INTEGRATION",
        "Activate BC Invoice Integration: confirmed project invoices and revisions go to BC "
        "on the timer; off, Process Confirmed Invoices does it on demand.",
    )
    project_correct_posted_invoice: Literal["Cancel invoice", "Create credit memo"] = _setting(
        "Cancel invoice",
        "PROJECT_CORRECT_POSTED_INVOICE",
        "Correct Posted Invoice: 'Cancel invoice' (the credit memo is posted) or 'Create "
        "credit memo' (left unposted for the user).",
    )
    project_revenue_account: str = _setting(
        "",
        "PROJECT_REVENUE_ACCOUNT",
        "G/L account of the BC invoice and credit memo lines made from project invoices.",
    )
    project_dimension: str = _setting(
        "PROJECT",
        "PROJECT_DIMENSION",
        "BC dimension whose value (by code or name) is the project on every line.",
    )
    project_non_changeable_fields: str = _setting(
        "",
        "PROJECT_NON_CHANGEABLE_FIELDS",
        "Sales Credit Memo Non-changeable fields: v2.0 property names (lines as "
        "lines/<name>), comma-separated, that BC refuses to let users change before posting.",
    )
    project_invoices_schedule: str = _setting(
        "0 */2 * * * *",
        "PROJECT_INVOICES_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of the Project Operations invoice poll: "
        "auto confirm, stage confirmed invoices and revisions, BC outcomes back.",
    )
    crm_sync_overlap_seconds: float = _setting(
        60.0,
        "CRM_SYNC_OVERLAP_SECONDS",
        "How far before its watermark each sync reads again (clock skew, commit order).",
        ge=0,
        le=3600,
    )

    # --- EcpPro -----------------------------------------------------------------------
    ecppro_base_url: str = _setting(
        "", "ECPPRO_BASE_URL", "EcpPro REST API root, e.g. https://api.ecppro.example/api/v1"
    )
    ecppro_customer_id: str = _setting(
        "", "ECPPRO_CUSTOMER_ID", "EcpPro Customer ID (sent with every request)."
    )
    ecppro_secret_key: SecretStr | None = _setting(
        None, "ECPPRO_SECRET_KEY", "EcpPro Secret Key (a Key Vault reference in Azure)."
    )
    ecppro_page_size: int = _setting(
        500, "ECPPRO_PAGE_SIZE", "Rows asked for per EcpPro page.", ge=1, le=1000
    )
    ecppro_refresh_schedule: str = _setting(
        "0 0 */4 * * *",
        "ECPPRO_REFRESH_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of the timer that refreshes all EcpPro lists.",
    )
    ecppro_max_in_flight: int = _setting(
        4, "ECPPRO_MAX_IN_FLIGHT", "Requests in flight to EcpPro per worker.", ge=1, le=50
    )

    # --- EcpPro invoices → Business Central documents ------------------------------
    ecppro_invoice_import_schedule: str = _setting(
        "0 */15 * * * *",
        "ECPPRO_INVOICE_IMPORT_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of the timer that imports EcpPro invoices "
        "into staging.",
    )
    ecppro_status_sync_schedule: str = _setting(
        "0 */30 * * * *",
        "ECPPRO_STATUS_SYNC_SCHEDULE",
        "NCRONTAB (6 fields, seconds first, UTC) of the timer that picks up documents "
        "posted, or deleted, in Business Central after the hub created them.",
    )
    ecppro_post_sales_documents: bool = _setting(
        False,
        "ECPPRO_POST_SALES_DOCUMENTS",
        "Post sales invoices and credit memos right after creating them (create-and-post); "
        "false creates them only.",
    )
    ecppro_create_purchase_invoice: bool = _setting(
        False,
        "ECPPRO_CREATE_PURCHASE_INVOICE",
        "Create purchase invoices / credit memos for the staged lines that have a unit cost.",
    )
    ecppro_post_purchase_documents: bool = _setting(
        False,
        "ECPPRO_POST_PURCHASE_DOCUMENTS",
        "Post purchase documents right after adding lines (a posted document can no longer "
        "be reused by later invoices of the same provider invoice).",
    )
    ecppro_apply_cost_centre_dimension: bool = _setting(
        False,
        "ECPPRO_APPLY_COST_CENTRE_DIMENSION",
        "Layer the staged cost centre on top of the customer's default dimensions on "
        "purchase lines.",
    )
    ecppro_cost_centre_dimension: str = _setting(
        "COSTCENTRE",
        "ECPPRO_COST_CENTRE_DIMENSION",
        "Business Central dimension code that holds EcpPro cost centres.",
    )
    ecppro_sales_account_number: str = _setting(
        "",
        "ECPPRO_SALES_ACCOUNT_NUMBER",
        "G/L account for sales lines whose product is not a Business Central item "
        "(services); empty refuses such lines.",
    )
    ecppro_purchase_account_number: str = _setting(
        "",
        "ECPPRO_PURCHASE_ACCOUNT_NUMBER",
        "G/L account for purchase lines whose product is not a Business Central item; "
        "empty refuses such lines.",
    )
    bc_web_client_url: str = _setting(
        "https://businesscentral.dynamics.com",
        "BC_WEB_CLIENT_URL",
        "Business Central web client root used for document links, e.g. "
        "https://businesscentral.dynamics.com/<tenant>/<environment>",
    )
    bc_company_name: str = _setting(
        "", "BC_COMPANY_NAME", "Business Central company name, used in document links."
    )

    # --- HTTP behaviour shared by every outbound client ------------------------------
    http_connect_timeout: float = _setting(
        5.0, "HTTP_CONNECT_TIMEOUT", "Seconds to wait for a TCP/TLS connection.", gt=0
    )
    http_read_timeout: float = _setting(
        60.0, "HTTP_READ_TIMEOUT", "Seconds to wait for a response.", gt=0
    )
    http_max_attempts: int = _setting(
        6,
        "HTTP_MAX_ATTEMPTS",
        "Attempts per request on 429, 5xx and connection errors (1 = no retry).",
        ge=1,
        le=20,
    )
    http_retry_budget_seconds: float = _setting(
        120.0,
        "HTTP_RETRY_BUDGET_SECONDS",
        "Longest total time one request may spend waiting between retries; past it "
        "the error is raised as transient so the bus redelivers later.",
        gt=0,
    )

    @field_validator(
        "storage_connection",
        "storage_account_name",
        "servicebus_connection",
        "servicebus_namespace",
        "client_secret",
        "ca_bundle",
        "ecppro_secret_key",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        # App settings cannot be null: an empty string is how Azure and local.settings.json
        # say "not set" (e.g. HUB_STORAGE_CONNECTION when the managed identity is used).
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "crm_default_unit_group_id", "crm_default_unit_id", "crm_default_price_list_id"
    )
    @classmethod
    def _a_guid_or_empty(cls, value: str) -> str:
        value = value.strip().strip("{}").lower()
        if value:
            try:
                uuid.UUID(value)
            except ValueError:
                raise ValueError(f"'{value}' is not a GUID") from None
        return value

    @model_validator(mode="after")
    def _crm_integration_is_reachable(self) -> Settings:
        if self.crm_integration_enabled and not self.dataverse_url.strip():
            raise ValueError(
                "DATAVERSE_URL: CRM_INTEGRATION_ENABLED is true, so the CRM URL must be set"
            )
        return self

    @model_validator(mode="after")
    def _storage_is_reachable(self) -> Settings:
        if self.storage_connection is None and not self.storage_account_name:
            raise ValueError(
                "set HUB_STORAGE_CONNECTION (connection string) or "
                "HUB_STORAGE_ACCOUNT_NAME (managed identity)"
            )
        return self

    @classmethod
    def setting_names(cls) -> set[str]:
        """The app-setting names this class reads (for docs and agreement tests)."""
        names: set[str] = set()
        for field in cls.model_fields.values():
            alias = field.validation_alias
            assert isinstance(alias, AliasChoices)
            names.update(str(choice) for choice in alias.choices)
        return names

    @classmethod
    def secret_names(cls) -> set[str]:
        """Names of the settings that hold secrets."""
        return {
            str(field.validation_alias.choices[0])  # type: ignore[union-attr]
            for field in cls.model_fields.values()
            if "SecretStr" in str(field.annotation)
        }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per worker from the environment.

    Raises pydantic's ValidationError; `load_settings` turns it into a ConfigurationError.
    """
    return Settings()


def load_settings() -> Settings:
    """The worker's settings. Raises ConfigurationError naming each invalid setting."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = []
        names = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            if not name:  # a rule across settings: its message starts with the one to fix
                named = re.match(r"([A-Z][A-Z0-9_]+): ", message)
                name = named.group(1) if named else "settings"
                message = message[len(name) + 2 :] if named else message
            names.append(name)
            problems.append(f"{name}: {message}")
        raise ConfigurationError(
            "the hub's settings are not valid: " + "; ".join(problems), settings=names
        ) from None
