"""BC → CRM masters that are a code and a description (product document §6–9, 11, 15, 16).

Each lands in a custom CRM table of the connector, keyed by its code
(`bcs_paymentterms(bcs_code='30 DAYS')`); the CRM GUID goes back onto the BC record.
Lengths are the CRM columns' (which mirror the BC fields).
"""

from __future__ import annotations

from shared.sync.maps import Copy, Direction, EntityMap, Field


def code_master(
    name: str, label: str, source_set: str, logical: str, *, description_length: int = 100,
    source_api: str = "v2.0", auto_sync: str | None = None, code_length: int = 10,
) -> EntityMap:  # fmt: skip
    """A master with a code and a description, mapped onto `bcs_<logical>`."""
    return EntityMap(
        name=name,
        label=label,
        direction=Direction.BC_TO_CRM,
        source_set=source_set,
        target_set=f"{logical}s",
        target_table=logical,
        source_key="code",
        target_key="bcs_code",
        fields=(
            Field("bcs_code", ("code",), Copy(code_length)),
            Field("bcs_description", ("displayName",), Copy(description_length)),
        ),
        source_api="companion" if source_api == "companion" else "v2.0",
        auto_sync=auto_sync,
    )


PAYMENT_TERMS = code_master("payment-terms", "Payment Term", "paymentTerms", "bcs_paymentterm")
SHIPMENT_METHODS = code_master(
    "shipment-methods", "Shipment Method", "shipmentMethods", "bcs_shipmentmethod"
)
SHIPPING_AGENTS = code_master(
    "shipping-agents", "Shipping Agent", "shippingAgents", "bcs_shippingagent",
    description_length=50, source_api="companion",
)  # fmt: skip
TAX_AREAS = code_master("tax-areas", "Tax Area", "taxAreas", "bcs_taxarea", code_length=20)
LOCATIONS = code_master("locations", "Location", "locations", "bcs_location")
CONFIGURATION_TEMPLATES = code_master(
    "configuration-templates", "Configuration Template", "configurationTemplates",
    "bcs_configtemplate", source_api="companion",
)  # fmt: skip
COUNTRIES = code_master(
    "countries-regions", "Country/Region", "countriesRegions", "bcs_countryregion",
    description_length=50, auto_sync="countries",
)  # fmt: skip
