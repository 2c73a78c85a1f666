"""Every v2.0 entity set the simulator serves answers with the properties its page documents.

The table below is the "Properties" table of each API v2.0 resource page
(`api-reference/v2.0/resources/dynamics_<entity>`, Business Central docs), written as
`name:type`, with `!` where the page says "Read-Only" or "Non-editable". A record read
from the simulator must carry exactly those properties (plus its `@odata.etag`), each
value of its documented type.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.sandbox.bc_documents import error, item_line, ok, unique
from tests.sandbox.clients import Api

pytestmark = pytest.mark.sandbox

PAGES = {
    "customers": (
        "dynamics_customer",
        "id:GUID!, number:string, displayName:string, type:NAV.contactType, addressLine1:string, addressLine2:string, city:string, state:string, country:string, postalCode:string, phoneNumber:string, email:string, website:string, salespersonCode:string, balanceDue:decimal, creditLimit:decimal, taxLiable:boolean, taxAreaId:GUID, taxAreaDisplayName:string, taxRegistrationNumber:string, currencyId:GUID, currencyCode:string, paymentTermsId:GUID, shipmentMethodId:GUID, paymentMethodId:GUID, blocked:NAV.customerBlocked, lastModifiedDateTime:datetime!",
    ),
    "vendors": (
        "dynamics_vendor",
        "id:GUID!, number:string, displayName:string, addressLine1:string, addressLine2:string, city:string, state:string, country:string, postalCode:string, phoneNumber:string, email:string, website:string, taxRegistrationNumber:string, currencyId:GUID, currencyCode:string, irs1099Code:string, paymentTermsId:GUID, paymentMethodId:GUID, taxLiable:boolean, blocked:NAV.vendorBlocked, balance:decimal, lastModifiedDateTime:datetime!",
    ),
    "items": (
        "dynamics_item",
        "id:GUID!, number:string, displayName:string, displayName2:string, type:NAV.itemType, itemCategoryId:GUID, itemCategoryCode:string, blocked:boolean, gtin:string, inventory:decimal!, unitPrice:decimal, priceIncludesTax:boolean, unitCost:decimal, taxGroupId:GUID, taxGroupCode:string, baseUnitOfMeasureId:GUID, baseUnitOfMeasureCode:string, generalProductPostingGroupId:GUID, generalProductPostingGroupCode:string, inventoryPostingGroupId:GUID, inventoryPostingGroupCode:string, lastModifiedDateTime:datetime!",
    ),
    "contacts": (
        "dynamics_contact",
        "id:GUID!, number:string, type:NAV.contactType, displayName:string, jobTitle:string, companyNumber:string, companyName:string, contactBusinessRelation:NAV.contactBusinessRelation, addressLine1:string, addressLine2:string, city:string, state:string, country:string, postalCode:string, phoneNumber:string, mobilePhoneNumber:string, email:string, website:string, searchName:string, privacyBlocked:boolean, taxRegistrationNumber:string, lastInteractionDate:date, lastModifiedDateTime:datetime!",
    ),
    "currencies": (
        "dynamics_currency",
        "id:GUID!, code:string, displayName:string, symbol:string, amountDecimalPlaces:string, amountRoundingPrecision:decimal, lastModifiedDateTime:datetime!",
    ),
    "paymentTerms": (
        "dynamics_paymentterm",
        "id:GUID!, code:string, displayName:string, dueDateCalculation:string, discountDateCalculation:string, discountPercent:decimal, calculateDiscountOnCreditMemos:boolean, lastModifiedDateTime:datetime!",
    ),
    "paymentMethods": (
        "dynamics_paymentmethod",
        "id:GUID!, code:string, displayName:string, lastModifiedDateTime:datetime!",
    ),
    "shipmentMethods": (
        "dynamics_shipmentmethod",
        "id:GUID!, code:string, displayName:string, lastModifiedDateTime:datetime!",
    ),
    "taxAreas": (
        "dynamics_taxarea",
        "id:GUID!, code:string, displayName:string, taxType:NAV.taxBufferType, lastModifiedDateTime:datetime!",
    ),
    "taxGroups": (
        "dynamics_taxgroup",
        "id:GUID!, code:string, displayName:string, taxType:NAV.taxBufferType, lastModifiedDateTime:datetime!",
    ),
    "locations": (
        "dynamics_location",
        "id:GUID!, code:string, displayName:string, contact:string, addressLine1:string, addressLine2:string, city:string, state:string, country:string, postalCode:string, phoneNumber:string, email:string, website:string, lastModifiedDateTime:datetime!",
    ),
    "countriesRegions": (
        "dynamics_countryregion",
        "id:GUID!, code:string, displayName:string, addressFormat:NAV.countryRegionAddressFormat, lastModifiedDateTime:datetime!",
    ),
    "unitsOfMeasure": (
        "dynamics_unitofmeasure",
        "id:GUID!, code:string, displayName:string, internationalStandardCode:string, symbol:string, lastModifiedDateTime:datetime!",
    ),
    "itemCategories": (
        "dynamics_itemcategory",
        "id:GUID!, code:string, displayName:string, lastModifiedDateTime:datetime!",
    ),
    "salespeoplePurchasers": (
        "dynamics_salespersonpurchaser",
        "id:GUID!, code:string, displayName:string, email:string, email2:string, phoneNo:string, jobTitle:string, commisionPercent:decimal, privacyBlocked:boolean, blocked:boolean, lastModifiedDateTime:datetime!",
    ),
    "generalProductPostingGroups": (
        "dynamics_generalproductpostinggroup",
        "id:GUID!, code:string, description:string, defaultVATProductPostingGroup:string, autoInsertDefault:boolean, lastModifiedDateTime:datetime!",
    ),
    "inventoryPostingGroups": (
        "dynamics_inventorypostinggroup",
        "id:GUID!, code:string, description:string, lastModifiedDateTime:datetime!",
    ),
    "accounts": (
        "dynamics_account",
        "id:GUID!, number:string, displayName:string, category:NAV.glAccountCategory, subCategory:string, blocked:boolean, accountType:NAV.glAccountType, directPosting:boolean, netChange:decimal, consolidationTranslationMethod:string, consolidationDebitAccount:string, consolidationCreditAccount:string, excludeFromConsolidation:boolean, lastModifiedDateTime:datetime!",
    ),
    "dimensions": (
        "dynamics_dimension",
        "id:GUID!, code:string, displayName:string, consolidationCode:string, lastModifiedDateTime:datetime!",
    ),
    "dimensionValues": (
        "dynamics_dimensionvalue",
        "id:GUID!, code:string, dimensionId:GUID, displayName:string, consolidationCode:string, lastModifiedDateTime:datetime!",
    ),
    "defaultDimensions": (
        "dynamics_defaultdimension",
        "id:GUID!, parentType:NAV.defaultDimensionParentType, parentId:GUID, dimensionId:GUID, dimensionCode:string, dimensionValueId:GUID, dimensionValueCode:string, postingValidation:NAV.defaultDimensionValuePostingType, lastModifiedDateTime:datetime!",
    ),
    "companies": (
        "dynamics_company",
        "id:GUID!, systemVersion:string, timestamp:int64, name:string, displayName:string, businessProfileId:string, systemCreatedAt:datetime, systemCreatedBy:GUID, systemModifiedAt:datetime, systemModifiedBy:GUID",
    ),
    "salesQuotes": (
        "dynamics_salesquote",
        "id:GUID!, number:string, externalDocumentNumber:string, documentDate:date, postingDate:date, dueDate:date, customerId:GUID, customerNumber:string, customerName:string, billToName:string, billToCustomerId:GUID, billToCustomerNumber:string, shipToName:string, shipToContact:string, sellToAddressLine1:string, sellToAddressLine2:string, sellToCity:string, sellToCountry:string, sellToState:string, sellToPostCode:string, billToAddressLine1:string, billToAddressLine2:string, billToCity:string, billToCountry:string, billToState:string, billToPostCode:string, shipToAddressLine1:string, shipToAddressLine2:string, shipToCity:string, shipToCountry:string, shipToState:string, shipToPostCode:string, shortcutDimension1Code:string, shortcutDimension2Code:string, currencyId:GUID, currencyCode:string, paymentTermsId:GUID, shipmentMethodId:GUID, salesperson:string, discountAmount:decimal, totalAmountExcludingTax:decimal!, totalTaxAmount:decimal!, totalAmountIncludingTax:decimal!, status:NAV.salesQuoteEntityBufferStatus, sentDate:datetime!, validUntilDate:date, acceptedDate:date!, lastModifiedDateTime:datetime!, phoneNumber:string, email:string",
    ),
    "salesQuoteLines": (
        "dynamics_salesquoteline",
        "id:GUID!, documentId:GUID, sequence:integer, itemId:GUID, accountId:GUID, lineType:NAV.invoiceLineAggLineType, lineObjectNumber:string, description:string, description2:string, unitOfMeasureId:GUID, unitOfMeasureCode:string, unitPrice:decimal, quantity:decimal, discountAmount:decimal, discountPercent:decimal, discountAppliedBeforeTax:boolean, amountExcludingTax:decimal!, taxCode:string, taxPercent:decimal!, totalTaxAmount:decimal!, amountIncludingTax:decimal!, netAmount:decimal!, netTaxAmount:decimal!, netAmountIncludingTax:decimal!, itemVariantId:GUID, locationId:GUID",
    ),
    "salesOrders": (
        "dynamics_salesorder",
        "id:GUID!, number:string, externalDocumentNumber:string, orderDate:date, postingDate:date, customerId:GUID, customerNumber:string, customerName:string, billToName:string, billToCustomerId:GUID, billToCustomerNumber:string, shipToName:string, shipToContact:string, sellToAddressLine1:string, sellToAddressLine2:string, sellToCity:string, sellToCountry:string, sellToState:string, sellToPostCode:string, billToAddressLine1:string, billToAddressLine2:string, billToCity:string, billToCountry:string, billToState:string, billToPostCode:string, shipToAddressLine1:string, shipToAddressLine2:string, shipToCity:string, shipToCountry:string, shipToState:string, shipToPostCode:string, shortcutDimension1Code:string, shortcutDimension2Code:string, currencyId:GUID, currencyCode:string, pricesIncludeTax:boolean!, paymentTermsId:GUID, shipmentMethodId:GUID, salesperson:string, partialShipping:boolean, requestedDeliveryDate:date, discountAmount:decimal, discountAppliedBeforeTax:boolean, totalAmountExcludingTax:decimal!, totalTaxAmount:decimal!, totalAmountIncludingTax:decimal!, fullyShipped:boolean, status:NAV.salesOrderEntityBufferStatus, lastModifiedDateTime:datetime!, phoneNumber:string, email:string",
    ),
    "salesOrderLines": (
        "dynamics_salesorderline",
        "id:GUID!, documentId:GUID, sequence:integer, itemId:GUID, accountId:GUID, lineType:NAV.invoiceLineAggLineType, lineObjectNumber:string, description:string, description2:string, unitOfMeasureId:GUID, unitOfMeasureCode:string, quantity:decimal, unitPrice:decimal, discountAmount:decimal, discountPercent:decimal, discountAppliedBeforeTax:boolean, amountExcludingTax:decimal!, taxCode:string, taxPercent:decimal!, totalTaxAmount:decimal!, amountIncludingTax:decimal!, invoiceDiscountAllocation:decimal!, netAmount:decimal!, netTaxAmount:decimal!, netAmountIncludingTax:decimal!, shipmentDate:date, shippedQuantity:decimal, invoicedQuantity:decimal, invoiceQuantity:decimal, shipQuantity:decimal, itemVariantId:GUID, locationId:GUID",
    ),
    "salesInvoices": (
        "dynamics_salesinvoice",
        "id:GUID!, number:string, externalDocumentNumber:string, invoiceDate:date, postingDate:date, dueDate:date, promisedPayDate:date, customerPurchaseOrderReference:string, customerId:GUID, customerNumber:string, customerName:string, billToName:string, billToCustomerId:GUID, billToCustomerNumber:string, shipToName:string, shipToContact:string, sellToAddressLine1:string, sellToAddressLine2:string, sellToCity:string, sellToCountry:string, sellToState:string, sellToPostCode:string, billToAddressLine1:string, billToAddressLine2:string, billToCity:string, billToCountry:string, billToState:string, billToPostCode:string, shipToAddressLine1:string, shipToAddressLine2:string, shipToCity:string, shipToCountry:string, shipToState:string, shipToPostCode:string, currencyId:GUID, shortcutDimension1Code:string, shortcutDimension2Code:string, currencyCode:string, orderId:GUID!, orderNumber:string!, paymentTermsId:GUID, shipmentMethodId:GUID, salesperson:string, disputeStatusId:GUID, disputeStatus:string, pricesIncludeTax:boolean!, remainingAmount:decimal, discountAmount:decimal, discountAppliedBeforeTax:boolean, totalAmountExcludingTax:decimal!, totalTaxAmount:decimal!, totalAmountIncludingTax:decimal!, status:NAV.invoiceEntityAggregateStatus, lastModifiedDateTime:datetime!, phoneNumber:string, email:string",
    ),
    "salesInvoiceLines": (
        "dynamics_salesinvoiceline",
        "id:GUID!, documentId:GUID, sequence:integer, itemId:GUID, accountId:GUID, lineType:NAV.invoiceLineAggLineType, lineObjectNumber:string, description:string, description2:string, unitOfMeasureId:GUID, unitOfMeasureCode:string, quantity:decimal, unitPrice:decimal, discountAmount:decimal, discountPercent:decimal, discountAppliedBeforeTax:boolean, amountExcludingTax:decimal!, taxCode:string, taxPercent:decimal!, totalTaxAmount:decimal!, amountIncludingTax:decimal!, invoiceDiscountAllocation:decimal!, netAmount:decimal!, netTaxAmount:decimal!, netAmountIncludingTax:decimal!, shipmentDate:date, itemVariantId:GUID, locationId:GUID",
    ),
    "salesCreditMemos": (
        "dynamics_salescreditmemo",
        "id:GUID!, number:string, externalDocumentNumber:string, creditMemoDate:date, postingDate:date, dueDate:date, customerId:GUID, customerNumber:string, customerName:string, billToName:string, billToCustomerId:GUID, billToCustomerNumber:string, sellToAddressLine1:string, sellToAddressLine2:string, sellToCity:string, sellToCountry:string, sellToState:string, sellToPostCode:string, billToAddressLine1:string, billToAddressLine2:string, billToCity:string, billToCountry:string, billToState:string, billToPostCode:string, shortcutDimension1Code:string, shortcutDimension2Code:string, currencyId:GUID, currencyCode:string, paymentTermsId:GUID, shipmentMethodId:GUID, salesperson:string, pricesIncludeTax:boolean!, discountAmount:decimal, discountAppliedBeforeTax:boolean, totalAmountExcludingTax:decimal!, totalTaxAmount:decimal!, totalAmountIncludingTax:decimal!, status:NAV.salesCrMemoEntityBufferStatus, lastModifiedDateTime:datetime!, invoiceId:GUID, invoiceNumber:string, phoneNumber:string, email:string, customerReturnReasonId:GUID",
    ),
    "salesCreditMemoLines": (
        "dynamics_salescreditmemoline",
        "id:GUID!, documentId:GUID, sequence:integer, itemId:GUID, accountId:GUID, lineType:NAV.invoiceLineAggLineType, lineObjectNumber:string, description:string, description2:string, unitOfMeasureId:GUID, unitOfMeasureCode:string, unitPrice:decimal, quantity:decimal, discountAmount:decimal, discountPercent:decimal, discountAppliedBeforeTax:boolean, amountExcludingTax:decimal!, taxCode:string, taxPercent:decimal!, totalTaxAmount:decimal!, amountIncludingTax:decimal!, invoiceDiscountAllocation:decimal!, netAmount:decimal!, netTaxAmount:decimal!, netAmountIncludingTax:decimal!, shipmentDate:date, itemVariantId:GUID, locationId:GUID",
    ),
    "purchaseInvoices": (
        "dynamics_purchaseinvoice",
        "id:GUID!, number:string, postingDate:date, invoiceDate:date, dueDate:date, vendorInvoiceNumber:string, vendorId:GUID, vendorNumber:string, vendorName:string, payToName:string, payToContact:string, payToVendorId:GUID, payToVendorNumber:string, shipToName:string, shipToContact:string, buyFromAddressLine1:string, buyFromAddressLine2:string, buyFromCity:string, buyFromCountry:string, buyFromState:string, buyFromPostCode:string, shipToAddressLine1:string, shipToAddressLine2:string, shipToCity:string, shipToCountry:string, shipToState:string, shipToPostCode:string, payToAddressLine1:string, payToAddressLine2:string, payToCity:string, payToCountry:string, payToState:string, payToPostCode:string, shortcutDimension1Code:string, shortcutDimension2Code:string, currencyId:GUID, currencyCode:string, orderId:GUID!, orderNumber:string!, purchaser:string, pricesIncludeTax:boolean!, discountAmount:decimal, discountAppliedBeforeTax:boolean, totalAmountExcludingTax:decimal!, totalTaxAmount:decimal!, totalAmountIncludingTax:decimal!, status:NAV.invoiceEntityAggregateStatus, lastModifiedDateTime:datetime!",
    ),
    "purchaseInvoiceLines": (
        "dynamics_purchaseinvoiceline",
        "id:GUID!, documentId:GUID, sequence:integer, itemId:GUID, accountId:GUID, lineType:NAV.invoiceLineAggLineType, lineObjectNumber:string, description:string, description2:string, unitOfMeasureId:GUID, unitOfMeasureCode:string, unitCost:decimal, quantity:decimal, discountAmount:decimal, discountPercent:decimal, discountAppliedBeforeTax:boolean, amountExcludingTax:decimal!, taxCode:string, taxPercent:decimal!, totalTaxAmount:decimal!, amountIncludingTax:decimal!, invoiceDiscountAllocation:decimal!, netAmount:decimal!, netTaxAmount:decimal!, netAmountIncludingTax:decimal!, expectedReceiptDate:date, itemVariantId:GUID, locationId:GUID",
    ),
    "purchaseCreditMemos": (
        "dynamics_purchasecreditmemo",
        "id:GUID!, number:string, creditMemoDate:date, postingDate:date, dueDate:date, vendorId:GUID, vendorNumber:string, vendorName:string, vendorCreditMemoNumber:string, payToVendorId:GUID, payToVendorNumber:string, payToName:string, buyFromAddressLine1:string, buyFromAddressLine2:string, buyFromCity:string, buyFromCountry:string, buyFromState:string, buyFromPostCode:string, payToAddressLine1:string, payToAddressLine2:string, payToCity:string, payToCountry:string, payToState:string, payToPostCode:string, shortcutDimension1Code:string, shortcutDimension2Code:string, currencyId:GUID, currencyCode:string, paymentTermsId:GUID, shipmentMethodId:GUID, purchaser:string, pricesIncludeTax:boolean!, discountAmount:decimal, discountAppliedBeforeTax:boolean, totalAmountExcludingTax:decimal!, totalTaxAmount:decimal!, totalAmountIncludingTax:decimal!, status:NAV.purchCrMemoEntityStatus, lastModifiedDateTime:datetime!, invoiceId:GUID, invoiceNumber:string, vendorReturnReasonId:GUID",
    ),
    "purchaseCreditMemoLines": (
        "dynamics_purchasecreditmemoline",
        "id:GUID!, documentId:GUID, sequence:integer, itemId:GUID, accountId:GUID, lineType:NAV.invoiceLineAggLineType, lineObjectNumber:string, description:string, unitOfMeasureId:GUID, unitOfMeasureCode:string, unitCost:decimal, quantity:decimal, discountAmount:decimal, discountPercent:decimal, discountAppliedBeforeTax:boolean, amountExcludingTax:decimal!, taxCode:string, taxPercent:decimal!, totalTaxAmount:decimal!, amountIncludingTax:decimal!, invoiceDiscountAllocation:decimal!, netAmount:decimal!, netTaxAmount:decimal!, netAmountIncludingTax:decimal!, itemVariantId:GUID, locationId:GUID",
    ),
    "dimensionSetLines": (
        "dynamics_dimensionsetline",
        "id:GUID!, code:string, consolidationCode:string, parentId:GUID, parentType:NAV.dimensionSetEntryBufferParentType, displayName:string, valueId:GUID, valueCode:string, valueConsolidationCode:string, valueDisplayName:string!",
    ),
}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def documented(entity_set: str) -> dict[str, tuple[str, bool]]:
    """name → (type, read-only) as the resource page lists them."""
    properties = {}
    for item in PAGES[entity_set][1].split(", "):
        name, _, kind = item.partition(":")
        properties[name] = (kind.rstrip("!"), kind.endswith("!"))
    return properties


def has_type(kind: str, value: Any) -> bool:
    checks = {
        "string": lambda v: isinstance(v, str),
        "GUID": lambda v: isinstance(v, str) and bool(_GUID.match(v)),
        "decimal": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "int64": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "date": lambda v: isinstance(v, str) and bool(_DATE.match(v)),
        "datetime": lambda v: isinstance(v, str) and bool(_DATETIME.match(v)),
    }
    return isinstance(value, str) if kind.startswith("NAV.") else checks[kind](value)


def _document(bc: Api, header_set: str, line_set: str, party: dict[str, str]) -> dict[str, Any]:
    body = {**party, line_set: [item_line("SPE_E3", 1)]}
    created = ok(bc.request("POST", f"/{header_set}", json=body), 201)
    return ok(bc.get(f"/{header_set}({created['id']})"))


def sample(bc: Api, entity_set: str) -> dict[str, Any]:
    """One record of the set as the API answers it (made when the set starts empty)."""
    sales = {"customerNumber": "C00010"}
    documents = {
        "salesQuotes": ("salesQuoteLines", sales), "salesOrders": ("salesOrderLines", sales),
        "salesInvoices": ("salesInvoiceLines", sales),
        "salesCreditMemos": ("salesCreditMemoLines", sales),
        "purchaseInvoices": ("purchaseInvoiceLines",
                             {"vendorNumber": "V00020", "vendorInvoiceNumber": unique("VI")}),
        "purchaseCreditMemos": ("purchaseCreditMemoLines", {"vendorNumber": "V00020"}),
    }  # fmt: skip
    if entity_set == "companies":
        return ok(bc.get(bc.base.rsplit("/companies(", 1)[0] + "/companies"))["value"][0]  # type: ignore[no-any-return]
    if entity_set in documents:
        return _document(bc, entity_set, *documents[entity_set])
    lines = {lines: header for header, (lines, _) in documents.items()}
    if entity_set in lines:
        header = sample(bc, lines[entity_set])
        return ok(bc.get(f"/{lines[entity_set]}({header['id']})/{entity_set}"))["value"][0]  # type: ignore[no-any-return]
    if entity_set == "dimensionSetLines":
        header = sample(bc, "salesInvoices")
        return ok(bc.get(f"/salesInvoices({header['id']})/dimensionSetLines"))["value"][0]  # type: ignore[no-any-return]
    return ok(bc.get(f"/{entity_set}"))["value"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("entity_set", sorted(PAGES))
def test_a_record_has_every_documented_property_of_its_type(bc: Api, entity_set: str) -> None:
    """api-reference/v2.0/resources/dynamics_<entity> (the page named in PAGES): the
    record has the page's properties, no others, each of the documented type."""
    record = sample(bc, entity_set)
    expected = documented(entity_set)
    shown = set(record) - {"@odata.etag", "@odata.context"}
    assert shown == set(expected), PAGES[entity_set][0]
    wrong = {name: record[name] for name, (kind, _) in expected.items()
             if not has_type(kind, record[name])}  # fmt: skip
    assert wrong == {}


WRITABLE_SETS = {
    "customers": {"displayName": "x"}, "vendors": {"displayName": "x"}, "items": {},
    "contacts": {"displayName": "x"}, "currencies": {}, "paymentTerms": {},
    "paymentMethods": {}, "shipmentMethods": {}, "taxAreas": {}, "taxGroups": {},
    "locations": {}, "countriesRegions": {}, "unitsOfMeasure": {}, "itemCategories": {},
    "salespeoplePurchasers": {}, "salesQuotes": {"customerNumber": "C00010"},
    "salesOrders": {"customerNumber": "C00010"}, "salesInvoices": {"customerNumber": "C00010"},
    "salesCreditMemos": {"customerNumber": "C00010"},
    "purchaseInvoices": {"vendorNumber": "V00020"},
    "purchaseCreditMemos": {"vendorNumber": "V00020"},
}  # fmt: skip
READ_ONLY_CASES = [
    (entity_set, name)
    for entity_set in WRITABLE_SETS
    for name, (_, read_only) in documented(entity_set).items()
    if read_only and name != "id"  # a client may choose the id of a new record
]


@pytest.mark.parametrize(("entity_set", "name"), READ_ONLY_CASES)
def test_a_documented_read_only_property_is_refused(bc: Api, entity_set: str, name: str) -> None:
    """api-reference/v2.0/resources/dynamics_<entity>: properties the page marks "Read-Only"
    cannot be written; BC answers 400 BadRequest_InvalidOperation "Control ... is read-only"
    (webservices/dynamics-error-codes)."""
    kind = documented(entity_set)[name][0]
    value = {"decimal": 1, "boolean": True, "date": "2025-01-01", "GUID": unique_guid(),
             "datetime": "2025-01-01T00:00:00Z"}.get(kind, "X")  # fmt: skip
    body = {**WRITABLE_SETS[entity_set], name: value}
    code, message = error(bc.request("POST", f"/{entity_set}", json=body))
    assert (code, message.split("  CorrelationId")[0]) == (
        "BadRequest_InvalidOperation",
        f"Control '{name}' is read-only.",
    )
    record = sample(bc, entity_set)
    patch = bc.request("PATCH", f"/{entity_set}({record['id']})", json={name: value},
                       headers={"If-Match": "*"})  # fmt: skip
    assert error(patch)[0] == "BadRequest_InvalidOperation"


def unique_guid() -> str:
    return str(uuid.uuid4())
