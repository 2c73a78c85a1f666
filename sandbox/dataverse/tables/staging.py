"""The product's "BC Invoice Stagings": confirmed project invoices on their way to BC.

From the product document on credit notes (Sales > BC Invoice Stagings): one header row
per Project Operations invoice (`bcs_bcinvoicestaging`, named by the invoice number) with
BC's customer number, currency, dates, totals, its status towards BC and the numbers BC
gave the invoice; when a revision of the invoice is confirmed the same row learns the
revision's invoice id ("Credit Note Invoice Id") and the credit memo's numbers. Its lines
(`bcs_bcinvoicestagingline`) copy the invoice line details (description, billing type,
transaction category and class, the project as dimension code and value, quantity, unit
price, amounts) and, after a revision, the revised and credited quantities.

Schema choices (the document names fields, not columns): the connector's publisher
prefix `bcs_`; text lengths of the BC fields they mirror (Code[20] numbers, Code[10]
currency, Text[100] descriptions); amounts as decimals in the invoice's currency, named
by `bcs_currencycode` as BC names it (no Dataverse currency lookup, so no `_base` twins);
the status options as a new publisher's choice values (100000000 …); the Project
Operations option sets reused on the lines. Custom columns are at most
ApplicationRequired (a maker cannot make one SystemRequired), so the API enforces none.
Lines belong to their staging row (parental: deleting the row deletes them); both tables
are user-owned with Active/Inactive states and change tracking, as a new custom table is.
"""

from __future__ import annotations

from sandbox.dataverse.schema import (
    Kind,
    OneToMany,
    Required,
    Table,
    choice,
    custom_lookup,
    date_only,
    memo,
    number,
    text,
    yes_no,
)
from sandbox.dataverse.tables.common import (
    ACTIVE_INACTIVE,
    active_inactive,
    audit_columns,
    id_column,
    owner_column,
)
from sandbox.dataverse.tables.project import BILLING_TYPES, TRANSACTION_CLASSES

STAGING_STATUS = {
    100000000: "New", 100000001: "Created in BC", 100000002: "Posted in BC",
    100000003: "Credited", 100000004: "Cancelled", 100000005: "Error",
}  # fmt: skip
LINES = "bcs_bcs_bcinvoicestaging_bcs_bcinvoicestagingline_InvoiceStaging"

INVOICESTAGING = Table(
    "bcs_bcinvoicestaging", "bcs_bcinvoicestagings", "BC Invoice Staging",
    "bcs_bcinvoicestagingid", "bcs_name",
    columns=(
        id_column("bcs_bcinvoicestagingid", "BC Invoice Staging"),
        text("bcs_name", 100, "Invoice Number", required=Required.APPLICATION),
        custom_lookup("bcs_Invoice", "invoice", "Invoice"),
        text("bcs_customeraccountnumber", 20, "Customer Account Number"),
        text("bcs_currencycode", 10, "Currency"),
        date_only("bcs_documentdate", "Document Date"),
        date_only("bcs_bcpostingdate", "BC Posting Date"),
        number("bcs_totalamount", label="Total Amount"),
        number("bcs_totaltax", label="Total Tax"),
        choice("bcs_status", STAGING_STATUS, "Status"),
        text("bcs_bcunpostedinvoiceno", 20, "BC Unposted Invoice Number"),
        text("bcs_bcpostedinvoiceno", 20, "BC Posted Invoice No"),
        yes_no("bcs_iscorrectioninvoice", "Is Correction Invoice"),
        text("bcs_creditnoteinvoiceid", 100, "Credit Note Invoice Id"),
        text("bcs_bcunpostedcreditmemoid", 20, "BC Unposted Credit Memo Id"),
        text("bcs_bcpostedcreditmemoid", 20, "BC Posted Credit Memo Id"),
        memo("bcs_errormessage", 2000, "Error Message"),
        owner_column(),
        *active_inactive(),
        *audit_columns(),
    ),
    relationships=(
        OneToMany(LINES, "bcs_bcinvoicestagingline", "bcs_invoicestaging", cascade_delete=True),
    ),
    change_tracking=True,
    custom=True,
    states=ACTIVE_INACTIVE,
)  # fmt: skip

INVOICESTAGINGLINE = Table(
    "bcs_bcinvoicestagingline", "bcs_bcinvoicestaginglines", "BC Invoice Staging Line",
    "bcs_bcinvoicestaginglineid", "bcs_name",
    columns=(
        id_column("bcs_bcinvoicestaginglineid", "BC Invoice Staging Line"),
        text("bcs_name", 100, "Name", required=Required.APPLICATION),
        custom_lookup("bcs_InvoiceStaging", "bcs_bcinvoicestaging", "Document No",
                      required=Required.APPLICATION),
        custom_lookup("bcs_InvoiceLineDetail", "msdyn_invoicelinetransaction",
                      "Invoice Line Detail"),
        text("bcs_description", 100, "Description"),
        choice("bcs_billingtype", BILLING_TYPES, "Billing Type"),
        text("bcs_transactioncategory", 100, "Transaction Category"),
        choice("bcs_transactionclass", TRANSACTION_CLASSES, "Transaction Class"),
        text("bcs_dimensioncode", 100, "Dimension Code"),
        text("bcs_dimensionvalue", 100, "Dimension Value"),
        number("bcs_quantity", label="Quantity"),
        number("bcs_unitprice", label="Unit Price"),
        number("bcs_lineamount", label="Line Amount"),
        number("bcs_lineamountbase", label="Line Amount (Base)"),
        number("bcs_exchangerate", label="Exchange Rate"),
        number("bcs_revisedquantity", label="Revised Quantity"),
        number("bcs_creditedquantity", label="Credited Quantity"),
        number("bcs_importsequencenumber", Kind.INTEGER, "Import Sequence Number"),
        choice("bcs_status", STAGING_STATUS, "Status"),
        yes_no("bcs_coupled", "Coupled"),
        owner_column(),
        *active_inactive(),
        *audit_columns(),
    ),
    change_tracking=True,
    custom=True,
    states=ACTIVE_INACTIVE,
)  # fmt: skip
