"""The enum types of the BC simulator's entity sets and the values each accepts.

Values come from the API v2.0 resource pages (`api-reference/v2.0/resources/dynamics_*`,
property descriptions) and, where a page only names the type, from the base application's
enum reference (`application/base-application/enum/...`). The first value of each enum is
what BC shows on a record nobody set it on. Quirks kept as BC has them:

- blank members are a single space (`" "`: customer/vendor `blocked`, default dimension
  `postingValidation`, account `category`),
- the quote status "Expired " ends with a space (enum "Sales Quote Entity Buffer Status"),
- account types are "Begin-Total"/"End-Total" with a hyphen, the enum's member names,
  although the account page's text says "Begin Total".

The companion API's enums (BC_CUSTOM_API.md) are listed here too.
"""

from __future__ import annotations

from collections.abc import Mapping

_DOCUMENT_PARENTS = tuple(
    f"{kind}{suffix}"
    for kind in ("Sales Order", "Sales Quote", "Sales Credit Memo", "Sales Invoice",
                 "Purchase Invoice")
    for suffix in ("", " Line")
)  # fmt: skip

ENUMS: Mapping[str, tuple[str, ...]] = {
    # resources/dynamics_customer, dynamics_contact: "Company" or "Person"
    "contactType": ("Company", "Person"),
    # resources/dynamics_customer: " ", "Ship", "Invoice" or "All"
    "customerBlocked": (" ", "Ship", "Invoice", "All"),
    # resources/dynamics_vendor: " ", "Payment" or "All"
    "vendorBlocked": (" ", "Payment", "All"),
    # resources/dynamics_item: "Inventory", "Service" or "Non-Inventory"
    "itemType": ("Inventory", "Service", "Non-Inventory"),
    # enum "Contact Business Relation" (ID 5056)
    "contactBusinessRelation": (
        " ",
        "Customer",
        "Vendor",
        "Bank Account",
        "Employee",
        "None",
        "Other",
        "Multiple",
    ),
    # resources/dynamics_taxarea, dynamics_taxgroup: "Sales Tax" or "VAT"
    "taxBufferType": ("Sales Tax", "VAT"),
    # enum "Country/Region Address Format" (ID 8)
    "countryRegionAddressFormat": (
        "Post Code+City",
        "City+Post Code",
        "City+County+Post Code",
        "Blank Line+Post Code+City",
        "Custom",
    ),
    # resources/dynamics_account; enum "G/L Account Category" (ID 15)
    "glAccountCategory": (
        " ",
        "Assets",
        "Liabilities",
        "Equity",
        "Income",
        "Cost of Goods Sold",
        "Expense",
    ),
    # resources/dynamics_account; enum "G/L Account Type"
    "glAccountType": ("Posting", "Heading", "Total", "Begin-Total", "End-Total"),
    # resources/dynamics_defaultdimension
    "defaultDimensionParentType": (" ", "Customer", "Item", "Vendor", "Employee"),
    # enum "Default Dimension Value Posting Type"
    "defaultDimensionValuePostingType": (" ", "Code Mandatory", "Same Code", "No Code"),
    # enum "Dimension Set Entry Buffer Parent Type" (ID 136), the parents the simulator has
    "dimensionSetEntryBufferParentType": (
        " ",
        "Journal Line",
        *_DOCUMENT_PARENTS,
        "Purchase Credit Memo",
        "Purchase Credit Memo Line",
    ),
    # resources/dynamics_salesquote; enum "Sales Quote Entity Buffer Status" (ID 5505)
    "salesQuoteEntityBufferStatus": ("Draft", "Sent", "Accepted", "Expired "),
    # resources/dynamics_salesorder: "Draft", "In Review" or "Open"
    "salesOrderEntityBufferStatus": ("Draft", "In Review", "Open"),
    # resources/dynamics_salesinvoice, dynamics_purchaseinvoice
    "invoiceEntityAggregateStatus": (
        " ",
        "Draft",
        "In Review",
        "Open",
        "Paid",
        "Canceled",
        "Corrective",
    ),
    # resources/dynamics_salescreditmemo
    "salesCrMemoEntityBufferStatus": (
        "Draft",
        "In Review",
        "Open",
        "Paid",
        "Canceled",
        "Corrective",
    ),
    # resources/dynamics_purchasecreditmemo (type named only; the same members)
    "purchCrMemoEntityStatus": ("Draft", "In Review", "Open", "Paid", "Canceled", "Corrective"),
    # resources/dynamics_salesinvoiceline and the other document lines
    "invoiceLineAggLineType": ("Comment", "Account", "Item", "Resource", "Fixed Asset", "Charge"),
    # companion API: customerLedgerEntries.documentType (enum "Gen. Journal Document Type")
    "genJournalDocumentType": (
        " ",
        "Payment",
        "Invoice",
        "Credit Memo",
        "Finance Charge Memo",
        "Reminder",
        "Refund",
    ),
    # companion API: crmSalesQuoteLines/crmSalesOrderLines.lineType, v2.0's values for the
    # Sales Line types the connector writes (Comment is Type " ", Account is G/L Account)
    "crmSalesLineType": ("Comment", "Account", "Item"),
    # companion API: crmIds.entitySet, the integrated tables of the connector
    "crmEntitySet": (
        "customers",
        "contacts",
        "items",
        "unitsOfMeasure",
        "paymentTerms",
        "shipmentMethods",
        "shippingAgents",
        "taxAreas",
        "locations",
        "countriesRegions",
        "currencies",
        "salespeoplePurchasers",
        "configurationTemplates",
        "shipToAddresses",
        "salesQuotes",
        "salesOrders",
        "salesInvoices",
    ),
}
