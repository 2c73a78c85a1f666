"""Project Operations invoices → BC sales invoices, and what a revision takes back
(product document 001). Field maps as data, over the engine's couplings:

- header: the invoice number → External Document No.; the invoice date → document and
  posting date; the account → its BC customer; the currency → its BC code (CRM's base
  currency → blank, as for every CRM → BC document);
- lines: one per chargeable line detail (Billing Type Chargeable): its description,
  quantity and price, on the G/L account PROJECT_REVENUE_ACCOUNT, with the project as
  the value of the PROJECT_DIMENSION dimension. Non-chargeable details are staged (users
  see them) but bill nothing.

A customer or currency not coupled yet makes the invoice wait, as every CRM → BC record does.
"""

from __future__ import annotations

from shared.registry import Table
from shared.sync.maps import Copy, Direction, EntityMap, Field, Lookup

HEADER_COLUMNS = (
    "invoiceid", "invoicenumber", "name", "msdyn_projectinvoicestatus", "msdyn_hascorrections",
    "msdyn_invoicedate", "_customerid_value", "_transactioncurrencyid_value", "totalamount",
    "totaltax", "exchangerate", "modifiedon", "statecode",
)  # fmt: skip
DETAIL_COLUMNS = (
    "msdyn_invoicelinetransactionid", "msdyn_description", "msdyn_quantity", "msdyn_price",
    "msdyn_amount", "msdyn_billingtype", "msdyn_transactionclassification", "msdyn_correction",
    "_msdyn_invoice_value", "_msdyn_project_value", "_msdyn_transactioncategory_value",
    "_msdyn_originalinvoicelinedetail_value", "_msdyn_invoicelineid_value", "msdyn_documentdate",
    "exchangerate", "createdon", "modifiedon",
)  # fmt: skip

PROJECT_INVOICE = EntityMap(
    name="project-invoices",
    label="Project invoice",
    direction=Direction.CRM_TO_BC,
    source_set="invoices",
    target_set="salesInvoices",
    target_table="invoice",
    source_key="invoicenumber",
    target_key="externalDocumentNumber",
    fields=(
        Field("externalDocumentNumber", ("invoicenumber",), Copy(35)),
        Field("postingDate", ("msdyn_invoicedate",)),
    ),
    lookups=(
        Lookup(
            "_customerid_value",
            "customers",
            "customerNumber",
            by="crm",
            value="key",
            label="Customer (the account's BC customer)",
        ),
        Lookup(
            "_transactioncurrencyid_value",
            "currencies",
            "currencyCode",
            by="crm",
            value="key",
            label="Currency (Map CRM Data: currencies)",
        ),
    ),
    required=(("_customerid_value", "Customer: the invoice is for no account"),),
    write_back=False,
    staging=Table.PROJECT_INVOICES,
)

LINE_FIELDS = (  # staged line (product document 001, "Invoice lines details") ← line detail
    ("Name", "msdyn_description"),
    ("Description", "msdyn_description"),
    ("Quantity", "msdyn_quantity"),
    ("UnitPrice", "msdyn_price"),
    ("LineAmount", "msdyn_amount"),
    ("BillingType", "msdyn_billingtype"),
    ("TransactionClass", "msdyn_transactionclassification"),
    ("ExchangeRate", "exchangerate"),
    ("CreatedOn", "createdon"),
    ("ModifiedOn", "modifiedon"),
)
DESCRIPTION = 100  # BC's Description on a sales line
