"""Master data the simulators share, so the sandbox tells one consistent story.

EcpPro invoices name customers, vendors, currencies and license products; the same
numbers exist in the Business Central seed (customers, vendors, currencies, items), so a
flow that turns an EcpPro invoice into a BC sales document finds everything it needs.
Names include an apostrophe and non-ASCII letters on purpose: they are what breaks
hand-built OData filters and naive encodings.

BC also has G/L accounts (6100 for service sales and 7100 for service purchases, as the
hub's settings expect, plus a blocked one and one closed to direct posting) and the
dimensions the flows use. EcpPro invoices name cost centres CC-100, CC-200 and CC-300,
but BC knows only CC-100 and CC-200 (and a blocked CC-900), so the flows meet a cost
centre that is missing in BC. Customers carry default dimensions (one carries none).
"""

from __future__ import annotations

import random
import re
import unicodedata
import uuid
from dataclasses import dataclass

NAMESPACE = uuid.UUID("6f1c0c2e-3b7a-4d8e-9a51-2c4f0e9b7d10")


def stable_id(*parts: str) -> str:
    """A GUID that is the same on every run for the same parts."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def random_id(rng: random.Random) -> str:
    """A GUID drawn from `rng`, so seeded data has the same ids on every run."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def mailbox_name(*parts: str) -> str:
    """`("Siobhán", "O'Neil")` → `siobhan.oneil`: what a mail system makes of a name."""
    folded = unicodedata.normalize("NFKD", ".".join(parts)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9.]", "", folded.lower().replace(" ", "."))


@dataclass(frozen=True)
class Party:
    number: str
    name: str
    currency_code: str  # "" = the company's local currency
    city: str
    country: str
    email: str
    dimensions: tuple[tuple[str, str], ...] = ()  # default dimensions: (code, value)


@dataclass(frozen=True)
class Sku:
    code: str
    name: str
    unit_price: float
    unit_cost: float
    is_free: bool = False


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    symbol: str


@dataclass(frozen=True)
class GlAccount:
    number: str
    name: str
    category: str  # the API's account category: Assets, Income, CostOfGoodsSold, ...
    blocked: bool = False
    direct_posting: bool = True


@dataclass(frozen=True)
class DimensionValue:
    dimension: str
    code: str
    name: str
    blocked: bool = False


CUSTOMERS = (
    Party("C00010", "Adatum Corporation", "", "London", "GB", "accounts@adatum.example",
          (("CUSTOMERGROUP", "LARGE"), ("AREA", "UK"))),
    Party("C00020", "O'Neil Plumbing Ltd.", "", "Cork", "IE", "office@oneil-plumbing.example",
          (("AREA", "EU"),)),
    Party("C00030", "Müller & Söhne GmbH", "EUR", "München", "DE", "buchhaltung@mueller.example",
          (("CUSTOMERGROUP", "MEDIUM"), ("AREA", "EU"))),
    Party("C00040", "Trey Research Inc.", "USD", "Seattle", "US", "ap@treyresearch.example"),
    Party("C00050", "Société Générale de Café", "EUR", "Lyon", "FR", "compta@cafe.example",
          (("CUSTOMERGROUP", "SMALL"),)),
)  # fmt: skip

VENDORS = (
    Party("V00010", "Microsoft Ireland Operations Ltd", "EUR", "Dublin", "IE", "ar@msft.example"),
    Party("V00020", "Pax8 UK Ltd", "", "Manchester", "GB", "billing@pax8.example"),
    Party("V00030", "TD SYNNEX Corporation", "USD", "Clearwater", "US", "ar@tdsynnex.example",
          (("AREA", "US"),)),
)  # fmt: skip

GL_ACCOUNTS = (
    GlAccount("2310", "Customers Domestic", "Assets", direct_posting=False),
    GlAccount("6100", "Sales, services", "Income"),
    GlAccount("6110", "Sales, licences", "Income"),
    GlAccount("7100", "Purchases, services", "CostOfGoodsSold"),
    GlAccount("7190", "Purchases, discontinued", "CostOfGoodsSold", blocked=True),
)

DIMENSIONS = (
    ("AREA", "Area"),
    ("COSTCENTRE", "Cost Centre"),
    ("CUSTOMERGROUP", "Customer Group"),
    ("DEPARTMENT", "Department"),
)

DIMENSION_VALUES = (
    DimensionValue("AREA", "EU", "European Union"),
    DimensionValue("AREA", "UK", "United Kingdom"),
    DimensionValue("AREA", "US", "United States"),
    DimensionValue("COSTCENTRE", "CC-100", "Managed services"),
    DimensionValue("COSTCENTRE", "CC-200", "Licensing"),
    DimensionValue("COSTCENTRE", "CC-900", "Closed cost centre", blocked=True),
    DimensionValue("CUSTOMERGROUP", "LARGE", "Large accounts"),
    DimensionValue("CUSTOMERGROUP", "MEDIUM", "Medium accounts"),
    DimensionValue("CUSTOMERGROUP", "SMALL", "Small accounts"),
    DimensionValue("DEPARTMENT", "ADM", "Administration"),
    DimensionValue("DEPARTMENT", "SALES", "Sales"),
)

# How BC checks a default dimension when posting (the API's postingValidation).
POSTING_VALIDATION = {"CUSTOMERGROUP": "Same Code", "AREA": " "}

CURRENCIES = (
    Currency("CAD", "Canadian dollar", "$"),
    Currency("DKK", "Danish krone", "kr."),
    Currency("EUR", "Euro", "€"),
    Currency("USD", "US dollar", "$"),
)

LICENSE_SKUS = (
    Sku("SPE_E3", "Microsoft 365 E3", 33.75, 30.38),
    Sku("SPE_E5", "Microsoft 365 E5", 54.75, 49.28),
    Sku("O365_BUSINESS_PREMIUM", "Microsoft 365 Business Premium", 22.00, 19.80),
    Sku("O365_BUSINESS_ESSENTIALS", "Microsoft 365 Business Basic", 6.00, 5.40),
    Sku("EXCHANGESTANDARD", "Exchange Online (Plan 1)", 4.00, 3.60),
    Sku("AAD_PREMIUM", "Microsoft Entra ID P1", 6.00, 5.40),
    Sku("AAD_PREMIUM_P2", "Microsoft Entra ID P2", 9.00, 8.10),
    Sku("POWER_BI_PRO", "Power BI Pro", 14.00, 12.60),
    Sku("FLOW_FREE", "Microsoft Power Automate Free", 0.00, 0.00, is_free=True),
    Sku("TEAMS_EXPLORATORY", "Microsoft Teams Exploratory", 0.00, 0.00, is_free=True),
)

# Service lines on invoices that are not license products (no purchase cost).
SERVICE_LINES = (
    ("SUPPORT-HRS", "Managed support hours", 85.00),
    ("ONBOARDING", "User onboarding", 45.00),
)


# --- Connector master data: BC's code tables the CRM connector syncs ----------------------
# BC owns these and flows them to CRM (payment terms, shipment methods, shipping agents,
# tax areas, locations, countries, currencies, units of measure, templates, items); CRM
# owns contacts' persons and ship-to addresses. The company is British and VAT-based, so
# its "tax areas" are VAT business posting groups, as BC's taxAreas API shows them there.


@dataclass(frozen=True)
class PaymentTerm:
    code: str
    name: str
    due: str  # BC date formula
    discount_date: str = ""
    discount_percent: float = 0.0


@dataclass(frozen=True)
class Location:
    code: str
    name: str
    city: str


@dataclass(frozen=True)
class Salesperson:
    code: str
    name: str
    email: str  # CRM owners are coupled to salespeople by e-mail


@dataclass(frozen=True)
class StockItem:
    """An Inventory item: stock per location ("" = no location)."""

    code: str
    name: str
    unit_price: float
    unit_cost: float
    inventory_group: str
    stock: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class ContactPerson:
    first: str
    last: str
    company: str  # the customer number whose company contact this person works for ("": none)
    job_title: str
    email: str


@dataclass(frozen=True)
class ShipTo:
    customer: str
    code: str
    name: str
    address: str
    city: str
    country: str


PAYMENT_TERMS = (
    PaymentTerm("30 DAYS", "Net 30 days", "30D"),
    PaymentTerm("14 DAYS", "Net 14 days", "14D"),
    PaymentTerm("1M(8D)", "1 Month/2% 8 days", "1M", "8D", 2.0),
    PaymentTerm("CM", "Current month", "CM"),
    PaymentTerm("COD", "Cash on delivery", "0D"),
)
PAYMENT_METHODS = (("BANK", "Bank Transfer"), ("CARD", "Card payment"), ("CASH", "Cash"))
SHIPMENT_METHODS = (
    ("CIF", "Cost Insurance and Freight"),
    ("EXW", "Ex Warehouse"),
    ("FOB", "Free on Board"),
    ("PICKUP", "Pickup at Location"),
)
SHIPPING_AGENTS = (
    ("DHL", "DHL Systems, Inc.", "www.dhl.com"),
    ("FEDEX", "Federal Express Corporation", "www.fedex.com"),
    ("UPS", "UPS Parcel Service", "www.ups.com"),
)
TAX_AREAS = (
    ("DOMESTIC", "Domestic customers and vendors"),
    ("EU", "Customers and vendors in EU"),
    ("EXPORT", "Other customers and vendors (not EU)"),
)
TAX_GROUPS = (("STANDARD", "Standard VAT (20%)"), ("ZERO", "No VAT"))
LOCATIONS = (
    Location("MAIN", "Main Warehouse", "London"),
    Location("EAST", "East Warehouse", "Cambridge"),
    Location("WEST", "West Warehouse", "Bristol"),
)
COUNTRIES = (
    ("CA", "Canada"), ("DE", "Germany"), ("DK", "Denmark"), ("FR", "France"),
    ("GB", "Great Britain"), ("IE", "Ireland"), ("US", "USA"),
)  # fmt: skip
UNITS_OF_MEASURE = (("BOX", "Box", "BX"), ("HOUR", "Hour", "HUR"), ("PCS", "Piece", "H87"))
ITEM_CATEGORIES = (
    ("HARDWARE", "Hardware"),
    ("LICENSE", "Software licences"),
    ("SERVICE", "Services"),
)
GEN_PRODUCT_POSTING_GROUPS = (("RETAIL", "Retail"), ("SERVICES", "Resources and services"))
# (code, description, whether its items flow to CRM: the connector's "Create in CRM")
INVENTORY_POSTING_GROUPS = (("RESALE", "Resale items", True), ("SPARES", "Spare parts", False))
SALESPEOPLE = (
    Salesperson("PS", "Peter Saddow", "peter.saddow@cronus.example"),
    Salesperson("JO", "Jim Olive", "jim.olive@cronus.example"),
    Salesperson("OF", "Otis Falls", "otis.falls@cronus.example"),
)
# Configuration templates (code, description, table): what CRM offers on a new account.
CONFIG_TEMPLATES = (
    ("CUST-DOM", "Domestic customers", "Customer"),
    ("CUST-EU", "EU customers", "Customer"),
    ("CUST-EXP", "Export customers", "Customer"),
    ("ITEM-HW", "Hardware items", "Item"),
)
# What applying a customer template sets (BC's Config. Template Lines), by the companion
# `crmCustomers` property each fills. The company uses VAT, so its tax area is the VAT
# Bus. Posting Group (crmCustomers shows it twice: taxAreaCode and vatBusPostingGroup).
TEMPLATE_DEFAULTS: dict[str, dict[str, str]] = {
    "CUST-DOM": {"customerPostingGroup": "DOMESTIC", "genBusPostingGroup": "DOMESTIC",
                 "taxAreaCode": "DOMESTIC", "paymentTermsCode": "30 DAYS"},
    "CUST-EU": {"customerPostingGroup": "EU", "genBusPostingGroup": "EU", "taxAreaCode": "EU",
                "paymentTermsCode": "1M(8D)", "shipmentMethodCode": "EXW"},
    "CUST-EXP": {"customerPostingGroup": "FOREIGN", "genBusPostingGroup": "EXPORT",
                 "taxAreaCode": "EXPORT", "paymentTermsCode": "COD", "shipmentMethodCode": "CIF",
                 "shippingAgentCode": "FEDEX"},
}  # fmt: skip
# Salutations (table 5068 "Salutation": code, description) a person contact may name.
SALUTATIONS = (
    ("DR", "Dr."), ("MISS", "Miss"), ("MR", "Mr."), ("MRS", "Mrs."), ("MS", "Ms."),
    ("MX", "Mx."), ("PROF", "Prof."),
)  # fmt: skip
STOCK_ITEMS = (
    StockItem("HW-LAPTOP", "Surface Laptop 7", 1299.00, 999.00, "RESALE",
              (("MAIN", 25), ("EAST", 4), ("", 2))),
    StockItem("HW-DOCK", "Surface Dock 2", 259.00, 189.00, "RESALE", (("MAIN", 40), ("WEST", 12))),
    StockItem("HW-CABLE", "USB-C cable, 2 m", 19.00, 6.50, "SPARES", (("MAIN", 300),)),
)  # fmt: skip
CONTACT_PERSONS = (
    ContactPerson("Jane", "Doe", "C00010", "Finance Director", "jane.doe@adatum.example"),
    ContactPerson("Siobhán", "O'Neil", "C00020", "Owner", "siobhan@oneil-plumbing.example"),
    ContactPerson("Jürgen", "Müller", "C00030", "Einkauf", "juergen@mueller.example"),
    ContactPerson("Sam", "Free", "", "Consultant", "sam.free@example.net"),
)
SHIP_TO_ADDRESSES = (
    ShipTo("C00010", "GOODS-IN", "Adatum goods-in", "Unit 4, Dock Road", "Tilbury", "GB"),
    ShipTo("C00030", "LAGER", "Müller & Söhne Lager", "Hafenstraße 7", "Hamburg", "DE"),
)
