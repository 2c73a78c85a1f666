"""Project Operations tables behind invoice corrections: line details, projects, categories.

An invoice line detail (`msdyn_invoicelinetransaction`) belongs to an invoice line
(`msdyn_InvoiceLineId`) and an invoice (`msdyn_Invoice`); a corrective detail on a
revised invoice has `msdyn_correction` Yes and points at the detail it corrects
(`msdyn_OriginalInvoiceLineDetail`), which is how a confirmed revised invoice leads back
to the original one. Columns and option values: the msdyn_invoicelinetransaction entity
(dynamics-365-project-operations `psa/developer-guides/entity-changes-v3.x`,
`psa/psa-project-operations-changes`, and the table's option sets: billing type,
transaction classification, transaction type). Projects are named by `msdyn_subject`,
transaction categories by `msdyn_name`.
"""

from __future__ import annotations

from sandbox.dataverse.schema import (
    Column,
    Kind,
    OneToMany,
    Required,
    Table,
    choice,
    custom_lookup,
    date_only,
    lookup,
    memo,
    money,
    number,
    text,
    with_currency,
    yes_no,
)
from sandbox.dataverse.tables.common import (
    ACTIVE_INACTIVE,
    active_inactive,
    audit_columns,
    id_column,
    owner_column,
)

BILLING_TYPES = {
    192350000: "Non Chargeable", 192350001: "Chargeable", 192350002: "Complimentary",
    192350003: "Not Available",
}  # fmt: skip
TRANSACTION_CLASSES = {
    192350000: "Time", 192350001: "Expense", 192350002: "Material", 192350003: "Milestone",
    192350004: "Fee", 690970000: "Commission", 690970001: "Additional", 690970002: "Tax",
}  # fmt: skip
TRANSACTION_TYPES = {
    192350000: "Cost", 192350004: "Project Contract", 192350005: "Unbilled Sales",
    192350006: "Billed Sales", 192350007: "Resourcing Unit Cost",
    192350008: "Inter-Organizational Sales",
}  # fmt: skip

PROJECT = Table(
    "msdyn_project", "msdyn_projects", "Project", "msdyn_projectid", "msdyn_subject",
    columns=(
        id_column("msdyn_projectid", "Project"),
        text("msdyn_subject", 200, "Project Name", required=Required.APPLICATION),
        memo("msdyn_description", 2000, "Description"),
        Column("msdyn_customer", Kind.CUSTOMER, "Customer", targets=("account", "contact"),
               schema_name="msdyn_customer"),
        owner_column(),
        *active_inactive(),
        *audit_columns(),
    ),
    custom=True,
    states=ACTIVE_INACTIVE,
)  # fmt: skip

TRANSACTIONCATEGORY = Table(
    "msdyn_transactioncategory", "msdyn_transactioncategories", "Transaction Category",
    "msdyn_transactioncategoryid", "msdyn_name",
    columns=(
        id_column("msdyn_transactioncategoryid", "Transaction Category"),
        text("msdyn_name", 100, "Name", required=Required.APPLICATION),
        *active_inactive(),
        *audit_columns(),
    ),
    custom=True,
    states=ACTIVE_INACTIVE,
)  # fmt: skip

INVOICELINETRANSACTION = with_currency(Table(
    "msdyn_invoicelinetransaction", "msdyn_invoicelinetransactions", "Invoice Line Detail",
    "msdyn_invoicelinetransactionid", "msdyn_description",
    columns=(
        id_column("msdyn_invoicelinetransactionid", "Invoice Line Detail"),
        text("msdyn_description", 100, "Description", required=Required.APPLICATION),
        text("msdyn_externaldescription", 100, "External Description"),
        custom_lookup("msdyn_InvoiceLineId", "invoicedetail", "Invoice Line"),
        custom_lookup("msdyn_Invoice", "invoice", "Invoice"),
        custom_lookup("msdyn_OriginalInvoiceLineDetail", "msdyn_invoicelinetransaction",
                      "Original Invoice Line Detail"),
        yes_no("msdyn_correction", "Correction"),
        custom_lookup("msdyn_Project", "msdyn_project", "Project"),
        custom_lookup("msdyn_TransactionCategory", "msdyn_transactioncategory",
                      "Transaction Category"),
        choice("msdyn_billingtype", BILLING_TYPES, "Billing Type"),
        choice("msdyn_transactionclassification", TRANSACTION_CLASSES, "Transaction Class"),
        choice("msdyn_transactiontypecode", TRANSACTION_TYPES, "Transaction Type"),
        number("msdyn_quantity", label="Quantity"),
        money("msdyn_price", "Price"),
        money("msdyn_amount", "Amount"),
        date_only("msdyn_documentdate", "Document Date"),
        date_only("msdyn_exchangeratedate", "Exchange Rate Date"),
        lookup("transactioncurrencyid", "transactioncurrency", label="Currency"),
        owner_column(),
        *active_inactive(),
        *audit_columns(),
    ),
    relationships=(
        OneToMany("msdyn_msdyn_invoicelinetransaction_msdyn_invoicelinetransaction_OriginalInvoiceLineDetail",
                  "msdyn_invoicelinetransaction", "msdyn_originalinvoicelinedetail"),
        OneToMany("bcs_msdyn_invoicelinetransaction_bcs_bcinvoicestagingline_InvoiceLineDetail",
                  "bcs_bcinvoicestagingline", "bcs_invoicelinedetail"),
    ),
    change_tracking=True,
    custom=True,
    states=ACTIVE_INACTIVE,
    locked_with="msdyn_invoice",
))  # fmt: skip
