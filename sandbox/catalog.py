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
