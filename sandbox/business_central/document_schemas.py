"""The properties of the BC simulator's document headers and lines, one table per entity set.

From the API v2.0 resource pages `dynamics_salesquote`, `_salesorder`, `_salesinvoice`,
`_salescreditmemo`, `_purchaseinvoice`, `_purchasecreditmemo` and their `...line` pages, in
the pages' order. Read-only: what the pages mark "Read-Only", and what the API pages
(APIV2 app) make non-editable: `number`, the customer's or vendor's names, the bill-to
(sales invoice and order) and pay-to (purchase invoice) addresses, `pricesIncludeTax`,
`discountAppliedBeforeTax`, totals, `status`, order and shipped/invoiced quantities.
Deviations, on purpose:

- the header `discountAmount` (an invoice discount BC spreads over the lines) is refused:
  the simulator computes no discounts; `shortcutDimension1Code`/`2Code` are read-only and
  follow the document's dimension set lines (set those instead),
- `externalDocumentNumber`, `vendorInvoiceNumber` and `vendorCreditMemoNumber` are
  Code[35] fields: stored upper-cased, as BC does,
- a line's `lineObjectNumber` is a Code[20] like the Item No. and G/L Account No. it names,
- purchase credit memo lines have no `description2`: neither their resource page nor the
  APIV2 page (APIV2PurchCrMemoLines) has it, so writing it is an unknown property.
"""

from __future__ import annotations

from sandbox.business_central.schema import (
    Prop,
    boolean,
    code,
    date_,
    datetime_,
    decimal,
    enum,
    guid,
    integer,
    ro,
    text,
)

TOTALS = (
    ro(decimal("totalAmountExcludingTax")), ro(decimal("totalTaxAmount")),
    ro(decimal("totalAmountIncludingTax")),
)  # fmt: skip
_SHORTCUTS = (ro(code("shortcutDimension1Code", 20)), ro(code("shortcutDimension2Code", 20)))
_DISCOUNT = (ro(decimal("discountAmount")), ro(boolean("discountAppliedBeforeTax")))
_PAYMENT = (guid("paymentTermsId"), guid("shipmentMethodId"))
_CURRENCY = (guid("currencyId"), code("currencyCode", 10))
_SHIP_TO_NAME = (text("shipToName", 100), text("shipToContact", 100))
_CONTACT = (text("phoneNumber", 30), text("email", 80))
_CUSTOMER = (
    guid("customerId"), code("customerNumber", 20), ro(text("customerName", 100)),
    ro(text("billToName", 100)), guid("billToCustomerId"), code("billToCustomerNumber", 20),
)  # fmt: skip


def address(prefix: str, *, read_only: bool = False) -> tuple[Prop, ...]:
    """A document address block as the pages list it: ...AddressLine1, ...AddressLine2,
    ...City, ...Country, ...State, ...PostCode (the Sales Header's field sizes)."""
    props = (text(f"{prefix}AddressLine1", 100), text(f"{prefix}AddressLine2", 50),
             text(f"{prefix}City", 30), code(f"{prefix}Country", 10),
             text(f"{prefix}State", 30), code(f"{prefix}PostCode", 20))  # fmt: skip
    return tuple(ro(prop) for prop in props) if read_only else props


SALES_QUOTE = (
    ro(code("number", 20)), code("externalDocumentNumber", 35), date_("documentDate"),
    date_("postingDate"), date_("dueDate"), *_CUSTOMER, *_SHIP_TO_NAME, *address("sellTo"),
    *address("billTo"), *address("shipTo"), *_SHORTCUTS, *_CURRENCY, *_PAYMENT,
    code("salesperson", 20), ro(decimal("discountAmount")), *TOTALS,
    ro(enum("status", "salesQuoteEntityBufferStatus")), ro(datetime_("sentDate")),
    date_("validUntilDate"), ro(date_("acceptedDate")), *_CONTACT,
)  # fmt: skip

SALES_ORDER = (
    ro(code("number", 20)), code("externalDocumentNumber", 35), date_("orderDate"),
    date_("postingDate"), *_CUSTOMER, *_SHIP_TO_NAME, *address("sellTo"),
    *address("billTo", read_only=True), *address("shipTo"), *_SHORTCUTS, *_CURRENCY,
    ro(boolean("pricesIncludeTax")), *_PAYMENT, code("salesperson", 20),
    boolean("partialShipping"), date_("requestedDeliveryDate"), *_DISCOUNT, *TOTALS,
    ro(boolean("fullyShipped")), ro(enum("status", "salesOrderEntityBufferStatus")), *_CONTACT,
)  # fmt: skip

SALES_INVOICE = (
    ro(code("number", 20)), code("externalDocumentNumber", 35), date_("invoiceDate"),
    date_("postingDate"), date_("dueDate"), date_("promisedPayDate"),
    text("customerPurchaseOrderReference", 35), *_CUSTOMER, *_SHIP_TO_NAME,
    *address("sellTo"), *address("billTo", read_only=True), *address("shipTo"),
    guid("currencyId"), *_SHORTCUTS, code("currencyCode", 10), ro(guid("orderId")),
    ro(code("orderNumber", 20)), *_PAYMENT, code("salesperson", 20), guid("disputeStatusId"),
    code("disputeStatus", 10), ro(boolean("pricesIncludeTax")), ro(decimal("remainingAmount")),
    *_DISCOUNT, *TOTALS, ro(enum("status", "invoiceEntityAggregateStatus")), *_CONTACT,
)  # fmt: skip

SALES_CREDIT_MEMO = (
    ro(code("number", 20)), code("externalDocumentNumber", 35), date_("creditMemoDate"),
    date_("postingDate"), date_("dueDate"), *_CUSTOMER, *address("sellTo"),
    *address("billTo"), *_SHORTCUTS, *_CURRENCY, *_PAYMENT, code("salesperson", 20),
    ro(boolean("pricesIncludeTax")), *_DISCOUNT, *TOTALS,
    ro(enum("status", "salesCrMemoEntityBufferStatus")), guid("invoiceId"),
    code("invoiceNumber", 20), *_CONTACT, guid("customerReturnReasonId"),
)  # fmt: skip

PURCHASE_INVOICE = (
    ro(code("number", 20)), date_("postingDate"), date_("invoiceDate"), date_("dueDate"),
    code("vendorInvoiceNumber", 35), guid("vendorId"), code("vendorNumber", 20),
    ro(text("vendorName", 100)), ro(text("payToName", 100)), ro(text("payToContact", 100)),
    guid("payToVendorId"), code("payToVendorNumber", 20), *_SHIP_TO_NAME,
    *address("buyFrom"), *address("shipTo"), *address("payTo", read_only=True), *_SHORTCUTS,
    *_CURRENCY, ro(guid("orderId")), ro(code("orderNumber", 20)), code("purchaser", 20),
    ro(boolean("pricesIncludeTax")), *_DISCOUNT, *TOTALS,
    ro(enum("status", "invoiceEntityAggregateStatus")),
)  # fmt: skip

PURCHASE_CREDIT_MEMO = (
    ro(code("number", 20)), date_("creditMemoDate"), date_("postingDate"), date_("dueDate"),
    guid("vendorId"), code("vendorNumber", 20), ro(text("vendorName", 100)),
    code("vendorCreditMemoNumber", 35), guid("payToVendorId"), code("payToVendorNumber", 20),
    ro(text("payToName", 100)), *address("buyFrom"), *address("payTo"), *_SHORTCUTS,
    *_CURRENCY, *_PAYMENT, code("purchaser", 20), ro(boolean("pricesIncludeTax")), *_DISCOUNT,
    *TOTALS, ro(enum("status", "purchCrMemoEntityStatus")), guid("invoiceId"),
    code("invoiceNumber", 20), guid("vendorReturnReasonId"),
)  # fmt: skip
HEADERS = {
    "salesQuotes": SALES_QUOTE,
    "salesOrders": SALES_ORDER,
    "salesInvoices": SALES_INVOICE,
    "salesCreditMemos": SALES_CREDIT_MEMO,
    "purchaseInvoices": PURCHASE_INVOICE,
    "purchaseCreditMemos": PURCHASE_CREDIT_MEMO,
}

LINE_AMOUNTS = (
    "discountAppliedBeforeTax", "amountExcludingTax", "taxPercent", "totalTaxAmount",
    "amountIncludingTax", "invoiceDiscountAllocation", "netAmount", "netTaxAmount",
    "netAmountIncludingTax",
)  # fmt: skip


def line_props(
    price: str, *, allocation: bool = True, after: tuple[Prop, ...] = (), description2: bool = True
) -> tuple[Prop, ...]:
    """A document line's properties: `price` is unitPrice or unitCost; `after` follows the
    amounts (shipment date, quantities) on the page."""
    head = (guid("documentId"), integer("sequence"), guid("itemId"), guid("accountId"),
            enum("lineType", "invoiceLineAggLineType"), code("lineObjectNumber", 20),
            text("description", 100))  # fmt: skip
    tail = (guid("unitOfMeasureId"), code("unitOfMeasureCode", 10), decimal("quantity"),
            decimal(price), decimal("discountAmount"), decimal("discountPercent"),
            ro(boolean("discountAppliedBeforeTax")), ro(decimal("amountExcludingTax")),
            code("taxCode", 20), ro(decimal("taxPercent")), ro(decimal("totalTaxAmount")),
            ro(decimal("amountIncludingTax")))  # fmt: skip
    net = (ro(decimal("netAmount")), ro(decimal("netTaxAmount")),
           ro(decimal("netAmountIncludingTax")))  # fmt: skip
    second = (text("description2", 50),) if description2 else ()
    return (*head, *second, *tail,
            *((ro(decimal("invoiceDiscountAllocation")),) if allocation else ()), *net,
            *after, guid("itemVariantId"), guid("locationId"))  # fmt: skip


ORDER_LINE_QUANTITIES = (
    date_("shipmentDate"), ro(decimal("shippedQuantity")), ro(decimal("invoicedQuantity")),
    decimal("invoiceQuantity"), decimal("shipQuantity"),
)  # fmt: skip
LINES = {
    "salesQuoteLines": line_props("unitPrice", allocation=False),
    "salesOrderLines": line_props("unitPrice", after=ORDER_LINE_QUANTITIES),
    "salesInvoiceLines": line_props("unitPrice", after=(date_("shipmentDate"),)),
    "salesCreditMemoLines": line_props("unitPrice", after=(date_("shipmentDate"),)),
    "purchaseInvoiceLines": line_props("unitCost", after=(date_("expectedReceiptDate"),)),
    "purchaseCreditMemoLines": line_props("unitCost", description2=False),
}
