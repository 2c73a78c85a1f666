"""EcpPro invoice seed: headers with nested lines, built from the shared catalog.

Each invoice bills one catalog customer (in that customer's currency, "" = local) for
license products and, sometimes, services; it names the vendor that supplied the
licenses and the vendor's invoice number. Several invoices share a provider invoice
number per vendor and month, because one distributor bill covers many customers (the
purchase flow reuses an open purchase document for them). Service lines have no unit
cost, so they produce no purchase line. Every 10th invoice, from the 8th, is a credit:
negative quantities, negative amounts and a negative total.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sandbox.catalog import CUSTOMERS, LICENSE_SKUS, SERVICE_LINES, VENDORS, random_id

FIRST_INVOICE_DATE = date(2025, 5, 1)
COST_CENTRES = ("", "CC-100", "CC-200", "CC-300")
Record = dict[str, Any]


def invoice_records(rng: random.Random, tenant_ids: list[str], count: int) -> list[Record]:
    """`count` invoices for the given tenants (ids drawn from `rng`)."""
    invoices = []
    for index in range(count):
        invoice_date = FIRST_INVOICE_DATE + timedelta(days=rng.randint(0, 60))
        customer = rng.choice(CUSTOMERS)
        vendor = rng.choice(VENDORS)
        sign = -1 if index % 10 == 7 else 1
        lines = _lines(rng, sign)
        invoices.append({
            "id": random_id(rng),
            "invoiceNumber": f"{'CR' if sign < 0 else 'INV'}-{invoice_date.year}-{index + 1:05d}",
            "invoiceDate": invoice_date.isoformat(),
            "dueDate": (invoice_date + timedelta(days=30)).isoformat(),
            "tenantId": rng.choice(tenant_ids) if tenant_ids else "",
            "customerNumber": customer.number, "customerName": customer.name,
            "currencyCode": customer.currency_code,
            "vendorNumber": vendor.number,
            "providerInvoiceNumber": f"{vendor.number}-{invoice_date:%Y%m}-{rng.randint(1, 3)}",
            "costCentre": rng.choice(COST_CENTRES),
            "totalAmount": round(sum(line["amount"] for line in lines), 2),
            "lines": lines,
        })  # fmt: skip
    return invoices


def _lines(rng: random.Random, sign: int) -> list[Record]:
    paid = [sku for sku in LICENSE_SKUS if not sku.is_free]
    lines = []
    for line_no in range(1, rng.randint(1, 5) + 1):
        quantity = sign * rng.randint(1, 60)
        if rng.random() < 0.8:
            sku = rng.choice(paid)
            code, description, price, cost = sku.code, sku.name, sku.unit_price, sku.unit_cost
        else:
            code, description, price = rng.choice(SERVICE_LINES)
            cost = None
        lines.append({
            "lineNo": line_no * 10000, "productCode": code, "description": description,
            "quantity": quantity, "unitPrice": price, "unitCost": cost,
            "amount": round(quantity * price, 2),
        })  # fmt: skip
    return lines
